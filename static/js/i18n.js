// Translated strings for scripts, rendered by the server into <script id="i18n">.
const strings = JSON.parse(document.getElementById("i18n")?.textContent || "{}");

export function t(key, params = {}) {
  let text = strings[key] ?? key;
  for (const [name, value] of Object.entries(params)) {
    text = text.replaceAll(`%(${name})s`, String(value));
  }
  return text;
}

// Plural choice for strings given as {"one": ..., "other": ...}.
export function tn(key, count, params = {}) {
  const forms = strings[key];
  const lang = document.documentElement.lang || "fr";
  const form = typeof forms === "object" && forms !== null
    ? forms[new Intl.PluralRules(lang).select(count)] ?? forms.other
    : key;
  return form.replaceAll("%(count)s", String(count)).replace(
    /%\((\w+)\)s/g, (_m, name) => String(params[name] ?? ""));
}
