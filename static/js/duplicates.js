// The duplicate review (« Doublons probables »): the server's clusters of near-identical
// ideas (find_duplicates), each merged into the idea kept in one action
// (merge_duplicates, with « Annuler »: undo_grouping_change) or dismissed
// (dismiss_duplicates). The ideas themselves come from the live store, so a merge, an
// undo or a dismissal by a co-facilitator shows here as it happens.
import { connectionBanner } from "./banner.js";
import { connectLive } from "./connection.js";
import { $, h, messageLine } from "./dom.js";
import { errorText } from "./errors.js";
import { t, tn } from "./i18n.js";
import { Commands } from "./protocol.js";
import { createStore } from "./state.js";
import { mountToast } from "./toast.js";

const app = $("#app");
const store = createStore("facilitator");
const live = connectLive({
  workshopId: Number(app.dataset.workshopId), role: "facilitator", store,
  onStatus: connectionBanner($("#connection")),
});
const list = $("#clusters");
const say = messageLine($("#duplicates-status"));
const errorBox = $("#duplicates-error");
const toast = mountToast();

let clusters = []; // [{idea_ids, keep_id, lowest, highest}] as the server found them
let compared = 0;
let loaded = false;
let searching = null;
let note = ""; // what the last action did, said after the count until the next action
const kept = new Map(); // cluster key → the idea the facilitator chose to keep
const leftOut = new Map(); // cluster key → ideas unticked « Dans la fusion » (not merged)
const dismissed = []; // sets of idea ids said not to be duplicates since the search

const keyOf = (cluster) => cluster.idea_ids.join("-");
const percent = (score) => `${Math.round(score * 100)} %`; // with its sign, as French writes it

function showError(ack) {
  errorBox.hidden = ack.ok;
  if (!ack.ok) errorBox.textContent = errorText(ack.error);
}

async function search() {
  if (searching) return searching;
  note = "";
  say(t("duplicates.searching"));
  list.setAttribute("aria-busy", "true");
  searching = live.command(Commands.FIND_DUPLICATES, {}).then((ack) => {
    searching = null;
    list.removeAttribute("aria-busy");
    showError(ack);
    if (!ack.ok) { say(""); return; }
    clusters = ack.data.clusters;
    compared = ack.data.compared;
    loaded = true;
    dismissed.length = 0;
    render();
  });
  return searching;
}

// The clusters as they stand now: their ideas still visible, not dismissed since.
function current() {
  const shown = [];
  for (const cluster of clusters) {
    const ideas = cluster.idea_ids.map((id) => store.state.ideas.get(id))
      .filter((idea) => idea && idea.status === "visible");
    if (ideas.length < 2) continue;
    const ids = ideas.map((idea) => idea.id);
    if (dismissed.some((apart) => ids.every((id) => apart.has(id)))) continue;
    shown.push({ ...cluster, ideas, ids });
  }
  return shown;
}

function render() {
  if (!loaded || !store.state.workshop) return;
  const shown = current();
  const count = shown.length
    ? tn("duplicates.found", shown.length, { ideas: compared })
    : t("duplicates.none", { ideas: compared });
  say(note ? `${note} ${count}` : count);
  // Keep the focus on the same control across a re-render (a co-facilitator's change).
  const focused = document.activeElement?.closest?.("[data-focus-key]")?.dataset.focusKey;
  list.replaceChildren(...shown.map((cluster, index) => clusterItem(cluster, index)));
  if (focused) list.querySelector(`[data-focus-key="${CSS.escape(focused)}"]`)?.focus();
}

function challengeLine(idea) {
  const challenge = idea.challenge_id ? store.state.challenges.get(idea.challenge_id) : null;
  return challenge ? t("duplicates.in_challenge", { title: challenge.title }) : t("duplicates.unclassified");
}

function ideaDetails(idea) {
  const lines = [challengeLine(idea)];
  if (idea.author) lines.push(t("duplicates.author", { name: idea.author }));
  for (const [name, value] of Object.entries(idea.details || {})) {
    if (value !== null && value !== "" && typeof value !== "object") lines.push(`${name} : ${value}`);
  }
  return h("p", { class: "small muted" }, lines.join(" · "));
}

