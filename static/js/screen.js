// The projected screen: phase, timer, connected count, and what the step shows (the
// idea wall, the défis, the vote's ranking, the qualification board), always within the
// projector's picture: long lists are cut into pages that fit, turned every few seconds.
// Keys (on the screen's window): → and ← turn pages, Home goes back to the first one,
// P pauses the turning, C switches the contrast.
import { connectionBanner } from "./banner.js";
import { ideaCard } from "./cards.js";
import { $, h, show } from "./dom.js";
import { t, tn } from "./i18n.js";
import { connectLive } from "./connection.js";
import { renderQualifyBoard } from "./qualify.js";
import { phaseRanking, relevantVotePhase, renderRanking, voteSummary } from "./results.js";
import { createStore } from "./state.js";
import { renderPitchScreen } from "./screen/pitch.js";
import { gradeScreen, renderGradeScreen } from "./screen/grades.js";
import { layoutTiles, rollupTables, spotlightView, tableTile } from "./tables/views.js";
import { mountTimer } from "./timer.js";

const ROTATE_MS = 8000; // how long a page stays up
const PROBE = 60; // at most this many items are laid out to find what fits a page
const RANKING_PROBE = 40;
const IDEAS_PER_CHALLENGE = 3; // a défi's first ideas shown under its title
const CONTRAST_KEY = "semis.screen.contrast";

const app = $("#app");
const store = createStore("screen");
connectLive({
  workshopId: Number(app.dataset.workshopId), role: "screen", key: app.dataset.key, store,
  onStatus: connectionBanner($("#connection")),
});
const renderTimer = mountTimer($("#timer"), store);
const numbers = new Intl.NumberFormat(document.documentElement.lang || "fr");
// "1 000 idées": the count with the language's thousands separator.
const counted = (key, count) => tn(key, count).replace(String(count), numbers.format(count));

// Whether `node` lies within `box` (both laid out), to a pixel.
const within = (node, box) => {
  const rect = node.getBoundingClientRect();
  return rect.bottom <= box.bottom + 1 && rect.right <= box.right + 1;
};

// A list shown a page at a time. `set` lays the items out to find the pages: with
// `uniform` items (cards of one size) the first page's count holds for all; otherwise
// each page holds the items that fit after the previous one.
function pager(list, { uniform = false } = {}) {
  let items = [];
  let render = (item) => item;
  let pages = [[0, 0]];
  let index = 0;

  function fitFrom(start) {
    const nodes = items.slice(start, start + PROBE).map(render);
    list.replaceChildren(...nodes);
    const box = list.getBoundingClientRect();
    const first = nodes.findIndex((node) => !within(node, box));
    return first === -1 ? nodes.length : Math.max(1, first);
  }

  function paginate() {
    pages = [];
    if (uniform) {
      const size = fitFrom(0);
      for (let start = 0; start < items.length; start += size) pages.push([start, Math.min(items.length, start + size)]);
    } else {
      for (let start = 0; start < items.length;) {
        const size = fitFrom(start);
        pages.push([start, start + size]);
        start += size;
      }
    }
    if (!pages.length) pages.push([0, 0]);
  }

  function draw(turned) {
    index = Math.min(index, pages.length - 1);
    const [start, end] = pages[index];
    list.replaceChildren(...items.slice(start, end).map(render));
    if (turned) { // a gentle fade, unless the room asked for no motion (screen.css)
      list.classList.remove("screen__turn");
      void list.offsetWidth;
      list.classList.add("screen__turn");
    }
  }

  return {
    list,
    set(newItems, renderItem) {
      items = newItems;
      render = renderItem;
      paginate();
      draw(false);
    },
    turn(step) {
      if (pages.length < 2) return;
      index = (index + step + pages.length) % pages.length;
      draw(true);
    },
    reset() { index = 0; },
    first() {
      if (index === 0) return;
      index = 0;
      draw(true);
    },
    get page() { return index + 1; },
    get pages() { return pages.length; },
  };
}

const pagers = {
  wall: pager($("#wall"), { uniform: true }),
  columns: pager($("#columns")),
  qualify: pager($("#qualify-board")),
  tables: pager($("#table-tiles"), { uniform: true }),
};
let view = null; // the name of the pager on screen, if any
let current = null; // that pager
let caption = () => ""; // its count ("1 000 idées", "30 défis")
let paused = false;

function showPager(name, count) {
  if (view !== name) pagers[name].reset(); // a new view starts on its first page
  view = name;
  current = pagers[name];
  caption = () => counted(...count);
}

