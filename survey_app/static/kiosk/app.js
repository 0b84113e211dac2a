// Servir's kiosk: a touch-first questionnaire for service counters that works offline.
//
// Screens: enrollment (once), welcome, one question per page, thank-you, and the staff panel
// (behind the staff PIN). Each response gets a UUID when it starts; its answers are kept in
// IndexedDB as a draft while the citizen answers, and in the queue once finished; the
// synchroniser (sync.js) empties the queue through the batch endpoint when it can.
import { Store } from "./store.js";
import { Api, NetworkError, Syncer } from "./sync.js";
import { cleanAnswers, el, problem, renderQuestion, visibleQuestions } from "./questions.js";

const STRINGS = JSON.parse(document.getElementById("kiosk-strings").textContent);
const SETTINGS = JSON.parse(document.getElementById("kiosk-settings").textContent);
const URLS = SETTINGS.urls;
const PIN_ATTEMPTS = 5;
const PIN_LOCK_MS = 60000;

const state = {
  lang: "fr",
  store: null,
  api: null,
  syncer: null,
  token: null,
  config: null,
  definitions: {},
  activeDefinition: null,
  draft: null,
  screen: null,
  lastSubmitAt: 0,
  authLost: false,
  persisted: null,
  backlog: 0,
  rejected: 0,
  busy: false,
  pinFailures: 0,
  pinLockedUntil: 0,
  beats: 0,
  timers: new Set(),
};

// --- strings -----------------------------------------------------------------------------------

function t(key, params = {}) {
  const table = STRINGS[state.lang] || STRINGS.fr;
  const text = table[key] ?? STRINGS.fr[key] ?? key;
  return text.replace(/%\((\w+)\)[sd]/g, (match, name) => (name in params ? String(params[name]) : match));
}

function localized(text) {
  if (!text) return "";
  if (typeof text === "string") return text;
  return text[state.lang] || text.fr || "";
}

function formatTime(ms) {
  return new Intl.DateTimeFormat(state.lang === "en" ? "en-CA" : "fr-CA", {
    dateStyle: "short", timeStyle: "short",
  }).format(new Date(ms));
}

// --- timers that belong to the current screen ----------------------------------------------------

function later(fn, ms) {
  const id = setTimeout(() => {
    state.timers.delete(id);
    fn();
  }, ms);
  state.timers.add(id);
  return id;
}

function every(fn, ms) {
  const id = setInterval(fn, ms);
  state.timers.add(id);
  return id;
}

function clearScreenTimers() {
  for (const id of state.timers) {
    clearTimeout(id);
    clearInterval(id);
  }
  state.timers.clear();
}

// --- screens ------------------------------------------------------------------------------------

const main = () => document.getElementById("screen");

