// How défis (and ideas) are ordered on every screen. Two orders, on purpose:
//
// - the agenda order, `byPosition`: the facilitator's order of the défis, their
//   `position` (0, 1, 2… as created, reordered or split on the server), ties by id as
//   the server's own ORDER BY position, id. The board, the wall's columns, the vote on
//   défis, the "put in a challenge" and qualification pickers all follow it;
// - the ranking, `byVotes`: most dots first, ties by id as the server's ranking
//   (services/votes.py), for the live results of a vote on ideas or on défis.
export const byPosition = (a, b) => a.position - b.position || a.id - b.id;

const rowId = (row) => row.idea_id ?? row.challenge_id;
export const byVotes = (a, b) => b.votes - a.votes || rowId(a) - rowId(b);

// Ideas outside the agenda order (pickers): oldest first.
export const oldestFirst = (a, b) => a.id - b.id;

// The défis of `store` in the agenda order.
export function challengesInOrder(store) {
  return [...store.state.challenges.values()].sort(byPosition);
}
