/* tracebook static search, the engine: parses a query, loads the index files it needs from
 * assets/search/ (written by `tracebook build`, see generator/src/static_search.rs) and ranks
 * the hits. No DOM: search.js drives it on the search page, and scripts/search-query.js runs it
 * under Node for the tests and the benchmark. Keep the tokenizer in step with
 * generator/src/static_search/text.rs. */
(function () {
  'use strict';

  const SEP = /[^\p{Alphabetic}\p{N}]+/u;
  const EDGE = /^[^\p{Alphabetic}\p{N}]+|[^\p{Alphabetic}\p{N}]+$/gu;
  const MIN_PREFIX = 2;          // "o*" would walk half the vocabulary
  const MAX_PREFIX_SHARDS = 8;   // a prefix query loads at most this many shards

  function chars(s) { return Array.from(s); }

  /* ---------- Query parsing: the same tokens as the index, plus `*` prefixes. ---------- */

  // -> { terms: [{ term, prefix }], full: the whole query when it may be an id, words: [...] }
  function parseQuery(q, m) {
    const stop = new Set(m.stop);
    const terms = [];
    const seen = new Set();
    const raw = q.trim().split(/\s+/).filter(Boolean);
    raw.forEach(function (word) {
      const isPrefix = /\*$/.test(word);
      const parts = word.replace(/\*+$/, '').toLowerCase().split(SEP).filter(Boolean);
      parts.forEach(function (part, i) {
        let term = part;
        let prefix = isPrefix && i === parts.length - 1 && chars(term).length >= MIN_PREFIX;
        if (chars(term).length > m.max_term) {
          term = chars(term).slice(0, m.max_term).join('');
          prefix = true;
        }
        if (!prefix && stop.has(term)) return;
        const key = (prefix ? '*' : '=') + term;
        if (!seen.has(key)) { seen.add(key); terms.push({ term: term, prefix: prefix }); }
      });
    });
    // One word typed: it may be an item's id, indexed whole (`sys-014`).
    let full = null;
    if (raw.length === 1 && !/\*$/.test(raw[0])) {
      full = raw[0].toLowerCase().replace(EDGE, '');
      if (!full || chars(full).length > m.max_term) full = null;
    }
    return { terms: terms, full: full };
  }

  /* ---------- The engine: shards, postings, ranking. ---------- */

  // `load(name, hash)` returns a promise of the data the file `name` registers.
  function Engine(load) {
    this.load = load;
    this.files = new Map();
    this.manifest = null;
  }

  Engine.prototype.file = function (name) {
    const files = this.files;
    let p = files.get(name);
    if (!p) {
      p = this.load(name, this.manifest ? this.manifest.hash : '');
      p.catch(function () { files.delete(name); });
      files.set(name, p);
    }
    return p;
  };

  Engine.prototype.open = function () {
    const self = this;
    if (!this.opening) {
      this.opening = this.file('manifest').then(function (m) {
        m.digitValue = {};
        chars(m.digits).forEach(function (c, i) { m.digitValue[c] = i; });
        m.obsolete = m.statuses.indexOf('obsolete');
        self.manifest = m;
        return m;
      });
      this.opening.catch(function () { self.opening = null; });
    }
    return this.opening;
  };

  // Index of the shard that holds `term`: the last whose first term is <= it.
  function shardOf(shards, term) {
    let lo = 0, hi = shards.length - 1, found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (shards[mid] <= term) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return found;
  }

  // Adds a posting string's (doc, weight) pairs into `into` (a Map), keeping the higher weight.
  function decode(m, code, into) {
    let value = 0, mult = 1, previous = -1;
    for (let i = 0; i < code.length; i++) {
      const d = m.digitValue[code[i]];
      if (d === undefined) continue;            // the leading "!" of a cut list
      if (d >= 32) { value += (d - 32) * mult; mult *= 32; continue; }
      value += d * mult;
      const doc = previous + 1 + Math.floor(value / 8);
      const weight = (value % 8) + 1;
      if (!(into.get(doc) >= weight)) into.set(doc, weight);
      previous = doc;
      value = 0; mult = 1;
    }
  }

  // -> { docs: Map(doc -> weight), cut: a common term kept only its best postings, wide }
  Engine.prototype.postings = function (t) {
    const m = this.manifest;
    const out = { docs: new Map(), cut: false, wide: false };
    if (!m.shards.length) return Promise.resolve(out);
    const first = shardOf(m.shards, t.term);
    let last = t.prefix ? shardOf(m.shards, t.term + '\uffff') : first;
    if (last - first >= MAX_PREFIX_SHARDS) { last = first + MAX_PREFIX_SHARDS - 1; out.wide = true; }
    const names = [];
    for (let s = first; s <= last; s++) names.push('t' + s);
    return Promise.all(names.map(this.file, this)).then(function (shards) {
      shards.forEach(function (list) {
        for (let i = 0; i < list.length; i += 2) {
          const term = list[i];
          if (t.prefix ? term.startsWith(t.term) : term === t.term) {
            if (list[i + 1][0] === '!') out.cut = true;
            decode(m, list[i + 1], out.docs);
          }
        }
      });
      return out;
    });
  };

  // Kind and status of a document, from the manifest's ranges (no download).
  Engine.prototype.place = function (doc) {
    const r = this.manifest.ranges;
    let lo = 0, hi = r.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (doc < r[mid][2]) hi = mid - 1;
      else if (doc >= r[mid][3]) lo = mid + 1;
      else return { kind: r[mid][0], status: r[mid][1] };
    }
    return { kind: -1, status: -1 };
  };

  // Ranked hits for `q`: exact id first, then non-obsolete before obsolete, then the number of
  // words found in a title (or id), then the summed weight, then document order.
  Engine.prototype.search = function (q) {
    const self = this;
    return this.open().then(function (m) {
      const parsed = parseQuery(q, m);
      const lookups = parsed.terms.slice();
      if (parsed.full) lookups.push({ term: parsed.full, prefix: false });
      return Promise.all(lookups.map(self.postings, self)).then(function (lists) {
        const words = lists.slice(0, parsed.terms.length);
        const exact = parsed.full ? lists[lists.length - 1].docs : new Map();
        return self.rank(parsed, words, exact);
      });
    });
  };

  Engine.prototype.rank = function (parsed, words, exact) {
    const m = this.manifest;
    let partial = false;
    let docs = [];
    if (words.length) {
      const smallest = words.reduce(function (a, b) { return a.docs.size <= b.docs.size ? a : b; });
      smallest.docs.forEach(function (w, doc) {
        if (words.every(function (l) { return l.docs.has(doc); })) docs.push(doc);
      });
      if (!docs.length && words.length > 1) {   // no item has every word: any word will do
        partial = true;
        const all = new Set();
        words.forEach(function (l) { l.docs.forEach(function (w, doc) { all.add(doc); }); });
        docs = Array.from(all);
      }
    }
    const isExact = new Set();
    exact.forEach(function (w, doc) { if (w === m.id_weight) isExact.add(doc); });
    isExact.forEach(function (doc) { if (docs.indexOf(doc) === -1) docs.push(doc); });
    const self = this;
    const hits = docs.map(function (doc) {
      let score = 0, titles = 0;
      words.forEach(function (l) {
        const w = l.docs.get(doc) || 0;
        score += w;
        if (w >= m.title_weight) titles += 1;
      });
      const place = self.place(doc);
      return { doc: doc, score: score, titles: titles, exact: isExact.has(doc),
        kind: place.kind, status: place.status, obsolete: place.status === m.obsolete };
    });
    hits.sort(function (a, b) {
      return (b.exact - a.exact) || (a.obsolete - b.obsolete) || (b.titles - a.titles) ||
        (b.score - a.score) || (a.doc - b.doc);
    });
    return {
      hits: hits,
      partial: partial,
      cut: words.some(function (l) { return l.cut; }),
      wide: words.some(function (l) { return l.wide; }),
      terms: parsed.terms,
    };
  };

  // Records for `hits` (loads only their chunks): { id, title, summary, href, kind, status }.
  Engine.prototype.docs = function (hits) {
    const m = this.manifest;
    const names = [];
    hits.forEach(function (h) {
      const name = 'd' + Math.floor(h.doc / m.chunk);
      if (names.indexOf(name) === -1) names.push(name);
    });
    return Promise.all(names.map(this.file, this)).then(function (chunks) {
      return hits.map(function (h) {
        const r = chunks[names.indexOf('d' + Math.floor(h.doc / m.chunk))][h.doc % m.chunk];
        const kind = m.kinds[h.kind] || ['', ''];
        return { id: r[0], title: r[1], summary: r[2],
          href: r[3] || 'items/' + r[0] + '/index.html',
          kind: kind[0], kindTitle: kind[1], status: m.statuses[h.status] || '' };
      });
    });
  };

  const core = { Engine: Engine, parseQuery: parseQuery };
  if (typeof module === 'object' && module.exports) module.exports = core;
  else window.TRACEBOOK_SEARCH_ENGINE = core;
})();
