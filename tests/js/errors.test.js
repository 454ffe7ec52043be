// The one error text (static/js/errors.js), with the page's strings as the server's
// /i18n/<language>.js sets them (globalThis.SEMIS_STRINGS).
import assert from "node:assert/strict";
import { test } from "node:test";

const PAGE_STRINGS = {
  "error.offline": "Pas de connexion. Réessayez dans un moment.",
  "error.timeout": "Le serveur n'a pas répondu. Réessayez.",
  "error.unknown": "Un problème est survenu. Réessayez.",
};
globalThis.SEMIS_STRINGS = PAGE_STRINGS;
globalThis.document = { documentElement: { lang: "fr" } };
const { errorText } = await import("../../static/js/errors.js");

test("the server's own message comes first", () => {
  assert.equal(errorText({ code: "rate_limited", message: "Doucement !" }), "Doucement !");
});

test("a client-side code without message gets the page's text for it", () => {
  assert.equal(errorText({ code: "offline", message: null }), PAGE_STRINGS["error.offline"]);
  assert.equal(errorText({ code: "timeout" }), PAGE_STRINGS["error.timeout"]);
});

test("an unknown code gets the caller's fallback, or the general text, never the code", () => {
  assert.equal(errorText({ code: "workshop_closed" }, "Fermé"), "Fermé");
  assert.equal(errorText({ code: "workshop_closed" }), PAGE_STRINGS["error.unknown"]);
  assert.equal(errorText(undefined), PAGE_STRINGS["error.unknown"]);
});
