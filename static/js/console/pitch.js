// The pitch step on the console (issue #14): the cycle's projects in their order, each
// with « mettre en lumière » and its feedback counts; previous / next; the turn's two
// timers and the end of the spotlight; the step's durations; and the incoming cards
// (the spotlit project's first), each with its giver (facilitators see who wrote an
// anonymous card, to moderate), hide / show and show on the screen / take it off.
import { $, h, messageLine, show } from "../dom.js";
import { t, tn } from "../i18n.js";
import { kindLabel, summaryOf } from "../pitch/model.js";
import { Commands } from "../protocol.js";

export function mountPitchPanel({ store, run }) {
  const panel = $("#pitch-panel");
  const form = $("#pitch-settings");
  const say = messageLine($("#pitch-message"));
  let shownSettings = "";

  $("#pitch-prev").addEventListener("click", () => run(Commands.SPOTLIGHT_PROJECT, { direction: "previous" }));
  $("#pitch-next").addEventListener("click", () => run(Commands.SPOTLIGHT_PROJECT, { direction: "next" }));
  $("#pitch-start").addEventListener("click", () => run(Commands.START_PITCH_TIMER, { part: "pitch" }));
  $("#pitch-questions").addEventListener("click", () => run(Commands.START_PITCH_TIMER, { part: "questions" }));
  $("#pitch-end").addEventListener("click", () => run(Commands.END_SPOTLIGHT, {}));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const ack = await run(Commands.CONFIGURE_PITCH, {
      pitch_seconds: Math.round(Number(form.elements.pitch_minutes.value) * 60),
      questions_seconds: Math.round(Number(form.elements.questions_minutes.value) * 60),
    });
    say(ack.ok ? t("pitch.saved") : "");
  });

  function cardItem(pitch, card) {
    const flags = [card.hidden ? t("pitch.hidden") : "", card.selected ? t("pitch.on_screen") : ""].filter(Boolean);
    return h("li", { class: card.hidden ? "pitch-card pitch-card--hidden" : "pitch-card", dataset: { cardId: card.id } },
      h("p", { class: "muted small" }, [kindLabel(pitch, card.kind), card.author,
        card.signed ? "" : t("pitch.anonymous"), ...flags].filter(Boolean).join(" · ")),
      h("p", { class: "pre-line" }, card.text),
      h("p", { class: "row" },
        h("button", {
          type: "button", class: "button button--small",
          onclick: () => run(Commands.MODERATE_FEEDBACK, { card_id: card.id, hidden: !card.hidden }),
        }, card.hidden ? t("pitch.show") : t("pitch.hide")),
        card.hidden ? null : h("button", {
          type: "button", class: card.selected ? "button button--small" : "button button--small button--primary",
          "aria-pressed": String(card.selected),
          onclick: () => run(Commands.SELECT_FEEDBACK, { card_id: card.id, selected: !card.selected }),
        }, card.selected ? t("pitch.unselect") : t("pitch.select"))));
  }

  return function render() {
    const { state } = store;
    const pitch = state.pitch;
    show(panel, Boolean(pitch));
    if (!pitch) return;
    const inStep = store.currentPhase()?.kind === "pitch" && state.workshop.status === "open";
    $("#pitch-step-note").textContent = inStep ? "" : t("pitch.not_a_step");
    for (const id of ["#pitch-prev", "#pitch-next"]) $(id).disabled = !inStep;
    for (const id of ["#pitch-start", "#pitch-questions"]) $(id).disabled = !inStep || !pitch.project;
    $("#pitch-end").disabled = !pitch.project_id;
    $("#pitch-start").textContent = `${t("pitch.part_pitch")} (${Math.round(pitch.pitch_seconds / 60)} min)`;
    $("#pitch-questions").textContent = `${t("pitch.part_questions")} (${Math.round(pitch.questions_seconds / 60)} min)`;
    const settings = `${pitch.pitch_seconds}|${pitch.questions_seconds}`;
    if (settings !== shownSettings && !form.contains(document.activeElement)) {
      form.elements.pitch_minutes.value = String(pitch.pitch_seconds / 60);
      form.elements.questions_minutes.value = String(pitch.questions_seconds / 60);
      shownSettings = settings;
    }
    const projects = pitch.projects || [];
    $("#pitch-projects").replaceChildren(...(projects.length ? projects.map((project) => {
      const current = project.id === pitch.project_id;
      const counts = summaryOf(pitch, project.id).counts;
      const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
      return h("li", { class: current ? "step step--current" : "step", "aria-current": current ? "true" : null,
        dataset: { projectId: project.id } },
      h("strong", {}, project.title), " ",
      project.holder ? h("span", { class: "muted small" }, project.holder) : null, " ",
      h("span", { class: "muted small" }, tn("pitch.cards_count", total)), " ",
      current ? h("span", { class: "badge" }, t("pitch.in_spotlight")) : h("button", {
        type: "button", class: "button button--small", disabled: !inStep,
        "aria-label": `${t("pitch.spotlight")} : ${project.title}`,
        onclick: () => run(Commands.SPOTLIGHT_PROJECT, { project_id: project.id }),
      }, t("pitch.spotlight")));
    }) : [h("li", { class: "muted" }, t("pitch.no_projects"))]));
    // The cards, by project: the one in the spotlight first, newest first.
    const cards = [...state.pitchCards.values()].sort((a, b) => b.id - a.id);
    const order = [...projects].sort((a, b) => (b.id === pitch.project_id) - (a.id === pitch.project_id));
    const groups = order.map((project) => ({ project, cards: cards.filter((c) => c.project_id === project.id) }))
      .filter((group) => group.cards.length || group.project.id === pitch.project_id);
    $("#pitch-cards").replaceChildren(...(groups.length ? groups.map(({ project, cards: theirs }) =>
      h("section", { class: "pitch-cards__group", dataset: { projectId: project.id } },
        h("h4", {}, t("pitch.cards_of", { title: project.title })),
        h("p", { class: "muted small" }, pitch.kinds.map((kind) =>
          t("pitch.kind_count", { kind: kindLabel(pitch, kind.key), count: summaryOf(pitch, project.id).counts[kind.key] || 0 }))
          .join(" · ")),
        theirs.length ? h("ul", { class: "ideas" }, theirs.map((card) => cardItem(pitch, card)))
          : h("p", { class: "muted" }, t("pitch.no_cards")))) : [h("p", { class: "muted" }, t("pitch.no_cards"))]));
  };
}