function show(name, title, ...children) {
  clearScreenTimers();
  closeDialogs();
  state.screen = name;
  document.documentElement.lang = state.lang;
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

function renderBar() {
  const toggle = document.getElementById("lang-toggle");
  const other = state.lang === "fr" ? "en" : "fr";
  toggle.textContent = STRINGS[other].language_name;
  toggle.setAttribute("lang", other);
  toggle.hidden = state.screen === "fatal";
  const staff = document.getElementById("staff-button");
  staff.textContent = t("staff_button");
  // Citizens answering are not offered a way out; staff use it from the welcome screen.
  staff.hidden = !["welcome", "enroll"].includes(state.screen) || !state.token;
  document.getElementById("brand").textContent = t("app_name");
  document.getElementById("brand-sub").textContent = t("app_tagline");
}

function renderStatus() {
  const status = document.getElementById("kiosk-status");
  const online = navigator.onLine;
  status.dataset.online = String(online);
  status.dataset.backlog = String(state.backlog);
  status.dataset.rejected = String(state.rejected);
  status.dataset.authLost = String(state.authLost);
  const parts = [online ? t("status_online") : t("status_offline"), t("status_backlog", { count: state.backlog })];
  if (state.authLost) parts.push(t("status_auth_lost"));
  status.textContent = parts.join(" · ");
  status.classList.toggle("status-warning", !online || state.authLost);
}

async function refreshBacklog() {
  if (!state.store) return;
  const records = await state.store.queued();
  state.backlog = records.length;
  state.rejected = records.filter((r) => r.state === "rejected").length;
  renderStatus();
  if (state.screen === "staff") updateStaffFigures();
}

// --- fatal: the browser cannot run the kiosk -------------------------------------------------------

function showFatal(message) {
  show("fatal", t("fatal_title"),
    el("h1", {}, t("fatal_title")),
    el("p", {}, message));
}

// --- enrollment ---------------------------------------------------------------------------------

function showEnroll(message) {
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

// Exchange a code for a device token; returns an error message, or null on success.
async function enroll(code) {
  let reply;
  try {
    reply = await state.api.request("POST", URLS.enroll, { code }, { token: null });
  } catch (error) {
    return t("enroll_network");
  }
  if (reply.status === 403 || reply.status === 400) return t("enroll_refused");
  if (reply.status !== 201) return t("enroll_network");
  const { token, ...config } = reply.data;
  const definitions = await fetchDefinitions(config.questionnaires, {});
  await state.store.setMany({ token, config, definitions, authLost: false });
  state.token = token;
  state.config = config;
  state.definitions = definitions;
  state.authLost = false;
  await requestPersistence();
  startBackground();
  showWelcome();
  return null;
}

// --- talking to the server -----------------------------------------------------------------------

async function fetchDefinitions(ids, previous) {
  const result = {};
  for (const id of ids) {
    try {
      const reply = await state.api.request("GET", state.api.questionnaireUrl(id), undefined, { token: null, timeoutMs: 10000 });
      if (reply.status === 200) result[id] = reply.data;
      else if (reply.status !== 404 && previous[id]) result[id] = previous[id];
    } catch (error) {
      if (previous[id]) result[id] = previous[id];
    }
  }
  return result;
}

async function refreshFromServer() {
  if (!state.token || state.authLost) return;
  let reply;
  try {
    reply = await state.api.request("GET", URLS.me, undefined, { timeoutMs: 10000 });
  } catch (error) {
    return;
  }
  if (reply.status === 401) {
    await authLost();
    return;
  }
  if (reply.status !== 200) return;
  const config = reply.data;
  const definitions = await fetchDefinitions(config.questionnaires, state.definitions);
  await state.store.setMany({ config, definitions });
  state.config = config;
  state.definitions = definitions;
  // Show the new list at once, unless staff are typing their PIN over the welcome screen.
  if (state.screen === "welcome" && !document.querySelector("dialog.kiosk-dialog")) {
    showWelcome({ keepLanguage: true });
  }
}

async function heartbeat() {
  if (!state.token || state.authLost) return;
  await refreshBacklog();
  try {
    const reply = await state.api.request("POST", URLS.heartbeat,
      { backlog: state.backlog, app_version: SETTINGS.appVersion }, { timeoutMs: 10000 });
    if (reply.status === 401) await authLost();
  } catch (error) {
    // Offline: the next beat will tell.
  }
}

async function authLost() {
  state.authLost = true;
  await state.store.set("authLost", true);
  state.syncer.pause();
  renderStatus();
  if (state.screen === "staff") showStaff();
}

let backgroundStarted = false;
function startBackground() {
  state.syncer.resume();
  if (backgroundStarted) return;
  backgroundStarted = true;
  heartbeat();
  setInterval(() => {
    state.beats += 1;
    heartbeat();
    // Settings and questionnaires: every fifth beat, never in the middle of a questionnaire.
    if (state.beats % 5 === 0 && state.screen === "welcome") refreshFromServer();
  }, SETTINGS.heartbeatSeconds * 1000);
}

let beatSoon = null;
let savedSync = null;
function onSyncChange() {
  const last = state.syncer.lastSuccess;
  if (last && last !== savedSync) {
    savedSync = last;
    state.store.set("lastSync", last).catch(() => {});
  }
  refreshBacklog().then(() => {
    // Tell the server soon after the backlog changed (debounced).
    if (beatSoon) clearTimeout(beatSoon);
    beatSoon = setTimeout(() => { beatSoon = null; heartbeat(); }, 1000);
  });
}

async function requestPersistence() {
  if (!navigator.storage || !navigator.storage.persist) return;
  try {
    state.persisted = (await navigator.storage.persisted()) || (await navigator.storage.persist());
  } catch (error) {
    state.persisted = false;
  }
}

// --- welcome ------------------------------------------------------------------------------------

function offered() {
  if (!state.config) return [];
  return state.config.questionnaires.filter((id) => state.definitions[id]);
}

function waitRemaining() {
  const interval = state.config ? state.config.settings.min_interval * 1000 : 0;
  // Never more than the interval, even if the tablet's clock went back in time.
  return Math.min(interval, Math.max(0, state.lastSubmitAt + interval - Date.now()));
}

function showWelcome({ keepLanguage = false } = {}) {
  idle.disarm();
  if (!keepLanguage) state.lang = "fr";  // each citizen starts in French, the default
  const ids = offered();
  const wait = el("p", { id: "wait-message", class: "wait-message", "aria-live": "polite" });
  const buttons = [];
  let body;
  if (ids.length === 0) {
    body = el("p", { class: "notice" }, t("no_questionnaire"));
  } else if (ids.length === 1) {
    const definition = state.definitions[ids[0]];
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
        const definition = state.definitions[id];
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
      if (update() <= 0) {
        clearInterval(id);
        state.timers.delete(id);
      }
    }, 250);
  }
}

