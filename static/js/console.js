// The facilitator console: run the agenda and the timer, moderate, watch the room.
import { connectionBanner } from "./banner.js";
import { ideaCard, renderList } from "./cards.js";
import { $, enableConnectedControls, h, messageLine, show } from "./dom.js";
import { errorText } from "./errors.js";
import { Commands } from "./protocol.js";
import { label, t, tn } from "./i18n.js";
import { connectLive } from "./connection.js";
import { mountGrouping } from "./grouping.js";
import { mountQualifyPanel } from "./qualify.js";
import { phaseRanking, relevantVotePhase, renderRanking, voteSummary } from "./results.js";
import { createStore } from "./state.js";
import { mountPitchPanel } from "./console/pitch.js";
import { renderConsoleGrades } from "./console/grades.js";
import { bindSpotlightEnd, mountTablesPanel } from "./tables/console.js";
import { mountTimer } from "./timer.js";
import { mountToast } from "./toast.js";

const app = $("#app");
const store = createStore("facilitator");
const live = connectLive({
  workshopId: Number(app.dataset.workshopId), role: "facilitator", store,
  onStatus: connectionBanner($("#connection")),
});
const renderTimer = mountTimer($("#timer"), store);
const errorBox = $("#console-error");
const toast = mountToast();

async function run(name, payload = {}) {
  const ack = await live.command(name, payload);
  errorBox.hidden = ack.ok;
  if (!ack.ok) errorBox.textContent = errorText(ack.error);
  return ack;
}

$("#open-workshop").addEventListener("click", () => run(Commands.OPEN_WORKSHOP));
// Closing the workshop and freezing the results ask first: both stop the room.
$("#close-workshop").addEventListener("click", () =>
  window.confirm(t("console.confirm_close")) && run(Commands.CLOSE_WORKSHOP));
$("#toggle-joining").addEventListener("click", () =>
  run(Commands.SET_JOINING, { open: !store.state.workshop.joining_open }));
$("#phase-prev").addEventListener("click", () => run(Commands.ADVANCE_PHASE, { direction: "previous" }));
$("#phase-next").addEventListener("click", () => run(Commands.ADVANCE_PHASE, { direction: "next" }));
$("#timer-start").addEventListener("click", () => run(Commands.START_TIMER, {}));
$("#timer-pause").addEventListener("click", () => run(Commands.PAUSE_TIMER));
$("#timer-reset").addEventListener("click", () => run(Commands.RESET_TIMER));
for (const button of document.querySelectorAll("[data-extend]")) {
  button.addEventListener("click", () => run(Commands.EXTEND_TIMER, { seconds: Number(button.dataset.extend) }));
}
$("#timer-custom").addEventListener("submit", (event) => {
  event.preventDefault();
  run(Commands.START_TIMER, { seconds: Math.round(Number($("#timer-minutes").value) * 60) });
});
const SETTINGS = [["#setting-anonymous", "anonymous"], ["#setting-moderation", "moderation"],
  ["#setting-participants-group", "participants_group"],
  ["#setting-participants-qualify", "participants_qualify"]];
const shownSettings = {}; // the server's values the checkboxes were last set from
for (const [id, field] of SETTINGS) {
  $(id).addEventListener("change", async (event) => {
    const ack = await run(Commands.UPDATE_SETTINGS, { [field]: event.target.checked });
    if (!ack.ok) event.target.checked = store.state.workshop[field];
  });
}

// ---- Vote
const voteForm = $("#vote-settings");
const sayVote = messageLine($("#vote-message"));
let shownVoteSettings = null; // the server's settings the form was last filled from

voteForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const phase = relevantVotePhase(store);
  const ack = await run(Commands.CONFIGURE_VOTE, {
    phase_id: phase.id,
    votes_per_participant: Number(voteForm.elements.votes_per_participant.value),
    max_per_item: Number(voteForm.elements.max_per_item.value),
    target: voteForm.elements.target.value,
    allow_own: voteForm.elements.allow_own.checked,
    hidden: voteForm.elements.hidden.checked,
    method: voteForm.elements.method.value,
  });
  sayVote(ack.ok ? t("vote.saved") : "");
});
for (const [id, command, ask] of [["#vote-reveal", Commands.REVEAL_VOTES],
  ["#vote-freeze", Commands.FREEZE_RESULTS, "vote.confirm_freeze"], ["#vote-reopen", Commands.REOPEN_VOTE]]) {
  $(id).addEventListener("click", () =>
    (!ask || window.confirm(t(ask))) && run(command, { phase_id: relevantVotePhase(store).id }));
}

function renderVote() {
  const phase = relevantVotePhase(store);
  show($("#vote-panel"), Boolean(phase));
  if (!phase) return;
  const { settings, revealed, frozen } = phase.vote;
  // The step's own title, unless it only repeats the heading (« Vote Vote »).
  const heading = $("#vote-heading").firstChild.textContent.trim().toLowerCase();
  $("#vote-phase-title").textContent = phase.title.trim().toLowerCase() === heading ? "" : phase.title;
  // Refill the form only when the server's settings changed, not over the user's typing.
  const key = JSON.stringify(settings);
  if (shownVoteSettings !== key) {
    voteForm.elements.votes_per_participant.value = settings.votes_per_participant;
    voteForm.elements.max_per_item.value = settings.max_per_item;
    voteForm.elements.target.value = settings.target;
    voteForm.elements.allow_own.checked = settings.allow_own;
    voteForm.elements.hidden.checked = settings.hidden;
    voteForm.elements.method.value = settings.method;
    shownVoteSettings = key;
  }
  for (const input of voteForm.elements) input.disabled = frozen;
  $("#vote-summary").textContent = voteSummary(store, phase);
  show($("#vote-reveal"), settings.hidden && !revealed && !frozen);
  show($("#vote-freeze"), !frozen);
  show($("#vote-reopen"), frozen);
  renderRanking($("#ranking"), phaseRanking(store, phase) || []);
  renderConsoleGrades(store, phase, voteForm); // a vote by majority judgment
}

// Hiding offers « Annuler » (it shows the idea again); the focus goes to it.
async function hide(idea) {
  const ack = await run(Commands.HIDE_IDEA, { idea_id: idea.id });
  // Showing it again would approve an idea that was waiting: no « Annuler » for those.
  if (!ack.ok || idea.status !== "visible") return;
  toast.offer({
    message: t("idea.hidden_done", { title: idea.title }),
    focus: true,
    undo: async () => (await run(Commands.RESTORE_IDEA, { idea_id: idea.id })).ok,
  });
}

function moderation(idea) {
  const button = (label, command) => h("button", {
    type: "button", class: "button button--small", onclick: () => run(command, { idea_id: idea.id }),
  }, label);
  const hideButton = h("button", { type: "button", class: "button button--small", onclick: () => hide(idea) },
    t("action.hide"));
  if (idea.status === "pending") return [button(t("action.approve"), Commands.APPROVE_IDEA), hideButton];
  if (idea.status === "hidden") return [button(t("action.restore"), Commands.RESTORE_IDEA)];
  return [hideButton];
}

function renderIdeas() {
  const ideas = [...store.state.ideas.values()].reverse();
  const byStatus = (status) => ideas.filter((idea) => idea.status === status);
  const signature = (idea) => `${idea.version}|${idea.status}|${idea.author}`;
  const card = (idea) => ideaCard(idea, { actions: moderation(idea) });
  const pending = byStatus("pending");
  const hidden = byStatus("hidden");
  const visible = byStatus("visible");
  show($("#pending-block"), pending.length > 0);
  show($("#hidden-block"), hidden.length > 0);
  renderList($("#pending"), pending, card, signature);
  renderList($("#hidden-ideas"), hidden, card, signature);
  renderList($("#wall"), visible, card, signature);
  $("#idea-count").textContent = [
    tn("count.ideas", visible.length),
    pending.length ? tn("count.pending", pending.length) : "",
  ].filter(Boolean).join(" · ");
}

