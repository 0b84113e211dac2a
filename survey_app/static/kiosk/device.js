// The tablet: its durable state (token, settings, questionnaires, from IndexedDB), the queue's
// figures, and its conversations with the server other than sending responses (enrollment,
// settings and questionnaires, heartbeats). The synchroniser (sync.js) sends the queue.
import { t } from "./i18n.js";
import { renderStatus, screenName } from "./screen.js";
import { showStaff, updateStaffFigures } from "./screens/staff.js";
import { showWelcome } from "./screens/welcome.js";

export const SETTINGS = JSON.parse(document.getElementById("kiosk-settings").textContent);
export const URLS = SETTINGS.urls;

export const device = {
  store: null,
  api: null,
  syncer: null,
  token: null,
  config: null,
  definitions: {},
  authLost: false,
  persisted: null,
  backlog: 0,
  rejected: 0,
};

// The questionnaires this kiosk offers and has a definition for.
export function offered() {
  if (!device.config) return [];
  return device.config.questionnaires.filter((id) => device.definitions[id]);
}

export async function refreshBacklog() {
  if (!device.store) return;
  const records = await device.store.queued();
  device.backlog = records.length;
  device.rejected = records.filter((r) => r.state === "rejected").length;
  renderStatus();
  if (screenName() === "staff") updateStaffFigures();
}

// Exchange a code for a device token; returns an error message, or null on success.
export async function enroll(code) {
  let reply;
  try {
    reply = await device.api.request("POST", URLS.enroll, { code }, { token: null });
  } catch (error) {
    return t("enroll_network");
  }
  if (reply.status === 403 || reply.status === 400) return t("enroll_refused");
  if (reply.status !== 201) return t("enroll_network");
  const { token, ...config } = reply.data;
  const definitions = await fetchDefinitions(config.questionnaires, {});
  await device.store.setMany({ token, config, definitions, authLost: false });
  device.token = token;
  device.config = config;
  device.definitions = definitions;
  device.authLost = false;
  await requestPersistence();
  startBackground();
  showWelcome();
  return null;
}

async function fetchDefinitions(ids, previous) {
  const result = {};
  for (const id of ids) {
    try {
      const reply = await device.api.request("GET", device.api.questionnaireUrl(id), undefined, { token: null, timeoutMs: 10000 });
      if (reply.status === 200) result[id] = reply.data;
      else if (reply.status !== 404 && previous[id]) result[id] = previous[id];
    } catch (error) {
      if (previous[id]) result[id] = previous[id];
    }
  }
  return result;
}

export async function refreshFromServer() {
  if (!device.token || device.authLost) return;
  let reply;
  try {
    reply = await device.api.request("GET", URLS.me, undefined, { timeoutMs: 10000 });
  } catch (error) {
    return;
  }
  if (reply.status === 401) {
    await authLost();
    return;
  }
  if (reply.status !== 200) return;
  const config = reply.data;
  const definitions = await fetchDefinitions(config.questionnaires, device.definitions);
  await device.store.setMany({ config, definitions });
  device.config = config;
  device.definitions = definitions;
  // Show the new list at once, unless staff are typing their PIN over the welcome screen.
  if (screenName() === "welcome" && !document.querySelector("dialog.kiosk-dialog")) {
    showWelcome({ keepLanguage: true });
  }
}

export async function heartbeat() {
  if (!device.token || device.authLost) return;
  await refreshBacklog();
  try {
    const reply = await device.api.request("POST", URLS.heartbeat,
      { backlog: device.backlog, app_version: SETTINGS.appVersion }, { timeoutMs: 10000 });
    if (reply.status === 401) await authLost();
  } catch (error) {
    // Offline: the next beat will tell.
  }
}

export async function authLost() {
  device.authLost = true;
  await device.store.set("authLost", true);
  device.syncer.pause();
  renderStatus();
  if (screenName() === "staff") showStaff();
}

let backgroundStarted = false;
let beats = 0;
export function startBackground() {
  device.syncer.resume();
  if (backgroundStarted) return;
  backgroundStarted = true;
  heartbeat();
  setInterval(() => {
    beats += 1;
    heartbeat();
    // Settings and questionnaires: every fifth beat, never in the middle of a questionnaire.
    if (beats % 5 === 0 && screenName() === "welcome") refreshFromServer();
  }, SETTINGS.heartbeatSeconds * 1000);
}

let beatSoon = null;
let savedSync = null;
// The synchroniser's onChange: keep the last success, the figures, and tell the server soon.
export function onSyncChange() {
  const last = device.syncer.lastSuccess;
  if (last && last !== savedSync) {
    savedSync = last;
    device.store.set("lastSync", last).catch(() => {});
  }
  refreshBacklog().then(() => {
    // Tell the server soon after the backlog changed (debounced).
    if (beatSoon) clearTimeout(beatSoon);
    beatSoon = setTimeout(() => { beatSoon = null; heartbeat(); }, 1000);
  });
}

export function restoreLastSync(lastSync) {
  device.syncer.lastSuccess = lastSync || null;
  savedSync = device.syncer.lastSuccess;
}

export async function requestPersistence() {
  if (!navigator.storage || !navigator.storage.persist) return;
  try {
    device.persisted = (await navigator.storage.persisted()) || (await navigator.storage.persist());
  } catch (error) {
    device.persisted = false;
  }
}
