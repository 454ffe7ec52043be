// The client's workshop state (static/js/state.js): a snapshot, then facts applied by
// name; facts carry absolute values, so applying one twice changes nothing.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { Facts } from "../../static/js/protocol.js";
import { createStore } from "../../static/js/state.js";

const VOTE_PHASE = 12;

function snapshot(overrides = {}) {
  return {
    seq: 40,
    workshop: { id: 1, status: "open", current_phase_id: VOTE_PHASE, anonymous: false, moderation: false },
    phases: [
      { id: 11, kind: "ideas", title: "Idées" },
      { id: VOTE_PHASE, kind: "vote", title: "Vote", vote: { settings: { hidden: false }, revealed: false, frozen: false } },
    ],
    timer: { state: "stopped", duration_ms: 0, ends_at: null, remaining_ms: null },
    ideas: [
      { id: 1, title: "Un jardin", status: "visible", author: "Ana", challenge_id: 100 },
      { id: 2, title: "Une navette", status: "visible", author: "Bo", challenge_id: null },
      { id: 3, title: "Un repair café", status: "visible", author: "Cy", challenge_id: 100 },
    ],
    participant_count: 3,
    connected: 2,
    participants: [],
    me: { idea_ids: [2], votes: { [VOTE_PHASE]: { 1: 2 } }, volunteers: [] },
    grouping: {
      challenges: [
        { id: 100, title: "Nature en ville", position: 1 },
        { id: 200, title: "Se déplacer", position: 0 },
      ],
      orders: [
        { challenge_id: 100, idea_ids: [3, 1] },
        { challenge_id: 200, idea_ids: [] },
        { challenge_id: null, idea_ids: [2] },
      ],
    },
    votes: { [VOTE_PHASE]: { phase_id: VOTE_PHASE, voters: 1, votes_cast: 3, tallies: { 1: 2, 3: 1 } } },
    qualifications: [],
    volunteers: [],
    ...overrides,
  };
}

function loaded(role = "participant", overrides = {}) {
  const store = createStore(role);
  const changes = [];
  store.subscribe((what) => changes.push(what));
  store.load(snapshot(overrides));
  return { store, changes };
}

const titles = (groups) => groups.map((g) => [g.challenge?.title ?? null, g.ideas.map((i) => i.id)]);

describe("snapshot", () => {
  test("loads ideas, personal state, défis and tallies, and says everything changed", () => {
    const { store, changes } = loaded();
    const { state } = store;
    assert.deepEqual(changes, ["all"]);
    assert.deepEqual([...state.ideas.keys()], [1, 2, 3]);
    assert.ok(state.myIdeaIds.has(2));
    assert.equal(state.myVotes.get(VOTE_PHASE).get(1), 2);
    assert.equal(state.votes.get(VOTE_PHASE).tallies.get(3), 1);
    assert.equal(store.currentPhase().id, VOTE_PHASE);
  });

  test("facts before a snapshot are ignored", () => {
    const store = createStore("participant");
    store.apply(Facts.IDEA_POSTED, { idea: { id: 9, title: "Trop tôt", status: "visible" } });
    assert.equal(store.state.ideas.size, 0);
  });
});

describe("ideas", () => {
  test("a posted idea is added; the same fact twice leaves the same state", () => {
    const { store, changes } = loaded();
    const fact = { idea: { id: 4, title: "Une ressourcerie", status: "visible" } };
    store.apply(Facts.IDEA_POSTED, fact);
    const once = structuredClone([...store.state.ideas.entries()]);
    store.apply(Facts.IDEA_POSTED, fact);
    assert.deepEqual([...store.state.ideas.entries()], once);
    assert.equal(store.state.ideas.get(4).title, "Une ressourcerie");
    assert.deepEqual(changes.slice(1), ["ideas", "ideas"]);
  });

  test("an update keeps the fields it does not carry", () => {
    const { store } = loaded();
    store.apply(Facts.IDEA_HIDDEN, { idea: { id: 1, status: "hidden" } });
    assert.equal(store.state.ideas.get(1).status, "hidden");
    assert.equal(store.state.ideas.get(1).title, "Un jardin");
  });

  test("a withdrawn idea leaves the wall and the author's ideas", () => {
    const { store } = loaded();
    store.apply(Facts.IDEA_WITHDRAWN, { idea_id: 2 });
    assert.equal(store.state.ideas.has(2), false);
    assert.equal(store.state.myIdeaIds.has(2), false);
  });

  test("anonymous settings hide authors from participants", () => {
    const { store } = loaded();
    store.apply(Facts.SETTINGS_CHANGED, { settings: { anonymous: true, moderation: false } });
    assert.deepEqual([...store.state.ideas.values()].map((i) => i.author), [null, null, null]);
    store.apply(Facts.SETTINGS_CHANGED, { settings: { anonymous: false, moderation: false, authors: { 1: "Ana" } } });
    assert.equal(store.state.ideas.get(1).author, "Ana");
  });

  test("a merged idea leaves every défi's order", () => {
    const { store } = loaded();
    store.apply(Facts.IDEAS_MERGED, {
      idea: { id: 1, title: "Un jardin", status: "visible" },
      merged: { id: 3, status: "merged", merged_into_id: 1 },
    });
    assert.deepEqual(store.state.orders.get(100), [1]);
    assert.equal(store.state.ideas.get(3).status, "merged");
  });
});

