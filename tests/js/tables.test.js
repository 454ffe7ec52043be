// The défi tables' client logic (static/js/tables/model.js): one table's facts in
// table_seq order with gaps reported once, contributions grouped by kind, votes left,
// the keep limit, the tables a phone may choose, the roll-up's grid and titles, and
// the workshop store's table state (state.js).
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { Facts } from "../../static/js/protocol.js";
import { createStore } from "../../static/js/state.js";
import {
  TABLE_FACTS, canKeepMore, choosableTables, createTableState, distinctTitles, groupByKind, kindKey, kindLabel, rollup, tileGrid, votesLeft,
} from "../../static/js/tables/model.js";

const KINDS = [{ key: "needs", label: "" }, { key: "solutions", label: "Pistes" }];

function snapshot(overrides = {}) {
  return {
    id: 7, number: 3, challenge_id: 70, table_seq: 4, seated: 2, synthesis: "", synthesis_done: false,
    synthesis_version: 1, votes_left: 2, my_votes: [11],
    contributions: [
      { id: 11, table_id: 7, kind: "needs", text: "Des horaires adaptés", votes: 1, hidden: false, kept: false },
      { id: 12, table_id: 7, kind: "solutions", text: "Une navette", votes: 0, hidden: false, kept: false },
    ],
    ...overrides,
  };
}

const posted = (seq, id, extra = {}) => [TABLE_FACTS.CONTRIBUTION_POSTED, {
  workshop_id: 1, table_id: 7, table_seq: seq,
  contribution: { id, table_id: 7, kind: "needs", text: `c${id}`, votes: 0, hidden: false, kept: false, ...extra },
}];

describe("createTableState", () => {
  test("applies the next fact, drops stale and duplicate ones", () => {
    const changes = [];
    const state = createTableState({ onChange: (what) => changes.push(what) });
    state.load(snapshot());
    assert.equal(state.apply(...posted(5, 13)), true);
    assert.equal(state.table.table_seq, 5);
    assert.equal(state.apply(...posted(5, 13)), false, "a duplicate");
    assert.equal(state.apply(...posted(3, 99)), false, "older than the snapshot");
    assert.equal(state.table.contributions.has(99), false);
    assert.deepEqual(changes, ["table", TABLE_FACTS.CONTRIBUTION_POSTED]);
  });

  test("a gap asks for the table once, and applies nothing past it", () => {
    const gaps = [];
    const state = createTableState({ onGap: (id) => gaps.push(id) });
    state.load(snapshot());
    assert.equal(state.apply(...posted(7, 13)), false);
    assert.equal(state.apply(...posted(8, 14)), false);
    assert.deepEqual(gaps, [7], "reported once for the same missing number");
    assert.equal(state.table.contributions.has(13), false);
    // The fresh snapshot (join_table) covers the gap; facts after it apply again.
    state.load(snapshot({ table_seq: 8, contributions: [] }));
    assert.equal(state.apply(...posted(9, 15)), true);
    assert.equal(state.apply(...posted(11, 16)), false);
    assert.deepEqual(gaps, [7, 7], "a new gap after the snapshot is reported again");
  });

  test("ignores another table's facts and unknown names", () => {
    const state = createTableState();
    state.load(snapshot());
    const [name, data] = posted(5, 13);
    assert.equal(state.apply(name, { ...data, table_id: 8 }), false);
    assert.equal(state.apply("idea_posted", { ...data }), false);
    assert.equal(state.table.table_seq, 4);
  });

  test("votes, synthesis and seating facts set absolute values", () => {
    const state = createTableState();
    state.load(snapshot());
    state.apply(TABLE_FACTS.TABLE_VOTES_CHANGED, { table_id: 7, table_seq: 5, tallies: { 11: 3, 12: 2, 999: 1 } });
    assert.equal(state.table.contributions.get(11).votes, 3);
    assert.equal(state.table.contributions.get(12).votes, 2);
    state.apply(TABLE_FACTS.SYNTHESIS_SAVED, {
      table_id: 7, table_seq: 6, synthesis: "Une navette", synthesis_done: true, synthesis_version: 2,
    });
    assert.equal(state.table.synthesis, "Une navette");
    assert.equal(state.table.synthesis_done, true);
    state.apply(TABLE_FACTS.TABLE_SEATED, { table_id: 7, table_seq: 7, seated: 5, names: ["Ana", "Bo"] });
    assert.equal(state.table.seated, 5);
    assert.deepEqual(state.names, ["Ana", "Bo"]);
    // An ack older than what the facts brought does not take the synthesis back.
    state.setSynthesis({ synthesis: "old", synthesis_done: false, synthesis_version: 1 });
    assert.equal(state.table.synthesis, "Une navette");
  });

  test("votes left: the round's budget minus the votes given", () => {
    const state = createTableState();
    state.load(snapshot());
    assert.equal(votesLeft(state.table), 2);
    state.setMyVotes([11, 12]);
    assert.equal(votesLeft(state.table), 1);
    state.setMyVotes([11, 12, 13, 14]);
    assert.equal(votesLeft(state.table), 0);
    assert.equal(votesLeft(null), 0);
  });

  test("no table: facts are ignored", () => {
    const state = createTableState();
    state.load(null);
    assert.equal(state.table, null);
    assert.equal(state.apply(...posted(1, 1)), false);
  });
});

