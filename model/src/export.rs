//! The whole resolved model as JSON, for scripts and other tools (`tracebook export`).

use serde_json::{Value, json};

use crate::coverage::item_coverage;
use crate::project::Project;

/// Export format version; bump when a key changes meaning.
const FORMAT_VERSION: u32 = 1;

/// Items with links and reverse links, coverage per rule, baselines and diagnostics.
pub fn export(project: &Project) -> Value {
    let items: Vec<Value> = (0..project.items.len())
        .map(|i| export_item(project, i))
        .collect();
    let rules: Vec<Value> = project
        .coverage
        .iter()
        .map(|c| {
            let rule = &project.config.rules[c.rule];
            let ids = |v: &[usize]| {
                v.iter()
                    .map(|&i| project.items[i].id.clone())
                    .collect::<Vec<_>>()
            };
            json!({
                "kind": rule.kind,
                "link_kind": rule.link_kind,
                "direction": rule.direction,
                "severity": rule.severity,
                "label": rule.label(),
                "covered": ids(&c.covered),
                "uncovered": ids(&c.uncovered),
                "percent": c.percent(),
            })
        })
        .collect();
    json!({
        "format_version": FORMAT_VERSION,
        "project": project.config.project,
        "items": items,
        "coverage": rules,
        "baselines": project.baselines,
        "diagnostics": project.diagnostics,
    })
}

fn export_item(project: &Project, i: usize) -> Value {
    let item = &project.items[i];
    let graph = &project.graph;
    let links: Vec<Value> = graph
        .outgoing(i)
        .map(|e| {
            let link = &item.links[e.link];
            json!({
                "kind": link.kind,
                "target": link.target,
                "resolved": e.target.is_some(),
                "reviewed": link.reviewed,
                "suspect": e.is_suspect,
            })
        })
        .collect();
    let reverse: Vec<Value> = graph
        .incoming(i)
        .map(|e| {
            json!({
                "kind": graph.kind(&project.items, e),
                "source": project.items[e.source].id,
                "suspect": e.is_suspect,
            })
        })
        .collect();
    let fields: serde_json::Map<String, Value> = item
        .fields
        .iter()
        .map(|f| (f.name.clone(), f.value.clone()))
        .collect();
    json!({
        "id": item.id,
        "kind": item.kind,
        "title": item.title,
        "status": item.status,
        "tags": item.tags,
        "fields": fields,
        "body": item.body,
        "fingerprint": item.fingerprint,
        "path": item.source.file,
        "line": item.source.line,
        "coverage": item_coverage(project, i),
        "links": links,
        "reverse_links": reverse,
        "results": item.results,
        "evidence": project.evidence.items.get(i).map(|e| e.status),
    })
}
