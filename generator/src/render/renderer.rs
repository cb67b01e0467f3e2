//! [`Renderer`]: what every page of one render shares (theme, site-wide values and their
//! digest, the output), and the one way a page is digested, rendered and put.

use tracebook_model::Project;

use super::BuildOptions;
use super::context::PageCtx;
use super::pages;
use super::paths::{root_of, section_of};
use crate::error::{Error, Result};
use crate::incremental::{Digest, Digester, Output};
use crate::theme::Theme;

pub(super) struct Renderer<'a> {
    pub(super) theme: &'a Theme,
    base: tera::Context,
    pub(super) site_digest: Digest,
    pub(super) output: &'a Output<'a>,
    on_page: &'a (dyn Fn() + Sync),
}

/// Where a page's values go: into its digest, and into its template context when the digest
/// is new. Pages give their values through `fill` functions called once per destination, so
/// an unchanged page costs one serialization and no template context.
pub(super) trait Slots {
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

impl<'a> Renderer<'a> {
    /// A renderer of `project`'s pages with the site-wide values (navigation, project name,
    /// options) in every context and in every digest.
    pub(super) fn new(
        project: &Project,
        theme: &'a Theme,
        output: &'a Output<'a>,
        options: &BuildOptions<'_>,
        has_baselines: bool,
        on_page: &'a (dyn Fn() + Sync),
    ) -> Renderer<'a> {
        let mut base = tera::Context::new();
        let site = pages::site(project, has_baselines, options);
        base.insert("site", &site);
        let site_digest = Digester::new("site", Some(theme.digest))
            .value(&site)
            .finish();
        Renderer {
            theme,
            base,
            site_digest,
            output,
            on_page,
        }
    }

    /// A context with the site-wide values, `root` and `page` for the page at `href`.
    pub(super) fn page(&self, title: &str, href: &str) -> tera::Context {
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
    pub(super) fn digester(&self, template: &str) -> Digester {
        let mut digester = Digester::new(template, Some(self.theme.digest));
        digester.digest(self.site_digest);
        digester
    }

    /// Puts the page at `href`, rendered with `template` from the values `fill` gives when
    /// their digest is new.
    pub(super) fn put_page(
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

    pub(super) fn render(&self, template: &str, ctx: &tera::Context) -> Result<Vec<u8>> {
        let html = self
            .theme
            .tera
            .render(template, ctx)
            .map_err(|err| Error::template(template, &err))?;
        (self.on_page)();
        Ok(html.into_bytes())
    }
}
