//! An item's `results:` entries: which test cases are its evidence (docs/format.md).

use serde::Serialize;

use crate::diagnostic::{Diagnostic, codes};
use crate::reader::Reader;
use crate::yaml::{Node, Pos, Value};

/// One entry of `results: [{ junit: results/ci.xml, case: "suite::name" }]`.
#[derive(Debug, Clone, Serialize)]
pub struct ResultRef {
    /// The results file, relative to the project root; `None` searches every results file.
    pub junit: Option<String>,
    /// `classname::name`, `name`, or a glob (`*`, `?`, `[...]`) over either.
    pub case: String,
    /// Where the entry is written.
    #[serde(skip)]
    pub pos: Pos,
}

/// Entries are equal when they name the same evidence, wherever they are written.
impl PartialEq for ResultRef {
    fn eq(&self, other: &ResultRef) -> bool {
        self.junit == other.junit && self.case == other.case
    }
}

impl Eq for ResultRef {}

impl ResultRef {
    /// Whether `case` is a glob rather than a name.
    pub fn is_glob(&self) -> bool {
        is_glob(&self.case)
    }
}

fn is_glob(case: &str) -> bool {
    case.contains(['*', '?', '['])
}

pub(crate) const KEYS: [&str; 2] = ["junit", "case"];

/// Reads `results:`; a malformed entry is reported (E0502) and left out.
pub(crate) fn read_results(r: &mut Reader<'_>, node: &Node) -> Vec<ResultRef> {
    let entries: &[Node] = match &node.value {
        Value::Seq(items) => items,
        Value::Null => &[],
        other => {
            invalid(
                r,
                node.pos,
                format!("results must be a list, found {}", other.type_name()),
            );
            return vec![];
        }
    };
    entries
        .iter()
        .filter_map(|entry| read_entry(r, entry))
        .collect()
}

fn read_entry(r: &mut Reader<'_>, node: &Node) -> Option<ResultRef> {
    let Value::Map(keys) = &node.value else {
        invalid(
            r,
            node.pos,
            format!(
                "a results entry must be a mapping like {{ junit: results/ci.xml, case: \"suite::name\" }}, found {}",
                node.value.type_name()
            ),
        );
        return None;
    };
    let (mut junit, mut case) = (None, None);
    for (key, value) in keys {
        match key.name.as_str() {
            "junit" => junit = scalar(r, value, "junit").map(|s| (s, value.pos)),
            "case" => case = scalar(r, value, "case").map(|s| (s, value.pos)),
            _ => r.unknown_key(codes::RESULTS_ENTRY_INVALID, key, &KEYS),
        }
    }
    let Some((case, case_pos)) = case else {
        invalid(
            r,
            node.pos,
            "a results entry needs `case:`, the test case's name".to_owned(),
        );
        return None;
    };
    if case.trim().is_empty() {
        invalid(r, case_pos, "`case:` is empty".to_owned());
        return None;
    }
    if is_glob(&case) && globset::Glob::new(&case).is_err() {
        invalid(r, case_pos, format!("`case: {case}` is not a valid glob"));
        return None;
    }
    if let Some((path, pos)) = &junit {
        let inside = path.starts_with("results/")
            && path.ends_with(".xml")
            && !path.split('/').any(|part| part == ".." || part.is_empty());
        if !inside {
            let d = Diagnostic::error(
                codes::RESULTS_ENTRY_INVALID,
                r.span(*pos),
                format!("`junit: {path}` is not an XML file under results/"),
            )
            .with_hint("name a file under results/, e.g. `junit: results/ci/junit.xml` (see `tracebook results import`)");
            r.push(d);
            return None;
        }
    }
    Some(ResultRef {
        junit: junit.map(|(path, _)| path),
        case,
        pos: node.pos,
    })
}

fn scalar(r: &mut Reader<'_>, node: &Node, what: &str) -> Option<String> {
    match node.value.scalar_text() {
        Some(text) => Some(text),
        None => {
            invalid(
                r,
                node.pos,
                format!(
                    "`{what}` must be a string, found {}",
                    node.value.type_name()
                ),
            );
            None
        }
    }
}

fn invalid(r: &mut Reader<'_>, pos: Pos, message: String) {
    let d = Diagnostic::error(codes::RESULTS_ENTRY_INVALID, r.span(pos), message).with_hint(
        "write `results: [{ junit: results/ci/junit.xml, case: \"suite::test_name\" }]`",
    );
    r.push(d);
}
