// The answer rules, read from the definition the server serves: which questions are shown
// (show_if) and whether an answer is acceptable. No DOM: node --test runs these functions on
// the cases of tests/cases/answer_rules.json, which pytest runs against questionnaires too.
//
// A question carries its rules in the definition's own form (questionnaires/README.md,
// "Answer rules"): type, required, allow_na, scale {min, max}, options [{value}], min, max,
// max_length, show_if {question, equals} or {question, in: [...]}. Nothing here has a default
// of its own: the server writes every rule out. Error codes are questionnaires.ERROR_CODES.

export const NA = "na";
const MISSING = Symbol("no answer");

class Invalid extends Error {
  constructor(code) {
    super(code);
    this.code = code;
  }
}

// Equality that does not confuse booleans with the numbers 0 and 1 (as model._same).
function same(a, b) {
  if (typeof a === "boolean" || typeof b === "boolean") return a === b;
  return a === b;
}

// questionnaires.Condition.holds: an unanswered (or hidden) question never matches; a
// multi_choice answer matches when one of its choices does.
export function conditionHolds(condition, answers) {
  const value = answers[condition.question];
  if (value === undefined || value === null) return false;
  const accepts = (v) => ("in" in condition ? condition.in.some((x) => same(v, x)) : same(v, condition.equals));
  return Array.isArray(value) ? value.some(accepts) : accepts(value);
}

const isInteger = (v) => typeof v === "number" && Number.isInteger(v);

// The normalized value, NA or MISSING; throws Invalid (answers._normalize).
function normalize(question, value) {
  if (value === undefined || value === null) return MISSING;
  const kind = question.type;
  if (kind === "text") {
    if (typeof value !== "string") throw new Invalid("type");
    const text = value.replace(/\r\n/g, "\n").replace(/\r/g, "\n").replace(/\0/g, "").trim();
    if (!text) return MISSING;
    if ([...text].length > question.max_length) throw new Invalid("too_long");  // code points
    return text;
  }
  if (typeof value === "string") {
    if (!value.trim()) return MISSING;
    if (value === NA) {
      if (question.allow_na) return NA;
      throw new Invalid("na");
    }
  }
  if (kind === "rating") {
    if (!isInteger(value)) throw new Invalid("type");
    if (value < question.scale.min || value > question.scale.max) throw new Invalid("range");
    return value;
  }
  if (kind === "yes_no") {
    if (typeof value !== "boolean") throw new Invalid("type");
    return value;
  }
  if (kind === "number") {
    if (typeof value !== "number") throw new Invalid("type");
    if (!Number.isFinite(value)) throw new Invalid("range");
    if (question.min !== null && question.min !== undefined && value < question.min) throw new Invalid("range");
    if (question.max !== null && question.max !== undefined && value > question.max) throw new Invalid("range");
    return value;
  }
  const values = (question.options || []).map((option) => option.value);
  if (kind === "choice") {
    if (typeof value !== "string") throw new Invalid("type");
    if (!values.includes(value)) throw new Invalid("option");
    return value;
  }
  if (kind === "multi_choice") {
    if (!Array.isArray(value)) throw new Invalid("type");
    if (value.length === 0) return MISSING;
    for (const item of value) {
      if (typeof item !== "string") throw new Invalid("type");
      if (!values.includes(item)) throw new Invalid("option");
    }
    if (new Set(value).size !== value.length) throw new Invalid("repeated");
    return values.filter((v) => value.includes(v));  // option order, as stored
  }
  throw new Invalid("type");
}

// The code of what is wrong with one answer to a question that is shown, or null.
export function checkAnswer(question, value, { shown = true } = {}) {
  try {
    const normalized = normalize(question, value);
    return normalized === MISSING && question.required && shown ? "required" : null;
  } catch (error) {
    if (error instanceof Invalid) return error.code;
    throw error;
  }
}

// questionnaires.check_answers: {valid, errors: {field: code}, answers: {kept, normalized},
// shown: [question ids]}. Conditions see the answers as validated, so a question hidden by a
// hidden question is hidden too; a condition on an invalid answer cannot be decided: the
// question counts as shown but is not required.
export function checkAnswers(definition, answers) {
  if (!answers || typeof answers !== "object" || Array.isArray(answers)) {
    return { valid: false, errors: { answers: "type" }, answers: {}, shown: [] };
  }
  const errors = {};
  const ids = new Set(definition.questions.map((q) => q.id));
  for (const key of Object.keys(answers)) {
    if (!ids.has(key)) errors[`answers.${key}`] = "unknown_question";
  }
  const given = {};
  const invalid = new Set();
  const shown = [];
  for (const question of definition.questions) {
    let visible = true;
    if (question.show_if) {
      visible = invalid.has(question.show_if.question) ? null : conditionHolds(question.show_if, given);
    }
    if (visible === false) continue;
    shown.push(question.id);
    let value;
    try {
      value = normalize(question, answers[question.id]);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      errors[question.id] = error.code;
      invalid.add(question.id);
      continue;
    }
    if (value === MISSING) {
      if (question.required && visible) errors[question.id] = "required";
      continue;
    }
    given[question.id] = value;
  }
  if (Object.keys(errors).length === 0 && Object.keys(given).length === 0) errors.answers = "no_answer";
  const valid = Object.keys(errors).length === 0;
  return { valid, errors, answers: valid ? given : {}, shown };
}

// The questions shown for these answers, in order (the kiosk shows one per page).
export function visibleQuestions(definition, answers) {
  const shown = new Set(checkAnswers(definition, answers).shown);
  return definition.questions.filter((question) => shown.has(question.id));
}

// The answers to send: those of the questions shown, as the citizen gave them.
export function cleanAnswers(definition, answers) {
  const kept = {};
  for (const question of visibleQuestions(definition, answers)) {
    if (answers[question.id] !== undefined) kept[question.id] = answers[question.id];
  }
  return kept;
}
