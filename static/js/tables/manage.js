// The facilitator's tables page (templates/facilitator/tables.html): create tables from
// the défis, capacities, hosts, seating and balancing by profile, rounds, the kinds of
// contributions. Every button sends a socket command (the same ones the console could);
// the page shows the server's word — an error in place, or a reload once something
// changed, so what it lists (seats by profile, links the server signs) is always the
// server's. The seated counts follow the tables' roll-up live.
import { connectionBanner } from "../banner.js";
import { connectLive } from "../connection.js";
import { $, enableConnectedControls, show } from "../dom.js";
import { errorText } from "../errors.js";
import { t, tn } from "../i18n.js";
import { Commands } from "../protocol.js";
import { createStore } from "../state.js";
import { kindKey } from "./model.js";

const app = $("#app");
const store = createStore("facilitator");
const live = connectLive({
  workshopId: Number(app.dataset.workshopId), role: "facilitator", store,
  onStatus: connectionBanner($("#connection")),
});
live.onReady(() => enableConnectedControls());
const errorBox = $("#tables-error");
const MESSAGE_KEY = `semis.tables.message.${app.dataset.workshopId}`;

// What the last action did, said once the page has reloaded.
function sayAfterReload(text) {
  try {
    sessionStorage.setItem(MESSAGE_KEY, text);
  } catch {
    // not kept (private mode): the page shows the result itself
  }
}
try {
  const said = sessionStorage.getItem(MESSAGE_KEY);
  if (said) {
    sessionStorage.removeItem(MESSAGE_KEY);
    $("#tables-message").textContent = said;
    show($("#tables-message"), true);
  }
} catch {
  // no storage: nothing to say
}

// Run a command; reload when it changed the tables (the page is rendered by the server),
// saying `done(ack)` there.
async function run(name, payload, { done = () => t("tables.saved") } = {}) {
  const ack = await live.command(name, payload);
  show(errorBox, !ack.ok);
  if (!ack.ok) {
    errorBox.textContent = errorText(ack.error);
    errorBox.scrollIntoView({ block: "nearest" });
    return ack;
  }
  sayAfterReload(done(ack));
  window.location.reload();
  return ack;
}

$("#create-tables")?.addEventListener("submit", (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const perChallenge = {};
  const ids = [];
  for (const input of form.querySelectorAll("[name=per_challenge]")) {
    const count = Number(input.value);
    if (count > 0) {
      ids.push(Number(input.dataset.challengeId));
      perChallenge[input.dataset.challengeId] = count;
    }
  }
  if (!ids.length) {
    show(errorBox, true);
    errorBox.textContent = t("tables.choose_challenges");
    return;
  }
  run(Commands.CREATE_TABLES, {
    challenge_ids: ids, per_challenge: perChallenge, capacity: Number(form.elements.capacity.value),
  }, { done: (ack) => tn("tables.created", ack.data?.tables?.length ?? 0) });
});

for (const form of document.querySelectorAll("[data-capacity-form]")) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    run(Commands.UPDATE_TABLE, { table_id: Number(form.dataset.tableId), capacity: Number(form.elements.capacity.value) });
  });
}

for (const select of document.querySelectorAll("[data-host-select]")) {
  select.addEventListener("change", () => run(Commands.SET_TABLE_HOST, {
    table_id: Number(select.dataset.tableId), participant_id: select.value ? Number(select.value) : null,
  }));
}

for (const button of document.querySelectorAll("[data-delete-table]")) {
  button.addEventListener("click", () => {
    if (!window.confirm(t("tables.confirm_delete", { number: button.dataset.number }))) return;
    run(Commands.DELETE_TABLE, { table_id: Number(button.dataset.deleteTable) });
  });
}

for (const select of document.querySelectorAll("[data-seat-select]")) {
  select.addEventListener("change", () => run(Commands.SEAT_PARTICIPANT, {
    participant_id: Number(select.dataset.participantId), table_id: select.value ? Number(select.value) : null,
  }));
}

$("#balance-tables")?.addEventListener("click", () => run(Commands.BALANCE_TABLES, {},
  { done: (ack) => tn("tables.balanced", ack.data?.moves ?? 0) }));

for (const button of document.querySelectorAll("[data-next-round]")) {
  button.addEventListener("click", () => {
    if (!window.confirm(t("tables.confirm_round"))) return;
    run(Commands.NEXT_ROUND, { mode: button.dataset.nextRound });
  });
}

// ---- Kinds of contributions: labels edited in place, a new one gets a key from its
// label (lower case, letters only), removed ones leave the list.
const kindsList = $("#kinds-list");

function kindRow(key, value) {
  const row = document.createElement("li");
  row.className = "row";
  row.dataset.kindKey = key;
  const input = Object.assign(document.createElement("input"), { id: `kind-${key}`, name: "label", maxLength: 40, value });
  input.dataset.default = "";
  const name = Object.assign(document.createElement("label"), { htmlFor: input.id, className: "visually-hidden", textContent: value });
  const remove = Object.assign(document.createElement("button"), { type: "button", className: "button button--small", textContent: t("tables.remove_kind") });
  remove.dataset.removeKind = "";
  row.append(name, input, remove);
  return row;
}

kindsList?.addEventListener("click", (event) => {
  const button = event.target.closest("[data-remove-kind]");
  if (button) button.closest("li").remove();
});

$("#add-kind")?.addEventListener("click", () => {
  const input = $("#new-kind");
  const value = input.value.trim();
  if (!value) return;
  const taken = new Set([...kindsList.children].map((row) => row.dataset.kindKey));
  kindsList.append(kindRow(kindKey(value, taken), value));
  input.value = "";
  input.focus();
});

$("#kinds-form")?.addEventListener("submit", (event) => {
  event.preventDefault();
  const kinds = [...kindsList.children].map((row) => {
    const input = row.querySelector("input");
    const value = input.value.trim();
    // A default label left as it is stays translated ("" means the default).
    return { key: row.dataset.kindKey, label: value === input.dataset.default ? "" : value };
  });
  run(Commands.SET_CONTRIBUTION_KINDS, { kinds });
});

// The seated counts, live.
store.subscribe((what) => {
  if (what !== "summary" && what !== "all") return;
  for (const table of store.state.tablesSummary?.tables || []) {
    const cell = document.querySelector(`[data-table-id="${table.id}"] [data-seated]`);
    if (cell) cell.textContent = `${table.seated} / ${table.capacity}`;
  }
});
