// The live connection shared by the phone, the screen and the console.
//
// It joins the workshop, keeps the last applied seq, drops stale or duplicate facts,
// detects gaps and resyncs (rejoin with last_seq: the server replays what was missed
// or sends a fresh snapshot), and resyncs when the page comes back from the background.
// It also follows the browser's own idea of the network: an `offline` event drops the
// socket at once (Chromium keeps a dead WebSocket open until its ping times out), and
// an `online` event or a return to the foreground reconnects without waiting for the
// backoff. `onReady` listeners run after every successful (re)join: the phone's outbox
// sends what it holds then, against a state that is up to date.
import { io } from "/static/vendor/socket.io.esm.min.js";
import { Commands, Facts } from "./protocol.js";

const ACK_TIMEOUT_MS = 10000;
const REORDER_MS = 400;
const UNSEQUENCED = new Set([Facts.PRESENCE_CHANGED]);

export function connectLive({ workshopId, role, key, store, onStatus = () => {} }) {
  const socket = io({
    auth: { workshop_id: workshopId, role, ...(key ? { key } : {}) },
    // Reconnect forever with backoff: a phone on venue Wi-Fi drops often.
    reconnectionDelay: 500,
    reconnectionDelayMax: 5000,
  });
  let lastSeq = null;
  let joining = null;
  let buffered = [];
  let early = []; // facts ahead of a gap, waiting for the ones before them
  let reorderTimer = null;
  const readyListeners = new Set();

  function applyFact(name, data) {
    if (data.workshop_id !== workshopId) return;
    if (UNSEQUENCED.has(name)) {
      store.apply(name, data);
      return;
    }
    if (joining || lastSeq === null) {
      buffered.push([name, data]);
      return;
    }
    if (data.seq <= lastSeq) return; // stale or duplicate
    if (firstSeq(data) > lastSeq + 1) {
      holdEarly(name, data);
      return;
    }
    store.apply(name, data);
    lastSeq = data.seq;
    applyEarly();
  }

  // A gap in seq is not always a loss: with several server workers, facts committed
  // on two of them reach a phone through the message queue in either order. A fact
  // ahead of the next expected one waits a moment for the missing ones; only a gap
  // still open after REORDER_MS means something was missed, and resyncs.
  const firstSeq = (data) => data.since ?? data.seq;

  function holdEarly(name, data) {
    early.push([name, data]);
    if (reorderTimer) return;
    reorderTimer = setTimeout(() => {
      reorderTimer = null;
      if (early.length) resync();
    }, REORDER_MS);
  }

  function applyEarly() {
    for (;;) {
      early = early.filter(([, data]) => data.seq > lastSeq);
      const next = early.reduce(
        (best, entry) => (!best || firstSeq(entry[1]) < firstSeq(best[1]) ? entry : best),
        null,
      );
      if (!next || firstSeq(next[1]) > lastSeq + 1) break;
      early.splice(early.indexOf(next), 1);
      store.apply(next[0], next[1]);
      lastSeq = next[1].seq;
    }
    if (!early.length && reorderTimer) {
      clearTimeout(reorderTimer);
      reorderTimer = null;
    }
  }

  async function join() {
    const payload = lastSeq === null ? {} : { last_seq: lastSeq };
    const ack = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck(Commands.JOIN_WORKSHOP, payload);
    if (!ack.ok) throw Object.assign(new Error(ack.error.message), { ack });
    const data = ack.data;
    store.setServerTime(data.server_time);
    if (data.mode === "snapshot") {
      store.load(data.state);
      lastSeq = data.state.seq;
    } else {
      for (const { name, data: fact } of data.events) {
        if (fact.seq > lastSeq) {
          store.apply(name, fact);
          lastSeq = fact.seq;
        }
      }
      if (data.me) store.setMe(data.me);
      if (data.connected !== undefined) {
        store.apply(Facts.PRESENCE_CHANGED, { workshop_id: workshopId, connected: data.connected });
      }
    }
  }

  function resync() {
    if (joining) return joining;
    // Facts held ahead of a gap are applied after the join, if still newer.
    buffered.push(...early);
    early = [];
    clearTimeout(reorderTimer);
    reorderTimer = null;
    joining = join()
      .then(() => {
        joining = null;
        const pending = buffered;
        buffered = [];
        for (const [name, data] of pending) applyFact(name, data);
        onStatus("online");
        readyListeners.forEach((listener) => listener());
      })
      .catch((error) => {
        joining = null;
        buffered = [];
        onStatus("error", error.ack?.error);
        if (!error.ack) setTimeout(() => socket.connected && resync(), 2000);
      });
    return joining;
  }

  for (const name of Object.values(Facts)) {
    if (name !== Facts.WORKSHOP_STATE) socket.on(name, (data) => applyFact(name, data));
  }
  socket.on("connect", () => resync());
  socket.on("disconnect", () => onStatus("offline"));
  socket.on("connect_error", (error) => {
    // A refusal by the server carries our error object; a network failure does not.
    if (error.data?.code) onStatus("refused", error.data);
    else onStatus("offline");
  });
  socket.io.on("reconnect_attempt", () => onStatus("reconnecting"));

  // Reconnect now rather than at the end of the current backoff delay. A manual
  // disconnect cancels the pending attempt; connect() opens a fresh one.
  function reconnectNow() {
    if (socket.connected || navigator.onLine === false) return;
    socket.disconnect();
    socket.connect();
  }

  // Phones freeze background tabs: on return, catch up at once.
  const wake = () => {
    if (document.visibilityState !== "visible") return;
    if (socket.connected) resync();
    else reconnectNow();
  };
  document.addEventListener("visibilitychange", wake);
  window.addEventListener("pageshow", (event) => event.persisted && wake());
  window.addEventListener("offline", () => {
    // Closing the transport (not the socket) keeps the automatic reconnection going.
    if (socket.connected) socket.io.engine?.close();
    onStatus("offline");
  });
  window.addEventListener("online", reconnectNow);

  async function command(name, payload = {}) {
    if (!socket.connected) {
      return { ok: false, error: { code: "offline", message: null } };
    }
    try {
      return await socket.timeout(ACK_TIMEOUT_MS).emitWithAck(name, payload);
    } catch {
      return { ok: false, error: { code: "timeout", message: null } };
    }
  }

  return {
    socket,
    command,
    resync,
    onReady(listener) { readyListeners.add(listener); },
    get connected() { return socket.connected; },
    get lastSeq() { return lastSeq; },
  };
}
