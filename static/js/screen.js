// The projected screen: phase, timer, connected count and the live idea wall.
import { connectionBanner } from "./banner.js";
import { ideaCard, renderList } from "./cards.js";
import { $, h, show } from "./dom.js";
import { t, tn } from "./i18n.js";
import { connectLive } from "./connection.js";
import { renderQualifyBoard } from "./qualify.js";
import { phaseRanking, relevantVotePhase, renderRanking, voteSummary } from "./results.js";
import { createStore } from "./state.js";
import { mountTimer } from "./timer.js";

const app = $("#app");
const store = createStore("screen");
connectLive({
  workshopId: Number(app.dataset.workshopId), role: "screen", key: app.dataset.key, store,
  onStatus: connectionBanner($("#connection")),
});
const renderTimer = mountTimer($("#timer"), store);

function render(what) {
  const { state } = store;
  if (!state.workshop) return;
  $("#connected").textContent = tn("count.connected", state.connected);
  if (what === "people") return;
  const phase = store.currentPhase();
  $("#phase-title").textContent = phase ? phase.title : t("phase.none");
  // During a vote and on the results step the screen shows the vote, not the wall.
  const votePhase = relevantVotePhase(store);
  const onVote = Boolean(votePhase) && (phase?.kind === "vote" || phase?.kind === "results");
  const ranking = onVote ? phaseRanking(store, votePhase) : null;
  let status = state.workshop.status === "closed" ? t("workshop.closed") : "";
  if (onVote) {
    status = ranking ? voteSummary(store, votePhase) : `${voteSummary(store, votePhase)}. ${t("vote.hidden")}`;
  }
  $("#status-line").textContent = status;
  show($("#results"), Boolean(ranking));
  show($("#wall"), !onVote);
  if (onVote) show($("#columns"), false);
  if (ranking) renderRanking($("#ranking"), ranking, { limit: 15 });
  if (onVote) return;
  // A qualification step shows each défi's stage and volunteers instead of the wall.
  const onQualify = phase?.kind === "qualification";
  show($("#qualify-board"), onQualify);
  if (onQualify) {
    show($("#wall"), false);
    show($("#columns"), false);
    renderQualifyBoard(store, $("#qualify-board"));
    return;
  }
  const showAuthors = !state.workshop.anonymous;
  const groups = store.grouped((idea) => idea.status === "visible");
  const columns = groups.length > 1;
  show($("#columns"), columns);
  show($("#wall"), !columns);
  if (columns) {
    $("#columns").replaceChildren(...[...groups.slice(1), groups[0]].filter((g) => g.ideas.length || g.challenge)
      .map((g) => h("section", { class: "screen-column" },
        h("h3", {}, g.challenge ? g.challenge.title : t("grouping.unclassified")),
        h("ul", {}, g.ideas.map((idea) => h("li", { dataset: { ideaId: idea.id } }, idea.title))))));
    return;
  }
  const visible = [...state.ideas.values()].filter((idea) => idea.status === "visible").reverse();
  renderList($("#wall"), visible, (idea) => ideaCard(idea, { showAuthor: showAuthors }),
    (idea) => `${idea.title}|${idea.description}|${idea.need}|${idea.author}|${showAuthors}`);
}

store.subscribe((what) => {
  if (what === "timer" || what === "all" || what === "workshop") renderTimer();
  if (what !== "timer") render(what);
});
