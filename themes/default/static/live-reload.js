/* tracebook preview: live reload. Loaded only by pages that `tracebook preview` built
 * (site.has_live_reload). Listens to the preview's build events: a build that changed the site
 * reloads the page; a failed build shows its problems over the page, which keeps showing the
 * last good site. Builds the overlay with createElement and textContent only (no innerHTML:
 * diagnostics quote the project's text), and styles it with the classes in style.css (CSP-safe:
 * no inline script or style). */
(function () {
  'use strict';

  const script = document.currentScript;
  if (!script || !window.EventSource || !window.fetch) return;
  // …/assets/live-reload.js → …/ : the site root, wherever the page is.
  const root = script.src.replace(/assets\/live-reload\.js(?:[?#].*)?$/, '');
  const MAX_SHOWN = 50;
  let overlay = null;
  let opened = false;

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function hide() {
    if (overlay) overlay.remove();
    overlay = null;
  }

  function diagnosticItem(d) {
    const item = el('li', 'tb-preview-diagnostic tb-preview-' + d.severity);
    const head = el('p', 'tb-preview-head');
    head.appendChild(el('span', 'tb-preview-severity', d.severity));
    head.appendChild(document.createTextNode('['));
    head.appendChild(el('code', null, d.code));
    head.appendChild(document.createTextNode('] '));
    head.appendChild(el('code', 'tb-preview-where', d.file + ':' + d.line + ':' + d.column));
    item.appendChild(head);
    item.appendChild(el('p', 'tb-preview-message', d.message));
    if (d.help) item.appendChild(el('p', 'tb-preview-help', 'help: ' + d.help));
    return item;
  }

  function show(status) {
    hide();
    overlay = el('div', 'tb-preview-overlay');
    overlay.setAttribute('role', 'alertdialog');
    overlay.setAttribute('aria-live', 'assertive');
    overlay.setAttribute('aria-label', 'The preview build failed');
    const box = el('div', 'tb-preview-box');
    const problems = status.errors === 1 ? '1 error' : status.errors + ' errors';
    box.appendChild(el('h2', 'tb-preview-title',
      'Build ' + status.build + ' failed' + (status.errors ? ' (' + problems + ')' : '') +
      ': this page shows the last good site'));
    if (status.failure) box.appendChild(el('pre', 'tb-preview-failure', status.failure));
    const list = el('ol', 'tb-preview-list');
    status.diagnostics.slice(0, MAX_SHOWN).forEach(function (d) {
      list.appendChild(diagnosticItem(d));
    });
    if (list.childElementCount) box.appendChild(list);
    if (status.diagnostics.length > MAX_SHOWN) {
      box.appendChild(el('p', 'tb-preview-more',
        (status.diagnostics.length - MAX_SHOWN) + ' more on the problems page.'));
    }
    const actions = el('p', 'tb-preview-actions');
    const link = el('a', null, 'All problems');
    link.href = root + '_tracebook/errors';
    actions.appendChild(link);
    const close = el('button', 'tb-preview-close', 'Hide');
    close.type = 'button';
    close.addEventListener('click', hide);
    actions.appendChild(close);
    box.appendChild(actions);
    overlay.appendChild(box);
    document.body.appendChild(overlay);
  }

  function checkStatus() {
    fetch(root + '_tracebook/status', { cache: 'no-store' })
      .then(function (response) { return response.json(); })
      .then(function (status) {
        if (status.ok) hide(); else show(status);
      })
      .catch(function () { /* the preview stopped; the event source retries */ });
  }

  const events = new EventSource(root + '_tracebook/events');
  events.addEventListener('open', function () {
    // A reconnection means the preview restarted or the link dropped: builds may have been
    // missed, so load the page again. The first connection only checks for a failed build.
    if (opened) { location.reload(); return; }
    opened = true;
    checkStatus();
  });
  events.addEventListener('build', function (event) {
    let build;
    try { build = JSON.parse(event.data); } catch (e) { return; }
    if (!build.ok) { checkStatus(); return; }
    // A build that changed no file leaves this page as it is (unless it was showing errors).
    if (overlay || build.rendered > 0 || build.removed > 0) location.reload();
  });
})();
