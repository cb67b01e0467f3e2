//! Editing one item in its file's text with minimal changes (the engine behind the write API):
//! set, add or remove top-level keys of the item and replace a Markdown body, leaving every other
//! byte (comments, key order, quoting, indentation, other items of a YAML list) as written.
//! Also renders the text of a new item file.
//!
//! Pure text in, text out, like [`crate::stamp_links`] (whose front matter split and item
//! lookup this mirrors). Each new value is written in the plainest YAML spelling that reads back
//! as the same value, and the whole result is parsed again before it is returned, so an edit
//! either does exactly what was asked or fails.

use std::ops::Range;

use serde_json::Value as Json;

use crate::text_edit::{self, Edit, Missing};
use crate::yaml::{self, Key, Node};
use values::entry;

/// What to do with one top-level key of an item.
#[derive(Debug, Clone, PartialEq)]
pub enum KeyChange {
    /// Replace the key's value, or add the key at the end of the item when it is absent.
    Set(Json),
    /// Remove the key (and its value, and any comment on its last line).
    Remove,
}

/// An edit of one item: key changes in order, and optionally a new Markdown body.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ItemEdit {
    /// Top-level keys to set or remove. `id` cannot change: the id is the item's identity.
    pub keys: Vec<(String, KeyChange)>,
    /// The new Markdown body (only for `.md` files; `Some("")` is accepted for YAML lists).
    pub body: Option<String>,
}

/// Why an edit could not be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextEditError {
    /// The YAML does not parse.
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
    /// A key that cannot be written as a plain YAML key, or one that may not change (`id`).
    #[error("the key `{0}` cannot be set or removed")]
    BadKey(String),
    /// A body for an item of a YAML list, which has none.
    #[error("items in a YAML list have no Markdown body")]
    BodyInYamlList,
    /// The item is written in a form this editor does not change safely.
    #[error("line {line}: the item is written {form}; edit it by hand")]
    Unsupported {
        /// Line in the file.
        line: u32,
        /// What is in the way.
        form: &'static str,
    },
    /// The edited text did not read back as intended (a value YAML cannot hold as given).
    #[error("the value of `{0}` does not read back as written")]
    Unreadable(String),
}

impl TextEditError {
    fn missing(missing: Missing, id: &str) -> TextEditError {
        match missing {
            Missing::NoItems => TextEditError::NoItems,
            Missing::NotFound => TextEditError::ItemNotFound(id.to_owned()),
            Missing::Duplicate => TextEditError::DuplicateItem(id.to_owned()),
        }
    }
}

/// Applies `edit` to item `id` in `text`, the contents of `file` (whose extension picks the
/// format, as in [`crate::parse_file`]).
///
/// ```
/// use tracebook_model::{ItemEdit, KeyChange, edit_item};
///
/// let text = "---\nid: R-2 # keep\nkind: req\ntitle: Old\n---\nBody\n";
/// let edit = ItemEdit {
///     keys: vec![
///         ("title".into(), KeyChange::Set("New: better".into())),
///         ("tags".into(), KeyChange::Set(serde_json::json!(["a", "true"]))),
///     ],
///     body: None,
/// };
/// assert_eq!(
///     edit_item("r.md", text, "R-2", &edit).unwrap(),
///     "---\nid: R-2 # keep\nkind: req\ntitle: \"New: better\"\ntags: [a, \"true\"]\n---\nBody\n"
/// );
/// ```
pub fn edit_item(
    file: &str,
    text: &str,
    id: &str,
    edit: &ItemEdit,
) -> Result<String, TextEditError> {
    let is_markdown = file.ends_with(".md");
    if !is_markdown && edit.body.as_deref().is_some_and(|b| !b.is_empty()) {
        return Err(TextEditError::BodyInYamlList);
    }
    let (yaml_range, first_line) =
        text_edit::yaml_part(is_markdown, text).ok_or(TextEditError::NoItems)?;
    let yaml_text = &text[yaml_range.clone()];
    let root = parse(yaml_text, first_line)?;
    let (mapping, entries) = text_edit::find_item(&root, is_markdown, id)
        .map_err(|missing| TextEditError::missing(missing, id))?;
    if yaml_text[mapping.bytes.clone()].starts_with('{') {
        let line = mapping.pos.line;
        return Err(TextEditError::Unsupported {
            line,
            form: "as a flow mapping `{ ... }`",
        });
    }
    let layout = Layout::new(yaml_text, first_line, entries);
    let mut edits = Vec::new();
    let mut added = String::new();
    for (i, (name, change)) in edit.keys.iter().enumerate() {
        let repeated = edit.keys[..i].iter().any(|(n, _)| n == name);
        if name == "id" || repeated || !is_plain_key(name) {
            return Err(TextEditError::BadKey(name.clone()));
        }
        let found = entries.iter().position(|(k, _)| k.name == *name);
        match (found, change) {
            (Some(i), KeyChange::Set(value)) => edits.push(layout.replace(i, name, value)?),
            (Some(i), KeyChange::Remove) => edits.push(layout.remove(i)?),
            (None, KeyChange::Set(value)) => {
                added.push_str(&layout.eol);
                added.push_str(&" ".repeat(layout.indent));
                added.push_str(&layout.entry(name, value)?);
            }
            (None, KeyChange::Remove) => {}
        }
    }
    if !added.is_empty() {
        let at = layout.append_point(&edit.keys);
        edits.push(Edit {
            range: at..at,
            text: added,
        });
    }
    edits.sort_by_key(|e| (e.range.start, e.range.end));
    let mut out = text_edit::apply(text, yaml_range.start, &edits);
    if let Some(body) = edit.body.as_deref().filter(|_| is_markdown) {
        let start = text_edit::body_start(&out).ok_or(TextEditError::NoItems)?;
        out.truncate(start);
        out.push_str(body);
    }
    verify(is_markdown, &out, id, edit)?;
    Ok(out)
}

