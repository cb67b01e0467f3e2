//! The mirrored tables as Rust sees them (columns, keys) and the rows a project yields for each.
//! Every value comes from the model as it is: coverage from [`Project::coverage`] (the rules'
//! own evaluation), suspect flags from the link graph, fingerprints from the items.

use std::collections::HashSet;

use serde_json::Value;
use tracebook_model::evidence::Verdict;
use tracebook_model::{Direction, Project};

/// How a column is bound and read back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Col {
    Text,
    OptText,
    Int,
    /// `boolean` on PostgreSQL, 0 or 1 on SQLite.
    Bool,
    /// `jsonb` on PostgreSQL, text on SQLite.
    Json,
}

/// One value of a row.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Cell {
    Text(String),
    Int(i64),
    Bool(bool),
    Json(Value),
    Null,
}

/// A row: one cell per column of its [`Table`], in order.
pub(super) type Row = Vec<Cell>;

/// A mirrored table.
#[derive(Debug)]
pub(super) struct Table {
    pub(super) name: &'static str,
    pub(super) columns: &'static [(&'static str, Col)],
    /// The first `key` columns identify a row (the table's primary key).
    pub(super) key: usize,
    /// A column set to the synced commit whenever a row is written, and not compared.
    pub(super) stamp: Option<&'static str>,
}

use Col::{Bool, Int, Json, OptText, Text};

pub(super) const ITEMS: Table = Table {
    name: "mirror_items",
    columns: &[
        ("id", Text),
        ("kind", Text),
        ("title", Text),
        ("status", Text),
        ("tags", Json),
        ("fields", Json),
        ("body", Text),
        ("fingerprint", Text),
        ("path", Text),
        ("line", Int),
        ("evidence", Text),
    ],
    key: 1,
    stamp: Some("changed_in"),
};

/// Column of [`ITEMS`] holding the fingerprint (for the change log).
pub(super) const ITEM_FINGERPRINT: usize = 7;
/// Column of [`ITEMS`] holding the evidence status (not an item change of the change log).
pub(super) const ITEM_EVIDENCE: usize = 10;

pub(super) const LINKS: Table = Table {
    name: "mirror_links",
    columns: &[
        ("from_id", Text),
        ("kind", Text),
        ("to_id", Text),
        ("reviewed", OptText),
        ("suspect", Bool),
    ],
    key: 3,
    stamp: None,
};

pub(super) const RULES: Table = Table {
    name: "mirror_rules",
    columns: &[
        ("rule_index", Int),
        ("rule", Text),
        ("kind", Text),
        ("link_kind", Text),
        ("direction", Text),
        ("severity", Text),
    ],
    key: 1,
    stamp: None,
};

pub(super) const COVERAGE: Table = Table {
    name: "mirror_coverage",
    columns: &[
        ("rule_index", Int),
        ("item_id", Text),
        ("rule", Text),
        ("covered", Bool),
    ],
    key: 2,
    stamp: None,
};

pub(super) const BASELINES: Table = Table {
    name: "mirror_baselines",
    columns: &[
        ("name", Text),
        ("title", OptText),
        ("git_ref", Text),
        ("approved_by", Json),
        ("date", OptText),
        ("path", Text),
    ],
    key: 1,
    stamp: None,
};

/// Appended to, never diffed: what each sync changed.
pub(super) const CHANGES: Table = Table {
    name: "mirror_changes",
    columns: &[
        ("commit_id", Text),
        ("item_id", Text),
        ("change", Text),
        ("old_fingerprint", OptText),
        ("new_fingerprint", OptText),
    ],
    key: 2,
    stamp: None,
};

pub(super) const BUILDS: Table = Table {
    name: "mirror_builds",
    columns: &[
        ("id", Text),
        ("commit_id", OptText),
        ("branch", Text),
        ("started_at", Int),
        ("duration_ms", Int),
        ("result", Text),
        ("errors", Int),
        ("diagnostics", Json),
        ("worker", Text),
    ],
    key: 1,
    stamp: None,
};