function enterFullscreen() {
  const root = document.documentElement;
  if (!document.fullscreenElement && root.requestFullscreen) {
    root.requestFullscreen({ navigationUI: "hide" }).catch(() => {});
  }
}

// --- answering ------------------------------------------------------------------------------------

async function start(id) {
  if (waitRemaining() > 0 || state.busy) return;
  enterFullscreen();
  const definition = state.definitions[id];
  state.activeDefinition = definition;
  state.draft = {
    submission_id: crypto.randomUUID(),
    questionnaire: id,
    version: definition.version,
    answers: {},
    page: 0,
    started_at: Date.now(),
  };
  await saveDraft();
  showQuestion(0);
  idle.arm();
}

let draftSaving = Promise.resolve();
function saveDraft() {
  const snapshot = state.draft ? JSON.parse(JSON.stringify(state.draft)) : null;
  draftSaving = draftSaving.then(() => (snapshot ? state.store.set("draft", snapshot) : state.store.delete("draft")))
    .catch(() => {});
  return draftSaving;
}

let current = null;  // {question, read} of the page shown

function keepCurrentAnswer() {
  if (!current || !state.draft) return;
  const value = current.read();
  if (value === undefined || (value && typeof value === "object" && !Array.isArray(value) && "invalid" in value)) {
    delete state.draft.answers[current.question.id];
  } else {
    state.draft.answers[current.question.id] = value;
  }
}

function showQuestion(index) {
  const definition = state.activeDefinition;
  const draft = state.draft;
  const visible = visibleQuestions(definition, draft.answers);
  index = Math.max(0, Math.min(index, visible.length - 1));
  draft.page = index;
  const question = visible[index];
  const error = el("p", { id: "q-error", class: "form-error", role: "alert" });
  const rendered = renderQuestion(question, draft.answers[question.id], {
    lang: state.lang, t, localized, errorId: "q-error", legendId: "q-title",
  });
  current = { question, read: rendered.read, index };
  const primary = el("button", { type: "submit", class: "button-primary button-big", id: "next-button" });
  const isLast = () => {
    const probe = { ...draft.answers };
    const value = rendered.read();
    if (value === undefined) delete probe[question.id];
    else probe[question.id] = value;
    return index >= visibleQuestions(definition, probe).length - 1;
  };
  const label = () => { primary.textContent = isLast() ? t("send") : t("next"); };
  label();
  const back = index > 0
    ? el("button", { type: "button", class: "button-secondary button-big", onclick: () => { keepCurrentAnswer(); saveDraft(); showQuestion(index - 1); } }, t("back"))
    : null;
  const form = el("form", {
    class: "question-form", novalidate: true,
    onsubmit: (event) => { event.preventDefault(); next(); },
    onchange: () => { error.textContent = ""; rendered.node.removeAttribute("aria-invalid"); keepCurrentAnswer(); saveDraft(); label(); },
  },
  el("p", { class: "progress" }, t("progress", { current: index + 1, total: visible.length })),
  el("div", { class: "progress-bar", "aria-hidden": "true" },
    el("span", { style: `width: ${Math.round(((index + 1) / visible.length) * 100)}%` })),
  rendered.node, error,
  el("div", { class: "form-nav" }, back, primary));
  show("question", localized(question.text), form);
  if (rendered.focusTarget && rendered.focusTarget.tagName === "H1") rendered.focusTarget.focus();
}