/// The text of a new item file: front matter with `id`, `kind`, `title` and `fields` (in the
/// order given), then the Markdown body.
///
/// ```
/// let text = tracebook_model::render_item("need", "STK-4", "Dose: limits", &[], "Text").unwrap();
/// assert_eq!(text, "---\nid: STK-4\nkind: need\ntitle: \"Dose: limits\"\n---\nText\n");
/// ```
pub fn render_item(
    kind: &str,
    id: &str,
    title: &str,
    fields: &[(String, Json)],
    body: &str,
) -> Result<String, TextEditError> {
    let mut out = String::from("---\n");
    let head = [("id", id), ("kind", kind), ("title", title)];
    for (name, value) in head {
        out.push_str(&entry(name, &Json::from(value), 0, "\n")?);
        out.push('\n');
    }
    for (name, value) in fields {
        if crate::RESERVED_KEYS.contains(&name.as_str()) || !is_plain_key(name) {
            return Err(TextEditError::BadKey(name.clone()));
        }
        out.push_str(&entry(name, value, 0, "\n")?);
        out.push('\n');
    }
    out.push_str("---\n");
    out.push_str(body);
    if !body.is_empty() && !body.ends_with('\n') {
        out.push('\n');
    }
    Ok(out)
}

/// Where an item's entries sit in the YAML text, and how its file writes lines.
struct Layout<'t> {
    yaml: &'t str,
    /// Byte offset of each key, and the value's range, per entry.
    keys: Vec<usize>,
    values: Vec<Range<usize>>,
    names: Vec<&'t str>,
    indent: usize,
    eol: String,
}

impl<'t> Layout<'t> {
    fn new(yaml: &'t str, first_line: u32, entries: &'t [(Key, Node)]) -> Layout<'t> {
        let line_starts: Vec<usize> = std::iter::once(0)
            .chain(yaml.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        let offset = |key: &Key| {
            let line = (key.pos.line - first_line) as usize;
            let start = line_starts.get(line).copied().unwrap_or(yaml.len());
            let col = key.pos.column.saturating_sub(1) as usize;
            yaml[start..]
                .char_indices()
                .nth(col)
                .map_or(yaml.len(), |(i, _)| start + i)
        };
        let eol = if yaml.contains("\r\n") { "\r\n" } else { "\n" };
        Layout {
            yaml,
            keys: entries.iter().map(|(k, _)| offset(k)).collect(),
            values: entries.iter().map(|(_, v)| v.bytes.clone()).collect(),
            names: entries.iter().map(|(k, _)| k.name.as_str()).collect(),
            // Keys are preceded by spaces and `- ` only, so columns count spaces.
            indent: entries
                .first()
                .map_or(0, |(k, _)| k.pos.column.saturating_sub(1) as usize),
            eol: eol.to_owned(),
        }
    }

    /// Where entry `i`'s value ends, before any line break a block scalar's range includes.
    fn value_end(&self, i: usize) -> usize {
        let range = &self.values[i];
        let text = &self.yaml[range.start.min(range.end)..range.end];
        range.end - (text.len() - text.trim_end_matches(['\r', '\n', ' ', '\t']).len())
    }

    fn entry(&self, name: &str, value: &Json) -> Result<String, TextEditError> {
        entry(name, value, self.indent, &self.eol)
    }

    /// Replaces entry `i`'s value: from just after its key's colon to the end of the value, so an
    /// empty value, a block collection or an anchor is replaced whole.
    fn replace(&self, i: usize, name: &str, value: &Json) -> Result<Edit, TextEditError> {
        let colon = self.colon_after(i)?;
        let text = self.entry(name, value)?;
        // `entry` writes `name:` then the value; keep the key as the file spells it.
        let text = text[name.len() + 1..].to_owned();
        let mut end = self.value_end(i).max(colon + 1);
        if text.contains('\n') {
            // A comment after the old value would end up inside a new block; it goes with the
            // value it described.
            end += self.yaml[end..]
                .find(['\r', '\n'])
                .unwrap_or(self.yaml.len() - end);
        }
        Ok(Edit {
            range: colon + 1..end,
            text,
        })
    }

