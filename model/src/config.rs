//! `tracebook.yaml`: the project's schema (kinds, fields, statuses, link kinds, coverage rules).
//!
//! Parsed by walking the located YAML tree rather than with serde structs, so that unknown keys
//! and bad values become located diagnostics instead of a first-error abort.

use std::collections::HashMap;
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, Severity, Span, codes};
use crate::reader::Reader;
use crate::yaml::{self, Node, Value};

/// Statuses of a kind that names none (docs/format.md).
pub const DEFAULT_STATUSES: [&str; 4] = ["draft", "review", "approved", "obsolete"];

/// The parsed `tracebook.yaml`.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Site title.
    pub project: String,
    /// Theme name (`default` when absent).
    pub theme: Option<String>,
    /// Item kinds, in the order written.
    pub kinds: Vec<KindDef>,
    /// Link kinds, in the order written.
    pub links: Vec<LinkKindDef>,
    /// Coverage rules.
    pub rules: Vec<Rule>,
    /// Link kinds that carry a verdict from their source to their target (`evidence: { links }`,
    /// `[verifies]` when not written).
    pub evidence_links: Vec<String>,
    /// Release readiness rules (`readiness:`); empty means the defaults of `tracebook gate`.
    pub readiness: Vec<crate::readiness::ReadinessRule>,
    /// Navigation areas (`areas:`), in order.
    pub areas: Vec<crate::readiness::Area>,
    kind_index: HashMap<String, usize>,
    link_index: HashMap<String, usize>,
}

/// One item kind.
#[derive(Debug, Clone)]
pub struct KindDef {
    /// The key items write in `kind:`.
    pub name: String,
    /// Id prefix (`SYS`), used to allocate new ids.
    pub prefix: Option<String>,
    /// Human title (`System requirement`).
    pub title: String,
    /// Declared fields, in order.
    pub fields: Vec<FieldDef>,
    /// Allowed statuses; the first is the default.
    pub statuses: Vec<String>,
    /// Where the kind is declared.
    pub pos: yaml::Pos,
}

impl KindDef {
    /// The field named `name`.
    pub fn field(&self, name: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|f| f.name == name)
    }
}

/// A declared field of a kind.
#[derive(Debug, Clone)]
pub struct FieldDef {
    /// Field key.
    pub name: String,
    /// Value type.
    pub ty: FieldType,
    /// Allowed values of an enum.
    pub values: Vec<String>,
    /// Whether every item of the kind must set it.
    pub required: bool,
}

/// Field types of docs/format.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// One-line text.
    String,
    /// Markdown text.
    Text,
    /// Integer.
    Int,
    /// Number.
    Float,
    /// true/false.
    Bool,
    /// YYYY-MM-DD.
    Date,
    /// One of `values`.
    Enum,
    /// A list of scalars.
    List,
}

impl FieldType {
    const ALL: [(&'static str, FieldType); 8] = [
        ("string", FieldType::String),
        ("text", FieldType::Text),
        ("int", FieldType::Int),
        ("float", FieldType::Float),
        ("bool", FieldType::Bool),
        ("date", FieldType::Date),
        ("enum", FieldType::Enum),
        ("list", FieldType::List),
    ];

    /// The name used in `tracebook.yaml`.
    pub fn name(self) -> &'static str {
        FieldType::ALL
            .iter()
            .find(|(_, t)| *t == self)
            .map_or("string", |(n, _)| n)
    }
}

/// A typed, directed link kind.
#[derive(Debug, Clone)]
pub struct LinkKindDef {
    /// Key items write under `links:`.
    pub name: String,
    /// Kinds allowed as source.
    pub from: Vec<String>,
    /// Kinds allowed as target.
    pub to: Vec<String>,
    /// Whether cycles are errors.
    pub acyclic: bool,
}

/// Which way a coverage rule looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Items of the kind need a link of this kind pointing at them.
    Incoming,
    /// Items of the kind need a link of this kind from them.
    Outgoing,
}

/// A coverage rule: every (non-obsolete) item of `kind` needs a link of `link_kind`.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Kind the rule applies to.
    pub kind: String,
    /// Link kind required.
    pub link_kind: String,
    /// Incoming or outgoing.
    pub direction: Direction,
    /// Severity of a violation.
    pub severity: Severity,
    /// Where the rule is written.
    pub span: Span,
}

