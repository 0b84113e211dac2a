// The staff PIN's rules on the tablet, all read from what the server serves in the kiosk's
// config (config.pin: accepted lengths, lockout, offline verifier and how long it may be used
// after the last contact with the server): the tablet repeats no constant of its own.
// Pure functions (Web Crypto passed in), so tests/kiosk_js/ checks them under Node.

// The served rule, or null for a config saved before the server sent one (then only the
// server can check a PIN, until the next refresh brings the rule).
export function pinRule(config) {
  const pin = config && config.pin;
  if (!pin || typeof pin !== "object" || pin.algorithm || !Array.isArray(pin.lock_minutes)) return null;
  return pin;
}

export function pinShapeOk(rule, pin) {
  if (typeof pin !== "string" || !/^\d+$/.test(pin)) return false;
  return !rule || (pin.length >= rule.min_length && pin.length <= rule.max_length);
}

// How long the tablet refuses PINs after `failures` wrong ones in a row (the server's rule).
export function lockMs(rule, failures) {
  if (!rule || failures < rule.attempts) return 0;
  const [first, cap] = rule.lock_minutes;
  return Math.min(first * 2 ** (failures - rule.attempts), cap) * 60000;
}

// "usable", "expired" (too long since the last contact: online unlock only) or "none".
export function offlineState(rule, lastContact, now) {
  if (!rule || !rule.offline) return "none";
  if (!lastContact || now - lastContact > rule.offline_hours * 3600000) return "expired";
  return "usable";
}

// The rule without its verifier: what the tablet keeps once the verifier has expired.
export function withoutVerifier(config) {
  return { ...config, pin: { ...config.pin, offline: null } };
}

export async function verifierAccepts(subtle, verifier, pin) {
  const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const key = await subtle.importKey("raw", new TextEncoder().encode(pin), "PBKDF2", false, ["deriveBits"]);
  const bits = new Uint8Array(await subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: bytes(verifier.salt), iterations: verifier.iterations }, key, 256));
  const expected = bytes(verifier.hash);
  let diff = bits.length ^ expected.length;
  for (let i = 0; i < Math.min(bits.length, expected.length); i += 1) diff |= bits[i] ^ expected[i];
  return diff === 0;
}
