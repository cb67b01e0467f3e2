//! [`SiteBuilder`]: keeps one project's site up to date, build after build, rendering only the
//! files whose inputs changed (see `incremental/`). Used by `tracebook build` (one build per
//! process; the state on disk carries over), `tracebook preview` and the rebuild workers (many
//! builds per process; parsed files also carry over).
//!
//! The result is the same as a full build of the same tree, byte for byte: every file's digest
//! covers everything it is made from (theme, site-wide values, the values of its template), so
//! a changed title re-renders exactly the pages that show it. Publishing stays atomic: the
//! build updates the spare folder beside the site, then swaps the two.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tracebook_model::Project;

use crate::error::{Error, Result};
use crate::git::Repo;
use crate::incremental::{Changes, FileCounts, Folder, InputCache, Manifest, Output, State};
use crate::publish::{sibling, stamp_publication, swap_keeping_previous};
use crate::render::{BuildOptions, BuildReport, Carry, render_into};
use crate::theme::Theme;
use crate::timeline::Timeline;

/// How a [`SiteBuilder`] builds.
#[derive(Debug, Clone, Copy, Default)]
pub struct SiteOptions {
    /// Item pages link to `tracebook serve`'s edit form.
    pub edit_links: bool,
    /// Pages load `tracebook preview`'s live-reload script.
    pub live_reload: bool,
    /// Read baselines, history and the built-from commit from git when the project is in a
    /// repository.
    pub git: bool,
    /// Ignore what earlier builds left (`tracebook build --full`): render every file.
    pub full: bool,
}

/// What one build did.
#[derive(Debug, Clone, Copy, Default)]
pub struct SiteBuild {
    /// Pages and assets of the site.
    pub report: BuildReport,
    /// Files rendered, linked from the previous site, kept or removed.
    pub files: FileCounts,
    /// Content, schema and baseline files read and parsed.
    pub files_read: usize,
    /// Time from the call to the published site.
    pub elapsed: Duration,
}

/// One project's site, built again and again into the same folder.
pub struct SiteBuilder {
    root: PathBuf,
    out: PathBuf,
    spare: PathBuf,
    state_path: PathBuf,
    theme: Theme,
    options: SiteOptions,
    inputs: InputCache,
    state: Option<State>,
    history: Option<(String, Timeline)>,
    project: Option<Project>,
    retired: Option<Project>,
    files_read: usize,
    carry: Carry,
    is_state_saved: bool,
}

impl Drop for SiteBuilder {
    fn drop(&mut self) {
        self.save_state();
    }
}

impl SiteBuilder {
    /// A builder of the project at `root` into `out`. Nothing is read until [`Self::build`].
    pub fn new(root: &Path, out: &Path, theme: Theme, options: SiteOptions) -> SiteBuilder {
        let state = if options.full {
            None
        } else {
            State::read(&sibling(out, "state"))
        };
        SiteBuilder {
            root: root.to_path_buf(),
            out: out.to_path_buf(),
            spare: sibling(out, "spare"),
            state_path: sibling(out, "state"),
            theme,
            options,
            inputs: InputCache::default(),
            state,
            history: None,
            project: None,
            retired: None,
            files_read: 0,
            carry: Carry::default(),
            is_state_saved: true,
        }
    }

    /// The project as of the last build, with its diagnostics (also when it was not
    /// published because of errors).
    pub fn project(&self) -> Option<&Project> {
        self.project.as_ref()
    }

    /// Writes the state for a later builder (another process) to start from. Long-lived
    /// builders need not call it after every build: a state left behind by an earlier build
    /// no longer matches the folders (their change times moved on) and is ignored. Dropping
    /// the builder saves it too.
    pub fn save_state(&mut self) {
        if let Some(state) = self.state.as_ref().filter(|_| !self.is_state_saved) {
            // Only a head start for the next builder is lost when this fails.
            let _ = state.write(&self.state_path);
            self.is_state_saved = true;
        }
    }

    /// Replaces the theme; the next build re-renders every page.
    pub fn set_theme(&mut self, theme: Theme) {
        self.theme = theme;
    }

    /// Reads what `changes` names, and publishes the site when the project has no errors.
    /// A project with errors publishes nothing ([`Error::ContentErrors`]; [`Self::project`]
    /// has the diagnostics) and neither does a failed render: the last good site stays.
    pub fn build(&mut self, changes: &Changes, on_page: &(dyn Fn() + Sync)) -> Result<SiteBuild> {
        let started = Instant::now();
        self.load(changes)?;
        let mut build = self.publish(on_page)?;
        build.elapsed = started.elapsed();
        Ok(build)
    }

