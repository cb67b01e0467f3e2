//! Items: parsing one content file (Markdown with front matter, or a YAML list) into items,
//! checking each against its kind's schema. Cross-item checks live in [`crate::project`].

use std::sync::Arc;

use serde::Serialize;

use crate::config::Config;
use crate::diagnostic::{Diagnostic, Span, codes};
use crate::fingerprint::Fingerprint;
use crate::reader::Reader;
use crate::schema;
use crate::yaml::{self, Key, Node, Pos, Value};

/// Keys with a meaning of their own; every other key is a field of the item's kind.
pub const RESERVED_KEYS: [&str; 7] = ["id", "kind", "title", "status", "tags", "links", "results"];

/// Keys of a link target written as a mapping: `{ id: SYS-002, reviewed: 3f9a1c20 }`.
pub(crate) const LINK_TARGET_KEYS: [&str; 2] = ["id", "reviewed"];

/// One traceable item.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    /// Unique id.
    pub id: String,
    /// Kind name (a key of `kinds`).
    pub kind: String,
    /// Title.
    pub title: String,
    /// Status (the kind's first status when the file names none).
    pub status: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Outgoing links, in source order.
    pub links: Vec<Link>,
    /// Fields other than the reserved keys, in source order.
    pub fields: Vec<Field>,
    /// Test results this item names as its evidence.
    pub results: Vec<crate::evidence::ResultRef>,
    /// Markdown body (empty for items from YAML lists).
    pub body: String,
    /// Fingerprint of the canonical content.
    pub fingerprint: Fingerprint,
    /// Where the item is defined.
    pub source: Source,
}

/// Where an item is written.
#[derive(Debug, Clone, Serialize)]
pub struct Source {
    /// File, relative to the project root.
    pub file: Arc<str>,
    /// Line and column of the item's `id` value (or of its first key when it has none).
    pub line: u32,
    /// Column of the same.
    pub column: u32,
    /// First line of the Markdown body (0 when there is none).
    pub body_line: u32,
}

impl Source {
    /// The item's position as a diagnostic span.
    pub fn span(&self) -> Span {
        Span::new(&self.file, self.line, self.column)
    }
}

/// An outgoing link as written.
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    /// Link kind.
    pub kind: String,
    /// Target id.
    pub target: String,
    /// Target fingerprint at the last review, if any.
    pub reviewed: Option<String>,
    /// Where the target id is written.
    #[serde(skip)]
    pub pos: Pos,
}

/// A field value.
#[derive(Debug, Clone, Serialize)]
pub struct Field {
    /// Field name.
    pub name: String,
    /// Value, as JSON.
    pub value: serde_json::Value,
    /// Where the value is written.
    #[serde(skip)]
    pub pos: Pos,
}

