// Inactivity: after the kiosk's timeout without a touch, a dialog counts down; when it ends the
// questionnaire is left (kept as partial or discarded, as the kiosk is set up) or the staff
// panel closes.
import { el } from "./dom.js";
import { SETTINGS, device } from "./device.js";
import { t } from "./i18n.js";
import { closeDialogs, openDialog, screenName } from "./screen.js";
import { expireQuestionnaire } from "./screens/question.js";

export const idle = {
  active: false,
  timer: null,
  warnTimer: null,
  onExpire: null,
  arm(onExpire = expireQuestionnaire) {
    this.active = true;
    this.onExpire = onExpire;
    this.touch();
  },
  disarm() {
    this.active = false;
    clearTimeout(this.timer);
    clearTimeout(this.warnTimer);
    clearInterval(this.countdown);
    this.timer = this.warnTimer = null;
  },
  touch() {
    if (!this.active || document.getElementById("idle-dialog")) return;
    clearTimeout(this.timer);
    const seconds = device.config ? device.config.settings.inactivity_timeout : 90;
    this.timer = setTimeout(() => this.warn(), seconds * 1000);
  },
  warn() {
    const seconds = SETTINGS.inactivityWarningSeconds;
    const endAt = Date.now() + seconds * 1000;
    const keep = screenName() !== "staff" && device.config && device.config.settings.keep_partial;
    const text = el("p", { id: "idle-text" });
    const update = () => {
      const left = Math.max(0, Math.ceil((endAt - Date.now()) / 1000));
      text.textContent = screenName() === "staff"
        ? t("idle_staff", { seconds: left })
        : t(keep ? "idle_keep" : "idle_discard", { seconds: left });
    };
    update();
    const dialog = openDialog("idle-dialog", t("idle_title"), [text],
      [el("button", { type: "button", class: "button-primary button-big", id: "idle-continue", onclick: () => this.resume() }, t("idle_continue"))]);
    dialog.addEventListener("cancel", (event) => { event.preventDefault(); this.resume(); });
    this.countdown = setInterval(update, 1000);
    this.warnTimer = setTimeout(() => this.expire(), seconds * 1000);
  },
  resume() {
    clearTimeout(this.warnTimer);
    clearInterval(this.countdown);
    closeDialogs();
    this.touch();
  },
  async expire() {
    clearInterval(this.countdown);
    closeDialogs();
    const handler = this.onExpire;
    this.disarm();
    if (handler) await handler();
  },
};

// Any touch, key or scroll counts as activity.
export function watchActivity() {
  for (const type of ["pointerdown", "keydown", "input", "wheel", "touchstart"]) {
    document.addEventListener(type, () => idle.touch(), { capture: true, passive: true });
  }
}
