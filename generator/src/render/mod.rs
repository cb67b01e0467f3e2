//! Rendering the whole site into a folder: pages in parallel (rayon), then assets, the jump
//! index and the static search index. [`build_site`] wraps it in the atomic publish step.

mod context;
mod evidence;
mod history;
mod listing;
mod memo;
mod nav;
mod pages;
pub(crate) mod paths;
mod problems;
mod tree;

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;
use tracebook_model::Project;

use crate::build_info::BuildInfo;
use crate::error::{Error, Result};
use crate::incremental::{Digest, Digester, Manifest, Output, of_bytes};
use crate::markdown::render_markdown;
use crate::publish::publish;
use crate::static_search::{SearchCache, StaticSearchOptions, static_search_files};
use crate::theme::Theme;
use crate::timeline::Timeline;
use context::{ItemCtx, PageCtx, Problem};
use listing::{Listing, listing_pages};
use memo::RenderMemo;
use paths::{BASELINES_HREF, baseline_href, item_href, root_of, section_of};

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
pub struct BuildOptions<'a> {
    /// Baselines and history from git, and the commit the site is built from (pages show it);
    /// `None` outside git.
    pub timeline: Option<&'a Timeline>,
    /// Adds an "Edit" link to every item page, to `items/<ID>/edit` next to the page: the edit
    /// form of `tracebook serve`. Off for static sites, which have no server behind them.
    pub edit_links: bool,
    /// Adds the live-reload script of `tracebook preview` to every page.
    pub live_reload: bool,
}

/// Renders `project` with `theme` and publishes it atomically as `out`. A project with errors
/// publishes nothing, and neither does a failed render: `out` stays as it was.
/// `timeline` (baselines and history from git) adds the baseline pages and item history.
/// `on_page` is called once per page rendered (for progress bars); it must be cheap.
pub fn build_site(
    project: &Project,
    timeline: Option<&Timeline>,
    theme: &Theme,
    out: &Path,
    on_page: &(dyn Fn() + Sync),
) -> Result<BuildReport> {
    let options = BuildOptions {
        timeline,
        ..BuildOptions::default()
    };
    build_site_with(project, theme, out, &options, on_page)
}

/// [`build_site`] with all options.
pub fn build_site_with(
    project: &Project,
    theme: &Theme,
    out: &Path,
    options: &BuildOptions<'_>,
    on_page: &(dyn Fn() + Sync),
) -> Result<BuildReport> {
    let errors = project.counts().errors;
    if errors > 0 {
        return Err(Error::ContentErrors(errors));
    }
    publish(out, |staging| {
        render_site_with(project, theme, staging, options, on_page)
    })
}

/// Renders every page and asset of the site into `dir` (which must exist).
pub fn render_site(
    project: &Project,
    timeline: Option<&Timeline>,
    theme: &Theme,
    dir: &Path,
    on_page: &(dyn Fn() + Sync),
) -> Result<BuildReport> {
    let options = BuildOptions {
        timeline,
        ..BuildOptions::default()
    };
    render_site_with(project, theme, dir, &options, on_page)
}

