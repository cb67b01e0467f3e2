//! Change impact: everything downstream of a changed item, and the links now suspect.
//!
//! Links point from the dependent item to what it depends on (a requirement `derives_from` a
//! need; a test `verifies` a requirement), so "downstream" of an item are the items that link
//! to it, directly or through others: its reverse links, followed transitively.

use serde::Serialize;

use crate::project::Project;

/// The impact of one changed item.
#[derive(Debug, Clone, Serialize)]
pub struct Impact {
    /// The changed item's id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Every item downstream of it (not itself), grouped by kind in the config's kind order;
    /// within a group by distance then natural id.
    pub groups: Vec<ImpactGroup>,
    /// Links from an impacted item (or from a direct dependant) to the changed item or to
    /// another impacted item that are suspect in `project`.
    pub suspect: Vec<SuspectLink>,
}

impl Impact {
    /// Number of impacted items.
    pub fn count(&self) -> usize {
        self.groups.iter().map(|g| g.items.len()).sum()
    }
}

/// Impacted items of one kind.
#[derive(Debug, Clone, Serialize)]
pub struct ImpactGroup {
    /// Kind name.
    pub kind: String,
    /// Kind title.
    pub title: String,
    /// The items.
    pub items: Vec<ImpactedItem>,
}

/// One impacted item.
#[derive(Debug, Clone, Serialize)]
pub struct ImpactedItem {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Status.
    pub status: String,
    /// Links between it and the changed item (1 = links to it directly).
    pub distance: usize,
    /// The link kind through which it was first reached.
    pub via: String,
}

/// A suspect link (source links to target through `link`; target changed since the review).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SuspectLink {
    /// The linking item.
    pub source: String,
    /// Link kind.
    pub link: String,
    /// The linked item.
    pub target: String,
}

/// The impact of each id of `changed` that exists in `project` (ids it lacks, i.e. removed
/// items, have no impact entry), in the order given.
pub fn impact(project: &Project, changed: &[&str]) -> Vec<Impact> {
    let mut walk = Walk::new(project);
    changed
        .iter()
        .filter_map(|id| project.index_of(id))
        .map(|start| {
            walk.run(project, start);
            walk.impact(project, start)
        })
        .collect()
}

/// Breadth-first search over reverse links, with buffers reused from one changed item to the
/// next: hundreds of changed items over a large project must not allocate per walk.
struct Walk {
    /// `seen[i] == stamp` marks item `i` as reached in the current walk (or as its start), so
    /// starting a new walk is one increment instead of clearing a vector.
    seen: Vec<u32>,
    stamp: u32,
    /// Each item's group position, computed once: comparing kind names through the config's
    /// hash map inside the sort took most of the time on large impacts.
    rank: Vec<usize>,
    /// Reached items in BFS order, which makes it the queue too: item index, distance, and the
    /// index of the link (in the item's `links`) through which it was reached.
    reached: Vec<(usize, usize, usize)>,
}

impl Walk {
    fn new(project: &Project) -> Walk {
        Walk {
            seen: vec![0; project.items.len()],
            stamp: 0,
            rank: kind_ranks(project),
            reached: Vec::new(),
        }
    }

    /// Fills `reached` with everything downstream of `start` (never `start` itself).
    fn run(&mut self, project: &Project, start: usize) {
        self.stamp += 1;
        self.reached.clear();
        self.seen[start] = self.stamp;
        self.visit(project, start, 0);
        let mut head = 0;
        while let Some(&(node, distance, _)) = self.reached.get(head) {
            head += 1;
            self.visit(project, node, distance);
        }
    }

    fn visit(&mut self, project: &Project, node: usize, distance: usize) {
        for edge in project.graph.incoming(node) {
            if self.seen[edge.source] != self.stamp {
                self.seen[edge.source] = self.stamp;
                self.reached.push((edge.source, distance + 1, edge.link));
            }
        }
    }

    /// Groups and suspect links of the last walk.
    fn impact(&mut self, project: &Project, start: usize) -> Impact {
        let (items, config) = (&project.items, &project.config);
        // Item indexes are in natural id order within a kind, so sorting by index replaces
        // comparing ids.
        let rank = &self.rank;
        self.reached
            .sort_unstable_by_key(|&(i, distance, _)| (rank[i], distance, i));
        let groups = self
            .reached
            .chunk_by(|a, b| rank[a.0] == rank[b.0])
            .map(|chunk| {
                let kind = &items[chunk[0].0].kind;
                ImpactGroup {
                    kind: kind.clone(),
                    title: config.kind(kind).map_or(kind, |k| &k.title).clone(),
                    items: chunk
                        .iter()
                        .map(|&(i, distance, link)| ImpactedItem {
                            id: items[i].id.clone(),
                            title: items[i].title.clone(),
                            status: items[i].status.clone(),
                            distance,
                            via: items[i].links[link].kind.clone(),
                        })
                        .collect(),
                }
            })
            .collect();
        Impact {
            id: items[start].id.clone(),
            title: items[start].title.clone(),
            groups,
            suspect: self.suspect(project),
        }
    }

    /// Suspect links from a reached item to a reached item or the start, in group order.
    fn suspect(&self, project: &Project) -> Vec<SuspectLink> {
        let (items, graph) = (&project.items, &project.graph);
        let mut suspect = Vec::new();
        for &(i, _, _) in &self.reached {
            for edge in graph.outgoing(i).filter(|e| e.is_suspect) {
                // `seen` marks the start as well as every reached item.
                let Some(target) = edge.target.filter(|&t| self.seen[t] == self.stamp) else {
                    continue;
                };
                suspect.push(SuspectLink {
                    source: items[i].id.clone(),
                    link: graph.kind(items, edge).to_owned(),
                    target: items[target].id.clone(),
                });
            }
        }
        suspect
    }
}

/// Each item's kind as a position in group order: the config's kind order, then the kinds it
/// lacks, by name.
fn kind_ranks(project: &Project) -> Vec<usize> {
    let config = &project.config;
    let mut unknown: Vec<&str> = project
        .items
        .iter()
        .map(|item| item.kind.as_str())
        .filter(|kind| config.kind(kind).is_none())
        .collect();
    unknown.sort_unstable();
    unknown.dedup();
    project
        .items
        .iter()
        .map(|item| match config.kind(&item.kind) {
            Some(_) => config.kind_order(&item.kind),
            None => config.kinds.len() + unknown.binary_search(&item.kind.as_str()).unwrap_or(0),
        })
        .collect()
}
