// The pitch step on the projected screen (issue #14): the project in the spotlight,
// large (its title, pitch, holder's name if they show it, the part of the turn; the
// timer is the screen's own), the feedback it has received counted by kind, and the
// cards a facilitator chose to show. Between two projects, a waiting line.
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { kindLabel, summaryOf } from "../pitch/model.js";

// Whether the screen shows the pitch step now (then `stage` holds it).
export function renderPitchScreen(store, stage) {
  const pitch = store.state.pitch;
  const on = store.currentPhase()?.kind === "pitch" && Boolean(pitch);
  stage.hidden = !on;
  if (!on) return false;
  const project = pitch.project;
  if (!project) {
    stage.replaceChildren(h("p", { class: "pitch-screen__waiting" }, t("pitch.waiting")));
    return true;
  }
  const part = pitch.part === "pitch" ? t("pitch.part_pitch") : pitch.part === "questions" ? t("pitch.part_questions") : "";
  const summary = summaryOf(pitch, project.id);
  const counts = pitch.kinds.map((kind) => h("li", { class: "pitch-screen__count" },
    h("span", { class: "pitch-screen__number" }, String(summary.counts[kind.key] || 0)), " ",
    kindLabel(pitch, kind.key)));
  const cards = summary.selected.map((card) => h("li", { class: "pitch-screen__card", dataset: { cardId: card.id } },
    h("p", { class: "pitch-screen__kind" }, kindLabel(pitch, card.kind)),
    h("p", { class: "pitch-screen__text" }, card.text),
    card.author ? h("p", { class: "pitch-screen__author" }, card.author) : null));
  stage.replaceChildren(
    h("p", { class: "pitch-screen__position" },
      [t("pitch.position", { position: project.position, count: pitch.count }), part].filter(Boolean).join(" · ")),
    h("h2", { class: "pitch-screen__title" }, project.title),
    project.holder ? h("p", { class: "pitch-screen__holder" }, t("pitch.holder", { name: project.holder })) : null,
    project.pitch ? h("p", { class: "pitch-screen__pitch" }, project.pitch) : null,
    h("div", { class: "pitch-screen__feedback" },
      h("section", { "aria-labelledby": "pitch-counts-heading" },
        h("h3", { id: "pitch-counts-heading", class: "pitch-screen__heading" }, t("pitch.counts")),
        h("ul", { class: "pitch-screen__counts" }, counts)),
      cards.length ? h("ul", { class: "pitch-screen__cards", "aria-label": t("pitch.on_screen") }, cards) : null),
  );
  return true;
}
