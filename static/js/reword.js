// The grouping board's cards of imported ideas: what their file said besides the text
// (source, commune, date…), and « Reformuler », the facilitators' way to reword an
// idea that has no author to do it (reword_idea). The board is rebuilt on every
// change, by anyone: an open editor lives in `drafts`, so a rebuild keeps it open with
// what was typed, and the version it started from is what the save names (two
// facilitators rewording at once: the second is told, and sees the new text).
import { h } from "./dom.js";
import { errorText } from "./errors.js";
import { Commands } from "./protocol.js";
import { itemLabel, t } from "./i18n.js";

export function makeRewording({ store, run, say, render, focusWhenShown, cardEl }) {
  const drafts = new Map(); // idea id → { version, title, description }
  const opened = new Set(); // ideas whose file details are unfolded

  const focusIn = (ideaId, key) => focusWhenShown(() => cardEl(ideaId)?.querySelector(`[data-focus-key="${key}"]`));

  function start(idea) {
    drafts.set(idea.id, { version: idea.version, title: idea.title, description: idea.description ?? "" });
    render();
    focusIn(idea.id, "reword-title");
  }
  function stop(ideaId) {
    drafts.delete(ideaId);
    render();
    focusIn(ideaId, "reword");
  }
  async function save(idea, draft) {
    const title = draft.title.replace(/\s+/g, " ").trim();
    const ack = await run(Commands.REWORD_IDEA, {
      idea_id: idea.id, version: draft.version, title, description: draft.description, need: idea.need ?? "",
    });
    if (!ack.ok) {
      say(errorText(ack.error), "error");
      const now = store.state.ideas.get(idea.id);
      if (ack.error?.code === "conflict" && now) {
        // Someone reworded it meanwhile: show their words, to start again from them.
        drafts.set(idea.id, { version: now.version, title: now.title, description: now.description ?? "" });
        render();
        focusIn(idea.id, "reword-title");
      }
      return;
    }
    say(t("grouping.reworded", { title }));
    stop(idea.id);
  }

  function details(idea) {
    const entries = Object.entries(idea.details ?? {});
    if (!entries.length) return null;
    const box = h("details", { class: "idea__details", open: opened.has(idea.id) },
      h("summary", { dataset: { focusKey: "details" } }, t("grouping.details")),
      h("dl", {}, entries.flatMap(([name, value]) => [h("dt", {}, name), h("dd", {}, value)])));
    box.addEventListener("toggle", () => (box.open ? opened.add(idea.id) : opened.delete(idea.id)));
    return box;
  }

  function editor(idea, draft) {
    const title = h("input", { name: "title", maxlength: 140, required: true, value: draft.title,
      "aria-label": t("grouping.reword_title"), dataset: { focusKey: "reword-title" } });
    const description = h("textarea", { name: "description", maxlength: 2000, rows: 4,
      "aria-label": t("grouping.reword_description"), dataset: { focusKey: "reword-description" } }, draft.description);
    title.addEventListener("input", () => { draft.title = title.value; });
    description.addEventListener("input", () => { draft.description = description.value; });
    const form = h("form", { class: "reword stack", "aria-label": itemLabel("grouping.reword", idea.title) },
      title, description,
      h("p", { class: "row" },
        h("button", { type: "submit", class: "button button--small button--primary", dataset: { focusKey: "reword-save" } },
          t("grouping.reword_save")),
        h("button", { type: "button", class: "button button--small", dataset: { focusKey: "reword-cancel" },
          onclick: () => stop(idea.id) }, t("grouping.reword_cancel"))));
    form.addEventListener("submit", (event) => { event.preventDefault(); save(idea, draft); });
    form.addEventListener("keydown", (event) => {
      if (event.key === "Escape") { event.preventDefault(); event.stopPropagation(); stop(idea.id); }
    });
    return form;
  }

  // What a card of `idea` shows besides its title and actions: its file's details and,
  // for an idea without an author, the editor when open; and the button that opens it.
  return {
    body(idea) {
      const draft = drafts.get(idea.id);
      return [details(idea), draft && idea.participant_id === null ? editor(idea, draft) : null];
    },
    button(idea) {
      if (idea.participant_id !== null || drafts.has(idea.id)) return null;
      return h("button", { type: "button", class: "button button--small", dataset: { focusKey: "reword" },
        "aria-label": itemLabel("grouping.reword", idea.title), onclick: () => start(idea) }, t("grouping.reword"));
    },
  };
}
