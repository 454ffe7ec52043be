// The phone's outbox: what a participant posts or votes is written here first and
// leaves only once the server has acknowledged it.
//
// Entries live in localStorage (one key per workshop and participant), so a reload,
// a crash or a closed tab loses nothing. They are sent one at a time, in order, while
// the socket is connected. Every command sent from here is idempotent on the server:
// an idea carries its client id (`post_idea` returns the stored idea on a retry), a
// vote is an absolute count (`set_vote`). So a command whose ack was lost is simply
// sent again, and the server applies it once.
//
// - ok ack: the entry is removed, unless it was changed while in flight (a second tap
//   on a vote): then the newer version goes next.
// - transient failure (no connection, ack timeout or lost with the socket, rate
//   limit, server error): the entry stays; the queue retries with a growing delay, and
//   at once when the connection is back (`wake`).
// - any other error is definitive: the entry is marked failed, never retried, and the
//   page shows it (`onSettled` tells the page, which may also drop it).
//
// `storage` (localStorage), `events` (the window, for other tabs' `storage` events) and
// `timers` (setTimeout, clearTimeout) default to the browser's; tests pass their own.
const TRANSIENT = new Set(["offline", "timeout", "not_authenticated", "internal_error", "rate_limited"]);
const BACKOFF_MS = [1000, 2000, 5000, 10000, 30000];

export function createOutbox({
  storageKey, isOnline, send, onSettled = () => {},
  storage = null, events = globalThis.window, timers = globalThis,
}) {
  const listeners = new Set();
  const waiters = new Map(); // key → resolve of the submit() waiting for its first answer
  let memory = []; // the last list read or written; the queue itself without storage
  let fresh = false; // whether `memory` still equals what is stored
  let stored = true; // false once localStorage has failed (private mode, quota)
  let running = false;
  let sending = null; // key of the entry in flight
  let failures = 0; // consecutive transient failures, for the backoff
  let retryTimer = null;

  // The stored list, read again only after another tab changed it (`storage` event).
  // Callers must not change what it returns: `update` works on a copy.
  function read() {
    if (fresh || !stored) return memory;
    try {
      const list = JSON.parse((storage ?? localStorage).getItem(storageKey) || "[]");
      memory = Array.isArray(list) ? list : [];
    } catch {
      stored = false; // unreadable or refused: keep going in memory
    }
    fresh = true;
    return memory;
  }

  function write(list) {
    memory = list;
    fresh = true;
    if (!stored) return;
    try {
      if (list.length) (storage ?? localStorage).setItem(storageKey, JSON.stringify(list));
      else (storage ?? localStorage).removeItem(storageKey);
    } catch {
      // Refused (quota, private mode): from now on the queue lives as long as the page,
      // rather than reading back a stored list that no longer changes.
      stored = false;
    }
  }

  // Read, change, write back at once: another tab of the same participant may share
  // the queue, so the stored list is the truth, never a copy kept in memory.
  function update(change) {
    fresh = false; // another tab may have written since our last read
    const list = JSON.parse(JSON.stringify(read()));
    const result = change(list);
    write(list);
    notify();
    return result;
  }

  const notify = () => listeners.forEach((listener) => listener());

  function settle(key, answer) {
    const resolve = waiters.get(key);
    if (!resolve) return;
    waiters.delete(key);
    resolve(answer);
  }

  function settleAll(answer) {
    for (const key of [...waiters.keys()]) settle(key, answer);
  }

  function schedule() {
    timers.clearTimeout(retryTimer);
    const delay = BACKOFF_MS[Math.min(failures, BACKOFF_MS.length) - 1] ?? BACKOFF_MS[0];
    // Some jitter, so that a room of phones does not retry in step.
    retryTimer = timers.setTimeout(pump, delay * (0.75 + Math.random() * 0.5));
  }

  async function pump() {
    if (running) return;
    running = true;
    try {
      for (;;) {
        if (!isOnline()) {
          settleAll({ ok: false, queued: true });
          return;
        }
        const entry = read().find((e) => !e.failed);
        if (!entry) {
          failures = 0;
          return;
        }
        sending = entry.key;
        notify();
        const ack = await send(entry);
        sending = null;
        if (!ack.ok && TRANSIENT.has(ack.error?.code)) {
          failures += 1;
          schedule();
          notify();
          settleAll({ ok: false, queued: true, error: ack.error });
          return;
        }
        failures = 0;
        update((list) => {
          const index = list.findIndex((e) => e.key === entry.key);
          if (index < 0 || list[index].rev !== entry.rev) return; // changed meanwhile: send again
          if (ack.ok) list.splice(index, 1);
          else list[index].failed = { code: ack.error?.code, message: ack.error?.message || null };
        });
        onSettled(entry, ack);
        settle(entry.key, ack);
      }
    } finally {
      running = false;
      sending = null;
    }
  }

  // Add an entry, or replace the one with the same key (a vote collapses into the
  // latest absolute count for its item).
  function put(key, command, payload, meta = {}) {
    update((list) => {
      const index = list.findIndex((e) => e.key === key);
      const entry = { key, command, payload, meta, rev: 1, created: Date.now() };
      if (index < 0) list.push(entry);
      else list[index] = { ...entry, rev: list[index].rev + 1, created: list[index].created };
    });
    pump();
  }

  events?.addEventListener("storage", (event) => {
    if (event.key === storageKey || event.key === null) {
      fresh = false;
      notify();
      pump();
    }
  });

  return {
    put,
    // Put an entry and wait for its first answer: the ack when it was sent at once,
    // or `{ok: false, queued: true}` when it stays queued (offline), with the `error`
    // when a transient failure (no answer, rate limit) will be retried.
    submit(key, command, payload, meta = {}) {
      const answer = new Promise((resolve) => waiters.set(key, resolve));
      put(key, command, payload, meta);
      return answer;
    },
    remove(key) {
      update((list) => {
        const index = list.findIndex((e) => e.key === key);
        if (index >= 0) list.splice(index, 1);
      });
    },
    get(key) {
      return read().find((e) => e.key === key) || null;
    },
    entries() {
      return read();
    },
    isSending(key) {
      return sending === key;
    },
    subscribe(listener) {
      listeners.add(listener);
    },
    // The connection is back: retry now, from the first entry, without waiting.
    wake() {
      timers.clearTimeout(retryTimer);
      failures = 0;
      pump();
    },
  };
}
