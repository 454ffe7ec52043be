// The dot vote on the phone: + and − on each idea (or on each défi, for a vote on
// défis), the votes left, the results once frozen or on the results step. A tap sets
// the absolute count wanted on the item and goes through the outbox: taps made
// offline, or while a previous one is in flight, collapse into one `set_vote`.
import { $, h, show } from "../dom.js";
import { errorText } from "../errors.js";
import { itemLabel, t, tn } from "../i18n.js";
import { challengesInOrder } from "../order.js";
import { Commands } from "../protocol.js";
import { phaseRanking, relevantVotePhase, renderRanking } from "../results.js";

const voteKey = (phase, kind, id) => `vote:${phase.id}:${kind}:${id}`;

export function mountVote({ store, outbox, say }) {
  // The participant's dots in a vote step, with those still in the outbox on top.
  function myVotes(phase) {
    const mine = new Map(store.state.myVotes.get(phase.id) || []);
    for (const entry of outbox.entries()) {
      const queued = entry.meta.vote;
      if (queued && !entry.failed && queued.phase_id === phase.id) mine.set(queued.item_id, entry.payload.count);
    }
    return mine;
  }

  function vote(item, delta, kind) {
    const phase = store.currentPhase();
    if (!phase?.can_vote) return;
    const count = (myVotes(phase).get(item.id) || 0) + delta;
    if (count < 0) return;
    const target = kind === "challenges" ? { challenge_id: item.id } : { idea_id: item.id };
    // The step voted in goes along: the server refuses it once another step is current.
    outbox.put(voteKey(phase, kind, item.id), Commands.SET_VOTE,
      { ...target, count, phase_id: phase.id },
      { vote: { phase_id: phase.id, kind, item_id: item.id } });
    say("");
  }

  // `voting`: what render() returned ({phase, mine, remaining}).
  function controls(item, { phase, mine, remaining }, kind = "ideas") {
    const settings = phase.vote.settings;
    if (kind === "ideas" && !settings.allow_own && store.state.myIdeaIds.has(item.id)) {
      return [h("span", { class: "muted small" }, t("vote.own"))];
    }
    const count = mine.get(item.id) || 0;
    const queued = outbox.get(voteKey(phase, kind, item.id));
    return [
      h("button", {
        type: "button", class: "button button--small vote-button", "aria-label": itemLabel("vote.remove", item.title),
        dataset: { action: "remove" }, disabled: count === 0, onclick: () => vote(item, -1, kind),
      }, "−"),
      h("span", {
        class: queued ? "vote-count vote-count--queued" : "vote-count", "aria-live": "polite",
        title: queued ? t("outbox.waiting_one") : null, dataset: { queued: queued ? "true" : "false" },
      }, String(count)),
      h("button", {
        type: "button", class: "button button--small button--primary vote-button", "aria-label": itemLabel("vote.add", item.title),
        dataset: { action: "add" }, disabled: remaining <= 0 || count >= settings.max_per_item, onclick: () => vote(item, 1, kind),
      }, "+"),
    ];
  }

  function renderChallengeVotes(list, voting) {
    const tallies = store.state.votes.get(voting.phase.id)?.tallies;
    list.replaceChildren(...challengesInOrder(store).map((challenge) => h("li", { class: "idea", dataset: { challengeId: challenge.id } },
      h("p", { class: "idea__title" }, challenge.title),
      challenge.description ? h("p", { class: "idea__description" }, challenge.description) : null,
      tallies ? h("p", { class: "idea__meta" }, h("span", { class: "badge" }, tn("count.votes", tallies.get(challenge.id) || 0))) : null,
      h("p", { class: "idea__actions" }, controls(challenge, voting, "challenges")))));
  }

  // Renders the vote's status and results; returns what the wall needs to give ideas
  // their buttons ({phase, mine, remaining}), or null when ideas get none.
  function render(phase) {
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
      : remaining > 0 ? `${tn("count.votes_left", remaining)}.` : t("vote.none_left");
    // A vote on défis: the défis get the buttons, not the ideas.
    const onChallenges = phase.vote.settings.target === "challenges" && !phase.vote.frozen;
    const list = $("#challenge-votes");
    show(list, onChallenges);
    const voting = { phase, mine, remaining };
    if (onChallenges) {
      renderChallengeVotes(list, voting);
      return null;
    }
    return phase.vote.frozen ? null : voting;
  }

  // Every tap redraws the cards, buttons included: the focused button is gone then.
  // `focused()` notes which one it was before a redraw, `refocus()` puts the focus back
  // on its successor, or, when that one is now disabled (no vote left, the item's
  // maximum reached, nothing left to take back), on the item's other button, else on
  // the votes-left line: never on the page's body.
  function focused() {
    const button = document.activeElement;
    if (!button?.classList?.contains("vote-button")) return null;
    const item = button.closest("[data-idea-id], [data-challenge-id]");
    if (!item) return null;
    return { action: button.dataset.action, idea: item.dataset.ideaId, challenge: item.dataset.challengeId };
  }

  function refocus(saved) {
    if (!saved) return;
    const active = document.activeElement;
    if (active && active !== document.body && active.isConnected && !active.disabled) return;
    const item = saved.idea !== undefined
      ? document.querySelector(`#wall [data-idea-id="${CSS.escape(saved.idea)}"]`)
      : document.querySelector(`#challenge-votes [data-challenge-id="${CSS.escape(saved.challenge)}"]`);
    const buttons = item ? [...item.querySelectorAll(".vote-button")] : [];
    const same = buttons.find((button) => button.dataset.action === saved.action);
    const next = [same, ...buttons].find((button) => button && !button.disabled);
    const status = $("#vote-status");
    (next || (status.hidden ? $("#phase-hint") : status)).focus();
  }

  return {
    render,
    controls,
    focused,
    refocus,
    // Whether a tap on this idea still waits in the outbox (the wall redraws it then).
    isQueued: (phase, id) => Boolean(outbox.get(voteKey(phase, "ideas", id))),
    // A vote queued in a vote step that has ended since is refused before sending (the
    // server would refuse it too: its `phase_id` is no longer the current step).
    refusal(entry) {
      const workshop = store.state.workshop;
      if (entry.meta.vote && workshop && entry.meta.vote.phase_id !== workshop.current_phase_id) {
        return { ok: false, error: { code: "vote_closed", message: t("vote.closed") } };
      }
      return null;
    },
    settled(entry, ack) {
      if (ack.ok) {
        store.setMyVotes(ack.data.phase_id, ack.data.votes);
        return;
      }
      // A refused vote is dropped: the count shown goes back to the server's.
      if (outbox.get(entry.key)?.failed) outbox.remove(entry.key);
      say(errorText(ack.error), "error");
    },
  };
}
