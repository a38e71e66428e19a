/* Yiban's service worker (offline entry, 离线录入). It never stores a page on its own:
 * static/js/offline.js puts into the cache only what holds nothing personal (blank
 * question pages rendered for nobody, the rules, the fallback page, static files).
 * Every request goes to the network first; only when that fails does a page come
 * from that cache: a question of an application → its blank page, anything else →
 * the "you are offline" page. Personal pages (no-store) are never cached. */
const CACHE = 'yiban-pages';
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

function fallback(request, url, navigate) {
  const question = url.pathname.match(/^\/apply\/([^/]+)\/([^/]+)$/);
  return caches.open(CACHE).then(async (cache) =>
    (question && await cache.match(`/offline/page/${question[1]}/${question[2]}`))
    || await cache.match(request)
    || (navigate ? cache.match('/offline') : Response.error()));
}

self.addEventListener('fetch', (event) => {
  const request = event.request, url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== location.origin) return;
  const navigate = request.mode === 'navigate';
  if (!navigate && !url.pathname.startsWith('/static/') && !url.pathname.startsWith('/offline')
      && url.pathname !== '/manifest.webmanifest') return;
  event.respondWith(fetch(request).then((response) => response, () => fallback(request, url, navigate)));
});
