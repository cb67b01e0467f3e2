//! What the edit engine takes: a patch of an item and a new item (the bodies of the API's `PUT`
//! and `POST`), and the JSON shape of a link in them. Their OpenAPI schema derives are behind the `openapi` feature, which the server
//! turns on for its API document.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use tracebook_model::{ItemEdit, KeyChange, RESERVED_KEYS};
#[cfg(feature = "openapi")]
use utoipa::ToSchema;

use super::error::EditError;

/// A change to an item (`PUT`): absent parts stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Patch {
    /// New title.
    pub title: Option<String>,
    /// New status.
    pub status: Option<String>,
    /// New tags (empty removes the key).
    pub tags: Option<Vec<String>>,
    /// New links, all kinds at once (empty removes the key); targets as in the item (an id, or `{ id, reviewed }`).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<BTreeMap<String, Vec<LinkTarget>>>))]
    pub links: Option<BTreeMap<String, Vec<Json>>>,
    /// Fields to set; `null` removes a field.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = BTreeMap<String, serde_json::Value>))]
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
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewItem {
    /// Kind name (a key of `kinds`).
    pub kind: String,
    /// Title.
    pub title: String,
    /// Fields, in order, as `[name, value]` pairs.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<(String, serde_json::Value)>))]
    pub fields: Vec<(String, Json)>,
    /// Markdown body.
    #[serde(default)]
    pub body: String,
}

/// The target of a link: an id, or an id with the fingerprint it was reviewed against.
/// (It describes the JSON shape in the OpenAPI document; the views carry links as JSON, and
/// the text edit checks them.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
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

/// Fields are the non-reserved keys; reserved ones have their own patch member.
pub(super) fn check_field_name(name: &str) -> Result<(), EditError> {
    if RESERVED_KEYS.contains(&name) {
        return Err(EditError::BadRequest(format!(
            "`{name}` is not a field; set it with its own member"
        )));
    }
    Ok(())
}
