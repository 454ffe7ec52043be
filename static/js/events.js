// Socket.IO event names, mirrored once from workshop/realtime.py (a test keeps them equal).
// Commands go from a client to the server and are acknowledged; facts go from the
// server to the rooms and carry workshop_id and seq.

export const Commands = Object.freeze({
  JOIN_WORKSHOP: "join_workshop",
  POST_IDEA: "post_idea",
  EDIT_IDEA: "edit_idea",
  WITHDRAW_IDEA: "withdraw_idea",
  HIDE_IDEA: "hide_idea",
  RESTORE_IDEA: "restore_idea",
  APPROVE_IDEA: "approve_idea",
  ADVANCE_PHASE: "advance_phase",
  OPEN_WORKSHOP: "open_workshop",
  CLOSE_WORKSHOP: "close_workshop",
  SET_JOINING: "set_joining",
  UPDATE_SETTINGS: "update_settings",
  START_TIMER: "start_timer",
  PAUSE_TIMER: "pause_timer",
  EXTEND_TIMER: "extend_timer",
  RESET_TIMER: "reset_timer",
});

export const Facts = Object.freeze({
  WORKSHOP_STATE: "workshop_state",
  WORKSHOP_UPDATED: "workshop_updated",
  SETTINGS_CHANGED: "settings_changed",
  AGENDA_CHANGED: "agenda_changed",
  PHASE_CHANGED: "phase_changed",
  TIMER_CHANGED: "timer_changed",
  PARTICIPANT_JOINED: "participant_joined",
  PRESENCE_CHANGED: "presence_changed",
  IDEA_POSTED: "idea_posted",
  IDEA_UPDATED: "idea_updated",
  IDEA_WITHDRAWN: "idea_withdrawn",
  IDEA_HIDDEN: "idea_hidden",
  IDEA_RESTORED: "idea_restored",
  IDEA_APPROVED: "idea_approved",
});
