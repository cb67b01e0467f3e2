#!/usr/bin/env node
/* Runs the search page's engine (themes/default/static/search-engine.js, copied into the site
 * as assets/search-engine.js) under Node against a built site, the way the browser does: the same code,
 * the same files, loaded one by one. For tests and the benchmark.
 *
 *   node scripts/search-query.js SITE_DIR "query" ["query" ...]
 *
 * Prints one JSON object per query, from a cold cache: the first page of results (10, as the
 * search page shows), the total, and every index file a browser would load for it with its
 * size in bytes (the manifest, the term shards, the document chunks of that page). */
'use strict';

const fs = require('fs');
const path = require('path');
const vm = require('vm');

const [site, ...queries] = process.argv.slice(2);
if (!site || !queries.length) {
  console.error('usage: search-query.js SITE_DIR QUERY...');
  process.exit(2);
}
// The site's copy of the engine when there is one (a built site), else the theme's (a folder
// holding only assets/search/, as the benchmark writes).
const siteEngine = path.resolve(site, 'assets/search-engine.js');
const { Engine } = require(fs.existsSync(siteEngine)
  ? siteEngine
  : path.join(__dirname, '../themes/default/static/search-engine.js'));
const PAGE = 10;

async function run(query) {
  const files = {};
  // The browser's <script src> loader, minus the DOM: run the file, catch what it registers.
  const engine = new Engine(async (name) => {
    const file = path.join(site, 'assets/search', name + '.js');
    const text = fs.readFileSync(file, 'utf8');
    files[name] = Buffer.byteLength(text);
    let data;
    const window = { TRACEBOOK_SEARCH: { add: (n, d) => { if (n === name) data = d; } } };
    vm.runInNewContext(text, { window }, { filename: file });
    if (data === undefined) throw new Error(name + '.js did not register');
    return data;
  });
  const result = await engine.search(query);
  const docs = await engine.docs(result.hits.slice(0, PAGE));
  return {
    query,
    total: result.hits.length,
    partial: result.partial,
    cut: result.cut,
    results: docs.map((d, i) => ({ id: d.id, title: d.title, kind: d.kind, status: d.status,
      exact: result.hits[i].exact })),
    files,
    bytes: Object.values(files).reduce((a, b) => a + b, 0),
  };
}

(async () => {
  for (const q of queries) console.log(JSON.stringify(await run(q)));
})().catch((err) => { console.error(err); process.exit(1); });
