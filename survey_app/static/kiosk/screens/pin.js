// The staff PIN: checked by the server when it can be reached (it knows the current PIN), else
// against the verifier the kiosk keeps (PBKDF2); five wrong PINs lock the dialog for a minute.
import { el } from "../dom.js";
import { URLS, device } from "../device.js";
import { t } from "../i18n.js";
import { closeDialogs, openDialog } from "../screen.js";
import { showStaff } from "./staff.js";

const PIN_ATTEMPTS = 5;
const PIN_LOCK_MS = 60000;
let failures = 0;
let lockedUntil = 0;

export function askPin() {
  const input = el("input", {
    id: "pin-input", type: "password", inputmode: "numeric", autocomplete: "off",
    maxlength: "8", class: "field-pin", "aria-describedby": "pin-error",
  });
  const error = el("p", { id: "pin-error", class: "form-error", role: "alert" });
  const submit = el("button", { type: "submit", class: "button-primary button-big", form: "pin-form" }, t("pin_submit"));
  const form = el("form", {
    id: "pin-form", novalidate: true,
    onsubmit: async (event) => {
      event.preventDefault();
      submit.disabled = true;
      const verdict = await verifyPin(input.value.trim());
      submit.disabled = false;
      if (verdict === true) {
        showStaff();
      } else {
        error.textContent = verdict;
        input.value = "";
        input.focus();
      }
    },
  }, el("label", { for: "pin-input", class: "field-label" }, t("pin_label")), input, error);
  const dialog = openDialog("pin-dialog", t("pin_title"), [el("p", {}, t("pin_intro")), form], [
    el("button", { type: "button", class: "button-secondary button-big", onclick: () => closeDialogs() }, t("cancel")),
    submit,
  ]);
  input.focus();
  return dialog;
}

async function localPinCheck(pin) {
  const verifier = device.config && device.config.pin;
  if (!verifier || !crypto.subtle) return null;
  const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(pin), "PBKDF2", false, ["deriveBits"]);
  const bits = new Uint8Array(await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: bytes(verifier.salt), iterations: verifier.iterations }, key, 256));
  const expected = bytes(verifier.hash);
  let diff = bits.length ^ expected.length;
  for (let i = 0; i < Math.min(bits.length, expected.length); i += 1) diff |= bits[i] ^ expected[i];
  return diff === 0;
}

// true, or the message to show.
async function verifyPin(pin) {
  const now = Date.now();
  if (now < lockedUntil) {
    return t("pin_locked", { seconds: Math.ceil((lockedUntil - now) / 1000) });
  }
  if (!/^\d{4,8}$/.test(pin)) return t("pin_wrong");
  let accepted = null;
  if (navigator.onLine && !device.authLost) {
    // The server knows the current PIN (it may have changed since the tablet was last online).
    try {
      const reply = await device.api.request("POST", URLS.unlock, { pin }, { timeoutMs: 5000 });
      if (reply.status === 204) accepted = true;
      else if (reply.status === 403) accepted = false;
    } catch (error) {
      accepted = null;
    }
  }
  if (accepted === null) accepted = await localPinCheck(pin);
  if (accepted === null) return t("pin_unavailable");
  if (accepted) {
    failures = 0;
    return true;
  }
  failures += 1;
  if (failures >= PIN_ATTEMPTS) {
    failures = 0;
    lockedUntil = Date.now() + PIN_LOCK_MS;
    return t("pin_locked", { seconds: PIN_LOCK_MS / 1000 });
  }
  return t("pin_wrong");
}
