//! A YAML tree that remembers where every key and value came from.
//!
//! Built from the event stream of serde-saphyr's own parser (`serde_saphyr::granit_parser`)
//! rather than through serde: item keys are open-ended, so a fixed serde struct would lose the
//! unknown ones and their positions, and a serde `Spanned` per value made parsing 2.6x slower
//! (282 ms against 107 ms for the front matter of 10k items, measured single-threaded).
//! Positions are 1-based lines and columns (characters, not bytes); each node also keeps its
//! byte range in the parsed text, so tools can edit the text in place (`tracebook review`).

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;

use serde_saphyr::granit_parser::{Event, Marker, Parser, ScalarStyle, Tag};

/// A position inside a YAML document, already shifted to the containing file's lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    /// 1-based line in the file.
    pub line: u32,
    /// 1-based column (characters).
    pub column: u32,
}

/// A YAML value with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Where the value starts.
    pub pos: Pos,
    /// Byte range of the value in the text given to [`parse`]: a scalar with its quotes, a flow
    /// collection with its brackets, a block collection from its first token to the end of its
    /// last value (no trailing comments or blank lines). An alias covers just `*name`; the
    /// nodes it copies keep the ranges of the anchored original.
    pub bytes: Range<usize>,
    /// The value.
    pub value: Value,
}

/// The value of a [`Node`].
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `~`, `null` or nothing.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An integer, with its text as written.
    Int(i64, Box<str>),
    /// A floating-point number, with its text as written.
    Float(f64, Box<str>),
    /// A string (quoted or plain).
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in source order; keys are strings with their own position.
    Map(Vec<(Key, Node)>),
}

/// A mapping key with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    /// Where the key starts.
    pub pos: Pos,
    /// The key text.
    pub name: String,
}

impl Value {
    /// A short name of the value's type, for messages ("a list", "a string").
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "nothing",
            Value::Bool(_) => "a boolean",
            Value::Int(..) => "an integer",
            Value::Float(..) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }

    /// The value as a string, if it is a scalar: numbers keep the text as written, so a
    /// fingerprint such as `1234e567` or `rationale: 1.10` reads back unchanged.
    pub fn scalar_text(&self) -> Option<String> {
        match self {
            Value::Str(s) => Some(s.clone()),
            Value::Int(_, raw) | Value::Float(_, raw) => Some(raw.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Null | Value::Seq(_) | Value::Map(_) => None,
        }
    }

    /// Converts to JSON, dropping positions (for export, fingerprints and templates).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => (*b).into(),
            Value::Int(i, _) => (*i).into(),
            Value::Float(f, _) => serde_json::Number::from_f64(*f)
                .map_or(serde_json::Value::Null, serde_json::Value::Number),
            Value::Str(s) => s.clone().into(),
            Value::Seq(items) => items.iter().map(|n| n.value.to_json()).collect(),
            Value::Map(entries) => entries
                .iter()
                .map(|(k, v)| (k.name.clone(), v.value.to_json()))
                .collect::<serde_json::Map<_, _>>()
                .into(),
        }
    }
}

/// A YAML syntax error with its position in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// Where the parser stopped.
    pub pos: Pos,
    /// The parser's message, without position or snippet.
    pub message: String,
}

/// Nesting deeper than this is an error: front matter is shallow, and the tree's consumers
/// recurse.
const MAX_DEPTH: usize = 64;
/// Nodes that aliases may copy in one document, so `&a [*a, *a, ...]` chains cannot explode.
const MAX_ALIAS_NODES: usize = 10_000;

