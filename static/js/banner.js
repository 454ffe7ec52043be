// The connection banner: shows when the link to the server is lost and when it is back.
import { t } from "./i18n.js";

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
      ? (error?.message || t("status.refused"))
      : t(status === "reconnecting" ? "status.reconnecting" : "status.offline");
  };
}
