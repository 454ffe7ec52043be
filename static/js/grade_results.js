// Majority judgment's results (a vote step whose method is "majority"), for the phone,
// the screen and the console: each option's rank, its majority grade, and the stacked
// bar of its grades, worst grade first, with the same counts in words beside it (the
// picture is hidden from screen readers). The server ranks (workshop/majority.py):
// nothing is computed here.
import { h } from "./dom.js";
import { label, t, tn } from "./i18n.js";
import { relevantVotePhase } from "./results.js";

// 0 « à rejeter » … 6 « excellent ».
export const GRADES = [0, 1, 2, 3, 4, 5, 6];
// The committees' colours (views/committees.py), worst grade first.
const COLOURS = ["#b3261e", "#d8602b", "#e0a31b", "#c9c34a", "#8dbb4f", "#4f9a4a", "#1f6f3a"];
const SVG = "http://www.w3.org/2000/svg";

export const isMajority = (phase) => phase?.kind === "vote" && phase.vote?.settings.method === "majority";
export const gradeName = (grade) => label("grades.names", String(grade));

// The vote phase the page is about (the current one, or the last before a results
// step) when it grades by majority judgment; else null.
export function majorityPhase(store) {
  const phase = relevantVotePhase(store);
  return isMajority(phase) ? phase : null;
}

// [{id, title, rank, majority, counts}] best first: the frozen ranking, else the live
// results when this role may see them (null otherwise). Options nobody graded stay out.
export function gradeRows(store, phase) {
  if (phase.vote.ranking) {
    return phase.vote.ranking.map((row) => ({
      id: row.idea_id ?? row.challenge_id, title: row.title, rank: row.rank,
      majority: row.majority_grade, counts: row.grades,
    }));
  }
  const results = store.state.grades.get(phase.id)?.results;
  if (!results) return null;
  const items = phase.vote.settings.target === "challenges" ? store.state.challenges : store.state.ideas;
  return results
    .filter((row) => row.graders > 0 && (items.get(row.item_id)?.status ?? "visible") === "visible" && items.get(row.item_id))
    .map((row) => ({ id: row.item_id, title: items.get(row.item_id).title, rank: row.rank, majority: row.majority, counts: row.counts }));
}

// The stacked bar of `counts` (worst grade first), a line at the median.
export function gradeBar(counts) {
  const total = counts.reduce((sum, n) => sum + n, 0);
  const svg = document.createElementNS(SVG, "svg");
  for (const [name, value] of [["class", "grade-bar"], ["viewBox", "0 0 100 8"], ["preserveAspectRatio", "none"],
    ["aria-hidden", "true"], ["focusable", "false"], ["width", "100%"], ["height", "100%"]]) svg.setAttribute(name, value);
  let x = 0;
  counts.forEach((n, grade) => {
    if (!n || !total) return;
    const rect = document.createElementNS(SVG, "rect");
    const width = (100 * n) / total;
    for (const [name, value] of [["x", x.toFixed(3)], ["y", "0"], ["width", width.toFixed(3)], ["height", "8"],
      ["fill", COLOURS[grade]]]) rect.setAttribute(name, value);
    svg.append(rect);
    x += width;
  });
  const median = document.createElementNS(SVG, "line");
  for (const [name, value] of [["x1", "50"], ["x2", "50"], ["y1", "0"], ["y2", "8"], ["stroke", "#000"],
    ["stroke-width", "0.6"]]) median.setAttribute(name, value);
  svg.append(median);
  return svg;
}

// The bar in words: « bien : 2, excellent : 1 ».
export function gradeText(counts) {
  const parts = counts.map((n, grade) => (n ? t("grades.count", { grade: gradeName(grade), count: n }) : null));
  return parts.filter(Boolean).join(", ") || t("grades.none");
}

export function renderGradeRanking(list, rows, { limit = 0 } = {}) {
  const shown = limit ? rows.filter((row) => row.rank <= limit) : rows;
  list.replaceChildren(...shown.map((row, i) => {
    const tied = shown.some((other, j) => j !== i && other.rank === row.rank);
    const majority = row.majority === null || row.majority === undefined ? t("grades.none") : gradeName(row.majority);
    return h("li", { class: "ranking__row", dataset: { itemId: row.id, rank: row.rank, majority: row.majority ?? "" } },
      h("span", { class: "ranking__rank" }, tied ? `${row.rank} =` : String(row.rank)),
      h("span", { class: "ranking__title" }, row.title, h("br"),
        h("span", { class: "small muted grade-text" }, gradeText(row.counts))),
      h("span", { class: "ranking__bar" }, gradeBar(row.counts)),
      h("span", { class: "ranking__votes", title: t("grades.majority_label") },
        h("span", { class: "visually-hidden" }, `${t("grades.majority_label")} : `), majority));
  }));
  if (!shown.length) list.replaceChildren(h("li", { class: "empty" }, t("grades.no_grades")));
}

// « 12 personnes ont voté · 58 mentions »
export function gradeSummary(store, phase) {
  const state = store.state.grades.get(phase.id) || { voters: 0, grades_cast: 0 };
  return `${tn("count.voters", state.voters)} · ${tn("grades.cast", state.grades_cast)}`;
}
