//! One function per page type: builds its context from the project.

use tracebook_model::{Project, item_coverage};

use super::context::*;
use super::evidence::{item_evidence, status_of};
use super::nav;
use super::paths::{item_href, kind_href, matrix_href, rule_href};
use crate::chart;

pub(crate) fn site<'a>(
    project: &'a Project,
    has_baselines: bool,
    options: &super::BuildOptions<'_>,
) -> SiteCtx<'a> {
    let config = &project.config;
    SiteCtx {
        project: if config.project.is_empty() {
            "tracebook"
        } else {
            &config.project
        },
        version: env!("CARGO_PKG_VERSION"),
        has_baselines,
        has_edit_links: options.edit_links,
        has_live_reload: options.live_reload,
        kinds: nav::kinds(project),
        link_kinds: config
            .links
            .iter()
            .map(|l| NavLink {
                name: &l.name,
                href: matrix_href(&l.name),
            })
            .collect(),
        nav: nav::groups(project, has_baselines),
    }
}

pub(crate) fn kind_summaries(project: &Project) -> Vec<KindSummary<'_>> {
    project
        .config
        .kinds
        .iter()
        .map(|k| {
            let items: Vec<_> = project.items.iter().filter(|i| i.kind == k.name).collect();
            let mut statuses: Vec<StatusCount<'_>> = k
                .statuses
                .iter()
                .map(|s| StatusCount {
                    name: s,
                    count: items.iter().filter(|i| &i.status == s).count(),
                })
                .collect();
            // Statuses outside the schema are errors, but still counted so the totals add up.
            for item in &items {
                if !k.statuses.contains(&item.status) {
                    match statuses.iter_mut().find(|s| s.name == item.status) {
                        Some(s) => s.count += 1,
                        None => statuses.push(StatusCount {
                            name: &item.status,
                            count: 1,
                        }),
                    }
                }
            }
            KindSummary {
                name: &k.name,
                title: &k.title,
                href: kind_href(&k.name),
                count: items.len(),
                statuses,
            }
        })
        .collect()
}

pub(crate) fn status_chart(kinds: &[KindSummary<'_>]) -> String {
    let data: Vec<(String, Vec<(String, usize)>)> = kinds
        .iter()
        .map(|k| {
            (
                k.title.to_owned(),
                k.statuses
                    .iter()
                    .map(|s| (s.name.to_owned(), s.count))
                    .collect(),
            )
        })
        .collect();
    chart::status_chart(&data)
}

pub(crate) fn rules(project: &Project) -> Vec<RuleCtx<'_>> {
    project
        .coverage
        .iter()
        .map(|c| {
            let rule = &project.config.rules[c.rule];
            let label = rule.label();
            RuleCtx {
                index: c.rule,
                chart: chart::coverage_bar(&label, c.covered.len(), c.total()),
                label,
                severity: rule.severity.as_str(),
                covered: c.covered.len(),
                total: c.total(),
                percent: c.percent(),
                href: rule_href(c.rule),
                uncovered: c.uncovered.iter().map(|&i| item_ref(project, i)).collect(),
            }
        })
        .collect()
}

pub(crate) fn item_ref(project: &Project, i: usize) -> ItemRef<'_> {
    let item = &project.items[i];
    ItemRef {
        id: &item.id,
        href: item_href(&item.id),
        title: &item.title,
        status: &item.status,
    }
}

pub(crate) fn kind_rows<'p>(
    project: &'p Project,
    kind: &str,
    problems: &[Vec<Problem>],
) -> Vec<KindRow<'p>> {
    project
        .items
        .iter()
        .enumerate()
        .filter(|(_, item)| item.kind == kind)
        .map(|(i, item)| KindRow {
            id: &item.id,
            href: item_href(&item.id),
            title: &item.title,
            status: &item.status,
            coverage: item_coverage(project, i),
            problems: problems[i].len(),
            evidence: status_of(project, i),
        })
        .collect()
}

pub(crate) fn item(project: &Project, i: usize) -> ItemCtx<'_> {
    let item = &project.items[i];
    let kind = project.config.kind(&item.kind);
    ItemCtx {
        id: &item.id,
        kind: &item.kind,
        kind_title: kind.map_or(item.kind.as_str(), |k| k.title.as_str()),
        kind_href: kind_href(&item.kind),
        title: &item.title,
        status: &item.status,
        tags: &item.tags,
        fingerprint: item.fingerprint.to_string(),
        path: &item.source.file,
        line: item.source.line,
        // Filled in only when the page is rendered (see `render_into`).
        body_html: String::new(),
        fields: item
            .fields
            .iter()
            .map(|f| FieldCtx {
                name: &f.name,
                value: match &f.value {
                    serde_json::Value::String(s) => s.clone(),
                    serde_json::Value::Array(values) => values
                        .iter()
                        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                        .collect::<Vec<_>>()
                        .join(", "),
                    other => other.to_string(),
                },
            })
            .collect(),
        coverage: item_coverage(project, i),
        evidence: item_evidence(project, i),
    }
}

pub(crate) fn matrix_rows<'p>(project: &'p Project, link_kind: &str) -> Vec<MatrixRow<'p>> {
    let Some(def) = project.config.link_kind(link_kind) else {
        return vec![];
    };
    let graph = &project.graph;
    let cell = |i: usize, suspect: bool| {
        let item = &project.items[i];
        MatrixCell {
            id: &item.id,
            href: Some(item_href(&item.id)),
            title: &item.title,
            is_suspect: suspect,
            is_missing: false,
        }
    };
    project
        .items
        .iter()
        .enumerate()
        .filter(|(_, item)| def.from.contains(&item.kind) || def.to.contains(&item.kind))
        .map(|(i, item)| {
            let targets = graph
                .outgoing(i)
                .filter(|e| graph.kind(&project.items, e) == link_kind)
                .map(|e| match e.target {
                    Some(t) => cell(t, e.is_suspect),
                    None => {
                        let target = &item.links[e.link].target;
                        MatrixCell {
                            id: target,
                            href: None,
                            title: "",
                            is_suspect: false,
                            is_missing: true,
                        }
                    }
                })
                .collect();
            let sources = graph
                .incoming(i)
                .filter(|e| graph.kind(&project.items, e) == link_kind)
                .map(|e| cell(e.source, e.is_suspect))
                .collect();
            MatrixRow {
                id: &item.id,
                href: item_href(&item.id),
                title: &item.title,
                status: &item.status,
                targets,
                sources,
            }
        })
        .collect()
}
