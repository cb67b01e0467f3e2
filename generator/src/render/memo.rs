//! What a long-lived builder remembers of the last render, so that the next one computes page
//! digests only near what changed.
//!
//! Computing an item page's digest means building its trace trees, which costs more than
//! everything else an unchanged page needs. But a page can only change when its own item
//! changed (content, problems, coverage, evidence) or when an item in its trees changed what
//! trees show of it (id, title, status, its links and their suspect flags): that is, an item
//! at most `tree::MAX_DEPTH` links away, or one more (the last level of a tree marks whether
//! it has further links), in the old graph or the new one. Every other item page keeps
//! last build's digest. The pages that list many items (dashboard, kind indexes, matrices,
//! coverage, search, readiness) keep theirs when no item changed what they show and the
//! readiness checklist and test runs are the same.
//!
//! An item's evidence (its results with their verdicts, cases and runs, and the items that
//! carry evidence to it with their verdicts and notes) is keyed by the very context its page
//! shows, so it changes the item's own key whatever changed it: a results file, a `run.yaml`,
//! an evidence link. Trees do not show evidence, so it is not part of what neighbours see.
//!
//! The memo only applies between builds with the same items in the same order, the same
//! site-wide values (theme, schema, commit) and no baselines (whose pages compare with the
//! work tree); anything else computes every digest.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

use rayon::prelude::*;
use tracebook_model::{Project, item_coverage};

use super::context::Problem;
use super::evidence::item_evidence;
use super::listing::Listing;
use super::tree::MAX_DEPTH;
use crate::incremental::{Digest, Digester, of_bytes};

/// Per-item keys of one render.
pub(crate) struct RenderMemo {
    /// Of the item ids in order: the memo applies to the same items in the same order only.
    ids: Digest,
    items: usize,
    site: Digest,
    /// Per item: its own content, and what other pages show of it, as far as its own file
    /// says (not the suspect flags of its links, which depend on the targets).
    fixed: Vec<(Digest, Digest)>,
    /// Per item: its own content, problems, coverage and evidence.
    own: Vec<Digest>,
    /// Per item: what other pages show of it, coverage and problems included.
    shown: Vec<Digest>,
    /// Per item: linked items, both directions.
    neighbours: Neighbours,
    /// Per item: its page's digest.
    pub(crate) pages: Vec<Digest>,
    /// Of every item's `shown`, coverage, problems and evidence, of all problems, the
    /// readiness checklist and the test runs: the input of the pages that list many items.
    pub(crate) listing: Digest,
    /// The digests of the pages that list many items, by href.
    pub(crate) listing_pages: Vec<(String, Digest)>,
}

impl RenderMemo {
    /// The keys of `project` rendered with site values `site`. With `previous` (same items)
    /// and `reread` (the files read again since), the parts that only depend on an item's own
    /// file are taken from `previous` for items in other files.
    pub(crate) fn new(
        project: &Project,
        site: Digest,
        listing: &Listing<'_>,
        previous: Option<&RenderMemo>,
        reread: Option<&HashSet<Arc<str>>>,
    ) -> RenderMemo {
        let mut digester = Digester::new("ids", None);
        for item in &project.items {
            digester.bytes(item.id.as_bytes());
        }
        let ids = digester.finish();
        let reuse = previous.filter(|p| p.ids == ids).zip(reread);
        let keys: Vec<Keys> = (0..project.items.len())
            .into_par_iter()
            .map(|i| {
                let item = &project.items[i];
                let fixed = match reuse {
                    Some((previous, reread)) if !reread.contains(&item.source.file) => {
                        previous.fixed[i]
                    }
                    _ => (own_key(project, i), shown_key(project, i)),
                };
                let state = state_key(project, i, &listing.per_item[i]);
                let evidence = evidence_key(project, i);
                let flags = flags_key(project, i, fixed.1);
                Keys {
                    fixed,
                    own: Digester::pair(Digester::pair(fixed.0, state), evidence),
                    shown: Digester::pair(flags, state),
                    evidence,
                }
            })
            .collect();
        let mut digester = Digester::new("listing", Some(site));
        let n = keys.len();
        let (mut fixed, mut own, mut shown) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        for keys in keys {
            digester.digest(keys.shown).digest(keys.evidence);
            fixed.push(keys.fixed);
            own.push(keys.own);
            shown.push(keys.shown);
        }
        digester
            .value(listing.all_problems)
            .value(listing.readiness)
            .value(&project.evidence.runs);
        let neighbours = Neighbours::of(project);
        RenderMemo {
            ids,
            items: project.items.len(),
            site,
            fixed,
            own,
            shown,
            neighbours,
            pages: Vec::new(),
            listing: digester.finish(),
            listing_pages: Vec::new(),
        }
    }

