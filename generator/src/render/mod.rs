//! Rendering the whole site through an [`Output`]: pages in parallel (rayon), then assets, the
//! jump index and the static search index. [`crate::SiteBuilder`] calls it and publishes.

mod context;
mod evidence;
mod history;
mod listing;
mod memo;
mod nav;
mod pages;
pub(crate) mod paths;
mod problems;
mod renderer;
mod tree;

use std::collections::HashSet;
use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;
use tracebook_model::Project;

use crate::build_info::BuildInfo;
use crate::error::{Error, Result};
use crate::incremental::{Digest, Digester, Output, of_bytes};
use crate::markdown::render_markdown;
use crate::static_search::{SearchCache, StaticSearchOptions, static_search_files};
use crate::theme::Theme;
use crate::timeline::Timeline;
use context::{ItemCtx, Problem};
use listing::{Listing, listing_pages};
use memo::RenderMemo;
use paths::{BASELINES_HREF, baseline_href, item_href};
use renderer::Renderer;

/// What a build wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct BuildReport {
    /// HTML pages written.
    pub pages: usize,
    /// Asset files written.
    pub assets: usize,
}

/// How a site is built, beyond the project and the theme.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct BuildOptions<'a> {
    /// Baselines and history from git, and the commit the site is built from (pages show it);
    /// `None` outside git.
    pub(crate) timeline: Option<&'a Timeline>,
    /// Adds an "Edit" link to every item page, to `items/<ID>/edit` next to the page: the edit
    /// form of `tracebook serve`. Off for static sites, which have no server behind them.
    pub(crate) edit_links: bool,
    /// Adds the live-reload script of `tracebook preview` to every page.
    pub(crate) live_reload: bool,
}

/// What a long-lived builder carries from one render to the next.
#[derive(Default)]
pub(crate) struct Carry {
    /// The search index's work per document chunk.
    pub(crate) search: SearchCache,
    /// The page digests and per-item keys of the last render.
    pub(crate) memo: Option<RenderMemo>,
    /// The content files read again since the last render (`None`: all of them).
    pub(crate) reread: Option<HashSet<Arc<str>>>,
}

/// Renders the site through `output`, which skips every file whose digest it already has.
/// `carry` skips work on what did not change since the last render and is updated for the
/// next one. `on_page` is called for each page rendered.
pub(crate) fn render_into(
    project: &Project,
    theme: &Theme,
    output: &Output<'_>,
    options: &BuildOptions<'_>,
    carry: &mut Carry,
    on_page: &(dyn Fn() + Sync),
) -> Result<BuildReport> {
    let head = options.timeline.and_then(|t| t.head.as_ref());
    let timeline = options
        .timeline
        .filter(|t| !t.baselines.is_empty() || !t.history.commits.is_empty());
    let has_baselines = timeline.is_some_and(|t| !t.baselines.is_empty());
    let renderer = Renderer::new(project, theme, output, options, has_baselines, on_page);
    let index = problems::ProblemIndex::new(project);
    let (per_item, all_problems) = index.group(project);
    let readiness = tracebook_model::readiness::evaluate(project);
    let listing = Listing {
        per_item: &per_item,
        all_problems: &all_problems,
        readiness: &readiness,
    };
    // Baseline pages compare with the work tree, which the memo does not follow.
    let previous = carry.memo.take();
    let memo = (!has_baselines).then(|| {
        let site = memo_site(renderer.site_digest, head);
        RenderMemo::new(
            project,
            site,
            &listing,
            previous.as_ref(),
            carry.reread.as_ref(),
        )
    });
    let known = KnownPages::new(memo.as_ref(), previous.as_ref());
    let digests = item_pages(&renderer, project, &per_item, timeline, &known)?;
    let listing_pages = match known.unchanged_listing() {
        Some(previous) => keep_pages(output, previous)?,
        None => listing_pages(&renderer, project, &listing)?,
    };
    let mut pages = project.items.len() + listing_pages.len();
    // Optional templates, so a theme written before baselines existed still builds.
    let has_templates = ["baselines.html", "baseline.html"]
        .iter()
        .all(|t| theme.tera.contains_template(t));
    if let Some(timeline) = timeline.filter(|_| has_baselines && has_templates) {
        pages += render_baselines(&renderer, project, timeline)?;
    }
    // The jump index is one of the listing files (assets, not pages).
    pages -= 1;
    let assets = write_site_files(project, theme, output, options, carry)? + 1;
    carry.search.rotate();
    carry.memo = memo.map(|mut memo| {
        memo.pages = digests;
        memo.listing_pages = listing_pages;
        memo
    });
    Ok(BuildReport { pages, assets })
}

