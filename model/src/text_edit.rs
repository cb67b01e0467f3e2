//! What the minimal-edit writers share ([`crate::stamp_links`] and [`crate::edit_item`]): where
//! an item's YAML sits in its file, finding the item's mapping, and splicing byte replacements.
//! Both edit the text, never re-serialize it, so comments, order and quoting survive.

use std::ops::Range;

use crate::yaml::{Key, Node, Value};

/// One replacement, in bytes of the YAML text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Edit {
    pub(crate) range: Range<usize>,
    pub(crate) text: String,
}

/// Why an item could not be located in its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Missing {
    /// A Markdown file without front matter, or YAML that is not an item or a list of items.
    NoItems,
    /// No item with the id.
    NotFound,
    /// More than one item with the id.
    Duplicate,
}

/// The YAML part of a file (after a UTF-8 byte order mark) and its first line in the file:
/// the front matter of a Markdown file, or the whole of a YAML list file.
pub(crate) fn yaml_part(is_markdown: bool, text: &str) -> Option<(Range<usize>, u32)> {
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    if !is_markdown {
        return Some((start..text.len(), 1));
    }
    let (fm, _) = front_matter(&text[start..])?;
    Some((start + fm.start..start + fm.end, 2))
}

/// Where the Markdown body starts (after the closing `---` line).
pub(crate) fn body_start(text: &str) -> Option<usize> {
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    front_matter(&text[start..]).map(|(_, body)| start + body)
}

/// The front matter's byte range and the body's start, split exactly as `item.rs` splits them:
/// the first line is `---`, the block ends at the next `---` or `...` line.
fn front_matter(text: &str) -> Option<(Range<usize>, usize)> {
    let mut lines = text.split_inclusive('\n');
    let first = lines.next()?;
    if first.trim_end() != "---" {
        return None;
    }
    let mut offset = first.len();
    for line in lines {
        if matches!(line.trim_end(), "---" | "...") {
            return Some((first.len()..offset, offset + line.len()));
        }
        offset += line.len();
    }
    None
}

/// An item's mapping node and its entries.
pub(crate) type FoundItem<'n> = (&'n Node, &'n [(Key, Node)]);

/// The mapping of item `id`: the front matter itself, or one mapping of a YAML list.
pub(crate) fn find_item<'n>(
    root: &'n Node,
    is_markdown: bool,
    id: &str,
) -> Result<FoundItem<'n>, Missing> {
    let candidates: Vec<&Node> = match &root.value {
        Value::Map(_) if is_markdown => vec![root],
        Value::Seq(nodes) if !is_markdown => nodes.iter().collect(),
        _ => return Err(Missing::NoItems),
    };
    let mut found = candidates.into_iter().filter_map(|node| match &node.value {
        Value::Map(entries)
            if entries
                .iter()
                .any(|(k, v)| k.name == "id" && v.value.scalar_text().as_deref() == Some(id)) =>
        {
            Some((node, entries.as_slice()))
        }
        _ => None,
    });
    let item = found.next().ok_or(Missing::NotFound)?;
    if found.next().is_some() {
        return Err(Missing::Duplicate);
    }
    Ok(item)
}

/// Applies sorted, non-overlapping edits (ranges relative to `base`) to `text`.
pub(crate) fn apply(text: &str, base: usize, edits: &[Edit]) -> String {
    let mut out = String::with_capacity(text.len() + edits.len() * 40);
    let mut done = 0;
    for edit in edits {
        let (start, end) = (base + edit.range.start, base + edit.range.end);
        out.push_str(&text[done..start]);
        out.push_str(&edit.text);
        done = end;
    }
    out.push_str(&text[done..]);
    out
}
