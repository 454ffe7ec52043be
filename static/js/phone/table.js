// « Ma table »: the défi table a phone is seated at, first on the page during the
// evening (issue #13). The table's number and défi, its contributions under their
// kinds, a form to add one, up to three votes (the votes left said), what the table
// keeps marked, and its synthesis (read-only; the host edits it: phone/host.js).
// Unseated during the tables step: « Choisir une table » (tables with seats left).
// During the restitution: the table in the spotlight, above the phone's own table.
//
// The table's facts carry their own `table_seq` (tables/model.js): a gap, a
// reconnection replayed (not a fresh snapshot, which holds the table) or a move
// (`table_changed`) asks for the table again with `join_table`.
import { $, h, randomId, show } from "../dom.js";
import { errorText } from "../errors.js";
import { itemLabel, label, t, tn } from "../i18n.js";
import { Commands } from "../protocol.js";
import { choosableTables, createTableState, groupByKind, kindLabel, votesLeft } from "../tables/model.js";
import { formMessage } from "./message.js";

const REFRESH_MS = 20000; // how often a phone choosing a table asks for the seats left

// Whether the workshop works in tables, and what the current step asks of them.
export function tableStep(store) {
  const { state } = store;
  const phase = store.currentPhase();
  const hasTables = state.tables.length > 0;
  const kind = phase?.kind;
  return {
    hasTables,
    working: hasTables && kind === "tables" && state.workshop?.status === "open",
    restitution: hasTables && kind === "restitution",
    // Choosing a table: during the tables step, or before it starts.
    choosing: hasTables && state.workshop?.status !== "closed"
      && (kind === "tables" || kind === "welcome" || !phase),
  };
}

// A contribution's line: its text, who wrote it, its votes, and whether it is kept.
export function contributionItem(contribution, { anonymous, actions = [] }) {
  const who = contribution.on_behalf || (anonymous ? null : contribution.author);
  return h("li", {
    class: `contribution${contribution.kept ? " contribution--kept" : ""}${contribution.hidden ? " contribution--hidden" : ""}`,
    dataset: { contributionId: contribution.id },
  },
  h("p", { class: "contribution__text" }, contribution.text),
  h("p", { class: "contribution__meta muted small" },
    contribution.kept ? h("span", { class: "badge badge--kept" }, t("table.kept")) : null,
    contribution.hidden ? h("span", { class: "badge" }, t("idea.hidden")) : null,
    h("span", {}, tn("count.votes", contribution.votes || 0)),
    who ? h("span", {}, ` · ${who}`) : null),
  actions.length ? h("p", { class: "contribution__actions" }, actions) : null);
}

// Each kind's default label (the facilitator's own label wins: tables/model.js).
export function kindDefaults(kinds) {
  return Object.fromEntries(kinds.map((kind) => [kind.key, label("table.kind_defaults", kind.key)]));
}

