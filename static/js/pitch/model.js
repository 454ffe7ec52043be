// The pitch step's client state (issue #14): the spotlight, the part of the turn, the
// cycle's feedback kinds, each project's public feedback (counts by kind, the cards
// selected for the screen) and, on the console, every card. Facts carry absolute
// values, so applying one twice leaves the same state (state.js calls these).
import { Facts } from "../protocol.js";
import { label } from "../i18n.js";

function setSummary(state, summary) {
  if (!state.pitch || !summary) return;
  const others = state.pitch.feedback.filter((f) => f.project_id !== summary.project_id);
  state.pitch = { ...state.pitch, feedback: [...others, summary] };
}

export function loadPitch(state, pitch) {
  state.pitch = pitch ? { ...pitch, mine: pitch.mine || [] } : null;
  state.pitchCards = new Map((pitch?.cards || []).map((card) => [card.id, card]));
}

export function pitchHandlers(state) {
  const onCard = (d) => {
    setSummary(state, d.feedback);
    if (d.card) state.pitchCards.set(d.card.id, d.card);
    return "pitch";
  };
  return {
    [Facts.PITCH_CHANGED]: (d) => {
      const mine = state.pitch?.mine || [];
      state.pitch = { ...d.pitch, mine };
      if (d.pitch.cards) state.pitchCards = new Map(d.pitch.cards.map((card) => [card.id, card]));
      return "pitch";
    },
    [Facts.FEEDBACK_GIVEN]: onCard,
    [Facts.FEEDBACK_CHANGED]: onCard,
  };
}

// A feedback kind's name: the cycle's own label, else the default of its key.
export function kindLabel(pitch, key) {
  const kind = (pitch?.kinds || []).find((k) => k.key === key);
  return kind?.label || label("pitch.kind_defaults", key);
}

// What everybody sees of a project's cards: counts by kind and the selected cards.
export function summaryOf(pitch, projectId) {
  return pitch?.feedback.find((f) => f.project_id === projectId) || { counts: {}, selected: [] };
}
