// What every screen shares: showing a screen (title, language, focus on its heading), the bar
// and the status line, the timers that belong to the screen shown, and the modal dialogs.
import { el } from "./dom.js";
import { device } from "./device.js";
import { lang, languageName, t } from "./i18n.js";

const timers = new Set();
let shown = null;

// The name of the screen shown ("welcome", "question", "thanks", "staff", "enroll", "fatal").
export function screenName() {
  return shown;
}

export const main = () => document.getElementById("screen");

export function later(fn, ms) {
  const id = setTimeout(() => {
    timers.delete(id);
    fn();
  }, ms);
  timers.add(id);
  return id;
}

export function every(fn, ms) {
  const id = setInterval(fn, ms);
  timers.add(id);
  return id;
}

export function stopTimer(id) {
  clearInterval(id);
  timers.delete(id);
}

function clearScreenTimers() {
  for (const id of timers) {
    clearTimeout(id);
    clearInterval(id);
  }
  timers.clear();
}

export function show(name, title, ...children) {
  clearScreenTimers();
  closeDialogs();
  shown = name;
  document.documentElement.lang = lang();
  document.title = `${title} — ${t("app_name")}`;
  document.body.dataset.screen = name;
  const screen = main();
  screen.replaceChildren(...children.flat().filter(Boolean));
  renderBar();
  renderStatus();
  const heading = screen.querySelector("h1");
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus({ preventScroll: false });
  }
  window.scrollTo(0, 0);
}

export function renderBar() {
  const toggle = document.getElementById("lang-toggle");
  const other = lang() === "fr" ? "en" : "fr";
  toggle.textContent = languageName(other);
  toggle.setAttribute("lang", other);
  toggle.hidden = shown === "fatal";
  const staff = document.getElementById("staff-button");
  staff.textContent = t("staff_button");
  // Citizens answering are not offered a way out; staff use it from the welcome screen.
  staff.hidden = !["welcome", "enroll"].includes(shown) || !device.token;
  document.getElementById("brand").textContent = t("app_name");
  document.getElementById("brand-sub").textContent = t("app_tagline");
}

export function renderStatus() {
  const status = document.getElementById("kiosk-status");
  const online = navigator.onLine;
  status.dataset.online = String(online);
  status.dataset.backlog = String(device.backlog);
  status.dataset.rejected = String(device.rejected);
  status.dataset.authLost = String(device.authLost);
  const parts = [online ? t("status_online") : t("status_offline"), t("status_backlog", { count: device.backlog })];
  if (device.authLost) parts.push(t("status_auth_lost"));
  status.textContent = parts.join(" · ");
  status.classList.toggle("status-warning", !online || device.authLost);
}

export function openDialog(id, title, body, actions) {
  closeDialogs();
  const dialog = el("dialog", { id, class: "kiosk-dialog", "aria-labelledby": `${id}-title` },
    el("h2", { id: `${id}-title` }, title),
    ...body,
    el("div", { class: "dialog-actions" }, actions));
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

export function closeDialogs() {
  for (const dialog of document.querySelectorAll("dialog.kiosk-dialog")) {
    if (dialog.open) dialog.close();
    dialog.remove();
  }
}

export function enterFullscreen() {
  const root = document.documentElement;
  if (!document.fullscreenElement && root.requestFullscreen) {
    root.requestFullscreen({ navigationUI: "hide" }).catch(() => {});
  }
}
