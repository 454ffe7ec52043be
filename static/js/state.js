// Client-side workshop state: a snapshot, then facts applied in seq order.
// Facts carry absolute values, so applying one twice leaves the same state.
import { byPosition } from "./order.js";
import { Facts } from "./protocol.js";
import { loadPitch, pitchHandlers } from "./pitch/model.js";

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
    challenges: new Map(), // id → défi
    orders: new Map(), // défi id, or null for the unclassified ideas → [idea ids]
    votes: new Map(), // phase id → {voters, votes_cast, tallies: Map(idea id → dots) | null}
    myVotes: new Map(), // phase id → Map(idea id → dots)
    // Votes by majority judgment (grade_results.js): phase id → {voters, grades_cast,
    // results (null while hidden)}, and the participant's own grades.
    grades: new Map(),
    myGrades: new Map(), // phase id → Map(item id → grade)
    qualifications: new Map(), // "challenge:7" or "idea:30" → sheet
    volunteers: new Map(), // "challenge:7" or "idea:30" → {counts, volunteers?}
    myOffers: [], // the participant's own volunteer offers
    clockOffset: 0, // server time minus local time, in ms
    // Défi tables (issue #13): the public list, the roll-up (seated, contributions…),
    // the kinds tables write in, the round, the restitution's spotlight, and the table
    // snapshot of a seated phone (its live part is followed by tables/model.js).
    tables: [],
    tablesSummary: null, // {round, tables: [{id, number, seated, capacity, …}]}
    contributionKinds: [],
    tableRound: 1,
    spotlight: null, // {table_id, table: {…synthesis, kept contributions}} or null
    table: null,
  };
  // The pitch step (issue #14; pitch/model.js): its state, cards by id (facilitators).
  state.pitch = null;
  state.pitchCards = new Map();

  const notify = (what) => listeners.forEach((listener) => listener(what, state));

  const toMap = (object) => new Map(Object.entries(object || {}).map(([k, v]) => [Number(k), v]));

  // `full`: the tallies are the whole set (snapshot, reveal, freeze), not a change.
  function setVotes(votes, { full = false } = {}) {
    const current = state.votes.get(votes.phase_id) || { tallies: null };
    let tallies = current.tallies;
    if (votes.tallies) {
      tallies = new Map(full ? [] : tallies || []);
      for (const [id, count] of toMap(votes.tallies)) {
        if (count > 0) tallies.set(id, count);
        else tallies.delete(id);
      }
    }
    state.votes.set(votes.phase_id, { voters: votes.voters, votes_cast: votes.votes_cast, tallies });
  }

  // A majority vote's whole state (a Grade results object: grades_changed, a snapshot).
  function setGrades(graded) {
    if (!graded) return;
    state.grades.set(graded.phase_id,
      { voters: graded.voters, grades_cast: graded.grades_cast, results: graded.results ?? null });
  }

  function setPhase(phase) {
    state.phases = state.phases.map((p) => (p.id === phase.id ? phase : p));
    // A vote hidden again (or reopened before any reveal): the public tallies go.
    const vote = phase.vote;
    if (vote && role !== "facilitator" && vote.settings.hidden && !vote.revealed && !vote.frozen) {
      const votes = state.votes.get(phase.id);
      if (votes) votes.tallies = null;
      const graded = state.grades.get(phase.id);
      if (graded) graded.results = null;
    }
  }

  function setMe(me) {
    state.me = me;
    state.myIdeaIds = new Set(me?.idea_ids || []);
    state.myVotes = new Map(Object.entries(me?.votes || {}).map(([k, v]) => [Number(k), toMap(v)]));
    state.myGrades = new Map(Object.entries(me?.grades || {}).map(([k, v]) => [Number(k), toMap(v)]));
    state.myOffers = me?.volunteers || [];
  }

  const itemKey = (item) => `${item.target}:${item.target_id}`;

  function setOrders(orders) {
    for (const order of orders) state.orders.set(order.challenge_id, order.idea_ids);
  }

  function setGrouping(grouping) {
    state.challenges = new Map(grouping.challenges.map((c) => [c.id, c]));
    state.orders = new Map();
    setOrders(grouping.orders);
  }

  function upsertIdea(idea) {
    const current = state.ideas.get(idea.id) || {};
    state.ideas.set(idea.id, { ...current, ...idea });
  }

  const handlers = {
    ...pitchHandlers(state),
    [Facts.WORKSHOP_UPDATED]: (d) => { state.workshop = d.workshop; return "workshop"; },
    [Facts.SETTINGS_CHANGED]: (d) => {
      Object.assign(state.workshop, {
        anonymous: d.settings.anonymous, moderation: d.settings.moderation,
      });
      if (d.settings.participants_qualify !== undefined) {
        state.workshop.participants_qualify = d.settings.participants_qualify;
      }
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
      // A burst of joins may arrive folded: every newcomer of the run in `participants`.
      for (const p of d.participants ?? (d.participant ? [d.participant] : [])) {
        state.participants.set(p.id, p);
      }
      return "people";
    },
    [Facts.PARTICIPANT_ERASED]: (d) => {
      if (d.participant_id) state.participants.delete(d.participant_id);
      return "people";
    },
    [Facts.PRESENCE_CHANGED]: (d) => { state.connected = d.connected; return "people"; },
    [Facts.IDEA_POSTED]: (d) => { upsertIdea(d.idea); return "ideas"; },
    [Facts.IDEA_UPDATED]: (d) => { upsertIdea(d.idea); return "ideas"; },
    [Facts.IDEA_APPROVED]: (d) => { upsertIdea(d.idea); return "ideas"; },
    [Facts.IDEA_RESTORED]: (d) => { upsertIdea(d.idea); return "ideas"; },
    [Facts.IDEA_HIDDEN]: (d) => { upsertIdea(d.idea); return "ideas"; },
    [Facts.VOTES_CHANGED]: (d) => { setVotes(d); return "votes"; },
    [Facts.VOTE_CONFIGURED]: (d) => { setPhase(d.phase); return "votes"; },
    [Facts.VOTE_REOPENED]: (d) => { setPhase(d.phase); return "votes"; },
    [Facts.VOTES_REVEALED]: (d) => { setPhase(d.phase); setVotes(d.votes, { full: true }); setGrades(d.grades); return "votes"; },
    [Facts.RESULTS_FROZEN]: (d) => { setPhase(d.phase); setVotes(d.votes, { full: true }); setGrades(d.grades); return "votes"; },
    [Facts.GRADES_CHANGED]: (d) => { setGrades(d); return "votes"; },
    [Facts.CHALLENGE_CREATED]: (d) => {
      state.challenges.set(d.challenge.id, d.challenge);
      if (!state.orders.has(d.challenge.id)) state.orders.set(d.challenge.id, []);
      return "grouping";
    },
    [Facts.CHALLENGE_UPDATED]: (d) => { state.challenges.set(d.challenge.id, d.challenge); return "grouping"; },
    [Facts.CHALLENGES_REORDERED]: (d) => {
      d.challenge_ids.forEach((id, position) => {
        const challenge = state.challenges.get(id);
        if (challenge) challenge.position = position;
      });
      return "grouping";
    },
    [Facts.GROUPING_CHANGED]: (d) => { setGrouping(d.grouping); return "grouping"; },
    [Facts.IDEA_MOVED]: (d) => { setOrders(d.orders); return "grouping"; },
    [Facts.IDEAS_MERGED]: (d) => {
      upsertIdea(d.idea);
      upsertIdea(d.merged);
      for (const [key, ids] of state.orders) state.orders.set(key, ids.filter((id) => id !== d.merged.id));
      return "ideas";
    },
    // A cluster of duplicates merged in one action: each absorbed idea as above.
    [Facts.DUPLICATES_MERGED]: (d) => {
      upsertIdea(d.idea);
      d.merged.forEach(upsertIdea);
      const gone = new Set(d.merged.map((idea) => idea.id));
      for (const [key, ids] of state.orders) state.orders.set(key, ids.filter((id) => !gone.has(id)));
      return "ideas";
    },
    [Facts.DUPLICATES_UNMERGED]: (d) => {
      d.ideas.forEach(upsertIdea);
      setGrouping(d.grouping);
      return "ideas";
    },
    // Read by the duplicate review (duplicates.js) as it arrives.
    [Facts.DUPLICATES_DISMISSED]: (d) => { state.lastDismissed = d.idea_ids; return "duplicates"; },
    [Facts.QUALIFICATION_SAVED]: (d) => {
      state.qualifications.set(itemKey(d.qualification), d.qualification);
      return "qualify";
    },
    [Facts.VOLUNTEERS_CHANGED]: (d) => {
      const { workshop_id: _w, seq: _s, since: _since, ...entry } = d;
      state.volunteers.set(itemKey(entry), entry);
      return "volunteers";
    },
    [Facts.TABLES_CHANGED]: (d) => { state.tables = d.tables; return "tables"; },
    [Facts.ROUND_CHANGED]: (d) => { state.tableRound = d.round; return "tables"; },
    [Facts.SPOTLIGHT_CHANGED]: (d) => {
      state.spotlight = d.table_id ? { table_id: d.table_id, table: d.table } : null;
      return "spotlight";
    },
    [Facts.CONTRIBUTION_KINDS_CHANGED]: (d) => { state.contributionKinds = d.kinds; return "tables"; },
    [Facts.TABLES_SUMMARY]: (d) => { state.tablesSummary = d; return "summary"; },
    // This phone was seated elsewhere (or unseated) by someone else.
    [Facts.TABLE_CHANGED]: (d) => {
      if (state.me) state.me = { ...state.me, table_id: d.table_id, host_of: d.host_of ?? null };
      return "seat";
    },
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
      setMe(snapshot.me || null);
      setGrouping(snapshot.grouping || { challenges: [], orders: [] });
      state.votes = new Map();
      for (const votes of Object.values(snapshot.votes || {})) setVotes(votes, { full: true });
      state.grades = new Map();
      for (const graded of Object.values(snapshot.grades || {})) setGrades(graded);
      state.qualifications = new Map((snapshot.qualifications || []).map((q) => [itemKey(q), q]));
      state.volunteers = new Map((snapshot.volunteers || []).map((v) => [itemKey(v), v]));
      state.tables = snapshot.tables || [];
      state.tablesSummary = snapshot.tables_summary || state.tablesSummary;
      state.contributionKinds = snapshot.contribution_kinds || [];
      state.tableRound = snapshot.table_round ?? 1;
      // The snapshot holds the spotlit table's view itself (spotlight_changed wraps it).
      state.spotlight = snapshot.spotlight ? { table_id: snapshot.spotlight.id, table: snapshot.spotlight } : null;
      state.table = snapshot.table || null;
      loadPitch(state, snapshot.pitch);
      notify("all");
    },
    apply(name, data) {
      const handler = handlers[name];
      if (!handler || !state.workshop) return;
      notify(handler(data));
    },
    // Personal state that came with a replay (votes cast from another phone, say).
    setMe(me) {
      if (!me) return;
      setMe(me);
      notify("all");
    },
    // The participant's dots in one phase, from a vote ack.
    setMyVotes(phaseId, votes) {
      state.myVotes.set(phaseId, toMap(votes));
      notify("votes");
    },
    // The participant's grades in one majority vote, from a grade_item / withdraw_grade ack.
    setMyGrades(phaseId, grades) {
      state.myGrades.set(phaseId, toMap(grades));
      notify("votes");
    },
    // The participant's own volunteer offers, from an offer_help / withdraw_help ack.
    setMyOffers(offers) {
      state.myOffers = offers || [];
      notify("volunteers");
    },
    // A sheet from a save_qualification ack (its fact may not have arrived yet).
    setQualification(sheet) {
      const current = state.qualifications.get(itemKey(sheet));
      if (!current || current.version <= sheet.version) state.qualifications.set(itemKey(sheet), sheet);
      notify("qualify");
    },
    // The author's own copy from an ack (full text even while it waits for approval).
    addOwnIdea(idea) {
      state.myIdeaIds.add(idea.id);
      upsertIdea(idea);
      notify("ideas");
    },
    // Défis in order, each with its displayable ideas in order; the unclassified first.
    // `show(idea)` says which ideas this view displays; ideas no order lists yet (just
    // posted) go with the unclassified ones.
    grouped(show) {
      const placed = new Set();
      const take = (ids) => (ids || []).map((id) => state.ideas.get(id))
        .filter((idea) => idea && show(idea) && !placed.has(idea.id) && placed.add(idea.id));
      const challenges = [...state.challenges.values()].sort(byPosition);
      const groups = challenges.map((challenge) => ({ challenge, ideas: take(state.orders.get(challenge.id)) }));
      const loose = take(state.orders.get(null));
      // Ideas no order lists (just posted, approved or restored) go where they say.
      for (const idea of state.ideas.values()) {
        if (!show(idea) || placed.has(idea.id)) continue;
        const group = groups.find((g) => g.challenge.id === idea.challenge_id);
        (group ? group.ideas : loose).push(idea);
        placed.add(idea.id);
      }
      return [{ challenge: null, ideas: loose }, ...groups];
    },
    currentPhase() {
      return state.phases.find((p) => p.id === state.workshop?.current_phase_id) || null;
    },
  };
}