async function next() {
  if (state.busy) return;
  const { question, read, index } = current;
  const value = read();
  const message = problem(question, value && typeof value === "object" && "invalid" in value ? NaN : value, t, state.lang);
  if (message) {
    const error = document.getElementById("q-error");
    error.textContent = message;
    const group = main().querySelector(".question");
    group.setAttribute("aria-invalid", "true");
    const target = group.querySelector("input:not([disabled]), textarea");
    if (target) target.focus();
    return;
  }
  keepCurrentAnswer();
  await saveDraft();
  const visible = visibleQuestions(state.activeDefinition, state.draft.answers);
  if (index + 1 < visible.length) showQuestion(index + 1);
  else await finish();
}

// Queue the response (durably) and thank the citizen.
async function finish() {
  const remaining = waitRemaining();
  if (remaining > 0) {
    document.getElementById("q-error").textContent = t("wait_seconds", { seconds: Math.ceil(remaining / 1000) });
    return;
  }
  state.busy = true;
  const button = document.getElementById("next-button");
  if (button) button.disabled = true;
  try {
    await enqueueDraft(false);
  } catch (error) {
    state.busy = false;
    if (button) button.disabled = false;
    document.getElementById("q-error").textContent = t("save_failed");
    return;
  }
  state.busy = false;
  showThanks();
}

async function enqueueDraft(partial) {
  const draft = state.draft;
  const definition = state.activeDefinition || state.definitions[draft.questionnaire];
  const answers = definition ? cleanAnswers(definition, draft.answers) : draft.answers;
  if (partial && Object.keys(answers).length === 0) return false;
  const payload = {
    submission_id: draft.submission_id,
    questionnaire: draft.questionnaire,
    version: draft.version,
    channel: "kiosk",
    language: state.lang,
    answers,
  };
  if (partial) payload.partial = true;
  await state.store.enqueue([payload]);
  if (!partial) {
    state.lastSubmitAt = Date.now();
    await state.store.set("lastSubmitAt", state.lastSubmitAt);
  }
  state.draft = null;
  state.activeDefinition = null;
  current = null;
  await saveDraft();
  await refreshBacklog();
  if (!state.authLost) state.syncer.kick();
  return true;
}

// A questionnaire left unfinished: kept as partial or discarded, as the kiosk is set up.
async function abandonDraft() {
  if (!state.draft) return;
  if (state.config && state.config.settings.keep_partial) {
    await enqueueDraft(true).catch(() => {});
  }
  state.draft = null;
  state.activeDefinition = null;
  current = null;
  await saveDraft();
}

function showThanks() {
  idle.disarm();
  const seconds = state.config.settings.thanks_seconds;
  const countdown = el("p", { class: "q-hint", id: "thanks-countdown" }, t("thanks_reset", { seconds }));
  show("thanks", t("thanks_title"),
    el("div", { class: "thanks" },
      el("h1", {}, t("thanks_title")),
      el("p", { class: "lead" }, t("thanks_text")),
      countdown,
      el("button", { type: "button", class: "button-primary button-big", onclick: () => showWelcome() }, t("finish"))));
  const endAt = Date.now() + seconds * 1000;
  every(() => {
    countdown.textContent = t("thanks_reset", { seconds: Math.max(0, Math.ceil((endAt - Date.now()) / 1000)) });
  }, 1000);
  later(() => showWelcome(), seconds * 1000);
}

