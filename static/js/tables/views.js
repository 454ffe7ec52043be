// The défi tables as the projected screen and the console show them (issue #13): the
// roll-up's tiles (number, défi, seated / capacity, contributions, kept, synthesis
// done) and one table in the restitution's spotlight (its synthesis and what it kept).
import { h } from "../dom.js";
import { t, tn } from "../i18n.js";
import { distinctTitles, rollup, tileGrid } from "./model.js";

// One tile of the roll-up. `actions`: the console's buttons (open, spotlight).
export function tableTile(table, { actions = [], spotlit = false } = {}) {
  const seated = t("table.seated_of", { seated: table.seated, capacity: table.capacity });
  return h("li", {
    class: `table-tile${table.synthesis_done ? " table-tile--done" : ""}${spotlit ? " table-tile--spotlit" : ""}`,
    dataset: { tableId: table.id, number: table.number },
  },
  h("p", { class: "table-tile__head" },
    h("span", { class: "table-tile__number" }, t("table.number", { number: table.number })),
    table.synthesis_done ? h("span", { class: "table-tile__done", title: t("table.synthesis_done") }, "✓ ",
      h("span", { class: "visually-hidden" }, t("table.synthesis_done"))) : null,
    // "2 / 6" on the wall; the whole "2 / 6 seated" for screen readers.
    h("span", { class: "table-tile__seated", title: seated },
      h("span", { "aria-hidden": "true" }, `${table.seated}/${table.capacity}`),
      h("span", { class: "visually-hidden" }, seated))),
  h("p", { class: "table-tile__title" }, table.title),
  h("p", { class: "table-tile__stats" },
    h("span", { class: "table-tile__contributions" }, tn("table.contributions", table.contributions)),
    " · ", h("span", { class: "table-tile__kept" }, tn("table.kept_count", table.kept))),
  actions.length ? h("p", { class: "table-tile__actions" }, actions) : null);
}

// The roll-up's tables with their défi's title; before any roll-up arrived, the public
// list of tables (no counts yet).
// `short`: titles without the words they all start with (the screen's many tiles).
export function rollupTables(store, { short = false } = {}) {
  const { state } = store;
  const summary = state.tablesSummary?.tables?.length ? state.tablesSummary
    : { tables: state.tables.map((table) => ({ seated: 0, contributions: 0, kept: 0, synthesis_done: false, ...table })) };
  const tables = rollup(summary, state.challenges);
  if (!short) return tables;
  const titles = distinctTitles(tables.map((table) => table.title));
  return tables.map((table, index) => ({ ...table, title: titles[index] }));
}

// Lay `count` tiles out in `list` as large as its box allows: columns and rows set on
// the grid, the font scaled with the tile. Returns how many tiles a page holds.
export function layoutTiles(list, count, { em = 16 } = {}) {
  const box = list.getBoundingClientRect();
  const gap = 0.4 * em;
  const grid = tileGrid(Math.min(count, 30), box.width, box.height, {
    ratio: 1.9, minWidth: 8.5 * em, minHeight: 4.8 * em, gap,
  });
  const tileHeight = (box.height - gap * (grid.rows - 1)) / grid.rows;
  // A tile holds five lines (number, two of title, two of counts) and its padding: its
  // font follows its height, from 0.9em (30 tiles on a 1080p picture) to 1.6em.
  const scale = Math.max(0.9, Math.min(1.6, tileHeight / (6.3 * em)));
  list.style.setProperty("--tile-columns", String(grid.columns));
  list.style.setProperty("--tile-rows", String(grid.rows));
  list.style.setProperty("--tile-scale", String(scale));
  return grid.perPage;
}

// The table in the spotlight, full-screen: its number and défi, its synthesis, and
// the contributions it kept.
export function spotlightView(spotlight, challenges, { anonymous = false } = {}) {
  const table = spotlight.table;
  const challenge = challenges.get(table.challenge_id);
  return [
    h("p", { class: "spotlight__number" }, t("table.number", { number: table.number })),
    h("h2", { class: "spotlight__title" }, challenge?.title || ""),
    table.synthesis
      ? h("p", { class: "spotlight__synthesis pre-line" }, table.synthesis)
      : h("p", { class: "spotlight__synthesis spotlight__synthesis--empty" }, t("table.no_synthesis")),
    h("h3", { class: "spotlight__kept-heading" }, t("table.kept_heading")),
    (table.kept || []).length
      ? h("ul", { class: "spotlight__kept" }, table.kept.map((c) => h("li", { dataset: { contributionId: c.id } },
        c.text, (c.on_behalf || (!anonymous && c.author))
          ? h("span", { class: "spotlight__author" }, ` — ${c.on_behalf || c.author}`) : null)))
      : h("p", {}, t("table.none_kept")),
  ];
}
