//! What the API reads and writes: an item as JSON, a summary of one, a patch of it, a new
//! item, a diagnostic. The `ToSchema` derives feed the OpenAPI document (`crate::openapi`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use tracebook_model::{Diagnostic, Item, ItemEdit, KeyChange, RESERVED_KEYS};
use utoipa::ToSchema;

use super::error::EditError;

/// An item as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ItemView {
    /// Id.
    pub id: String,
    /// Kind name.
    pub kind: String,
    /// Title.
    pub title: String,
    /// Status.
    pub status: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Links by kind: each target an id, or `{ id, reviewed }` when reviewed.
    #[schema(value_type = BTreeMap<String, Vec<LinkTarget>>)]
    pub links: BTreeMap<String, Vec<Json>>,
    /// Fields other than the reserved keys, by name; values as the kind's schema allows.
    #[schema(value_type = BTreeMap<String, serde_json::Value>)]
    pub fields: serde_json::Map<String, Json>,
    /// Markdown body.
    pub body: String,
    /// The file, relative to the project root.
    pub file: String,
    /// Fingerprint of the canonical content.
    pub fingerprint: String,
}

impl From<&Item> for ItemView {
    fn from(item: &Item) -> ItemView {
        let mut links: BTreeMap<String, Vec<Json>> = BTreeMap::new();
        for link in &item.links {
            let target = match &link.reviewed {
                Some(fp) => serde_json::json!({ "id": link.target, "reviewed": fp }),
                None => Json::from(link.target.clone()),
            };
            links.entry(link.kind.clone()).or_default().push(target);
        }
        ItemView {
            id: item.id.clone(),
            kind: item.kind.clone(),
            title: item.title.clone(),
            status: item.status.clone(),
            tags: item.tags.clone(),
            links,
            fields: item
                .fields
                .iter()
                .map(|f| (f.name.clone(), f.value.clone()))
                .collect(),
            body: item.body.clone(),
            file: item.source.file.to_string(),
            fingerprint: item.fingerprint.to_string(),
        }
    }
}

/// The target of a link: an id, or an id with the fingerprint it was reviewed against.
/// (It describes the JSON shape in the OpenAPI document; the views carry links as JSON, and
/// the text edit checks them.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum LinkTarget {
    /// The target's id.
    Id(String),
    /// A reviewed link.
    Reviewed {
        /// The target's id.
        id: String,
        /// The target's fingerprint when the link was last reviewed.
        reviewed: String,
    },
}

/// An item in a listing: what identifies it, without links, fields or body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ItemSummary {
    /// Id.
    pub id: String,
    /// Kind name.
    pub kind: String,
    /// Title.
    pub title: String,
    /// Status.
    pub status: String,
    /// Tags.
    pub tags: Vec<String>,
    /// The file, relative to the project root.
    pub file: String,
    /// Fingerprint of the canonical content.
    pub fingerprint: String,
}

impl From<&Item> for ItemSummary {
    fn from(item: &Item) -> ItemSummary {
        ItemSummary {
            id: item.id.clone(),
            kind: item.kind.clone(),
            title: item.title.clone(),
            status: item.status.clone(),
            tags: item.tags.clone(),
            file: item.source.file.to_string(),
            fingerprint: item.fingerprint.to_string(),
        }
    }
}

/// A content diagnostic as the API reports it (an edit refused with 422 lists the errors it
/// would add).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DiagnosticView {
    /// Stable code, such as `E0203`.
    pub code: String,
    /// `error` or `warning`.
    pub severity: String,
    /// What is wrong.
    pub message: String,
    /// File relative to the project root.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// How to fix it, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

impl From<&Diagnostic> for DiagnosticView {
    fn from(d: &Diagnostic) -> DiagnosticView {
        DiagnosticView {
            code: d.code.to_string(),
            severity: d.severity.to_string(),
            message: d.message.clone(),
            file: d.span.file.to_string(),
            line: d.span.line,
            column: d.span.column,
            help: d.hint.clone(),
        }
    }
}

/// A change to an item (`PUT`): absent parts stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Patch {
    /// New title.
    pub title: Option<String>,
    /// New status.
    pub status: Option<String>,
    /// New tags (empty removes the key).
    pub tags: Option<Vec<String>>,
    /// New links, all kinds at once (empty removes the key); targets as in [`ItemView`].
    #[schema(value_type = Option<BTreeMap<String, Vec<LinkTarget>>>)]
    pub links: Option<BTreeMap<String, Vec<Json>>>,
    /// Fields to set; `null` removes a field.
    #[serde(default)]
    #[schema(value_type = BTreeMap<String, serde_json::Value>)]
    pub fields: BTreeMap<String, Json>,
    /// New Markdown body.
    pub body: Option<String>,
}

impl Patch {
    /// The text edit this patch makes.
    pub(super) fn to_edit(&self) -> Result<ItemEdit, EditError> {
        let mut keys = Vec::new();
        let set = |v: Json| KeyChange::Set(v);
        if let Some(title) = &self.title {
            keys.push(("title".to_owned(), set(title.clone().into())));
        }
        if let Some(status) = &self.status {
            keys.push(("status".to_owned(), set(status.clone().into())));
        }
        if let Some(tags) = &self.tags {
            let change = if tags.is_empty() {
                KeyChange::Remove
            } else {
                set(tags.clone().into())
            };
            keys.push(("tags".to_owned(), change));
        }
        if let Some(links) = &self.links {
            let links: serde_json::Map<String, Json> = links
                .iter()
                .map(|(kind, targets)| (kind.clone(), Json::from(targets.clone())))
                .collect();
            let change = if links.is_empty() {
                KeyChange::Remove
            } else {
                set(links.into())
            };
            keys.push(("links".to_owned(), change));
        }
        for (name, value) in &self.fields {
            check_field_name(name)?;
            let change = if value.is_null() {
                KeyChange::Remove
            } else {
                set(value.clone())
            };
            keys.push((name.clone(), change));
        }
        Ok(ItemEdit {
            keys,
            body: self.body.clone(),
        })
    }
}

/// A new item (`POST`); the id is allocated.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewItem {
    /// Kind name (a key of `kinds`).
    pub kind: String,
    /// Title.
    pub title: String,
    /// Fields, in order, as `[name, value]` pairs.
    #[serde(default)]
    #[schema(value_type = Vec<(String, serde_json::Value)>)]
    pub fields: Vec<(String, Json)>,
    /// Markdown body.
    #[serde(default)]
    pub body: String,
}

/// Fields are the non-reserved keys; reserved ones have their own patch member.
pub(super) fn check_field_name(name: &str) -> Result<(), EditError> {
    if RESERVED_KEYS.contains(&name) {
        return Err(EditError::BadRequest(format!(
            "`{name}` is not a field; set it with its own member"
        )));
    }
    Ok(())
}
