// The défi tables' client logic, without a DOM or a socket (tests/js/tables.test.js).
//
// A table's facts are not in the workshop's seq stream: each table numbers its own
// (`table_seq`) and they are not stored on the server. `createTableState` keeps one
// table's snapshot (from `join_table` or the phone's snapshot) and applies its facts in
// order; a fact that skips a number means something was missed, and `onGap` asks for
// the table again (the phone sends `join_table`, which answers a fresh snapshot). Facts
// carry absolute values (a contribution whole, the tallies), so applying one twice, or
// one older than the snapshot, changes nothing.

export const TABLE_FACTS = Object.freeze({
  CONTRIBUTION_POSTED: "contribution_posted",
  CONTRIBUTION_CHANGED: "contribution_changed",
  TABLE_VOTES_CHANGED: "table_votes_changed",
  SYNTHESIS_SAVED: "synthesis_saved",
  TABLE_SEATED: "table_seated",
});

export const KEEP_LIMIT = 3;

export function createTableState({ onGap = () => {}, onChange = () => {} } = {}) {
  let table = null; // {id, number, challenge_id, table_seq, contributions: Map, ...}
  let names = []; // the seated names (host and facilitators only)
  let gapAsked = null; // the table_seq a gap was reported at (reported once)

  function load(snapshot) {
    if (!snapshot) {
      table = null;
      names = [];
      onChange("table");
      return;
    }
    const contributions = new Map((snapshot.contributions || []).map((c) => [c.id, c]));
    const myVotes = new Set(snapshot.my_votes || []);
    // The round's budget: what is left plus what is spent (votes_left moves with my_votes).
    const budget = (snapshot.votes_left ?? 0) + myVotes.size;
    table = { ...snapshot, contributions, my_votes: myVotes, budget };
    names = snapshot.names || names;
    gapAsked = null;
    onChange("table");
  }

  const handlers = {
    [TABLE_FACTS.CONTRIBUTION_POSTED]: (d) => table.contributions.set(d.contribution.id, d.contribution),
    [TABLE_FACTS.CONTRIBUTION_CHANGED]: (d) => table.contributions.set(d.contribution.id, d.contribution),
    [TABLE_FACTS.TABLE_VOTES_CHANGED]: (d) => {
      for (const [id, votes] of Object.entries(d.tallies || {})) {
        const contribution = table.contributions.get(Number(id));
        if (contribution) table.contributions.set(contribution.id, { ...contribution, votes });
      }
    },
    [TABLE_FACTS.SYNTHESIS_SAVED]: (d) => {
      table.synthesis = d.synthesis;
      table.synthesis_done = d.synthesis_done;
      table.synthesis_version = d.synthesis_version;
    },
    [TABLE_FACTS.TABLE_SEATED]: (d) => {
      table.seated = d.seated;
      if (d.names) names = d.names;
    },
  };

  // One table fact: applied when it is the next one, dropped when stale, and a gap
  // reported (once per missing number) when it skips one.
  function apply(name, data) {
    if (!table || data.table_id !== table.id) return false;
    const handler = handlers[name];
    if (!handler) return false;
    if (data.table_seq <= table.table_seq) return false; // stale or duplicate
    if (data.table_seq > table.table_seq + 1) {
      if (gapAsked !== table.table_seq) {
        gapAsked = table.table_seq;
        onGap(table.id);
      }
      return false;
    }
    handler(data);
    table.table_seq = data.table_seq;
    onChange(name);
    return true;
  }

  return {
    load,
    apply,
    get table() { return table; },
    get names() { return names; },
    // A vote ack: the participant's own votes on this table.
    setMyVotes(ids) {
      if (!table) return;
      table.my_votes = new Set(ids);
      onChange("votes");
    },
    // A contribution from an ack (its fact may come later, or after a gap).
    upsert(contribution) {
      if (!table || contribution.table_id !== table.id) return;
      table.contributions.set(contribution.id, contribution);
      onChange("contribution");
    },
    // A saved synthesis from an ack (its fact may come later).
    setSynthesis({ synthesis, synthesis_done: done, synthesis_version: version }) {
      if (!table || version < table.synthesis_version) return;
      Object.assign(table, { synthesis, synthesis_done: done, synthesis_version: version });
      onChange("synthesis");
    },
  };
}

// A kind's label: the facilitator's own, else the translated default of its key.
export function kindLabel(kind, defaults = {}) {
  return kind.label || defaults[kind.key] || kind.key;
}

