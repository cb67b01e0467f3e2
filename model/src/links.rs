//! Link checks across items: unknown link kinds and targets, kinds a link may join, suspect
//! links, and cycles in `acyclic` link kinds.

use crate::diagnostic::{Diagnostic, Span, codes};
use crate::graph::Edge;
use crate::project::Project;
use crate::suggest;

/// Every link problem of the project. Schema checks are skipped when the config is broken.
pub(crate) fn check(project: &Project, config_ok: bool) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for edge in &project.graph.edges {
        let item = &project.items[edge.source];
        let link = &item.links[edge.link];
        let span = Span::at(&item.source.file, link.pos);
        let kind_def = project.config.link_kind(&link.kind);
        if config_ok && kind_def.is_none() {
            let names = project.config.links.iter().map(|l| l.name.as_str());
            let hint = suggest::did_you_mean(&link.kind, names)
                .unwrap_or_else(|| "declare it under `links:` in tracebook.yaml".to_owned());
            let message = format!("unknown link kind `{}`", link.kind);
            out.push(
                Diagnostic::error(codes::UNKNOWN_LINK_KIND, span.clone(), message).with_hint(hint),
            );
        }
        let Some(target) = edge.target else {
            out.push(unknown_target(project, &link.kind, &link.target, span));
            continue;
        };
        let target_item = &project.items[target];
        if let Some(def) = kind_def {
            let from_ok =
                def.from.contains(&item.kind) || project.config.kind(&item.kind).is_none();
            let to_ok = def.to.contains(&target_item.kind)
                || project.config.kind(&target_item.kind).is_none();
            if !(from_ok && to_ok) {
                let message = format!(
                    "link {} may not join {} {} to {} {}",
                    link.kind, item.kind, item.id, target_item.kind, target_item.id
                );
                let hint = format!(
                    "{} links go from [{}] to [{}]",
                    def.name,
                    def.from.join(", "),
                    def.to.join(", ")
                );
                out.push(
                    Diagnostic::error(codes::LINK_KIND_NOT_ALLOWED, span.clone(), message)
                        .with_hint(hint),
                );
            }
        }
        if edge.is_suspect {
            out.push(suspect(project, edge, span));
        }
    }
    for def in project.config.links.iter().filter(|l| l.acyclic) {
        out.extend(cycles(project, &def.name));
    }
    out
}

fn unknown_target(project: &Project, kind: &str, target: &str, span: Span) -> Diagnostic {
    let message = format!("link {kind} targets unknown item {target}");
    let ids = project.items.iter().map(|i| i.id.as_str());
    let hint = suggest::did_you_mean(target, ids)
        .unwrap_or_else(|| "fix the id or add the item".to_owned());
    Diagnostic::error(codes::UNKNOWN_LINK_TARGET, span, message).with_hint(hint)
}

fn suspect(project: &Project, edge: &Edge, span: Span) -> Diagnostic {
    let item = &project.items[edge.source];
    let link = &item.links[edge.link];
    let Some(target) = edge.target.map(|t| &project.items[t]) else {
        unreachable!("BUG: only resolved links can be suspect")
    };
    let reviewed = link.reviewed.as_deref().unwrap_or_default();
    let message = format!(
        "suspect link {} to {}: it changed since the link was reviewed (reviewed {reviewed}, now {})",
        link.kind, target.id, target.fingerprint
    );
    let hint = format!(
        "check that {} still holds, then run `tracebook review {}` or set `reviewed: {}`",
        link.kind, item.id, target.fingerprint
    );
    Diagnostic::warning(codes::SUSPECT_LINK, span, message).with_hint(hint)
}

/// A DFS stack frame: node, its (target, link index) successors, how many were visited.
type Frame = (usize, Vec<(usize, usize)>, usize);

