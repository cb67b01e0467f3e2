//! Walking a located YAML tree while collecting diagnostics for values of the wrong shape.

use std::sync::Arc;

use crate::diagnostic::{Code, Diagnostic, Span};
use crate::yaml::{Key, Node, Pos, Value};

/// Reads typed values out of [`Node`]s of one file; a value of the wrong shape becomes a
/// diagnostic with `code` and the reader returns `None` or an empty collection.
pub(crate) struct Reader<'f> {
    file: &'f Arc<str>,
    code: Code,
    diagnostics: Vec<Diagnostic>,
}

impl<'f> Reader<'f> {
    pub(crate) fn new(file: &'f Arc<str>, code: Code) -> Reader<'f> {
        Reader {
            file,
            code,
            diagnostics: Vec::new(),
        }
    }

    pub(crate) fn file(&self) -> &'f Arc<str> {
        self.file
    }

    pub(crate) fn span(&self, pos: Pos) -> Span {
        Span::at(self.file, pos)
    }

    pub(crate) fn push(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    pub(crate) fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.diagnostics
    }

    /// Reports a value of the wrong shape with the reader's code.
    pub(crate) fn invalid(&mut self, pos: Pos, message: &str) {
        self.diagnostics
            .push(Diagnostic::error(self.code, self.span(pos), message));
    }

    fn wrong_type(&mut self, node: &Node, what: &str, expected: &str) {
        let message = format!(
            "{what} must be {expected}, found {}",
            node.value.type_name()
        );
        self.invalid(node.pos, &message);
    }

    /// Reports an unknown key, suggesting the closest known one.
    pub(crate) fn unknown_key(&mut self, code: Code, key: &Key, known: &[&str]) {
        let mut d = Diagnostic::error(
            code,
            self.span(key.pos),
            format!("unknown key `{}`", key.name),
        );
        d = match crate::suggest::did_you_mean(&key.name, known.iter().copied()) {
            Some(hint) => d.with_hint(hint),
            None => d.with_hint(format!("known keys here: {}", known.join(", "))),
        };
        self.diagnostics.push(d);
    }

    /// The entries of a mapping; empty (and reported) when `node` is not one. A null node is an
    /// empty mapping, as YAML users expect of `fields:` with nothing under it.
    pub(crate) fn map<'n>(&mut self, node: &'n Node, what: &str) -> &'n [(Key, Node)] {
        match &node.value {
            Value::Map(entries) => entries,
            Value::Null => &[],
            _ => {
                self.wrong_type(node, what, "a mapping");
                &[]
            }
        }
    }

    /// A scalar as text.
    pub(crate) fn string(&mut self, node: &Node, what: &str) -> Option<String> {
        let text = node.value.scalar_text();
        if text.is_none() {
            self.wrong_type(node, what, "a string");
        }
        text
    }

    /// A boolean.
    pub(crate) fn bool(&mut self, node: &Node, what: &str) -> Option<bool> {
        match node.value {
            Value::Bool(b) => Some(b),
            _ => {
                self.wrong_type(node, what, "true or false");
                None
            }
        }
    }

    /// A list of scalars with their positions; a single scalar counts as a list of one.
    pub(crate) fn located_string_list(&mut self, node: &Node, what: &str) -> Vec<(String, Pos)> {
        match &node.value {
            Value::Seq(items) => items
                .iter()
                .filter_map(|item| self.string(item, what).map(|s| (s, item.pos)))
                .collect(),
            Value::Null => vec![],
            _ => match node.value.scalar_text() {
                Some(s) => vec![(s, node.pos)],
                None => {
                    self.wrong_type(node, what, "a list");
                    vec![]
                }
            },
        }
    }

    /// A list of scalars.
    pub(crate) fn string_list(&mut self, node: &Node, what: &str) -> Vec<String> {
        self.located_string_list(node, what)
            .into_iter()
            .map(|(s, _)| s)
            .collect()
    }
}
