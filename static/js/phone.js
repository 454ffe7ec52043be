// The participant's phone: post, edit and withdraw one's own ideas; follow the wall.
import { connectionBanner, outboxNotice } from "./banner.js";
import { groupedItems, headingItem, ideaCard, renderList } from "./cards.js";
import { $, h, randomId, show } from "./dom.js";
import { errorText } from "./errors.js";
import { Commands } from "./protocol.js";
import { itemLabel, t, tn } from "./i18n.js";
import { connectLive } from "./connection.js";
import { createOutbox } from "./outbox.js";
import { mountParticipantSheet } from "./qualify.js";
import { phaseRanking, relevantVotePhase, renderRanking } from "./results.js";
import { createStore } from "./state.js";
import { mountTimer } from "./timer.js";
import { mountVolunteer } from "./volunteer.js";
import { challengesInOrder } from "./order.js";

const app = $("#app");
const workshopId = Number(app.dataset.workshopId);
const store = createStore("participant");
const live = connectLive({ workshopId, role: "participant", store, onStatus: connectionBanner($("#connection")) });
// Posts and votes go through the outbox: queued while offline, sent exactly once.
const outbox = createOutbox({
  storageKey: `semis.outbox.${workshopId}.${app.dataset.participantId}`,
  isOnline: () => live.connected,
  send: sendQueued,
  onSettled: queuedSettled,
});
const renderOutbox = outboxNotice($("#outbox-status"));
live.onReady(() => outbox.wake());
const renderTimer = mountTimer($("#timer"), store);
const form = $("#post-form");
const message = $("#post-message");
let editing = null; // id of the idea being edited

function say(text, kind = "ok") {
  message.textContent = text;
  message.dataset.kind = kind;
}

// What the outbox sends. A vote queued in a vote step that has ended since is refused
// here: `set_vote` acts on the current step, which is no longer the one voted in.
function sendQueued(entry) {
  const workshop = store.state.workshop;
  if (entry.meta.vote && workshop && entry.meta.vote.phase_id !== workshop.current_phase_id) {
    return { ok: false, error: { code: "vote_closed", message: t("vote.closed") } };
  }
  return live.command(entry.command, entry.payload);
}

function queuedSettled(entry, ack) {
  if (ack.ok && entry.meta.idea) store.addOwnIdea(ack.data.idea);
  else if (ack.ok && entry.meta.vote) store.setMyVotes(ack.data.phase_id, ack.data.votes);
  else if (!ack.ok && entry.meta.vote) {
    // A refused vote is dropped: the count shown goes back to the server's.
    if (outbox.get(entry.key)?.failed) outbox.remove(entry.key);
    say(errorText(ack.error), "error");
  }
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const data = Object.fromEntries(new FormData(form));
  if (!data.title.trim()) {
    say(form.elements.title.validationMessage || "", "error");
    form.elements.title.focus();
    return;
  }
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  // The client id makes a retried post idempotent on the server.
  const clientId = randomId();
  const key = `idea:${clientId}`;
  const ack = await outbox.submit(key, Commands.POST_IDEA, { ...data, client_id: clientId }, { idea: true });
  button.disabled = false;
  if (ack.ok) {
    form.reset();
    say(ack.data.idea.status === "pending" ? t("idea.sent_pending") : t("idea.sent"));
  } else if (ack.queued) {
    form.reset();
    const limited = ack.error?.code === "rate_limited" ? `${errorText(ack.error)} ` : "";
    say(ack.error ? `${limited}${t("outbox.idea_retrying")}` : t("outbox.idea_queued"));
  } else {
    // Refused at once: the text stays in the form, to correct and post again.
    outbox.remove(key);
    say(errorText(ack.error), "error");
  }
});

