//! Contexts of the baseline pages and of the history section of item pages.

use serde::Serialize;
use tracebook_model::{
    ChangeReport, CoverageDelta, FieldChange, Impact, ItemSummary, Project, Segment,
};

use super::paths::{baseline_href, item_href};
use crate::chart;
use crate::git::ItemEventKind;
use crate::timeline::{BaselineSnapshot, Timeline};

/// Item pages show at most this many history entries (the newest).
const MAX_EVENTS: usize = 50;

#[derive(Serialize)]
pub(crate) struct BaselineRow<'a> {
    pub(crate) name: &'a str,
    pub(crate) href: String,
    pub(crate) title: Option<&'a str>,
    pub(crate) git_ref: &'a str,
    pub(crate) commit: &'a str,
    pub(crate) commit_date: &'a str,
    pub(crate) date: Option<&'a str>,
    pub(crate) approved_by: &'a [String],
    pub(crate) total: usize,
    pub(crate) counts: Vec<KindCount<'a>>,
    pub(crate) changes_since_previous: Option<usize>,
    pub(crate) changes_since_this: usize,
}

#[derive(Serialize)]
pub(crate) struct KindCount<'a> {
    pub(crate) kind: &'a str,
    pub(crate) title: &'a str,
    pub(crate) count: usize,
}

#[derive(Serialize)]
pub(crate) struct ReportCtx<'a> {
    pub(crate) from: &'a str,
    pub(crate) to: &'a str,
    pub(crate) added: Vec<SummaryCtx<'a>>,
    pub(crate) removed: Vec<SummaryCtx<'a>>,
    pub(crate) modified: Vec<ChangeCtx<'a>>,
    pub(crate) impact: Vec<ImpactCtx<'a>>,
    pub(crate) impacted: usize,
    pub(crate) coverage: Vec<CoverageCtx<'a>>,
}

#[derive(Serialize)]
pub(crate) struct SummaryCtx<'a> {
    pub(crate) id: &'a str,
    /// `None` when the item is not in the working tree (no page to link to).
    pub(crate) href: Option<String>,
    pub(crate) kind: &'a str,
    pub(crate) title: &'a str,
    pub(crate) status: &'a str,
    pub(crate) file: &'a str,
}

#[derive(Serialize)]
pub(crate) struct ChangeCtx<'a> {
    pub(crate) item: SummaryCtx<'a>,
    pub(crate) moved_from: Option<&'a str>,
    pub(crate) old_fingerprint: &'a str,
    pub(crate) new_fingerprint: &'a str,
    pub(crate) fields: &'a [FieldChange],
    pub(crate) body: Option<&'a [Segment]>,
}

#[derive(Serialize)]
pub(crate) struct ImpactCtx<'a> {
    pub(crate) id: &'a str,
    pub(crate) href: Option<String>,
    pub(crate) title: &'a str,
    pub(crate) count: usize,
    pub(crate) groups: Vec<ImpactGroupCtx<'a>>,
    pub(crate) suspect: Vec<SuspectCtx<'a>>,
}

#[derive(Serialize)]
pub(crate) struct ImpactGroupCtx<'a> {
    pub(crate) title: &'a str,
    pub(crate) items: Vec<ImpactedCtx<'a>>,
}

#[derive(Serialize)]
pub(crate) struct ImpactedCtx<'a> {
    pub(crate) id: &'a str,
    pub(crate) href: Option<String>,
    pub(crate) title: &'a str,
    pub(crate) status: &'a str,
    pub(crate) distance: usize,
    pub(crate) via: &'a str,
}

#[derive(Serialize)]
pub(crate) struct SuspectCtx<'a> {
    pub(crate) source: &'a str,
    pub(crate) source_href: Option<String>,
    pub(crate) link: &'a str,
    pub(crate) target: &'a str,
    pub(crate) target_href: Option<String>,
}

#[derive(Serialize)]
pub(crate) struct CoverageCtx<'a> {
    pub(crate) kind: &'a str,
    pub(crate) rule: &'a str,
    pub(crate) before: Option<String>,
    pub(crate) after: String,
}

#[derive(Serialize)]
pub(crate) struct ItemHistoryCtx<'a> {
    /// Baseline from which on the item has had its present content.
    pub(crate) since: Option<BaselineLink<'a>>,
    /// The newest baseline, when the item changed after it (or is new).
    pub(crate) changed_after: Option<BaselineLink<'a>>,
    pub(crate) events: Vec<EventCtx<'a>>,
    pub(crate) total: usize,
}

#[derive(Serialize)]
pub(crate) struct BaselineLink<'a> {
    pub(crate) name: &'a str,
    pub(crate) href: String,
}

#[derive(Serialize)]
pub(crate) struct EventCtx<'a> {
    pub(crate) short: &'a str,
    pub(crate) id: &'a str,
    pub(crate) author: &'a str,
    pub(crate) date: &'a str,
    pub(crate) subject: &'a str,
    pub(crate) kind: ItemEventKind,
    pub(crate) file: &'a str,
}