fn render_site_with(
    project: &Project,
    theme: &Theme,
    dir: &Path,
    options: &BuildOptions<'_>,
    on_page: &(dyn Fn() + Sync),
) -> Result<BuildReport> {
    let nothing = Manifest::new();
    let output = Output::new(dir, dir, &nothing, &nothing);
    render_into(project, theme, &output, options, None, on_page)
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
/// `carry` (long-lived builders) skips work on what did not change since the last render and
/// is updated for the next one. `on_page` is called for each page rendered.
pub(crate) fn render_into(
    project: &Project,
    theme: &Theme,
    output: &Output<'_>,
    options: &BuildOptions<'_>,
    mut carry: Option<&mut Carry>,
    on_page: &(dyn Fn() + Sync),
) -> Result<BuildReport> {
    let head = options.timeline.and_then(|t| t.head.as_ref());
    let timeline = options
        .timeline
        .filter(|t| !t.baselines.is_empty() || !t.history.commits.is_empty());
    let has_baselines = timeline.is_some_and(|t| !t.baselines.is_empty());
    let mut base = tera::Context::new();
    let site = pages::site(project, has_baselines, options);
    base.insert("site", &site);
    let site_digest = Digester::new("site", Some(theme.digest))
        .value(&site)
        .finish();
    let index = problems::ProblemIndex::new(project);
    let (per_item, all_problems) = index.group(project);
    let readiness = tracebook_model::readiness::evaluate(project);
    let listing = Listing {
        per_item: &per_item,
        all_problems: &all_problems,
        readiness: &readiness,
    };
    let renderer = Renderer {
        theme,
        base,
        site_digest,
        output,
        on_page,
    };
    // Baseline pages compare with the work tree, which the memo does not follow.
    let previous = carry.as_mut().and_then(|c| c.memo.take());
    let mut memo = (carry.is_some() && !has_baselines).then(|| {
        let reread = carry.as_ref().and_then(|c| c.reread.as_ref());
        let previous = previous.as_ref();
        // Item pages show their history, which changes with HEAD: another HEAD (or a change
        // of the dirty flag) and every page digest is computed again (unchanged pages are
        // still kept, not rendered).
        let history = head.map(|h| (h.commit.id.as_str(), h.is_dirty));
        let memo_site = Digester::new("memo-site", Some(site_digest))
            .value(&history)
            .finish();
        RenderMemo::new(project, memo_site, &listing, previous, reread)
    });
    let affected = memo
        .as_ref()
        .zip(previous.as_ref())
        .and_then(|(memo, previous)| memo.affected(previous));

    let digests: Vec<Digest> = (0..project.items.len())
        .into_par_iter()
        .map(|i| {
            let known = affected
                .as_ref()
                .zip(previous.as_ref())
                .filter(|(affected, _)| !affected[i])
                .map(|(_, previous)| previous.pages[i]);
            item_page(&renderer, project, i, &per_item[i], timeline, known)
        })
        .collect::<Result<_>>()?;
    let mut pages = project.items.len();

    let unchanged_listing = memo
        .as_ref()
        .zip(previous.as_ref())
        .filter(|(memo, previous)| {
            affected.is_some()
                && memo.listing == previous.listing
                && !previous.listing_pages.is_empty()
        });
    let listing_pages = match unchanged_listing {
        Some((_, previous)) => {
            for (href, digest) in &previous.listing_pages {
                output.put(href, *digest, || Err(Error::Stale))?;
            }
            previous.listing_pages.clone()
        }
        None => listing_pages(&renderer, project, &listing)?,
    };
    pages += listing_pages.len();
    // Optional templates, so a theme written before baselines existed still builds.
    let has_templates = ["baselines.html", "baseline.html"]
        .iter()
        .all(|t| theme.tera.contains_template(t));
    if let Some(timeline) = timeline.filter(|_| has_baselines && has_templates) {
        pages += render_baselines(&renderer, project, timeline)?;
    }

    // The jump index is one of the listing files (assets, not pages).
    pages -= 1;
    let mut assets = write_assets(theme, output)? + 1;
    if let Some(carry) = carry.as_mut() {
        carry.search.reread = carry.reread.take();
    }
    let search_cache = carry.as_ref().map(|c| &c.search);
    let (search_files, _) =
        static_search_files(project, &StaticSearchOptions::default(), search_cache)?;
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
    assets += 1;
    if let Some(carry) = carry {
        carry.search.rotate();
        carry.memo = memo.take().map(|mut memo| {
            memo.pages = digests;
            memo.listing_pages = listing_pages;
            memo
        });
    }
    Ok(BuildReport { pages, assets })
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

struct Renderer<'a> {
    theme: &'a Theme,
    base: tera::Context,
    site_digest: Digest,
    output: &'a Output<'a>,
    on_page: &'a (dyn Fn() + Sync),
}

/// Where a page's values go: into its digest, and into its template context when the digest
/// is new. Pages give their values through `fill` functions called once per destination, so
/// an unchanged page costs one serialization and no template context.
trait Slots {
    fn put(&mut self, key: &'static str, value: &dyn erased_serde::Serialize);
}

impl Slots for Digester {
    fn put(&mut self, key: &'static str, value: &dyn erased_serde::Serialize) {
        self.value(key).value(value);
    }
}

impl Slots for tera::Context {
    fn put(&mut self, key: &'static str, value: &dyn erased_serde::Serialize) {
        self.insert(key, value);
    }
}

impl Renderer<'_> {
    /// A context with the site-wide values, `root` and `page` for the page at `href`.
    fn page(&self, title: &str, href: &str) -> tera::Context {
        let mut ctx = self.base.clone();
        ctx.insert("root", &root_of(href));
        ctx.insert(
            "page",
            &PageCtx {
                title,
                section: section_of(href),
            },
        );
        ctx
    }

    /// A digester for a page rendered with `template`, seeded with the theme and site values.
    fn digester(&self, template: &str) -> Digester {
        let mut digester = Digester::new(template, Some(self.theme.digest));
        digester.digest(self.site_digest);
        digester
    }

    /// Puts the page at `href`, rendered with `template` from the values `fill` gives when
    /// their digest is new.
    fn put_page(
        &self,
        template: &str,
        title: &str,
        href: &str,
        fill: &dyn Fn(&mut dyn Slots),
    ) -> Result<(String, Digest)> {
        let mut digester = self.digester(template);
        digester.value(title).value(href);
        fill(&mut digester);
        let digest = digester.finish();
        self.output.put(href, digest, || {
            let mut ctx = self.page(title, href);
            fill(&mut ctx);
            self.render(template, &ctx)
        })?;
        Ok((href.to_owned(), digest))
    }

    fn render(&self, template: &str, ctx: &tera::Context) -> Result<Vec<u8>> {
        let html = self
            .theme
            .tera
            .render(template, ctx)
            .map_err(|err| Error::template(template, &err))?;
        (self.on_page)();
        Ok(html.into_bytes())
    }
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