describe("groupByKind", () => {
  const contributions = [
    { id: 1, kind: "solutions", votes: 0 },
    { id: 2, kind: "needs", votes: 2 },
    { id: 3, kind: "needs", votes: 5 },
    { id: 4, kind: "needs", votes: 2, hidden: true },
    { id: 5, kind: "gone", votes: 0 },
  ];

  test("in the kinds' order, the most voted first, hidden ones only for the host", () => {
    const groups = groupByKind(contributions, KINDS, { defaults: { needs: "Besoins et publics" } });
    assert.deepEqual(groups.map((g) => [g.key, g.label, g.items.map((c) => c.id)]), [
      ["needs", "Besoins et publics", [3, 2]],
      ["solutions", "Pistes", [1]],
      ["gone", "gone", [5]],
    ]);
    const hosting = groupByKind(contributions, KINDS, { showHidden: true });
    assert.deepEqual(hosting[0].items.map((c) => c.id), [3, 2, 4]);
  });

  test("an empty kind is still listed", () => {
    assert.deepEqual(groupByKind([], KINDS).map((g) => g.items.length), [0, 0]);
  });

  test("kindLabel: the facilitator's label, else the default, else the key", () => {
    assert.equal(kindLabel({ key: "needs", label: "Publics" }, { needs: "Besoins" }), "Publics");
    assert.equal(kindLabel({ key: "needs", label: "" }, { needs: "Besoins" }), "Besoins");
    assert.equal(kindLabel({ key: "other", label: "" }), "other");
  });
});

test("canKeepMore: three kept at most, hidden ones do not count", () => {
  const kept = (n, extra = {}) => Array.from({ length: n }, (_, i) => ({ id: i, kept: true, ...extra }));
  assert.equal(canKeepMore(kept(2)), true);
  assert.equal(canKeepMore(kept(3)), false);
  assert.equal(canKeepMore([...kept(2), { id: 9, kept: true, hidden: true }]), true);
});

test("choosableTables: seats left first by number, full ones last", () => {
  const tables = choosableTables([
    { id: 1, number: 2, capacity: 4, seated: 4 },
    { id: 2, number: 3, capacity: 4, seated: 1 },
    { id: 3, number: 1, capacity: 4, seated: 5 },
    { id: 4, number: 4, capacity: 10, seated: 0 },
  ]);
  assert.deepEqual(tables.map((t) => [t.number, t.left]), [[3, 3], [4, 10], [1, 0], [2, 0]]);
  assert.deepEqual(choosableTables(null), []);
});

describe("tileGrid", () => {
  test("30 tiles on a 1080p stage: one page, 6 columns by 5 rows", () => {
    const grid = tileGrid(30, 1860, 840, { ratio: 1.9, minWidth: 238, minHeight: 134, gap: 11 });
    assert.equal(grid.perPage, 30);
    assert.equal(grid.columns * grid.rows >= 30, true);
    assert.deepEqual([grid.columns, grid.rows], [6, 5]);
  });

  test("few tiles get large ones", () => {
    const grid = tileGrid(4, 1600, 800, { ratio: 1.9 });
    assert.deepEqual([grid.columns, grid.rows, grid.perPage], [2, 2, 4]);
  });

  test("too many for the smallest readable tile: paged", () => {
    const grid = tileGrid(60, 1000, 500, { minWidth: 200, minHeight: 100, gap: 0 });
    assert.deepEqual([grid.columns, grid.rows, grid.perPage], [5, 5, 25]);
  });

  test("no tiles or no room: one empty page", () => {
    assert.deepEqual(tileGrid(0, 100, 100), { columns: 1, rows: 1, perPage: 1 });
    assert.equal(tileGrid(5, 0, 100).perPage, 5);
  });
});

test("rollup: in table order, with the défi's title", () => {
  const challenges = new Map([[70, { title: "Se déplacer" }]]);
  const rows = rollup({ tables: [{ id: 2, number: 2, challenge_id: 99 }, { id: 1, number: 1, challenge_id: 70 }] }, challenges);
  assert.deepEqual(rows.map((r) => [r.number, r.title]), [[1, "Se déplacer"], [2, ""]]);
  assert.deepEqual(rollup(null, challenges), []);
});

