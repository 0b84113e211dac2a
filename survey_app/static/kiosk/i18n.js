// The kiosk's two languages: both catalogues are in the page (kiosk-strings), so the language
// toggle works offline. Each citizen starts in French.

const STRINGS = JSON.parse(document.getElementById("kiosk-strings").textContent);
let current = "fr";

export function lang() {
  return current;
}

export function setLang(code) {
  current = code;
}

export function languageName(code) {
  return STRINGS[code].language_name;
}

// A catalogue string, with Python-style %(name)s / %(name)d parameters.
export function t(key, params = {}) {
  const table = STRINGS[current] || STRINGS.fr;
  const text = table[key] ?? STRINGS.fr[key] ?? key;
  return text.replace(/%\((\w+)\)[sd]/g, (match, name) => (name in params ? String(params[name]) : match));
}

// A bilingual text of a definition ({fr, en}), in the current language.
export function localized(text) {
  if (!text) return "";
  if (typeof text === "string") return text;
  return text[current] || text.fr || "";
}

export function formatTime(ms) {
  return new Intl.DateTimeFormat(current === "en" ? "en-CA" : "fr-CA", {
    dateStyle: "short", timeStyle: "short",
  }).format(new Date(ms));
}
