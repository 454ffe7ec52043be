// Proposing a défi for one's own idea, when the workshop lets participants group their
// ideas (during the ideas and grouping steps, once défis exist).
import { h } from "../dom.js";
import { errorText } from "../errors.js";
import { itemLabel, t } from "../i18n.js";
import { challengesInOrder } from "../order.js";
import { Commands } from "../protocol.js";

export function canPropose(store, phase, idea) {
  const { workshop, challenges } = store.state;
  return Boolean(workshop.participants_group) && challenges.size > 0
    && ["ideas", "grouping"].includes(phase?.kind) && idea.status === "visible";
}

export function proposeControl(idea, { store, command, say }) {
  const select = h("select", { "aria-label": itemLabel("grouping.place", idea.title) },
    h("option", { value: "" }, t("grouping.place")),
    challengesInOrder(store).map((c) => h("option", { value: c.id, selected: c.id === idea.challenge_id }, c.title)));
  select.addEventListener("change", async () => {
    if (!select.value) return;
    const ack = await command(Commands.PROPOSE_CHALLENGE, { idea_id: idea.id, challenge_id: Number(select.value) });
    if (!ack.ok) say(errorText(ack.error), "error");
  });
  return select;
}