describe("votes", () => {
  test("a tally change is merged into the tallies; zero removes the item", () => {
    const { store } = loaded();
    store.apply(Facts.VOTES_CHANGED, { phase_id: VOTE_PHASE, voters: 2, votes_cast: 4, tallies: { 2: 1, 3: 0 } });
    const votes = store.state.votes.get(VOTE_PHASE);
    assert.deepEqual([...votes.tallies.entries()].sort(), [[1, 2], [2, 1]]);
    assert.equal(votes.voters, 2);
  });

  test("revealed or frozen results replace the tallies whole", () => {
    const { store } = loaded();
    const phase = { ...snapshot().phases[1], vote: { settings: { hidden: false }, revealed: true, frozen: true } };
    store.apply(Facts.RESULTS_FROZEN, { phase, votes: { phase_id: VOTE_PHASE, voters: 1, votes_cast: 1, tallies: { 2: 1 } } });
    assert.deepEqual([...store.state.votes.get(VOTE_PHASE).tallies.entries()], [[2, 1]]);
    assert.equal(store.currentPhase().vote.frozen, true);
  });

  test("a vote hidden again drops the public tallies, but not the facilitator's", () => {
    const hidden = { ...snapshot().phases[1], vote: { settings: { hidden: true }, revealed: false, frozen: false } };
    const participant = loaded("participant").store;
    participant.apply(Facts.VOTE_CONFIGURED, { phase: hidden });
    assert.equal(participant.state.votes.get(VOTE_PHASE).tallies, null);
    const facilitator = loaded("facilitator").store;
    facilitator.apply(Facts.VOTE_CONFIGURED, { phase: hidden });
    assert.equal(facilitator.state.votes.get(VOTE_PHASE).tallies.get(1), 2);
  });

  test("the participant's own dots come from a vote ack", () => {
    const { store, changes } = loaded();
    store.setMyVotes(VOTE_PHASE, { 1: 1, 3: 2 });
    assert.deepEqual([...store.state.myVotes.get(VOTE_PHASE).entries()], [[1, 1], [3, 2]]);
    assert.equal(changes.at(-1), "votes");
  });
});

describe("grouping", () => {
  test("grouped(): the unclassified first, then the défis by position, ideas in their order", () => {
    const { store } = loaded();
    assert.deepEqual(titles(store.grouped(() => true)), [
      [null, [2]], ["Se déplacer", []], ["Nature en ville", [3, 1]],
    ]);
  });

  test("reordered défis follow their new positions", () => {
    const { store } = loaded();
    store.apply(Facts.CHALLENGES_REORDERED, { challenge_ids: [100, 200] });
    assert.deepEqual(titles(store.grouped(() => true)).map(([title]) => title), [null, "Nature en ville", "Se déplacer"]);
  });

  test("an idea no order lists yet goes to its défi, or with the unclassified ones", () => {
    const { store } = loaded();
    store.apply(Facts.IDEA_POSTED, { idea: { id: 4, title: "Des nichoirs", status: "visible", challenge_id: 100 } });
    store.apply(Facts.IDEA_POSTED, { idea: { id: 5, title: "Un pédibus", status: "visible", challenge_id: null } });
    assert.deepEqual(titles(store.grouped(() => true)), [
      [null, [2, 5]], ["Se déplacer", []], ["Nature en ville", [3, 1, 4]],
    ]);
  });

  test("grouped() shows only what the view asks for", () => {
    const { store } = loaded();
    store.apply(Facts.IDEA_HIDDEN, { idea: { id: 3, status: "hidden" } });
    const groups = store.grouped((idea) => idea.status === "visible");
    assert.deepEqual(groups.at(-1).ideas.map((i) => i.id), [1]);
  });

  test("a new défi gets an empty order; a grouping change replaces them all", () => {
    const { store } = loaded();
    store.apply(Facts.CHALLENGE_CREATED, { challenge: { id: 300, title: "Manger local", position: 2 } });
    assert.deepEqual(store.state.orders.get(300), []);
    store.apply(Facts.GROUPING_CHANGED, { grouping: { challenges: [], orders: [{ challenge_id: null, idea_ids: [3, 2, 1] }] } });
    assert.equal(store.state.challenges.size, 0);
    assert.deepEqual(titles(store.grouped(() => true)), [[null, [3, 2, 1]]]);
  });
});

describe("personal state", () => {
  test("an own idea from an ack is added and counted as mine", () => {
    const { store } = loaded();
    store.addOwnIdea({ id: 7, title: "En attente", status: "pending" });
    assert.ok(store.state.myIdeaIds.has(7));
    assert.equal(store.state.ideas.get(7).status, "pending");
  });

  test("a sheet from an ack never replaces a newer one", () => {
    const { store } = loaded();
    store.setQualification({ target: "challenge", target_id: 100, version: 3, stage: "launching" });
    store.setQualification({ target: "challenge", target_id: 100, version: 2, stage: "to_study" });
    assert.equal(store.state.qualifications.get("challenge:100").stage, "launching");
  });
});

describe("participants", () => {
  test("joins folded into one fact add every newcomer and keep the last count", () => {
    const { store } = loaded("facilitator");
    store.apply(Facts.PARTICIPANT_JOINED, {
      participants: [
        { id: 41, display_name: "Dominique", profile: "elected" },
        { id: 42, display_name: "Sami", profile: "citizen" },
      ],
      participant_count: 5,
    });
    store.apply(Facts.PARTICIPANT_JOINED, {
      participant: { id: 43, display_name: "Lou", profile: "business" },
      participant_count: 6,
    });
    assert.deepEqual([41, 42, 43].map((id) => store.state.participants.get(id)?.display_name), [
      "Dominique",
      "Sami",
      "Lou",
    ]);
    assert.equal(store.state.participantCount, 6);
  });
});
