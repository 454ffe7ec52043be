// The participant's phone: the composition root. It connects, keeps the outbox, and
// mounts one module per job (static/js/phone/): the step header, the idea form and
// its close-idea lookup, "My ideas" (edit, withdraw, propose a défi), the vote, the
// wall; then qualification sheets and volunteer offers. Each store change redraws.
// The page puts the step's task first (templates/phone.html, phone/step.js).
import { connectionBanner, outboxNotice } from "./banner.js";
import { connectLive } from "./connection.js";
import { $ } from "./dom.js";
import { createOutbox } from "./outbox.js";
import { mountHost } from "./phone/host.js";
import { mountMyIdeas } from "./phone/my_ideas.js";
import { formMessage } from "./phone/message.js";
import { mountPitch } from "./phone/pitch.js";
import { mountGrades } from "./phone/grades.js";
import { mountPostForm } from "./phone/post.js";
import { mountSimilar } from "./phone/similar.js";
import { abilities, renderStep } from "./phone/step.js";
import { mountTable } from "./phone/table.js";
import { mountVote } from "./phone/vote.js";
import { mountWall } from "./phone/wall.js";
import { mountParticipantSheet } from "./qualify.js";
import { createStore } from "./state.js";
import { mountTimer } from "./timer.js";
import { followOwnOffers, mountVolunteer } from "./volunteer.js";

const app = $("#app");
const workshopId = Number(app.dataset.workshopId);
const store = createStore("participant");
const live = connectLive({ workshopId, role: "participant", store, onStatus: connectionBanner($("#connection")) });
const command = live.command;
// Posts, votes and grades go through the outbox: queued while offline, sent exactly once.
const outbox = createOutbox({
  storageKey: `semis.outbox.${workshopId}.${app.dataset.participantId}`,
  isOnline: () => live.connected,
  send: (entry) => vote.refusal(entry) ?? command(entry.command, entry.payload),
  onSettled: (entry, ack) => {
    if (entry.meta.idea) post.settled(entry, ack);
    else if (entry.meta.vote) vote.settled(entry, ack);
    else if (entry.meta.grade) grades.settled(entry, ack);
  },
});
live.onReady(() => outbox.wake());

const form = $("#post-form");
const say = formMessage(form, $("#post-message"));
const post = mountPostForm({ form, outbox, store, say });
mountSimilar({ input: form.elements.title, command });
const renderMyIdeas = mountMyIdeas({ store, outbox, command, say, rerender: render });
const vote = mountVote({ store, outbox, say });
// A vote by majority judgment instead of dots, through the outbox too.
const grades = mountGrades({ store, outbox, isOnline: () => live.connected });
const renderWall = mountWall({ store, vote });
const renderTimer = mountTimer($("#timer"), store);
const renderOutbox = outboxNotice($("#outbox-status"));

function render() {
  if (!store.state.workshop) return;
  const focusedVote = vote.focused(); // a redraw replaces the vote buttons
  const step = abilities(store);
  renderStep(step);
  renderMyIdeas(step);
  const graded = grades.render(step.phase); // then the dots' module stays out
  renderWall(step.phase, graded ? null : vote.render(step.phase));
  vote.refocus(focusedVote);
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
const renderVolunteer = mountVolunteer(store, command);
const renderPhoneSheet = mountParticipantSheet(store, command);
store.subscribe((what) => {
  if (what === "timer" || what === "people") return;
  renderVolunteer();
  renderPhoneSheet();
});
followOwnOffers(store, () => live.resync());

// The défi tables: « Ma table » first when seated, the host's console on top of it.
mountTable({ store, live, host: mountHost({ command }) });

// The pitch step (issue #14): the project in the spotlight and the feedback form.
const renderPitch = mountPitch({ store, command });
store.subscribe((what) => {
  if (what !== "timer" && what !== "people") renderPitch();
});
