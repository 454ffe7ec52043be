// "My ideas": the participant's ideas still in the outbox (waiting, or refused with the
// reason and a button to clear them), then those the server has, each with what the
// step allows: edit in place, withdraw, propose a défi.
import { ideaCard, renderList } from "../cards.js";
import { $, h, messageLine, show } from "../dom.js";
import { errorText } from "../errors.js";
import { t } from "../i18n.js";
import { Commands } from "../protocol.js";
import { canPropose, proposeControl } from "./propose.js";
import { withdrawButton } from "./withdraw.js";

export function mountMyIdeas({ store, outbox, command, say, rerender }) {
  let editing = null; // id of the idea being edited

  const startEditing = (id) => { editing = id; rerender(); };

  function editForm(idea) {
    // No maxlength: a text over the limit is refused with the reason, never cut.
    const title = h("input", { name: "title", required: true, value: idea.title, "aria-label": t("action.edit") });
    const description = h("textarea", { name: "description", rows: 3, "aria-label": t("grouping.description") }, idea.description || "");
    const need = h("textarea", { name: "need", rows: 2, "aria-label": t("idea.need") }, idea.need || "");
    const status = h("p", { class: "form-message", role: "status" });
    const formEl = h("form", { class: "stack idea-edit" }, title, description, need, status,
      h("p", { class: "row" },
        h("button", { type: "submit", class: "button button--primary" }, t("action.save")),
        h("button", { type: "button", class: "button", onclick: () => startEditing(null) }, t("action.cancel"))));
    formEl.addEventListener("submit", async (event) => {
      event.preventDefault();
      const ack = await command(Commands.EDIT_IDEA, {
        idea_id: idea.id, title: title.value, description: description.value, need: need.value,
        ...(idea.version ? { version: idea.version } : {}),
      });
      if (ack.ok) {
        editing = null;
        store.addOwnIdea(ack.data.idea);
        say(t("idea.updated"));
      } else {
        messageLine(status)(errorText(ack.error), "error");
        const field = formEl.elements[ack.error?.details?.field];
        if (field) {
          field.setAttribute("aria-invalid", "true");
          field.focus();
        }
      }
    });
    return h("li", { class: "idea idea--editing", dataset: { ideaId: idea.id } }, formEl);
  }

  function queuedIdeaCard(entry) {
    const { title, description, need } = entry.payload;
    const failed = entry.failed;
    const card = ideaCard({ id: entry.key, title, description, need, status: failed ? "hidden" : "pending" }, {
      badge: failed ? `${t("outbox.not_sent")} ${errorText(failed)}` : t("outbox.waiting_one"),
      showAuthor: false,
      actions: failed ? [h("button", { type: "button", class: "button button--small", onclick: () => outbox.remove(entry.key) }, t("outbox.dismiss"))] : [],
    });
    card.classList.add("idea--queued");
    return card;
  }

  function ideaActions(idea, { phase, closed, canEdit }) {
    const actions = [];
    if (canEdit && idea.status !== "hidden") {
      actions.push(h("button", { type: "button", class: "button button--small", onclick: () => startEditing(idea.id) }, t("action.edit")));
    }
    if (!closed && idea.status !== "hidden" && idea.status !== "merged") {
      actions.push(withdrawButton(idea, { command, say }));
    }
    if (canPropose(store, phase, idea)) actions.push(proposeControl(idea, { store, command, say }));
    return actions;
  }

  function ownIdeaCard(idea, step) {
    if (editing === idea.id) return editForm(idea);
    const badge = idea.status === "pending" ? t("idea.pending") : idea.status === "hidden" ? t("idea.hidden")
      : idea.status === "merged" ? t("idea.merged") : null;
    return ideaCard(idea, { actions: ideaActions(idea, step), badge, showAuthor: false });
  }

  return function render(step) {
    const { state } = store;
    const mine = [...state.ideas.values()].filter((idea) => state.myIdeaIds.has(idea.id) && idea.title !== undefined);
    const queued = outbox.entries().filter((entry) => entry.meta.idea);
    show($("#mine-section"), mine.length > 0 || queued.length > 0);
    renderList($("#queued-ideas"), queued.reverse().map((entry) => ({ ...entry, id: entry.key })), queuedIdeaCard,
      (entry) => `${entry.rev}|${entry.failed?.code}`);
    const { canEdit, closed } = step;
    renderList($("#my-ideas"), mine.reverse(), (idea) => ownIdeaCard(idea, step),
      (idea) => `${idea.title}|${idea.description}|${idea.need}|${idea.status}|${editing === idea.id}|${canEdit}|${closed}`);
  };
}
