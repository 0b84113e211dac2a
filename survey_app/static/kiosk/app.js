// Servir's kiosk: a touch-first questionnaire for service counters that works offline.
//
// Screens: enrollment (once), welcome, one question per page, thank-you, and the staff panel
// (behind the staff PIN), one module each under screens/. Each response gets a UUID when it
// starts; its answers are kept in IndexedDB (store.js) as a draft while the citizen answers,
// and in the queue once finished; the synchroniser (sync.js) empties the queue through the
// batch endpoint when it can. This module starts the kiosk and keeps it in kiosk mode.
import {
  SETTINGS, URLS, authLost, device, heartbeat, onSyncChange, refreshBacklog, refreshFromServer,
  requestPersistence, restoreLastSync, startBackground,
} from "./device.js";
import { lang, setLang, t } from "./i18n.js";
import { watchActivity } from "./idle.js";
import { renderBar, renderStatus, screenName } from "./screen.js";
import { showEnroll, showFatal } from "./screens/enroll.js";
import { askPin } from "./screens/pin.js";
import {
  answering, keepCurrentAnswer, recoverDraft, restoreLastSubmit, showCurrentQuestion, showThanks,
} from "./screens/question.js";
import { showStaff } from "./screens/staff.js";
import { showWelcome } from "./screens/welcome.js";
import { Store } from "./store.js";
import { Api, Syncer } from "./sync.js";

function holdNavigation() {
  // The back gesture or button lands on this same page.
  history.pushState({ kiosk: true }, "", location.href);
  window.addEventListener("popstate", () => history.pushState({ kiosk: true }, "", location.href));
  document.addEventListener("contextmenu", (event) => event.preventDefault());
}

function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  const hadController = Boolean(navigator.serviceWorker.controller);
  navigator.serviceWorker.register(`${URLS.sw}?v=${SETTINGS.assetVersion}`, { scope: URLS.scope })
    .catch(() => {});
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    // A new version took over: reload between citizens to run it.
    if (hadController && screenName() === "welcome" && !answering()) location.reload();
  });
}

// The screen shown again, in the other language.
function rerender() {
  switch (screenName()) {
    case "welcome": showWelcome({ keepLanguage: true }); break;
    case "question": showCurrentQuestion(); break;
    case "thanks": showThanks(); break;
    case "staff": showStaff(); break;
    case "enroll": showEnroll(); break;
    default: renderBar(); renderStatus();
  }
}

async function boot() {
  document.getElementById("lang-toggle").addEventListener("click", () => {
    if (screenName() === "question") keepCurrentAnswer();
    setLang(lang() === "fr" ? "en" : "fr");
    rerender();
  });
  document.getElementById("staff-button").addEventListener("click", () => askPin());
  window.addEventListener("online", () => {
    renderStatus();
    if (device.token && !device.authLost) {
      device.syncer.kick({ resetBackoff: true });
      heartbeat();
      if (screenName() === "welcome") refreshFromServer();
    }
  });
  window.addEventListener("offline", () => renderStatus());

  if (!window.isSecureContext || !window.indexedDB || !window.crypto || !crypto.randomUUID) {
    showFatal(t("fatal_secure"));
    return;
  }
  try {
    device.store = await Store.open();
  } catch (error) {
    showFatal(t("fatal_storage"));
    return;
  }
  registerServiceWorker();
  holdNavigation();
  const [token, config, definitions, lastSubmitAt, lost, lastSync] = await Promise.all(
    ["token", "config", "definitions", "lastSubmitAt", "authLost", "lastSync"].map((key) => device.store.get(key)));
  device.token = token || null;
  device.config = config || null;
  device.definitions = definitions || {};
  restoreLastSubmit(lastSubmitAt);
  device.authLost = Boolean(lost);
  device.api = new Api(URLS, () => device.token);
  device.syncer = new Syncer({
    store: device.store,
    api: device.api,
    batchSize: SETTINGS.batchSize,
    backoffMs: SETTINGS.backoffMs,
    onChange: onSyncChange,
    onAuthLost: () => authLost(),
  });
  device.syncer.pause();
  restoreLastSync(lastSync);
  await refreshBacklog();
  if (!device.token || !device.config) {
    showEnroll();
    return;
  }
  await recoverDraft();
  showWelcome();
  await requestPersistence();
  await device.store.retryRejected();
  if (!device.authLost) startBackground();
  refreshFromServer();
}

watchActivity();
window.servirKiosk = { ready: boot() };