    /// Removes entry `i` with its whole lines, from the key's line start to the end of the line
    /// where its value ends.
    fn remove(&self, i: usize) -> Result<Edit, TextEditError> {
        let key = self.keys[i];
        let line_start = self.yaml[..key].rfind('\n').map_or(0, |n| n + 1);
        if !self.yaml[line_start..key].trim().is_empty() {
            return Err(self.unsupported(key, "with this key after `- ` or another key"));
        }
        let end = self.value_end(i).max(key);
        let line_end = self.yaml[end..]
            .find('\n')
            .map_or(self.yaml.len(), |n| end + n + 1);
        Ok(Edit {
            range: line_start..line_end,
            text: String::new(),
        })
    }

    /// New keys go after the line of the last entry that stays (after its comment, if any).
    fn append_point(&self, changes: &[(String, KeyChange)]) -> usize {
        let removed = |name: &str| {
            changes
                .iter()
                .any(|(n, c)| n == name && *c == KeyChange::Remove)
        };
        let last = (0..self.names.len())
            .rev()
            .find(|&i| !removed(self.names[i]))
            .unwrap_or(0);
        let end = self.value_end(last).max(self.keys[last]);
        match self.yaml[end..].find('\n').map(|n| end + n) {
            Some(nl) if self.yaml[..nl].ends_with('\r') => nl - 1,
            Some(nl) => nl,
            None => self.yaml.len(),
        }
    }

    /// The byte offset of the `:` that ends entry `i`'s key.
    fn colon_after(&self, i: usize) -> Result<usize, TextEditError> {
        let key = self.keys[i];
        let rest = &self.yaml[key..];
        let skip = match rest.chars().next() {
            Some(q @ ('"' | '\'')) => closing_quote(&rest[1..], q).map(|n| n + 2),
            Some('?') => None,
            _ => Some(0),
        };
        let colon = skip.and_then(|skip| {
            let bytes = rest.as_bytes();
            (skip..bytes.len()).find(|&j| {
                bytes[j] == b':' && bytes.get(j + 1).is_none_or(|b| b.is_ascii_whitespace())
            })
        });
        colon
            .map(|j| key + j)
            .ok_or_else(|| self.unsupported(key, "with a key this editor cannot read"))
    }

    fn unsupported(&self, at: usize, form: &'static str) -> TextEditError {
        let line = self.yaml[..at].matches('\n').count() as u32 + 1;
        TextEditError::Unsupported { line, form }
    }
}

/// The offset of the quote closing a quoted scalar whose text starts at `s`.
fn closing_quote(s: &str, quote: char) -> Option<usize> {
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' if quote == '"' => {
                chars.next();
            }
            // `''` is an escaped quote inside a single-quoted scalar.
            '\'' if quote == '\'' && chars.peek().is_some_and(|(_, n)| *n == '\'') => {
                chars.next();
            }
            c if c == quote => return Some(i),
            _ => {}
        }
    }
    None
}

/// A key we write and change: what `tracebook.yaml` field names look like.
fn is_plain_key(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// Parses the result again and checks every changed key and the body read back as asked.
fn verify(is_markdown: bool, text: &str, id: &str, edit: &ItemEdit) -> Result<(), TextEditError> {
    let (range, first_line) =
        text_edit::yaml_part(is_markdown, text).ok_or(TextEditError::NoItems)?;
    let root = parse(&text[range], first_line)?;
    let (_, entries) = text_edit::find_item(&root, is_markdown, id)
        .map_err(|missing| TextEditError::missing(missing, id))?;
    for (name, change) in &edit.keys {
        let now = entries
            .iter()
            .find(|(k, _)| k.name == *name)
            .map(|(_, v)| v.value.to_json());
        let ok = match change {
            KeyChange::Remove => now.is_none(),
            KeyChange::Set(value) => now.as_ref() == Some(value),
        };
        if !ok {
            return Err(TextEditError::Unreadable(name.clone()));
        }
    }
    if let Some(body) = edit.body.as_deref().filter(|_| is_markdown) {
        let start = text_edit::body_start(text).ok_or(TextEditError::NoItems)?;
        if &text[start..] != body {
            return Err(TextEditError::Unreadable("body".to_owned()));
        }
    }
    Ok(())
}

fn parse(yaml_text: &str, first_line: u32) -> Result<Node, TextEditError> {
    yaml::parse(yaml_text, first_line).map_err(|err| TextEditError::Syntax {
        line: err.pos.line,
        message: err.message,
    })
}

mod values;

#[cfg(test)]
mod tests;