/// The tables synced from a project, in the order they are written.
pub(super) const SYNCED: [&Table; 5] = [&ITEMS, &LINKS, &RULES, &COVERAGE, &BASELINES];

/// The rows of every table in [`SYNCED`], in the same order.
pub(super) fn project_rows(project: &Project) -> [Vec<Row>; 5] {
    [
        items(project),
        links(project),
        rules(project),
        coverage(project),
        baselines(project),
    ]
}

fn text(value: &str) -> Cell {
    Cell::Text(value.to_owned())
}

fn opt_text(value: Option<&str>) -> Cell {
    value.map_or(Cell::Null, text)
}

fn int(value: impl TryInto<i64>) -> Cell {
    Cell::Int(value.try_into().unwrap_or(i64::MAX))
}

fn string_list(values: &[String]) -> Cell {
    Cell::Json(Value::Array(
        values.iter().map(|v| Value::String(v.clone())).collect(),
    ))
}

fn items(project: &Project) -> Vec<Row> {
    project
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let evidence = project
                .evidence
                .items
                .get(i)
                .map_or(Verdict::None, |e| e.status);
            let fields = item
                .fields
                .iter()
                .map(|f| (f.name.clone(), f.value.clone()))
                .collect();
            vec![
                text(&item.id),
                text(&item.kind),
                text(&item.title),
                text(&item.status),
                string_list(&item.tags),
                Cell::Json(Value::Object(fields)),
                text(&item.body),
                Cell::Text(item.fingerprint.to_string()),
                text(&item.source.file),
                int(item.source.line),
                text(evidence.as_str()),
            ]
        })
        .collect()
}

/// Links keyed by (from, kind, to): an item listing the same target twice under one link kind
/// gives one row, the first as written.
fn links(project: &Project) -> Vec<Row> {
    let mut seen = HashSet::new();
    let mut rows = Vec::with_capacity(project.graph.edges.len());
    for edge in &project.graph.edges {
        let item = &project.items[edge.source];
        let link = &item.links[edge.link];
        if !seen.insert((edge.source, link.kind.as_str(), link.target.as_str())) {
            continue;
        }
        rows.push(vec![
            text(&item.id),
            text(&link.kind),
            text(&link.target),
            opt_text(link.reviewed.as_deref()),
            Cell::Bool(edge.is_suspect),
        ]);
    }
    rows
}

fn rules(project: &Project) -> Vec<Row> {
    project
        .config
        .rules
        .iter()
        .enumerate()
        .map(|(index, rule)| {
            let direction = match rule.direction {
                Direction::Incoming => "incoming",
                Direction::Outgoing => "outgoing",
            };
            vec![
                int(index),
                Cell::Text(rule.label()),
                text(&rule.kind),
                text(&rule.link_kind),
                text(direction),
                text(rule.severity.as_str()),
            ]
        })
        .collect()
}

/// One row per rule and item it applies to, as the model evaluated them.
fn coverage(project: &Project) -> Vec<Row> {
    let mut rows = Vec::new();
    for result in &project.coverage {
        let label = project.config.rules[result.rule].label();
        let covered = result.covered.iter().map(|&i| (i, true));
        let uncovered = result.uncovered.iter().map(|&i| (i, false));
        for (i, is_covered) in covered.chain(uncovered) {
            rows.push(vec![
                int(result.rule),
                text(&project.items[i].id),
                text(&label),
                Cell::Bool(is_covered),
            ]);
        }
    }
    rows
}

fn baselines(project: &Project) -> Vec<Row> {
    project
        .baselines
        .iter()
        .map(|b| {
            vec![
                text(&b.name),
                opt_text(b.title.as_deref()),
                text(&b.git_ref),
                string_list(&b.approved_by),
                opt_text(b.date.as_deref()),
                text(&b.span.file),
            ]
        })
        .collect()
}
