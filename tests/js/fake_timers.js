// A clock the tests move by hand: setTimeout/clearTimeout as the modules take them
// (injected), and `advance(ms)` to run what falls due, in order of due time.
export function fakeTimers() {
  let now = 0;
  let nextId = 1;
  const pending = new Map(); // id → {at, callback}

  return {
    setTimeout(callback, ms = 0) {
      const id = nextId++;
      pending.set(id, { at: now + Math.max(0, ms), callback });
      return id;
    },
    clearTimeout(id) {
      pending.delete(id);
    },
    advance(ms) {
      const until = now + ms;
      for (;;) {
        const due = [...pending.entries()]
          .filter(([, timer]) => timer.at <= until)
          .sort(([a, x], [b, y]) => x.at - y.at || a - b)[0];
        if (!due) break;
        const [id, timer] = due;
        pending.delete(id);
        now = timer.at;
        timer.callback();
      }
      now = until;
    },
    get now() { return now; },
    get pending() { return pending.size; },
  };
}