    /// Whether item `i`'s page may differ from `previous`'s, for every item; `None` when
    /// `previous` does not apply (see the module comment).
    pub(crate) fn affected(&self, previous: &RenderMemo) -> Option<Vec<bool>> {
        if previous.ids != self.ids
            || previous.site != self.site
            || previous.pages.len() != self.items
        {
            return None;
        }
        let mut affected: Vec<bool> = self
            .own
            .iter()
            .zip(&previous.own)
            .map(|(a, b)| a != b)
            .collect();
        let starts: Vec<usize> = (0..self.items)
            .filter(|&i| self.shown[i] != previous.shown[i])
            .collect();
        for graph in [&self.neighbours, &previous.neighbours] {
            // One more than the trees' depth: the last level shows whether it has further links
            // (the cut mark).
            within(graph, &starts, MAX_DEPTH + 1, &mut affected);
        }
        Some(affected)
    }
}

/// The keys of one item.
struct Keys {
    fixed: (Digest, Digest),
    own: Digest,
    shown: Digest,
    evidence: Digest,
}

/// The items linked with each item, both directions, in one flat list (one allocation, not
/// one per item).
struct Neighbours {
    starts: Vec<u32>,
    items: Vec<u32>,
}

impl Neighbours {
    fn of(project: &Project) -> Neighbours {
        let graph = &project.graph;
        let mut starts = Vec::with_capacity(project.items.len() + 1);
        let mut items = Vec::new();
        for i in 0..project.items.len() {
            starts.push(items.len() as u32);
            items.extend(graph.outgoing(i).filter_map(|e| e.target).map(|t| t as u32));
            items.extend(graph.incoming(i).map(|e| e.source as u32));
        }
        starts.push(items.len() as u32);
        Neighbours { starts, items }
    }

    fn of_item(&self, i: usize) -> &[u32] {
        &self.items[self.starts[i] as usize..self.starts[i + 1] as usize]
    }
}

/// Marks every item at most `depth` links from `starts` in `graph`.
fn within(graph: &Neighbours, starts: &[usize], depth: usize, marks: &mut [bool]) {
    let mut distance = vec![usize::MAX; marks.len()];
    let mut queue = VecDeque::new();
    for &s in starts {
        distance[s] = 0;
        queue.push_back(s);
    }
    while let Some(i) = queue.pop_front() {
        marks[i] = true;
        if distance[i] == depth {
            continue;
        }
        for &n in graph.of_item(i) {
            let n = n as usize;
            if distance[n] == usize::MAX {
                distance[n] = distance[i] + 1;
                queue.push_back(n);
            }
        }
    }
}

/// Item `i`'s coverage and problems: shown on its page and counted in lists.
fn state_key(project: &Project, i: usize, problems: &[Problem]) -> Digest {
    Digester::new("state", None)
        .value(item_coverage(project, i))
        .value(problems)
        .finish()
}

/// Item `i`'s evidence as its page shows it (results files, runs and the items that carry
/// evidence to it included), and its status, which lists show.
fn evidence_key(project: &Project, i: usize) -> Digest {
    Digester::new("evidence", None)
        .value(&item_evidence(project, i))
        .finish()
}

/// Everything of item `i` that its own file says and its own page shows.
fn own_key(project: &Project, i: usize) -> Digest {
    let item = &project.items[i];
    let mut digester = Digester::new("own", None);
    digester.digest(of_bytes(item.body.as_bytes())).value(&(
        &item.id,
        &item.kind,
        &item.title,
        &item.status,
        &item.tags,
        &item.links,
        &item.fields,
        &item.results,
        &item.fingerprint,
        &item.source,
    ));
    digester.finish()
}

/// What pages other than its own show of item `i`, as far as its own file says: in trees,
/// matrices, indexes and lists.
fn shown_key(project: &Project, i: usize) -> Digest {
    let item = &project.items[i];
    let mut digester = Digester::new("shown", None);
    digester.value(&(&item.id, &item.kind, &item.title, &item.status));
    for link in &item.links {
        digester.value(&(&link.kind, &link.target));
    }
    digester.finish()
}

/// `shown` with whether each of item `i`'s links resolves and is suspect.
fn flags_key(project: &Project, i: usize, shown: Digest) -> Digest {
    let mut digester = Digester::new("flags", Some(shown));
    for edge in project.graph.outgoing(i) {
        let target = edge.target.map_or(u64::MAX, |t| t as u64);
        digester
            .bytes(&target.to_le_bytes())
            .bytes(&[u8::from(edge.is_suspect)]);
    }
    digester.finish()
}