test("kindKey: letters and underscores from the label, numbered when taken", () => {
  assert.equal(kindKey("Idées reçues !", new Set()), "idees_recues");
  assert.equal(kindKey("Idées reçues", new Set(["idees_recues"])), "idees_recues_2");
  assert.equal(kindKey("123", new Set()), "kind");
  assert.match(kindKey("x".repeat(40), new Set()), /^[a-z_]{1,20}$/);
});

describe("distinctTitles", () => {
  const hmw = (end) => `Comment pourrions-nous ${end} ?`;
  const many = ["mieux manger", "bouger plus", "moins jeter", "habiter ensemble", "garder nos commerces", "apprendre"].map(hmw);

  test("drops the words every title starts with", () => {
    assert.deepEqual(distinctTitles(many).slice(0, 2), ["… mieux manger ?", "… bouger plus ?"]);
  });

  test("keeps them whole: few titles, a short or no common start, a title left empty", () => {
    assert.deepEqual(distinctTitles(many.slice(0, 3)), many.slice(0, 3));
    const mixed = [...many.slice(0, 5), "Se déplacer sans voiture"];
    assert.deepEqual(distinctTitles(mixed), mixed);
    const same = ["Un atelier", "Un atelier vélo", "Un atelier bois", "Un atelier cuisine", "Un atelier couture", "Un atelier jardin"];
    assert.deepEqual(distinctTitles(same), same, "« Un atelier » is too short a start");
    const whole = [...many.slice(0, 5), "Comment pourrions-nous "];
    assert.deepEqual(distinctTitles(whole), whole);
    assert.deepEqual(distinctTitles([]), []);
  });

  test("cuts at a word boundary, never inside a word", () => {
    const titles = ["Comment pourrions-nous manger", "Comment pourrions-nous marcher", ...many.slice(0, 4)];
    assert.deepEqual(distinctTitles(titles).slice(0, 2), ["… manger", "… marcher"]);
  });
});

describe("the workshop store's tables (state.js)", () => {
  const base = {
    seq: 10, workshop: { id: 1, status: "open", current_phase_id: 2 }, phases: [], ideas: [],
    timer: { state: "stopped", duration_ms: 0 }, participant_count: 2,
    me: { idea_ids: [], votes: {}, volunteers: [], table_id: 7, host_of: null },
    tables: [{ id: 7, number: 1, challenge_id: 70, capacity: 6, host: true }],
    contribution_kinds: KINDS, table_round: 2,
    spotlight: { id: 7, number: 1, challenge_id: 70, synthesis: "Une navette", kept: [] },
    table: snapshot(),
  };

  test("a snapshot brings the tables, kinds, round, spotlight and the phone's table", () => {
    const store = createStore("participant");
    store.load(base);
    const { state } = store;
    assert.equal(state.tables.length, 1);
    assert.deepEqual(state.contributionKinds, KINDS);
    assert.equal(state.tableRound, 2);
    assert.equal(state.spotlight.table_id, 7, "the snapshot's view, wrapped as spotlight_changed wraps it");
    assert.equal(state.spotlight.table.synthesis, "Une navette");
    assert.equal(state.table.id, 7);
    store.load({ ...base, spotlight: null, table: null });
    assert.equal(store.state.spotlight, null);
    assert.equal(store.state.table, null);
  });

  test("facts: moved, round, spotlight, kinds, roll-up", () => {
    const store = createStore("participant");
    const seen = [];
    store.subscribe((what) => seen.push(what));
    store.load(base);
    store.apply(Facts.TABLE_CHANGED, { workshop_id: 1, table_id: 8, host_of: null });
    assert.equal(store.state.me.table_id, 8);
    store.apply(Facts.TABLE_CHANGED, { workshop_id: 1, table_id: 9, host_of: 9 });
    assert.equal(store.state.me.host_of, 9);
    store.apply(Facts.ROUND_CHANGED, { workshop_id: 1, seq: 11, round: 3 });
    assert.equal(store.state.tableRound, 3);
    store.apply(Facts.SPOTLIGHT_CHANGED, { workshop_id: 1, seq: 12, table_id: null, table: null });
    assert.equal(store.state.spotlight, null);
    store.apply(Facts.CONTRIBUTION_KINDS_CHANGED, { workshop_id: 1, seq: 13, kinds: [{ key: "needs", label: "Publics" }] });
    assert.equal(store.state.contributionKinds[0].label, "Publics");
    store.apply(Facts.TABLES_SUMMARY, { workshop_id: 1, round: 3, tables: [{ id: 7, seated: 4 }] });
    assert.equal(store.state.tablesSummary.tables[0].seated, 4);
    assert.deepEqual(seen, ["all", "seat", "seat", "tables", "spotlight", "tables", "summary"]);
  });
});
