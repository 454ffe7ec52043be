// The order in which a client applies the server's facts: each fact once, in seq order.
//
// Facts carry the workshop's `seq` (a batched fact covers `since`..`seq`). The sequencer
// keeps the last applied seq, drops stale or duplicate facts, and holds everything while
// a (re)join is under way (`pause` … `resume`). A gap in seq is not always a loss: with
// several server workers, facts committed on two of them reach a phone through the
// message queue in either order. A fact ahead of the next expected one waits
// REORDER_MS for the missing ones; only a gap still open then means something was
// missed, and `onGap` asks for a resync. No socket here: connection.js feeds it, and
// the timers are injected so that tests run it on a fake clock.
export const REORDER_MS = 400;

export function createSequencer({ apply, onGap, reorderMs = REORDER_MS, timers = globalThis }) {
  let lastSeq = null;
  let paused = false;
  let buffered = []; // facts received while paused or before the first join
  let early = []; // facts ahead of a gap, waiting for the ones before them
  let reorderTimer = null;

  const firstSeq = (data) => data.since ?? data.seq;

  function stopTimer() {
    if (reorderTimer === null) return;
    timers.clearTimeout(reorderTimer);
    reorderTimer = null;
  }

  function applyNow(name, data) {
    apply(name, data);
    lastSeq = data.seq;
  }

  function holdEarly(name, data) {
    early.push([name, data]);
    if (reorderTimer !== null) return;
    reorderTimer = timers.setTimeout(() => {
      reorderTimer = null;
      if (early.length) onGap();
    }, reorderMs);
  }

  // Apply the held facts that now follow on, lowest first, for as long as they do.
  function applyEarly() {
    for (;;) {
      early = early.filter(([, data]) => data.seq > lastSeq);
      const next = early.reduce(
        (best, entry) => (!best || firstSeq(entry[1]) < firstSeq(best[1]) ? entry : best),
        null,
      );
      if (!next || firstSeq(next[1]) > lastSeq + 1) break;
      early.splice(early.indexOf(next), 1);
      applyNow(next[0], next[1]);
    }
    if (!early.length) stopTimer();
  }

  function receive(name, data) {
    if (paused || lastSeq === null) {
      buffered.push([name, data]);
      return;
    }
    if (data.seq <= lastSeq) return; // stale or duplicate
    if (firstSeq(data) > lastSeq + 1) {
      holdEarly(name, data);
      return;
    }
    applyNow(name, data);
    applyEarly();
  }

  return {
    receive,
    // A (re)join starts: hold every fact until it ends. Facts held ahead of a gap are
    // applied after the join, if still newer than what it brings.
    pause() {
      paused = true;
      buffered.push(...early);
      early = [];
      stopTimer();
    },
    // The join brought a snapshot taken at `seq`.
    reset(seq) {
      lastSeq = seq;
    },
    // The join replayed a missed fact: applied when newer, whatever the gap.
    replay(name, data) {
      if (lastSeq === null || data.seq > lastSeq) applyNow(name, data);
    },
    // The join is done: what arrived meanwhile goes through `receive`, as it came.
    resume() {
      paused = false;
      const pending = buffered;
      buffered = [];
      for (const [name, data] of pending) receive(name, data);
    },
    // The join failed: what arrived meanwhile is dropped (the next join brings it).
    discard() {
      paused = false;
      buffered = [];
    },
    get lastSeq() { return lastSeq; },
  };
}
