// The idea form: a new idea goes through the outbox with a fresh client id, so that
// a post retried after a lost answer is stored once. The text stays in the form only
// when it is refused at once, to correct and post again.
//
// Each field says its limit (the server's: "limits.idea") and a mistake is said under
// the field it is about, never cut silently. Messages last while they are true: "your
// idea is posted" goes once the next one is being typed (or after a while), the "no
// connection" notice is replaced once the queued idea is sent. After a post the focus
// is back in the empty title field, ready for the next idea.
import { $, randomId } from "../dom.js";
import { errorText } from "../errors.js";
import { label, t } from "../i18n.js";
import { Commands } from "../protocol.js";

const FIELDS = ["title", "description", "need"];

const number = (n) => new Intl.NumberFormat(document.documentElement.lang || "fr").format(n);

// A field's length as the server counts it: NFC, and a title's spaces collapsed.
function length(name, value) {
  const text = value.normalize("NFC").replace(/\r\n?/g, "\n");
  const cleaned = name === "title" ? text.split(/\s+/).join(" ").trim() : text.trim();
  return [...cleaned].length;
}

export function mountPostForm({ form, outbox, store, say }) {
  const limits = Object.fromEntries(FIELDS.map((name) => [name, Number(label("limits.idea", name))]));
  let announced = null; // outbox key of the queued idea the status line speaks of

  const fieldError = (name, text) => {
    const field = form.elements[name];
    const line = $(`#idea-${name}-error`);
    line.textContent = text || "";
    line.hidden = !text;
    if (text) field.setAttribute("aria-invalid", "true");
    else field.removeAttribute("aria-invalid");
  };
  const clearErrors = () => FIELDS.forEach((name) => fieldError(name, ""));

  for (const name of FIELDS) {
    $(`#idea-${name}-limit`).textContent = t("field.max", { max: number(limits[name]) });
    form.elements[name].addEventListener("input", () => fieldError(name, ""));
  }

  // The first mistake found before sending: [field, text], or null.
  function mistake(data) {
    if (!data.title.trim()) return ["title", t("idea.title_required")];
    for (const name of FIELDS) {
      const count = length(name, data[name] || "");
      if (count > limits[name]) return [name, t("field.too_long", { count: number(count), max: number(limits[name]) })];
    }
    return null;
  }

  function refuse(name, text) {
    fieldError(name, text);
    say("");
    form.elements[name].focus();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors();
    const data = Object.fromEntries(new FormData(form));
    const found = mistake(data);
    if (found) {
      refuse(...found);
      return;
    }
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    const clientId = randomId();
    const key = `idea:${clientId}`;
    const ack = await outbox.submit(key, Commands.POST_IDEA, { ...data, client_id: clientId }, { idea: true });
    button.disabled = false;
    announced = null;
    if (ack.ok) {
      form.reset();
      form.elements.title.focus();
      say(ack.data.idea.status === "pending" ? t("idea.sent_pending") : t("idea.sent"));
    } else if (ack.queued) {
      form.reset();
      form.elements.title.focus();
      const limited = ack.error?.code === "rate_limited" ? `${errorText(ack.error)} ` : "";
      say(ack.error ? `${limited}${t("outbox.idea_retrying")}` : t("outbox.idea_queued"));
      announced = key;
    } else {
      outbox.remove(key);
      const field = ack.error?.details?.field;
      if (FIELDS.includes(field)) refuse(field, errorText(ack.error));
      else {
        say(errorText(ack.error), "error");
        form.elements.title.focus();
      }
    }
  });

  return {
    // A queued idea was answered: an accepted one is the author's own from now on. A
    // refused one stays in the outbox, shown with the reason under "My ideas". The
    // "no connection" notice about it, if still shown, gives way to the outcome.
    settled(entry, ack) {
      if (ack.ok) store.addOwnIdea(ack.data.idea);
      if (entry.key !== announced) return;
      announced = null;
      if (!$("#post-message").textContent) return; // typed over since: nothing to replace
      if (ack.ok) say(ack.data.idea.status === "pending" ? t("idea.sent_pending") : t("idea.sent"));
      else say(`${t("outbox.not_sent")} ${errorText(ack.error)}`, "error");
    },
  };
}
