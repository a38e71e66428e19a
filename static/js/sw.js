/* Yiban's service worker (离线录入). It stores nothing itself: offline.js caches only
 * what holds nothing personal (question and service pages rendered for nobody, the
 * rules, the fallback page, static files). Network first; only when that fails, from
 * the cache: a question or service page → its blank copy, else the "offline" page. */
const CACHE = 'yiban-pages';
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

function fallback(request, url, navigate) {
  const p = url.pathname, question = p.match(/^\/apply\/([^/]+)\/([^/]+)$/), service = p.match(/^\/services\/([^/]+)$/);
  return caches.open(CACHE).then(async (cache) =>
    (question && await cache.match(`/offline/page/${question[1]}/${question[2]}`))
    || (service && await cache.match(`/offline/service/${service[1]}`))
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
