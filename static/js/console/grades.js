// The console's vote panel for a vote by majority judgment: the grades' totals and
// ranking (always live for facilitators) instead of the dots', and the settings form
// without the dots' budget and cap, which a grade vote does not have.
import { $, show } from "../dom.js";
import { gradeRows, gradeSummary, isMajority, renderGradeRanking } from "../grade_results.js";

const DOTS_ONLY = ["votes_per_participant", "max_per_item"];

// After the dots' panel is drawn: redraw what differs when `phase` grades.
export function renderConsoleGrades(store, phase, form) {
  const majority = isMajority(phase);
  for (const name of DOTS_ONLY) {
    const input = form.elements[name];
    show(input, !majority);
    show(form.querySelector(`label[for="${input.id}"]`), !majority);
  }
  if (!majority) return;
  $("#vote-summary").textContent = gradeSummary(store, phase);
  renderGradeRanking($("#ranking"), gradeRows(store, phase) || []);
}
