// The live connection's ordering: facts applied once each, in seq order, a gap held
// REORDER_MS before a resync (static/js/sequencer.js, on a fake clock).
import assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";

import { REORDER_MS, createSequencer } from "../../static/js/sequencer.js";
import { fakeTimers } from "./fake_timers.js";

const fact = (seq, extra = {}) => ["idea_posted", { workshop_id: 1, seq, ...extra }];

let timers;
let applied;
let gaps;
let sequencer;

beforeEach(() => {
  timers = fakeTimers();
  applied = [];
  gaps = 0;
  sequencer = createSequencer({
    apply: (_name, data) => applied.push(data.seq),
    onGap: () => { gaps += 1; },
    timers,
  });
});

// A sequencer that has joined at `seq` (the snapshot's).
function joinedAt(seq) {
  sequencer.pause();
  sequencer.reset(seq);
  sequencer.resume();
}

describe("in order", () => {
  test("applies each next fact at once and keeps its seq", () => {
    joinedAt(10);
    sequencer.receive(...fact(11));
    sequencer.receive(...fact(12));
    assert.deepEqual(applied, [11, 12]);
    assert.equal(sequencer.lastSeq, 12);
    assert.equal(timers.pending, 0);
  });

  test("drops a duplicate and a stale fact", () => {
    joinedAt(10);
    sequencer.receive(...fact(11));
    sequencer.receive(...fact(11));
    sequencer.receive(...fact(9));
    sequencer.receive(...fact(10));
    assert.deepEqual(applied, [11]);
    assert.equal(sequencer.lastSeq, 11);
  });

  test("a batched fact follows on from its `since`, and its seq is the last one", () => {
    joinedAt(10);
    sequencer.receive(...fact(14, { since: 11 }));
    sequencer.receive(...fact(13)); // covered by the batch
    sequencer.receive(...fact(15));
    assert.deepEqual(applied, [14, 15]);
    assert.equal(gaps, 0);
  });
});

describe("a gap", () => {
  test("holds a fact ahead of it and applies both in order when the missing one comes", () => {
    joinedAt(10);
    sequencer.receive(...fact(12));
    assert.deepEqual(applied, []);
    sequencer.receive(...fact(11));
    assert.deepEqual(applied, [11, 12]);
    assert.equal(sequencer.lastSeq, 12);
    assert.equal(timers.pending, 0, "the reorder timer is cancelled once the gap is filled");
    timers.advance(REORDER_MS * 2);
    assert.equal(gaps, 0);
  });

  test("applies several held facts lowest first, however they came", () => {
    joinedAt(10);
    sequencer.receive(...fact(14));
    sequencer.receive(...fact(12));
    sequencer.receive(...fact(13));
    sequencer.receive(...fact(11));
    assert.deepEqual(applied, [11, 12, 13, 14]);
  });

  test("still open after REORDER_MS asks for a resync, not before", () => {
    joinedAt(10);
    sequencer.receive(...fact(12));
    timers.advance(REORDER_MS - 1);
    assert.equal(gaps, 0);
    sequencer.receive(...fact(13)); // a second early fact does not restart the wait
    timers.advance(1);
    assert.equal(gaps, 1);
    assert.deepEqual(applied, []);
  });

  test("filled in part keeps waiting for the rest", () => {
    joinedAt(10);
    sequencer.receive(...fact(13));
    sequencer.receive(...fact(11));
    assert.deepEqual(applied, [11]);
    timers.advance(REORDER_MS);
    assert.equal(gaps, 1);
  });

  test("REORDER_MS is 400 ms", () => {
    assert.equal(REORDER_MS, 400);
  });
});

describe("joining", () => {
  test("holds facts until the first join, then applies those newer than the snapshot", () => {
    sequencer.receive(...fact(9));
    sequencer.receive(...fact(11));
    sequencer.pause();
    sequencer.reset(10);
    assert.deepEqual(applied, []);
    sequencer.resume();
    assert.deepEqual(applied, [11]);
  });

  test("a replay applies the missed facts newer than the last seq, then what came meanwhile", () => {
    joinedAt(10);
    sequencer.pause();
    sequencer.receive(...fact(13)); // arrives during the join
    sequencer.replay(...fact(10));
    sequencer.replay(...fact(11));
    sequencer.replay(...fact(12));
    sequencer.resume();
    assert.deepEqual(applied, [11, 12, 13]);
  });

  test("facts held ahead of a gap wait for the join and are applied after it if still newer", () => {
    joinedAt(10);
    sequencer.receive(...fact(12));
    sequencer.receive(...fact(14));
    sequencer.pause();
    assert.equal(timers.pending, 0, "the join stops the reorder wait");
    sequencer.reset(12); // the snapshot already has 11 and 12
    sequencer.resume();
    assert.deepEqual(applied, []);
    sequencer.receive(...fact(13));
    assert.deepEqual(applied, [13, 14]);
  });

  test("a failed join drops what it held", () => {
    joinedAt(10);
    sequencer.pause();
    sequencer.receive(...fact(11));
    sequencer.discard();
    assert.deepEqual(applied, []);
    sequencer.receive(...fact(12));
    timers.advance(REORDER_MS);
    assert.equal(gaps, 1, "the next fact shows the gap, which resyncs");
  });
});
