// « Console de la table »: what a table's host gets on top of « Ma table » (issue #13):
// hide or show again a contribution, keep up to three (what the table retains), post
// for someone without a phone (the form's name field, phone/table.js), the table's
// synthesis editor (save, mark done; a save made from an older version is refused and
// the newer one offered), and who is seated at the table.
import { $, h, show } from "../dom.js";
import { errorText } from "../errors.js";
import { itemLabel, t, tn } from "../i18n.js";
import { Commands } from "../protocol.js";
import { canKeepMore } from "../tables/model.js";
import { formMessage } from "./message.js";

export function mountHost({ command }) {
  const panel = $("#host-panel");
  const form = $("#synthesis-form");
  const say = formMessage(form, $("#synthesis-message"));
  const actionLine = $("#host-message");
  let follower = null; // the table's state (tables/model.js) while hosting
  let baseVersion = null; // the synthesis version the editor's text started from
  let shownVersion = null;

  async function act(name, payload) {
    const ack = await command(name, payload);
    actionLine.textContent = ack.ok ? "" : errorText(ack.error);
    if (ack.ok && ack.data?.contribution) follower?.upsert(ack.data.contribution);
    return ack;
  }

  function actions(contribution, table) {
    const contributions = [...table.contributions.values()];
    const keep = !contribution.kept;
    return [
      contribution.hidden ? null : h("button", {
        type: "button", class: `button button--small${contribution.kept ? " button--primary" : ""}`,
        "aria-pressed": String(contribution.kept),
        "aria-label": itemLabel(contribution.kept ? "table.unkeep" : "table.keep", contribution.text),
        dataset: { focusKey: `keep:${contribution.id}` },
        disabled: keep && !canKeepMore(contributions),
        onclick: () => act(Commands.KEEP_CONTRIBUTION, { contribution_id: contribution.id, kept: keep }),
      }, contribution.kept ? t("table.unkeep") : t("table.keep")),
      h("button", {
        type: "button", class: "button button--small",
        "aria-label": itemLabel(contribution.hidden ? "action.restore" : "action.hide", contribution.text),
        dataset: { focusKey: `hide:${contribution.id}` },
        onclick: () => act(Commands.MODERATE_CONTRIBUTION, { contribution_id: contribution.id, hidden: !contribution.hidden }),
      }, contribution.hidden ? t("action.restore") : t("action.hide")),
    ].filter(Boolean);
  }

  async function save(done) {
    const table = follower?.table;
    if (!table) return;
    const text = form.elements.synthesis.value;
    const ack = await command(Commands.SAVE_SYNTHESIS, {
      table_id: table.id, text, done, version: baseVersion ?? table.synthesis_version,
    });
    if (ack.ok) {
      const saved = ack.data?.table ?? ack.data ?? {};
      if (saved.synthesis_version !== undefined) follower.setSynthesis(saved);
      baseVersion = follower.table.synthesis_version;
      shownVersion = baseVersion;
      form.elements.synthesis.dataset.loaded = text;
      show($("#synthesis-conflict"), false);
      say(done ? t("table.synthesis_saved_done") : t("table.synthesis_saved"));
    } else if (ack.error?.code === "stale_version") {
      show($("#synthesis-conflict"), true);
      $("#synthesis-latest").textContent = table.synthesis || t("table.no_synthesis");
      say(t("table.synthesis_conflict"), "error");
    } else {
      say(errorText(ack.error), "error");
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    save(form.elements.done.checked);
  });
  $("#synthesis-load-latest").addEventListener("click", () => {
    const table = follower?.table;
    if (!table) return;
    form.elements.synthesis.value = table.synthesis || "";
    form.elements.synthesis.dataset.loaded = form.elements.synthesis.value;
    form.elements.done.checked = Boolean(table.synthesis_done);
    baseVersion = table.synthesis_version;
    shownVersion = baseVersion;
    show($("#synthesis-conflict"), false);
    say("");
    form.elements.synthesis.focus();
  });

  // `state`: the table's follower while this phone hosts its table, else null.
  function render(state) {
    follower = state;
    const table = state?.table;
    show(panel, Boolean(table));
    if (!table) return;
    // The editor is refilled from the server only while the host has not typed since
    // (the text is theirs otherwise: a newer save by someone else shows as a conflict).
    const editor = form.elements.synthesis;
    const untouched = editor.value === (editor.dataset.loaded ?? "");
    if (shownVersion !== table.synthesis_version && untouched) {
      editor.value = table.synthesis || "";
      editor.dataset.loaded = editor.value;
      form.elements.done.checked = Boolean(table.synthesis_done);
      baseVersion = table.synthesis_version;
      shownVersion = baseVersion;
    } else if (shownVersion !== table.synthesis_version) {
      $("#synthesis-elsewhere").textContent = t("table.synthesis_changed_elsewhere");
    }
    if (shownVersion === table.synthesis_version) $("#synthesis-elsewhere").textContent = "";
    const names = state.names || [];
    $("#table-seated").textContent = tn("table.seated", table.seated ?? names.length);
    $("#table-names").replaceChildren(...names.map((name) => h("li", {}, name)));
  }

  return { actions, render };
}