function renderPagerLine() {
  const line = $("#pager");
  show(line, Boolean(current));
  if (!current) {
    line.textContent = "";
    return;
  }
  let text = caption();
  if (current.pages > 1) text += ` · ${t("screen.page", { page: current.page, pages: current.pages })}`;
  if (paused && current.pages > 1) text += ` · ${t("screen.paused")}`;
  line.textContent = text;
}

// The ranking: the first rows that fit, then how many more have votes.
function renderFittingRanking(ranking) {
  const list = $("#ranking");
  const more = $("#ranking-more");
  // Room for the "… and N more" line is kept while measuring.
  more.textContent = tn("screen.more", ranking.length);
  show(more, ranking.length > 0);
  renderRanking(list, ranking.slice(0, RANKING_PROBE));
  const box = list.getBoundingClientRect();
  const rows = [...list.querySelectorAll(".ranking__row")];
  const cut = rows.findIndex((row) => !within(row, box));
  if (cut > 0) rows.slice(cut).forEach((row) => row.remove());
  const shown = cut > 0 ? cut : rows.length;
  const rest = ranking.length - shown;
  more.textContent = counted("screen.more", rest);
  show(more, rest > 0);
}

function challengeColumn(group) {
  const title = group.challenge ? group.challenge.title : t("grouping.unclassified");
  return h("section", { class: "screen-column" },
    h("h3", {}, title),
    h("p", { class: "screen-column__count" }, counted("count.ideas", group.ideas.length)),
    group.ideas.length ? h("ul", {}, group.ideas.slice(0, IDEAS_PER_CHALLENGE)
      .map((idea) => h("li", { dataset: { ideaId: idea.id } }, idea.title))) : null);
}

function render(what) {
  const { state } = store;
  if (!state.workshop) return;
  $("#connected").textContent = tn("count.connected", state.connected);
  if (what === "people") return;
  const phase = store.currentPhase();
  $("#phase-title").textContent = phase ? phase.title : t("phase.none");
  // The pitch step (issue #14) takes the whole stage: one project at a time.
  if (renderPitchScreen(store, $("#pitch-screen"))) {
    for (const id of ["#results", "#qualify-board", "#table-tiles", "#spotlight", "#columns", "#wall"]) {
      show($(id), false);
    }
    $("#app").classList.remove("screen__layout--tables");
    $("#status-line").textContent = "";
    current = null;
    view = null;
    renderPagerLine();
    return;
  }
  // During a vote and on the results step the screen shows the vote, not the wall.
  const votePhase = relevantVotePhase(store);
  // The défi tables (issue #13): the roll-up during the table work (and during the
  // restitution between two tables), the table in the spotlight full-screen; on the
  // evening's last step, the offers to carry each défi (the qualification board).
  const hasTables = state.tables.length > 0;
  const onSpotlight = hasTables && phase?.kind === "restitution" && Boolean(state.spotlight?.table);
  const onTables = hasTables && !onSpotlight && (phase?.kind === "tables" || phase?.kind === "restitution");
  const onOffers = hasTables && phase?.kind === "results";
  $("#app").classList.toggle("screen__layout--tables", onTables || onSpotlight);
  const onVote = !onTables && !onSpotlight && !onOffers
    && Boolean(votePhase) && (phase?.kind === "vote" || phase?.kind === "results");
  const onQualify = !onVote && !onTables && !onSpotlight && (phase?.kind === "qualification" || onOffers);
  // A vote by majority judgment: its grades' ranking instead of the dots'.
  const graded = onVote ? gradeScreen(store, votePhase) : null;
  const ranking = graded ? graded.rows : onVote ? phaseRanking(store, votePhase) : null;
  let status = state.workshop.status === "closed" ? t("workshop.closed") : "";
  if (graded) status = graded.status;
  else if (onVote) {
    status = ranking ? voteSummary(store, votePhase) : `${voteSummary(store, votePhase)}. ${t("vote.hidden")}`;
  }
  $("#status-line").textContent = status;
  const other = onVote || onQualify || onTables || onSpotlight;
  const groups = other ? [] : store.grouped((idea) => idea.status === "visible");
  const columns = groups.length > 1;
  // Only the view of this step is laid out: the others take no room.
  show($("#results"), Boolean(ranking));
  show($("#qualify-board"), onQualify);
  show($("#table-tiles"), onTables);
  show($("#spotlight"), onSpotlight);
  show($("#columns"), !other && columns);
  show($("#wall"), !other && !columns);
  current = null;
  if (onVote || onSpotlight) view = null;
  if (onSpotlight) {
    $("#spotlight").replaceChildren(...spotlightView(state.spotlight, state.challenges,
      { anonymous: state.workshop.anonymous }));
  } else if (onTables) {
    const tables = rollupTables(store, { short: true });
    const list = $("#table-tiles");
    layoutTiles(list, tables.length, { em: parseFloat(getComputedStyle(list).fontSize) || 16 });
    showPager("tables", ["count.tables", tables.length]);
    pagers.tables.set(tables, (table) => tableTile(table));
  } else if (ranking && graded) {
    renderGradeScreen(ranking, within);
  } else if (ranking) {
    renderFittingRanking(ranking);
  } else if (onQualify) {
    // A qualification step shows each défi's stage and volunteers.
    const all = h("ul");
    renderQualifyBoard(store, all);
    const items = [...all.children];
    const kind = state.challenges.size ? "count.challenges" : "count.ideas";
    showPager("qualify", [kind, items.length]);
    pagers.qualify.set(items, (node) => node);
  } else if (columns) {
    const shown = [...groups.slice(1), groups[0]].filter((g) => g.ideas.length || g.challenge);
    showPager("columns", ["count.challenges", groups.length - 1]);
    pagers.columns.set(shown, challengeColumn);
  } else if (!onVote) {
    const showAuthor = !state.workshop.anonymous;
    const visible = [...state.ideas.values()].filter((idea) => idea.status === "visible").reverse();
    showPager("wall", ["count.ideas", visible.length]);
    pagers.wall.set(visible, (idea) => ideaCard(idea, { showAuthor }));
  }
  renderPagerLine();
}

