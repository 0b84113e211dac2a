// Enrollment (once per tablet: a code for a device token), and the screen shown when the
// browser cannot run the kiosk at all.
import { el } from "../dom.js";
import { enroll } from "../device.js";
import { t } from "../i18n.js";
import { show } from "../screen.js";

export function showFatal(message) {
  show("fatal", t("fatal_title"),
    el("h1", {}, t("fatal_title")),
    el("p", {}, message));
}

export function showEnroll(message) {
  const input = el("input", {
    id: "enroll-code", type: "text", autocomplete: "off", autocapitalize: "characters",
    spellcheck: "false", class: "field-code", "aria-describedby": "enroll-hint enroll-error",
  });
  const error = el("p", { id: "enroll-error", class: "form-error", role: "alert" }, message || "");
  const button = el("button", { type: "submit", class: "button-primary button-big" }, t("enroll_submit"));
  const form = el("form", {
    class: "enroll-form", novalidate: true,
    onsubmit: async (event) => {
      event.preventDefault();
      if (!input.value.trim()) {
        error.textContent = t("enroll_missing");
        input.focus();
        return;
      }
      button.disabled = true;
      error.textContent = t("enroll_working");
      const problemText = await enroll(input.value);
      button.disabled = false;
      if (problemText) {
        error.textContent = problemText;
        input.focus();
      }
    },
  },
  el("label", { for: "enroll-code", class: "field-label" }, t("enroll_label")),
  el("p", { id: "enroll-hint", class: "q-hint" }, t("enroll_hint")),
  input, error, button);
  show("enroll", t("enroll_title"),
    el("h1", {}, t("enroll_title")),
    el("p", { class: "lead" }, t("enroll_intro")),
    form);
}
