//! Added, removed and modified items between two projects, field by field.

use std::sync::Arc;

use serde::Serialize;

use super::words::{Segment, word_diff};
use crate::config::Config;
use crate::item::{Item, Link};
use crate::natural::natural_cmp;
use crate::project::Project;

/// Every difference between two projects, items sorted by kind order then natural id.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ChangeSet {
    /// Items only in the new project.
    pub added: Vec<ItemSummary>,
    /// Items only in the old project.
    pub removed: Vec<ItemSummary>,
    /// Items in both whose content, status, tags or links differ.
    pub modified: Vec<ItemChange>,
}

impl ChangeSet {
    /// Added + removed + modified.
    pub fn len(&self) -> usize {
        self.added.len() + self.removed.len() + self.modified.len()
    }

    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One item as it is on one side.
#[derive(Debug, Clone, Serialize)]
pub struct ItemSummary {
    /// Id.
    pub id: String,
    /// Kind.
    pub kind: String,
    /// Title.
    pub title: String,
    /// Status.
    pub status: String,
    /// File, relative to the project root.
    pub file: Arc<str>,
}

/// One item present on both sides that differs.
#[derive(Debug, Clone, Serialize)]
pub struct ItemChange {
    /// The item on the new side.
    pub item: ItemSummary,
    /// Its file on the old side, when the item moved to another file.
    pub moved_from: Option<Arc<str>>,
    /// Fingerprint before.
    pub old_fingerprint: String,
    /// Fingerprint after (equal to before when only status, tags, links or the file changed).
    pub new_fingerprint: String,
    /// Changed keys in a fixed order: `kind`, `title`, `status`, `tags`, `links.<kind>` per link
    /// kind, then fields in the new item's source order, then fields that were removed.
    pub fields: Vec<FieldChange>,
    /// Word diff of the Markdown body, when it changed.
    pub body: Option<Vec<Segment>>,
}

/// One key whose value differs.
#[derive(Debug, Clone, Serialize)]
pub struct FieldChange {
    /// `title`, `status`, `tags`, `links.derives_from`, or a field name.
    pub name: String,
    /// The value before as one line of text (lists joined by ", "); `None` when absent.
    pub old: Option<String>,
    /// The value after, the same way.
    pub new: Option<String>,
    /// Word diff of `old` to `new` (absent sides count as empty text).
    pub words: Vec<Segment>,
}

/// Compares two projects item by item (by id).
///
/// Tag order and the order of targets under one link kind are presentation, not content, so
/// reordering them alone is no change; field order is ignored for the same reason (the
/// fingerprint sorts fields too).
pub fn diff(old: &Project, new: &Project) -> ChangeSet {
    let mut set = ChangeSet::default();
    for item in &new.items {
        match old.item(&item.id) {
            None => set.added.push(ItemSummary::of(item)),
            Some(before) => set.modified.extend(compare(before, item, &new.config)),
        }
    }
    set.removed = old
        .items
        .iter()
        .filter(|item| new.item(&item.id).is_none())
        .map(ItemSummary::of)
        .collect();
    // Removed items may be of a kind the new side dropped: those go last, in the old kind order.
    let order = |s: &ItemSummary| {
        (
            new.config.kind_order(&s.kind),
            old.config.kind_order(&s.kind),
        )
    };
    let by_kind_then_id = |a: &ItemSummary, b: &ItemSummary| {
        order(a)
            .cmp(&order(b))
            .then_with(|| natural_cmp(&a.id, &b.id))
    };
    set.added.sort_by(by_kind_then_id);
    set.removed.sort_by(by_kind_then_id);
    set.modified
        .sort_by(|a, b| by_kind_then_id(&a.item, &b.item));
    set
}

impl ItemSummary {
    fn of(item: &Item) -> ItemSummary {
        ItemSummary {
            id: item.id.clone(),
            kind: item.kind.clone(),
            title: item.title.clone(),
            status: item.status.clone(),
            file: Arc::clone(&item.source.file),
        }
    }
}

/// The change of one item, or `None` when both sides are the same item in the same file.
fn compare(old: &Item, new: &Item, config: &Config) -> Option<ItemChange> {
    let mut fields = Vec::new();
    for (name, before, after) in [
        ("kind", &old.kind, &new.kind),
        ("title", &old.title, &new.title),
        ("status", &old.status, &new.status),
    ] {
        if before != after {
            fields.push(FieldChange::new(
                name,
                Some(before.clone()),
                Some(after.clone()),
            ));
        }
    }
    if sorted(&old.tags) != sorted(&new.tags) {
        let text = |tags: &[String]| (!tags.is_empty()).then(|| tags.join(", "));
        fields.push(FieldChange::new("tags", text(&old.tags), text(&new.tags)));
    }
    link_changes(old, new, config, &mut fields);
    field_changes(old, new, &mut fields);
    let body =
        (normalized(&old.body) != normalized(&new.body)).then(|| word_diff(&old.body, &new.body));
    let moved_from = (old.source.file != new.source.file).then(|| Arc::clone(&old.source.file));
    if fields.is_empty() && body.is_none() && moved_from.is_none() {
        return None;
    }
    Some(ItemChange {
        item: ItemSummary::of(new),
        moved_from,
        old_fingerprint: old.fingerprint.to_string(),
        new_fingerprint: new.fingerprint.to_string(),
        fields,
        body,
    })
}

impl FieldChange {
    fn new(name: &str, old: Option<String>, new: Option<String>) -> FieldChange {
        let words = word_diff(old.as_deref().unwrap_or(""), new.as_deref().unwrap_or(""));
        FieldChange {
            name: name.to_owned(),
            old,
            new,
            words,
        }
    }
}

/// One `links.<kind>` change per link kind whose targets differ: the config's link kinds in
/// order, then undeclared ones as first written (new side, then old side).
fn link_changes(old: &Item, new: &Item, config: &Config, out: &mut Vec<FieldChange>) {
    let mut kinds: Vec<&str> = config.links.iter().map(|l| l.name.as_str()).collect();
    for link in new.links.iter().chain(&old.links) {
        if !kinds.contains(&link.kind.as_str()) {
            kinds.push(&link.kind);
        }
    }
    for kind in kinds {
        let before: Vec<&Link> = old.links.iter().filter(|l| l.kind == kind).collect();
        let after: Vec<&Link> = new.links.iter().filter(|l| l.kind == kind).collect();
        if targets(&before) != targets(&after) {
            let name = format!("links.{kind}");
            out.push(FieldChange::new(
                &name,
                render_links(&before),
                render_links(&after),
            ));
        }
    }
}

/// Target and review stamp of each link, in a stable order.
fn targets<'a>(links: &[&'a Link]) -> Vec<(&'a str, Option<&'a str>)> {
    let mut targets: Vec<_> = links
        .iter()
        .map(|l| (l.target.as_str(), l.reviewed.as_deref()))
        .collect();
    targets.sort_unstable();
    targets
}

