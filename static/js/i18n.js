// Translated strings for scripts. Their one source is workshop/views/js_strings.py,
// rendered by the server into <script id="i18n"> on every page: no module holds a
// user-facing text of its own.
const strings = JSON.parse(globalThis.document?.getElementById("i18n")?.textContent || "{}");

export function t(key, params = {}) {
  let text = strings[key] ?? key;
  for (const [name, value] of Object.entries(params)) {
    text = text.replaceAll(`%(${name})s`, String(value));
  }
  return text;
}

// Whether the page has a text for `key` (t() falls back to the key itself).
export function has(key) {
  return typeof strings[key] === "string";
}

// Plural choice for strings given as {"one": ..., "other": ...}.
export function tn(key, count, params = {}) {
  const forms = strings[key];
  const lang = globalThis.document?.documentElement.lang || "fr";
  const form = typeof forms === "object" && forms !== null
    ? forms[new Intl.PluralRules(lang).select(count)] ?? forms.other
    : key;
  return form.replaceAll("%(count)s", String(count)).replace(
    /%\((\w+)\)s/g, (_m, name) => String(params[name] ?? ""));
}
