// The online form's conditional questions, live: a question whose show_if does not hold is
// hidden (and its inputs disabled, so its answer is not sent) as the citizen answers, and
// shown again when it holds. Progressive enhancement: without this script the server asks
// the conditional questions on a further page. The rules are the kiosk's (rules.js, run on
// the rules the page carries as JSON), which pytest and node --test pin to the server's.
import { checkAnswers } from "../kiosk/rules.js";

const form = document.getElementById("survey-form");
const rulesBlock = document.getElementById("survey-rules");

// One posted value as the API's answer (forms.py REGISTRY does the same on the server).
function answerOf(question, values) {
  if (question.type === "multi_choice") return values.length ? values : undefined;
  const raw = values[0];
  if (raw === undefined || raw === "") return undefined;
  if (raw === "na") return "na";
  if (question.type === "rating") return /^-?\d+$/.test(raw) ? Number(raw) : raw;
  if (question.type === "yes_no") return raw === "yes" ? true : raw === "no" ? false : raw;
  if (question.type === "number") {
    const text = raw.replace(/[\s\u00a0]/g, "").replace(",", ".");
    return text !== "" && Number.isFinite(Number(text)) ? Number(text) : raw;
  }
  return raw;
}

function answers(definition) {
  const given = {};
  for (const question of definition.questions) {
    const values = [];
    for (const input of form.querySelectorAll(`[name="q_${question.id}"]`)) {
      if ((input.type === "radio" || input.type === "checkbox") && !input.checked) continue;
      values.push(input.value);
    }
    const value = answerOf(question, values);
    if (value !== undefined) given[question.id] = value;
  }
  return given;
}

function update(definition) {
  const shown = checkAnswers(definition, answers(definition)).shown;
  const template = form.dataset.progress;
  for (const slot of form.querySelectorAll("[data-question]")) {
    const visible = shown.includes(slot.dataset.question);
    slot.hidden = !visible;
    for (const input of slot.querySelectorAll("input, textarea, select")) input.disabled = !visible;
    const number = slot.querySelector(".q-number");
    if (!visible || !number) continue;
    // The place among every question shown, those answered on an earlier step included.
    const index = shown.indexOf(slot.dataset.question) + 1;
    number.textContent = template ? template.replace("{x}", index).replace("{y}", shown.length) : `${index}.`;
  }
}

if (form && rulesBlock) {
  const definition = JSON.parse(rulesBlock.textContent);
  form.querySelector('[name="live"]').value = "1";
  const submit = document.getElementById("survey-submit");
  if (submit) submit.textContent = submit.dataset.send;
  update(definition);
  form.addEventListener("input", () => update(definition));
  form.addEventListener("change", () => update(definition));
}
