// The connection banner: shows when the link to the server is lost and when it is back.
import { errorText } from "./errors.js";
import { t, tn } from "./i18n.js";

export function connectionBanner(element) {
  let wasDown = false;
  let hideTimer = null;
  return (status, error) => {
    if (!element) return;
    clearTimeout(hideTimer);
    element.className = `banner banner--${status}`;
    if (status === "online") {
      if (!wasDown) {
        element.hidden = true;
        return;
      }
      wasDown = false;
      element.textContent = t("status.back");
      element.hidden = false;
      hideTimer = setTimeout(() => { element.hidden = true; }, 2500);
      return;
    }
    wasDown = true;
    element.hidden = false;
    element.textContent = status === "refused" || status === "error"
      ? errorText(error, t("status.refused"))
      : t(status === "reconnecting" ? "status.reconnecting" : "status.offline");
  };
}

// The outbox's notice: how many posts and votes wait to be sent, and how many the
// server refused. Hidden when the outbox is empty.
export function outboxNotice(element) {
  return (entries) => {
    if (!element) return;
    const failed = entries.filter((entry) => entry.failed).length;
    const waiting = entries.length - failed;
    const parts = [];
    if (waiting) parts.push(tn("outbox.waiting", waiting));
    if (failed) parts.push(tn("outbox.failed", failed));
    element.hidden = parts.length === 0;
    element.dataset.waiting = String(waiting);
    element.dataset.failed = String(failed);
    element.textContent = parts.join(" · ");
  };
}
