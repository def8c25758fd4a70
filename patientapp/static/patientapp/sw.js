// BackTracker service worker: keeps the app's pages and files for use without a network.
// API answers are never cached here (the programme is kept by the page itself).
const CACHE = "backtracker-app-v1";
const STATIC = "/static/patientapp/";
const SHELL = [
  "/app/", "/app/signin/", "/app/questionnaires/", "/app/record/", "/app/results/",
  "/app/programme/", "/app/data/",
  `${STATIC}app.css`, `${STATIC}img/forward.svg`, `${STATIC}img/backward.svg`,
  `${STATIC}img/outline.svg`, `${STATIC}img/light.svg`, `${STATIC}img/steady.svg`,
  ...["shell", "api", "store", "upload", "flow", "home", "signin", "signup", "questionnaires",
      "record", "results", "programme", "data"].map((name) => `${STATIC}js/${name}.js`),
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((name) => name !== CACHE).map((name) => caches.delete(name))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== location.origin) return;
  if (!url.pathname.startsWith("/app/") && !url.pathname.startsWith(STATIC)) return;
  // Network first (pages and files stay current), the kept copy when offline.
  event.respondWith(fetch(request).then((response) => {
    if (response.ok) {
      const copy = response.clone();
      caches.open(CACHE).then((cache) => cache.put(url.pathname, copy));
    }
    return response;
  }).catch(() => caches.match(url.pathname).then((hit) => hit || caches.match("/app/"))));
});
