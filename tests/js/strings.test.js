// Every string key the scripts ask for is one workshop/views/js_strings.py renders:
// a key missing there would show its own name ("vote.add") on the page.
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { test } from "node:test";

const root = new URL("../../", import.meta.url);
// js_strings() spreads the features' own string modules (views/*_strings.py) into its dict.
const views = new URL("workshop/views/", root);
const bodies = readdirSync(views)
  .filter((name) => name.endsWith("_strings.py"))
  .map((name) => {
    const source = readFileSync(new URL(name, views), "utf8");
    return name === "js_strings.py" ? source.slice(source.indexOf("def js_strings(")) : source;
  });
const rendered = new Set(bodies.flatMap((body) => [...body.matchAll(/^ {8}"([a-z_.]+)":/gm)].map((m) => m[1])));

const CALL = /\b(?:t|tn|label|itemLabel|has)\(\s*"([a-z_.]+)"/g;
const TERNARY = /\b(?:t|tn)\([^()]*\?\s*"([a-z_.]+)"\s*:\s*"([a-z_.]+)"/g;

function askedFor() {
  const keys = new Map(); // key → first file asking for it
  const dir = new URL("static/js/", root);
  const scripts = readdirSync(dir, { recursive: true }).filter((n) => n.endsWith(".js"));
  for (const name of scripts) {
    const code = readFileSync(new URL(name, dir), "utf8");
    for (const match of [...code.matchAll(CALL), ...code.matchAll(TERNARY)]) {
      for (const key of match.slice(1)) if (!keys.has(key)) keys.set(key, name);
    }
  }
  return keys;
}

test("js_strings.py renders every key the scripts use", () => {
  const keys = askedFor();
  assert.ok(keys.size > 50, `only ${keys.size} keys found: the pattern no longer matches the code`);
  const missing = [...keys].filter(([key]) => !rendered.has(key)).map(([key, file]) => `${key} (${file})`);
  assert.deepEqual(missing, []);
});
