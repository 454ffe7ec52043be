// The pitch step on the phone (issue #14): the project in the spotlight (its title,
// pitch, holder's name if they show it, the part of the turn) and a feedback card form:
// a kind of the cycle's, a text, signed or anonymous as the cycle says. The holder of
// the project sees « c'est votre tour » instead. A card keeps its client_id until it is
// stored, so sending it again after a lost answer stores it once.
import { $, messageLine, randomId, show } from "../dom.js";
import { errorText } from "../errors.js";
import { t } from "../i18n.js";
import { kindLabel } from "../pitch/model.js";
import { Commands } from "../protocol.js";

export function mountPitch({ store, command }) {
  const section = $("#pitch-section");
  const form = $("#feedback-form");
  const textarea = form.elements.text;
  const say = messageLine($("#feedback-message"));
  let pendingId = null;
  let kindsShown = "";

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = textarea.value.trim();
    if (!text) {
      say(t("pitch.text_required"), "error");
      textarea.focus();
      return;
    }
    pendingId ??= randomId();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    const ack = await command(Commands.GIVE_FEEDBACK, {
      client_id: pendingId,
      project_id: Number(form.dataset.projectId),
      kind: form.elements.kind.value,
      text,
    });
    button.disabled = false;
    if (ack.ok) {
      pendingId = null;
      textarea.value = "";
      say(t("pitch.sent"));
      render();
    } else {
      say(errorText(ack.error), "error");
    }
  });

  function renderKinds(pitch) {
    const signature = JSON.stringify(pitch.kinds);
    if (signature === kindsShown) return;
    const select = form.elements.kind;
    const chosen = select.value;
    select.replaceChildren(...pitch.kinds.map((kind) => {
      const option = document.createElement("option");
      option.value = kind.key;
      option.textContent = kindLabel(pitch, kind.key);
      return option;
    }));
    if (pitch.kinds.some((kind) => kind.key === chosen)) select.value = chosen;
    kindsShown = signature;
  }

  function render() {
    const { state } = store;
    const pitch = state.pitch;
    const on = store.currentPhase()?.kind === "pitch" && Boolean(pitch) && state.workshop?.status === "open";
    show(section, on);
    // The wall of ideas makes way while projects are pitched. A style, not `hidden`:
    // phone/table.js sets the wall's `hidden` on each of its own renders.
    $("#wall-section").style.display = on ? "none" : "";
    if (!on) return;
    const project = pitch.project;
    const part = pitch.part === "pitch" ? t("pitch.part_pitch") : pitch.part === "questions" ? t("pitch.part_questions") : "";
    $("#pitch-position").textContent = project
      ? [t("pitch.position", { position: project.position, count: pitch.count }), part].filter(Boolean).join(" · ")
      : "";
    $("#pitch-heading").textContent = project ? project.title : t("pitch.waiting");
    $("#pitch-holder").textContent = project?.holder ? t("pitch.holder", { name: project.holder }) : "";
    $("#pitch-text").textContent = project?.pitch || "";
    const mine = Boolean(project) && pitch.mine.includes(project.id);
    show($("#pitch-turn"), mine);
    $("#pitch-turn").textContent = mine ? `${t("pitch.your_turn")} ${t("pitch.your_turn_after")}` : "";
    show(form, Boolean(project) && !mine);
    if (!project || mine) return;
    // A card being written stays for the project it was begun for (the server takes
    // it a little after the next project came); an empty form follows the spotlight.
    if (!textarea.value.trim() || !form.dataset.projectId) form.dataset.projectId = String(project.id);
    renderKinds(pitch);
    $("#feedback-note").textContent = pitch.signed ? t("pitch.signed_note") : t("pitch.anonymous_note");
  }

  return render;
}
