/* tracebook default theme: progressive enhancement only.
 * Every page is complete without this file; it adds the quick-jump box, sortable table columns
 * and table filters. Plain ES2017, no dependencies, no eval, no inline handlers (CSP-safe). */
(function () {
  'use strict';

  // Prefix from this page to the site root ("", "../", "../../"), set by the templates.
  const root = document.documentElement.getAttribute('data-root') || '';
  // Natural, case-insensitive order: REQ-2 < REQ-10.
  const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
  const MAX_MATCHES = 12;

  /* ---------- Sortable tables: every <th data-sort> becomes a toggle button. ---------- */

  function sortKey(row, col) {
    const cell = row.cells[col];
    if (!cell) return '';
    // data-value overrides the visible text (e.g. a count of links).
    return cell.hasAttribute('data-value') ? cell.getAttribute('data-value') : cell.textContent.trim();
  }

  function makeSortable(table) {
    const heads = Array.from(table.tHead.rows[0].cells);
    const body = table.tBodies[0];
    heads.forEach(function (th, col) {
      if (!th.hasAttribute('data-sort')) return;
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'sort';
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      button.addEventListener('click', function () {
        const ascending = th.getAttribute('aria-sort') !== 'ascending';
        heads.forEach(function (h) { h.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
        const dir = ascending ? 1 : -1;
        const rows = Array.from(body.rows);
        rows.sort(function (a, b) { return dir * collator.compare(sortKey(a, col), sortKey(b, col)); });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  }

  /* ---------- Filters: <div class="filters" data-filters-for="TABLE_ID" hidden>. ----------
   * The text box matches the columns whose <th> has data-search; each <select data-filter="x">
   * matches the rows' data-x attribute (the whole value, or one of its space-separated tokens). */

  function makeFilterable(box) {
    const table = document.getElementById(box.getAttribute('data-filters-for'));
    if (!table || !table.tBodies[0]) return;
    const rows = Array.from(table.tBodies[0].rows);
    const text = box.querySelector('[data-filter-text]');
    const selects = Array.from(box.querySelectorAll('select[data-filter]'));
    const count = box.querySelector('.filter-count');
    const searchCols = [];
    Array.from(table.tHead.rows[0].cells).forEach(function (th, i) {
      if (th.hasAttribute('data-search')) searchCols.push(i);
    });

    // A select holding only "All" gets one option per distinct value found in the rows.
    selects.forEach(function (sel) {
      if (sel.options.length > 1) return;
      const seen = new Set();
      rows.forEach(function (r) {
        const v = r.getAttribute('data-' + sel.getAttribute('data-filter')) || '';
        if (v && !seen.has(v)) { seen.add(v); sel.add(new Option(v, v)); }
      });
    });

    function matches(row, q) {
      if (q && !searchCols.some(function (i) {
        return row.cells[i] && row.cells[i].textContent.toLowerCase().indexOf(q) !== -1;
      })) return false;
      return selects.every(function (sel) {
        if (!sel.value) return true;
        const v = row.getAttribute('data-' + sel.getAttribute('data-filter')) || '';
        return v === sel.value || v.split(/\s+/).indexOf(sel.value) !== -1;
      });
    }

    function apply() {
      const q = text ? text.value.trim().toLowerCase() : '';
      let shown = 0;
      rows.forEach(function (r) {
        r.hidden = !matches(r, q);
        if (!r.hidden) shown += 1;
      });
      if (count) count.textContent = shown === rows.length ? rows.length + ' rows' : shown + ' of ' + rows.length + ' rows';
    }

    box.addEventListener('input', apply);
    box.addEventListener('change', apply);
    box.hidden = false;
    apply();
  }

  /* ---------- Quick jump: <input id="jump"> + <ul id="jump-list" role="listbox">. ---------- */

  function setupJump(input, list) {
    let index = null;   // window.TRACEBOOK_JUMP once loaded: [[id, title, kind, href], ...]
    let loading = false;
    let found = [];
    let active = -1;

    input.setAttribute('role', 'combobox');
    input.setAttribute('aria-autocomplete', 'list');
    input.setAttribute('aria-controls', list.id);
    input.setAttribute('aria-expanded', 'false');

    // Loaded with a <script src> element, so it works from file:// and under script-src 'self'.
    function load() {
      if (index || loading) return;
      loading = true;
      const s = document.createElement('script');
      s.src = root + 'assets/jump-index.js';
      s.addEventListener('load', function () {
        index = Array.isArray(window.TRACEBOOK_JUMP) ? window.TRACEBOOK_JUMP : [];
        update();
      });
      s.addEventListener('error', function () { loading = false; });
      document.head.appendChild(s);
    }

    // Exact id first, then id prefix (natural order), then id or title substring.
    function search(q) {
      const exact = [], prefix = [], other = [];
      index.forEach(function (e) {
        const id = String(e[0]).toLowerCase();
        if (id === q) exact.push(e);
        else if (id.startsWith(q)) prefix.push(e);
        else if (id.indexOf(q) !== -1 || String(e[1] || '').toLowerCase().indexOf(q) !== -1) other.push(e);
      });
      prefix.sort(function (a, b) { return collator.compare(a[0], b[0]); });
      return exact.concat(prefix, other).slice(0, MAX_MATCHES);
    }

    function close() {
      list.hidden = true;
      input.setAttribute('aria-expanded', 'false');
      input.removeAttribute('aria-activedescendant');
    }

    function go(entry) {
      if (entry && entry[3]) window.location.href = root + entry[3];
    }

    // The last option (index found.length) opens the full-text search page.
    function choose(i) {
      if (i >= 0 && i < found.length) { go(found[i]); return; }
      const q = input.value.trim();
      if (q) window.location.href = root + 'search/index.html?q=' + encodeURIComponent(q);
    }

    function render() {
      list.textContent = '';
      found.forEach(function (e, i) {
        const li = document.createElement('li');
        li.id = 'jump-opt-' + i;
        li.setAttribute('role', 'option');
        li.setAttribute('aria-selected', i === active ? 'true' : 'false');
        [['jump-id', e[0]], ['jump-title', e[1]], ['jump-kind', e[2]]].forEach(function (part) {
          const span = document.createElement('span');
          span.className = part[0];
          span.textContent = part[1] == null ? '' : String(part[1]);
          li.appendChild(span);
        });
        li.addEventListener('mousedown', function (ev) { ev.preventDefault(); }); // keep focus
        li.addEventListener('click', function () { go(e); });
        list.appendChild(li);
      });
      if (!found.length) {
        const li = document.createElement('li');
        li.className = 'jump-none';
        li.textContent = 'No matching id or title';
        list.appendChild(li);
      }
      const all = document.createElement('li');
      all.id = 'jump-opt-' + found.length;
      all.className = 'jump-search';
      all.setAttribute('role', 'option');
      all.setAttribute('aria-selected', active === found.length ? 'true' : 'false');
      all.textContent = 'Search all text for “' + input.value.trim() + '”';
      all.addEventListener('mousedown', function (ev) { ev.preventDefault(); });
      all.addEventListener('click', function () { choose(found.length); });
      list.appendChild(all);
      list.hidden = false;
      input.setAttribute('aria-expanded', 'true');
      if (active >= 0) {
        input.setAttribute('aria-activedescendant', 'jump-opt-' + active);
        const option = document.getElementById('jump-opt-' + active);
        if (option) option.scrollIntoView({ block: 'nearest' });
      } else {
        input.removeAttribute('aria-activedescendant');
      }
    }

    function update() {
      const q = input.value.trim().toLowerCase();
      if (!q || !index) { found = []; close(); return; }
      found = search(q);
      active = 0; // the first match, or the search option when nothing matches
      render();
    }

    input.addEventListener('focus', function () { load(); if (input.value) update(); });
    input.addEventListener('input', update);
    input.addEventListener('blur', close);
    input.addEventListener('keydown', function (ev) {
      if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
        if (list.hidden) return;
        ev.preventDefault();
        const step = ev.key === 'ArrowDown' ? 1 : -1;
        const options = found.length + 1;
        active = (active + step + options) % options;
        render();
      } else if (ev.key === 'Enter') {
        ev.preventDefault();
        choose(list.hidden ? 0 : active);
      } else if (ev.key === 'Escape') {
        if (!list.hidden) { ev.preventDefault(); close(); }
      }
    });
    // With the script, submitting picks an option like Enter does (the form, for no-JS readers,
    // goes to the search page).
    if (input.form) input.form.addEventListener('submit', function (ev) { ev.preventDefault(); choose(active); });

    // "/" focuses the box from anywhere that is not a text field.
    document.addEventListener('keydown', function (ev) {
      const t = ev.target;
      if (ev.key !== '/' || ev.ctrlKey || ev.metaKey || ev.altKey) return;
      if (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName)) return;
      ev.preventDefault();
      input.focus();
    });
  }

  /* ---------- Start. The script is deferred, so the DOM is parsed already. ---------- */

  document.querySelectorAll('table').forEach(function (t) {
    if (t.tHead && t.tBodies[0] && t.querySelector('th[data-sort]')) makeSortable(t);
  });
  document.querySelectorAll('.filters[data-filters-for]').forEach(makeFilterable);
  const jump = document.getElementById('jump');
  const jumpList = document.getElementById('jump-list');
  if (jump && jumpList) setupJump(jump, jumpList);
})();
