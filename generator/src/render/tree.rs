//! Upstream and downstream trace trees for item pages.

use tracebook_model::Project;

use super::context::TreeNode;
use super::paths::item_href;

/// Levels shown below the item itself.
pub(crate) const MAX_DEPTH: usize = 3;
/// Nodes per tree: a widely used need can have thousands of descendants; the page shows the
/// first ones and marks the cut, the matrix pages list everything.
const MAX_NODES: usize = 150;

/// Which way a tree follows links.
#[derive(Clone, Copy)]
pub(crate) enum Direction {
    /// Follow the item's own links to their targets.
    Up,
    /// Follow links that point at the item back to their sources.
    Down,
}

/// The tree of items reached from item `root` in `direction`.
pub(crate) fn trace_tree(
    project: &Project,
    root: usize,
    direction: Direction,
) -> Vec<TreeNode<'_>> {
    let mut budget = MAX_NODES;
    let mut path = vec![root];
    children(project, root, direction, 1, &mut path, &mut budget)
}

fn children<'p>(
    project: &'p Project,
    node: usize,
    direction: Direction,
    depth: usize,
    path: &mut Vec<usize>,
    budget: &mut usize,
) -> Vec<TreeNode<'p>> {
    let graph = &project.graph;
    let edges: Vec<_> = match direction {
        Direction::Up => graph.outgoing(node).collect(),
        Direction::Down => graph.incoming(node).collect(),
    };
    let mut out = Vec::with_capacity(edges.len());
    for edge in edges {
        if *budget == 0 {
            break;
        }
        *budget -= 1;
        let source = &project.items[edge.source];
        let link = &source.links[edge.link];
        let other = match direction {
            Direction::Up => edge.target,
            Direction::Down => Some(edge.source),
        };
        let Some(other) = other else {
            out.push(TreeNode {
                link_kind: &link.kind,
                id: &link.target,
                href: None,
                title: "",
                status: "",
                is_suspect: false,
                is_missing: true,
                is_cut: false,
                children: vec![],
            });
            continue;
        };
        let item = &project.items[other];
        let repeats = path.contains(&other);
        let has_more = match direction {
            Direction::Up => graph.outgoing(other).next().is_some(),
            Direction::Down => graph.incoming(other).next().is_some(),
        };
        let (kids, is_cut) = if repeats || depth >= MAX_DEPTH {
            (vec![], has_more)
        } else {
            path.push(other);
            let kids = children(project, other, direction, depth + 1, path, budget);
            path.pop();
            (kids, false)
        };
        out.push(TreeNode {
            link_kind: &link.kind,
            id: &item.id,
            href: Some(item_href(&item.id)),
            title: &item.title,
            status: &item.status,
            is_suspect: edge.is_suspect,
            is_missing: false,
            is_cut,
            children: kids,
        });
    }
    out
}
