// Qualification sheets: the console's panel (every défi and idea, their stage and
// volunteers, one sheet open at a time) and the participants' sheet on the phone.
// The form itself is rendered by the server (templates/_qualify.html); this module
// fills it from the store, sends it with the version it was filled from, and says so
// when someone else saved in the meantime (conflict) instead of overwriting them.
import { $, h, messageLine, show } from "./dom.js";
import { errorText } from "./errors.js";
import { label, t } from "./i18n.js";
import { challengesInOrder, oldestFirst } from "./order.js";
import { Commands } from "./protocol.js";

const TEXT_FIELDS = ["need_who", "need_where", "need_evidence", "target_public", "territory",
  "insee_code", "solution", "existing_offer", "partners", "economic_potential",
  "potential_holders", "maturity", "stage", "abandon_reason", "next_step"];

export const itemKey = (target, id) => `${target}:${id}`;

// Défis in their order, then the ideas everybody can see, oldest first.
export function targets(store) {
  const challenges = challengesInOrder(store)
    .map((c) => ({ target: "challenge", target_id: c.id, title: c.title }));
  const ideas = [...store.state.ideas.values()]
    .filter((idea) => idea.status === "visible" && idea.title !== undefined)
    .sort(oldestFirst)
    .map((idea) => ({ target: "idea", target_id: idea.id, title: idea.title }));
  return [...challenges, ...ideas];
}

// Rebuild a <select> of targets only when the list changed: rebuilding it under the
// finger of someone choosing would close it.
export function fillPicker(picker, items) {
  const signature = JSON.stringify(items.map((i) => [i.target, i.target_id, i.title]));
  if (picker.dataset.signature === signature) return;
  picker.dataset.signature = signature;
  const chosen = picker.value;
  picker.replaceChildren(h("option", { value: "" }, t("qualify.choose")),
    ...items.map((item) => h("option", { value: itemKey(item.target, item.target_id) }, targetLabel(item))));
  picker.value = items.some((i) => itemKey(i.target, i.target_id) === chosen) ? chosen : "";
}

export function targetLabel(item) {
  return `${label("qualify.targets", item.target)} · ${item.title}`;
}

// Binds one server-rendered sheet form. `send(payload)` returns the command's ack.
export function bindSheetForm(form, store, send) {
  const reload = $("[data-reload]", form);
  const abandon = $("[data-abandon]", form);
  let current = null; // {target, target_id}
  let version = 0; // the version the form was filled from
  let dirty = false;

  const say = messageLine($("[data-message]", form));
  const syncAbandon = () => {
    const abandoned = form.elements.stage.value === "abandoned";
    show(abandon, abandoned);
    form.elements.abandon_reason.required = abandoned;
  };

  function fill(sheet) {
    for (const name of TEXT_FIELDS) form.elements[name].value = sheet?.[name] ?? "";
    if (!sheet) form.elements.stage.value = "to_study";
    version = sheet?.version ?? 0;
    dirty = false;
    reload.hidden = true;
    syncAbandon();
  }

  form.addEventListener("input", () => { dirty = true; });
  form.elements.stage.addEventListener("change", syncAbandon);
  reload.textContent = t("qualify.load_latest");
  reload.addEventListener("click", () => {
    fill(store.state.qualifications.get(itemKey(current.target, current.target_id)));
    say("");
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!current) return;
    const payload = { target: current.target, target_id: current.target_id, version };
    for (const name of TEXT_FIELDS) payload[name] = form.elements[name].value;
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    const ack = await send(payload);
    button.disabled = false;
    if (ack.ok) {
      store.setQualification(ack.data.qualification);
      version = ack.data.qualification.version;
      dirty = false;
      reload.hidden = true;
      say(t("qualify.saved"));
    } else if (ack.error?.code === "conflict") {
      reload.hidden = false;
      say(t("qualify.conflict"), "error");
    } else {
      say(errorText(ack.error), "error");
      const field = ack.error?.details?.field;
      if (field && form.elements[field]) form.elements[field].focus();
    }
  });

  return {
    open(item) {
      current = item ? { target: item.target, target_id: item.target_id } : null;
      form.dataset.target = current ? itemKey(current.target, current.target_id) : "";
      fill(item ? store.state.qualifications.get(itemKey(item.target, item.target_id)) : null);
      say("");
    },
    // A sheet changed on the server: refill an untouched form, warn over a touched one.
    refresh() {
      if (!current) return;
      const sheet = store.state.qualifications.get(itemKey(current.target, current.target_id));
      if (!sheet || sheet.version === version) return;
      if (!dirty) fill(sheet);
      else { reload.hidden = false; say(t("qualify.changed_elsewhere"), "error"); }
    },
    get current() { return current; },
  };
}

// ---- The console panel

export function countsText(entry) {
  if (!entry) return "";
  return Object.entries(entry.counts).filter(([, n]) => n > 0)
    .map(([kind, n]) => label("qualify.counts", kind).replace("{count}", String(n)))
    .join(" · ");
}

