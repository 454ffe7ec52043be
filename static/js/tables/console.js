// The console's « Tables » panel (issue #13): the roll-up of every table (seated,
// contributions, kept, synthesis done), the restitution's spotlight (one table at a
// time, or none), and one table opened in place (`join_table` with its id: its
// contributions by kind and its synthesis, followed live by its facts).
import { renderList } from "../cards.js";
import { $, h, show } from "../dom.js";
import { itemLabel, label, t } from "../i18n.js";
import { Commands } from "../protocol.js";
import { contributionItem } from "../phone/table.js";
import { createTableState, groupByKind } from "./model.js";
import { rollupTables, tableTile } from "./views.js";

export function mountTablesPanel({ store, live, run }) {
  const panel = $("#tables-panel");
  if (!panel) return () => {};
  let opened = null; // the id of the table opened in place

  const follower = createTableState({
    onGap: () => open(opened),
    onChange: () => renderOpened(),
  });
  live.onTableFact((name, data) => follower.apply(name, data));
  live.onReady(() => { if (opened !== null) open(opened); });

  async function open(tableId) {
    opened = tableId;
    if (tableId === null) {
      follower.load(null);
      return;
    }
    const ack = await run(Commands.JOIN_TABLE, { table_id: tableId });
    if (ack.ok && opened === tableId) follower.load(ack.data.table);
  }

  function renderOpened() {
    const box = $("#table-drill");
    const table = follower.table;
    show(box, Boolean(table));
    if (!table) return;
    const challenge = store.state.challenges.get(table.challenge_id);
    const kinds = store.state.contributionKinds;
    const defaults = Object.fromEntries(kinds.map((kind) => [kind.key, label("table.kind_defaults", kind.key)]));
    const groups = groupByKind([...table.contributions.values()], kinds, { showHidden: true, defaults });
    const anonymous = false; // facilitators see the authors
    box.replaceChildren(
      h("h3", { id: "table-drill-heading", tabindex: "-1" }, `${t("table.number", { number: table.number })} · ${challenge?.title || ""}`),
      h("p", {}, h("button", { type: "button", class: "button button--small", onclick: () => { open(null); panel.querySelector(`[data-table-id="${table.id}"] button`)?.focus(); } }, t("table.close"))),
      ...groups.map((group) => h("section", { class: "contribution-kind" },
        h("h4", {}, group.label),
        group.items.length
          ? h("ul", { class: "contributions" }, group.items.map((c) => contributionItem(c, { anonymous })))
          : h("p", { class: "muted small" }, t("table.none_of_kind")))),
      h("h4", {}, t("table.synthesis_heading")),
      h("p", { class: `pre-line${table.synthesis ? "" : " muted"}` }, table.synthesis || t("table.no_synthesis")),
      follower.names.length ? h("p", { class: "muted small" }, follower.names.join(", ")) : null);
  }

  return function render() {
    const { state } = store;
    const hasTables = state.tables.length > 0;
    show(panel, hasTables);
    if (!hasTables) return;
    const phase = store.currentPhase();
    const restitution = phase?.kind === "restitution";
    const spotlit = state.spotlight?.table_id ?? null;
    show($("#spotlight-end"), restitution && spotlit !== null);
    $("#spotlight-status").textContent = restitution
      ? (spotlit !== null ? t("tables.spotlit", { number: state.tables.find((x) => x.id === spotlit)?.number ?? "?" }) : t("tables.no_spotlight"))
      : "";
    // Tiles that did not change keep their node (and the focus on their buttons): the
    // roll-up comes twice a second while tables work.
    const signature = (table) => JSON.stringify([table, table.id === spotlit, restitution]);
    renderList($("#console-tiles"), rollupTables(store), (table) => tableTile(table, {
      spotlit: table.id === spotlit,
      actions: [
        h("button", {
          type: "button", class: "button button--small",
          "aria-label": itemLabel("table.open", t("table.number", { number: table.number })),
          onclick: async () => { await open(table.id); $("#table-drill-heading")?.focus(); },
        }, t("table.open")),
        restitution ? h("button", {
          type: "button", class: `button button--small${table.id === spotlit ? " button--primary" : ""}`,
          "aria-pressed": String(table.id === spotlit),
          "aria-label": itemLabel("table.spotlight", t("table.number", { number: table.number })),
          onclick: () => run(Commands.SPOTLIGHT_TABLE, { table_id: table.id === spotlit ? null : table.id }),
        }, t("table.spotlight")) : null,
      ].filter(Boolean),
    }), signature);
  };
}

export function bindSpotlightEnd(run) {
  $("#spotlight-end")?.addEventListener("click", () => run(Commands.SPOTLIGHT_TABLE, { table_id: null }));
}
