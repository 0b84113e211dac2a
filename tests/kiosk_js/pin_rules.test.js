// The kiosk's PIN rules (static/kiosk/pin_rules.js) on a rule shaped as the server serves it:
// lengths, the growing lockout, the offline verifier's expiry, the PBKDF2 check itself.
import assert from "node:assert/strict";
import { pbkdf2Sync } from "node:crypto";
import { test } from "node:test";

import {
  lockMs, offlineState, pinRule, pinShapeOk, verifierAccepts, withoutVerifier,
} from "../../survey_app/static/kiosk/pin_rules.js";

const HOUR = 3600000;
const verifier = (pin, iterations = 1000) => ({
  algorithm: "PBKDF2-SHA256", iterations, salt: Buffer.from("0123456789abcdef").toString("base64"),
  hash: pbkdf2Sync(pin, "0123456789abcdef", iterations, 32, "sha256").toString("base64"),
});
const rule = (over = {}) => ({
  min_length: 6, max_length: 12, attempts: 5, lock_minutes: [1, 60], offline_hours: 72,
  offline: verifier("135790"), ...over,
});

test("the lengths accepted are the server's, not a constant", () => {
  assert.equal(pinShapeOk(rule(), "13579"), false);
  assert.equal(pinShapeOk(rule(), "135790"), true);
  assert.equal(pinShapeOk(rule(), "1".repeat(13)), false);
  assert.equal(pinShapeOk(rule({ min_length: 4 }), "2468"), true);  // a kiosk with an older PIN
  assert.equal(pinShapeOk(rule({ min_length: 8 }), "1357902"), false);
  assert.equal(pinShapeOk(rule(), "12345a"), false);
});

test("the lockout starts after the served number of wrong PINs and doubles up to its cap", () => {
  const minutes = (n) => lockMs(rule(), n) / 60000;
  assert.deepEqual([1, 2, 3, 4].map(minutes), [0, 0, 0, 0]);
  assert.deepEqual([5, 6, 7, 8, 11, 12, 40].map(minutes), [1, 2, 4, 8, 60, 60, 60]);
  assert.equal(lockMs(rule({ attempts: 3, lock_minutes: [2, 10] }), 5) / 60000, 8);
});

test("the offline verifier may be used only so long after the last contact with the server", () => {
  const now = 1_000 * HOUR;
  assert.equal(offlineState(rule(), now - 71 * HOUR, now), "usable");
  assert.equal(offlineState(rule(), now - 73 * HOUR, now), "expired");
  assert.equal(offlineState(rule({ offline_hours: 8 }), now - 9 * HOUR, now), "expired");
  assert.equal(offlineState(rule(), null, now), "expired");
  assert.equal(offlineState(rule({ offline: null }), now, now), "none");  // a short, older PIN
  const config = { kiosk: { id: 1 }, pin: rule() };
  const kept = withoutVerifier(config);
  assert.equal(kept.pin.offline, null);
  assert.equal(offlineState(kept.pin, now, now), "none");
  assert.notEqual(config.pin.offline, null);
});

test("a config saved before the server sent a rule is not mistaken for one", () => {
  assert.equal(pinRule({ pin: verifier("2468") }), null);
  assert.equal(pinRule(null), null);
  assert.deepEqual(pinRule({ pin: rule() }), rule());
  assert.equal(offlineState(pinRule({ pin: verifier("2468") }), Date.now(), Date.now()), "none");
});

test("the offline check derives the same PBKDF2 as the server", async () => {
  const served = verifier("135790");
  assert.equal(await verifierAccepts(crypto.subtle, served, "135790"), true);
  assert.equal(await verifierAccepts(crypto.subtle, served, "135791"), false);
});
