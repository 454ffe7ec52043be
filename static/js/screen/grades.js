// The projected screen during a vote by majority judgment (and on the results step
// after one): the options ranked, each with its majority grade and the stacked bar of
// its grades in words beside it; while the results are hidden, the people who voted.
// screen.js gives it the vote's step; it lays out the ranking that fits.
import { $, show } from "../dom.js";
import { t, tn } from "../i18n.js";
import { gradeRows, gradeSummary, isMajority, renderGradeRanking } from "../grade_results.js";

// Whether `phase` (the vote the screen shows) is by majority judgment: then the rows
// to show (null while hidden) and the status line's text.
export function gradeScreen(store, phase) {
  if (!isMajority(phase)) return null;
  const rows = gradeRows(store, phase);
  const summary = gradeSummary(store, phase);
  return { rows, status: rows ? summary : `${summary}. ${t("vote.hidden")}` };
}

// The rows that fit the screen, then how many more there are.
export function renderGradeScreen(rows, within) {
  const list = $("#ranking");
  const more = $("#ranking-more");
  renderGradeRanking(list, rows.slice(0, 40));
  const box = list.getBoundingClientRect();
  const drawn = [...list.querySelectorAll(".ranking__row")];
  const cut = drawn.findIndex((row) => !within(row, box));
  if (cut > 0) drawn.slice(cut).forEach((row) => row.remove());
  const rest = rows.length - (cut > 0 ? cut : drawn.length);
  more.textContent = tn("screen.more", rest);
  show(more, rest > 0);
}
