// The staff PIN: checked by the server when it can be reached (it knows the current PIN and
// counts wrong PINs for every worker: it answers 429 while the kiosk is locked out), else
// against the verifier the kiosk keeps, for as long after the last contact as the server
// allows. Wrong PINs lock the dialog for the server's growing delay (pin_rules.js).
import { el } from "../dom.js";
import { URLS, device, noteContact } from "../device.js";
import { t } from "../i18n.js";
import { lockMs, offlineState, pinRule, pinShapeOk, verifierAccepts, withoutVerifier } from "../pin_rules.js";
import { closeDialogs, openDialog } from "../screen.js";
import { showStaff } from "./staff.js";

// Kept in IndexedDB, so that reloading the page does not clear a lockout.
let lock = null;

async function loadLock() {
  if (lock === null) lock = (await device.store.get("pinLock")) || { failures: 0, lockedUntil: 0 };
  return lock;
}

async function saveLock(failures, lockedUntil) {
  lock = { failures, lockedUntil };
  await device.store.set("pinLock", lock);
}

export function askPin() {
  const rule = pinRule(device.config);
  const input = el("input", {
    id: "pin-input", type: "password", inputmode: "numeric", autocomplete: "off",
    class: "field-pin", "aria-describedby": "pin-error",
    ...(rule ? { maxlength: String(rule.max_length) } : {}),
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

function lockedMessage(ms) {
  const seconds = Math.ceil(ms / 1000);
  return seconds >= 120 ? t("pin_locked_minutes", { minutes: Math.ceil(seconds / 60) }) : t("pin_locked", { seconds });
}

// The server's verdict: true, false, { retryAfter } when locked out, or null when unreachable.
async function askServer(pin) {
  if (!navigator.onLine || device.authLost) return null;
  try {
    const reply = await device.api.request("POST", URLS.unlock, { pin }, { timeoutMs: 5000 });
    if (reply.status === 204 || reply.status === 403 || reply.status === 429) noteContact();
    if (reply.status === 204) return true;
    if (reply.status === 403) return false;
    if (reply.status === 429) return { retryAfter: Number(reply.data && reply.data.retry_after) || 60 };
  } catch (error) {
    // Unreachable: the tablet checks the PIN itself.
  }
  return null;
}

// Offline: the kept verifier, while it may still be used; an expired one is deleted.
async function askTablet(pin) {
  const rule = pinRule(device.config);
  const state = offlineState(rule, device.lastContact, Date.now());
  if (state === "expired") {
    device.config = withoutVerifier(device.config);
    await device.store.set("config", device.config);
    return t("pin_offline_expired");
  }
  if (state !== "usable" || !crypto.subtle) return t("pin_unavailable");
  return verifierAccepts(crypto.subtle, rule.offline, pin);
}

// true, or the message to show.
async function verifyPin(pin) {
  const { failures, lockedUntil } = await loadLock();
  const now = Date.now();
  if (now < lockedUntil) return lockedMessage(lockedUntil - now);
  const rule = pinRule(device.config);
  if (!pinShapeOk(rule, pin)) return t("pin_wrong");
  let accepted = await askServer(pin);
  if (accepted && accepted.retryAfter) {
    await saveLock(failures, Date.now() + accepted.retryAfter * 1000);
    return lockedMessage(accepted.retryAfter * 1000);
  }
  if (accepted === null) accepted = await askTablet(pin);
  if (typeof accepted === "string") return accepted;
  if (accepted) {
    await saveLock(0, 0);
    return true;
  }
  const wait = lockMs(rule, failures + 1);
  await saveLock(failures + 1, wait ? Date.now() + wait : 0);
  return wait ? lockedMessage(wait) : t("pin_wrong");
}