// The table's contributions under their kinds, in the workshop's order of kinds; within
// a kind the most voted first, then the oldest. `showHidden`: the host and facilitators
// see hidden ones (marked), participants never get them. Contributions of a kind no
// longer listed (renamed away) go last, under their key.
export function groupByKind(contributions, kinds, { showHidden = false, defaults = {} } = {}) {
  const groups = new Map(kinds.map((kind) => [kind.key, { key: kind.key, label: kindLabel(kind, defaults), items: [] }]));
  for (const contribution of contributions) {
    if (contribution.hidden && !showHidden) continue;
    if (!groups.has(contribution.kind)) {
      groups.set(contribution.kind, { key: contribution.kind, label: contribution.kind, items: [] });
    }
    groups.get(contribution.kind).items.push(contribution);
  }
  for (const group of groups.values()) {
    group.items.sort((a, b) => (b.votes || 0) - (a.votes || 0) || a.id - b.id);
  }
  return [...groups.values()];
}

// How many votes a participant has left at their table this round.
export function votesLeft(table) {
  if (!table) return 0;
  return Math.max(0, (table.budget ?? 0) - (table.my_votes ? table.my_votes.size : 0));
}

// Kept contributions (at most KEEP_LIMIT): whether one more may be kept.
export function canKeepMore(contributions) {
  let kept = 0;
  for (const contribution of contributions) if (contribution.kept && !contribution.hidden) kept += 1;
  return kept < KEEP_LIMIT;
}

// The tables a phone may choose: seats left, lowest number first; full ones last.
export function choosableTables(summary) {
  return [...(summary || [])]
    .map((table) => ({ ...table, left: Math.max(0, table.capacity - (table.seated ?? 0)) }))
    .sort((a, b) => (a.left > 0 ? 0 : 1) - (b.left > 0 ? 0 : 1) || a.number - b.number);
}

// Columns and rows for `count` tiles in a `width` × `height` box, as square-ish as the
// box allows (tiles `ratio` times wider than tall); tiles smaller than `minWidth` ×
// `minHeight` mean the list is paged instead (`perPage` tiles a page).
export function tileGrid(count, width, height, { ratio = 1.6, minWidth = 0, minHeight = 0, gap = 0 } = {}) {
  if (count <= 0 || width <= 0 || height <= 0) return { columns: 1, rows: 1, perPage: Math.max(count, 1) };
  let best = null;
  for (let columns = 1; columns <= count; columns += 1) {
    const rows = Math.ceil(count / columns);
    const tileWidth = (width - gap * (columns - 1)) / columns;
    const tileHeight = (height - gap * (rows - 1)) / rows;
    // The tile's size at the ratio that fits its cell.
    const size = Math.min(tileWidth, tileHeight * ratio);
    if (!best || size > best.size) best = { columns, rows, size, tileWidth, tileHeight };
  }
  if (best.tileWidth >= minWidth && best.tileHeight >= minHeight) {
    return { columns: best.columns, rows: best.rows, perPage: count };
  }
  // Too many to fit: the largest grid of tiles of the smallest readable size.
  const columns = Math.max(1, Math.floor((width + gap) / (minWidth + gap)));
  const rows = Math.max(1, Math.floor((height + gap) / (minHeight + gap)));
  return { columns, rows, perPage: columns * rows };
}

// The tables of the roll-up with their défi's title, in table order.
export function rollup(summary, challenges) {
  return [...(summary?.tables || [])]
    .sort((a, b) => a.number - b.number)
    .map((table) => ({ ...table, title: challenges.get(table.challenge_id)?.title || "" }));
}

// A new kind's key, from its label: lower-case letters and underscores (the server's
// [a-z_]{1,20}), accents dropped, numbered when taken ("idees", "idees_2").
export function kindKey(text, taken) {
  const base = text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
    .replace(/[^a-z]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 16) || "kind";
  let key = base;
  for (let n = 2; taken.has(key); n += 1) key = `${base}_${n}`;
  return key;
}

// Défi titles often start alike (« Comment pourrions-nous … ? »): on a wall of many
// tiles only the end tells them apart. The words every title starts with (at least
// `min` characters of them) are dropped, replaced by "… "; fewer than `few` titles, or
// a title that would be left empty, keep them whole.
export function distinctTitles(titles, { min = 12, few = 6 } = {}) {
  if (titles.length < few) return titles;
  let prefix = titles[0] || "";
  for (const title of titles) {
    let n = 0;
    while (n < prefix.length && n < title.length && prefix[n] === title[n]) n += 1;
    prefix = prefix.slice(0, n);
  }
  const cut = prefix.lastIndexOf(" ") + 1; // whole words only
  if (cut < min || titles.some((title) => !title.slice(cut).trim())) return titles;
  return titles.map((title) => `… ${title.slice(cut)}`);
}
