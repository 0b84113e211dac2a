// Answering: one question per page, the draft kept in IndexedDB while the citizen answers,
// the response queued when finished (or left unfinished), and the thank-you screen. Which
// questions are shown and which answers are accepted are the server's rules (rules.js).
import { el } from "../dom.js";
import { device, refreshBacklog } from "../device.js";
import { lang, localized, t } from "../i18n.js";
import { idle } from "../idle.js";
import { problem, renderQuestion } from "../questions.js";
import { cleanAnswers, visibleQuestions } from "../rules.js";
import { enterFullscreen, every, later, main, show } from "../screen.js";
import { showWelcome } from "./welcome.js";

// The response being answered: {submission_id, questionnaire, version, answers, page, started_at}.
let draft = null;
let activeDefinition = null;
let current = null;  // {question, read, index} of the page shown
let lastSubmitAt = 0;
let busy = false;

export function answering() {
  return draft !== null;
}

export function restoreLastSubmit(ms) {
  lastSubmitAt = ms || 0;
}

export function waitRemaining() {
  const interval = device.config ? device.config.settings.min_interval * 1000 : 0;
  // Never more than the interval, even if the tablet's clock went back in time.
  return Math.min(interval, Math.max(0, lastSubmitAt + interval - Date.now()));
}

export async function start(id) {
  if (waitRemaining() > 0 || busy) return;
  enterFullscreen();
  const definition = device.definitions[id];
  activeDefinition = definition;
  draft = {
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
  const snapshot = draft ? JSON.parse(JSON.stringify(draft)) : null;
  draftSaving = draftSaving.then(() => (snapshot ? device.store.set("draft", snapshot) : device.store.delete("draft")))
    .catch(() => {});
  return draftSaving;
}

// Keep the answer on the page shown in the draft (before leaving the page or the language).
export function keepCurrentAnswer() {
  if (!current || !draft) return;
  const value = current.read();
  if (value === undefined || (value && typeof value === "object" && !Array.isArray(value) && "invalid" in value)) {
    delete draft.answers[current.question.id];
  } else {
    draft.answers[current.question.id] = value;
  }
}

export function showCurrentQuestion() {
  showQuestion(draft ? draft.page : 0);
}

function showQuestion(index) {
  const definition = activeDefinition;
  const visible = visibleQuestions(definition, draft.answers);
  index = Math.max(0, Math.min(index, visible.length - 1));
  draft.page = index;
  const question = visible[index];
  const error = el("p", { id: "q-error", class: "form-error", role: "alert" });
  const rendered = renderQuestion(question, draft.answers[question.id], {
    lang: lang(), t, localized, errorId: "q-error", legendId: "q-title",
  });
  current = { question, read: rendered.read, index };
  const answers = draft.answers;
  const primary = el("button", { type: "submit", class: "button-primary button-big", id: "next-button" });
  const isLast = () => {
    const probe = { ...answers };
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
  if (busy) return;
  const { question, read, index } = current;
  const value = read();
  const message = problem(question, value && typeof value === "object" && "invalid" in value ? NaN : value, t, lang());
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
  const visible = visibleQuestions(activeDefinition, draft.answers);
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
  busy = true;
  const button = document.getElementById("next-button");
  if (button) button.disabled = true;
  try {
    await enqueueDraft(false);
  } catch (error) {
    busy = false;
    if (button) button.disabled = false;
    document.getElementById("q-error").textContent = t("save_failed");
    return;
  }
  busy = false;
  showThanks();
}

async function enqueueDraft(partial) {
  const definition = activeDefinition || device.definitions[draft.questionnaire];
  const answers = definition ? cleanAnswers(definition, draft.answers) : draft.answers;
  if (partial && Object.keys(answers).length === 0) return false;
  const payload = {
    submission_id: draft.submission_id,
    questionnaire: draft.questionnaire,
    version: draft.version,
    channel: "kiosk",
    language: lang(),
    answers,
  };
  if (partial) payload.partial = true;
  await device.store.enqueue([payload]);
  if (!partial) {
    lastSubmitAt = Date.now();
    await device.store.set("lastSubmitAt", lastSubmitAt);
  }
  draft = null;
  activeDefinition = null;
  current = null;
  await saveDraft();
  await refreshBacklog();
  if (!device.authLost) device.syncer.kick();
  return true;
}

// A questionnaire left unfinished: kept as partial or discarded, as the kiosk is set up.
async function abandonDraft() {
  if (!draft) return;
  if (device.config && device.config.settings.keep_partial) {
    await enqueueDraft(true).catch(() => {});
  }
  draft = null;
  activeDefinition = null;
  current = null;
  await saveDraft();
}

// The inactivity timeout's end while answering.
export async function expireQuestionnaire() {
  if (current) keepCurrentAnswer();
  await abandonDraft();
  showWelcome();
}

// A draft left by a reload or a crash is a questionnaire nobody will finish.
export async function recoverDraft() {
  const saved = await device.store.get("draft");
  if (!saved) return;
  draft = saved;
  activeDefinition = device.definitions[saved.questionnaire] || null;
  await abandonDraft();
}

export function showThanks() {
  idle.disarm();
  const seconds = device.config.settings.thanks_seconds;
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