// Facts can come in bursts (a vote storm): lay the screen out once per frame.
let pending = null;
function schedule(what) {
  if (pending === null) {
    pending = what;
    requestAnimationFrame(() => {
      const next = pending;
      pending = null;
      render(next);
    });
  } else if (pending !== what) {
    pending = "all";
  }
}

let rotation = null;
function restartRotation() {
  clearInterval(rotation);
  rotation = setInterval(() => {
    if (paused || !current) return;
    current.turn(1);
    renderPagerLine();
  }, ROTATE_MS);
}

function turn(step) {
  if (!current) return;
  current.turn(step);
  renderPagerLine();
  restartRotation();
}

// High contrast: this display's own choice (remembered by the browser), else the
// system's "more contrast" preference. Other windows of the same browser follow.
const contrastButton = $("#contrast");
function storedContrast() {
  try {
    return localStorage.getItem(CONTRAST_KEY);
  } catch {
    return null; // storage refused (private mode): the button still works for this page
  }
}
let contrastChoice = storedContrast();
function applyContrast() {
  const high = contrastChoice ? contrastChoice === "high" : matchMedia("(prefers-contrast: more)").matches;
  document.documentElement.dataset.contrast = high ? "high" : "normal";
  contrastButton.setAttribute("aria-pressed", String(high));
  schedule("all"); // borders change the sizes: lay the pages out again
}
function toggleContrast() {
  contrastChoice = document.documentElement.dataset.contrast === "high" ? "normal" : "high";
  try {
    localStorage.setItem(CONTRAST_KEY, contrastChoice);
  } catch {
    // not remembered; applied all the same
  }
  applyContrast();
}
contrastButton.addEventListener("click", toggleContrast);
addEventListener("storage", (event) => {
  if (event.key !== CONTRAST_KEY) return;
  contrastChoice = event.newValue;
  applyContrast();
});
matchMedia("(prefers-contrast: more)").addEventListener("change", applyContrast);

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || event.target.closest?.("input, textarea, select")) return;
  const key = event.key.toLowerCase();
  if (key === "arrowright" || key === "pagedown") turn(1);
  else if (key === "arrowleft" || key === "pageup") turn(-1);
  else if (key === "home" && current) {
    current.first();
    renderPagerLine();
    restartRotation();
  }
  else if (key === "p") {
    paused = !paused;
    renderPagerLine();
    restartRotation();
  } else if (key === "c") toggleContrast();
  else return;
  event.preventDefault();
});

addEventListener("resize", () => schedule("all"));
applyContrast();
restartRotation();

store.subscribe((what) => {
  if (what === "timer" || what === "all" || what === "workshop") renderTimer();
  if (what !== "timer") schedule(what);
});
