// The phone's volunteer offers: "je pourrais porter ce projet", "je veux contribuer",
// "tenez-moi informé·e" on a défi or an idea, with a separate consent to be contacted
// and the contact details the participant chooses to give. Their own offers are
// listed with a way to withdraw the consent (which erases the details) or the offer.
import { $, h, show } from "./dom.js";
import { errorText } from "./errors.js";
import { Commands } from "./protocol.js";
import { label, t } from "./i18n.js";
import { formMessage } from "./phone/message.js";
import { fillPicker, itemKey, targetLabel, targets } from "./qualify.js";

export function mountVolunteer(store, command) {
  const section = $("#volunteer-section");
  if (!section) return () => {};
  const form = $("#volunteer-form");
  const picker = form.elements.target;
  const consent = form.elements.consent_contact;
  const say = formMessage(form, $("#volunteer-message"));

  consent.addEventListener("change", () => show($("#volunteer-contact"), consent.checked));

  async function send(name, payload, done) {
    const ack = await command(name, payload);
    if (ack.ok) {
      store.setMyOffers(ack.data.volunteers);
      say(done);
    } else {
      say(errorText(ack.error), "error");
    }
    return ack;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const [target, id] = picker.value.split(":");
    const kind = form.elements.kind.value;
    if (!target || !kind) {
      say(t("qualify.choose"), "error");
      return;
    }
    const payload = { target, target_id: Number(id), kind, consent_contact: consent.checked };
    if (consent.checked) {
      for (const name of ["contact_name", "contact_email", "contact_phone"]) payload[name] = form.elements[name].value;
    }
    const ack = await send(Commands.OFFER_HELP, payload, t("volunteer.offered"));
    if (ack.ok) {
      form.reset();
      show($("#volunteer-contact"), false);
    }
  });

  function offerRow(offer, items) {
    const item = items.find((i) => i.target === offer.target && i.target_id === offer.target_id);
    const ref = { target: offer.target, target_id: offer.target_id, kind: offer.kind };
    const contact = offer.contact;
    return h("li", { class: "idea", dataset: { offer: `${itemKey(offer.target, offer.target_id)}:${offer.kind}` } },
      h("p", { class: "idea__title" }, label("volunteer.kinds", offer.kind)),
      h("p", { class: "idea__description" }, item ? targetLabel(item) : "…"),
      h("p", { class: "muted small" }, contact
        ? `${t("volunteer.consented")} ${[contact.name, contact.email, contact.phone].filter(Boolean).join(" · ")}`
        : t("volunteer.not_consented")),
      h("p", { class: "idea__actions" },
        contact ? h("button", {
          type: "button", class: "button button--small", dataset: { action: "withdraw-consent" },
          onclick: () => send(Commands.OFFER_HELP, { ...ref, consent_contact: false }, t("volunteer.consent_withdrawn")),
        }, t("volunteer.withdraw_consent")) : null,
        h("button", {
          type: "button", class: "button button--small", dataset: { action: "withdraw-offer" },
          onclick: () => send(Commands.WITHDRAW_HELP, ref, t("volunteer.withdrawn")),
        }, t("action.withdraw"))));
  }

  return function render() {
    const { workshop } = store.state;
    const items = targets(store);
    const open = workshop?.status === "open";
    const mine = store.state.myOffers;
    show(section, (open && items.length > 0) || mine.length > 0);
    show(form, open && items.length > 0);
    fillPicker(picker, items);
    show($("#my-offers-block"), mine.length > 0);
    $("#my-offers").replaceChildren(...mine.map((offer) => offerRow(offer, items)));
  };
}

// The server moves or deletes offers with the défi or idea they were on (merged,
// deleted, a grouping undone): the room's facts say so, but not whose offers moved.
// A phone holding an offer on something gone asks for its own state again (`resync`:
// a rejoin brings `me`), once per set of such offers.
export function followOwnOffers(store, resync) {
  let asked = "";
  store.subscribe((what) => {
    if (what !== "grouping" && what !== "ideas") return;
    const { challenges, ideas, myOffers } = store.state;
    const gone = myOffers.filter((offer) => (offer.target === "challenge"
      ? !challenges.has(offer.target_id)
      : ideas.get(offer.target_id)?.merged_into_id != null));
    const key = gone.map((offer) => `${offer.id}:${offer.target}:${offer.target_id}`).join(",");
    if (!key || key === asked) return;
    asked = key;
    setTimeout(resync, 0); // after the fact that showed it is fully applied
  });
}
