/* tracebook static search, the page: the form, filters and results of search/index.html, over
 * the engine in search-engine.js. No server, no fetch, no WebAssembly, no eval: every index file
 * is a script that calls TRACEBOOK_SEARCH.add(name, data) and is loaded with <script src>, so
 * search runs under `script-src 'self'` and from file://. Indexed text reaches the page only as
 * text nodes; highlights are <mark> elements. */
(function () {
  'use strict';

  const Engine = window.TRACEBOOK_SEARCH_ENGINE && window.TRACEBOOK_SEARCH_ENGINE.Engine;
  const PAGE = 10;
  const form = document.getElementById('search-form');
  if (!form || !Engine) return;
  const input = document.getElementById('search-q');
  const kindSel = document.getElementById('search-kind');
  const statusSel = document.getElementById('search-status');
  const summary = document.getElementById('search-summary');
  const list = document.getElementById('search-results');
  const more = document.getElementById('search-more');
  const root = document.documentElement.getAttribute('data-root') || '';
  const base = form.getAttribute('data-manifest').replace(/manifest\.js$/, '');

  // Registration: each index file calls TRACEBOOK_SEARCH.add(name, data) when it runs.
  const waiting = new Map();
  window.TRACEBOOK_SEARCH = {
    add: function (name, data) {
      const w = waiting.get(name);
      if (w) { waiting.delete(name); w.resolve(data); }
    }
  };
  function loadScript(name, hash) {
    return new Promise(function (resolve, reject) {
      waiting.set(name, { resolve: resolve });
      const s = document.createElement('script');
      s.src = base + name + '.js' + (hash && name !== 'manifest' ? '?v=' + hash : '');
      s.async = true;
      s.addEventListener('load', function () {
        s.remove();
        if (waiting.delete(name)) reject(new Error(name + '.js did not register'));
      });
      s.addEventListener('error', function () {
        s.remove();
        waiting.delete(name);
        reject(new Error('could not load ' + s.src));
      });
      document.head.appendChild(s);
    });
  }

  const engine = new Engine(loadScript);
  let last = null;       // the last result of engine.search, unfiltered
  let shown = [];        // filtered hits
  let rendered = 0;
  let run = 0;           // drops answers to queries typed over

  function option(select, value, label) {
    const o = document.createElement('option');
    o.value = value;
    o.textContent = label;
    select.appendChild(o);
  }

  // Option labels with the number of hits each would leave, given the other filter.
  function facetCounts() {
    const m = engine.manifest;
    const k = kindSel.value, s = statusSel.value;
    const byKind = new Map(), byStatus = new Map();
    (last ? last.hits : []).forEach(function (h) {
      const kn = (m.kinds[h.kind] || [''])[0], sn = m.statuses[h.status];
      if (!s || sn === s) byKind.set(kn, (byKind.get(kn) || 0) + 1);
      if (!k || kn === k) byStatus.set(sn, (byStatus.get(sn) || 0) + 1);
    });
    Array.from(kindSel.options).forEach(function (o) {
      if (!o.value) return;
      o.textContent = o.getAttribute('data-label') + (last ? ' (' + (byKind.get(o.value) || 0) + ')' : '');
    });
    Array.from(statusSel.options).forEach(function (o) {
      if (!o.value) return;
      o.textContent = o.value + (last ? ' (' + (byStatus.get(o.value) || 0) + ')' : '');
    });
  }

  // Appends `text` to `el`, words matching the query wrapped in <mark>; text nodes only.
  function highlight(el, text, terms) {
    const word = /[\p{Alphabetic}\p{N}]+/gu;
    let at = 0, match;
    function plain(s) { if (s) el.appendChild(document.createTextNode(s)); }
    while ((match = word.exec(text)) !== null) {
      const w = match[0].toLowerCase();
      const hit = terms.some(function (t) { return t.prefix ? w.startsWith(t.term) : w === t.term; });
      if (!hit) continue;
      plain(text.slice(at, match.index));
      const mark = document.createElement('mark');
      mark.textContent = match[0];
      el.appendChild(mark);
      at = match.index + match[0].length;
    }
    plain(text.slice(at));
  }

  function badge(cls, text) {
    const b = document.createElement('span');
    b.className = cls;
    b.textContent = text;
    return b;
  }

  function item(doc, terms) {
    const li = document.createElement('li');
    li.className = 'search-hit';
    const h = document.createElement('h2');
    const a = document.createElement('a');
    a.href = root + doc.href;
    const id = document.createElement('span');
    id.className = 'id';
    highlight(id, doc.id, terms);
    a.appendChild(id);
    a.appendChild(document.createTextNode(' '));
    const title = document.createElement('span');
    title.className = 'hit-title';
    highlight(title, doc.title, terms);
    a.appendChild(title);
    h.appendChild(a);
    li.appendChild(h);
    const meta = document.createElement('p');
    meta.className = 'hit-meta';
    meta.appendChild(badge('tag kind', doc.kindTitle || doc.kind));
    meta.appendChild(document.createTextNode(' '));
    if (doc.status) {
      const slug = doc.status.toLowerCase().replace(/ /g, '-');
      meta.appendChild(badge('badge status status-' + slug, doc.status));
    }
    li.appendChild(meta);
    if (doc.summary) {
      const p = document.createElement('p');
      p.className = 'snippet';
      highlight(p, doc.summary, terms);
      li.appendChild(p);
    }
    return li;
  }

  function say(text) { summary.textContent = text; }

  function showMore(mine) {
    const page = shown.slice(rendered, rendered + PAGE);
    rendered += page.length;
    more.hidden = true;
    return engine.docs(page).then(function (docs) {
      if (mine !== run) return;
      docs.forEach(function (d) { list.appendChild(item(d, last.terms)); });
      more.hidden = rendered >= shown.length;
    });
  }

  function applyFilters(mine) {
    const m = engine.manifest;
    const k = kindSel.value, s = statusSel.value;
    shown = last.hits.filter(function (h) {
      return (!k || (m.kinds[h.kind] || [''])[0] === k) && (!s || m.statuses[h.status] === s);
    });
    facetCounts();
    list.textContent = '';
    rendered = 0;
    const q = input.value.trim();
    let text = shown.length === 0 ? 'No results for “' + q + '”.'
      : shown.length + (shown.length === 1 ? ' result' : ' results') + ' for “' + q + '”.';
    if (shown.length && last.partial) text += ' No item has every word; these have some of them.';
    if (last.cut) text += ' A very common word matched: only its best matches are included.';
    if (last.wide) text += ' The prefix is short: only the first matching words were searched.';
    if (k || s) text += ' Filtered by ' + [k, s].filter(Boolean).join(', ') + '.';
    say(text);
    return showMore(mine);
  }

  function search() {
    const mine = ++run;
    const q = input.value.trim();
    const params = new URLSearchParams();
    if (q) params.set('q', q);
    if (kindSel.value) params.set('kind', kindSel.value);
    if (statusSel.value) params.set('status', statusSel.value);
    const query = params.toString();
    try {
      history.replaceState(null, '', query ? '?' + query : window.location.pathname);
    } catch (e) { /* file:// in some browsers */ }
    if (!q) { last = null; list.textContent = ''; more.hidden = true; facetCounts(); say(''); return; }
    say('Searching…');
    engine.search(q).then(function (result) {
      if (mine !== run) return;
      last = result;
      return applyFilters(mine);
    }).catch(function (err) {
      if (mine === run) say('Search failed: ' + err.message);
    });
  }

  function refilter() {
    if (!last) { search(); return; }
    const mine = ++run;
    applyFilters(mine).catch(function (err) { if (mine === run) say('Search failed: ' + err.message); });
  }

  let timer = 0;
  input.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(search, 200); });
  kindSel.addEventListener('change', refilter);
  statusSel.addEventListener('change', refilter);
  form.addEventListener('submit', function (ev) { ev.preventDefault(); clearTimeout(timer); search(); });
  more.addEventListener('click', function () { showMore(run); });

  const params = new URLSearchParams(window.location.search);
  input.value = params.get('q') || '';
  engine.open().then(function (m) {
    m.kinds.forEach(function (k) {
      option(kindSel, k[0], k[1]);
      kindSel.lastChild.setAttribute('data-label', k[1]);
    });
    m.statuses.forEach(function (s) { option(statusSel, s, s); });
    kindSel.value = params.get('kind') || '';
    statusSel.value = params.get('status') || '';
    if (input.value) search();
  }).catch(function (err) { say('The search index could not be loaded: ' + err.message); });
  if (!input.value) input.focus();
})();
