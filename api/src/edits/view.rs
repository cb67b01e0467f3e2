//! What the API reads and writes: an item as JSON, a patch of it, a new item.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use tracebook_model::{Item, ItemEdit, KeyChange, RESERVED_KEYS};

use super::error::EditError;

/// An item as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
    pub links: BTreeMap<String, Vec<Json>>,
    /// Fields other than the reserved keys.
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

/// A change to an item (`PUT`): absent parts stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Patch {
    /// New title.
    pub title: Option<String>,
    /// New status.
    pub status: Option<String>,
    /// New tags (empty removes the key).
    pub tags: Option<Vec<String>>,
    /// New links, all kinds at once (empty removes the key); targets as in [`ItemView`].
    pub links: Option<BTreeMap<String, Vec<Json>>>,
    /// Fields to set; `null` removes a field.
    #[serde(default)]
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
#[serde(deny_unknown_fields)]
pub struct NewItem {
    /// Kind name (a key of `kinds`).
    pub kind: String,
    /// Title.
    pub title: String,
    /// Fields, in order.
    #[serde(default)]
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
