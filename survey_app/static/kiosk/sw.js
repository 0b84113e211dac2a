// The kiosk's service worker: the kiosk loads and works with no network.
//
// Installed from /kiosk/sw.js?v=<digest of the kiosk's files>: a new digest is a new
// version, with its own cache, filled fresh from the server at install.
//   - the kiosk page: network first (so updates arrive), the cached copy when offline;
//   - questionnaire definitions: network first, cached copy when offline;
//   - the kiosk's scripts, styles and icon: from the cache.
// Responses are never handled here: the page sends them itself (POST), so a sync's result
// is always what the server answered.

const VERSION = new URL(self.location.href).searchParams.get("v") || "dev";
const CACHE = `servir-kiosk-${VERSION}`;
const SHELL = new URL("./", self.location.href).href;
// Every file the page loads: the modules (app.js imports the others), the styles and the icon.
// tests/app/test_kiosks.py checks that each module of static/kiosk is listed here.
const ASSETS = [
  "../static/kiosk/app.js",
  "../static/kiosk/device.js",
  "../static/kiosk/dom.js",
  "../static/kiosk/i18n.js",
  "../static/kiosk/idle.js",
  "../static/kiosk/questions.js",
  "../static/kiosk/rules.js",
  "../static/kiosk/screen.js",
  "../static/kiosk/store.js",
  "../static/kiosk/sync.js",
  "../static/kiosk/screens/enroll.js",
  "../static/kiosk/screens/pin.js",
  "../static/kiosk/screens/question.js",
  "../static/kiosk/screens/staff.js",
  "../static/kiosk/screens/welcome.js",
  "../static/kiosk/kiosk.css",
  "../static/kiosk/icon.svg",
  "./manifest.webmanifest",
].map((path) => new URL(path, self.location.href).href);
const DEFINITIONS = new URL("../api/v1/questionnaires/", self.location.href).pathname;
const NETWORK_TIMEOUT_MS = 4000;

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // cache: "reload" skips the HTTP cache: the files must be those of this version.
    await Promise.all([SHELL, ...ASSETS].map(async (url) => {
      const response = await fetch(url, { cache: "reload", credentials: "omit" });
      if (!response.ok) throw new Error(`${url}: ${response.status}`);
      await cache.put(url, response);
    }));
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const previous = await caches.keys();
    const current = await caches.open(CACHE);
    for (const name of previous) {
      if (name === CACHE || !name.startsWith("servir-kiosk-")) continue;
      // Keep the questionnaires cached by the previous version: the tablet may be offline.
      const old = await caches.open(name);
      for (const request of await old.keys()) {
        if (new URL(request.url).pathname.startsWith(DEFINITIONS) && !(await current.match(request))) {
          await current.put(request, await old.match(request));
        }
      }
      await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

async function networkFirst(request, cacheKey) {
  const cache = await caches.open(CACHE);
  try {
    const response = await Promise.race([
      fetch(request),
      new Promise((resolve, reject) => setTimeout(() => reject(new Error("timeout")), NETWORK_TIMEOUT_MS)),
    ]);
    if (response.ok) await cache.put(cacheKey, response.clone());
    return response;
  } catch (error) {
    const cached = await cache.match(cacheKey);
    if (cached) return cached;
    throw error;
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request, { ignoreSearch: true });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.href.split("?")[0].split("#")[0] === SHELL) {
    event.respondWith(networkFirst(request, SHELL));
  } else if (url.pathname.startsWith(DEFINITIONS)) {
    event.respondWith(networkFirst(request, url.href));
  } else if (ASSETS.includes(url.origin + url.pathname)) {
    event.respondWith(cacheFirst(request));
  }
});
