//! The side navigation as groups of links: the kinds and pages of each `areas:` entry of
//! `tracebook.yaml`, in order, or (without `areas:`) the fixed layout of Items, Matrices and
//! Reports. Nothing here knows a kind by name: every group comes from the configuration.

use serde::Serialize;
use tracebook_model::Project;
use tracebook_model::readiness::Area;

use super::context::NavKind;
use super::paths::{BASELINES_HREF, READINESS_HREF, kind_href, matrix_href};

/// One heading of the navigation and its links.
#[derive(Serialize)]
pub(crate) struct NavGroup<'a> {
    /// `None` for the group above the first heading.
    title: Option<&'a str>,
    kinds: Vec<NavKind<'a>>,
    pages: Vec<NavPage<'a>>,
}

/// A link to a built-in page (or to one matrix).
#[derive(Serialize)]
pub(crate) struct NavPage<'a> {
    /// The page name of `areas:` (`dashboard`, `matrices`, ...): the page is current when its
    /// `page.section` has this name.
    name: &'static str,
    title: &'a str,
    href: String,
    /// The link kind, for a link to one matrix (current when that matrix is shown).
    matrix: Option<&'a str>,
    /// Links listed under this one (every matrix under "Matrices").
    children: Vec<NavPage<'a>>,
}

impl<'a> NavPage<'a> {
    fn new(name: &'static str, title: &'a str, href: &str) -> NavPage<'a> {
        NavPage {
            name,
            title,
            href: href.to_owned(),
            matrix: None,
            children: Vec::new(),
        }
    }
}

/// The built-in pages of one site, by their `areas:` names.
struct Pages<'a> {
    project: &'a Project,
    has_baselines: bool,
}

impl<'a> Pages<'a> {
    /// One link per matrix.
    fn matrices(&self) -> Vec<NavPage<'a>> {
        self.project
            .config
            .links
            .iter()
            .map(|l| NavPage {
                matrix: Some(&l.name),
                ..NavPage::new("matrices", &l.name, &matrix_href(&l.name))
            })
            .collect()
    }

    /// The page named `name`; `None` when the site has no such page.
    fn page(&self, name: &str) -> Option<NavPage<'a>> {
        Some(match name {
            "dashboard" => NavPage::new("dashboard", "Dashboard", "index.html"),
            "search" => NavPage::new("search", "Search", "search/index.html"),
            "coverage" => NavPage::new("coverage", "Coverage", "coverage/index.html"),
            "baselines" if self.has_baselines => {
                NavPage::new("baselines", "Baselines", BASELINES_HREF)
            }
            "readiness" => NavPage::new("readiness", "Readiness", READINESS_HREF),
            // Placed in an area: the first matrix, with every matrix listed under it.
            "matrices" => {
                let first = self.project.config.links.first()?;
                NavPage {
                    children: self.matrices(),
                    ..NavPage::new("matrices", "Matrices", &matrix_href(&first.name))
                }
            }
            _ => return None,
        })
    }
}

/// The navigation of `project`'s site.
pub(crate) fn groups(project: &Project, has_baselines: bool) -> Vec<NavGroup<'_>> {
    let pages = Pages {
        project,
        has_baselines,
    };
    let kinds = kinds(project);
    let areas = &project.config.areas;
    let is_placed = |name: &str| areas.iter().any(|a| a.pages.iter().any(|p| p == name));
    // Pages that no area places stay where they are without `areas:`.
    let unplaced = |names: &[&str]| -> Vec<NavPage<'_>> {
        names
            .iter()
            .filter(|name| !is_placed(name))
            .filter_map(|name| pages.page(name))
            .collect()
    };
    let mut groups = vec![NavGroup {
        title: None,
        kinds: Vec::new(),
        pages: unplaced(&["dashboard", "search"]),
    }];
    let other_kinds = if areas.is_empty() {
        "Items"
    } else {
        groups.extend(areas.iter().map(|area| area_group(area, &kinds, &pages)));
        "Other items"
    };
    let in_area = |name: &str| areas.iter().any(|a| a.kinds.iter().any(|k| k == name));
    groups.push(NavGroup {
        title: Some(other_kinds),
        kinds: kinds
            .iter()
            .filter(|k| !in_area(k.name))
            .map(NavKind::copy)
            .collect(),
        pages: Vec::new(),
    });
    if !is_placed("matrices") {
        groups.push(NavGroup {
            title: Some("Matrices"),
            kinds: Vec::new(),
            pages: pages.matrices(),
        });
    }
    groups.push(NavGroup {
        title: Some("Reports"),
        kinds: Vec::new(),
        pages: unplaced(&["coverage", "baselines", "readiness"]),
    });
    groups.retain(|g| !g.kinds.is_empty() || !g.pages.is_empty());
    groups
}

fn area_group<'a>(area: &'a Area, kinds: &[NavKind<'a>], pages: &Pages<'a>) -> NavGroup<'a> {
    NavGroup {
        title: Some(&area.title),
        kinds: area
            .kinds
            .iter()
            .filter_map(|name| kinds.iter().find(|k| k.name == name))
            .map(NavKind::copy)
            .collect(),
        pages: area
            .pages
            .iter()
            .filter_map(|name| pages.page(name))
            .collect(),
    }
}

/// Every kind with its item count, in schema order.
pub(crate) fn kinds(project: &Project) -> Vec<NavKind<'_>> {
    let mut counts = vec![0usize; project.config.kinds.len()];
    for item in &project.items {
        if let Some(k) = project
            .config
            .kinds
            .iter()
            .position(|k| k.name == item.kind)
        {
            counts[k] += 1;
        }
    }
    project
        .config
        .kinds
        .iter()
        .zip(counts)
        .map(|(k, count)| NavKind {
            name: &k.name,
            title: &k.title,
            href: kind_href(&k.name),
            count,
        })
        .collect()
}