/// Parses one YAML document. `first_line` is the file line on which `text` starts (front matter
/// starts on line 2). An empty document gives a `Null` node.
pub fn parse(text: &str, first_line: u32) -> Result<Node, SyntaxError> {
    let mut builder = Builder {
        first_line,
        stack: Vec::new(),
        anchors: HashMap::new(),
        alias_budget: MAX_ALIAS_NODES,
    };
    let mut root = None;
    let mut documents = 0;
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|err| {
            let marker = err.marker();
            SyntaxError {
                pos: builder.pos(marker.line(), marker.col()),
                message: err.info(),
            }
        })?;
        let pos = builder.pos(span.start.line(), span.start.col());
        let bytes = byte(&span.start)..byte(&span.end);
        let node = match event {
            Event::DocumentStart(..) => {
                documents += 1;
                if documents > 1 {
                    return Err(SyntaxError {
                        pos,
                        message: "only one YAML document is allowed here".to_owned(),
                    });
                }
                None
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Anchor(..) => None,
            Event::Scalar(text, style, anchor, tag) => {
                let node = Node {
                    pos,
                    bytes,
                    value: resolve_scalar(text, style, tag.as_deref()),
                };
                builder.remember(anchor, &node);
                Some(node)
            }
            Event::SequenceStart(_, anchor, _) => {
                builder.open(pos, bytes.start, anchor, Value::Seq(Vec::new()))?
            }
            Event::MappingStart(_, anchor, _) => {
                builder.open(pos, bytes.start, anchor, Value::Map(Vec::new()))?
            }
            Event::SequenceEnd | Event::MappingEnd => builder.close(bytes),
            Event::Alias(id) => Some(builder.alias(id, pos, bytes)?),
            Event::UnresolvedAlias(name) => {
                return Err(SyntaxError {
                    pos,
                    message: format!("unknown anchor `{name}`"),
                });
            }
            #[allow(unreachable_patterns)]
            _ => None,
        };
        if let Some(node) = node
            && let Some(done) = builder.add(node)?
        {
            root.get_or_insert(done);
        }
    }
    Ok(root.unwrap_or(Node {
        pos: Pos {
            line: first_line,
            column: 1,
        },
        bytes: 0..0,
        value: Value::Null,
    }))
}

/// A marker's byte offset. The parser records byte offsets for `&str` input (the only input
/// used here), so the character index is only a fallback that is never taken.
fn byte(marker: &Marker) -> usize {
    marker.byte_offset().unwrap_or(marker.index())
}

/// An open collection: the node, its anchor, and for a mapping the key awaiting its value.
struct Open {
    node: Node,
    anchor: usize,
    key: Option<Key>,
}

struct Builder {
    first_line: u32,
    stack: Vec<Open>,
    anchors: HashMap<usize, Node>,
    alias_budget: usize,
}

impl Builder {
    fn pos(&self, line: usize, col: usize) -> Pos {
        let line = u32::try_from(line)
            .unwrap_or(u32::MAX)
            .saturating_add(self.first_line - 1);
        Pos {
            line,
            column: u32::try_from(col).unwrap_or(u32::MAX).saturating_add(1),
        }
    }

    fn remember(&mut self, anchor: usize, node: &Node) {
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
    }

