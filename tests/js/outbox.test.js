// The phone's outbox (static/js/outbox.js): posts and votes queued while offline, kept
// across a reload, sent one at a time and exactly once, retried only when the failure
// is transient, with the same client id so that the server stores an idea once.
import assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";

import { createOutbox } from "../../static/js/outbox.js";
import { fakeTimers } from "./fake_timers.js";

const KEY = "semis.outbox.1.2";
const flush = () => new Promise((resolve) => setImmediate(resolve));

function memoryStorage() {
  const items = new Map();
  return {
    items,
    getItem: (key) => (items.has(key) ? items.get(key) : null),
    setItem: (key, value) => { items.set(key, String(value)); },
    removeItem: (key) => { items.delete(key); },
  };
}

// The server's side of the commands the outbox sends: `post_idea` is idempotent by
// client id, `set_vote` sets an absolute count. `lose` makes the next answers go
// missing after the command was applied (the ack lost with the socket).
function fakeServer() {
  const ideas = new Map(); // client id → stored idea
  const votes = new Map(); // item id → count
  const received = [];
  let lose = 0;
  let refuse = null;
  return {
    ideas,
    votes,
    received,
    loseNextAcks(n) { lose = n; },
    refuseNext(error) { refuse = error; },
    handle(entry) {
      received.push(entry);
      if (refuse) {
        const error = refuse;
        refuse = null;
        return { ok: false, error };
      }
      let data;
      if (entry.command === "post_idea") {
        const { client_id: clientId, title } = entry.payload;
        if (!ideas.has(clientId)) ideas.set(clientId, { id: ideas.size + 1, title });
        data = { idea: ideas.get(clientId) };
      } else {
        votes.set(entry.payload.idea_id, entry.payload.count);
        data = { votes: Object.fromEntries(votes) };
      }
      if (lose > 0) {
        lose -= 1;
        return { ok: false, error: { code: "timeout", message: null } };
      }
      return { ok: true, data };
    },
  };
}

let storage;
let timers;
let server;
let online;
let settled;

function makeOutbox({ send } = {}) {
  return createOutbox({
    storageKey: KEY,
    isOnline: () => online,
    send: send ?? ((entry) => Promise.resolve(server.handle(entry))),
    onSettled: (entry, ack) => settled.push([entry.key, ack.ok]),
    storage,
    events: null,
    timers,
  });
}

const stored = () => JSON.parse(storage.getItem(KEY) || "[]");
const idea = (clientId, title = `idée ${clientId}`) => ["post_idea", { title, client_id: clientId }, { idea: true }];

beforeEach(() => {
  storage = memoryStorage();
  timers = fakeTimers();
  server = fakeServer();
  online = true;
  settled = [];
});

describe("offline", () => {
  test("a post is stored and answered as queued, and nothing is sent", async () => {
    online = false;
    const outbox = makeOutbox();
    const answer = await outbox.submit("idea:a", ...idea("a"));
    assert.deepEqual(answer, { ok: false, queued: true });
    assert.equal(server.received.length, 0);
    assert.deepEqual(stored().map((e) => e.key), ["idea:a"]);
    assert.deepEqual(outbox.entries().map((e) => e.payload.client_id), ["a"]);
  });

  test("taps on one vote collapse into the latest absolute count", async () => {
    online = false;
    const outbox = makeOutbox();
    outbox.put("vote:7:ideas:3", "set_vote", { idea_id: 3, count: 1 }, { vote: {} });
    outbox.put("vote:7:ideas:3", "set_vote", { idea_id: 3, count: 2 }, { vote: {} });
    outbox.put("vote:7:ideas:3", "set_vote", { idea_id: 3, count: 1 }, { vote: {} });
    await flush();
    const entries = outbox.entries();
    assert.equal(entries.length, 1);
    assert.equal(entries[0].payload.count, 1);
    assert.equal(entries[0].rev, 3);
    online = true;
    outbox.wake();
    await flush();
    assert.equal(server.received.length, 1);
    assert.equal(server.votes.get(3), 1);
  });

  test("the queue survives a reload and leaves, in order, once, when the connection is back", async () => {
    online = false;
    const before = makeOutbox();
    before.put("idea:a", ...idea("a"));
    before.put("idea:b", ...idea("b"));
    before.put("vote:7:ideas:1", "set_vote", { idea_id: 1, count: 2 }, { vote: {} });
    await flush();
    // The page is reloaded: a new outbox over the same storage.
    const after = makeOutbox();
    assert.equal(after.entries().length, 3);
    online = true;
    after.wake();
    await flush();
    assert.deepEqual(server.received.map((e) => e.key), ["idea:a", "idea:b", "vote:7:ideas:1"]);
    assert.deepEqual(settled, [["idea:a", true], ["idea:b", true], ["vote:7:ideas:1", true]]);
    assert.equal(after.entries().length, 0);
    assert.equal(storage.getItem(KEY), null, "an empty queue leaves nothing stored");
    after.wake();
    await flush();
    assert.equal(server.received.length, 3, "nothing is sent twice");
  });
});

