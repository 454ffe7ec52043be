// Close ideas while typing, as Decidim does: look before posting a duplicate. "See it"
// scrolls the wall to the close idea.
import { $, h } from "../dom.js";
import { t } from "../i18n.js";
import { Commands } from "../protocol.js";
import { highlight } from "./wall.js";

const MIN_LENGTH = 6;
const PAUSE_MS = 400; // after the last keystroke

export function mountSimilar({ input, command }) {
  let timer = null;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const text = input.value.trim();
      const box = $("#similar");
      if (text.length < MIN_LENGTH) { box.hidden = true; return; }
      const ack = await command(Commands.FIND_SIMILAR, { text });
      const found = ack.ok ? ack.data.ideas : [];
      box.hidden = found.length === 0;
      $("#similar-list").replaceChildren(...found.map((idea) => h("li", {}, idea.title, " ",
        h("button", { type: "button", class: "link", onclick: () => highlight(idea.id) }, t("grouping.see")))));
    }, PAUSE_MS);
  });
}