function editForm(idea) {
  const title = h("input", { name: "title", maxlength: 140, required: true, value: idea.title, "aria-label": t("action.edit") });
  const description = h("textarea", { name: "description", maxlength: 2000, rows: 3 }, idea.description || "");
  const need = h("textarea", { name: "need", maxlength: 1000, rows: 2 }, idea.need || "");
  const status = h("p", { class: "form-message", role: "status" });
  const formEl = h("form", { class: "stack idea-edit" }, title, description, need, status,
    h("p", { class: "row" },
      h("button", { type: "submit", class: "button button--primary" }, t("action.save")),
      h("button", { type: "button", class: "button", onclick: () => { editing = null; render(); } }, t("action.cancel"))));
  formEl.addEventListener("submit", async (event) => {
    event.preventDefault();
    const ack = await live.command(Commands.EDIT_IDEA, {
      idea_id: idea.id, title: title.value, description: description.value, need: need.value,
      ...(idea.version ? { version: idea.version } : {}),
    });
    if (ack.ok) {
      editing = null;
      store.addOwnIdea(ack.data.idea);
      say(t("idea.updated"));
    } else {
      status.textContent = errorText(ack.error);
      status.dataset.kind = "error";
    }
  });
  return h("li", { class: "idea idea--editing", dataset: { ideaId: idea.id } }, formEl);
}

// The participant's dots in a vote step, with those still in the outbox on top.
function myVotes(phase) {
  const mine = new Map(store.state.myVotes.get(phase.id) || []);
  for (const entry of outbox.entries()) {
    const queued = entry.meta.vote;
    if (queued && !entry.failed && queued.phase_id === phase.id) mine.set(queued.item_id, entry.payload.count);
  }
  return mine;
}

const voteKey = (phase, kind, id) => `vote:${phase.id}:${kind}:${id}`;

// A tap on + or − sets the absolute count wanted on the item; taps made offline, or
// while a previous one is in flight, collapse into one `set_vote`.
function vote(item, delta, kind = "ideas") {
  const phase = store.currentPhase();
  if (!phase?.can_vote) return;
  const count = (myVotes(phase).get(item.id) || 0) + delta;
  if (count < 0) return;
  const target = kind === "challenges" ? { challenge_id: item.id } : { idea_id: item.id };
  outbox.put(voteKey(phase, kind, item.id), Commands.SET_VOTE, { ...target, count },
    { vote: { phase_id: phase.id, kind, item_id: item.id } });
  say("");
}

function voteControls(idea, phase, mine, remaining, kind = "ideas") {
  const settings = phase.vote.settings;
  if (kind === "ideas" && !settings.allow_own && store.state.myIdeaIds.has(idea.id)) {
    return [h("span", { class: "muted small" }, t("vote.own"))];
  }
  const count = mine.get(idea.id) || 0;
  const title = idea.title;
  const queued = outbox.get(voteKey(phase, kind, idea.id));
  return [
    h("button", {
      type: "button", class: "button button--small vote-button", "aria-label": itemLabel("vote.remove", title),
      disabled: count === 0, onclick: () => vote(idea, -1, kind),
    }, "−"),
    h("span", {
      class: queued ? "vote-count vote-count--queued" : "vote-count", "aria-live": "polite",
      title: queued ? t("outbox.waiting_one") : null, dataset: { queued: queued ? "true" : "false" },
    }, String(count)),
    h("button", {
      type: "button", class: "button button--small button--primary vote-button", "aria-label": itemLabel("vote.add", title),
      disabled: remaining <= 0 || count >= settings.max_per_item, onclick: () => vote(idea, 1, kind),
    }, "+"),
  ];
}

function renderVote(phase) {
  const status = $("#vote-status");
  const results = $("#vote-results");
  const votePhase = relevantVotePhase(store);
  const showResults = votePhase && (votePhase.vote.frozen || (phase?.kind === "results"));
  show(results, Boolean(showResults));
  if (showResults) {
    renderRanking($("#ranking"), phaseRanking(store, votePhase) || [], { limit: 10 });
  }
  if (!phase?.can_vote) {
    status.hidden = true;
    return null;
  }
  const mine = myVotes(phase);
  const spent = [...mine.values()].reduce((a, b) => a + b, 0);
  const remaining = Math.max(0, phase.vote.settings.votes_per_participant - spent);
  status.hidden = false;
  status.textContent = phase.vote.frozen ? t("vote.closed")
    : `${tn("count.votes_left", remaining)}. ${t("vote.instructions")}`;
  // A vote on défis: the défis get the buttons, not the ideas.
  const onChallenges = phase.vote.settings.target === "challenges" && !phase.vote.frozen;
  const list = $("#challenge-votes");
  show(list, onChallenges);
  if (onChallenges) {
    const tallies = store.state.votes.get(phase.id)?.tallies;
    const challenges = challengesInOrder(store);
    list.replaceChildren(...challenges.map((challenge) => h("li", { class: "idea", dataset: { challengeId: challenge.id } },
      h("p", { class: "idea__title" }, challenge.title),
      challenge.description ? h("p", { class: "idea__description" }, challenge.description) : null,
      tallies ? h("p", { class: "idea__meta" }, h("span", { class: "badge" }, tn("count.votes", tallies.get(challenge.id) || 0))) : null,
      h("p", { class: "idea__actions" }, voteControls(challenge, phase, mine, remaining, "challenges")))));
    return null;
  }
  return phase.vote.frozen ? null : { mine, remaining };
}

