// The current step on the phone: what it lets the participant do, and its header
// (step title, hint, the idea form shown or not).
import { $, show } from "../dom.js";
import { t } from "../i18n.js";

export function abilities(store) {
  const { workshop } = store.state;
  const phase = store.currentPhase();
  const closed = workshop.status === "closed";
  const canPost = !closed && workshop.status === "open" && Boolean(phase?.can_post);
  return { phase, closed, canPost, canEdit: canPost && Boolean(phase?.can_edit) };
}

export function renderStep({ phase, closed, canPost }) {
  $("#phase-title").textContent = phase ? phase.title : "";
  $("#phase-hint").textContent = closed ? t("workshop.closed")
    : !phase ? t("phase.none") : canPost ? t("phase.can_post") : t("phase.read_only");
  show($("#post-section"), canPost);
}
