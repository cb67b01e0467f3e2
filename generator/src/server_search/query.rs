//! The query language, parsed into clauses. Pure: no index needed, and no input is an error
//! (whatever cannot be read as syntax is searched for as words).
//!
//! - `word`: the word in the id, title, field values or body;
//! - `"two words"`: the words next to each other, in this order;
//! - `occlu*`: any word starting with `occlu`;
//! - `kind:hazard`, `status:approved`, `tag:security`, `id:REQ-012`: exact value of that
//!   attribute (`id:` ignores case); a trailing `*` makes it a prefix (`id:REQ-01*`);
//!   `tag:"two words"` quotes a value with spaces;
//! - `-clause`: documents matching the clause are left out.
//!
//! All clauses must match (AND): a traceability search narrows down, and a reader who adds a
//! word expects fewer, not more, results. There is no OR.

/// An attribute a `name:value` clause filters on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Attribute {
    Kind,
    Status,
    Tag,
    Id,
}

impl Attribute {
    fn from_name(name: &str) -> Option<Attribute> {
        match name.to_ascii_lowercase().as_str() {
            "kind" => Some(Attribute::Kind),
            "status" => Some(Attribute::Status),
            "tag" | "tags" => Some(Attribute::Tag),
            "id" => Some(Attribute::Id),
            _ => None,
        }
    }
}

/// What one clause asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Term {
    /// A word as typed (it may tokenise into several, like `REQ-012` or `air-in-line`).
    Word(String),
    /// A word prefix as typed, without the `*`.
    Prefix(String),
    /// The text between the quotes.
    Phrase(String),
    /// `name:value`; `prefix` when the value ended with `*`.
    Filter {
        attribute: Attribute,
        value: String,
        prefix: bool,
    },
}

/// One clause of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Clause {
    pub(super) term: Term,
    /// Written with a leading `-`.
    pub(super) negated: bool,
}

/// Splits a query into clauses.
pub(super) fn parse(text: &str) -> Vec<Clause> {
    let mut clauses = Vec::new();
    let mut rest = text.trim_start();
    while !rest.is_empty() {
        let (clause, after) = next_clause(rest);
        if let Some(clause) = clause {
            clauses.push(clause);
        }
        rest = after.trim_start();
    }
    clauses
}

/// Reads one clause from the start of `text` (which does not start with whitespace).
fn next_clause(text: &str) -> (Option<Clause>, &str) {
    let (negated, text) = match text.strip_prefix('-') {
        Some(after) if after.starts_with(|c: char| !c.is_whitespace()) => (true, after),
        _ => (false, text),
    };
    if let Some(after) = text.strip_prefix('"') {
        let (inner, rest) = quoted(after);
        let clause = (!inner.trim().is_empty()).then(|| Clause {
            term: Term::Phrase(inner.trim().to_owned()),
            negated,
        });
        return (clause, rest);
    }
    if let Some((name, after)) = text.split_once(':')
        && let Some(attribute) = Attribute::from_name(name)
        && !name.contains(char::is_whitespace)
        && !after.starts_with(char::is_whitespace)
        && !after.is_empty()
    {
        let (value, rest) = match after.strip_prefix('"') {
            Some(after) => quoted(after),
            None => word(after),
        };
        let (value, prefix) = match value.strip_suffix('*') {
            Some(stripped) => (stripped.trim_end_matches('*'), true),
            None => (value, false),
        };
        let clause = (!value.is_empty()).then(|| Clause {
            term: Term::Filter {
                attribute,
                value: value.to_owned(),
                prefix,
            },
            negated,
        });
        return (clause, rest);
    }
    let (word, rest) = word(text);
    let term = match word.strip_suffix('*') {
        Some(stripped) => Term::Prefix(stripped.trim_end_matches('*').to_owned()),
        None => Term::Word(word.to_owned()),
    };
    let is_empty = matches!(&term, Term::Prefix(p) | Term::Word(p) if p.is_empty());
    ((!is_empty).then_some(Clause { term, negated }), rest)
}

/// The text up to the closing quote (or the end), and what follows it.
fn quoted(text: &str) -> (&str, &str) {
    match text.split_once('"') {
        Some((inner, rest)) => (inner, rest),
        None => (text, ""),
    }
}

/// The text up to the next whitespace, and what follows it.
fn word(text: &str) -> (&str, &str) {
    let end = text.find(char::is_whitespace).unwrap_or(text.len());
    text.split_at(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(text: &str) -> Clause {
        Clause {
            term: Term::Word(text.to_owned()),
            negated: false,
        }
    }

    #[test]
    fn reads_words_phrases_prefixes_filters_and_negations() {
        let clauses =
            parse(r#"  occlusion "power  loss" occlu* kind:hazard -status:obsolete -foo"#);
        assert_eq!(
            clauses,
            vec![
                word("occlusion"),
                Clause {
                    term: Term::Phrase("power  loss".to_owned()),
                    negated: false
                },
                Clause {
                    term: Term::Prefix("occlu".to_owned()),
                    negated: false
                },
                Clause {
                    term: Term::Filter {
                        attribute: Attribute::Kind,
                        value: "hazard".to_owned(),
                        prefix: false
                    },
                    negated: false
                },
                Clause {
                    term: Term::Filter {
                        attribute: Attribute::Status,
                        value: "obsolete".to_owned(),
                        prefix: false
                    },
                    negated: true
                },
                Clause {
                    term: Term::Word("foo".to_owned()),
                    negated: true
                },
            ]
        );
    }

    #[test]
    fn reads_quoted_and_prefix_filter_values() {
        let clauses = parse(r#"tag:"two words" ID:req-01*"#);
        assert_eq!(
            clauses.iter().map(|c| c.term.clone()).collect::<Vec<_>>(),
            vec![
                Term::Filter {
                    attribute: Attribute::Tag,
                    value: "two words".to_owned(),
                    prefix: false
                },
                Term::Filter {
                    attribute: Attribute::Id,
                    value: "req-01".to_owned(),
                    prefix: true
                },
            ]
        );
    }

    #[test]
    fn unknown_or_empty_syntax_is_searched_as_words() {
        assert_eq!(
            parse("priority:must kind: - * \"\" \"unclosed"),
            vec![
                word("priority:must"),
                word("kind:"),
                word("-"),
                Clause {
                    term: Term::Phrase("unclosed".to_owned()),
                    negated: false
                },
            ]
        );
    }
}