impl Rule {
    /// A short label: `requirement ← verifies`.
    pub fn label(&self) -> String {
        match self.direction {
            Direction::Incoming => {
                format!("every {} is the target of {}", self.kind, self.link_kind)
            }
            Direction::Outgoing => format!("every {} has a {} link", self.kind, self.link_kind),
        }
    }
}

impl Config {
    /// The kind named `name`.
    pub fn kind(&self, name: &str) -> Option<&KindDef> {
        self.kind_index.get(name).map(|&i| &self.kinds[i])
    }

    /// The link kind named `name`.
    pub fn link_kind(&self, name: &str) -> Option<&LinkKindDef> {
        self.link_index.get(name).map(|&i| &self.links[i])
    }

    /// Position of a kind in the declared order (for sorting).
    pub fn kind_order(&self, name: &str) -> usize {
        self.kind_index.get(name).copied().unwrap_or(usize::MAX)
    }

    /// Parses `tracebook.yaml`. `None` when the file is not YAML at all; otherwise a best-effort
    /// config plus the problems found.
    pub fn parse(file: &Arc<str>, text: &str) -> (Option<Config>, Vec<Diagnostic>) {
        let root = match yaml::parse(text, 1) {
            Ok(root) => root,
            Err(err) => {
                let span = Span::at(file, err.pos);
                return (
                    None,
                    vec![Diagnostic::error(codes::YAML_SYNTAX, span, err.message)],
                );
            }
        };
        let mut r = Reader::new(file, codes::CONFIG_INVALID_VALUE);
        let mut config = Config {
            evidence_links: vec!["verifies".to_owned()],
            ..Config::default()
        };
        let mut refs = Vec::new();
        for (key, value) in r.map(&root, "tracebook.yaml") {
            match key.name.as_str() {
                "project" => config.project = r.string(value, "project").unwrap_or_default(),
                "theme" => config.theme = r.string(value, "theme"),
                "kinds" => config.kinds = parse_kinds(&mut r, value),
                "links" => config.links = parse_links(&mut r, value, &mut refs),
                "rules" => config.rules = parse_rules(&mut r, value, &mut refs),
                "evidence" => {
                    config.evidence_links =
                        crate::readiness::parse_evidence(&mut r, value, &mut refs)
                }
                "readiness" => {
                    config.readiness = crate::readiness::parse_readiness(&mut r, value, &mut refs)
                }
                "areas" => config.areas = crate::readiness::parse_areas(&mut r, value, &mut refs),
                _ => r.unknown_key(codes::CONFIG_UNKNOWN_KEY, key, &CONFIG_KEYS),
            }
        }
        config.index();
        check_references(&mut r, &config, &refs);
        (Some(config), r.into_diagnostics())
    }

    fn index(&mut self) {
        self.kind_index = self
            .kinds
            .iter()
            .enumerate()
            .map(|(i, k)| (k.name.clone(), i))
            .collect();
        self.link_index = self
            .links
            .iter()
            .enumerate()
            .map(|(i, l)| (l.name.clone(), i))
            .collect();
    }
}

/// Every key tracebook reads in a project's YAML files, by where it is written (the places are
/// the ones docs/format.md names in its key tables). These are the lists the parsers report
/// unknown keys against, so documentation checked against them cannot drift from the code.
pub const KNOWN_KEYS: [(&str, &[&str]); 13] = [
    ("tracebook.yaml", &CONFIG_KEYS),
    ("kind", &KIND_KEYS),
    ("field", &FIELD_KEYS),
    ("link kind", &LINK_KEYS),
    ("rule", &RULE_KEYS),
    ("evidence", &crate::readiness::EVIDENCE_KEYS),
    ("readiness rule", &crate::readiness::READINESS_RULE_KEYS),
    ("area", &crate::readiness::AREA_KEYS),
    ("item", &crate::item::RESERVED_KEYS),
    ("link target", &crate::item::LINK_TARGET_KEYS),
    ("results entry", &crate::evidence::RESULT_KEYS),
    ("baseline", &crate::baseline::KEYS),
    ("run.yaml", &crate::evidence::RUN_KEYS),
];

