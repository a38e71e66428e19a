/* Offline entry (离线录入): loaded by yiban.js once the page is usable.
 * - registers the service worker (/sw.js) and keeps what an application page needs
 *   offline: its blank question pages, its rules and the static files this page uses;
 * - with no network, Continue checks the answer with the server's own rules
 *   (/offline/rules/<code>.json) and keeps it in IndexedDB, encrypted with an AES-GCM
 *   key that cannot be exported, made when someone signs in on this device;
 * - with the network back, 一键提交 sends each saved answer, in order, with its own
 *   idempotency key and a fresh form token, then opens check answers.
 * The device copy is deleted once sent, on sign-out, on the idle time-out unless it
 * holds answers typed offline not yet sent (data-offline-wipe), when another person
 * signs in, and data-offline-keep-days after this device last reached the site signed in. */
(() => {
  'use strict';
  const d = document, b = d.body, ds = b.dataset, nav = navigator, C = crypto.subtle;
  const bar = d.getElementById('offline-bar');
  if (!bar || !('serviceWorker' in nav) || !window.indexedDB || !C) return;
  const T = bar.dataset, $ = (id) => d.getElementById(id);
  const actions = $('offline-actions'), sendButton = $('offline-send'),
    fixLink = $('offline-fix'), deleteButton = $('offline-delete');
  // The status region exists only while there is news: made when there is something
  // to say, the words put in a moment later (so screen readers hear them), removed when
  // there is nothing left to say. Resolves once the words are shown.
  let status = null, saying;
  const say = (text) => new Promise((ok) => {
    clearTimeout(saying);
    if (!text) { if (status) status.remove(); status = null; ok(); return; }
    const fresh = !status;
    if (fresh) {
      status = bar.insertBefore(d.createElement('p'), actions);
      status.id = 'offline-status';
      status.className = 'offline-bar__status';
      status.setAttribute('role', 'status');
    }
    const region = status, show = () => { region.textContent = text; ok(); };
    if (fresh) saying = setTimeout(show, 150); else show();
  });
  // yiban.js loads this file on other pages than an application's only while the
  // device holds a copy (to send it, or delete it on sign-out or after the limit).
  const FLAG = 'yiban-offline', flag = (on) => {
    try { if (on) localStorage.setItem(FLAG, '1'); else localStorage.removeItem(FLAG); } catch (e) { /* private mode */ }
  };
  const enc = new TextEncoder(), dec = new TextDecoder();

  // ---- IndexedDB: 'meta' (the key, whose device copy it is) and 'entries' ----
  const DB = 'yiban-offline';
  const openDb = () => new Promise((ok, no) => {
    const r = indexedDB.open(DB, 1);
    r.onupgradeneeded = () => { r.result.createObjectStore('meta'); r.result.createObjectStore('entries'); };
    r.onsuccess = () => ok(r.result);
    r.onerror = () => no(r.error);
  });
  const run = (store, fn) => openDb().then((db) => new Promise((ok, no) => {
    const t = db.transaction(store, 'readwrite'), req = fn(t.objectStore(store));
    t.oncomplete = () => { db.close(); ok(req.result); };
    t.onerror = t.onabort = () => { db.close(); no(t.error); };
  }));
  const getMeta = () => run('meta', (s) => s.get('m'));
  const putMeta = (m) => run('meta', (s) => s.put(m, 'm'));
  const allEntries = () => run('entries', (s) => s.getAll());
  const putEntry = (e) => run('entries', (s) => s.put(e, e.id));
  const dropEntry = (id) => run('entries', (s) => s.delete(id));
  const wipe = () => new Promise((ok) => {
    flag(false);
    const r = indexedDB.deleteDatabase(DB);
    r.onsuccess = r.onerror = r.onblocked = () => ok();
  });

  // ---- encryption ----
  const seal = (key, data) => {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    return C.encrypt({ name: 'AES-GCM', iv }, key, data).then((c) => ({ iv, c }));
  };
  const unseal = (key, box) => C.decrypt({ name: 'AES-GCM', iv: box.iv }, key, box.c);
  const sealJson = (key, v) => seal(key, enc.encode(JSON.stringify(v)));
  const openJson = (key, box) => unseal(key, box).then((x) => JSON.parse(dec.decode(x)));
  const token = () => [...crypto.getRandomValues(new Uint8Array(16))]
    .map((x) => x.toString(16).padStart(2, '0')).join('');

  let meta = null;
  async function loadMeta() {
    let m = await getMeta().catch(() => null);
    const limit = (+ds.offlineKeepDays || 3) * 864e5;
    const w = ds.offlineWipe, idle = w === 'idle' && !(await allEntries()).length;
    if (w === '1' || idle || (m && Date.now() - m.seen > limit)) { await wipe(); m = null; }
    const owner = ds.offlineOwner;
    if (owner && (!m || m.owner !== owner)) {
      // Someone signed in: their own key; another person's device copy goes.
      if (m) await wipe();
      m = { owner, known: {}, key: await C.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']) };
    }
    if (m && owner) {
      m.seen = Date.now();
      if (ds.offlineFor) m.for = ds.offlineFor;
      if (ds.offlineKnown) m.known[ds.offlineCode] = await sealJson(m.key, JSON.parse(ds.offlineKnown));
      await putMeta(m);
    }
    if (m) flag(true);
    return m;
  }

  // ---- the rules of a service (the same the server checks with) ----
  const rulesOf = (url) => fetch(url, { credentials: 'same-origin' })
    .catch(() => caches.match(url)).then((r) => r.json());
  const code = ds.offlineCode, form = $('question-form');
  const questionKey = form && code ? form.action.split('/').pop().split('?')[0] : null;
  const entryId = (key) => [meta.for || '', code, key].join('|');

  // ---- format checks: a port of app/forms/builder.py, messages from the server ----
  const UNWANTED = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;
  const clean = (v, multi) => (multi ? v.replace(UNWANTED, '') : v.replace(UNWANTED, '').replace(/[\t\n\r]/g, ' ')).trim();
  const wide = (v) => v.replace(/\s/g, '').replace(/[\uff08\uff09\uff0b\uff0d\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]/g,
    (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
  const len = (v) => [...v].length;
  const pad = (n) => String(n).padStart(2, '0');
  const now = new Date(), today = `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}`;
  const realDate = (y, m, dd) => { const t = new Date(y, m - 1, dd); t.setFullYear(y); return t.getFullYear() === y && t.getMonth() === m - 1 && t.getDate() === dd; };
  const problems = {
    id_number(v) {
      v = wide(v).toUpperCase();
      if (v.length !== 18) return 'length';
      if (!/^[0-9]{17}[0-9X]$/.test(v)) return 'characters';
      const born = v.slice(6, 14);
      if (!realDate(+born.slice(0, 4), +born.slice(4, 6), +born.slice(6)) || born < '19000101' || born > today) return 'birth_date';
      const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
      const sum = w.reduce((t, x, i) => t + x * +v[i], 0);
      return '10X98765432'[sum % 11] === v[17] ? null : 'check_digit';
    },
    mobile(v) {
      v = wide(v).replace(/[-()]/g, '');
      for (const p of ['+86', '0086', '86']) {
        const rest = v.slice(p.length);
        if (v.startsWith(p) && /^[0-9]{11}$/.test(rest)) { v = rest; break; }
      }
      if (!/^[0-9]*$/.test(v)) return 'characters';
      if (v.length !== 11) return 'length';
      return /^1[3-9][0-9]{9}$/.test(v) ? null : 'prefix';
    },
    bank_account(v) {
      v = wide(v).replace(/-/g, '');
      if (!/^[0-9]*$/.test(v)) return 'characters';
      return v.length >= 12 && v.length <= 19 ? null : 'length';
    },
  };
  const SIGNATURES = { pdf: [0x25, 0x50, 0x44, 0x46, 0x2d], png: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], jpg: [0xff, 0xd8, 0xff] };

  // The first problem with the answer in `fd` (a FormData), or null; hasFile: a file
  // kept on the device already answers a file question.
  async function check(q, fd, hasFile) {
    const M = q.messages, k = q.key, type = q.type;
    const parts = { date: ['year', 'month', 'day'], address: ['region', 'detail'] }[type];
    const val = parts ? Object.fromEntries(parts.map((p) => [p, clean(fd.get(`${k}-${p}`) || '')]))
      : type === 'checkboxes' ? fd.getAll(k) : fd.get(k);
    let v = typeof val === 'string' ? val : '';
    if (type === 'text' || type === 'name' || type === 'textarea') v = clean(v, q.multiline);
    if (problems[type]) v = type === 'id_number' ? wide(v).toUpperCase() : v;
    const blank = parts ? !Object.values(val).some(Boolean)
      : type === 'checkboxes' ? !val.length : type === 'file' ? !(val && val.name) : !v;
    if (blank) return q.required && !(type === 'file' && hasFile) ? q.required_message : null;
    if (type === 'name') {
      if (len(v) > q.name_max) return M.name_too_long;
      if (/\p{Nd}/u.test(v)) return M.name_digits;
    }
    if ('max' in q) {
      if (q.max && len(v) > q.max) return M.too_long.replace('{length}', len(v));
      if (q.min && len(v) < q.min) return M.too_short;
    }
    if (problems[type]) { const p = problems[type](v); return p && M[p]; }
    const values = q.options && q.options.map((o) => o[0]);
    if (type === 'radio' || type === 'yesno') return values.includes(v) ? null : q.required_message;
    if (type === 'checkboxes') {
      if (val.some((x) => !values.includes(x))) return q.required_message;
      return val.length < q.min_choices ? M.min_choices : null;
    }
    if (type === 'address') {
      if (!val.region) return M.region;
      if (!val.detail) return M.detail;
      return len(val.region) > q.max_parts.region || len(val.detail) > q.max_parts.detail ? M.too_long : null;
    }
    if (type === 'date') {
      const missing = parts.find((p) => !val[p]);
      if (missing) return M[missing];
      if (!parts.every((p) => /^[0-9]+$/.test(val[p]))) return M.digits;
      if (val.year.length !== 4) return M.year_digits;
      const y = +val.year, m = +val.month, dd = +val.day;
      if (!realDate(y, m, dd)) return m >= 1 && m <= 12 && dd > 28 ? (m === 2 && realDate(y, 2, 29) ? M.february_leap : M.month_days[m - 1]) : M.real;
      const iso = `${val.year}${pad(m)}${pad(dd)}`;
      if (q.when === 'past' && iso >= today) return M.past;
      if (q.when === 'future' && iso <= today) return M.future;
      if (y < 1900) return M.too_early;
      const age = now.getFullYear() - y - ((now.getMonth() + 1) * 100 + now.getDate() < m * 100 + dd ? 1 : 0);
      if (q.min_age != null && age < q.min_age) return M.min_age;
      if (q.max_age != null && age > q.max_age) return M.max_age;
      if (q.under_age != null && age >= q.under_age) return M.under_age;
      return null;
    }
    if (type === 'file') {
      let ext = val.name.includes('.') ? val.name.split('.').pop().toLowerCase() : '';
      if (ext === 'jpeg') ext = 'jpg';
      if (!q.types.includes(ext)) return M.type;
      if (!val.size) return M.empty;
      if (val.size > q.max_bytes) return M.size.replace('{size}', (val.size / 1048576).toFixed(1));
      const head = new Uint8Array(await val.slice(0, 16).arrayBuffer());
      const kind = Object.keys(SIGNATURES).find((t) => SIGNATURES[t].every((x, i) => head[i] === x));
      return q.types.includes(kind) ? null : M.type;
    }
    return null;
  }

  function showProblem(q, message) {
    d.querySelectorAll('[data-offline-error]').forEach((x) => x.remove());
    const target = d.getElementById(q.key) || form.querySelector(`[name^="${q.key}"]`);
    const summary = d.createElement('div');
    summary.className = 'error-summary';
    summary.tabIndex = -1;
    summary.dataset.offlineError = '';
    summary.setAttribute('role', 'alert');
    const h = summary.appendChild(d.createElement('h2'));
    h.className = 'error-summary__title';
    h.textContent = T.problem;
    const a = summary.appendChild(d.createElement('ul')).appendChild(d.createElement('li')).appendChild(d.createElement('a'));
    a.href = `#${target ? target.id : ''}`;
    a.textContent = message;
    form.before(summary);
    const slot = $(`${q.key}-error`);
    if (slot) {
      const p = slot.appendChild(d.createElement('p'));
      p.className = 'error-message';
      p.dataset.offlineError = '';
      p.textContent = `${T.error} ${message}`;
    }
    summary.focus();
  }

  const note = (text) => {
    const n = d.createElement('div');
    n.className = 'notification';
    n.setAttribute('role', 'status');
    n.appendChild(d.createElement('p')).className = 'notification__title';
    n.firstChild.textContent = text;
    return n;
  };

  // What the device knows of the answers (those from the server that decide the
  // order, and those saved offline), to walk the journey as the server would.
  async function answersFor(rules) {
    const answers = meta.known[code] ? await openJson(meta.key, meta.known[code]) : {};
    for (const e of await allEntries()) {
      if (e.code !== code || e.for !== (meta.for || '')) continue;
      const fields = (await openJson(meta.key, e.box)).fields;
      const q = rules.questions.find((x) => x.key === e.key);
      const vs = fields.filter((f) => f[0] === e.key).map((f) => f[1]);
      answers[e.key] = q && q.type === 'checkboxes' ? vs : vs[0];
    }
    return answers;
  }
  const holds = (r, a) => !r || (r.all ? r.all.every((x) => holds(x, a)) : r.any ? r.any.some((x) => holds(x, a))
    : Array.isArray(a[r.field]) ? a[r.field].includes(String(r.equals)) : a[r.field] === String(r.equals));

  async function saveOffline() {
    const rules = await rulesOf(ds.offlineRules);
    const q = rules.questions.find((x) => x.key === questionKey);
    const fd = new FormData(form), id = entryId(questionKey);
    const previous = (await allEntries()).find((e) => e.id === id);
    const kept = previous && q.type === 'file' ? await openJson(meta.key, previous.box) : null;
    const problem = await check(q, fd, kept && kept.files.length);
    if (problem) { showProblem(q, problem); return; }
    const fields = [], files = [], blobs = [];
    for (const [name, value] of fd) {
      if (name === 'csrf_token') continue;
      if (typeof value === 'string') fields.push([name, value]);
      else if (value.name) {
        files.push({ name, filename: value.name, type: value.type });
        blobs.push(await seal(meta.key, await value.arrayBuffer()));
      }
    }
    const entry = { id, code, key: questionKey, for: meta.for || '', idem: token(), t: Date.now(), blobs };
    if (kept && !files.length) { files.push(...kept.files); entry.blobs = previous.blobs; }
    entry.box = await sealJson(meta.key, { fields, files });
    await putEntry(entry);
    const answers = await answersFor(rules), keys = rules.questions.map((x) => x.key);
    const next = new URLSearchParams(location.search).get('return') === 'check' ? null
      : rules.questions.slice(keys.indexOf(questionKey) + 1).find((x) => holds(x.show_if, answers));
    location.assign(next ? form.action.replace(/[^/]*$/, encodeURIComponent(next.key)) : rules.check);
  }

  // An answer saved on the device is shown on its question (and on the offline
  // check page), marked as not sent yet.
  async function showSaved() {
    const list = $('offline-saved');
    const mine = (await allEntries()).filter((e) => e.code === code && e.for === (meta.for || ''));
    if (list) {
      const rules = await rulesOf(ds.offlineRules);
      for (const q of rules.questions) {
        const e = mine.find((x) => x.key === q.key);
        if (!e) continue;
        const p = await openJson(meta.key, e.box);
        const shown = p.fields.map((f) => (q.options ? (q.options.find((o) => o[0] === f[1]) || f)[1] : f[1]))
          .concat(p.files.map((f) => f.filename)).filter(Boolean).join(' ');
        const li = list.appendChild(d.createElement('li'));
        li.textContent = `${q.label}: ${shown}`;
      }
      if (!list.children.length) list.textContent = list.dataset.offlineNone;
    }
    const e = form && mine.find((x) => x.key === questionKey);
    if (!e) return;
    const p = await openJson(meta.key, e.box);
    for (const el of form.elements) {
      if (!el.name || el.type === 'file' || el.type === 'hidden' || el.type === 'submit') continue;
      const vs = p.fields.filter((f) => f[0] === el.name).map((f) => f[1]);
      if (el.type === 'radio' || el.type === 'checkbox') el.checked = vs.includes(el.value);
      else if (vs.length) el.value = vs[0];
    }
    form.before(note(T.saved));
    p.files.forEach((f) => {
      const n = form.querySelector('input[type=file]');
      if (n) n.after(Object.assign(d.createElement('p'), { textContent: T.file.replace('{name}', f.filename) }));
    });
  }

  // ---- sending (一键提交) ----
  async function send() {
    sendButton.disabled = true;
    fixLink.hidden = deleteButton.hidden = true;
    say(T.sending);
    let last = null;
    try {
      const csrf = (await (await fetch(ds.offlineStatus, { credentials: 'same-origin' })).json()).csrf_token;
      for (const e of (await allEntries()).sort((x, y) => x.t - y.t)) {
        const p = await openJson(meta.key, e.box), fd = new FormData();
        p.fields.forEach((f) => fd.append(f[0], f[1]));
        for (let i = 0; i < p.files.length; i++) {
          const f = p.files[i];
          fd.append(f.name, new File([await unseal(meta.key, e.blobs[i])], f.filename, { type: f.type }));
        }
        const r = await fetch(ds.offlineSend.replace('CODE', e.code).replace('KEY', encodeURIComponent(e.key)), {
          method: 'POST', body: fd, credentials: 'same-origin',
          headers: { 'X-CSRFToken': csrf, 'Idempotency-Key': e.idem, 'X-Offline-For': e.for },
        });
        const reply = await r.json();
        if (reply.status === 'ok') { await dropEntry(e.id); last = reply.check || last; continue; }
        if (reply.status === 'invalid') {
          await dropEntry(e.id); // the server keeps it on the draft, to correct there
          say(`${T.fix} ${reply.message}`);
          fixLink.href = reply.url;
          fixLink.hidden = false;
        } else {
          say(reply.message);
          deleteButton.hidden = reply.status !== 'consent_ended';
        }
        return;
      }
      if (last) location.assign(last);
      else refresh();
    } catch (err) {
      say(T.failed);
    } finally {
      sendButton.disabled = false;
    }
  }

  async function refresh() {
    if (!nav.onLine) { actions.hidden = true; await say(T.offline); return; }
    const waiting = new Set((await allEntries()).map((e) => e.for + e.code)).size;
    await say(waiting ? (waiting === 1 ? T.waitingOne : T.waitingOther).replace('{n}', waiting) : '');
    actions.hidden = !waiting;
  }

  // Keep for offline use, once per application and version (data-offline-version,
  // the rules' ETag): every blank question page, the service and check pages, the
  // fallback page and the static files this page uses; the rules go in last, so a
  // copy is complete when they are there. Marked, so bench/pages.py can tell these
  // background requests from the page's own.
  const bg = (u) => new Request(u, { headers: { 'X-Yiban-Offline-Copy': '1' } });
  async function keepForOffline() {
    const cache = await caches.open('yiban-pages');
    const kept = await cache.match(ds.offlineRules);
    if (!kept || !(kept.headers.get('ETag') || '').includes(ds.offlineVersion)) {
      const r = await fetch(bg(ds.offlineRules)), rules = await r.clone().json();
      await Promise.all(['/offline', rules.service, rules.check.replace('/apply/', '/offline/page/'),
        ...Object.values(rules.pages),
        ...[...d.querySelectorAll('link[rel=stylesheet],link[rel=manifest],script[src]')].map((x) => x.href || x.src)]
        .map((u) => cache.add(bg(u))));
      await cache.put(ds.offlineRules, r);
    }
    d.documentElement.dataset.offlineReady = '1';
  }

  async function start() {
    meta = await loadMeta();
    if (!meta) return;
    if (form && code) {
      form.addEventListener('submit', (ev) => {
        if (nav.onLine && !ds.offlineBlank) return;
        ev.preventDefault();
        ev.stopPropagation(); // nothing goes out: yiban.js must not hold the next press
        if (!(ev.submitter && ev.submitter.name)) saveOffline(); // not the language switch
      }, true);
    }
    sendButton.addEventListener('click', send);
    deleteButton.addEventListener('click', async () => {
      await wipe();
      meta = null;
      actions.hidden = true;
      say(T.deleted);
    });
    addEventListener('online', refresh);
    addEventListener('offline', refresh);
    await showSaved();
    await refresh();
    if (code && nav.onLine && !ds.offlineBlank) {
      await nav.serviceWorker.register(ds.offlineWorker);
      await nav.serviceWorker.ready;
      await keepForOffline();
    }
  }
  start().catch(() => {});
})();
