//! Stamping review fingerprints into an item's links (`tracebook review`), as a minimal text
//! edit: only the link target being stamped changes, so comments, key order, quoting,
//! indentation and the Markdown body stay byte-for-byte as the author wrote them.
//!
//! Pure text in, text out; the caller reads and writes the file, and checks the result with
//! [`check_stamped`] before writing it. [`plan_review`] says which links to stamp.

mod plan;

pub use plan::{ReviewPlan, ReviewPlanError, UnplannedChange, check_stamped, plan_review};

use crate::fingerprint::Fingerprint;
use crate::text_edit::{self, Edit, Missing};
use crate::yaml::{self, Key, Node, Value};

/// One link to mark as reviewed: its kind, its target and the target's current fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    /// Link kind, e.g. `derives_from`.
    pub link_kind: String,
    /// Target item id.
    pub target: String,
    /// The target's fingerprint now.
    pub fingerprint: Fingerprint,
}

/// What happened to one [`Stamp`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StampOutcome {
    /// The link now carries the fingerprint.
    Stamped,
    /// The link already carried it; nothing changed.
    AlreadyReviewed,
}

/// The result of [`stamp_links`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamped {
    /// The new file text, or `None` when every link was already reviewed.
    pub text: Option<String>,
    /// One outcome per stamp, in the order given.
    pub outcomes: Vec<StampOutcome>,
}

/// Why a file could not be stamped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReviewError {
    /// The YAML does not parse (`check` reports the same problem with more detail).
    #[error("line {line}: the YAML does not parse: {message}")]
    Syntax {
        /// Line in the file.
        line: u32,
        /// The parser's message.
        message: String,
    },
    /// A Markdown file without front matter, or YAML that is not an item or list of items.
    #[error("the file holds no items")]
    NoItems,
    /// No item with this id in the file.
    #[error("the file has no item {0}")]
    ItemNotFound(String),
    /// More than one item with this id in the file.
    #[error("the file has more than one item {0}")]
    DuplicateItem(String),
    /// The item has no link of this kind to this target.
    #[error("the item has no {kind} link to {target}")]
    LinkNotFound {
        /// Link kind.
        kind: String,
        /// Target id.
        target: String,
    },
    /// Two stamps for the same link with different fingerprints.
    #[error("the {kind} link to {target} is stamped twice with different fingerprints")]
    Conflict {
        /// Link kind.
        kind: String,
        /// Target id.
        target: String,
    },
    /// The link is written in a form that cannot be edited safely (an alias, a nested value).
    #[error("line {line}: the {kind} link to {target} is written {form}; edit it by hand")]
    Unsupported {
        /// Link kind.
        kind: String,
        /// Target id.
        target: String,
        /// Line in the file.
        line: u32,
        /// What is in the way.
        form: &'static str,
    },
}

impl ReviewError {
    fn missing(missing: Missing, id: &str) -> ReviewError {
        match missing {
            Missing::NoItems => ReviewError::NoItems,
            Missing::NotFound => ReviewError::ItemNotFound(id.to_owned()),
            Missing::Duplicate => ReviewError::DuplicateItem(id.to_owned()),
        }
    }
}

/// Stamps each link of `stamps` on item `id` in `text`, the contents of `file` (whose extension
/// picks the format, as in [`crate::parse_file`]: `.md` front matter, otherwise a YAML list).
///
/// The fingerprint is always written double-quoted: a plain `12345678` or `1e345678` would read
/// back as a number.
///
/// ```
/// use tracebook_model::{Fingerprint, Stamp, stamp_links};
///
/// let text = "---\nid: R-2\nkind: req\ntitle: T\nlinks:\n  derives_from: [R-1] # why\n---\nBody\n";
/// let fingerprint = Fingerprint::parse("1e345678").unwrap();
/// let stamp = Stamp { link_kind: "derives_from".into(), target: "R-1".into(), fingerprint };
/// let done = stamp_links("r.md", text, "R-2", &[stamp]).unwrap();
/// assert_eq!(
///     done.text.unwrap(),
///     "---\nid: R-2\nkind: req\ntitle: T\nlinks:\n  derives_from: [{ id: R-1, reviewed: \"1e345678\" }] # why\n---\nBody\n"
/// );
/// ```
pub fn stamp_links(
    file: &str,
    text: &str,
    id: &str,
    stamps: &[Stamp],
) -> Result<Stamped, ReviewError> {
    let (yaml_range, first_line) =
        text_edit::yaml_part(file.ends_with(".md"), text).ok_or(ReviewError::NoItems)?;
    let yaml_text = &text[yaml_range.clone()];
    let root = yaml::parse(yaml_text, first_line).map_err(|err| ReviewError::Syntax {
        line: err.pos.line,
        message: err.message,
    })?;
    let (_, entries) = text_edit::find_item(&root, file.ends_with(".md"), id)
        .map_err(|missing| ReviewError::missing(missing, id))?;
    let mut edits: Vec<Edit> = Vec::new();
    let mut outcomes = Vec::with_capacity(stamps.len());
    for (i, stamp) in stamps.iter().enumerate() {
        if stamps[..i].iter().any(|s| {
            (&s.link_kind, &s.target) == (&stamp.link_kind, &stamp.target)
                && s.fingerprint != stamp.fingerprint
        }) {
            return Err(ReviewError::Conflict {
                kind: stamp.link_kind.clone(),
                target: stamp.target.clone(),
            });
        }
        let targets = link_targets(entries, &stamp.link_kind, &stamp.target);
        if targets.is_empty() {
            return Err(ReviewError::LinkNotFound {
                kind: stamp.link_kind.clone(),
                target: stamp.target.clone(),
            });
        }
        let mut outcome = StampOutcome::AlreadyReviewed;
        for node in targets {
            if let Some(edit) = edit_for(yaml_text, node, stamp)? {
                outcome = StampOutcome::Stamped;
                edits.push(edit);
            }
        }
        outcomes.push(outcome);
    }
    // The same link stamped twice gives the same edit; keep one.
    edits.sort_by_key(|e| (e.range.start, e.range.end));
    edits.dedup();
    let text = (!edits.is_empty()).then(|| text_edit::apply(text, yaml_range.start, &edits));
    Ok(Stamped { text, outcomes })
}

