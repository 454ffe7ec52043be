// The console's grouping board: défis as columns, ideas moved by drag and drop
// (mouse and touch, SortableJS) or with the "Move to…" chooser and its button
// (keyboard), merges, splits, suggested groupings accepted in part, and undo.
//
// Nothing irreversible happens by accident: a chooser commits nothing until its button
// is pressed (an arrow key in a <select> only changes the choice), merging an idea
// goes through a "merge mode" where the absorbing card is picked (with a filter, for
// hundreds of ideas), and every move, merge and split offers « Annuler » for a while
// (toast.js). The focus lands on what the action is about once the board shows it,
// and survives the board being rebuilt by someone else's change.
import Sortable from "/static/vendor/sortable.esm.js";
import { h, $, messageLine, show } from "./dom.js";
import { errorText } from "./errors.js";
import { Commands } from "./protocol.js";
import { itemLabel, t, tn } from "./i18n.js";
import { makeRewording } from "./reword.js";

export function mountGrouping(store, run, toast) {
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
  const choices = new Map(); // "idea:7" / "challenge:3" → the value chosen, not yet applied
  let mergeSource = null; // the idea being merged: the other cards offer « Merge here »
  let wanted = null; // () => the element to focus once the board shows it

  const cardEl = (ideaId) => board.querySelector(`.board__card[data-idea-id="${ideaId}"]`);
  const cardIn = (challengeId, ideaId) => board.querySelector(
    `.column__ideas[data-challenge-id="${challengeId ?? "none"}"] .board__card[data-idea-id="${ideaId}"]`);
  const titleOf = (challengeId) => board.querySelector(`.column[data-challenge="${challengeId}"] .challenge__title`);
  const groupName = (challengeId) => (challengeId === null
    ? t("grouping.unclassified") : store.state.challenges.get(challengeId)?.title ?? "");

  function focusWhenShown(find) {
    wanted = find;
    applyFocus();
  }
  function applyFocus() {
    const element = wanted?.();
    if (element) { wanted = null; element.focus(); }
  }

  const say = messageLine($("#grouping-message"));
  const command = async (name, payload) => {
    const ack = await run(name, payload);
    if (!ack.ok) say(errorText(ack.error), "error");
    return ack;
  };
  const rewording = makeRewording({ store, run, say, render: () => render(), focusWhenShown, cardEl });

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

  // ---- Merge mode: pick the card that absorbs the chosen one.
  const mergeFilter = $("#merge-filter");
  function startMerge(idea) {
    mergeSource = idea.id;
    mergeFilter.value = "";
    render();
    mergeFilter.focus();
  }
  function stopMerge() {
    const source = mergeSource;
    mergeSource = null;
    render();
    if (source !== null) focusWhenShown(() => cardEl(source)?.querySelector("[data-focus-key=merge]"));
  }
  mergeFilter.addEventListener("input", filterCards);
  $("#merge-cancel").addEventListener("click", stopMerge);
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && mergeSource !== null) { event.preventDefault(); stopMerge(); }
  });
  function filterCards() {
    const words = mergeFilter.value.trim().toLocaleLowerCase();
    for (const li of board.querySelectorAll(".board__card")) {
      const idea = store.state.ideas.get(Number(li.dataset.ideaId));
      li.hidden = mergeSource !== null && Boolean(words) && idea?.id !== mergeSource
        && !`${idea?.title ?? ""} ${idea?.description ?? ""}`.toLocaleLowerCase().includes(words);
    }
  }
  async function mergeInto(into) {
    const sourceId = mergeSource;
    const absorbed = store.state.ideas.get(sourceId);
    const ack = await command(Commands.MERGE_IDEAS, { idea_id: sourceId, into_id: into.id });
    if (!ack.ok) return;
    mergeSource = null;
    render();
    toast.offer({
      message: t("grouping.merged", { title: absorbed?.title ?? "", into: into.title }),
      focus: true,
      undo: async () => {
        const back = await command(Commands.UNDO_GROUPING_CHANGE, { kind: "ideas_merged", id: sourceId });
        if (back.ok) focusWhenShown(() => cardEl(sourceId));
        return back.ok;
      },
      escape: () => focusWhenShown(() => cardEl(into.id)),
    });
  }
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

  // A chooser that only records the choice (arrow keys included), and its button.
  function chooser(key, label, options) {
    const select = h("select", { "aria-label": label, dataset: { focusKey: "choice" } }, ...options);
    if (choices.has(key)) select.value = choices.get(key);
    select.addEventListener("change", () => choices.set(key, select.value));
    return select;
  }

  function moveOptions(idea, groups) {
    return groups.map((g) => h("option", {
      value: g.challenge ? g.challenge.id : "none",
      disabled: (g.challenge?.id ?? null) === groupOf(idea.id),
    }, g.challenge ? g.challenge.title : t("grouping.unclassified")));
  }

  function moveControl(idea, groups) {
    const key = `idea:${idea.id}`;
    // The défis are listed once the chooser is used (focused or pressed): a board of
    // 1,000 cards with 30 défis each would otherwise rebuild 31,000 options per change.
    const select = chooser(key, itemLabel("grouping.move_to", idea.title), [
      h("option", { value: "" }, t("grouping.move_to")),
      choices.has(key) ? moveOptions(idea, groups) : []]);
    const fill = () => { if (select.options.length === 1) select.append(...moveOptions(idea, groups)); };
    select.addEventListener("focus", fill);
    select.addEventListener("pointerdown", fill);
    const go = h("button", {
      type: "button", class: "button button--small", dataset: { focusKey: "move" },
      "aria-label": itemLabel("grouping.move", idea.title),
      onclick: () => moveIdea(idea, select.value),
    }, t("grouping.move"));
    return [select, go];
  }

  async function moveIdea(idea, value) {
    if (!value) { say(t("grouping.choose_first"), "error"); return; }
    const from = groupOf(idea.id);
    const index = (store.state.orders.get(from) || []).indexOf(idea.id);
    const to = value === "none" ? null : Number(value);
    const ack = await command(Commands.MOVE_IDEA, { idea_id: idea.id, challenge_id: to });
    if (!ack.ok) return;
    choices.delete(`idea:${idea.id}`);
    focusWhenShown(() => cardIn(to, idea.id));
    toast.offer({
      message: t("grouping.moved", { title: idea.title, to: groupName(to) }),
      undo: async () => {
        const back = await command(Commands.MOVE_IDEA, {
          idea_id: idea.id, challenge_id: from, ...(index >= 0 ? { position: index } : {}),
        });
        if (back.ok) focusWhenShown(() => cardIn(from, idea.id));
        return back.ok;
      },
      escape: () => cardEl(idea.id)?.focus(),
    });
  }

  function groupOf(ideaId) {
    for (const [key, ids] of store.state.orders) if (ids.includes(ideaId)) return key;
    return null;
  }

  function challengeHeader(challenge, groups) {
    // A textarea, so that a long « Comment pourrions-nous… » wraps instead of being cut;
    // still one line of text: Enter saves.
    const title = h("textarea", { name: "title", maxlength: 140, rows: 2, class: "challenge__title",
      "aria-label": t("grouping.title"), dataset: { focusKey: "title" } }, challenge.title);
    title.addEventListener("keydown", (event) => {
      if (event.key === "Enter") { event.preventDefault(); save(); }
    });
    const description = h("textarea", { name: "description", maxlength: 2000, rows: 2,
      "aria-label": t("grouping.description"), placeholder: t("grouping.description") }, challenge.description);
    const save = async () => {
      const words = title.value.replace(/\s*\n\s*/g, " ");
      if (words === challenge.title && description.value === challenge.description) return;
      const ack = await command(Commands.UPDATE_CHALLENGE, {
        challenge_id: challenge.id, version: challenge.version, title: words, description: description.value,
      });
      if (!ack.ok && ack.error?.code === "conflict") {
        title.value = store.state.challenges.get(challenge.id)?.title ?? title.value;
      }
    };
    title.addEventListener("change", save);
    description.addEventListener("change", save);
    const mergeWith = chooser(`challenge:${challenge.id}`, itemLabel("grouping.merge_challenge", challenge.title), [
      h("option", { value: "" }, t("grouping.merge_challenge")),
      groups.filter((g) => g.challenge && g.challenge.id !== challenge.id)
        .map((g) => h("option", { value: g.challenge.id }, g.challenge.title))]);
    const mergeGo = h("button", {
      type: "button", class: "button button--small", dataset: { focusKey: "merge-challenge" },
      "aria-label": itemLabel("grouping.merge_challenge", challenge.title),
      onclick: () => mergeChallenge(challenge, mergeWith.value),
    }, t("grouping.merge_challenge_button"));
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
        mergeWith, mergeGo,
        h("button", { type: "button", class: "button button--small", dataset: { focusKey: "split" },
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
    if (!ack.ok) return;
    ids.forEach((id) => selected.delete(id));
    toast.offer({
      message: tn("grouping.split_done", ids.length),
      focus: true,
      undo: async () => {
        const back = await command(Commands.UNDO_GROUPING_CHANGE, { kind: "challenge_split", id: challenge.id });
        if (back.ok) focusWhenShown(() => titleOf(challenge.id));
        return back.ok;
      },
      escape: () => focusWhenShown(() => titleOf(challenge.id)),
    });
  }

  async function mergeChallenge(challenge, value) {
    if (!value) { say(t("grouping.choose_first"), "error"); return; }
    const target = Number(value);
    const into = groupName(target);
    const ack = await command(Commands.MERGE_CHALLENGES, { source_id: challenge.id, target_id: target });
    if (!ack.ok) return;
    choices.delete(`challenge:${challenge.id}`);
    toast.offer({
      message: t("grouping.challenges_merged", { title: challenge.title, into }),
      focus: true,
      undo: async () => {
        const back = await command(Commands.UNDO_GROUPING_CHANGE, { kind: "challenges_merged", id: challenge.id });
        if (back.ok) focusWhenShown(() => titleOf(challenge.id));
        return back.ok;
      },
      escape: () => focusWhenShown(() => titleOf(target)),
    });
  }

  function card(idea, groups) {
    const classes = `idea idea--${idea.status} board__card${idea.id === mergeSource ? " board__card--source" : ""}`;
    const head = [
      h("p", { class: "idea__title" }, idea.title),
      h("p", { class: "idea__meta" }, h("span", { class: "idea__author" }, idea.author ?? t("idea.anonymous"))),
    ];
    if (mergeSource !== null) {
      const here = idea.id === mergeSource ? null : h("button", {
        type: "button", class: "button button--small button--primary", dataset: { focusKey: "merge-here" },
        "aria-label": itemLabel("grouping.merge_here", idea.title), onclick: () => mergeInto(idea),
      }, t("grouping.merge_here"));
      return h("li", { class: classes, tabindex: -1, dataset: { ideaId: idea.id } }, head, h("p", { class: "idea__actions" }, here));
    }
    const tick = h("input", { type: "checkbox", checked: selected.has(idea.id), dataset: { focusKey: "tick" },
      "aria-label": itemLabel("grouping.select", idea.title) });
    tick.addEventListener("change", () => (tick.checked ? selected.add(idea.id) : selected.delete(idea.id)));
    const merge = h("button", {
      type: "button", class: "button button--small", dataset: { focusKey: "merge" },
      "aria-label": itemLabel("grouping.merge_into", idea.title), onclick: () => startMerge(idea),
    }, t("grouping.merge"));
    return h("li", { class: classes, tabindex: -1, dataset: { ideaId: idea.id } }, head, rewording.body(idea),
      h("div", { class: "idea__actions board__actions" },
        h("label", { class: "board__tick" }, tick, h("span", { "aria-hidden": "true" }, t("grouping.select"))),
        moveControl(idea, groups), merge, rewording.button(idea)));
  }

  // Where the focus is on the board (which card or défi, which control), to put it back
  // once the board is rebuilt, with what was being typed.
  function focusedPlace() {
    const element = document.activeElement;
    if (!element || !board.contains(element)) return null;
    const cardItem = element.closest(".board__card");
    return {
      ideaId: cardItem?.dataset.ideaId ?? null,
      challenge: element.closest(".column")?.dataset.challenge ?? null,
      key: cardItem === element ? "card" : element.dataset.focusKey ?? null,
      value: "value" in element && element.tagName !== "BUTTON" ? element.value : null,
    };
  }
  function restoreFocus(place) {
    if (!place) return;
    let element = null;
    if (place.ideaId !== null) {
      const item = cardEl(place.ideaId);
      element = place.key === "card" ? item : item?.querySelector(`[data-focus-key="${place.key}"]`) ?? item;
    } else if (place.challenge !== null) {
      element = board.querySelector(`.column[data-challenge="${place.challenge}"] [data-focus-key="${place.key}"]`);
    }
    if (!element) return;
    if (place.value !== null && element.tagName === "TEXTAREA") element.value = place.value;
    element.focus();
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
    if (mergeSource !== null && !groups.some((g) => g.ideas.some((idea) => idea.id === mergeSource))) {
      mergeSource = null; // merged, withdrawn or hidden away meanwhile
    }
    show($("#merge-mode"), mergeSource !== null);
    if (mergeSource !== null) {
      $("#merge-mode-text").textContent = t("grouping.merge_mode", { title: store.state.ideas.get(mergeSource)?.title ?? "" });
    }
    const place = focusedPlace();
    board.replaceChildren(...groups.map((group) => {
      const list = h("ul", { class: "column__ideas", dataset: { challengeId: group.challenge ? group.challenge.id : "none" } },
        group.ideas.map((idea) => card(idea, groups)));
      return h("section", { class: group.challenge ? "column" : "column column--loose",
        dataset: { challenge: group.challenge ? group.challenge.id : "none" },
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
        filter: "input, select, textarea, button, label",
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
    filterCards();
    restoreFocus(place);
    applyFocus();
  }

  return render;
}
