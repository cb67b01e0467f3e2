//! Parsing `evidence:`, `readiness:` and `areas:` of `tracebook.yaml`.

use crate::config::Reference;
use crate::diagnostic::codes;
use crate::reader::Reader;
use crate::yaml::{Node, Pos, Value};

use super::{Area, Check, PAGES, ReadinessRule};

pub(crate) const EVIDENCE_KEYS: [&str; 1] = ["links"];
const CHECKS: [&str; 8] = [
    "no_errors",
    "no_warnings",
    "evidence_complete",
    "verified",
    "mitigated",
    "no_suspect_links",
    "covered",
    "no_items",
];
pub(crate) const RULE_KEYS: [&str; 6] = ["check", "title", "kinds", "statuses", "link", "fields"];
pub(crate) const AREA_KEYS: [&str; 3] = ["title", "kinds", "pages"];

/// A field value as the text a rule compares with (scalars only).
pub(crate) fn field_text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn kind_refs(
    r: &mut Reader<'_>,
    node: &Node,
    what: &str,
    is_link_kind: bool,
    refs: &mut Vec<Reference>,
) -> Vec<String> {
    let located = r.located_string_list(node, what);
    refs.extend(located.iter().map(|(name, pos)| Reference {
        name: name.clone(),
        pos: *pos,
        is_link_kind,
        context: format!("{what} names"),
    }));
    located.into_iter().map(|(name, _)| name).collect()
}

/// `evidence: { links: [verifies, validates] }`.
pub(crate) fn parse_evidence(
    r: &mut Reader<'_>,
    node: &Node,
    refs: &mut Vec<Reference>,
) -> Vec<String> {
    let mut links = vec!["verifies".to_owned()];
    for (key, value) in r.map(node, "evidence") {
        match key.name.as_str() {
            "links" => links = kind_refs(r, value, "evidence links", true, refs),
            _ => r.unknown_key(codes::CONFIG_UNKNOWN_KEY, key, &EVIDENCE_KEYS),
        }
    }
    links
}

/// `readiness: [{ check: verified, kinds: [requirement], statuses: [approved] }, ...]`.
pub(crate) fn parse_readiness(
    r: &mut Reader<'_>,
    node: &Node,
    refs: &mut Vec<Reference>,
) -> Vec<ReadinessRule> {
    if node.value == Value::Null {
        return vec![];
    }
    let Value::Seq(items) = &node.value else {
        r.invalid(
            node.pos,
            &format!(
                "readiness must be a list of rules, found {}",
                node.value.type_name()
            ),
        );
        return vec![];
    };
    items
        .iter()
        .filter_map(|item| parse_rule(r, item, refs))
        .collect()
}

fn parse_rule(r: &mut Reader<'_>, node: &Node, refs: &mut Vec<Reference>) -> Option<ReadinessRule> {
    let keys = rule_keys(r, node, refs);
    let Some((name, pos)) = keys.check.clone() else {
        r.push(
            crate::diagnostic::Diagnostic::error(
                codes::CONFIG_INVALID_VALUE,
                r.span(node.pos),
                "a readiness rule needs `check:`",
            )
            .with_hint(format!("use one of {}", CHECKS.join(", "))),
        );
        return None;
    };
    let title = keys.title.clone();
    let check = check_of(r, node, &name, pos, keys)?;
    Some(ReadinessRule {
        check,
        title,
        span: Some(r.span(node.pos)),
    })
}

/// The keys of one readiness rule, each as written (checked against the check later).
struct RuleKeys {
    check: Option<(String, Pos)>,
    title: Option<String>,
    kinds: Option<Vec<String>>,
    statuses: Vec<String>,
    link: Option<String>,
    fields: Vec<(String, Vec<String>)>,
}

fn rule_keys(r: &mut Reader<'_>, node: &Node, refs: &mut Vec<Reference>) -> RuleKeys {
    let mut keys = RuleKeys {
        check: None,
        title: None,
        kinds: None,
        statuses: Vec::new(),
        link: None,
        fields: Vec::new(),
    };
    for (key, value) in r.map(node, "readiness rule") {
        match key.name.as_str() {
            "check" => keys.check = r.string(value, "check").map(|c| (c, value.pos)),
            "title" => keys.title = r.string(value, "title"),
            "kinds" => keys.kinds = Some(kind_refs(r, value, "readiness rule", false, refs)),
            "statuses" => keys.statuses = r.string_list(value, "statuses"),
            "link" => {
                keys.link = r.string(value, "link");
                refs.extend(keys.link.clone().map(|name| Reference {
                    name,
                    pos: value.pos,
                    is_link_kind: true,
                    context: "readiness rule names".to_owned(),
                }));
            }
            "fields" => {
                for (field, values) in r.map(value, "fields") {
                    let values = r.string_list(values, "field values");
                    keys.fields.push((field.name.clone(), values));
                }
            }
            _ => r.unknown_key(codes::CONFIG_UNKNOWN_KEY, key, &RULE_KEYS),
        }
    }
    keys
}

