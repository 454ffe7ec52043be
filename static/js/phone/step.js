// The current step on the phone: what it lets the participant do, and its header
// (step title, the hint saying what to do now, the idea form shown or not). The step's
// task comes first on the page: "My ideas" sits right under the idea form while ideas
// can be posted, and under the wall (where the vote's buttons are) otherwise.
import { $, show } from "../dom.js";
import { t } from "../i18n.js";

export function abilities(store) {
  const { workshop } = store.state;
  const phase = store.currentPhase();
  const closed = workshop.status === "closed";
  const canPost = !closed && workshop.status === "open" && Boolean(phase?.can_post);
  return { phase, closed, canPost, canEdit: canPost && Boolean(phase?.can_edit) };
}

// What the step asks of the participant, in one sentence.
export function stepHint({ phase, closed, canPost }) {
  if (closed) return t("workshop.closed");
  if (!phase) return t("phase.none");
  if (canPost) return t("phase.can_post");
  if (phase.kind === "tables") return t("phase.tables");
  if (phase.kind === "restitution") return t("phase.restitution");
  if (phase.kind === "pitch") return t("pitch.hint");
  if (phase.can_vote && phase.vote) {
    if (phase.vote.frozen) return t("phase.vote_over");
    if (phase.vote.settings.method === "majority") return t("grades.hint");
    return t(phase.vote.settings.target === "challenges" ? "phase.can_vote_challenges" : "phase.can_vote");
  }
  return t("phase.read_only");
}

export function renderStep(step) {
  $("#phase-title").textContent = step.phase ? step.phase.title : "";
  $("#phase-hint").textContent = stepHint(step);
  show($("#post-section"), step.canPost);
  const mine = $("#mine-section");
  const anchor = step.canPost ? $("#post-section") : $("#wall-section");
  if (mine && anchor && anchor.nextElementSibling !== mine && !mine.contains(document.activeElement)) anchor.after(mine);
}