function renderPeople() {
  const { state } = store;
  $("#connected").textContent = tn("count.connected", state.connected);
  $("#participant-count").textContent = tn("count.participants", state.participantCount);
  renderList($("#people"), [...state.participants.values()], (p) =>
    h("li", { dataset: { participantId: p.id } }, p.display_name, " ",
      h("span", { class: "muted small" }, label("profiles", p.profile)), " ",
      h("button", {
        type: "button", class: "link small",
        "aria-label": t("people.erase_label").replace("{name}", p.display_name),
        onclick: () => window.confirm(t("people.confirm_erase").replace("{name}", p.display_name))
          && run(Commands.ERASE_PARTICIPANT, { participant_id: p.id }),
      }, t("people.erase"))));
}

function renderWorkshop() {
  const { state } = store;
  const w = state.workshop;
  $("#status-badge").textContent = label("workshop.status", w.status);
  $("#status-badge").dataset.status = w.status;
  $("#joining-badge").textContent = w.joining_open ? t("joining.open") : t("joining.closed");
  enableConnectedControls();
  show($("#open-workshop"), w.status !== "open");
  show($("#close-workshop"), w.status === "open");
  show($("#toggle-joining"), w.status === "open");
  $("#toggle-joining").textContent = w.joining_open ? t("joining.close_action") : t("joining.open_action");
  // Touch a checkbox only when the server's value changed: a re-render caused by
  // another fact must not undo a click whose own fact has not arrived yet.
  for (const [id, field] of SETTINGS) {
    if (shownSettings[field] !== w[field]) {
      $(id).checked = w[field];
      shownSettings[field] = w[field];
    }
  }
  const current = w.current_phase_id;
  const index = state.phases.findIndex((p) => p.id === current);
  renderList($("#steps"), state.phases, (phase) => h("li", {
    class: phase.id === current ? "step step--current" : "step",
    "aria-current": phase.id === current ? "step" : null,
  }, h("button", {
    type: "button", class: "link", disabled: w.status !== "open",
    onclick: () => run(Commands.ADVANCE_PHASE, { phase_id: phase.id }),
  }, phase.title), h("span", { class: "muted small" }, ` ${Math.round(phase.duration_s / 60)} ${t("unit.minutes")}`)),
  (phase) => `${phase.title}|${phase.duration_s}|${phase.id === current}|${w.status}`);
  $("#phase-prev").disabled = w.status !== "open" || index <= 0;
  $("#phase-next").disabled = w.status !== "open" || index >= state.phases.length - 1;
}

const renderGrouping = mountGrouping(store, run, toast);
const renderQualify = mountQualifyPanel(store, run);
const renderTables = mountTablesPanel({ store, live, run });
bindSpotlightEnd(run);
const renderPitch = mountPitchPanel({ store, run });

store.subscribe((what) => {
  if (!store.state.workshop) return;
  if (["all", "workshop", "grouping", "ideas"].includes(what)) renderGrouping();
  if (what === "all" || what === "workshop") { renderWorkshop(); renderTimer(); }
  if (what === "all" || what === "ideas") renderIdeas();
  if (what === "all" || what === "people") renderPeople();
  if (what === "all" || what === "ideas") renderWorkshop();
  if (what === "timer") renderTimer();
  if (what === "all" || what === "workshop" || what === "votes" || what === "ideas") renderVote();
  if (["all", "grouping", "ideas", "qualify", "volunteers"].includes(what)) renderQualify();
  if (["all", "workshop", "grouping", "tables", "summary", "spotlight"].includes(what)) renderTables();
  if (["all", "workshop", "pitch"].includes(what)) renderPitch();
});