/// Cycles among links of one kind, each reported once at the link that closes it.
fn cycles(project: &Project, kind: &str) -> Vec<Diagnostic> {
    const WHITE: u8 = 0;
    const GREY: u8 = 1;
    const BLACK: u8 = 2;
    let graph = &project.graph;
    let n = project.items.len();
    let mut colour = vec![WHITE; n];
    let mut out = Vec::new();
    let next = |i: usize| {
        graph
            .outgoing(i)
            .filter(move |e| graph.kind(&project.items, e) == kind)
            .filter_map(|e| e.target.map(|t| (t, e.link)))
            .collect::<Vec<_>>()
    };
    for start in 0..n {
        if colour[start] != WHITE {
            continue;
        }
        // Iterative DFS: the stack holds (node, its successors, position in them).
        let mut stack: Vec<Frame> = vec![(start, next(start), 0)];
        colour[start] = GREY;
        while let Some((node, succ, pos)) = stack.last_mut() {
            let node = *node;
            if *pos == succ.len() {
                colour[node] = BLACK;
                stack.pop();
                continue;
            }
            let (to, link) = succ[*pos];
            *pos += 1;
            match colour[to] {
                WHITE => {
                    colour[to] = GREY;
                    let s = next(to);
                    stack.push((to, s, 0));
                }
                GREY => {
                    let from = stack.iter().position(|(n, _, _)| *n == to).unwrap_or(0);
                    let mut path: Vec<&str> = stack[from..]
                        .iter()
                        .map(|(n, _, _)| project.items[*n].id.as_str())
                        .collect();
                    path.push(project.items[to].id.as_str());
                    let item = &project.items[node];
                    let span = Span::at(&item.source.file, item.links[link].pos);
                    let message = format!("link kind {kind} forms a cycle: {}", path.join(" -> "));
                    let hint = format!("{kind} is acyclic: remove one link of the cycle");
                    out.push(Diagnostic::error(codes::CYCLE, span, message).with_hint(hint));
                }
                _ => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::Project;

    const CONFIG: &str = "kinds:\n  req: { prefix: R }\nlinks:\n  derives_from: { from: [req], to: [req], acyclic: true }\n";

    fn item(id: &str, parents: &[&str]) -> String {
        format!(
            "---\nid: {id}\nkind: req\ntitle: T {id}\nlinks:\n  derives_from: [{}]\n---\nBody of {id}.\n",
            parents.join(", ")
        )
    }

    #[test]
    fn rejects_cycle_in_acyclic_link_kind() {
        let (a, b, c) = (
            item("R-1", &["R-3"]),
            item("R-2", &["R-1"]),
            item("R-3", &["R-2"]),
        );
        let project = Project::from_memory([
            ("tracebook.yaml", CONFIG.as_bytes()),
            ("content/a.md", a.as_bytes()),
            ("content/b.md", b.as_bytes()),
            ("content/c.md", c.as_bytes()),
        ]);
        let cycles: Vec<_> = project
            .diagnostics
            .iter()
            .filter(|d| d.code.0 == "E0214")
            .collect();
        assert_eq!(cycles.len(), 1, "{:?}", project.diagnostics);
        assert!(
            cycles[0].message.contains("R-1 -> R-3 -> R-2 -> R-1"),
            "{}",
            cycles[0].message
        );
    }

    #[test]
    fn suspect_link_when_target_changed() {
        let parent = item("R-1", &[]);
        let project = Project::from_memory([
            ("tracebook.yaml", CONFIG.as_bytes()),
            ("content/a.md", parent.as_bytes()),
        ]);
        let fp = project.items[0].fingerprint.to_string();
        let child = |reviewed: &str| {
            format!(
                "---\nid: R-2\nkind: req\ntitle: T\nlinks:\n  derives_from: [{{ id: R-1, reviewed: {reviewed} }}]\n---\n"
            )
        };
        let (fresh, stale) = (child(&fp), child("00000000"));
        let ok = Project::from_memory([
            ("tracebook.yaml", CONFIG.as_bytes()),
            ("content/a.md", parent.as_bytes()),
            ("content/b.md", fresh.as_bytes()),
        ]);
        assert!(ok.diagnostics.is_empty(), "{:?}", ok.diagnostics);
        assert!(!ok.graph.edges.iter().any(|e| e.is_suspect));
        let bad = Project::from_memory([
            ("tracebook.yaml", CONFIG.as_bytes()),
            ("content/a.md", parent.as_bytes()),
            ("content/b.md", stale.as_bytes()),
        ]);
        assert!(bad.graph.edges.iter().any(|e| e.is_suspect));
        assert_eq!(bad.diagnostics.len(), 1);
        assert_eq!(bad.diagnostics[0].code.0, "E0402");
        assert!(!bad.diagnostics[0].is_error());
    }
}