    fn open(
        &mut self,
        pos: Pos,
        start: usize,
        anchor: usize,
        value: Value,
    ) -> Result<Option<Node>, SyntaxError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(SyntaxError {
                pos,
                message: format!("nesting deeper than {MAX_DEPTH} levels"),
            });
        }
        self.stack.push(Open {
            node: Node {
                pos,
                bytes: start..start,
                value,
            },
            anchor,
            key: None,
        });
        Ok(None)
    }

    /// Closes the innermost collection. `end` is the closing event's range: `]` or `}` for a
    /// flow collection, empty for a block one, whose range then ends with its last value (the
    /// event itself sits at the next token, past any comments and blank lines).
    fn close(&mut self, end: Range<usize>) -> Option<Node> {
        let mut open = self.stack.pop()?;
        let last_end = match &open.node.value {
            Value::Seq(items) => items.last().map(|n| n.bytes.end),
            Value::Map(entries) => entries.last().map(|(_, v)| v.bytes.end),
            _ => None,
        };
        open.node.bytes.end = if end.is_empty() {
            last_end.unwrap_or(open.node.bytes.start)
        } else {
            end.end
        };
        self.remember(open.anchor, &open.node);
        Some(open.node)
    }

    fn alias(&mut self, id: usize, pos: Pos, bytes: Range<usize>) -> Result<Node, SyntaxError> {
        let Some(node) = self.anchors.get(&id) else {
            return Err(SyntaxError {
                pos,
                message: "alias to an anchor that is not defined yet".to_owned(),
            });
        };
        let size = count_nodes(node);
        if size > self.alias_budget {
            return Err(SyntaxError {
                pos,
                message: "aliases expand to too many values".to_owned(),
            });
        }
        self.alias_budget -= size;
        Ok(Node {
            pos,
            bytes,
            value: node.value.clone(),
        })
    }

    /// Adds a finished node to the open collection; returns it when it is the document root.
    fn add(&mut self, node: Node) -> Result<Option<Node>, SyntaxError> {
        let Some(open) = self.stack.last_mut() else {
            return Ok(Some(node));
        };
        match &mut open.node.value {
            Value::Seq(items) => items.push(node),
            Value::Map(entries) => match open.key.take() {
                None => {
                    let Some(name) = node.value.scalar_text() else {
                        let message = format!(
                            "a mapping key must be text, found {}",
                            node.value.type_name()
                        );
                        return Err(SyntaxError {
                            pos: node.pos,
                            message,
                        });
                    };
                    if entries.iter().any(|(k, _)| k.name == name) {
                        return Err(SyntaxError {
                            pos: node.pos,
                            message: format!("duplicate key `{name}`"),
                        });
                    }
                    open.key = Some(Key {
                        pos: node.pos,
                        name,
                    });
                }
                Some(key) => entries.push((key, node)),
            },
            _ => unreachable!("BUG: only collections are pushed on the builder stack"),
        }
        Ok(None)
    }
}

fn count_nodes(node: &Node) -> usize {
    1 + match &node.value {
        Value::Seq(items) => items.iter().map(count_nodes).sum(),
        Value::Map(entries) => entries.iter().map(|(_, v)| count_nodes(v)).sum(),
        _ => 0,
    }
}

/// YAML 1.2 core-schema resolution of a scalar. Quoted scalars and `!!str` are strings; plain
/// ones may be null, booleans (only `true`/`false`, not YAML 1.1's `yes`/`on`), or numbers.
/// Numbers with a leading zero (`0042`, `00123456`) stay strings: in item files they are ids
/// and fingerprints far more often than octal numbers.
fn resolve_scalar(text: Cow<'_, str>, style: ScalarStyle, tag: Option<&Tag>) -> Value {
    let is_str_tag = tag.is_some_and(|t| t.is_yaml_core_schema_tag("str"));
    if style != ScalarStyle::Plain || is_str_tag {
        return Value::Str(text.into_owned());
    }
    match text.as_ref() {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY, text.into());
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY, text.into()),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN, text.into()),
        _ => {}
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(&text);
    let leading_zero = digits.len() > 1 && digits.starts_with('0') && !digits.starts_with("0.");
    if !leading_zero && is_number(digits) {
        if digits.bytes().all(|b| b.is_ascii_digit())
            && let Ok(i) = text.parse::<i64>()
        {
            return Value::Int(i, text.into());
        }
        if let Ok(f) = text.parse::<f64>() {
            return Value::Float(f, text.into());
        }
    }
    Value::Str(text.into_owned())
}