/// `ID, ID (reviewed abcd1234)`; `None` for no links.
fn render_links(links: &[&Link]) -> Option<String> {
    let parts: Vec<String> = links
        .iter()
        .map(|l| match &l.reviewed {
            Some(fp) => format!("{} (reviewed {fp})", l.target),
            None => l.target.clone(),
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// Fields in the new item's order, then the fields only the old item has.
fn field_changes(old: &Item, new: &Item, out: &mut Vec<FieldChange>) {
    let old_value = |name: &str| old.fields.iter().find(|f| f.name == name).map(|f| &f.value);
    for field in &new.fields {
        let before = old_value(&field.name);
        if before != Some(&field.value) {
            let text = Some(render_value(&field.value));
            out.push(FieldChange::new(
                &field.name,
                before.map(render_value),
                text,
            ));
        }
    }
    for field in &old.fields {
        if !new.fields.iter().any(|f| f.name == field.name) {
            out.push(FieldChange::new(
                &field.name,
                Some(render_value(&field.value)),
                None,
            ));
        }
    }
}

/// A field value as one line: strings as written, lists joined by ", ", null as nothing.
fn render_value(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        serde_json::Value::Array(values) => {
            let parts: Vec<String> = values.iter().map(render_value).collect();
            parts.join(", ")
        }
        other => other.to_string(),
    }
}

fn sorted(values: &[String]) -> Vec<&String> {
    let mut values: Vec<&String> = values.iter().collect();
    values.sort();
    values
}

/// The body as the fingerprint sees it: line endings and trailing blanks are not content.
fn normalized(body: &str) -> Vec<&str> {
    body.trim_end().lines().map(str::trim_end).collect()
}
