// Idea cards and keyed list rendering shared by the phone, the screen and the console.
import { h } from "./dom.js";
import { t } from "./i18n.js";

export function ideaCard(idea, { actions = [], badge = null, showAuthor = true } = {}) {
  const author = idea.author ?? null;
  return h("li", { class: `idea idea--${idea.status}`, dataset: { ideaId: idea.id } },
    h("p", { class: "idea__title" }, idea.title ?? ""),
    idea.description ? h("p", { class: "idea__description" }, idea.description) : null,
    idea.need ? h("p", { class: "idea__need" }, h("span", { class: "muted" }, `${t("idea.need")} `), idea.need) : null,
    h("p", { class: "idea__meta" },
      badge ? h("span", { class: "badge" }, badge) : null,
      showAuthor ? h("span", { class: "idea__author" }, author ?? t("idea.anonymous")) : null),
    actions.length ? h("p", { class: "idea__actions" }, actions) : null);
}

// Replace the children of `list` by `items` rendered with `render`, reusing nothing:
// lists here hold at most a few hundred cards and a rebuild keeps the code obvious.
// Cards that did not change keep their DOM node so focus and scroll stay put.
export function renderList(list, items, render, signature = (item) => JSON.stringify(item)) {
  const old = new Map();
  for (const child of list.children) old.set(child.dataset.key, child);
  const fragment = document.createDocumentFragment();
  for (const item of items) {
    const key = `${item.id}:${signature(item)}`;
    const node = old.get(key) || Object.assign(render(item), {});
    node.dataset.key = key;
    fragment.append(node);
  }
  list.replaceChildren(fragment);
}

// The wall's items: ideas, preceded by their défi's title when défis exist.
export function groupedItems(store, show) {
  const groups = store.grouped(show);
  if (groups.length === 1) return groups[0].ideas.slice().reverse();
  const items = [];
  for (const { challenge, ideas } of [...groups.slice(1), groups[0]]) {
    if (!ideas.length) continue;
    items.push({ id: `c${challenge?.id ?? "none"}`, heading: challenge ? challenge.title : null });
    items.push(...ideas);
  }
  return items;
}

export function headingItem(item, unclassifiedLabel) {
  return h("li", { class: "challenge-group__title" }, item.heading ?? unclassifiedLabel);
}