/// `[0-9]+`, `[0-9]*.[0-9]*` or either with an exponent (the core schema's number forms).
fn is_number(s: &str) -> bool {
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mut parts = mantissa.splitn(2, '.');
    let int = parts.next().unwrap_or_default();
    let frac = parts.next();
    let all_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = all_digits(int)
        && frac.is_none_or(all_digits)
        && (int.len() + frac.map_or(0, str::len)) > 0;
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && all_digits(e)
    });
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_shifted_to_file_lines() {
        let node = parse("id: A-1\nlinks:\n  x: [B-2]\n", 2).expect("valid yaml");
        let Value::Map(entries) = node.value else {
            panic!("map")
        };
        assert_eq!(entries[0].0.pos, Pos { line: 2, column: 1 });
        let Value::Map(links) = &entries[1].1.value else {
            panic!("map")
        };
        let Value::Seq(targets) = &links[0].1.value else {
            panic!("seq")
        };
        assert_eq!(targets[0].pos, Pos { line: 4, column: 7 });
    }

    #[test]
    fn hostile_nesting_and_aliases_are_errors_not_crashes() {
        let deep = format!("a: {}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(parse(&deep, 1).is_err());
        let bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n\
                    c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n\
                    e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n";
        assert!(parse(bomb, 1).is_err());
    }

    #[test]
    fn scalars_resolve_like_the_core_schema() {
        let node = parse("a: 12\nb: 1.5\nc: true\nd: yes\ne: ~\nf: \"12\"\ng: 00123456\nh: 1234e567\ni: 2026-10-01\n", 1)
            .expect("valid");
        let Value::Map(entries) = node.value else {
            panic!("map")
        };
        let values: Vec<&Value> = entries.iter().map(|(_, v)| &v.value).collect();
        assert_eq!(values[0], &Value::Int(12, "12".into()));
        assert!(matches!(values[1], Value::Float(f, _) if *f == 1.5));
        assert_eq!(values[2], &Value::Bool(true));
        assert_eq!(values[3], &Value::Str("yes".into()));
        assert_eq!(values[4], &Value::Null);
        assert_eq!(values[5], &Value::Str("12".into()));
        assert_eq!(values[6], &Value::Str("00123456".into()));
        assert_eq!(values[7].scalar_text().as_deref(), Some("1234e567"));
        assert_eq!(values[8], &Value::Str("2026-10-01".into()));
    }

    #[test]
    fn duplicate_keys_are_syntax_errors() {
        let err = parse("a: 1\nb: 2\na: 3\n", 2).expect_err("duplicate");
        assert_eq!(err.pos, Pos { line: 4, column: 1 });
        assert!(err.message.contains("duplicate key `a`"), "{}", err.message);
    }

    #[test]
    fn aliases_copy_their_anchor() {
        let node = parse("a: &x [1, 2]\nb: *x\n", 1).expect("valid");
        let Value::Map(entries) = node.value else {
            panic!("map")
        };
        assert_eq!(entries[0].1.value, entries[1].1.value);
        assert_eq!(entries[1].1.pos.line, 2);
    }

    #[test]
    fn byte_ranges_cover_values_in_utf8_text() {
        let text = "é: [A, \"ü\" ]\nb:\n  - { id: X }\n  - id: Y\n    r: 1 # note\n\nc: x\n";
        let node = parse(text, 1).expect("valid");
        let Value::Map(entries) = &node.value else {
            panic!("map")
        };
        let slice = |n: &Node| &text[n.bytes.clone()];
        assert_eq!(slice(&entries[0].1), "[A, \"ü\" ]");
        let Value::Seq(flow) = &entries[0].1.value else {
            panic!("seq")
        };
        assert_eq!(slice(&flow[1]), "\"ü\"");
        assert_eq!(slice(&entries[1].1), "- { id: X }\n  - id: Y\n    r: 1");
        let Value::Seq(block) = &entries[1].1.value else {
            panic!("seq")
        };
        assert_eq!(slice(&block[0]), "{ id: X }");
        assert_eq!(slice(&block[1]), "id: Y\n    r: 1");
        assert_eq!(slice(&node), text.trim_end());
    }

    #[test]
    fn syntax_error_has_position_and_bare_message() {
        let err = parse("a: [1, 2\nb: 3\n", 2).expect_err("invalid");
        assert_eq!(err.pos.line, 3);
        assert!(!err.message.starts_with("line"), "{}", err.message);
    }
}