const CONFIG_KEYS: [&str; 8] = [
    "project",
    "theme",
    "kinds",
    "links",
    "rules",
    "evidence",
    "readiness",
    "areas",
];
const KIND_KEYS: [&str; 4] = ["prefix", "title", "fields", "statuses"];
const FIELD_KEYS: [&str; 3] = ["type", "values", "required"];
const LINK_KEYS: [&str; 3] = ["from", "to", "acyclic"];
const RULE_KEYS: [&str; 4] = ["kind", "needs_incoming", "needs_outgoing", "severity"];

fn parse_kinds(r: &mut Reader<'_>, node: &Node) -> Vec<KindDef> {
    let mut kinds = Vec::new();
    for (key, value) in r.map(node, "kinds") {
        let mut kind = KindDef {
            name: key.name.clone(),
            prefix: None,
            title: key.name.clone(),
            fields: Vec::new(),
            statuses: DEFAULT_STATUSES.iter().map(|s| (*s).to_owned()).collect(),
            pos: key.pos,
        };
        for (k, v) in r.map(value, &format!("kind {}", key.name)) {
            match k.name.as_str() {
                "prefix" => kind.prefix = r.string(v, "prefix"),
                "title" => kind.title = r.string(v, "title").unwrap_or_else(|| key.name.clone()),
                "fields" => kind.fields = parse_fields(r, v),
                "statuses" => {
                    let statuses = r.string_list(v, "statuses");
                    if statuses.is_empty() {
                        r.invalid(v.pos, "statuses must list at least one status");
                    } else {
                        kind.statuses = statuses;
                    }
                }
                _ => r.unknown_key(codes::CONFIG_UNKNOWN_KEY, k, &KIND_KEYS),
            }
        }
        kinds.push(kind);
    }
    kinds
}

fn parse_fields(r: &mut Reader<'_>, node: &Node) -> Vec<FieldDef> {
    let mut fields = Vec::new();
    for (key, value) in r.map(node, "fields") {
        if crate::item::RESERVED_KEYS.contains(&key.name.as_str()) {
            r.invalid(
                key.pos,
                &format!("`{}` is a reserved item key, not a field", key.name),
            );
            continue;
        }
        let mut field = FieldDef {
            name: key.name.clone(),
            ty: FieldType::String,
            values: vec![],
            required: false,
        };
        for (k, v) in r.map(value, &format!("field {}", key.name)) {
            match k.name.as_str() {
                "type" => field.ty = parse_field_type(r, v).unwrap_or(FieldType::String),
                "values" => field.values = r.string_list(v, "values"),
                "required" => field.required = r.bool(v, "required").unwrap_or(false),
                _ => r.unknown_key(codes::CONFIG_UNKNOWN_KEY, k, &FIELD_KEYS),
            }
        }
        if field.ty == FieldType::Enum && field.values.is_empty() {
            r.invalid(
                value.pos,
                &format!("enum field {} needs `values: [...]`", key.name),
            );
        }
        fields.push(field);
    }
    fields
}

fn parse_field_type(r: &mut Reader<'_>, node: &Node) -> Option<FieldType> {
    let name = r.string(node, "type")?;
    let found = FieldType::ALL
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t);
    if found.is_none() {
        let names = FieldType::ALL.map(|(n, _)| n);
        let hint = format!("use one of {}", names.join(", "));
        r.push(
            Diagnostic::error(
                codes::CONFIG_INVALID_VALUE,
                r.span(node.pos),
                format!("unknown field type `{name}`"),
            )
            .with_hint(hint),
        );
    }
    found
}

/// A name `tracebook.yaml` uses that must be defined elsewhere in it.
pub(crate) struct Reference {
    pub(crate) name: String,
    pub(crate) pos: yaml::Pos,
    pub(crate) is_link_kind: bool,
    pub(crate) context: String,
}

fn parse_links(r: &mut Reader<'_>, node: &Node, refs: &mut Vec<Reference>) -> Vec<LinkKindDef> {
    let mut links = Vec::new();
    for (key, value) in r.map(node, "links") {
        let mut link = LinkKindDef {
            name: key.name.clone(),
            from: vec![],
            to: vec![],
            acyclic: false,
        };
        for (k, v) in r.map(value, &format!("link kind {}", key.name)) {
            match k.name.as_str() {
                "from" | "to" => {
                    let located = r.located_string_list(v, &k.name);
                    let context = format!("link kind {} names", key.name);
                    refs.extend(located.iter().map(|(name, pos)| Reference {
                        name: name.clone(),
                        pos: *pos,
                        is_link_kind: false,
                        context: context.clone(),
                    }));
                    let names = located.into_iter().map(|(name, _)| name).collect();
                    if k.name == "from" {
                        link.from = names
                    } else {
                        link.to = names
                    }
                }
                "acyclic" => link.acyclic = r.bool(v, "acyclic").unwrap_or(false),
                _ => r.unknown_key(codes::CONFIG_UNKNOWN_KEY, k, &LINK_KEYS),
            }
        }
        links.push(link);
    }
    links
}