function placeControl(idea) {
  const challenges = challengesInOrder(store);
  const select = h("select", { "aria-label": itemLabel("grouping.place", idea.title) },
    h("option", { value: "" }, t("grouping.place")),
    challenges.map((c) => h("option", { value: c.id, selected: c.id === idea.challenge_id }, c.title)));
  select.addEventListener("change", async () => {
    if (!select.value) return;
    const ack = await live.command(Commands.PROPOSE_CHALLENGE, { idea_id: idea.id, challenge_id: Number(select.value) });
    if (!ack.ok) say(errorText(ack.error), "error");
  });
  return select;
}

// Close ideas while typing, as Decidim does: look before posting a duplicate.
let similarTimer = null;
form.elements.title.addEventListener("input", () => {
  clearTimeout(similarTimer);
  similarTimer = setTimeout(async () => {
    const text = form.elements.title.value.trim();
    const box = $("#similar");
    if (text.length < 6) { box.hidden = true; return; }
    const ack = await live.command(Commands.FIND_SIMILAR, { text });
    const found = ack.ok ? ack.data.ideas : [];
    box.hidden = found.length === 0;
    $("#similar-list").replaceChildren(...found.map((idea) => h("li", {}, idea.title, " ",
      h("button", { type: "button", class: "link", onclick: () => highlight(idea.id) }, t("grouping.see")))));
  }, 400);
});

function highlight(ideaId) {
  const card = document.querySelector(`#wall [data-idea-id="${ideaId}"]`);
  if (!card) return;
  card.scrollIntoView({ behavior: "smooth", block: "center" });
  card.classList.add("idea--highlight");
  setTimeout(() => card.classList.remove("idea--highlight"), 2500);
}

async function withdraw(idea) {
  if (!window.confirm(t("idea.confirm_withdraw"))) return;
  const ack = await live.command(Commands.WITHDRAW_IDEA, { idea_id: idea.id });
  say(ack.ok ? t("idea.withdrawn") : errorText(ack.error), ack.ok ? "ok" : "error");
}

// An idea still in the outbox: shown to its author as waiting, or as refused with the
// reason and a button to clear it (the text stays readable, to post it again).
function queuedIdeaCard(entry) {
  const { title, description, need } = entry.payload;
  const failed = entry.failed;
  const card = ideaCard({ id: entry.key, title, description, need, status: failed ? "hidden" : "pending" }, {
    badge: failed ? `${t("outbox.not_sent")} ${errorText(failed)}` : t("outbox.waiting_one"),
    showAuthor: false,
    actions: failed ? [h("button", { type: "button", class: "button button--small", onclick: () => outbox.remove(entry.key) }, t("outbox.dismiss"))] : [],
  });
  card.classList.add("idea--queued");
  return card;
}

