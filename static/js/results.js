// Vote results: the ranking of ideas by dots, ties sharing a rank, rendered as an
// accessible bar list (numbers in text; the bar is decoration).
import { h } from "./dom.js";
import { t, tn } from "./i18n.js";
import { byVotes } from "./order.js";

// The current vote phase, or the last vote phase before the current step (results).
export function relevantVotePhase(store) {
  const { phases, workshop } = store.state;
  const index = phases.findIndex((p) => p.id === workshop?.current_phase_id);
  for (let i = index; i >= 0; i -= 1) {
    if (phases[i].kind === "vote") return phases[i];
  }
  return null;
}

// [{idea_id, title, votes, rank}] from live tallies, ties sharing a rank ("1, 1, 3").
// `items`: the ideas, or the défis when the vote is on défis (they have no status).
export function rankingFromTallies(tallies, items) {
  const rows = [...(tallies || new Map())]
    .filter(([id, votes]) => votes > 0 && items.get(id) && (items.get(id).status ?? "visible") === "visible")
    .map(([id, votes]) => ({ idea_id: id, title: items.get(id).title, votes }))
    .sort(byVotes);
  rows.forEach((row, i) => {
    row.rank = i > 0 && rows[i - 1].votes === row.votes ? rows[i - 1].rank : i + 1;
  });
  return rows;
}

export function phaseRanking(store, phase) {
  if (phase.vote?.ranking) return phase.vote.ranking;
  const votes = store.state.votes.get(phase.id);
  const items = phase.vote?.settings.target === "challenges" ? store.state.challenges : store.state.ideas;
  return votes?.tallies ? rankingFromTallies(votes.tallies, items) : null;
}

export function renderRanking(list, ranking, { limit = 0 } = {}) {
  const rows = limit ? ranking.filter((row) => row.rank <= limit) : ranking;
  const max = Math.max(1, ...rows.map((row) => row.votes));
  list.replaceChildren(...rows.map((row, i) => {
    const tied = rows.some((other, j) => j !== i && other.rank === row.rank);
    return h("li", { class: "ranking__row", dataset: { itemId: row.idea_id ?? row.challenge_id, rank: row.rank } },
      h("span", { class: "ranking__rank" }, tied ? `${row.rank} =` : String(row.rank)),
      h("span", { class: "ranking__title" }, row.title),
      h("span", { class: "ranking__bar", "aria-hidden": "true" },
        h("span", { class: "ranking__fill", dataset: { share: Math.round((100 * row.votes) / max) } })),
      h("span", { class: "ranking__votes" }, tn("count.votes", row.votes)));
  }));
  // Widths via CSSOM: the Content-Security-Policy forbids inline style attributes.
  for (const fill of list.querySelectorAll(".ranking__fill")) fill.style.width = `${fill.dataset.share}%`;
  if (!rows.length) list.replaceChildren(h("li", { class: "empty" }, t("vote.no_votes")));
}

export function voteSummary(store, phase) {
  const votes = store.state.votes.get(phase.id) || { voters: 0, votes_cast: 0 };
  return `${tn("count.voters", votes.voters)} · ${tn("count.votes", votes.votes_cast)}`;
}
