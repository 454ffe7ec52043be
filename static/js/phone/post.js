// The idea form: a new idea goes through the outbox with a fresh client id, so that
// a post retried after a lost answer is stored once. The text stays in the form only
// when the server refuses it at once, to correct and post again.
import { randomId } from "../dom.js";
import { errorText } from "../errors.js";
import { t } from "../i18n.js";
import { Commands } from "../protocol.js";

export function mountPostForm({ form, outbox, store, say }) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = Object.fromEntries(new FormData(form));
    if (!data.title.trim()) {
      say(form.elements.title.validationMessage || "", "error");
      form.elements.title.focus();
      return;
    }
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    const clientId = randomId();
    const key = `idea:${clientId}`;
    const ack = await outbox.submit(key, Commands.POST_IDEA, { ...data, client_id: clientId }, { idea: true });
    button.disabled = false;
    if (ack.ok) {
      form.reset();
      say(ack.data.idea.status === "pending" ? t("idea.sent_pending") : t("idea.sent"));
    } else if (ack.queued) {
      form.reset();
      const limited = ack.error?.code === "rate_limited" ? `${errorText(ack.error)} ` : "";
      say(ack.error ? `${limited}${t("outbox.idea_retrying")}` : t("outbox.idea_queued"));
    } else {
      outbox.remove(key);
      say(errorText(ack.error), "error");
    }
  });

  return {
    // A queued idea was answered: an accepted one is the author's own from now on. A
    // refused one stays in the outbox, shown with the reason under "My ideas".
    settled(entry, ack) {
      if (ack.ok) store.addOwnIdea(ack.data.idea);
    },
  };
}