/// What one content file yields.
#[derive(Debug, Clone, Default)]
pub struct ParsedFile {
    /// Items found.
    pub items: Vec<Item>,
    /// Problems found in this file alone.
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses one content file. `file` is its path relative to the project root (the extension
/// picks the format); `schema` is `None` when `tracebook.yaml` itself could not be read, in which
/// case only syntax is checked.
pub fn parse_file(file: &Arc<str>, bytes: &[u8], schema: Option<&Config>) -> ParsedFile {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text.strip_prefix('\u{feff}').unwrap_or(text),
        Err(err) => {
            let line = bytes[..err.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1;
            let span = Span::new(file, u32::try_from(line).unwrap_or(u32::MAX), 1);
            let d = Diagnostic::error(codes::NOT_UTF8, span, "file is not valid UTF-8")
                .with_hint("re-save the file as UTF-8");
            return ParsedFile {
                items: vec![],
                diagnostics: vec![d],
            };
        }
    };
    if file.ends_with(".md") {
        parse_markdown(file, text, schema)
    } else {
        parse_yaml_list(file, text, schema)
    }
}

fn syntax_error(file: &Arc<str>, err: yaml::SyntaxError) -> ParsedFile {
    let d = Diagnostic::error(codes::YAML_SYNTAX, Span::at(file, err.pos), err.message);
    ParsedFile {
        items: vec![],
        diagnostics: vec![d],
    }
}

fn parse_markdown(file: &Arc<str>, text: &str, schema: Option<&Config>) -> ParsedFile {
    let Some(split) = split_front_matter(text) else {
        let d = Diagnostic::error(
            codes::MISSING_FRONT_MATTER,
            Span::new(file, 1, 1),
            "item file has no front matter (a block between two `---` lines at the top)",
        )
        .with_hint("start the file with `---`, then `id:`, `kind:` and `title:`, then `---`");
        return ParsedFile {
            items: vec![],
            diagnostics: vec![d],
        };
    };
    let root = match yaml::parse(split.yaml, 2) {
        Ok(root) => root,
        Err(err) => return syntax_error(file, err),
    };
    let entries = match &root.value {
        Value::Map(entries) if !entries.is_empty() => entries,
        Value::Null | Value::Map(_) => {
            let d = Diagnostic::error(
                codes::EMPTY_FRONT_MATTER,
                Span::new(file, 1, 1),
                "front matter is empty",
            )
            .with_hint("add at least `id:`, `kind:` and `title:`");
            return ParsedFile {
                items: vec![],
                diagnostics: vec![d],
            };
        }
        other => {
            let message = format!(
                "front matter must be a mapping of keys, found {}",
                other.type_name()
            );
            let d = Diagnostic::error(codes::NOT_AN_ITEM_LIST, Span::at(file, root.pos), message);
            return ParsedFile {
                items: vec![],
                diagnostics: vec![d],
            };
        }
    };
    let mut reader = Reader::new(file, codes::WRONG_FIELD_TYPE);
    let body = Body {
        text: split.body,
        line: split.body_line,
    };
    let items = read_item(&mut reader, root.pos, entries, body, schema)
        .into_iter()
        .collect();
    ParsedFile {
        items,
        diagnostics: reader.into_diagnostics(),
    }
}

fn parse_yaml_list(file: &Arc<str>, text: &str, schema: Option<&Config>) -> ParsedFile {
    let root = match yaml::parse(text, 1) {
        Ok(root) => root,
        Err(err) => return syntax_error(file, err),
    };
    let mut reader = Reader::new(file, codes::WRONG_FIELD_TYPE);
    let mut items = Vec::new();
    match &root.value {
        Value::Null => {}
        Value::Seq(nodes) => {
            for node in nodes {
                let Value::Map(entries) = &node.value else {
                    let message = format!(
                        "each item must be a mapping, found {}",
                        node.value.type_name()
                    );
                    reader.push(Diagnostic::error(
                        codes::NOT_AN_ITEM_LIST,
                        reader.span(node.pos),
                        message,
                    ));
                    continue;
                };
                let body = Body { text: "", line: 0 };
                items.extend(read_item(&mut reader, node.pos, entries, body, schema));
            }
        }
        other => {
            let message = format!(
                "a YAML item file must be a list of items, found {}",
                other.type_name()
            );
            let d = Diagnostic::error(codes::NOT_AN_ITEM_LIST, reader.span(root.pos), message)
                .with_hint("write each item as a list entry starting with `- id: ...`");
            reader.push(d);
        }
    }
    ParsedFile {
        items,
        diagnostics: reader.into_diagnostics(),
    }
}

struct FrontMatter<'a> {
    yaml: &'a str,
    body: &'a str,
    body_line: u32,
}

/// Splits `---\n<yaml>\n---\n<body>`; `None` when the file does not open with `---` or the
/// block is never closed.
fn split_front_matter(text: &str) -> Option<FrontMatter<'_>> {
    let mut lines = text.split_inclusive('\n');
    let first = lines.next()?;
    if first.trim_end() != "---" {
        return None;
    }
    let yaml_start = first.len();
    let mut offset = yaml_start;
    let mut line_no: u32 = 1;
    for line in lines {
        line_no += 1;
        if matches!(line.trim_end(), "---" | "...") {
            return Some(FrontMatter {
                yaml: &text[yaml_start..offset],
                body: &text[offset + line.len()..],
                body_line: line_no + 1,
            });
        }
        offset += line.len();
    }
    None
}

struct Body<'a> {
    text: &'a str,
    line: u32,
}

/// Values of the reserved keys as read, before the schema check.
#[derive(Default)]
struct Reserved<'n> {
    id: Option<(String, Pos)>,
    kind: Option<(String, Pos)>,
    title: Option<String>,
    status: Option<(String, Pos)>,
    tags: Vec<String>,
    links: Vec<Link>,
    results: Vec<crate::evidence::ResultRef>,
    fields: Vec<(&'n Key, &'n Node)>,
}

