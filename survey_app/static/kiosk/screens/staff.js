// The staff panel (behind the PIN): the kiosk's figures, sync now, the queue saved to a file or
// imported from one, re-enrollment, and the way out of kiosk mode.
import { el } from "../dom.js";
import { SETTINGS, URLS, device, enroll, refreshBacklog } from "../device.js";
import { formatTime, t } from "../i18n.js";
import { idle } from "../idle.js";
import { closeDialogs, enterFullscreen, show } from "../screen.js";
import { showWelcome } from "./welcome.js";


function figure(label, value, key) {
  return [el("dt", {}, label), el("dd", { "data-figure": key }, value)];
}

function staffFigures() {
  const config = device.config || {};
  const lastSync = device.syncer && device.syncer.lastSuccess ? formatTime(device.syncer.lastSuccess) : t("never");
  const persisted = device.persisted === null ? t("unknown") : device.persisted ? t("yes") : t("no");
  return [
    ...figure(t("figure_kiosk"), config.kiosk ? config.kiosk.name : "—", "kiosk"),
    ...figure(t("figure_site"), config.site || "—", "site"),
    ...figure(t("figure_connection"), navigator.onLine ? t("status_online") : t("status_offline"), "connection"),
    ...figure(t("figure_backlog"), String(device.backlog), "backlog"),
    ...figure(t("figure_rejected"), String(device.rejected), "rejected"),
    ...figure(t("figure_last_sync"), lastSync, "last-sync"),
    ...figure(t("figure_persistent"), persisted, "persistent"),
    ...figure(t("figure_version"), SETTINGS.appVersion, "version"),
  ];
}

export function updateStaffFigures() {
  const list = document.getElementById("staff-figures");
  if (list) list.replaceChildren(...staffFigures());
}

export function showStaff(message) {
  closeDialogs();
  if (document.fullscreenElement && document.exitFullscreen) document.exitFullscreen().catch(() => {});
  const note = el("p", { id: "staff-message", class: "staff-message", role: "status" }, message || "");
  const say = (text) => { note.textContent = text; };

  const fileInput = el("input", { type: "file", id: "queue-file", accept: ".json,application/json", class: "field-file" });
  fileInput.addEventListener("change", async () => {
    const file = fileInput.files && fileInput.files[0];
    if (!file) return;
    say(await importQueueFile(file));
    fileInput.value = "";
  });

  const code = el("input", { id: "reenroll-code", type: "text", autocomplete: "off", autocapitalize: "characters", class: "field-code" });
  const reenroll = el("form", {
    class: "staff-form", novalidate: true,
    onsubmit: async (event) => {
      event.preventDefault();
      if (!code.value.trim()) { say(t("enroll_missing")); return; }
      say(t("enroll_working"));
      const problemText = await enroll(code.value);
      if (problemText) say(problemText);
    },
  },
  el("label", { for: "reenroll-code", class: "field-label" }, t("enroll_label")),
  code,
  el("button", { type: "submit", class: "button-secondary button-big" }, t("enroll_submit")));

  show("staff", t("staff_title"),
    el("h1", {}, t("staff_title")),
    device.authLost ? el("p", { class: "notice notice-warning" }, t("auth_lost_help")) : null,
    el("dl", { class: "figures", id: "staff-figures" }, staffFigures()),
    device.rejected > 0 ? el("p", { class: "notice notice-warning" }, t("rejected_help")) : null,
    note,
    el("div", { class: "staff-actions" },
      el("button", { type: "button", class: "button-primary button-big", id: "resume-kiosk", onclick: () => { enterFullscreen(); showWelcome(); } }, t("resume_kiosk")),
      el("button", { type: "button", class: "button-secondary button-big", id: "sync-now", onclick: async () => {
        await device.store.retryRejected();
        if (device.authLost) { say(t("auth_lost_help")); return; }
        device.syncer.kick({ resetBackoff: true });
        say(t("sync_started"));
      } }, t("sync_now")),
      el("button", { type: "button", class: "button-secondary button-big", id: "save-queue", onclick: async () => say(await saveQueueFile()) }, t("save_queue"))),
    el("h2", {}, t("import_title")),
    el("p", {}, t("import_help")),
    el("label", { for: "queue-file", class: "field-label" }, t("import_label")),
    fileInput,
    el("h2", {}, t("reenroll_title")),
    el("p", {}, t("reenroll_help")),
    reenroll,
    el("h2", {}, t("leave_title")),
    el("p", {}, t("leave_help")),
    el("p", {}, el("a", { href: URLS.exit, class: "button-link" }, t("leave_kiosk"))));
  idle.arm(async () => showWelcome());
}

function slug(text) {
  return (text || "kiosk").normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[^A-Za-z0-9]+/g, "-").replace(/^-|-$/g, "").toLowerCase();
}

// The last resort: the whole queue in a file that `flask responses import` and the batch
// endpoint accept. Saving does not empty the queue: records leave it only when the server
// confirms them, and a response imported from the file is recognised when it syncs later.
async function saveQueueFile() {
  const records = await device.store.queued();
  const config = device.config || {};
  const now = new Date();
  const data = {
    format: "servir-kiosk-queue",
    version: 1,
    kiosk: config.kiosk ? { ...config.kiosk, site: config.site } : null,
    app_version: SETTINGS.appVersion,
    exported_at: now.toISOString(),
    responses: records.map((r) => r.payload),
    rejected: records.filter((r) => r.state === "rejected").map((r) => ({ submission_id: r.submission_id, error: r.error })),
  };
  const blob = new Blob([JSON.stringify(data, null, 1)], { type: "application/json" });
  const url = URL.createObjectURL(blob);
  const stamp = now.toISOString().slice(0, 16).replace(/[-:]/g, "").replace("T", "-");
  const link = el("a", { href: url, download: `servir-${slug(config.kiosk && config.kiosk.name)}-${stamp}.json`, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  return t("queue_saved", { count: records.length });
}

async function importQueueFile(file) {
  let data;
  try {
    data = JSON.parse(await file.text());
  } catch (error) {
    return t("import_invalid");
  }
  const items = data && Array.isArray(data.responses) ? data.responses : null;
  if (!items || !items.every((r) => r && typeof r === "object" && typeof r.submission_id === "string" && typeof r.questionnaire === "string")) {
    return t("import_invalid");
  }
  const added = await device.store.enqueue(items);
  await refreshBacklog();
  if (!device.authLost) device.syncer.kick({ resetBackoff: true });
  return t("import_done", { added, total: items.length });
}
