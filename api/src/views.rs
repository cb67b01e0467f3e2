//! What the API shows: an item as JSON, a summary of one, a diagnostic. The `ToSchema` derives
//! feed the OpenAPI document (`crate::openapi`); the edit requests (`Patch`, `NewItem`) are the
//! edit engine's own types.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value as Json;
use tracebook_edit::{ETag, LinkTarget};
use tracebook_model::{Diagnostic, Item};
use utoipa::ToSchema;

/// An item as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub(crate) struct ItemView {
    /// Id.
    pub(crate) id: String,
    /// Kind name.
    pub(crate) kind: String,
    /// Title.
    pub(crate) title: String,
    /// Status.
    pub(crate) status: String,
    /// Tags.
    pub(crate) tags: Vec<String>,
    /// Links by kind: each target an id, or `{ id, reviewed }` when reviewed.
    #[schema(value_type = BTreeMap<String, Vec<LinkTarget>>)]
    pub(crate) links: BTreeMap<String, Vec<Json>>,
    /// Fields other than the reserved keys, by name; values as the kind's schema allows.
    #[schema(value_type = BTreeMap<String, serde_json::Value>)]
    pub(crate) fields: serde_json::Map<String, Json>,
    /// Markdown body.
    pub(crate) body: String,
    /// The file, relative to the project root.
    pub(crate) file: String,
    /// Fingerprint of the canonical content.
    pub(crate) fingerprint: String,
}

/// An item the edit engine read, as the API shows it.
pub(crate) fn viewed((item, etag): (Item, ETag)) -> (ItemView, ETag) {
    (ItemView::from(&item), etag)
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

/// An item in a listing: what identifies it, without links, fields or body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub(crate) struct ItemSummary {
    /// Id.
    pub(crate) id: String,
    /// Kind name.
    pub(crate) kind: String,
    /// Title.
    pub(crate) title: String,
    /// Status.
    pub(crate) status: String,
    /// Tags.
    pub(crate) tags: Vec<String>,
    /// The file, relative to the project root.
    pub(crate) file: String,
    /// Fingerprint of the canonical content.
    pub(crate) fingerprint: String,
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
pub(crate) struct DiagnosticView {
    /// Stable code, such as `E0203`.
    pub(crate) code: String,
    /// `error` or `warning`.
    pub(crate) severity: String,
    /// What is wrong.
    pub(crate) message: String,
    /// File relative to the project root.
    pub(crate) file: String,
    /// 1-based line.
    pub(crate) line: u32,
    /// 1-based column, in characters.
    pub(crate) column: u32,
    /// How to fix it, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) help: Option<String>,
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
