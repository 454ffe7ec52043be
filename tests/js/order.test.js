// The two orders of défis (static/js/order.js): the agenda's and the ranking's.
import assert from "node:assert/strict";
import { test } from "node:test";

import { byPosition, byVotes, challengesInOrder, oldestFirst } from "../../static/js/order.js";

test("the agenda order is by position, ties by id, as the server's", () => {
  const challenges = [
    { id: 5, position: 1 }, { id: 3, position: 0 }, { id: 4, position: 1 }, { id: 9, position: 2 },
  ];
  assert.deepEqual(challenges.sort(byPosition).map((c) => c.id), [3, 4, 5, 9]);
});

test("challengesInOrder() reads the store's défis in the agenda order", () => {
  const store = { state: { challenges: new Map([[1, { id: 1, position: 2 }], [2, { id: 2, position: 0 }]]) } };
  assert.deepEqual(challengesInOrder(store).map((c) => c.id), [2, 1]);
});

test("the ranking puts most votes first, ties by id, for ideas and for défis", () => {
  const ideas = [{ idea_id: 8, votes: 2 }, { idea_id: 3, votes: 5 }, { idea_id: 2, votes: 2 }];
  assert.deepEqual(ideas.sort(byVotes).map((r) => r.idea_id), [3, 2, 8]);
  const challenges = [{ challenge_id: 7, votes: 1 }, { challenge_id: 4, votes: 1 }];
  assert.deepEqual(challenges.sort(byVotes).map((r) => r.challenge_id), [4, 7]);
});

test("ideas outside the agenda go oldest first", () => {
  assert.deepEqual([{ id: 3 }, { id: 1 }, { id: 2 }].sort(oldestFirst).map((i) => i.id), [1, 2, 3]);
});
