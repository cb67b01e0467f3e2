//! The pages that list many items (dashboard, kind indexes, matrices, coverage, search,
//! readiness) and the jump index. The render memo keeps them all when its `listing` digest
//! did not change, so everything they show must be part of that digest (`memo.rs`).

use tracebook_model::Project;
use tracebook_model::readiness::Readiness;

use super::Renderer;
use super::context::{KindCtx, LinkKindCtx, Problem, RuleCtx, Totals};
use super::evidence;
use super::pages;
use super::paths::{READINESS_HREF, item_href, kind_href, matrix_href};
use crate::error::{Error, Result};
use crate::incremental::{Digest, Output, of_bytes};

/// What the listing pages are made from, beyond the project.
pub(crate) struct Listing<'a> {
    /// Each item's problems, in the order of `Project::items`.
    pub(crate) per_item: &'a [Vec<Problem>],
    pub(crate) all_problems: &'a [Problem],
    pub(crate) readiness: &'a Readiness,
}

/// Renders the listing pages and the jump index; returns each one's href and digest.
pub(super) fn listing_pages(
    renderer: &Renderer<'_>,
    project: &Project,
    listing: &Listing<'_>,
) -> Result<Vec<(String, Digest)>> {
    let mut done = vec![jump_index(project, renderer.output)?];
    let rules = pages::rules(project);
    done.push(dashboard(renderer, project, listing, &rules)?);
    for kind in &project.config.kinds {
        let href = kind_href(&kind.name);
        let rows = pages::kind_rows(project, &kind.name, listing.per_item);
        let info = KindCtx {
            name: &kind.name,
            title: &kind.title,
            prefix: kind.prefix.as_deref(),
            count: rows.len(),
            has_evidence: rows.iter().any(|r| r.evidence != "none"),
        };
        done.push(renderer.put_page("kind.html", &kind.title, &href, &|page| {
            page.put("kind", &info);
            page.put("statuses", &kind.statuses);
            page.put("items", &rows);
        })?);
    }
    for link in &project.config.links {
        let href = matrix_href(&link.name);
        let info = LinkKindCtx {
            name: &link.name,
            from: &link.from,
            to: &link.to,
            acyclic: link.acyclic,
        };
        let rows = pages::matrix_rows(project, &link.name);
        done.push(
            renderer.put_page("matrix.html", &link.name, &href, &|page| {
                page.put("link_kind", &info);
                page.put("rows", &rows);
            })?,
        );
    }
    done.push(renderer.put_page(
        "coverage.html",
        "Coverage",
        "coverage/index.html",
        &|page| page.put("rules", &rules),
    )?);
    // Optional, so a theme written before the search page still builds (without it).
    if renderer.theme.tera.contains_template("search.html") {
        let search = serde_json::json!({
            "scripts": ["assets/search-engine.js", "assets/search.js"],
            "manifest": "assets/search/manifest.js",
            "items": project.items.len(),
        });
        done.push(
            renderer.put_page("search.html", "Search", "search/index.html", &|page| {
                page.put("search", &search)
            })?,
        );
    }
    // Optional too: themes written before release readiness have no readiness page.
    if renderer.theme.tera.contains_template("readiness.html") {
        done.push(readiness(renderer, project, listing.readiness)?);
    }
    Ok(done)
}

fn dashboard(
    renderer: &Renderer<'_>,
    project: &Project,
    listing: &Listing<'_>,
    rules: &[RuleCtx<'_>],
) -> Result<(String, Digest)> {
    let kinds = pages::kind_summaries(project);
    let counts = project.counts();
    let totals = Totals {
        items: project.items.len(),
        errors: counts.errors,
        warnings: counts.warnings,
    };
    let status_chart = pages::status_chart(&kinds);
    let card = evidence::readiness_card(listing.readiness);
    renderer.put_page("dashboard.html", "Dashboard", "index.html", &|page| {
        page.put("totals", &totals);
        page.put("status_chart", &status_chart);
        page.put("kinds", &kinds);
        page.put("rules", &rules);
        page.put("problems", &listing.all_problems);
        page.put("readiness_card", &card);
    })
}

/// `readiness/index.html`: the checklist, evidence per kind and the test runs.
fn readiness(
    renderer: &Renderer<'_>,
    project: &Project,
    readiness: &Readiness,
) -> Result<(String, Digest)> {
    let checklist = evidence::readiness(readiness);
    let kinds = evidence::evidence_by_kind(project);
    let chart = evidence::evidence_chart(&kinds);
    let runs = evidence::runs(project);
    renderer.put_page(
        "readiness.html",
        "Release readiness",
        READINESS_HREF,
        &|page| {
            page.put("readiness", &checklist);
            page.put("evidence_kinds", &kinds);
            page.put("evidence_chart", &chart);
            page.put("runs", &runs);
        },
    )
}

/// `assets/jump-index.js`: id, title, kind and href of every item, for the jump box.
fn jump_index(project: &Project, output: &Output<'_>) -> Result<(String, Digest)> {
    let rows: Vec<(&str, &str, &str, String)> = project
        .items
        .iter()
        .map(|i| {
            (
                i.id.as_str(),
                i.title.as_str(),
                i.kind.as_str(),
                item_href(&i.id),
            )
        })
        .collect();
    let json = serde_json::to_string(&rows).map_err(|err| Error::Template {
        template: "jump-index.js".to_owned(),
        message: err.to_string(),
    })?;
    // A script file (not JSON fetched at run time) so the jump box also works from file://.
    // `<` is escaped so no title can close a script element if someone inlines the file.
    let script = format!(
        "window.TRACEBOOK_JUMP = {};\n",
        json.replace('<', "\\u003c")
    );
    let digest = of_bytes(script.as_bytes());
    output.put(JUMP_INDEX, digest, || Ok(script.into_bytes()))?;
    Ok((JUMP_INDEX.to_owned(), digest))
}

const JUMP_INDEX: &str = "assets/jump-index.js";