describe("online", () => {
  test("a post is sent at once and answered with its ack", async () => {
    const outbox = makeOutbox();
    const answer = await outbox.submit("idea:a", ...idea("a", "Un jardin partagé"));
    assert.equal(answer.ok, true);
    assert.equal(answer.data.idea.title, "Un jardin partagé");
    assert.equal(server.received.length, 1);
    assert.equal(outbox.entries().length, 0);
  });

  test("entries are sent one at a time: the next waits for the previous ack", async () => {
    const calls = [];
    const outbox = makeOutbox({
      send: (entry) => new Promise((resolve) => calls.push({ entry, resolve })),
    });
    outbox.put("idea:a", ...idea("a"));
    outbox.put("idea:b", ...idea("b"));
    await flush();
    assert.equal(calls.length, 1);
    assert.ok(outbox.isSending("idea:a"));
    calls[0].resolve({ ok: true, data: {} });
    await flush();
    assert.equal(calls.length, 2);
    assert.equal(calls[1].entry.key, "idea:b");
    calls[1].resolve({ ok: true, data: {} });
    await flush();
    assert.equal(outbox.entries().length, 0);
  });

  test("a vote changed while in flight is sent again with the newer count", async () => {
    const calls = [];
    const outbox = makeOutbox({
      send: (entry) => new Promise((resolve) => calls.push({ entry, resolve })),
    });
    outbox.put("vote:7:ideas:3", "set_vote", { idea_id: 3, count: 1 }, { vote: {} });
    await flush();
    outbox.put("vote:7:ideas:3", "set_vote", { idea_id: 3, count: 2 }, { vote: {} });
    calls[0].resolve({ ok: true, data: {} });
    await flush();
    assert.equal(calls.length, 2);
    assert.equal(calls[1].entry.payload.count, 2);
    assert.equal(outbox.entries().length, 1, "kept until the newer count is acknowledged");
    calls[1].resolve({ ok: true, data: {} });
    await flush();
    assert.equal(outbox.entries().length, 0);
  });
});

describe("failures", () => {
  test("a lost ack is retried with the same client id, and the server keeps one idea", async () => {
    const outbox = makeOutbox();
    server.loseNextAcks(1);
    const answer = await outbox.submit("idea:a", ...idea("a"));
    assert.equal(answer.queued, true);
    assert.equal(answer.error.code, "timeout");
    assert.equal(outbox.entries().length, 1, "kept for a retry");
    timers.advance(1250); // the first backoff: 1 s ± 25 %
    await flush();
    assert.equal(server.received.length, 2);
    assert.deepEqual(server.received.map((e) => e.payload.client_id), ["a", "a"]);
    assert.equal(server.ideas.size, 1);
    assert.equal(outbox.entries().length, 0);
    assert.deepEqual(settled, [["idea:a", true]], "settled once, when acknowledged");
  });

  test("a transient failure waits for the backoff, unless the connection comes back", async () => {
    const outbox = makeOutbox();
    server.loseNextAcks(2);
    outbox.put("idea:a", ...idea("a"));
    await flush();
    timers.advance(749); // never before 1 s − 25 %
    await flush();
    assert.equal(server.received.length, 1);
    timers.advance(501);
    await flush();
    assert.equal(server.received.length, 2);
    outbox.wake(); // back online: at once, whatever the backoff
    await flush();
    assert.equal(server.received.length, 3);
    assert.equal(outbox.entries().length, 0);
  });

  test("a refusal is final: marked failed, never sent again, and the queue goes on", async () => {
    const outbox = makeOutbox();
    server.refuseNext({ code: "validation_error", message: "Trop long" });
    const answer = await outbox.submit("idea:a", ...idea("a"));
    assert.equal(answer.ok, false);
    assert.equal(answer.queued, undefined);
    assert.deepEqual(outbox.get("idea:a").failed, { code: "validation_error", message: "Trop long" });
    assert.deepEqual(settled, [["idea:a", false]]);
    outbox.put("idea:b", ...idea("b"));
    await flush();
    outbox.wake();
    timers.advance(60000);
    await flush();
    assert.deepEqual(server.received.map((e) => e.key), ["idea:a", "idea:b"]);
    outbox.remove("idea:a");
    assert.equal(outbox.entries().length, 0);
  });

  test("without storage (private mode) the queue still works for the page's life", async () => {
    storage = { getItem() { throw new Error("denied"); }, setItem() { throw new Error("denied"); }, removeItem() {} };
    online = false;
    const outbox = makeOutbox();
    outbox.put("idea:a", ...idea("a"));
    await flush();
    assert.equal(outbox.entries().length, 1);
    online = true;
    outbox.wake();
    await flush();
    assert.equal(server.ideas.size, 1);
    assert.equal(outbox.entries().length, 0);
  });
});