/// The site-wide key of the memo. Item pages show their history, which changes with HEAD:
/// another HEAD (or a change of the dirty flag) and every page digest is computed again
/// (unchanged pages are still kept, not rendered).
fn memo_site(site_digest: Digest, head: Option<&crate::git::Head>) -> Digest {
    let history = head.map(|h| (h.commit.id.as_str(), h.is_dirty));
    Digester::new("memo-site", Some(site_digest))
        .value(&history)
        .finish()
}

/// What the memo says is unchanged since the last render.
struct KnownPages<'m> {
    memo: Option<&'m RenderMemo>,
    previous: Option<&'m RenderMemo>,
    /// Per item: whether its page may have changed (`None`: every page may have).
    affected: Option<Vec<bool>>,
}

impl<'m> KnownPages<'m> {
    fn new(memo: Option<&'m RenderMemo>, previous: Option<&'m RenderMemo>) -> KnownPages<'m> {
        let affected = memo
            .zip(previous)
            .and_then(|(memo, previous)| memo.affected(previous));
        KnownPages {
            memo,
            previous,
            affected,
        }
    }

    /// Item `i`'s page digest of the last render, when its page did not change.
    fn item_page(&self, i: usize) -> Option<Digest> {
        self.affected
            .as_ref()
            .zip(self.previous)
            .filter(|(affected, _)| !affected[i])
            .map(|(_, previous)| previous.pages[i])
    }

    /// The last render's listing pages, when none of them changed.
    fn unchanged_listing(&self) -> Option<&'m [(String, Digest)]> {
        self.memo
            .zip(self.previous)
            .filter(|(memo, previous)| {
                self.affected.is_some()
                    && memo.listing == previous.listing
                    && !previous.listing_pages.is_empty()
            })
            .map(|(_, previous)| previous.listing_pages.as_slice())
    }
}

/// Puts every item page, in parallel; returns their digests in item order.
fn item_pages(
    renderer: &Renderer<'_>,
    project: &Project,
    per_item: &[Vec<Problem>],
    timeline: Option<&Timeline>,
    known: &KnownPages<'_>,
) -> Result<Vec<Digest>> {
    (0..project.items.len())
        .into_par_iter()
        .map(|i| {
            item_page(
                renderer,
                project,
                i,
                &per_item[i],
                timeline,
                known.item_page(i),
            )
        })
        .collect()
}

/// Puts the files of an unchanged set of pages again, by their digests.
fn keep_pages(output: &Output<'_>, pages: &[(String, Digest)]) -> Result<Vec<(String, Digest)>> {
    for (href, digest) in pages {
        output.put(href, *digest, || Err(Error::Stale))?;
    }
    Ok(pages.to_vec())
}

/// Theme assets, the static search index, `build-info.json` and the build stylesheet;
/// returns the number of files.
fn write_site_files(
    project: &Project,
    theme: &Theme,
    output: &Output<'_>,
    options: &BuildOptions<'_>,
    carry: &mut Carry,
) -> Result<usize> {
    let head = options.timeline.and_then(|t| t.head.as_ref());
    let mut assets = write_assets(theme, output)?;
    carry.search.reread = carry.reread.take();
    let (search_files, _) = static_search_files(
        project,
        &StaticSearchOptions::default(),
        Some(&carry.search),
    )?;
    assets += search_files.len();
    for (rel, text) in search_files {
        output.put(&rel, of_bytes(text.as_bytes()), || Ok(text.into_bytes()))?;
    }
    let info = BuildInfo::new(head, options.edit_links).to_bytes()?;
    output.put(BuildInfo::FILE, of_bytes(&info), || Ok(info.clone()))?;
    let css = build_css(head);
    output.put(BUILD_CSS, of_bytes(css.as_bytes()), || {
        Ok(css.clone().into_bytes())
    })?;
    Ok(assets + 1)
}