/// The check `name` (written at `pos`) with the keys it needs; a diagnostic for each one
/// missing, or for an unknown check.
fn check_of(
    r: &mut Reader<'_>,
    node: &Node,
    name: &str,
    pos: Pos,
    keys: RuleKeys,
) -> Option<Check> {
    let RuleKeys {
        kinds,
        statuses,
        link,
        fields,
        ..
    } = keys;
    let mut needs = |what: &str, present: bool| {
        if !present {
            r.invalid(
                node.pos,
                &format!("readiness check `{name}` needs `{what}:`"),
            );
        }
        present
    };
    let check = match name {
        "no_errors" => Check::NoErrors,
        "no_warnings" => Check::NoWarnings,
        "evidence_complete" => Check::EvidenceComplete,
        "no_suspect_links" => Check::NoSuspectLinks,
        "covered" => Check::Covered,
        "verified" => Check::Verified {
            kinds: needs("kinds", kinds.is_some()).then(|| kinds.clone())??,
            statuses,
        },
        "mitigated" => {
            let ok = needs("kinds", kinds.is_some()) & needs("link", link.is_some());
            if !ok {
                return None;
            }
            Check::Mitigated {
                kinds: kinds.unwrap_or_default(),
                link: link.unwrap_or_default(),
            }
        }
        "no_items" => Check::NoItems {
            kinds: needs("kinds", kinds.is_some()).then(|| kinds.clone())??,
            statuses,
            fields,
        },
        other => {
            unknown_check(r, other, pos);
            return None;
        }
    };
    Some(check)
}

fn unknown_check(r: &mut Reader<'_>, name: &str, pos: Pos) {
    let d = crate::diagnostic::Diagnostic::error(
        codes::CONFIG_INVALID_VALUE,
        r.span(pos),
        format!("unknown readiness check `{name}`"),
    );
    let d = match crate::suggest::did_you_mean(name, CHECKS) {
        Some(hint) => d.with_hint(hint),
        None => d.with_hint(format!("use one of {}", CHECKS.join(", "))),
    };
    r.push(d);
}

/// `areas: [{ title: Safety assurance, kinds: [hazard], pages: [readiness] }, ...]`.
pub(crate) fn parse_areas(r: &mut Reader<'_>, node: &Node, refs: &mut Vec<Reference>) -> Vec<Area> {
    if node.value == Value::Null {
        return vec![];
    }
    let Value::Seq(items) = &node.value else {
        r.invalid(
            node.pos,
            &format!("areas must be a list, found {}", node.value.type_name()),
        );
        return vec![];
    };
    let mut areas = Vec::new();
    for item in items {
        let mut area = Area {
            title: String::new(),
            kinds: vec![],
            pages: vec![],
        };
        for (key, value) in r.map(item, "area") {
            match key.name.as_str() {
                "title" => area.title = r.string(value, "title").unwrap_or_default(),
                "kinds" => area.kinds = kind_refs(r, value, "area", false, refs),
                "pages" => {
                    for (page, pos) in r.located_string_list(value, "pages") {
                        if PAGES.contains(&page.as_str()) {
                            area.pages.push(page);
                        } else {
                            let mut d = crate::diagnostic::Diagnostic::error(
                                codes::CONFIG_INVALID_VALUE,
                                r.span(pos),
                                format!("unknown page `{page}`"),
                            );
                            d = match crate::suggest::did_you_mean(&page, PAGES) {
                                Some(hint) => d.with_hint(hint),
                                None => d.with_hint(format!("pages are {}", PAGES.join(", "))),
                            };
                            r.push(d);
                        }
                    }
                }
                _ => r.unknown_key(codes::CONFIG_UNKNOWN_KEY, key, &AREA_KEYS),
            }
        }
        if area.title.is_empty() {
            r.invalid(item.pos, "an area needs a `title:`");
            continue;
        }
        areas.push(area);
    }
    areas
}
