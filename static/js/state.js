// Client-side workshop state: a snapshot, then facts applied in seq order.
// Facts carry absolute values, so applying one twice leaves the same state.
import { Facts } from "./events.js";

export function createStore(role) {
  const listeners = new Set();
  const state = {
    role,
    workshop: null,
    phases: [],
    timer: { state: "stopped", duration_ms: 0, ends_at: null, remaining_ms: null },
    ideas: new Map(),
    participants: new Map(),
    participantCount: 0,
    connected: 0,
    me: null,
    myIdeaIds: new Set(),
    clockOffset: 0, // server time minus local time, in ms
  };

  const notify = (what) => listeners.forEach((listener) => listener(what, state));

  function upsertIdea(idea) {
    const current = state.ideas.get(idea.id) || {};
    state.ideas.set(idea.id, { ...current, ...idea });
  }

  const handlers = {
    [Facts.WORKSHOP_UPDATED]: (d) => { state.workshop = d.workshop; return "workshop"; },
    [Facts.SETTINGS_CHANGED]: (d) => {
      Object.assign(state.workshop, {
        anonymous: d.settings.anonymous, moderation: d.settings.moderation,
      });
      if (role !== "facilitator") {
        const authors = d.settings.authors || {};
        for (const idea of state.ideas.values()) {
          idea.author = d.settings.anonymous ? null : authors[idea.id] ?? idea.author ?? null;
        }
      }
      return "ideas";
    },
    [Facts.AGENDA_CHANGED]: (d) => { state.phases = d.phases; return "workshop"; },
    [Facts.PHASE_CHANGED]: (d) => {
      state.workshop = d.workshop;
      state.timer = d.timer;
      state.phases = state.phases.map((p) => (p.id === d.phase.id ? d.phase : p));
      return "workshop";
    },
    [Facts.TIMER_CHANGED]: (d) => { state.timer = d.timer; return "timer"; },
    [Facts.PARTICIPANT_JOINED]: (d) => {
      state.participantCount = d.participant_count;
      if (d.participant) state.participants.set(d.participant.id, d.participant);
      return "people";
    },
    [Facts.PRESENCE_CHANGED]: (d) => { state.connected = d.connected; return "people"; },
    [Facts.IDEA_POSTED]: (d) => { upsertIdea(d.idea); return "ideas"; },
    [Facts.IDEA_UPDATED]: (d) => { upsertIdea(d.idea); return "ideas"; },
    [Facts.IDEA_APPROVED]: (d) => { upsertIdea(d.idea); return "ideas"; },
    [Facts.IDEA_RESTORED]: (d) => { upsertIdea(d.idea); return "ideas"; },
    [Facts.IDEA_HIDDEN]: (d) => { upsertIdea(d.idea); return "ideas"; },
    [Facts.IDEA_WITHDRAWN]: (d) => {
      state.ideas.delete(d.idea_id);
      state.myIdeaIds.delete(d.idea_id);
      return "ideas";
    },
  };

  return {
    state,
    subscribe(listener) { listeners.add(listener); },
    setServerTime(serverTime) {
      if (typeof serverTime === "number") state.clockOffset = serverTime - Date.now();
    },
    now() { return Date.now() + state.clockOffset; },
    load(snapshot) {
      state.workshop = snapshot.workshop;
      state.phases = snapshot.phases;
      state.timer = snapshot.timer;
      state.ideas = new Map(snapshot.ideas.map((idea) => [idea.id, idea]));
      state.participantCount = snapshot.participant_count;
      state.connected = snapshot.connected ?? state.connected;
      state.participants = new Map((snapshot.participants || []).map((p) => [p.id, p]));
      state.me = snapshot.me || null;
      state.myIdeaIds = new Set(snapshot.me?.idea_ids || []);
      notify("all");
    },
    apply(name, data) {
      const handler = handlers[name];
      if (!handler || !state.workshop) return;
      notify(handler(data));
    },
    // The author's own copy from an ack (full text even while it waits for approval).
    addOwnIdea(idea) {
      state.myIdeaIds.add(idea.id);
      upsertIdea(idea);
      notify("ideas");
    },
    currentPhase() {
      return state.phases.find((p) => p.id === state.workshop?.current_phase_id) || null;
    },
  };
}
