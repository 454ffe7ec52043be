// Withdrawing one's own idea: after a confirmation, everybody stops seeing it.
import { h } from "../dom.js";
import { errorText } from "../errors.js";
import { t } from "../i18n.js";
import { Commands } from "../protocol.js";

export function withdrawButton(idea, { command, say }) {
  const withdraw = async () => {
    if (!window.confirm(t("idea.confirm_withdraw"))) return;
    const ack = await command(Commands.WITHDRAW_IDEA, { idea_id: idea.id });
    say(ack.ok ? t("idea.withdrawn") : errorText(ack.error), ack.ok ? "ok" : "error");
  };
  return h("button", { type: "button", class: "button button--small", onclick: withdraw }, t("action.withdraw"));
}
