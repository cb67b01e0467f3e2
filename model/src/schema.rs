//! Checks one item against its kind's schema: kind, status, fields, required fields.

use crate::config::{Config, FieldDef, FieldType, KindDef};
use crate::diagnostic::{Diagnostic, codes};
use crate::item::Field;
use crate::reader::Reader;
use crate::suggest;
use crate::yaml::{Key, Node, Pos, Value};

/// The schema-checked parts of an item.
pub(crate) struct Checked {
    pub(crate) status: String,
    pub(crate) fields: Vec<Field>,
}

/// Checks kind, status and fields; returns the resolved status and the field values.
pub(crate) fn check_item(
    r: &mut Reader<'_>,
    schema: Option<&Config>,
    kind: &Option<(String, Pos)>,
    status: &Option<(String, Pos)>,
    fields: &[(&Key, &Node)],
) -> Checked {
    let kind_def = match (schema, kind) {
        (Some(config), Some((name, pos))) => {
            let def = config.kind(name);
            if def.is_none() {
                report_unknown_kind(r, config, name, *pos);
            }
            def
        }
        _ => None,
    };
    let status = resolve_status(r, kind_def, status);
    let fields: Vec<Field> = fields
        .iter()
        .filter_map(|(key, value)| check_field(r, kind_def, key, value))
        .collect();
    if let (Some(def), Some((_, kind_pos))) = (kind_def, kind) {
        report_missing_required(r, def, &fields, *kind_pos);
    }
    Checked { status, fields }
}

fn report_unknown_kind(r: &mut Reader<'_>, config: &Config, name: &str, pos: Pos) {
    let names: Vec<&str> = config.kinds.iter().map(|k| k.name.as_str()).collect();
    let hint = suggest::did_you_mean(name, names.iter().copied())
        .unwrap_or_else(|| format!("kinds defined in tracebook.yaml: {}", names.join(", ")));
    r.push(
        Diagnostic::error(
            codes::UNKNOWN_KIND,
            r.span(pos),
            format!("unknown kind `{name}`"),
        )
        .with_hint(hint),
    );
}

fn resolve_status(
    r: &mut Reader<'_>,
    kind: Option<&KindDef>,
    status: &Option<(String, Pos)>,
) -> String {
    let default = || {
        kind.and_then(|k| k.statuses.first().cloned())
            .unwrap_or_else(|| "draft".to_owned())
    };
    let Some((status, pos)) = status else {
        return default();
    };
    if let Some(def) = kind
        && !def.statuses.contains(status)
    {
        let hint = suggest::did_you_mean(status, def.statuses.iter().map(String::as_str))
            .unwrap_or_else(|| format!("statuses of {}: {}", def.name, def.statuses.join(", ")));
        let message = format!("unknown status `{status}` for kind {}", def.name);
        r.push(Diagnostic::error(codes::UNKNOWN_STATUS, r.span(*pos), message).with_hint(hint));
    }
    status.clone()
}

/// Checks one non-reserved key; `None` for a null value (an absent field) or an unknown field.
fn check_field(
    r: &mut Reader<'_>,
    kind: Option<&KindDef>,
    key: &Key,
    value: &Node,
) -> Option<Field> {
    let field = Field {
        name: key.name.clone(),
        value: value.value.to_json(),
        pos: value.pos,
    };
    let Some(kind) = kind else { return Some(field) };
    let Some(def) = kind.field(&key.name) else {
        let names: Vec<&str> = kind.fields.iter().map(|f| f.name.as_str()).collect();
        let hint = suggest::did_you_mean(&key.name, names.iter().copied()).unwrap_or_else(|| {
            if names.is_empty() {
                format!(
                    "kind {} declares no fields; declare it under `fields:` in tracebook.yaml",
                    kind.name
                )
            } else {
                format!("fields of {}: {}", kind.name, names.join(", "))
            }
        });
        let message = format!("unknown field `{}` for kind {}", key.name, kind.name);
        r.push(Diagnostic::error(codes::UNKNOWN_FIELD, r.span(key.pos), message).with_hint(hint));
        return None;
    };
    if value.value == Value::Null {
        return None;
    }
    check_value(r, def, value);
    Some(field)
}

fn check_value(r: &mut Reader<'_>, def: &FieldDef, node: &Node) {
    let ok = match (def.ty, &node.value) {
        (FieldType::String | FieldType::Text, v) => v.scalar_text().is_some(),
        (FieldType::Int, Value::Int(..))
        | (FieldType::Float, Value::Int(..) | Value::Float(..)) => true,
        (FieldType::Bool, Value::Bool(_)) => true,
        (FieldType::Date, Value::Str(s)) => is_date(s),
        (FieldType::List, Value::Seq(items)) => {
            items.iter().all(|i| i.value.scalar_text().is_some())
        }
        (FieldType::Enum, v) => {
            if let Some(text) = v.scalar_text() {
                if !def.values.contains(&text) {
                    let hint = suggest::did_you_mean(&text, def.values.iter().map(String::as_str))
                        .unwrap_or_else(|| format!("allowed: {}", def.values.join(", ")));
                    let message = format!("`{text}` is not an allowed value of field {}", def.name);
                    r.push(
                        Diagnostic::error(codes::ENUM_VALUE_NOT_ALLOWED, r.span(node.pos), message)
                            .with_hint(hint),
                    );
                }
                return;
            }
            false
        }
        _ => false,
    };
    if !ok {
        let expected = match def.ty {
            FieldType::Date => "a date (YYYY-MM-DD)".to_owned(),
            FieldType::List => "a list of values".to_owned(),
            FieldType::Enum => format!("one of {}", def.values.join(", ")),
            other => format!("of type {}", other.name()),
        };
        let shown = node
            .value
            .scalar_text()
            .map_or_else(|| node.value.type_name().to_owned(), |t| format!("`{t}`"));
        let message = format!("field {} must be {expected}, found {shown}", def.name);
        r.push(Diagnostic::error(
            codes::WRONG_FIELD_TYPE,
            r.span(node.pos),
            message,
        ));
    }
}

fn report_missing_required(r: &mut Reader<'_>, kind: &KindDef, fields: &[Field], pos: Pos) {
    for def in kind.fields.iter().filter(|f| f.required) {
        if !fields.iter().any(|f| f.name == def.name) {
            let message = format!(
                "required field `{}` of kind {} is missing",
                def.name, kind.name
            );
            let hint = match def.ty {
                FieldType::Enum => format!("add `{}: <{}>`", def.name, def.values.join("|")),
                other => format!("add `{}: <{}>`", def.name, other.name()),
            };
            r.push(
                Diagnostic::error(codes::MISSING_REQUIRED_FIELD, r.span(pos), message)
                    .with_hint(hint),
            );
        }
    }
}

/// `YYYY-MM-DD` with a real month and day.
fn is_date(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return false;
    };
    let (Ok(y), Ok(m), Ok(d)) = (y.parse::<u32>(), m.parse::<u32>(), d.parse::<u32>()) else {
        return false;
    };
    if y < 1000 || !(1..=12).contains(&m) || text.len() != 10 {
        return false;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    (1..=days[m as usize - 1]).contains(&d)
}

#[cfg(test)]
mod tests {
    use super::is_date;

    #[test]
    fn dates_are_checked_for_real_days() {
        assert!(is_date("2026-10-01"));
        assert!(is_date("2024-02-29"));
        assert!(!is_date("2026-02-29"));
        assert!(!is_date("2026-13-01"));
        assert!(!is_date("26-1-1"));
    }
}