/// Puts item `i`'s page; `known` is its digest when the memo shows it unchanged.
fn item_page(
    renderer: &Renderer<'_>,
    project: &Project,
    i: usize,
    problems: &[Problem],
    timeline: Option<&Timeline>,
    known: Option<Digest>,
) -> Result<Digest> {
    let item = &project.items[i];
    let href = item_href(&item.id);
    let parts = || {
        (
            pages::item(project, i),
            tree::trace_tree(project, i, tree::Direction::Up),
            tree::trace_tree(project, i, tree::Direction::Down),
            timeline.map(|t| history::item_history(t, project, i)),
        )
    };
    let render = |(mut item_ctx, upstream, downstream, history): (ItemCtx<'_>, _, _, _)| {
        item_ctx.body_html = render_markdown(&item.body);
        let mut ctx = renderer.page(&item.title, &href);
        ctx.insert("item", &item_ctx);
        ctx.insert("upstream", &upstream);
        ctx.insert("downstream", &downstream);
        ctx.insert("problems", problems);
        if let Some(history) = &history {
            ctx.insert("history", history);
        }
        renderer.render("item.html", &ctx)
    };
    if let Some(digest) = known {
        renderer.output.put(&href, digest, || render(parts()))?;
        return Ok(digest);
    }
    let parts = parts();
    let (item_ctx, upstream, downstream, history) = &parts;
    // The rendered body is the one costly part of the context: its source stands in.
    let digest = renderer
        .digester("item.html")
        .value(item_ctx)
        .bytes(item.body.as_bytes())
        .value(upstream)
        .value(downstream)
        .value(problems)
        .value(history)
        .finish();
    renderer.output.put(&href, digest, || render(parts))?;
    Ok(digest)
}

/// The baselines page and one page per baseline; returns the number of pages.
fn render_baselines(
    renderer: &Renderer<'_>,
    project: &Project,
    timeline: &Timeline,
) -> Result<usize> {
    let rows = history::baseline_rows(project, timeline);
    let growth_chart = history::growth_chart(&rows, project);
    renderer.put_page("baselines.html", "Baselines", BASELINES_HREF, &|page| {
        page.put("growth_chart", &growth_chart);
        page.put("baselines", &rows);
    })?;
    let pages: Result<Vec<_>> = timeline
        .baselines
        .par_iter()
        .zip(rows.par_iter())
        .map(|(snapshot, row)| {
            let href = baseline_href(&snapshot.baseline.name);
            let previous = snapshot.since_previous.as_ref();
            let since_previous = previous.map(|r| history::report(project, r));
            let since_this = history::report(project, &snapshot.since_this);
            renderer.put_page("baseline.html", &snapshot.baseline.name, &href, &|page| {
                page.put("baseline", row);
                page.put("since_previous", &since_previous);
                page.put("since_this", &since_this);
            })
        })
        .collect();
    Ok(pages?.len() + 1)
}

/// Theme assets, under `assets/`.
fn write_assets(theme: &Theme, output: &Output<'_>) -> Result<usize> {
    for (name, bytes) in &theme.assets {
        output.put(&format!("assets/{name}"), of_bytes(bytes), || {
            Ok(bytes.clone())
        })?;
    }
    Ok(theme.assets.len())
}

/// The stylesheet that names the commit in every page's footer.
const BUILD_CSS: &str = "assets/build.css";

/// The footer's "from commit …": generated content of a stylesheet every page links, rather
/// than text in each page, so that a commit changes one small file and not every page (a
/// one-item change in a 10k-item project renders a few files, not 10k). Works from file://
/// and under the strict CSP (a style file from 'self'); outside git it names no commit.
fn build_css(head: Option<&crate::git::Head>) -> String {
    let mut css = String::from(
        "/* Written by each build: the commit this site was built from (see build-info.json). */\n",
    );
    match head {
        Some(head) => {
            let dirty = if head.is_dirty {
                " with uncommitted changes"
            } else {
                ""
            };
            css.push_str(&format!(
                ".site-footer .built-from::after {{ content: \" from commit {}{dirty}\"; }}\n",
                head.commit.short
            ));
            if head.is_dirty {
                css.push_str(".site-footer .built-from::after { color: var(--warning-fg); }\n");
            }
        }
        None => css.push_str(".site-footer .built-from { display: none; }\n"),
    }
    css
}