/// One row per baseline for the baselines page, oldest first.
pub(crate) fn baseline_rows<'a>(
    project: &'a Project,
    timeline: &'a Timeline,
) -> Vec<BaselineRow<'a>> {
    timeline
        .baselines
        .iter()
        .map(|b| BaselineRow {
            name: &b.baseline.name,
            href: baseline_href(&b.baseline.name),
            title: b.baseline.title.as_deref(),
            git_ref: &b.baseline.git_ref,
            commit: &b.commit.short,
            commit_date: &b.commit.date,
            date: b.baseline.date.as_deref(),
            approved_by: &b.baseline.approved_by,
            total: b.total,
            counts: b
                .counts
                .iter()
                .map(|(kind, count)| KindCount {
                    kind,
                    title: project
                        .config
                        .kind(kind)
                        .map_or(kind.as_str(), |k| k.title.as_str()),
                    count: *count,
                })
                .collect(),
            changes_since_previous: b.since_previous.as_ref().map(|r| r.changes.len()),
            changes_since_this: b.since_this.changes.len(),
        })
        .collect()
}

/// Items per kind in each baseline and in the working tree, as stacked bars.
pub(crate) fn growth_chart(rows: &[BaselineRow<'_>], project: &Project) -> String {
    let mut data: Vec<(String, Vec<(String, usize)>)> = rows
        .iter()
        .map(|r| {
            let counts = r
                .counts
                .iter()
                .map(|c| (c.title.to_owned(), c.count))
                .collect();
            (r.name.to_owned(), counts)
        })
        .collect();
    let now = project
        .config
        .kinds
        .iter()
        .map(|k| {
            (
                k.title.clone(),
                project.items.iter().filter(|i| i.kind == k.name).count(),
            )
        })
        .collect();
    data.push((crate::timeline::WORKING_TREE.to_owned(), now));
    chart::status_chart(&data)
}

/// The context of one change report; `project` (the working tree) decides which items have
/// pages to link to.
pub(crate) fn report<'a>(project: &'a Project, report: &'a ChangeReport) -> ReportCtx<'a> {
    let href = |id: &str| project.item(id).map(|_| item_href(id));
    let summary = |s: &'a ItemSummary| SummaryCtx {
        id: &s.id,
        href: href(&s.id),
        kind: &s.kind,
        title: &s.title,
        status: &s.status,
        file: &s.file,
    };
    ReportCtx {
        from: &report.from.label,
        to: &report.to.label,
        added: report.changes.added.iter().map(summary).collect(),
        removed: report.changes.removed.iter().map(summary).collect(),
        modified: report
            .changes
            .modified
            .iter()
            .map(|c| ChangeCtx {
                item: summary(&c.item),
                moved_from: c.moved_from.as_deref(),
                old_fingerprint: &c.old_fingerprint,
                new_fingerprint: &c.new_fingerprint,
                fields: &c.fields,
                body: c.body.as_deref(),
            })
            .collect(),
        impact: report.impact.iter().map(|i| impact(project, i)).collect(),
        impacted: report.impacted_count(),
        coverage: report.coverage.iter().map(coverage).collect(),
    }
}

fn impact<'a>(project: &'a Project, impact: &'a Impact) -> ImpactCtx<'a> {
    let href = |id: &str| project.item(id).map(|_| item_href(id));
    ImpactCtx {
        id: &impact.id,
        href: href(&impact.id),
        title: &impact.title,
        count: impact.count(),
        groups: impact
            .groups
            .iter()
            .map(|g| ImpactGroupCtx {
                title: &g.title,
                items: g
                    .items
                    .iter()
                    .map(|i| ImpactedCtx {
                        id: &i.id,
                        href: href(&i.id),
                        title: &i.title,
                        status: &i.status,
                        distance: i.distance,
                        via: &i.via,
                    })
                    .collect(),
            })
            .collect(),
        suspect: impact
            .suspect
            .iter()
            .map(|s| SuspectCtx {
                source: &s.source,
                source_href: href(&s.source),
                link: &s.link,
                target: &s.target,
                target_href: href(&s.target),
            })
            .collect(),
    }
}

fn coverage(delta: &CoverageDelta) -> CoverageCtx<'_> {
    let share = |(covered, total): (usize, usize)| format!("{covered}/{total}");
    CoverageCtx {
        kind: &delta.kind,
        rule: &delta.rule,
        before: delta.before.map(share),
        after: share(delta.after),
    }
}

/// The history section of one item's page.
pub(crate) fn item_history<'a>(
    timeline: &'a Timeline,
    project: &'a Project,
    i: usize,
) -> ItemHistoryCtx<'a> {
    let history = &timeline.history;
    let item = &project.items[i];
    let link = |b: &'a BaselineSnapshot| BaselineLink {
        name: &b.baseline.name,
        href: baseline_href(&b.baseline.name),
    };
    let since = timeline.unchanged_since(item).map(link);
    let changed_after = match since {
        Some(_) => None,
        None => timeline.baselines.last().map(link),
    };
    let events = history.of(&item.id);
    ItemHistoryCtx {
        since,
        changed_after,
        events: events
            .iter()
            .take(MAX_EVENTS)
            .map(|e| {
                let c = &history.commits[e.commit];
                EventCtx {
                    short: &c.short,
                    id: &c.id,
                    author: &c.author,
                    date: &c.date,
                    subject: &c.subject,
                    kind: e.kind,
                    file: &e.file,
                }
            })
            .collect(),
        total: events.len(),
    }
}