fn read_item(
    r: &mut Reader<'_>,
    pos: Pos,
    entries: &[(Key, Node)],
    body: Body<'_>,
    schema: Option<&Config>,
) -> Option<Item> {
    let reserved = read_reserved(r, entries);
    let first_key = entries.first().map_or(pos, |(k, _)| k.pos);
    report_missing_keys(r, &reserved, first_key);
    let (id, id_pos) = reserved.id.clone()?;
    if !is_valid_id(&id) {
        let d = Diagnostic::error(
            codes::INVALID_ID,
            r.span(id_pos),
            format!("invalid item id `{id}`"),
        )
        .with_hint("an id starts with a letter and has only letters, digits, `_`, `.` and `-`");
        r.push(d);
    }
    let checked = schema::check_item(
        r,
        schema,
        &reserved.kind,
        &reserved.status,
        &reserved.fields,
    );
    let kind = reserved.kind.map(|(k, _)| k).unwrap_or_default();
    let title = reserved.title.unwrap_or_default();
    let fields = checked.fields;
    let fingerprint = Fingerprint::compute(
        &id,
        &kind,
        &title,
        fields.iter().map(|f| (f.name.as_str(), &f.value)),
        body.text,
    );
    let source = Source {
        file: Arc::clone(r.file()),
        line: id_pos.line,
        column: id_pos.column,
        body_line: body.line,
    };
    Some(Item {
        id,
        kind,
        title,
        status: checked.status,
        tags: reserved.tags,
        links: reserved.links,
        fields,
        results: reserved.results,
        body: body.text.to_owned(),
        fingerprint,
        source,
    })
}

/// The reserved keys of an item; the other keys are its fields, checked by the schema.
fn read_reserved<'n>(r: &mut Reader<'_>, entries: &'n [(Key, Node)]) -> Reserved<'n> {
    let mut reserved = Reserved::default();
    for (key, value) in entries {
        match key.name.as_str() {
            "id" => reserved.id = r.string(value, "id").map(|s| (s, value.pos)),
            "kind" => reserved.kind = r.string(value, "kind").map(|s| (s, value.pos)),
            "title" => reserved.title = r.string(value, "title"),
            "status" => reserved.status = r.string(value, "status").map(|s| (s, value.pos)),
            "tags" => reserved.tags = r.string_list(value, "tags"),
            "links" => reserved.links = read_links(r, value),
            "results" => reserved.results = crate::evidence::read_results(r, value),
            _ => reserved.fields.push((key, value)),
        }
    }
    reserved
}

/// An error at the item's first key for each of `id`, `kind` and `title` it lacks.
fn report_missing_keys(r: &mut Reader<'_>, reserved: &Reserved<'_>, first_key: Pos) {
    for (name, present) in [
        ("id", reserved.id.is_some()),
        ("kind", reserved.kind.is_some()),
        ("title", reserved.title.is_some()),
    ] {
        if !present {
            let d = Diagnostic::error(
                codes::MISSING_REQUIRED_KEY,
                r.span(first_key),
                format!("item has no `{name}`"),
            )
            .with_hint(format!("add `{name}: ...` to the item"));
            r.push(d);
        }
    }
}

fn read_links(r: &mut Reader<'_>, node: &Node) -> Vec<Link> {
    let mut links = Vec::new();
    for (key, value) in r.map(node, "links") {
        let targets: &[Node] = match &value.value {
            Value::Seq(items) => items,
            Value::Null => &[],
            _ => std::slice::from_ref(value),
        };
        for target in targets {
            if let Some((id, reviewed)) = read_link_target(r, target) {
                links.push(Link {
                    kind: key.name.clone(),
                    target: id,
                    reviewed,
                    pos: target.pos,
                });
            }
        }
    }
    links
}

/// A target is `ID` or `{ id: ID, reviewed: FINGERPRINT }`.
fn read_link_target(r: &mut Reader<'_>, node: &Node) -> Option<(String, Option<String>)> {
    match &node.value {
        Value::Map(entries) => {
            let (mut id, mut reviewed) = (None, None);
            for (key, value) in entries {
                match key.name.as_str() {
                    "id" => id = r.string(value, "link target id"),
                    "reviewed" => reviewed = r.string(value, "reviewed"),
                    _ => r.unknown_key(codes::WRONG_FIELD_TYPE, key, &LINK_TARGET_KEYS),
                }
            }
            if id.is_none() {
                r.invalid(node.pos, "a link target written as a mapping needs `id:`");
            }
            Some((id?, reviewed))
        }
        _ => r.string(node, "a link target").map(|id| (id, None)),
    }
}

/// `^[A-Za-z][A-Za-z0-9_.-]*$` (docs/format.md).
pub fn is_valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

#[cfg(test)]
mod tests;