function render() {
  const { state } = store;
  if (!state.workshop) return;
  const phase = store.currentPhase();
  const closed = state.workshop.status === "closed";
  const canPost = !closed && state.workshop.status === "open" && Boolean(phase?.can_post);
  const canEdit = canPost && Boolean(phase?.can_edit);
  $("#phase-title").textContent = phase ? phase.title : "";
  $("#phase-hint").textContent = closed ? t("workshop.closed")
    : !phase ? t("phase.none") : canPost ? t("phase.can_post") : t("phase.read_only");
  show($("#post-section"), canPost);
  const showAuthors = !state.workshop.anonymous;
  const ideas = [...state.ideas.values()];
  const mine = ideas.filter((idea) => state.myIdeaIds.has(idea.id) && idea.title !== undefined);
  const queuedIdeas = outbox.entries().filter((entry) => entry.meta.idea);
  show($("#mine-section"), mine.length > 0 || queuedIdeas.length > 0);
  renderList($("#queued-ideas"), queuedIdeas.reverse().map((entry) => ({ ...entry, id: entry.key })), queuedIdeaCard,
    (entry) => `${entry.rev}|${entry.failed?.code}`);
  renderList($("#my-ideas"), mine.reverse(), (idea) => {
    if (editing === idea.id) return editForm(idea);
    const actions = [];
    if (canEdit && idea.status !== "hidden") {
      actions.push(h("button", { type: "button", class: "button button--small", onclick: () => { editing = idea.id; render(); } }, t("action.edit")));
    }
    if (!closed && idea.status !== "hidden" && idea.status !== "merged") {
      actions.push(h("button", { type: "button", class: "button button--small", onclick: () => withdraw(idea) }, t("action.withdraw")));
    }
    const placing = state.workshop.participants_group && state.challenges.size > 0
      && ["ideas", "grouping"].includes(phase?.kind) && idea.status === "visible";
    if (placing) actions.push(placeControl(idea));
    const badge = idea.status === "pending" ? t("idea.pending") : idea.status === "hidden" ? t("idea.hidden")
      : idea.status === "merged" ? t("idea.merged") : null;
    return ideaCard(idea, { actions, badge, showAuthor: false });
  }, (idea) => `${idea.title}|${idea.description}|${idea.need}|${idea.status}|${editing === idea.id}|${canEdit}|${closed}`);
  const visible = ideas.filter((idea) => idea.status === "visible");
  $("#idea-count").textContent = tn("count.ideas", visible.length);
  const voting = renderVote(phase);
  const tallies = phase?.can_vote ? store.state.votes.get(phase.id)?.tallies : null;
  const items = groupedItems(store, (idea) => idea.status === "visible");
  renderList($("#wall"), items, (idea) => (idea.heading !== undefined ? headingItem(idea, t("grouping.unclassified")) : ideaCard(idea, {
    showAuthor: showAuthors,
    badge: tallies ? tn("count.votes", tallies.get(idea.id) || 0) : null,
    actions: voting ? voteControls(idea, phase, voting.mine, voting.remaining) : [],
  })), (idea) => [idea.heading, idea.title, idea.description, idea.need, idea.author, showAuthors,
    voting ? `${voting.mine.get(idea.id) || 0}/${voting.remaining}/${Boolean(outbox.get(voteKey(phase, "ideas", idea.id)))}` : "-",
    tallies ? tallies.get(idea.id) || 0 : "-"].join("|"));
  if (!visible.length) $("#wall").replaceChildren(h("li", { class: "empty" }, t("idea.empty")));
}

outbox.subscribe(() => {
  renderOutbox(outbox.entries());
  render();
});
renderOutbox(outbox.entries());

store.subscribe((what) => {
  if (what === "timer") renderTimer();
  else if (what !== "people") render();
  if (what === "all" || what === "workshop") renderTimer();
});

// Qualification sheets (when participants may qualify) and volunteer offers.
const renderVolunteer = mountVolunteer(store, live.command);
const renderPhoneSheet = mountParticipantSheet(store, live.command);
store.subscribe((what) => {
  if (what === "timer" || what === "people") return;
  renderVolunteer();
  renderPhoneSheet();
});

// The server moves or deletes offers with the défi or idea they were on (merged,
// deleted, a grouping undone): the room's facts say so, but not whose offers moved.
// A phone holding an offer on something gone asks for its own state again (a resync
// brings `me`), once per set of such offers.
let staleOffersAsked = "";
store.subscribe((what) => {
  if (what !== "grouping" && what !== "ideas") return;
  const { challenges, ideas, myOffers } = store.state;
  const gone = myOffers.filter((offer) => (offer.target === "challenge"
    ? !challenges.has(offer.target_id)
    : ideas.get(offer.target_id)?.merged_into_id != null));
  const key = gone.map((offer) => `${offer.id}:${offer.target}:${offer.target_id}`).join(",");
  if (!key || key === staleOffersAsked) return;
  staleOffersAsked = key;
  setTimeout(() => live.resync(), 0); // after the fact that showed it is fully applied
});
