// The console's « Annuler » bar: after a change that can be taken back (a move, a
// merge, a split, a hidden idea), it says what happened and offers to undo it for ten
// seconds (longer while the focus is in it). Screen readers hear the message through a
// live region that is always in the page; Ctrl+Z (outside a text field) presses Annuler.
import { $ } from "./dom.js";
import { t } from "./i18n.js";

const DURATION_MS = 10_000;

export function mountToast() {
  const box = $("#toast");
  const text = $("#toast-text");
  const live = $("#toast-live");
  const undoButton = $("#toast-undo");
  let current = null; // {undo, escape}
  let timer = null;

  function close() {
    clearTimeout(timer);
    current = null;
    box.hidden = true;
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(() => {
      // Never pull the bar from under the keyboard: it waits for the focus to leave.
      if (box.contains(document.activeElement)) schedule();
      else close();
    }, DURATION_MS);
  }

  // `undo`: async, returns whether it worked (it puts the focus where it belongs);
  // `escape`: where the focus goes when the bar is dismissed with Escape.
  function offer({ message, undo, escape = null, focus = false }) {
    current = { undo, escape };
    text.textContent = message;
    live.textContent = message;
    box.hidden = false;
    schedule();
    if (focus) undoButton.focus();
  }

  async function press() {
    const offered = current;
    if (!offered) return;
    close();
    const done = await offered.undo();
    live.textContent = done ? t("toast.undone") : "";
  }

  undoButton.addEventListener("click", press);
  $("#toast-close").addEventListener("click", () => {
    const offered = current;
    close();
    offered?.escape?.();
  });
  box.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    const offered = current;
    close();
    offered?.escape?.();
  });
  document.addEventListener("keydown", (event) => {
    if (!current || !(event.ctrlKey || event.metaKey) || event.key.toLowerCase() !== "z") return;
    if (event.target.closest?.("input, textarea, select, [contenteditable]")) return;
    event.preventDefault();
    press();
  });

  return { offer, close };
}
