// The pitch step's client state (static/js/pitch/model.js through state.js): the
// snapshot's pitch, then pitch_changed / feedback_given / feedback_changed applied; a
// phone keeps the projects it holds across facts; applying a fact twice changes nothing.
import assert from "node:assert/strict";
import { test } from "node:test";

import { kindLabel, summaryOf } from "../../static/js/pitch/model.js";
import { Facts } from "../../static/js/protocol.js";
import { createStore } from "../../static/js/state.js";

const PITCH = {
  project_id: null, part: null, project: null, count: 2, pitch_seconds: 180, questions_seconds: 300,
  kinds: [{ key: "likes", label: "" }, { key: "questions", label: "Vos questions" }], signed: false,
  feedback: [], mine: [7],
};

function loaded(role = "participant", pitch = PITCH) {
  const store = createStore(role);
  store.load({
    seq: 10, workshop: { id: 1, status: "open", current_phase_id: 3 }, phases: [{ id: 3, kind: "pitch" }],
    timer: { state: "stopped" }, ideas: [], participant_count: 2, pitch,
  });
  return store;
}

test("a spotlight keeps the projects the phone holds", () => {
  const store = loaded();
  const project = { id: 7, title: "Le café", pitch: "", holder: null, position: 1 };
  store.apply(Facts.PITCH_CHANGED, { workshop_id: 1, seq: 11, pitch: { ...PITCH, mine: undefined, project_id: 7, project } });
  assert.equal(store.state.pitch.project.title, "Le café");
  assert.deepEqual(store.state.pitch.mine, [7]);
});

test("feedback facts replace a project's summary, twice is once", () => {
  const store = loaded();
  const feedback = { project_id: 7, counts: { likes: 2 }, selected: [] };
  for (let i = 0; i < 2; i += 1) store.apply(Facts.FEEDBACK_GIVEN, { workshop_id: 1, seq: 12, feedback });
  assert.deepEqual(store.state.pitch.feedback, [feedback]);
  const shown = { ...feedback, selected: [{ id: 4, project_id: 7, kind: "likes", text: "Bravo", author: null }] };
  store.apply(Facts.FEEDBACK_CHANGED, { workshop_id: 1, seq: 13, feedback: shown });
  assert.equal(summaryOf(store.state.pitch, 7).selected[0].text, "Bravo");
  assert.deepEqual(summaryOf(store.state.pitch, 8), { counts: {}, selected: [] });
});

test("the console keeps every card by id", () => {
  const card = { id: 4, project_id: 7, kind: "likes", text: "Bravo", hidden: false, selected: false, author: "Zoé" };
  const store = loaded("facilitator", { ...PITCH, cards: [card] });
  assert.equal(store.state.pitchCards.get(4).author, "Zoé");
  store.apply(Facts.FEEDBACK_CHANGED, {
    workshop_id: 1, seq: 11, feedback: { project_id: 7, counts: {}, selected: [] }, card: { ...card, hidden: true },
  });
  assert.equal(store.state.pitchCards.get(4).hidden, true);
  assert.equal(store.state.pitchCards.size, 1);
});

test("a kind's name is the cycle's label, else the default of its key", () => {
  assert.equal(kindLabel(PITCH, "questions"), "Vos questions");
  assert.equal(kindLabel(PITCH, "likes"), "likes"); // no page strings in Node: the key
});
