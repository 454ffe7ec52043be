// Translated strings for scripts. Their one source is workshop/views/js_strings.py,
// served as /i18n/<language>.js (workshop/views/main.py), which every page loads with
// `defer` before its modules and which sets globalThis.SEMIS_STRINGS: no module holds a
// user-facing text of its own.
const strings = globalThis.SEMIS_STRINGS || {};

export function t(key, params = {}) {
  let text = strings[key] ?? key;
  for (const [name, value] of Object.entries(params)) {
    // A function, so that a "$&" in a participant's text is not a replacement pattern.
    text = text.replaceAll(`%(${name})s`, () => String(value));
  }
  return text;
}

// The label of `value` in a group of labels ("profiles", "qualify.stages"…), or the
// value itself when the page has none for it.
export function label(group, value) {
  const labels = strings[group];
  return (typeof labels === "object" && labels !== null ? labels[value] : null) ?? value;
}

// An action's label for one item, as screen readers announce it ("Ajouter un vote :
// Un jardin partagé").
export function itemLabel(key, item) {
  return t("label.item", { label: t(key), item });
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
