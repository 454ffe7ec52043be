// The console's grouping board: défis as columns, ideas moved by drag and drop
// (mouse and touch, SortableJS) or with the "Move to…" control (keyboard), merges,
// splits, suggested groupings accepted in part, and undo.
import Sortable from "/static/vendor/sortable.esm.js";
import { h, $, messageLine, show } from "./dom.js";
import { errorText } from "./errors.js";
import { Commands } from "./protocol.js";
import { itemLabel, t } from "./i18n.js";

export function mountGrouping(store, run) {
  const panel = $("#grouping-panel");
  const board = $("#board");
  let dragging = false; // a card is held (pointer down on the board, or Sortable dragging)
  let pending = false; // a render was asked for meanwhile
  // A fact arriving between the press and the drag's start must not rebuild the board
  // under the pointer: hold renders from the press until the release.
  board.addEventListener("pointerdown", () => { dragging = true; });
  const release = () => {
    if (!dragging) return;
    dragging = false;
    if (pending) { pending = false; setTimeout(render, 0); }
  };
  window.addEventListener("pointerup", release);
  window.addEventListener("pointercancel", release);
  let proposal = null;
  const selected = new Set(); // ideas ticked for a split

  const say = messageLine($("#grouping-message"));
  const command = async (name, payload) => {
    const ack = await run(name, payload);
    if (!ack.ok) say(errorText(ack.error), "error");
    return ack;
  };

  $("#new-challenge").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $("#new-challenge-title");
    // Take the title and clear the field at once: the next one may be typed before
    // this one's answer arrives.
    const title = input.value;
    input.value = "";
    const ack = await command(Commands.CREATE_CHALLENGE, { title });
    if (!ack.ok && !input.value) input.value = title;
  });
  $("#undo-grouping").addEventListener("click", async () => {
    const ack = await command(Commands.UNDO_GROUPING);
    if (ack.ok) say(t("grouping.undone"));
  });
  $("#suggest-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const k = $("#suggest-k").value;
    say(t("grouping.computing"));
    const ack = await command(Commands.SUGGEST_GROUPS, k ? { k: Number(k) } : {});
    if (!ack.ok) return;
    say("");
    proposal = ack.data.groups;
    renderProposal();
  });
  $("#proposal-cancel").addEventListener("click", () => { proposal = null; renderProposal(); });
  $("#proposal-accept").addEventListener("click", async () => {
    const groups = [...$("#proposal-groups").children]
      .filter((li) => li.querySelector("input[type=checkbox]").checked)
      .map((li) => ({
        title: li.querySelector("input[name=title]").value,
        idea_ids: JSON.parse(li.dataset.ideaIds),
      }));
    if (!groups.length) { proposal = null; renderProposal(); return; }
    const ack = await command(Commands.APPLY_GROUPING, { groups });
    if (ack.ok) {
      proposal = null;
      renderProposal();
      say(t("grouping.applied"));
    }
  });

  function renderProposal() {
    show($("#proposal"), Boolean(proposal));
    if (!proposal) return;
    const titleOf = (id) => store.state.ideas.get(id)?.title ?? "";
    $("#proposal-groups").replaceChildren(...proposal.map((group, i) => h("li", {
      class: "proposal__group", dataset: { ideaIds: JSON.stringify(group.idea_ids) },
    },
    h("label", { class: "switch" }, h("input", { type: "checkbox", checked: true, "aria-label": t("grouping.keep") }),
      h("input", { name: "title", maxlength: 140, value: group.label, "aria-label": `${t("grouping.title")} ${i + 1}` })),
    h("ul", { class: "proposal__ideas" }, group.idea_ids.map((id) => h("li", {}, titleOf(id)))))));
  }

  function moveControl(idea, groups) {
    const select = h("select", { "aria-label": itemLabel("grouping.move_to", idea.title) },
      h("option", { value: "" }, t("grouping.move_to")),
      groups.map((g) => h("option", {
        value: g.challenge ? g.challenge.id : "none",
        disabled: (g.challenge?.id ?? null) === groupOf(idea.id),
      }, g.challenge ? g.challenge.title : t("grouping.unclassified"))));
    select.addEventListener("change", () => {
      if (!select.value) return;
      command(Commands.MOVE_IDEA, {
        idea_id: idea.id, challenge_id: select.value === "none" ? null : Number(select.value),
      });
    });
    return select;
  }

  function mergeControl(idea, ideas) {
    const select = h("select", { "aria-label": itemLabel("grouping.merge_into", idea.title) },
      h("option", { value: "" }, t("grouping.merge_into")),
      ideas.filter((other) => other.id !== idea.id).map((other) => h("option", { value: other.id }, other.title)));
    select.addEventListener("change", () => {
      if (select.value) command(Commands.MERGE_IDEAS, { idea_id: idea.id, into_id: Number(select.value) });
    });
    return select;
  }

  function groupOf(ideaId) {
    for (const [key, ids] of store.state.orders) if (ids.includes(ideaId)) return key;
    return null;
  }

  function challengeHeader(challenge, groups) {
    const title = h("input", { name: "title", maxlength: 140, value: challenge.title, class: "challenge__title",
      "aria-label": t("grouping.title") });
    const description = h("textarea", { name: "description", maxlength: 2000, rows: 2,
      "aria-label": t("grouping.description"), placeholder: t("grouping.description") }, challenge.description);
    const save = async () => {
      if (title.value === challenge.title && description.value === challenge.description) return;
      const ack = await command(Commands.UPDATE_CHALLENGE, {
        challenge_id: challenge.id, version: challenge.version, title: title.value, description: description.value,
      });
      if (!ack.ok && ack.error?.code === "conflict") {
        title.value = store.state.challenges.get(challenge.id)?.title ?? title.value;
      }
    };
    title.addEventListener("change", save);
    description.addEventListener("change", save);
    const mergeInto = h("select", { "aria-label": itemLabel("grouping.merge_challenge", challenge.title) },
      h("option", { value: "" }, t("grouping.merge_challenge")),
      groups.filter((g) => g.challenge && g.challenge.id !== challenge.id)
        .map((g) => h("option", { value: g.challenge.id }, g.challenge.title)));
    mergeInto.addEventListener("change", () => {
      if (mergeInto.value) command(Commands.MERGE_CHALLENGES, { source_id: challenge.id, target_id: Number(mergeInto.value) });
    });
    const order = groups.filter((g) => g.challenge).map((g) => g.challenge.id);
    const index = order.indexOf(challenge.id);
    const shift = (by) => {
      const next = order.slice();
      next.splice(index, 1);
      next.splice(index + by, 0, challenge.id);
      command(Commands.REORDER_CHALLENGES, { challenge_ids: next });
    };
    return h("header", { class: "column__head" }, title, description,
      h("p", { class: "row" },
        h("button", { type: "button", class: "button button--small", disabled: index === 0,
          "aria-label": itemLabel("grouping.earlier", challenge.title), onclick: () => shift(-1) }, "←"),
        h("button", { type: "button", class: "button button--small", disabled: index === order.length - 1,
          "aria-label": itemLabel("grouping.later", challenge.title), onclick: () => shift(1) }, "→"),
        mergeInto,
        h("button", { type: "button", class: "button button--small",
          onclick: () => splitSelected(challenge) }, t("grouping.split")),
        h("button", { type: "button", class: "button button--small",
          onclick: () => window.confirm(t("grouping.confirm_delete")) && command(Commands.DELETE_CHALLENGE, { challenge_id: challenge.id }) },
        t("grouping.delete"))));
  }

  async function splitSelected(challenge) {
    const ids = (store.state.orders.get(challenge.id) || []).filter((id) => selected.has(id));
    if (!ids.length) { say(t("grouping.split_help"), "error"); return; }
    const ack = await command(Commands.SPLIT_CHALLENGE, {
      challenge_id: challenge.id, idea_ids: ids, title: `${challenge.title} (2)`,
    });
    if (ack.ok) ids.forEach((id) => selected.delete(id));
  }

  function card(idea, groups, all) {
    const tick = h("input", { type: "checkbox", checked: selected.has(idea.id), "aria-label": itemLabel("grouping.select", idea.title) });
    tick.addEventListener("change", () => (tick.checked ? selected.add(idea.id) : selected.delete(idea.id)));
    return h("li", { class: `idea idea--${idea.status} board__card`, dataset: { ideaId: idea.id } },
      h("p", { class: "idea__title" }, idea.title),
      h("p", { class: "idea__meta" }, h("span", { class: "idea__author" }, idea.author ?? t("idea.anonymous"))),
      h("p", { class: "idea__actions" }, tick, moveControl(idea, groups), mergeControl(idea, all)));
  }

  function render() {
    const { workshop, phases } = store.state;
    if (!workshop) return;
    const phase = phases.find((p) => p.id === workshop.current_phase_id);
    const active = workshop.status === "draft" || phase?.kind === "grouping";
    show(panel, active);
    if (!active) return;
    if (dragging) { pending = true; return; }
    const placeable = (idea) => ["visible", "pending", "hidden"].includes(idea.status);
    const groups = store.grouped(placeable);
    const all = groups.flatMap((g) => g.ideas);
    board.replaceChildren(...groups.map((group) => {
      const list = h("ul", { class: "column__ideas", dataset: { challengeId: group.challenge ? group.challenge.id : "none" } },
        group.ideas.map((idea) => card(idea, groups, all)));
      return h("section", { class: group.challenge ? "column" : "column column--loose",
        "aria-label": group.challenge ? group.challenge.title : t("grouping.unclassified") },
      group.challenge ? challengeHeader(group.challenge, groups)
        : h("header", { class: "column__head" }, h("h3", {}, t("grouping.unclassified"))),
      list);
    }));
    for (const list of board.querySelectorAll(".column__ideas")) {
      Sortable.create(list, {
        group: "ideas",
        animation: 120,
        // Pointer events rather than HTML5 drag and drop: the same on mouse and touch.
        forceFallback: true,
        fallbackTolerance: 4,
        filter: "input, select, textarea, button",
        preventOnFilter: false,
        onStart: () => { dragging = true; },
        onEnd: (event) => {
          dragging = false;
          const target = event.to.dataset.challengeId;
          const moved = event.from !== event.to || event.oldIndex !== event.newIndex;
          if (moved) {
            command(Commands.MOVE_IDEA, {
              idea_id: Number(event.item.dataset.ideaId),
              challenge_id: target === "none" ? null : Number(target),
              position: event.newIndex,
            });
          }
          if (pending || !moved) { pending = false; render(); }
        },
      });
    }
  }

  return render;
}