fn get<'n>(entries: &'n [(Key, Node)], name: &str) -> Option<&'n Node> {
    entries.iter().find(|(k, _)| k.name == name).map(|(_, v)| v)
}

/// The written targets of `links: { kind: [...] }` whose id is `target`, read like `item.rs`
/// reads them: a list, or a single target without one.
fn link_targets<'n>(entries: &'n [(Key, Node)], kind: &str, target: &str) -> Vec<&'n Node> {
    let Some(Value::Map(links)) = get(entries, "links").map(|n| &n.value) else {
        return vec![];
    };
    let Some(value) = get(links, kind) else {
        return vec![];
    };
    let targets: &[Node] = match &value.value {
        Value::Seq(items) => items,
        Value::Null => &[],
        _ => std::slice::from_ref(value),
    };
    targets
        .iter()
        .filter(|node| target_id(node).as_deref() == Some(target))
        .collect()
}

fn target_id(node: &Node) -> Option<String> {
    match &node.value {
        Value::Map(entries) => get(entries, "id")?.value.scalar_text(),
        value => value.scalar_text(),
    }
}

/// The edit that stamps one written target, or `None` when it already carries the fingerprint.
fn edit_for(yaml_text: &str, node: &Node, stamp: &Stamp) -> Result<Option<Edit>, ReviewError> {
    let fp = stamp.fingerprint.to_string();
    let unsupported = |node: &Node, form| ReviewError::Unsupported {
        kind: stamp.link_kind.clone(),
        target: stamp.target.clone(),
        line: node.pos.line,
        form,
    };
    let source = &yaml_text[node.bytes.clone()];
    // An alias shares its nodes (and their byte ranges) with the anchored original.
    if source.starts_with('*') {
        return Err(unsupported(node, "as an alias"));
    }
    let Value::Map(entries) = &node.value else {
        // A plain or quoted id becomes a mapping; the id keeps its spelling when it fits on one
        // line of a flow mapping (block scalars and folded lines do not).
        let id = if source.contains(['\n', '\r']) || source.starts_with(['|', '>']) {
            serde_json::to_string(&stamp.target).unwrap_or_default()
        } else {
            source.to_owned()
        };
        let text = format!("{{ id: {id}, reviewed: \"{fp}\" }}");
        return Ok(Some(Edit {
            range: node.bytes.clone(),
            text,
        }));
    };
    if let Some(reviewed) = get(entries, "reviewed") {
        if reviewed.value.scalar_text().as_deref() == Some(fp.as_str()) {
            return Ok(None);
        }
        let source = &yaml_text[reviewed.bytes.clone()];
        if matches!(reviewed.value, Value::Seq(_) | Value::Map(_)) || source.starts_with('*') {
            return Err(unsupported(
                reviewed,
                "with a reviewed value that is not text",
            ));
        }
        if source.is_empty() {
            return Ok(Some(fill_empty(yaml_text, reviewed.bytes.start, &fp)));
        }
        return Ok(Some(Edit {
            range: reviewed.bytes.clone(),
            text: format!("\"{fp}\""),
        }));
    }
    let (first_key, last) = match (entries.first(), entries.last()) {
        (Some((key, _)), Some((_, last))) => (key, last),
        _ => return Err(unsupported(node, "as an empty mapping")),
    };
    if source.starts_with('{') {
        let at = last.bytes.end;
        let text = format!(", reviewed: \"{fp}\"");
        return Ok(Some(Edit {
            range: at..at,
            text,
        }));
    }
    Ok(Some(block_insert(yaml_text, first_key, last, &fp)))
}

/// Fills `reviewed:` written with nothing after it. The parser puts the empty value at the end
/// of the key, before the colon, so the text goes after the colon that follows.
fn fill_empty(yaml_text: &str, at: usize, fp: &str) -> Edit {
    let rest = &yaml_text[at..];
    let skipped = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    let at = if rest[skipped..].starts_with(':') {
        at + skipped + 1
    } else {
        at
    };
    Edit {
        range: at..at,
        text: format!(" \"{fp}\""),
    }
}

/// A new `reviewed:` line after the line where a block mapping's last value ends (after any
/// comment on it), indented like the mapping's keys and with the same line ending.
fn block_insert(yaml_text: &str, first_key: &Key, last: &Node, fp: &str) -> Edit {
    // Keys are preceded by spaces and `- ` only, so the column in characters is also the
    // number of spaces to indent with.
    let indent = " ".repeat(first_key.pos.column.saturating_sub(1) as usize);
    let end = last.bytes.end;
    let (at, eol) = match yaml_text[end..].find('\n').map(|i| end + i) {
        Some(nl) if yaml_text[..nl].ends_with('\r') => (nl - 1, "\r\n"),
        Some(nl) => (nl, "\n"),
        None => (yaml_text.len(), "\n"),
    };
    Edit {
        range: at..at,
        text: format!("{eol}{indent}reviewed: \"{fp}\""),
    }
}

#[cfg(test)]
mod tests;