fn parse_rules(r: &mut Reader<'_>, node: &Node, refs: &mut Vec<Reference>) -> Vec<Rule> {
    let Value::Seq(items) = &node.value else {
        r.invalid(
            node.pos,
            &format!("rules must be a list, found {}", node.value.type_name()),
        );
        return vec![];
    };
    items
        .iter()
        .filter_map(|item| parse_rule(r, item, refs))
        .collect()
}

fn parse_rule(r: &mut Reader<'_>, node: &Node, refs: &mut Vec<Reference>) -> Option<Rule> {
    let (mut kind, mut link, mut severity) = (None, None, Severity::Warning);
    for (k, v) in r.map(node, "rule") {
        match k.name.as_str() {
            "kind" => {
                kind = r.string(v, "kind");
                refs.extend(kind.clone().map(|name| Reference {
                    name,
                    pos: v.pos,
                    is_link_kind: false,
                    context: "rule names".to_owned(),
                }));
            }
            "needs_incoming" | "needs_outgoing" => {
                let direction = if k.name == "needs_incoming" {
                    Direction::Incoming
                } else {
                    Direction::Outgoing
                };
                link = r.string(v, &k.name).map(|l| (l, direction));
                refs.extend(link.clone().map(|(name, _)| Reference {
                    name,
                    pos: v.pos,
                    is_link_kind: true,
                    context: "rule names".to_owned(),
                }));
            }
            "severity" => match r.string(v, "severity").as_deref() {
                Some("error") => severity = Severity::Error,
                Some("warning") => severity = Severity::Warning,
                _ => r.invalid(v.pos, "severity must be `error` or `warning`"),
            },
            _ => r.unknown_key(codes::CONFIG_UNKNOWN_KEY, k, &RULE_KEYS),
        }
    }
    let (Some(kind), Some((link_kind, direction))) = (kind, link) else {
        r.invalid(
            node.pos,
            "a rule needs `kind` and `needs_incoming` or `needs_outgoing`",
        );
        return None;
    };
    Some(Rule {
        kind,
        link_kind,
        direction,
        severity,
        span: r.span(node.pos),
    })
}

/// Kinds and link kinds named in links and rules must exist; prefixes must be unique.
fn check_references(r: &mut Reader<'_>, config: &Config, refs: &[Reference]) {
    for reference in refs {
        let (exists, what, candidates): (bool, &str, Vec<&str>) = if reference.is_link_kind {
            let names = config.links.iter().map(|l| l.name.as_str()).collect();
            (
                config.link_kind(&reference.name).is_some(),
                "link kind",
                names,
            )
        } else {
            let names = config.kinds.iter().map(|k| k.name.as_str()).collect();
            (config.kind(&reference.name).is_some(), "kind", names)
        };
        if exists {
            continue;
        }
        let message = format!("{} unknown {what} `{}`", reference.context, reference.name);
        let mut d = Diagnostic::error(
            codes::CONFIG_UNKNOWN_REFERENCE,
            r.span(reference.pos),
            message,
        );
        d = match crate::suggest::did_you_mean(&reference.name, candidates) {
            Some(hint) => d.with_hint(hint),
            None => {
                let section = if reference.is_link_kind {
                    "links"
                } else {
                    "kinds"
                };
                d.with_hint(format!("define it under `{section}:` or fix the name"))
            }
        };
        r.push(d);
    }
    let mut seen: HashMap<&str, &str> = HashMap::new();
    for kind in &config.kinds {
        let Some(prefix) = kind.prefix.as_deref() else {
            continue;
        };
        if let Some(other) = seen.insert(prefix, &kind.name) {
            r.push(
                Diagnostic::error(
                    codes::CONFIG_DUPLICATE_PREFIX,
                    r.span(kind.pos),
                    format!(
                        "kinds {other} and {} share the id prefix {prefix}",
                        kind.name
                    ),
                )
                .with_hint("give each kind its own prefix"),
            );
        }
    }
}
