// The welcome screen: the questionnaire offered (or the list to choose from), and the short
// wait imposed between two responses.
import { el } from "../dom.js";
import { device, offered } from "../device.js";
import { localized, setLang, t } from "../i18n.js";
import { idle } from "../idle.js";
import { every, show, stopTimer } from "../screen.js";
import { start, waitRemaining } from "./question.js";

export function showWelcome({ keepLanguage = false } = {}) {
  idle.disarm();
  if (!keepLanguage) setLang("fr");  // each citizen starts in French, the default
  const ids = offered();
  const wait = el("p", { id: "wait-message", class: "wait-message", "aria-live": "polite" });
  const buttons = [];
  let body;
  if (ids.length === 0) {
    body = el("p", { class: "notice" }, t("no_questionnaire"));
  } else if (ids.length === 1) {
    const definition = device.definitions[ids[0]];
    const button = el("button", { type: "button", class: "button-primary button-huge", "data-questionnaire": ids[0], onclick: () => start(ids[0]) }, t("start"));
    buttons.push(button);
    body = el("div", { class: "welcome-one" },
      el("div", { class: "commitment-box" },
        el("p", { class: "commitment-title" }, localized(definition.title)),
        definition.commitment && definition.commitment.norm && localized(definition.commitment.norm)
          ? el("p", {}, el("strong", {}, t("our_commitment")), " ", localized(definition.commitment.norm)) : null),
      definition.intro ? el("p", { class: "lead" }, localized(definition.intro)) : null,
      button);
  } else {
    body = el("div", {},
      el("h2", {}, t("choose_service")),
      el("ul", { class: "service-list" }, ids.map((id) => {
        const definition = device.definitions[id];
        const button = el("button", { type: "button", class: "button-service", "data-questionnaire": id, onclick: () => start(id) },
          el("span", { class: "service-title" }, localized(definition.title)),
          definition.commitment ? el("span", { class: "service-norm" }, localized(definition.commitment.title)) : null);
        buttons.push(button);
        return el("li", {}, button);
      })));
  }
  show("welcome", t("welcome_title"),
    el("h1", {}, t("welcome_title")),
    el("p", { class: "lead" }, t("welcome_intro")),
    body, wait);
  const update = () => {
    const remaining = waitRemaining();
    for (const button of buttons) button.disabled = remaining > 0;
    wait.textContent = remaining > 0 ? t("wait_seconds", { seconds: Math.ceil(remaining / 1000) }) : "";
    return remaining;
  };
  if (update() > 0) {
    const id = every(() => {
      if (update() <= 0) stopTimer(id);
    }, 250);
  }
}
