//! The typed link graph: every link resolved to item indexes, reverse links, suspect marks.

use std::collections::HashMap;

use serde::Serialize;

use crate::item::Item;

/// One link, resolved.
#[derive(Debug, Clone, Serialize)]
pub struct Edge {
    /// Index of the source item.
    pub source: usize,
    /// Index of the target item; `None` when no item has the target id.
    pub target: Option<usize>,
    /// Index of the link in the source item's `links`.
    pub link: usize,
    /// Whether the target changed since the link was reviewed.
    pub is_suspect: bool,
}

/// All links of a project, by source and by target.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    /// Every link.
    pub edges: Vec<Edge>,
    outgoing: Vec<Vec<usize>>,
    incoming: Vec<Vec<usize>>,
}

impl Graph {
    /// Resolves the links of `items` through `index` (id to item index).
    pub fn build(items: &[Item], index: &HashMap<String, usize>) -> Graph {
        let mut graph = Graph {
            edges: Vec::new(),
            outgoing: vec![Vec::new(); items.len()],
            incoming: vec![Vec::new(); items.len()],
        };
        for (source, item) in items.iter().enumerate() {
            for (link, l) in item.links.iter().enumerate() {
                let target = index.get(&l.target).copied();
                let is_suspect = match (target, &l.reviewed) {
                    (Some(t), Some(reviewed)) => items[t].fingerprint.to_string() != *reviewed,
                    _ => false,
                };
                let edge = graph.edges.len();
                graph.edges.push(Edge {
                    source,
                    target,
                    link,
                    is_suspect,
                });
                graph.outgoing[source].push(edge);
                if let Some(t) = target {
                    graph.incoming[t].push(edge);
                }
            }
        }
        graph
    }

    /// Links from item `i` (resolved or not), in source order.
    pub fn outgoing(&self, i: usize) -> impl Iterator<Item = &Edge> {
        self.outgoing[i].iter().map(|&e| &self.edges[e])
    }

    /// Links pointing at item `i`.
    pub fn incoming(&self, i: usize) -> impl Iterator<Item = &Edge> {
        self.incoming[i].iter().map(|&e| &self.edges[e])
    }

    /// The link kind of an edge.
    pub fn kind<'a>(&self, items: &'a [Item], edge: &Edge) -> &'a str {
        &items[edge.source].links[edge.link].kind
    }
}