export function mountTable({ store, live, host = null }) {
  const section = $("#table-section");
  const form = $("#contribution-form");
  const say = formMessage(form, $("#contribution-message"));
  const kindSelect = form.elements.kind;
  let pendingClientId = null; // kept until the post is acknowledged: a retry is the same post
  let joining = false;

  const tableState = createTableState({
    onGap: () => rejoin(),
    onChange: () => render(),
  });

  const seatedAt = () => store.state.me?.table_id ?? null;
  const hostOf = () => store.state.me?.host_of ?? null;
  const isHost = () => hostOf() !== null && hostOf() === tableState.table?.id;

  // Ask for the phone's table again: after a gap, a reconnection or a move.
  async function rejoin() {
    if (joining) return;
    if (seatedAt() === null && hostOf() === null) {
      tableState.load(null);
      return;
    }
    joining = true;
    const ack = await live.command(Commands.JOIN_TABLE, {});
    joining = false;
    if (ack.ok) tableState.load(ack.data.table);
    else if (ack.error?.code === "not_seated") tableState.load(null);
  }

  live.onTableFact((name, data) => tableState.apply(name, data));
  // A snapshot holds the phone's table, and the server put this socket in its room
  // already; after a replay the phone asks for its table.
  live.onReady((mode) => { if (mode !== "snapshot") rejoin(); });

  // ---- Adding a contribution
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const table = tableState.table;
    if (!table) return;
    const text = form.elements.text.value.trim();
    if (!text) {
      say(t("table.text_required"), "error");
      form.elements.text.focus();
      return;
    }
    pendingClientId ??= randomId();
    const payload = { table_id: table.id, kind: kindSelect.value, text, client_id: pendingClientId };
    const behalf = form.elements.on_behalf;
    if (behalf && isHost() && behalf.value.trim()) payload.on_behalf = behalf.value.trim();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    const ack = await live.command(Commands.POST_CONTRIBUTION, payload);
    button.disabled = false;
    if (ack.ok) {
      pendingClientId = null;
      if (ack.data?.contribution) tableState.upsert(ack.data.contribution);
      form.elements.text.value = "";
      if (behalf) behalf.value = "";
      say(t("table.posted"));
      form.elements.text.focus();
    } else {
      // A refusal for good (too long, phase over) starts a new post next time.
      if (!["offline", "timeout", "internal_error", "rate_limited"].includes(ack.error?.code)) pendingClientId = null;
      say(errorText(ack.error), "error");
    }
  });

  function fillKinds() {
    const kinds = store.state.contributionKinds;
    const defaults = kindDefaults(kinds);
    const key = JSON.stringify(kinds);
    if (kindSelect.dataset.kinds === key) return;
    const chosen = kindSelect.value;
    kindSelect.replaceChildren(...kinds.map((kind) => h("option", { value: kind.key }, kindLabel(kind, defaults))));
    if (kinds.some((kind) => kind.key === chosen)) kindSelect.value = chosen;
    kindSelect.dataset.kinds = key;
  }

  // ---- Votes
  async function vote(contribution, on) {
    const table = tableState.table;
    const ack = await live.command(Commands.VOTE_CONTRIBUTION, { contribution_id: contribution.id, on });
    if (!ack.ok) {
      $("#table-vote-message").textContent = errorText(ack.error);
      return;
    }
    $("#table-vote-message").textContent = "";
    if (Array.isArray(ack.data?.my_votes)) tableState.setMyVotes(ack.data.my_votes);
    else if (table) {
      const mine = new Set(table.my_votes);
      if (on) mine.add(contribution.id);
      else mine.delete(contribution.id);
      tableState.setMyVotes([...mine]);
    }
    if (ack.data?.contribution) tableState.upsert(ack.data.contribution);
  }

  function voteButton(contribution, canVote) {
    const table = tableState.table;
    const mine = table.my_votes.has(contribution.id);
    return h("button", {
      type: "button",
      class: `button button--small vote-button${mine ? " button--primary" : ""}`,
      "aria-pressed": String(mine),
      "aria-label": itemLabel(mine ? "table.unvote" : "table.vote", contribution.text),
      dataset: { focusKey: `vote:${contribution.id}` },
      disabled: !canVote || (!mine && votesLeft(table) <= 0),
      onclick: () => vote(contribution, !mine),
    }, mine ? t("table.voted") : t("table.vote"));
  }

  // ---- Rendering
  function renderContributions(table, working) {
    const anonymous = Boolean(store.state.workshop.anonymous);
    const defaults = kindDefaults(store.state.contributionKinds);
    const hosting = isHost();
    const groups = groupByKind([...table.contributions.values()], store.state.contributionKinds, {
      showHidden: hosting, defaults,
    });
    const list = $("#table-contributions");
    list.replaceChildren(...groups.map((group) => h("section", { class: "contribution-kind", dataset: { kind: group.key } },
      h("h3", {}, group.label, " ", h("span", { class: "muted small" }, `(${group.items.filter((c) => !c.hidden).length})`)),
      group.items.length
        ? h("ul", { class: "contributions" }, group.items.map((contribution) => contributionItem(contribution, {
          anonymous,
          actions: [
            contribution.hidden ? null : voteButton(contribution, working),
            ...(hosting && host ? host.actions(contribution, table) : []),
          ].filter(Boolean),
        })))
        : h("p", { class: "muted small" }, t("table.none_of_kind")))));
  }

  function renderChooser(step) {
    const chooser = $("#choose-table-section");
    const visible = step.choosing && seatedAt() === null && hostOf() === null;
    show(chooser, visible);
    if (!visible) return;
    const summary = store.state.tablesSummary?.tables || store.state.tables;
    const tables = choosableTables(summary);
    const challenges = store.state.challenges;
    $("#choose-table-list").replaceChildren(...tables.map((table) => h("li", { class: "idea", dataset: { tableId: table.id } },
      h("p", { class: "idea__title" }, t("table.number", { number: table.number })),
      h("p", { class: "idea__description" }, challenges.get(table.challenge_id)?.title || ""),
      h("p", { class: "idea__meta" }, table.left > 0 ? tn("table.seats_left", table.left) : t("table.full")),
      h("p", { class: "idea__actions" }, h("button", {
        type: "button", class: "button button--small button--primary",
        disabled: table.left <= 0,
        "aria-label": itemLabel("table.sit_here", t("table.number", { number: table.number })),
        onclick: () => choose(table),
      }, t("table.sit_here"))))));
  }

  async function choose(table) {
    const ack = await live.command(Commands.CHOOSE_TABLE, { table_id: table.id });
    if (!ack.ok) {
      $("#choose-table-message").textContent = errorText(ack.error);
      if (ack.error?.code === "table_full") refreshTables();
      return;
    }
    $("#choose-table-message").textContent = "";
    store.state.me = { ...store.state.me, table_id: table.id };
    tableState.load(ack.data.table);
    $("#table-heading")?.focus();
  }

  // The phone choosing a table asks for the seats left (the roll-up goes to the screen
  // and the facilitators only): when the list shows, then every REFRESH_MS while it
  // stays up (others sit down meanwhile).
  let listed = false;
  setInterval(() => {
    if (!$("#choose-table-section").hidden && live.connected) refreshTables();
  }, REFRESH_MS);
  async function refreshTables() {
    const ack = await live.command(Commands.LIST_TABLES, {});
    if (ack.ok) store.apply("tables_summary", { workshop_id: store.state.workshop.id, ...ack.data });
  }

  function renderSpotlight(step) {
    const spot = $("#spotlight-section");
    const spotlight = store.state.spotlight;
    const visible = step.restitution && Boolean(spotlight?.table);
    show(spot, visible);
    if (!visible) return;
    const table = spotlight.table;
    const challenge = store.state.challenges.get(table.challenge_id);
    $("#spotlight-heading").textContent = t("table.number", { number: table.number });
    const anonymous = Boolean(store.state.workshop.anonymous);
    $("#spotlight-body").replaceChildren(
      h("p", { class: "idea__title" }, challenge?.title || ""),
      table.synthesis ? h("p", { class: "pre-line" }, table.synthesis) : h("p", { class: "muted" }, t("table.no_synthesis")),
      h("h3", {}, t("table.kept_heading")),
      (table.kept || []).length
        ? h("ul", { class: "contributions" }, table.kept.map((c) => contributionItem(c, { anonymous })))
        : h("p", { class: "muted small" }, t("table.none_kept")));
  }

  // The table comes first while tables work (and before, and during the restitution);
  // on the plenary steps after it (the vote on défis, the offers) their task comes
  // first and the table goes down the page, above « Mes données».
  const home = document.createComment("table-section");
  section.before(home);
  function place(step) {
    const phase = store.currentPhase();
    const plenary = step.hasTables && !step.restitution && ["vote", "results", "qualification"].includes(phase?.kind);
    if (section.contains(document.activeElement)) return;
    const below = $("#my-data");
    if (plenary && below && below.previousElementSibling !== section) below.before(section);
    else if (!plenary && home.nextSibling !== section) home.after(section);
  }

  function render() {
    if (!store.state.workshop) return;
    const step = tableStep(store);
    renderSpotlight(step);
    renderChooser(step);
    if (step.choosing && seatedAt() === null && hostOf() === null && !listed) {
      listed = true;
      refreshTables();
    }
    // Once there are tables, a phone holds only its own ideas: no wall of everyone's.
    show($("#wall-section"), !step.hasTables);
    const table = tableState.table;
    const visible = step.hasTables && Boolean(table);
    show(section, visible);
    document.body.classList.toggle("has-table", visible);
    if (!visible) {
      host?.render(null);
      return;
    }
    place(step);
    const focusKey = document.activeElement?.dataset?.focusKey;
    const challenge = store.state.challenges.get(table.challenge_id);
    $("#table-number").textContent = t("table.number", { number: table.number });
    $("#table-heading").textContent = challenge?.title || "";
    $("#table-question").textContent = challenge?.description || "";
    show($("#table-question"), Boolean(challenge?.description));
    const working = step.working;
    const left = votesLeft(table);
    $("#table-votes-left").textContent = working
      ? (left > 0 ? `${tn("count.votes_left", left)}.` : t("table.no_votes_left"))
      : t("table.not_working");
    fillKinds();
    // Participants write during the tables step; the host also during the restitution.
    show(form, working || (isHost() && step.restitution));
    show(form.querySelector(".contribution-form__behalf"), isHost());
    renderContributions(table, working);
    const synthesis = $("#table-synthesis-text");
    synthesis.textContent = table.synthesis || t("table.no_synthesis");
    synthesis.classList.toggle("muted", !table.synthesis);
    $("#table-synthesis-done").textContent = table.synthesis_done ? t("table.synthesis_done") : "";
    show($("#table-synthesis-view"), !isHost());
    host?.render(isHost() ? tableState : null, step);
    if (focusKey) document.querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`)?.focus();
  }

  store.subscribe((what, state) => {
    if (what === "all") {
      // A fresh snapshot brings the phone's table (or none).
      if (state.table) tableState.load(state.table);
      else if (seatedAt() === null && hostOf() === null) tableState.load(null);
      listed = false;
    }
    if (what === "seat") {
      listed = false;
      rejoin();
    }
    if (what === "timer" || what === "people") return;
    render();
  });

  return { render, tableState, rejoin };
}
