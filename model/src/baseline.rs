//! Baselines (`baselines/*.yaml`): a named, approved reference to a git ref. Only the file is
//! read here; loading the content at `ref` is git work and lives in the generator.

use std::sync::Arc;

use serde::Serialize;

use crate::diagnostic::{Diagnostic, Span, codes};
use crate::reader::Reader;
use crate::yaml::{self, Value};

/// One baseline file.
#[derive(Debug, Clone, Serialize)]
pub struct Baseline {
    /// Unique name (`R1.0`).
    pub name: String,
    /// Human title.
    pub title: Option<String>,
    /// Git tag, branch or commit.
    #[serde(rename = "ref")]
    pub git_ref: String,
    /// Where the `ref:` value is written, for diagnostics about the ref itself.
    #[serde(skip)]
    pub ref_span: Span,
    /// Who approved it.
    pub approved_by: Vec<String>,
    /// Approval date, YYYY-MM-DD.
    pub date: Option<String>,
    /// Where the baseline is written.
    pub span: Span,
}

pub(crate) const KEYS: [&str; 5] = ["name", "title", "ref", "approved_by", "date"];

/// Parses one baseline file; `None` (and diagnostics) when it is not usable.
pub fn parse_baseline(file: &Arc<str>, text: &str) -> (Option<Baseline>, Vec<Diagnostic>) {
    let root = match yaml::parse(text, 1) {
        Ok(root) => root,
        Err(err) => {
            return (
                None,
                vec![Diagnostic::error(
                    codes::YAML_SYNTAX,
                    Span::at(file, err.pos),
                    err.message,
                )],
            );
        }
    };
    let mut r = Reader::new(file, codes::INVALID_BASELINE);
    let (mut name, mut title, mut git_ref, mut approved_by, mut date) =
        (None, None, None, vec![], None);
    let mut ref_span = r.span(root.pos);
    if !matches!(root.value, Value::Map(_)) {
        r.invalid(
            root.pos,
            "a baseline file must be a mapping with `name:` and `ref:`",
        );
    }
    for (key, value) in r.map(&root, "baseline") {
        match key.name.as_str() {
            "name" => name = r.string(value, "name"),
            "title" => title = r.string(value, "title"),
            "ref" => {
                git_ref = r.string(value, "ref");
                ref_span = r.span(value.pos);
            }
            "approved_by" => approved_by = r.string_list(value, "approved_by"),
            "date" => date = r.string(value, "date"),
            _ => r.unknown_key(codes::INVALID_BASELINE, key, &KEYS),
        }
    }
    for (key, present) in [("name", name.is_some()), ("ref", git_ref.is_some())] {
        if !present && matches!(root.value, Value::Map(_)) {
            let d = Diagnostic::error(
                codes::INVALID_BASELINE,
                r.span(root.pos),
                format!("baseline has no `{key}`"),
            )
            .with_hint(format!("add `{key}: ...`"));
            r.push(d);
        }
    }
    let span = r.span(root.pos);
    let diagnostics = r.into_diagnostics();
    let baseline = match (name, git_ref) {
        (Some(name), Some(git_ref)) => Some(Baseline {
            name,
            title,
            git_ref,
            ref_span,
            approved_by,
            date,
            span,
        }),
        _ => None,
    };
    (baseline, diagnostics)
}
