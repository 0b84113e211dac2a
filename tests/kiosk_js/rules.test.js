// The shared answer-rule cases (tests/cases/answer_rules.json) against the kiosk's rules.js;
// tests/questionnaires/test_answer_rules_cases.py runs the same cases against questionnaires.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { checkAnswer, checkAnswers, cleanAnswers, visibleQuestions } from "../../survey_app/static/kiosk/rules.js";

const CASES = JSON.parse(readFileSync(new URL("../cases/answer_rules.json", import.meta.url), "utf8"));
const DEFINITION = CASES.definition;

for (const { name, answers, expected } of CASES.cases) {
  test(`answer rules: ${name}`, () => {
    const verdict = checkAnswers(DEFINITION, answers);
    assert.equal(verdict.valid, expected.valid);
    assert.deepEqual(verdict.errors, expected.errors);
    assert.deepEqual(verdict.shown, expected.shown);
    if (expected.valid) {
      assert.deepEqual(verdict.answers, expected.answers);
      assert.deepEqual(Object.keys(verdict.answers), Object.keys(expected.answers));
    }
  });
}

test("the pages shown are the questions the rules show", () => {
  const ids = (answers) => visibleQuestions(DEFINITION, answers).map((q) => q.id);
  assert.deepEqual(ids({ met: false, reason: "other" }),
    ["overall", "met", "reason", "reason_other", "contact", "wait_minutes", "comment"]);
  assert.deepEqual(cleanAnswers(DEFINITION, { overall: 4, met: true, reason: "other" }), { overall: 4, met: true });
});

test("one page's answer is checked with the served max_length, not a constant", () => {
  const text = DEFINITION.questions.find((q) => q.id === "reason_other");
  assert.equal(checkAnswer(text, "x".repeat(text.max_length)), null);
  assert.equal(checkAnswer(text, "x".repeat(text.max_length + 1)), "too_long");
  assert.equal(checkAnswer({ ...text, max_length: 2 }, "abc"), "too_long");
  assert.equal(checkAnswer(text, undefined), "required");
  assert.equal(checkAnswer(text, undefined, { shown: null }), null);
});