function clusterItem(cluster, index) {
  const key = keyOf(cluster);
  const headingId = `cluster-${key}`;
  const choice = kept.get(key);
  const keep = cluster.ids.includes(choice) ? choice
    : cluster.ids.includes(cluster.keep_id) ? cluster.keep_id : cluster.ids[0];
  const similarity = cluster.lowest === cluster.highest
    ? t("duplicates.similarity_one", { score: percent(cluster.highest) })
    : t("duplicates.similarity", { low: percent(cluster.lowest), high: percent(cluster.highest) });
  const out = leftOut.get(key) || new Set();
  const merged = mergedIds(cluster, keep);
  const options = cluster.ideas.map((idea) => {
    const id = `keep-${key}-${idea.id}`;
    const include = `in-${key}-${idea.id}`;
    return h("div", { class: "duplicate-idea" },
      h("input", {
        type: "radio", id, name: `keep-${key}`, value: idea.id, checked: idea.id === keep,
        dataset: { focusKey: id },
        onchange: () => { kept.set(key, idea.id); render(); },
      }),
      h("label", { for: id }, h("strong", {}, h("bdi", {}, idea.title))),
      idea.description ? h("p", { class: "small pre-line" }, h("bdi", {}, idea.description)) : null,
      idea.need ? h("p", { class: "small" }, h("bdi", {}, idea.need)) : null,
      ideaDetails(idea),
      // An idea of the cluster that is not a duplicate after all stays out of the merge.
      h("p", { class: "small" },
        h("input", {
          type: "checkbox", id: include, checked: idea.id === keep || !out.has(idea.id),
          disabled: idea.id === keep, "aria-describedby": id, dataset: { focusKey: include },
          onchange: (event) => {
            if (event.target.checked) out.delete(idea.id);
            else out.add(idea.id);
            leftOut.set(key, out);
            render();
          },
        }),
        " ", h("label", { for: include }, t("duplicates.include"))));
  });
  return h("li", { class: "card duplicate-cluster", dataset: { cluster: key } },
    h("h2", { id: headingId, class: "h3" }, t("duplicates.group", { number: index + 1 }),
      " ", h("span", { class: "muted small" }, similarity)),
    h("fieldset", {},
      h("legend", {}, t("duplicates.keep")),
      ...options),
    h("p", { class: "row" },
      h("button", {
        type: "button", class: "button button--primary", "aria-describedby": headingId,
        dataset: { focusKey: `merge-${key}` }, disabled: merged.length === 0,
        onclick: () => merge(cluster, keep),
      }, t("duplicates.merge")),
      h("button", {
        type: "button", class: "button", "aria-describedby": headingId,
        dataset: { focusKey: `dismiss-${key}` },
        onclick: () => dismiss(cluster),
      }, t("duplicates.dismiss"))));
}

// The focus goes to the next cluster's first control, or to the list's status.
function focusAfter(index) {
  const items = list.querySelectorAll(".duplicate-cluster");
  const next = items[Math.min(index, items.length - 1)];
  (next?.querySelector("input:checked") || $("#duplicates-refresh")).focus();
}

// The ideas a merge into `keep` absorbs: the cluster's, but those left out.
function mergedIds(cluster, keep) {
  const out = leftOut.get(keyOf(cluster)) || new Set();
  return cluster.ids.filter((id) => id !== keep && !out.has(id));
}

async function merge(cluster, fallback) {
  const chosen = kept.get(keyOf(cluster));
  const into = cluster.ids.includes(chosen) ? chosen : fallback;
  const others = mergedIds(cluster, into);
  const index = current().findIndex((c) => keyOf(c) === keyOf(cluster));
  note = "";
  const ack = await live.command(Commands.MERGE_DUPLICATES, { into_id: into, idea_ids: others });
  showError(ack);
  if (!ack.ok) return;
  render();
  focusAfter(index);
  const title = store.state.ideas.get(into)?.title || "";
  toast.offer({
    message: tn("duplicates.merged_done", others.length, { title }),
    focus: true,
    undo: async () => {
      const back = await live.command(Commands.UNDO_GROUPING_CHANGE, { kind: "duplicates_merged", id: into });
      showError(back);
      if (back.ok) {
        render();
        list.querySelector(`[data-cluster="${CSS.escape(keyOf(cluster))}"] input:checked`)?.focus();
      }
      return back.ok;
    },
  });
}

async function dismiss(cluster) {
  const index = current().findIndex((c) => keyOf(c) === keyOf(cluster));
  const ack = await live.command(Commands.DISMISS_DUPLICATES, { idea_ids: cluster.ids });
  showError(ack);
  if (!ack.ok) return;
  dismissed.push(new Set(cluster.ids));
  note = t("duplicates.dismissed_done");
  render();
  focusAfter(index);
}

// Live: ideas merged, restored or dismissed by anyone (this page included) update the
// list from the store; a merge undone elsewhere brings its ideas back, hence its cluster.
store.subscribe((what, state) => {
  if (what === "duplicates" && state.lastDismissed) dismissed.push(new Set(state.lastDismissed));
  if (what === "ideas" || what === "duplicates" || what === "all" || what === "grouping") render();
});

live.onReady(() => { if (!loaded) search(); });
$("#duplicates-refresh").addEventListener("click", () => search());