    /// The first half of [`Self::build`]: reads what `changes` names and assembles the
    /// project, so that a caller can look at the diagnostics before publishing.
    pub fn load(&mut self, changes: &Changes) -> Result<&Project> {
        self.files_read = self.inputs.refresh(&self.root, changes)?;
        let project = self.inputs.project(&self.root);
        // Freed once the site is published (see `retire`): freeing 100k items while building
        // would compete with the build for the cores and the allocator.
        self.retire();
        self.retired = self.project.take();
        Ok(self.project.insert(project))
    }

    /// Frees the project of the build before last on a thread of its own.
    fn retire(&mut self) {
        if let Some(old) = self.retired.take() {
            std::thread::spawn(move || drop(old));
        }
    }

    /// The second half of [`Self::build`]: publishes the project loaded last.
    pub fn publish(&mut self, on_page: &(dyn Fn() + Sync)) -> Result<SiteBuild> {
        let published = self.publish_project(on_page);
        self.retire();
        published
    }

    fn publish_project(&mut self, on_page: &(dyn Fn() + Sync)) -> Result<SiteBuild> {
        let started = Instant::now();
        if self.project.is_none() {
            self.load(&Changes::Unknown)?;
        }
        let project = self.project.as_ref().expect("loaded above");
        let errors = project.counts().errors;
        if errors > 0 {
            return Err(Error::ContentErrors(errors));
        }
        self.refresh_timeline()?;
        let (report, files) = match self.render(on_page) {
            // A file the memo meant to reuse is gone from both folders: render it all.
            Err(Error::Stale) => self.render(on_page)?,
            done => done?,
        };
        Ok(SiteBuild {
            report,
            files,
            files_read: self.files_read,
            elapsed: started.elapsed(),
        })
    }

    /// Renders into the spare folder and swaps it in.
    fn render(&mut self, on_page: &(dyn Fn() + Sync)) -> Result<(BuildReport, FileCounts)> {
        let (live, spare) = match self.state.take() {
            Some(state) => (
                state.live.files_if_at(&self.out),
                state.spare.files_if_at(&self.spare),
            ),
            None => (Manifest::new(), Manifest::new()),
        };
        // A spare folder nobody vouches for may hold anything: start it empty.
        if spare.is_empty() && self.spare.exists() {
            std::fs::remove_dir_all(&self.spare).map_err(Error::io("removing", &self.spare))?;
        }
        std::fs::create_dir_all(&self.spare).map_err(Error::io("creating", &self.spare))?;
        let project = self.project.as_ref().expect("loaded above");
        let options = BuildOptions {
            timeline: self.history.as_ref().map(|(_, t)| t),
            edit_links: self.options.edit_links,
            live_reload: self.options.live_reload,
        };
        self.carry.reread = self.inputs.take_reread();
        let output = Output::new(&self.spare, &self.out, &spare, &live);
        let rendered = render_into(
            project,
            &self.theme,
            &output,
            &options,
            &mut self.carry,
            on_page,
        );
        let finished = rendered.and_then(|report| Ok((report, output.finish()?)));
        let (report, (manifest, counts)) = match finished {
            Ok(done) => done,
            Err(err) => {
                // The spare is half-updated now; the live site and its manifest are intact. The
                // caches may have seen only part of this build's changes: start them afresh.
                let _ = std::fs::remove_dir_all(&self.spare);
                self.carry = Carry::default();
                self.state = Some(State::new(Folder::of(&self.out, live), Folder::default()));
                self.is_state_saved = false;
                return Err(err);
            }
        };
        let has_previous = swap_keeping_previous(&self.spare, &self.out)?;
        stamp_publication(&self.out)?;
        let spare = if has_previous { live } else { Manifest::new() };
        let state = State::new(
            Folder::of(&self.out, manifest),
            Folder::of(&self.spare, spare),
        );
        self.state = Some(state);
        self.is_state_saved = false;
        Ok((report, counts))
    }

    /// Baselines and history from git. History only changes with HEAD, so it is kept while
    /// HEAD stays; baselines compare with the work tree, so they are read again each build.
    fn refresh_timeline(&mut self) -> Result<()> {
        if !self.options.git {
            self.history = None;
            return Ok(());
        }
        let project = self.project.as_ref().expect("loaded above");
        let Some(repo) = Repo::discover(&self.root)? else {
            self.history = None;
            return Ok(());
        };
        let head = repo.head()?;
        let key = head
            .as_ref()
            .map(|h| h.commit.id.clone())
            .unwrap_or_default();
        match &mut self.history {
            Some((cached, timeline))
                if *cached == key
                    && project.baselines.is_empty()
                    && timeline.baselines.is_empty() =>
            {
                timeline.head = head;
            }
            _ => {
                self.history = Timeline::collect(&self.root, project)?.map(|t| (key, t));
            }
        }
        Ok(())
    }
}
