// The majority-judgment vote on the phone (a vote step whose method is "majority"):
// one radio group per option (the visible ideas, or the défis), seven grades from
// « à rejeter » to « excellent », arrow keys within a group as radios do. A choice goes
// through the outbox as the dots do (`grade_item`, idempotent: the same grade again
// changes nothing; `withdraw_grade` to clear): made offline, or while an earlier one
// is in flight, it waits there, stays ticked, and leaves once, the latest choice per
// option. The ack confirms it in the status line. The list is drawn again only when
// the options change (the focus put back on the same control), else the grades are
// ticked in place. Once the vote is frozen (or on the results step) the results
// replace the list.
import { $, h, show } from "../dom.js";
import { errorText } from "../errors.js";
import { itemLabel, t, tn } from "../i18n.js";
import { challengesInOrder } from "../order.js";
import { Commands } from "../protocol.js";
import { GRADES, gradeName, gradeRows, majorityPhase, renderGradeRanking } from "../grade_results.js";

const gradeKey = (phase, id) => `grade:${phase.id}:${id}`;

export function mountGrades({ store, outbox, isOnline }) {
  const section = $("#grades-section");
  const list = $("#grades-list");
  const progress = $("#grades-progress");
  const message = $("#grades-message");
  let drawn = null; // the signature of the options drawn
  const say = (text, kind = "ok") => {
    message.textContent = text;
    message.dataset.kind = kind;
  };

  const mine = (phase) => store.state.myGrades.get(phase.id) || new Map();
  const key = (phase) => (phase.vote.settings.target === "challenges" ? "challenge_id" : "idea_id");

  function options(phase) {
    if (phase.vote.settings.target === "challenges") return challengesInOrder(store);
    return [...store.state.ideas.values()].filter((idea) => idea.status === "visible").sort((a, b) => a.id - b.id);
  }

  const isOwn = (phase, item) => phase.vote.settings.target !== "challenges"
    && !phase.vote.settings.allow_own && store.state.myIdeaIds.has(item.id);

  function send(phase, item, grade) {
    // The step travels with the choice: a queued grade that reaches the server after
    // the step ended is refused there (vote_closed), not applied to the next vote.
    const payload = { [key(phase)]: item.id, phase_id: phase.id };
    if (grade !== null) payload.grade = grade;
    outbox.put(gradeKey(phase, item.id), grade === null ? Commands.WITHDRAW_GRADE : Commands.GRADE_ITEM,
      payload, { grade: { phase_id: phase.id, item_id: item.id, grade, title: item.title } });
    say(isOnline() ? t("grades.sending") : t("outbox.waiting_one"));
  }

  function option(phase, item) {
    const own = isOwn(phase, item);
    const name = `grade-${item.id}`;
    return h("li", { class: "idea", dataset: { gradeItem: item.id } },
      h("fieldset", { class: "grade-choices", disabled: own },
        h("legend", {}, item.title),
        item.description ? h("p", { class: "idea__description small" }, item.description) : null,
        own ? h("p", { class: "muted small" }, t("grades.own")) : null,
        h("div", { class: "row" }, [...GRADES].reverse().map((grade) => h("label", { class: "choice" },
          h("input", {
            type: "radio", name, value: grade,
            onchange: () => send(phase, item, grade),
          }), ` ${gradeName(grade)}`))),
        own ? null : h("button", {
          type: "button", class: "link small", dataset: { clear: item.id },
          "aria-label": itemLabel("grades.clear", item.title), onclick: () => send(phase, item, null),
        }, t("grades.clear"))));
  }

  // Tick each group's grade (the server's, or the one on its way), the clear buttons, and
  // the count.
  function tick(phase) {
    const grades = new Map(mine(phase));
    for (const entry of outbox.entries()) {
      const queued = entry.meta.grade;
      if (!queued || entry.failed || queued.phase_id !== phase.id) continue;
      if (queued.grade === null) grades.delete(queued.item_id);
      else grades.set(queued.item_id, queued.grade);
    }
    for (const row of list.querySelectorAll("[data-grade-item]")) {
      const grade = grades.get(Number(row.dataset.gradeItem));
      for (const input of row.querySelectorAll("input[type=radio]")) input.checked = Number(input.value) === grade;
      const clear = row.querySelector("[data-clear]");
      if (clear) clear.disabled = grade === undefined;
    }
    const total = list.querySelectorAll("[data-grade-item]").length;
    progress.textContent = tn("grades.progress", grades.size, { total });
  }

  // Returns whether the page is about a majority vote (the dots' module then stays out).
  function render(phase) {
    const voting = majorityPhase(store);
    const open = Boolean(voting) && voting.id === phase?.id && phase.can_vote && !voting.vote.frozen
      && store.state.workshop.status === "open";
    show(section, open);
    if (!voting) {
      drawn = null;
      return false;
    }
    show($("#challenge-votes"), false);
    const status = $("#vote-status");
    const results = $("#vote-results");
    const showResults = voting.vote.frozen || phase?.kind === "results";
    show(results, Boolean(showResults));
    if (showResults) renderGradeRanking($("#ranking"), gradeRows(store, voting) || [], { limit: 10 });
    status.hidden = !(voting.id === phase?.id && voting.vote.frozen);
    if (!status.hidden) status.textContent = t("vote.closed");
    if (!open) {
      drawn = null;
      return true;
    }
    const items = options(voting);
    const signature = JSON.stringify([voting.id, voting.vote.settings, ...items.map((item) =>
      [item.id, item.title, item.description || "", isOwn(voting, item)])]);
    if (signature !== drawn) {
      // An option came or went: draw again, the focus back on the same control.
      const focused = list.contains(document.activeElement) ? document.activeElement : null;
      const where = focused && [focused.name, focused.value, focused.dataset.clear];
      list.replaceChildren(...items.map((item) => option(voting, item)));
      drawn = signature;
      const again = where && [...list.querySelectorAll("input, button")].find((control) =>
        control.name === where[0] && control.value === where[1] && control.dataset.clear === where[2]);
      again?.focus();
    }
    tick(voting);
    return true;
  }

  return {
    render,
    settled(entry, ack) {
      const { grade, title } = entry.meta.grade;
      if (ack.ok) {
        store.setMyGrades(ack.data.phase_id, ack.data.grades);
        if (!outbox.get(entry.key)) {
          say(grade === null ? t("grades.cleared", { title }) : t("grades.saved", { title, grade: gradeName(grade) }));
        }
        return;
      }
      // A refused choice is dropped: the grades shown go back to the server's.
      if (outbox.get(entry.key)?.failed) outbox.remove(entry.key);
      say(errorText(ack.error), "error");
    },
  };
}
