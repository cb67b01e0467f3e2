//! The template context, exactly as `themes/default/README.md` documents it. Borrowed strings
//! keep a 100k-item build from copying every title several times.

use serde::Serialize;

use super::evidence::ItemEvidenceCtx;
use super::nav::NavGroup;

/// Site-wide values every page gets as `site`.
#[derive(Serialize)]
pub(crate) struct SiteCtx<'a> {
    pub(crate) project: &'a str,
    pub(crate) version: &'static str,
    /// Whether the site has baseline pages (a git repository with baselines).
    pub(crate) has_baselines: bool,
    // No commit here: it is in `assets/build.css` (see `build_css`), so that a new commit
    // does not change every page.
    /// Item pages link to the server's edit form.
    pub(crate) has_edit_links: bool,
    /// Pages load the live-reload script of `tracebook preview`.
    pub(crate) has_live_reload: bool,
    pub(crate) kinds: Vec<NavKind<'a>>,
    pub(crate) link_kinds: Vec<NavLink<'a>>,
    /// The navigation: the groups of `areas:`, or Items, Matrices and Reports.
    pub(crate) nav: Vec<NavGroup<'a>>,
}

#[derive(Serialize)]
pub(crate) struct NavKind<'a> {
    pub(crate) name: &'a str,
    pub(crate) title: &'a str,
    pub(crate) href: String,
    pub(crate) count: usize,
}

impl<'a> NavKind<'a> {
    pub(crate) fn copy(&self) -> NavKind<'a> {
        NavKind {
            href: self.href.clone(),
            ..*self
        }
    }
}

#[derive(Serialize)]
pub(crate) struct NavLink<'a> {
    pub(crate) name: &'a str,
    pub(crate) href: String,
}

#[derive(Serialize)]
pub(crate) struct PageCtx<'a> {
    pub(crate) title: &'a str,
    /// The part of the site the page belongs to (`paths::section_of`).
    pub(crate) section: &'static str,
}

#[derive(Serialize)]
pub(crate) struct Totals {
    pub(crate) items: usize,
    pub(crate) errors: usize,
    pub(crate) warnings: usize,
}

#[derive(Serialize)]
pub(crate) struct KindSummary<'a> {
    pub(crate) name: &'a str,
    pub(crate) title: &'a str,
    pub(crate) href: String,
    pub(crate) count: usize,
    pub(crate) statuses: Vec<StatusCount<'a>>,
}

#[derive(Serialize)]
pub(crate) struct StatusCount<'a> {
    pub(crate) name: &'a str,
    pub(crate) count: usize,
}

#[derive(Serialize)]
pub(crate) struct RuleCtx<'a> {
    pub(crate) index: usize,
    pub(crate) label: String,
    pub(crate) severity: &'static str,
    pub(crate) covered: usize,
    pub(crate) total: usize,
    pub(crate) percent: u32,
    pub(crate) chart: String,
    pub(crate) href: String,
    pub(crate) uncovered: Vec<ItemRef<'a>>,
}

#[derive(Serialize, Clone)]
pub(crate) struct Problem {
    pub(crate) severity: &'static str,
    pub(crate) code: &'static str,
    pub(crate) location: String,
    pub(crate) message: String,
    pub(crate) href: Option<String>,
}

#[derive(Serialize)]
pub(crate) struct KindCtx<'a> {
    pub(crate) name: &'a str,
    pub(crate) title: &'a str,
    pub(crate) prefix: Option<&'a str>,
    pub(crate) count: usize,
    /// Whether an item of the kind has an evidence status other than `none`.
    pub(crate) has_evidence: bool,
}

#[derive(Serialize)]
pub(crate) struct KindRow<'a> {
    pub(crate) id: &'a str,
    pub(crate) href: String,
    pub(crate) title: &'a str,
    pub(crate) status: &'a str,
    pub(crate) coverage: &'static str,
    pub(crate) problems: usize,
    /// Evidence status (`none` without evidence).
    pub(crate) evidence: &'static str,
}

#[derive(Serialize)]
pub(crate) struct ItemRef<'a> {
    pub(crate) id: &'a str,
    pub(crate) href: String,
    pub(crate) title: &'a str,
    pub(crate) status: &'a str,
}

#[derive(Serialize)]
pub(crate) struct ItemCtx<'a> {
    pub(crate) id: &'a str,
    pub(crate) kind: &'a str,
    pub(crate) kind_title: &'a str,
    pub(crate) kind_href: String,
    pub(crate) title: &'a str,
    pub(crate) status: &'a str,
    pub(crate) tags: &'a [String],
    pub(crate) fingerprint: String,
    pub(crate) path: &'a str,
    pub(crate) line: u32,
    pub(crate) body_html: String,
    pub(crate) fields: Vec<FieldCtx<'a>>,
    pub(crate) coverage: &'static str,
    /// Test results and the items that carry evidence to this one; `None` without any.
    pub(crate) evidence: Option<ItemEvidenceCtx<'a>>,
}

#[derive(Serialize)]
pub(crate) struct FieldCtx<'a> {
    pub(crate) name: &'a str,
    pub(crate) value: String,
}

#[derive(Serialize)]
pub(crate) struct TreeNode<'a> {
    pub(crate) link_kind: &'a str,
    pub(crate) id: &'a str,
    pub(crate) href: Option<String>,
    pub(crate) title: &'a str,
    pub(crate) status: &'a str,
    pub(crate) is_suspect: bool,
    pub(crate) is_missing: bool,
    pub(crate) is_cut: bool,
    pub(crate) children: Vec<TreeNode<'a>>,
}

#[derive(Serialize)]
pub(crate) struct LinkKindCtx<'a> {
    pub(crate) name: &'a str,
    pub(crate) from: &'a [String],
    pub(crate) to: &'a [String],
    pub(crate) acyclic: bool,
}

#[derive(Serialize)]
pub(crate) struct MatrixRow<'a> {
    pub(crate) id: &'a str,
    pub(crate) href: String,
    pub(crate) title: &'a str,
    pub(crate) status: &'a str,
    pub(crate) targets: Vec<MatrixCell<'a>>,
    pub(crate) sources: Vec<MatrixCell<'a>>,
}

#[derive(Serialize)]
pub(crate) struct MatrixCell<'a> {
    pub(crate) id: &'a str,
    pub(crate) href: Option<String>,
    pub(crate) title: &'a str,
    pub(crate) is_suspect: bool,
    pub(crate) is_missing: bool,
}