// --- inactivity -------------------------------------------------------------------------------------

const idle = {
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
    const seconds = state.config ? state.config.settings.inactivity_timeout : 90;
    this.timer = setTimeout(() => this.warn(), seconds * 1000);
  },
  warn() {
    const seconds = SETTINGS.inactivityWarningSeconds;
    const endAt = Date.now() + seconds * 1000;
    const keep = state.screen !== "staff" && state.config && state.config.settings.keep_partial;
    const text = el("p", { id: "idle-text" });
    const update = () => {
      const left = Math.max(0, Math.ceil((endAt - Date.now()) / 1000));
      text.textContent = state.screen === "staff"
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

async function expireQuestionnaire() {
  if (current) keepCurrentAnswer();
  await abandonDraft();
  showWelcome();
}

for (const type of ["pointerdown", "keydown", "input", "wheel", "touchstart"]) {
  document.addEventListener(type, () => idle.touch(), { capture: true, passive: true });
}

// --- dialogs ---------------------------------------------------------------------------------------

function openDialog(id, title, body, actions) {
  closeDialogs();
  const dialog = el("dialog", { id, class: "kiosk-dialog", "aria-labelledby": `${id}-title` },
    el("h2", { id: `${id}-title` }, title),
    ...body,
    el("div", { class: "dialog-actions" }, actions));
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

function closeDialogs() {
  for (const dialog of document.querySelectorAll("dialog.kiosk-dialog")) {
    if (dialog.open) dialog.close();
    dialog.remove();
  }
}

// --- staff PIN ----------------------------------------------------------------------------------------

function askPin() {
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
  const verifier = state.config && state.config.pin;
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
  if (now < state.pinLockedUntil) {
    return t("pin_locked", { seconds: Math.ceil((state.pinLockedUntil - now) / 1000) });
  }
  if (!/^\d{4,8}$/.test(pin)) return t("pin_wrong");
  let accepted = null;
  if (navigator.onLine && !state.authLost) {
    // The server knows the current PIN (it may have changed since the tablet was last online).
    try {
      const reply = await state.api.request("POST", URLS.unlock, { pin }, { timeoutMs: 5000 });
      if (reply.status === 204) accepted = true;
      else if (reply.status === 403) accepted = false;
    } catch (error) {
      accepted = null;
    }
  }
  if (accepted === null) accepted = await localPinCheck(pin);
  if (accepted === null) return t("pin_unavailable");
  if (accepted) {
    state.pinFailures = 0;
    return true;
  }
  state.pinFailures += 1;
  if (state.pinFailures >= PIN_ATTEMPTS) {
    state.pinFailures = 0;
    state.pinLockedUntil = Date.now() + PIN_LOCK_MS;
    return t("pin_locked", { seconds: PIN_LOCK_MS / 1000 });
  }
  return t("pin_wrong");
}

// --- staff panel ------------------------------------------------------------------------------------

function figure(label, value, key) {
  return [el("dt", {}, label), el("dd", { "data-figure": key }, value)];
}

function staffFigures() {
  const config = state.config || {};
  const lastSync = state.syncer && state.syncer.lastSuccess ? formatTime(state.syncer.lastSuccess) : t("never");
  const persisted = state.persisted === null ? t("unknown") : state.persisted ? t("yes") : t("no");
  return [
    ...figure(t("figure_kiosk"), config.kiosk ? config.kiosk.name : "—", "kiosk"),
    ...figure(t("figure_site"), config.site || "—", "site"),
    ...figure(t("figure_connection"), navigator.onLine ? t("status_online") : t("status_offline"), "connection"),
    ...figure(t("figure_backlog"), String(state.backlog), "backlog"),
    ...figure(t("figure_rejected"), String(state.rejected), "rejected"),
    ...figure(t("figure_last_sync"), lastSync, "last-sync"),
    ...figure(t("figure_persistent"), persisted, "persistent"),
    ...figure(t("figure_version"), SETTINGS.appVersion, "version"),
  ];
}

function updateStaffFigures() {
  const list = document.getElementById("staff-figures");
  if (list) list.replaceChildren(...staffFigures());
}

function showStaff(message) {
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
    state.authLost ? el("p", { class: "notice notice-warning" }, t("auth_lost_help")) : null,
    el("dl", { class: "figures", id: "staff-figures" }, staffFigures()),
    state.rejected > 0 ? el("p", { class: "notice notice-warning" }, t("rejected_help")) : null,
    note,
    el("div", { class: "staff-actions" },
      el("button", { type: "button", class: "button-primary button-big", id: "resume-kiosk", onclick: () => { enterFullscreen(); showWelcome(); } }, t("resume_kiosk")),
      el("button", { type: "button", class: "button-secondary button-big", id: "sync-now", onclick: async () => {
        await state.store.retryRejected();
        if (state.authLost) { say(t("auth_lost_help")); return; }
        state.syncer.kick({ resetBackoff: true });
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
  const records = await state.store.queued();
  const config = state.config || {};
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
  const added = await state.store.enqueue(items);
  await refreshBacklog();
  if (!state.authLost) state.syncer.kick({ resetBackoff: true });
  return t("import_done", { added, total: items.length });
}

// --- staying in kiosk mode ------------------------------------------------------------------------

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
    if (hadController && state.screen === "welcome" && !state.draft) location.reload();
  });
}

// --- start ------------------------------------------------------------------------------------------

async function recoverDraft() {
  // A draft left by a reload or a crash is a questionnaire nobody will finish.
  const draft = await state.store.get("draft");
  if (!draft) return;
  state.draft = draft;
  state.activeDefinition = state.definitions[draft.questionnaire] || null;
  await abandonDraft();
}

async function boot() {
  document.getElementById("lang-toggle").addEventListener("click", () => {
    if (state.screen === "question") keepCurrentAnswer();
    state.lang = state.lang === "fr" ? "en" : "fr";
    rerender();
  });
  document.getElementById("staff-button").addEventListener("click", () => askPin());
  window.addEventListener("online", () => {
    renderStatus();
    if (state.token && !state.authLost) {
      state.syncer.kick({ resetBackoff: true });
      heartbeat();
      if (state.screen === "welcome") refreshFromServer();
    }
  });
  window.addEventListener("offline", () => renderStatus());

  if (!window.isSecureContext || !window.indexedDB || !window.crypto || !crypto.randomUUID) {
    showFatal(t("fatal_secure"));
    return;
  }
  try {
    state.store = await Store.open();
  } catch (error) {
    showFatal(t("fatal_storage"));
    return;
  }
  registerServiceWorker();
  holdNavigation();
  const [token, config, definitions, lastSubmitAt, lost, lastSync] = await Promise.all(
    ["token", "config", "definitions", "lastSubmitAt", "authLost", "lastSync"].map((key) => state.store.get(key)));
  state.token = token || null;
  state.config = config || null;
  state.definitions = definitions || {};
  state.lastSubmitAt = lastSubmitAt || 0;
  state.authLost = Boolean(lost);
  state.api = new Api(URLS, () => state.token);
  state.syncer = new Syncer({
    store: state.store,
    api: state.api,
    batchSize: SETTINGS.batchSize,
    backoffMs: SETTINGS.backoffMs,
    onChange: onSyncChange,
    onAuthLost: () => authLost(),
  });
  state.syncer.pause();
  state.syncer.lastSuccess = lastSync || null;
  savedSync = state.syncer.lastSuccess;
  await refreshBacklog();
  if (!state.token || !state.config) {
    showEnroll();
    return;
  }
  await recoverDraft();
  showWelcome();
  await requestPersistence();
  await state.store.retryRejected();
  if (!state.authLost) startBackground();
  refreshFromServer();
}

function rerender() {
  switch (state.screen) {
    case "welcome": showWelcome({ keepLanguage: true }); break;
    case "question": showQuestion(state.draft ? state.draft.page : 0); break;
    case "thanks": showThanks(); break;
    case "staff": showStaff(); break;
    case "enroll": showEnroll(); break;
    default: renderBar(); renderStatus();
  }
}

window.servirKiosk = { ready: boot() };
