// The wall: every visible idea, under its défi's title once défis exist, with the
// live tallies and the vote buttons during a vote.
import { groupedItems, headingItem, ideaCard, renderList } from "../cards.js";
import { $, h } from "../dom.js";
import { t, tn } from "../i18n.js";

const HIGHLIGHT_MS = 2500;

// Scrolls the wall to one idea and marks it a moment ("See it" of a close idea).
export function highlight(ideaId) {
  const card = document.querySelector(`#wall [data-idea-id="${ideaId}"]`);
  if (!card) return;
  card.scrollIntoView({ behavior: "smooth", block: "center" });
  card.classList.add("idea--highlight");
  setTimeout(() => card.classList.remove("idea--highlight"), HIGHLIGHT_MS);
}

export function mountWall({ store, vote }) {
  // `voting`: the vote's render() result, or null when ideas get no buttons.
  return function render(phase, voting) {
    const { state } = store;
    const showAuthors = !state.workshop.anonymous;
    const visible = [...state.ideas.values()].filter((idea) => idea.status === "visible");
    $("#idea-count").textContent = tn("count.ideas", visible.length);
    const tallies = phase?.can_vote ? state.votes.get(phase.id)?.tallies : null;
    const items = groupedItems(store, (idea) => idea.status === "visible");
    renderList($("#wall"), items, (idea) => (idea.heading !== undefined ? headingItem(idea, t("grouping.unclassified")) : ideaCard(idea, {
      showAuthor: showAuthors,
      badge: tallies ? tn("count.votes", tallies.get(idea.id) || 0) : null,
      actions: voting ? vote.controls(idea, voting) : [],
    })), (idea) => [idea.heading, idea.title, idea.description, idea.need, idea.author, showAuthors,
      voting ? `${voting.mine.get(idea.id) || 0}/${voting.remaining}/${vote.isQueued(phase, idea.id)}` : "-",
      tallies ? tallies.get(idea.id) || 0 : "-"].join("|"));
    if (!visible.length) $("#wall").replaceChildren(h("li", { class: "empty" }, t("idea.empty")));
  };
}
