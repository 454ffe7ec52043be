// Tiny DOM helpers. Text always goes through textContent: whatever a participant
// writes is shown as text, never parsed as HTML.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export const $ = (selector, root = document) => root.querySelector(selector);

export function setText(selector, text, root = document) {
  const el = $(selector, root);
  if (el) el.textContent = text;
}

// The controls a page's server draws disabled because they send commands over the
// socket (data-needs-connection): usable once the page has its first snapshot. Until
// then a click would do nothing, or reload the page with a native form submission.
export function enableConnectedControls(root = document) {
  for (const control of root.querySelectorAll("[data-needs-connection]")) control.disabled = false;
}

export function show(el, visible) {
  if (el) el.hidden = !visible;
}

// A form's status line: `say(text, kind)` shows a message there ("ok" or "error").
export function messageLine(element) {
  return (text, kind = "ok") => {
    element.textContent = text;
    element.dataset.kind = kind;
  };
}

// A random id that works on plain-HTTP LAN addresses too (randomUUID needs HTTPS).
export function randomId() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
