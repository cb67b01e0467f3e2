//! `tracebook review ID…`: stamp link targets' fingerprints so the links are no longer suspect.
//!
//! Every id and `--link-kind` is checked before any file is touched; each changed file is
//! re-parsed and compared with the original (only the stamps may differ) before it replaces
//! the original atomically.

use std::collections::HashSet;
use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use tracebook_model::{Item, Project, Stamp, StampOutcome, did_you_mean, parse_file, stamp_links};

use crate::cli::ReviewArgs;

/// The stamps for one item.
struct ItemPlan {
    id: String,
    stamps: Vec<Stamp>,
}

pub(crate) fn review(args: &ReviewArgs) -> Result<ExitCode> {
    let project = crate::commands::load(&args.root)?;
    let mut stdout = std::io::stdout().lock();
    let mut stderr = std::io::stderr().lock();
    // Files in the order their first item was named; a YAML list may hold several of them.
    let mut files: Vec<(Arc<str>, Vec<ItemPlan>)> = Vec::new();
    let mut seen = HashSet::new();
    for id in args.ids.iter().filter(|id| seen.insert(id.as_str())) {
        let index = item_index(&project, id)?;
        let item = &project.items[index];
        let stamps = stamps_for(&project, index, args.link_kind.as_deref(), &mut stderr)?;
        if stamps.is_empty() {
            let what = args
                .link_kind
                .as_deref()
                .map_or_else(String::new, |k| format!("{k} "));
            writeln!(stdout, "{id}: no resolved {what}links to review")?;
            continue;
        }
        let plan = ItemPlan {
            id: id.clone(),
            stamps,
        };
        match files.iter_mut().find(|(f, _)| *f == item.source.file) {
            Some((_, plans)) => plans.push(plan),
            None => files.push((Arc::clone(&item.source.file), vec![plan])),
        }
    }
    for (file, plans) in &files {
        let lines = review_file(&args.root, &project, file, plans)
            .with_context(|| format!("reviewing links in {file}"))?;
        for line in lines {
            writeln!(stdout, "{line}")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn item_index(project: &Project, id: &str) -> Result<usize> {
    if let Some(index) = project.index_of(id) {
        return Ok(index);
    }
    let ids = project.items.iter().map(|i| i.id.as_str());
    match did_you_mean(id, ids) {
        Some(hint) => bail!("no item {id} in the project ({hint})"),
        None => bail!("no item {id} in the project"),
    }
}

/// Stamps for the item's resolved outgoing links (of `link_kind`, if given); unresolved targets
/// are skipped with a warning, since `check` already reports them as errors.
fn stamps_for(
    project: &Project,
    index: usize,
    link_kind: Option<&str>,
    warnings: &mut impl Write,
) -> Result<Vec<Stamp>> {
    let item = &project.items[index];
    if let Some(kind) = link_kind {
        check_link_kind(project, item, kind)?;
    }
    let mut stamps: Vec<Stamp> = Vec::new();
    for edge in project.graph.outgoing(index) {
        let link = &item.links[edge.link];
        if link_kind.is_some_and(|k| k != link.kind) {
            continue;
        }
        let Some(target) = edge.target else {
            writeln!(
                warnings,
                "warning: {} {} {}: skipped, no item {} in the project",
                item.id, link.kind, link.target, link.target
            )?;
            continue;
        };
        let stamp = Stamp {
            link_kind: link.kind.clone(),
            target: link.target.clone(),
            fingerprint: project.items[target].fingerprint,
        };
        if !stamps.contains(&stamp) {
            stamps.push(stamp);
        }
    }
    Ok(stamps)
}

/// `--link-kind` must be a kind the item uses or the schema declares.
fn check_link_kind(project: &Project, item: &Item, kind: &str) -> Result<()> {
    if item.links.iter().any(|l| l.kind == kind) || project.config.link_kind(kind).is_some() {
        return Ok(());
    }
    let mut kinds: Vec<&str> = Vec::new();
    for link in &item.links {
        if !kinds.contains(&link.kind.as_str()) {
            kinds.push(&link.kind);
        }
    }
    let hint =
        did_you_mean(kind, kinds.iter().copied()).map_or_else(String::new, |h| format!(" ({h})"));
    if kinds.is_empty() {
        bail!("unknown link kind `{kind}`: {} has no links", item.id);
    }
    bail!(
        "unknown link kind `{kind}`{hint}: {} has links of kind {}",
        item.id,
        kinds.join(", ")
    )
}

/// Stamps the items of one file, verifies the result and writes it; returns the report lines.
fn review_file(
    root: &Path,
    project: &Project,
    file: &Arc<str>,
    plans: &[ItemPlan],
) -> Result<Vec<String>> {
    let path = root.join(&**file);
    let original = fs::read_to_string(&path).with_context(|| format!("reading {file}"))?;
    let mut text = original.clone();
    let mut lines = Vec::new();
    for plan in plans {
        let stamped = stamp_links(file, &text, &plan.id, &plan.stamps)
            .with_context(|| format!("stamping the links of {}", plan.id))?;
        if let Some(new) = stamped.text {
            text = new;
        }
        for (stamp, outcome) in plan.stamps.iter().zip(stamped.outcomes) {
            let what = match outcome {
                StampOutcome::Stamped => format!("reviewed {}", stamp.fingerprint),
                StampOutcome::AlreadyReviewed => "already reviewed".to_owned(),
            };
            lines.push(format!(
                "{} {} {}: {what}",
                plan.id, stamp.link_kind, stamp.target
            ));
        }
    }
    if text != original {
        verify::same_items_but_stamps(project, file, &original, &text, plans)?;
        tracebook_generator::write_atomically(&path, text.as_bytes())
            .with_context(|| format!("writing {file}"))?;
    }
    Ok(lines)
}

mod verify {
    //! The safety net: a stamped file must parse to the same items, with only `reviewed`
    //! changed, and exactly as planned.

    use super::*;

    pub(super) fn same_items_but_stamps(
        project: &Project,
        file: &Arc<str>,
        original: &str,
        stamped: &str,
        plans: &[ItemPlan],
    ) -> Result<()> {
        let config = Some(&project.config);
        let before = parse_file(file, original.as_bytes(), config);
        let after = parse_file(file, stamped.as_bytes(), config);
        let problems = |p: &tracebook_model::ParsedFile| {
            let mut v: Vec<String> = p.diagnostics.iter().map(|d| d.message.clone()).collect();
            v.sort();
            v
        };
        if problems(&before) != problems(&after) {
            bail!(
                "refusing to write: the stamped file reads differently ({:?})",
                problems(&after)
            );
        }
        if before.items.len() != after.items.len() {
            bail!("refusing to write: the stamped file holds a different number of items");
        }
        for (old, new) in before.items.iter().zip(&after.items) {
            let plan = plans.iter().find(|p| p.id == old.id);
            if let Some(what) = difference(old, new, plan) {
                bail!("refusing to write: {} would change: {what}", old.id);
            }
        }
        Ok(())
    }

    /// What differs between an item before and after stamping, beyond the planned stamps.
    pub(super) fn difference(
        old: &Item,
        new: &Item,
        plan: Option<&ItemPlan>,
    ) -> Option<&'static str> {
        let fields = |i: &Item| -> Vec<(String, serde_json::Value)> {
            i.fields
                .iter()
                .map(|f| (f.name.clone(), f.value.clone()))
                .collect()
        };
        if (&old.id, &old.kind, &old.title, &old.status)
            != (&new.id, &new.kind, &new.title, &new.status)
        {
            return Some("id, kind, title or status");
        }
        if old.tags != new.tags || old.results != new.results || fields(old) != fields(new) {
            return Some("tags, results or fields");
        }
        if old.body != new.body {
            return Some("the body");
        }
        if old.links.len() != new.links.len() {
            return Some("the number of links");
        }
        for (a, b) in old.links.iter().zip(&new.links) {
            if (&a.kind, &a.target) != (&b.kind, &b.target) {
                return Some("a link kind or target");
            }
            let stamp = plan.and_then(|p| {
                p.stamps
                    .iter()
                    .find(|s| (&s.link_kind, &s.target) == (&a.kind, &a.target))
            });
            let expected = match stamp {
                Some(s) => Some(s.fingerprint.to_string()),
                None => a.reviewed.clone(),
            };
            if b.reviewed != expected {
                return Some("a reviewed stamp");
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use tracebook_model::Fingerprint;

    use super::*;

    fn item(text: &str) -> Item {
        let parsed = parse_file(&Arc::from("r.md"), text.as_bytes(), None);
        parsed.items.into_iter().next().expect("one item")
    }

    #[test]
    fn verification_accepts_only_the_planned_stamps() {
        let base = "---\nid: R-2\nkind: req\ntitle: T\nlinks:\n  d: [R-1, { id: R-3, reviewed: x }]\n---\nBody\n";
        let old = item(base);
        let fingerprint = Fingerprint::parse("1234abcd").expect("hex");
        let plan = ItemPlan {
            id: "R-2".to_owned(),
            stamps: vec![Stamp {
                link_kind: "d".to_owned(),
                target: "R-1".to_owned(),
                fingerprint,
            }],
        };
        let planned = item(&base.replace("[R-1,", "[{ id: R-1, reviewed: \"1234abcd\" },"));
        assert_eq!(verify::difference(&old, &planned, Some(&plan)), None);
        let unplanned = item(&base.replace("reviewed: x", "reviewed: y"));
        assert_eq!(
            verify::difference(&old, &unplanned, Some(&plan)),
            Some("a reviewed stamp")
        );
        let body = item(&base.replace("Body", "Body!"));
        assert_eq!(verify::difference(&old, &body, None), Some("the body"));
    }
}
