/* tracebook serve: the build status under the footer. Loaded only by sites that the server's
 * workers build (site.has_edit_links). The page itself is static and shows the commit it was
 * built from; this asks GET /api/builds what happened since: a failed build (a bad push: the
 * site keeps showing the last good one) or a build running. Text
 * only (textContent), styled by classes in style.css: no inline script or style (CSP). */
(function () {
  'use strict';

  const footer = document.querySelector('.site-footer');
  if (!footer || !window.fetch) return;
  function short(commit) {
    return commit ? commit.slice(0, 8) : 'an unknown commit';
  }

  function describe(latest) {
    if (latest.result === 'failed') {
      const first = latest.diagnostics && latest.diagnostics.length ? ' First problem: ' + latest.diagnostics[0] : '';
      return ['build-failed', 'The latest build (' + short(latest.commit) + ') failed: ' +
        (latest.message || 'see GET /api/builds') + '.' + first + ' This site is the last good build.'];
    }
    if (latest.result === 'running') {
      return ['build-running', 'A build of ' + short(latest.commit) + ' is running.'];
    }
    return ['build-ok', 'Last build published in ' + latest.duration_ms + ' ms by ' + latest.worker + '.'];
  }

  fetch('/api/builds?limit=1', { credentials: 'same-origin', headers: { Accept: 'application/json' } })
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (answer) {
      if (!answer || !answer.builds || !answer.builds.length) return;
      const status = describe(answer.builds[0]);
      const line = document.createElement('p');
      line.className = 'build-status ' + status[0];
      line.id = 'build-status';
      line.textContent = status[1];
      footer.appendChild(line);
    })
    .catch(function () { /* no server behind the site (a copy): nothing to say */ });
})();
