//! `GET /api/items`: which items a query selects, in which order, one page at a time. Pure: a
//! slice of items in, a page out.

use serde::{Deserialize, Serialize};
use tracebook_model::{Item, natural_cmp};
use utoipa::{IntoParams, ToSchema};

use crate::views::ItemSummary;

/// Items per page when the query does not say.
pub(crate) const DEFAULT_LIMIT: usize = 100;
/// The largest page.
pub(crate) const MAX_LIMIT: usize = 1_000;

/// Filters (all must hold; an empty value is no filter) and the page.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListParams {
    /// Only items of this kind.
    pub(crate) kind: Option<String>,
    /// Only items with this status.
    pub(crate) status: Option<String>,
    /// Only items with this tag.
    pub(crate) tag: Option<String>,
    /// Only items whose id, title or body contains this text, ignoring case.
    pub(crate) text: Option<String>,
    /// At most this many items (default 100, at most 1000; 0 gives the count only).
    pub(crate) limit: Option<usize>,
    /// Skip this many matching items first (default 0).
    pub(crate) offset: Option<usize>,
}

/// One page of matching items.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ItemList {
    /// How many items match (all pages).
    pub(crate) total: usize,
    /// Matching items skipped before this page.
    pub(crate) offset: usize,
    /// The page size used.
    pub(crate) limit: usize,
    /// This page, sorted by id (numbers in ids compare as numbers: SYS-2 before SYS-10).
    pub(crate) items: Vec<ItemSummary>,
}

/// The page of `items` that `params` selects.
pub(crate) fn list(items: &[Item], params: &ListParams) -> ItemList {
    let text = given(&params.text).map(str::to_lowercase);
    let mut selected: Vec<&Item> = items
        .iter()
        .filter(|item| is_selected(item, params, text.as_deref()))
        .collect();
    selected.sort_by(|a, b| natural_cmp(&a.id, &b.id).then_with(|| a.id.cmp(&b.id)));
    let limit = params.limit.unwrap_or(DEFAULT_LIMIT).min(MAX_LIMIT);
    let offset = params.offset.unwrap_or(0);
    ItemList {
        total: selected.len(),
        offset,
        limit,
        items: selected
            .into_iter()
            .skip(offset)
            .take(limit)
            .map(ItemSummary::from)
            .collect(),
    }
}

/// `text` is already lowercase.
fn is_selected(item: &Item, params: &ListParams, text: Option<&str>) -> bool {
    given(&params.kind).is_none_or(|kind| item.kind == kind)
        && given(&params.status).is_none_or(|status| item.status == status)
        && given(&params.tag).is_none_or(|tag| item.tags.iter().any(|t| t == tag))
        && text.is_none_or(|text| {
            [&item.id, &item.title, &item.body]
                .iter()
                .any(|field| field.to_lowercase().contains(text))
        })
}

fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use tracebook_model::Project;

    use super::*;

    const CONFIG: &str = "project: T
kinds:
  need: { prefix: STK, title: Need }
  requirement: { prefix: SYS, title: Requirement }
";

    fn project() -> Project {
        let files = [
            ("tracebook.yaml", CONFIG),
            (
                "content/need/STK-1.md",
                "---\nid: STK-1\nkind: need\ntitle: Dose limits\ntags: [safety]\n---\nThe pump must stop.\n",
            ),
            (
                "content/req/SYS-10.md",
                "---\nid: SYS-10\nkind: requirement\ntitle: Occlusion alarm\nstatus: approved\n---\nAlarm within 2 s.\n",
            ),
            (
                "content/req/SYS-2.md",
                "---\nid: SYS-2\nkind: requirement\ntitle: Battery\ntags: [safety, power]\n---\nRuns 8 h on BATTERY.\n",
            ),
        ];
        let project = Project::from_memory(files.iter().map(|(p, t)| (*p, t.as_bytes())));
        assert!(project.diagnostics.is_empty(), "{:?}", project.diagnostics);
        project
    }

    fn ids(params: ListParams) -> (usize, Vec<String>) {
        let page = list(&project().items, &params);
        (page.total, page.items.into_iter().map(|i| i.id).collect())
    }

    #[test]
    fn lists_every_item_sorted_by_id_with_numbers_as_numbers() {
        let (total, ids) = ids(ListParams::default());
        assert_eq!(
            (total, ids),
            (3, vec!["STK-1".into(), "SYS-2".into(), "SYS-10".into()])
        );
    }

    #[test]
    fn filters_by_kind_status_and_tag_and_ignores_empty_values() {
        let by_kind = ListParams {
            kind: Some("requirement".to_owned()),
            status: Some(String::new()),
            ..ListParams::default()
        };
        assert_eq!(ids(by_kind).1, ["SYS-2", "SYS-10"]);
        let by_status = ListParams {
            status: Some("approved".to_owned()),
            ..ListParams::default()
        };
        assert_eq!(ids(by_status).1, ["SYS-10"]);
        let by_tag = ListParams {
            tag: Some("safety".to_owned()),
            kind: Some("requirement".to_owned()),
            ..ListParams::default()
        };
        assert_eq!(ids(by_tag).1, ["SYS-2"]);
    }

    #[test]
    fn text_matches_id_title_and_body_ignoring_case() {
        let text = |t: &str| {
            ids(ListParams {
                text: Some(t.to_owned()),
                ..ListParams::default()
            })
            .1
        };
        assert_eq!(text("sys-1"), ["SYS-10"]);
        assert_eq!(text("OCCLUSION"), ["SYS-10"]);
        assert_eq!(text("battery"), ["SYS-2"]);
        assert_eq!(text("pump MUST"), ["STK-1"]);
        assert!(text("nothing like this").is_empty());
    }

    #[test]
    fn pages_count_every_match_and_cap_the_limit() {
        let page = list(
            &project().items,
            &ListParams {
                limit: Some(1),
                offset: Some(1),
                ..ListParams::default()
            },
        );
        assert_eq!((page.total, page.offset, page.limit), (3, 1, 1));
        assert_eq!(page.items[0].id, "SYS-2");
        let huge = list(
            &project().items,
            &ListParams {
                limit: Some(1_000_000),
                offset: Some(99),
                ..ListParams::default()
            },
        );
        assert_eq!(
            (huge.total, huge.limit, huge.items.len()),
            (3, MAX_LIMIT, 0)
        );
    }
}
