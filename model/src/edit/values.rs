//! YAML text for values an edit writes: the plainest form that reads back as the same value,
//! else double-quoted; lists in flow style, mappings as blocks, multi-line strings as literals.

use serde_json::Value as Json;

use super::TextEditError;
use crate::yaml::{self, Node, Value};

/// `name: value` for a top-level key indented by `indent` spaces; mappings become block
/// mappings and multi-line strings literal blocks, indented two more spaces; no final newline.
pub(super) fn entry(
    name: &str,
    value: &Json,
    indent: usize,
    eol: &str,
) -> Result<String, TextEditError> {
    let inner = " ".repeat(indent + 2);
    let unreadable = || TextEditError::Unreadable(name.to_owned());
    match value {
        Json::Object(map) if !map.is_empty() => {
            let mut out = format!("{name}:");
            for (key, value) in map {
                let key = scalar(key, Context::Flow).ok_or_else(unreadable)?;
                let value = flow(value).ok_or_else(unreadable)?;
                out.push_str(&format!("{eol}{inner}{key}: {value}"));
            }
            Ok(out)
        }
        Json::String(s) if s.contains('\n') => {
            let block = literal(s, &inner, eol).or_else(|| scalar(s, Context::Block));
            Ok(format!("{name}: {}", block.ok_or_else(unreadable)?))
        }
        value => {
            let text = match value {
                Json::String(s) => scalar(s, Context::Block),
                other => flow(other),
            };
            Ok(format!("{name}: {}", text.ok_or_else(unreadable)?))
        }
    }
}

/// A multi-line string as a literal block (`|` or `|-`), when one reads back the same.
fn literal(s: &str, indent: &str, eol: &str) -> Option<String> {
    let (content, header) = match s.strip_suffix('\n') {
        Some(rest) if !rest.ends_with('\n') => (rest, "|"),
        Some(_) => return None,
        None => (s, "|-"),
    };
    if content.starts_with([' ', '\t']) || s.chars().any(|c| c.is_control() && c != '\n') {
        return None;
    }
    let mut out = header.to_owned();
    for line in content.split('\n') {
        out.push_str(eol);
        if !line.is_empty() {
            out.push_str(indent);
            out.push_str(line);
        }
    }
    let probe = format!("k: {}\n", out.replace("\r\n", "\n"));
    reads_as(&probe, s).then_some(out)
}

/// Where a scalar is written: a block value, or inside `[...]`/`{...}` (where `,[]{}` matter).
#[derive(Clone, Copy)]
enum Context {
    Block,
    Flow,
}

/// A string written plain when that reads back as the same string, else double-quoted (JSON
/// string syntax is valid YAML); `None` when neither reads back (a stray control character).
fn scalar(s: &str, context: Context) -> Option<String> {
    let probe = |written: &str| match context {
        Context::Block => format!("k: {written}\n"),
        Context::Flow => format!("k: [{written}]\n"),
    };
    let flow_safe = matches!(context, Context::Block) || !s.contains([',', '[', ']', '{', '}']);
    let plain_ok = !s.is_empty()
        && flow_safe
        && !s.contains(['\n', '\r', '\t'])
        && !s.starts_with(['\'', '"', '!', '&', '*', '%', '@', '`', '|', '>']);
    if plain_ok && reads_as(&probe(s), s) {
        return Some(s.to_owned());
    }
    let quoted = serde_json::to_string(s).ok()?;
    reads_as(&probe(&quoted), s).then_some(quoted)
}

/// Whether `probe` (`k: ...`, maybe `k: [...]`) parses with `k` holding the string `expected`.
fn reads_as(probe: &str, expected: &str) -> bool {
    let Ok(Node {
        value: Value::Map(entries),
        ..
    }) = yaml::parse(probe, 1)
    else {
        return false;
    };
    let value = match entries.as_slice() {
        [(_, node)] => match &node.value {
            Value::Seq(items) if items.len() == 1 => &items[0].value,
            other => other,
        },
        _ => return false,
    };
    matches!(value, Value::Str(s) if s == expected)
}

/// A JSON value in YAML flow syntax.
fn flow(value: &Json) -> Option<String> {
    Some(match value {
        Json::Null => "null".to_owned(),
        Json::Bool(b) => b.to_string(),
        Json::Number(n) => n.to_string(),
        Json::String(s) => scalar(s, Context::Flow)?,
        Json::Array(items) => {
            let items: Option<Vec<String>> = items.iter().map(flow).collect();
            format!("[{}]", items?.join(", "))
        }
        Json::Object(map) if map.is_empty() => "{}".to_owned(),
        Json::Object(map) => {
            let entries: Option<Vec<String>> = map
                .iter()
                .map(|(k, v)| Some(format!("{}: {}", scalar(k, Context::Flow)?, flow(v)?)))
                .collect();
            format!("{{ {} }}", entries?.join(", "))
        }
    })
}