function volunteerRow(offer) {
  // The console never holds contact details (it may be projected): it says who agreed
  // to be contacted; the details are on the contacts page and in the exports.
  const details = offer.consent_contact ? t("volunteer.has_contact") : t("volunteer.no_contact");
  return h("li", { class: "volunteer", dataset: { volunteerId: offer.id } },
    h("strong", {}, offer.display_name), " — ", label("volunteer.kinds", offer.kind),
    h("br"), h("span", { class: offer.consent_contact ? "volunteer__contact" : "muted small" }, details));
}

export function mountQualifyPanel(store, run) {
  const panel = $("#qualify-panel");
  if (!panel) return () => {};
  const list = $("#qualify-items");
  const editor = $("#qualify-editor");
  const sheet = bindSheetForm($("#console-sheet-form"), store,
    (payload) => run(Commands.SAVE_QUALIFICATION, payload));

  function select(item) {
    sheet.open(item);
    $("#qualify-title").textContent = targetLabel(item);
    show(editor, true);
    render();
    $("#console-sheet-form").elements.need_who.focus();
  }

  function render() {
    const items = targets(store);
    show(panel, items.length > 0);
    const open = sheet.current && itemKey(sheet.current.target, sheet.current.target_id);
    list.replaceChildren(...items.map((item) => {
      const key = itemKey(item.target, item.target_id);
      const q = store.state.qualifications.get(key);
      const entry = store.state.volunteers.get(key);
      return h("li", { class: key === open ? "qualify-item qualify-item--open" : "qualify-item", dataset: { key } },
        h("button", { type: "button", class: "link", onclick: () => select(item) }, targetLabel(item)), " ",
        h("span", { class: "badge", dataset: { stage: q?.stage ?? "none" } },
          q ? label("qualify.stages", q.stage) : t("qualify.no_sheet")), " ",
        h("span", { class: "muted small", dataset: { counts: key } }, countsText(entry)));
    }));
    // The volunteers of the open item, and of the whole workshop.
    const offers = open ? store.state.volunteers.get(open)?.volunteers || [] : [];
    $("#qualify-volunteers").replaceChildren(...(offers.length ? offers.map(volunteerRow)
      : [h("li", { class: "muted" }, t("volunteer.none"))]));
    // Items still known (hidden ideas included); a deleted défi takes its offers with it.
    const all = [...store.state.volunteers.values()].flatMap((entry) => {
      const found = entry.target === "challenge" ? store.state.challenges.get(entry.target_id)
        : store.state.ideas.get(entry.target_id);
      if (!found?.title) return [];
      const item = { target: entry.target, target_id: entry.target_id, title: found.title };
      return (entry.volunteers || []).map((offer) => ({ offer, item }));
    });
    $("#all-volunteers").replaceChildren(...(all.length ? all.map(({ offer, item }) => {
      const row = volunteerRow(offer);
      row.prepend(h("span", { class: "muted small" }, `${targetLabel(item)} — `));
      return row;
    }) : [h("li", { class: "muted" }, t("volunteer.none"))]));
    sheet.refresh();
  }

  return render;
}

// ---- The participants' sheet (phone), when the workshop lets them qualify

export function mountParticipantSheet(store, command) {
  const section = $("#phone-qualify");
  if (!section) return () => {};
  const picker = $("#phone-qualify-target");
  const form = $("#phone-sheet-form");
  const sheet = bindSheetForm(form, store, (payload) => command(Commands.SAVE_QUALIFICATION, payload));
  picker.addEventListener("change", () => {
    const item = targets(store).find((i) => itemKey(i.target, i.target_id) === picker.value);
    sheet.open(item || null);
    show(form, Boolean(item));
  });

  return function render() {
    const { workshop } = store.state;
    const phase = store.currentPhase();
    const allowed = workshop?.status === "open" && workshop.participants_qualify && phase?.kind === "qualification";
    show(section, Boolean(allowed));
    if (!allowed) return;
    const items = targets(store);
    fillPicker(picker, items);
    show(form, Boolean(picker.value));
    sheet.refresh();
  };
}

// ---- The screen, during a qualification step: each défi (or each idea, when there
// are no défis) with its stage and how many people offered to help. Counts only.

export function renderQualifyBoard(store, list) {
  const all = targets(store);
  const challenges = all.filter((item) => item.target === "challenge");
  const items = challenges.length ? challenges : all;
  list.replaceChildren(...items.map((item) => {
    const key = itemKey(item.target, item.target_id);
    const sheet = store.state.qualifications.get(key);
    return h("li", { class: "qualify-board__item", dataset: { key } },
      h("span", { class: "qualify-board__title" }, item.title), " ",
      sheet ? h("span", { class: "badge", dataset: { stage: sheet.stage } }, label("qualify.stages", sheet.stage)) : null,
      h("span", { class: "qualify-board__counts" }, countsText(store.state.volunteers.get(key))));
  }));
}
