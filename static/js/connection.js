// The live connection shared by the phone, the screen and the console.
//
// It joins the workshop, feeds the facts to the sequencer (sequencer.js: seq order,
// stale and duplicate facts dropped, gaps held a moment), resyncs when a gap stays open
// (rejoin with last_seq: the server replays what was missed or sends a fresh snapshot),
// and resyncs when the page comes back from the background.
// It also follows the browser's own idea of the network: an `offline` event drops the
// socket at once (Chromium keeps a dead WebSocket open until its ping times out), and
// an `online` event or a return to the foreground reconnects without waiting for the
// backoff. `onReady` listeners run after every successful (re)join, with its mode
// ("snapshot" or "replay"): the phone's outbox sends what it holds then, against a
// state that is up to date.
import { io } from "/static/vendor/socket.io.esm.min.js";
import { Commands, Facts } from "./protocol.js";
import { createSequencer } from "./sequencer.js";

const ACK_TIMEOUT_MS = 10000;
// Ephemeral facts without a seq: the presence count, the tables' roll-up (coalesced by
// the server) and a phone's own move to another table (sent to its sockets only).
const UNSEQUENCED = new Set([Facts.PRESENCE_CHANGED, Facts.TABLES_SUMMARY, Facts.TABLE_CHANGED]);

export function connectLive({ workshopId, role, key, store, onStatus = () => {} }) {
  const socket = io({
    auth: { workshop_id: workshopId, role, ...(key ? { key } : {}) },
    // Reconnect forever with backoff: a phone on venue Wi-Fi drops often.
    reconnectionDelay: 500,
    reconnectionDelayMax: 5000,
  });
  let joining = null;
  const readyListeners = new Set();
  // A table's facts carry its own `table_seq`, not the workshop's seq: they go to the
  // table's follower (tables/model.js), which orders them and asks again on a gap.
  const tableListeners = new Set();
  // Facts in seq order, each once; a gap still open after a moment resyncs.
  const sequencer = createSequencer({ apply: (name, data) => store.apply(name, data), onGap: () => resync() });

  function applyFact(name, data) {
    if (data.workshop_id !== workshopId) return;
    if (data.table_seq !== undefined) tableListeners.forEach((listener) => listener(name, data));
    else if (UNSEQUENCED.has(name)) store.apply(name, data);
    else sequencer.receive(name, data);
  }

  async function join() {
    const lastSeq = sequencer.lastSeq;
    const payload = lastSeq === null ? {} : { last_seq: lastSeq };
    const ack = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck(Commands.JOIN_WORKSHOP, payload);
    if (!ack.ok) throw Object.assign(new Error(ack.error.message), { ack });
    const data = ack.data;
    store.setServerTime(data.server_time);
    if (data.mode === "snapshot") {
      store.load(data.state);
      sequencer.reset(data.state.seq);
    } else {
      for (const { name, data: fact } of data.events) sequencer.replay(name, fact);
      if (data.me) store.setMe(data.me);
      if (data.connected !== undefined) {
        store.apply(Facts.PRESENCE_CHANGED, { workshop_id: workshopId, connected: data.connected });
      }
    }
    return data.mode;
  }

  function resync() {
    if (joining) return joining;
    sequencer.pause();
    joining = join()
      .then((mode) => {
        joining = null;
        sequencer.resume();
        onStatus("online");
        readyListeners.forEach((listener) => listener(mode));
      })
      .catch((error) => {
        joining = null;
        sequencer.discard();
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
    onTableFact(listener) { tableListeners.add(listener); },
    get connected() { return socket.connected; },
    get lastSeq() { return sequencer.lastSeq; },
  };
}
