// The one text shown for an error: a refused command (its ack's `error`), a refused
// connection, an outbox entry the server refused. The server's errors carry a message
// already translated for the page's language; the client's own codes (no connection,
// no answer) have theirs among the page's strings as "error.<code>"; anything else
// gets the `fallback` the caller gives, or a general "something went wrong".
import { has, t } from "./i18n.js";

export function errorText(error, fallback = null) {
  if (error?.message) return error.message;
  const key = `error.${error?.code}`;
  if (error?.code && has(key)) return t(key);
  return fallback ?? t("error.unknown");
}
