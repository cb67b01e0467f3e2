//! Incremental-rebuild benchmark: how long one [`SiteBuilder`] takes to bring a site up
//! to date after a one-file edit, next to a fresh builder (state from disk, like a new
//! `tracebook build` process without the process start) and a full build.
//!
//! ```text
//! cargo bench -p tracebook-generator --bench incremental -- CORPUS_DIR [--runs N]
//!     [--full-runs N] [--out DIR] [--scenarios body,title,link,fresh,full]
//!     [--item ID] [--verification ID] [--no-git] [--keep]
//! ```
//!
//! `scripts/bench_incremental.py` generates the corpora and runs this binary. Given a corpus
//! folder (e.g. from `gen_corpus.py --format tracebook`), it builds the site once with a
//! long-lived builder, builds it once more with no change (warm-up: the spare folder is empty
//! after the first build, so this one links every file), and then times each scenario `--runs`
//! times (default 7), the edit itself untimed:
//!
//! * `body`: one sentence, different each run, appended to one requirement's body;
//! * `title`: that requirement's title changed (it has links in and out, and its neighbours'
//!   pages show its title);
//! * `link`: one more `verifies` link from a verification to a requirement that is already
//!   verified elsewhere (so coverage does not change), a new one each run;
//! * `fresh`: the `body` edit, built by a new [`SiteBuilder`] each run (theme, state and every
//!   file read from disk);
//! * `full`: a full build (`SiteOptions { full: true }`) into a new folder each run
//!   (`--full-runs`, default `--runs`).
//!
//! A timed build is [`SiteBuilder::load`] then [`SiteBuilder::publish`], the two halves of
//! [`SiteBuilder::build`], timed separately as well (`load_ms`: read the changed file, assemble
//! the project; `publish_ms`: render, write, swap, save the state). After each run, untimed, the
//! bench checks that the site shows the edit. Edited files get their original text back after
//! each scenario (and if the bench fails), followed by an untimed build.
//!
//! Output goes to `--out DIR` (default `<CORPUS_DIR>.bench`, next to the corpus), which is
//! removed first (only when an earlier run of this bench made it) and, unless `--keep`, at the
//! end. Progress goes to stderr; stdout gets one JSON object per scenario (one line each).
//! Without a corpus folder the bench prints its usage and exits 0, so that `cargo bench` of the
//! whole workspace passes.

use std::collections::HashSet;
use std::error::Error;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use tracebook_generator::{Changes, FileCounts, SiteBuild, SiteBuilder, SiteOptions, Theme};
use tracebook_model::Project;

type Res<T> = std::result::Result<T, Box<dyn Error>>;

const USAGE: &str = "usage: cargo bench -p tracebook-generator --bench incremental -- CORPUS_DIR \
[--runs N] [--full-runs N] [--out DIR] [--scenarios body,title,link,fresh,full] [--item ID] \
[--verification ID] [--no-git] [--keep]";
const ALL_SCENARIOS: [&str; 5] = ["body", "title", "link", "fresh", "full"];
/// Marks an output folder as this bench's, so that a later run may remove it.
const MARKER: &str = ".tracebook-incremental-bench";

struct Args {
    corpus: PathBuf,
    runs: usize,
    full_runs: Option<usize>,
    out: Option<PathBuf>,
    scenarios: Vec<String>,
    item: Option<String>,
    verification: Option<String>,
    git: bool,
    keep: bool,
}

fn parse_args() -> Res<Option<Args>> {
    let mut corpus = None;
    let mut args = Args {
        corpus: PathBuf::new(),
        runs: 7,
        full_runs: None,
        out: None,
        scenarios: ALL_SCENARIOS.iter().map(|s| (*s).to_owned()).collect(),
        item: None,
        verification: None,
        git: true,
        keep: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            // `cargo bench` passes `--bench` to every bench binary.
            "--bench" => {}
            "-h" | "--help" => return Ok(None),
            "--runs" => args.runs = value("--runs")?.parse()?,
            "--full-runs" => args.full_runs = Some(value("--full-runs")?.parse()?),
            "--out" => args.out = Some(PathBuf::from(value("--out")?)),
            "--scenarios" => {
                let list = value("--scenarios")?;
                args.scenarios = list.split(',').map(|s| s.trim().to_owned()).collect();
                if let Some(bad) = args
                    .scenarios
                    .iter()
                    .find(|s| !ALL_SCENARIOS.contains(&s.as_str()))
                {
                    return Err(
                        format!("unknown scenario {bad:?}; known: {ALL_SCENARIOS:?}").into(),
                    );
                }
            }
            "--item" => args.item = Some(value("--item")?),
            "--verification" => args.verification = Some(value("--verification")?),
            "--no-git" => args.git = false,
            "--keep" => args.keep = true,
            flag if flag.starts_with('-') => return Err(format!("unknown flag {flag}").into()),
            path if corpus.is_none() => corpus = Some(PathBuf::from(path)),
            extra => return Err(format!("unexpected argument {extra}").into()),
        }
    }
    if args.runs == 0 || args.full_runs == Some(0) {
        return Err("--runs and --full-runs must be at least 1".into());
    }
    match corpus {
        Some(corpus) => {
            args.corpus = corpus;
            Ok(Some(args))
        }
        None => Ok(None),
    }
}

fn main() -> Res<()> {
    let Some(args) = parse_args()? else {
        eprintln!("{USAGE}");
        eprintln!("(no corpus folder given: nothing to measure)");
        return Ok(());
    };
    let root = std::fs::canonicalize(&args.corpus)
        .map_err(|e| format!("corpus {}: {e}", args.corpus.display()))?;
    let base = match &args.out {
        Some(dir) => dir.clone(),
        None => {
            let name = root
                .file_name()
                .map_or_else(|| "corpus".to_owned(), |n| n.to_string_lossy().into_owned());
            root.with_file_name(format!("{name}.bench"))
        }
    };
    prepare_out(&base)?;
    let result = run(&args, &root, &base);
    if !args.keep {
        let _ = std::fs::remove_dir_all(&base);
    }
    result
}

/// Removes `base` when an earlier run made it (it has the marker), then creates it.
fn prepare_out(base: &Path) -> Res<()> {
    if base.exists() {
        let ours = base.join(MARKER).exists()
            || std::fs::read_dir(base).is_ok_and(|mut entries| entries.next().is_none());
        if !ours {
            return Err(format!(
                "{} exists and was not made by this bench: remove it or pick another --out",
                base.display()
            )
            .into());
        }
        std::fs::remove_dir_all(base)?;
    }
    std::fs::create_dir_all(base)?;
    std::fs::write(base.join(MARKER), "")?;
    Ok(())
}

fn run(args: &Args, root: &Path, base: &Path) -> Res<()> {
    let site = base.join("site");
    let options = SiteOptions {
        git: args.git,
        ..SiteOptions::default()
    };
    let mut builder = SiteBuilder::new(root, &site, Theme::embedded()?, options);

    let started = Instant::now();
    let first = builder.build(&Changes::Unknown, &|| ())?;
    let first_ms = ms(started.elapsed());
    let project = builder
        .project()
        .ok_or("no project after the first build")?;
    let items = project.items.len();
    let context = json!({
        "items": items,
        "corpus": root.display().to_string(),
        "out": base.display().to_string(),
        "git": args.git,
    });
    progress(&format!(
        "first build: {items} items, {first_ms:.0} ms, {} files rendered",
        first.files.rendered
    ));
    emit(
        &context,
        "first",
        json!({ "ms": first_ms, "files": counts(&first.files) }),
    );

    let started = Instant::now();
    let warm = builder.build(&Changes::Paths(Vec::new()), &|| ())?;
    let warm_ms = ms(started.elapsed());
    progress(&format!(
        "warm-up build (no change): {warm_ms:.0} ms, {:?}",
        warm.files
    ));
    emit(
        &context,
        "warmup",
        json!({ "ms": warm_ms, "files": counts(&warm.files) }),
    );

    let project = builder.project().ok_or("no project after the build")?;
    let picks = Picks::choose(project, root, args)?;
    progress(&format!(
        "requirement {} ({} links out, {} in), verification {} (+ {:?})",
        picks.item, picks.item_out, picks.item_in, picks.verification, picks.new_targets
    ));
    let mut files = EditedFiles::default();
    let nonce = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
        % 100_000;
    let wants = |s: &str| args.scenarios.iter().any(|x| x == s);

    if wants("body") {
        let path = files.remember(&picks.item_path)?;
        let mut samples = Vec::new();
        for run in 1..=args.runs {
            let sentence = format!("Incremental bench sentence {nonce} body {run}.");
            files.write(&path, &format!("{}\n{sentence}\n", files.original(&path)))?;
            let sample = timed_build(&mut builder, &path)?;
            expect_in(&item_page(&site, &picks.item), &sentence)?;
            samples.push(sample);
            progress_run("body", run, args.runs, samples.last());
        }
        files.restore(&mut builder)?;
        emit(
            &context,
            "body",
            summary(&samples, json!({ "item": picks.item })),
        );
    }

    if wants("title") {
        let path = files.remember(&picks.item_path)?;
        let mut samples = Vec::new();
        for run in 1..=args.runs {
            let suffix = format!("rev {nonce} {run}");
            let text = with_title_suffix(files.original(&path), &suffix)?;
            files.write(&path, &text)?;
            let sample = timed_build(&mut builder, &path)?;
            expect_in(&item_page(&site, &picks.neighbour), &suffix)?;
            samples.push(sample);
            progress_run("title", run, args.runs, samples.last());
        }
        files.restore(&mut builder)?;
        let extra = json!({
            "item": picks.item,
            "links_out": picks.item_out,
            "links_in": picks.item_in,
            "checked_neighbour": picks.neighbour,
        });
        emit(&context, "title", summary(&samples, extra));
    }

    if wants("link") {
        let path = files.remember(&picks.verification_path)?;
        let mut samples = Vec::new();
        for run in 1..=args.runs {
            let added = &picks.new_targets[..run];
            let text = with_more_verifies(files.original(&path), added)?;
            files.write(&path, &text)?;
            let sample = timed_build(&mut builder, &path)?;
            expect_in(&item_page(&site, &picks.verification), &added[run - 1])?;
            samples.push(sample);
            progress_run("link", run, args.runs, samples.last());
        }
        files.restore(&mut builder)?;
        let extra = json!({ "verification": picks.verification, "added": picks.new_targets });
        emit(&context, "link", summary(&samples, extra));
    }

    if wants("fresh") {
        // From here on the long-lived builder's idea of the output folder is stale.
        drop(builder);
        let path = files.remember(&picks.item_path)?;
        let mut samples = Vec::new();
        for run in 1..=args.runs {
            let sentence = format!("Incremental bench sentence {nonce} fresh {run}.");
            files.write(&path, &format!("{}\n{sentence}\n", files.original(&path)))?;
            let started = Instant::now();
            let mut fresh = SiteBuilder::new(root, &site, Theme::embedded()?, options);
            let mut sample = timed_build(&mut fresh, &path)?;
            sample.ms = ms(started.elapsed());
            // Untimed: a process would exit without freeing the project.
            drop(fresh);
            expect_in(&item_page(&site, &picks.item), &sentence)?;
            samples.push(sample);
            progress_run("fresh", run, args.runs, samples.last());
        }
        let mut fresh = SiteBuilder::new(root, &site, Theme::embedded()?, options);
        files.restore(&mut fresh)?;
        emit(
            &context,
            "fresh",
            summary(&samples, json!({ "item": picks.item })),
        );
    }

    if wants("full") {
        let runs = args.full_runs.unwrap_or(args.runs);
        let mut samples = Vec::new();
        for run in 1..=runs {
            let dir = base.join(format!("full-{run}"));
            std::fs::create_dir_all(&dir)?;
            let out = dir.join("site");
            let full = SiteOptions {
                full: true,
                ..options
            };
            let started = Instant::now();
            let mut fresh = SiteBuilder::new(root, &out, Theme::embedded()?, full);
            let mut sample = timed_build(&mut fresh, &root.join("content"))?;
            sample.ms = ms(started.elapsed());
            drop(fresh);
            std::fs::remove_dir_all(&dir)?;
            samples.push(sample);
            progress_run("full", run, runs, samples.last());
        }
        emit(&context, "full", summary(&samples, json!({})));
    }
    Ok(())
}

/// One timed build.
struct Sample {
    ms: f64,
    load_ms: f64,
    publish_ms: f64,
    files: FileCounts,
    files_read: usize,
}

/// `builder.build(&Changes::Paths(vec![path]))`, as its two halves, timed.
/// Untimed pause before each timed build. A builder frees the previous build's model on a
/// thread of its own after publishing (200 ms at 100k items); people save seconds apart, so a
/// build does not start while that runs, and back-to-back builds would time the two together.
const SETTLE: std::time::Duration = std::time::Duration::from_millis(500);

fn timed_build(builder: &mut SiteBuilder, path: &Path) -> Res<Sample> {
    let changes = Changes::Paths(vec![path.to_path_buf()]);
    std::thread::sleep(SETTLE);
    let started = Instant::now();
    builder.load(&changes)?;
    let loaded = started.elapsed();
    let build: SiteBuild = builder.publish(&|| ())?;
    let total = started.elapsed();
    Ok(Sample {
        ms: ms(total),
        load_ms: ms(loaded),
        publish_ms: ms(total - loaded),
        files: build.files,
        files_read: build.files_read,
    })
}

fn summary(samples: &[Sample], extra: Value) -> Value {
    let times: Vec<f64> = samples.iter().map(|s| s.ms).collect();
    let rendered: Vec<f64> = samples.iter().map(|s| s.files.rendered as f64).collect();
    let mut value = json!({
        "runs": samples.len(),
        "median_ms": median(&times),
        "min_ms": times.iter().copied().fold(f64::INFINITY, f64::min),
        "max_ms": times.iter().copied().fold(0.0, f64::max),
        "load_median_ms": median(&samples.iter().map(|s| s.load_ms).collect::<Vec<_>>()),
        "publish_median_ms": median(&samples.iter().map(|s| s.publish_ms).collect::<Vec<_>>()),
        "files_rendered": median(&rendered),
        "files_read": samples.last().map_or(0, |s| s.files_read),
        "files_last": samples.last().map(|s| counts(&s.files)),
        "samples_ms": times,
        "samples_rendered": samples.iter().map(|s| s.files.rendered).collect::<Vec<_>>(),
    });
    if let (Some(obj), Value::Object(more)) = (value.as_object_mut(), extra) {
        obj.extend(more);
    }
    value
}

fn counts(files: &FileCounts) -> Value {
    json!({
        "rendered": files.rendered,
        "linked": files.linked,
        "kept": files.kept,
        "removed": files.removed,
    })
}

fn emit(context: &Value, scenario: &str, mut value: Value) {
    if let (Some(obj), Value::Object(ctx)) = (value.as_object_mut(), context.clone()) {
        obj.insert("scenario".to_owned(), Value::from(scenario));
        obj.extend(ctx);
    }
    println!("{value}");
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// Milliseconds, to the microsecond.
fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1000.0
}

fn progress(msg: &str) {
    eprintln!("[incremental] {msg}");
}

fn progress_run(scenario: &str, run: usize, runs: usize, sample: Option<&Sample>) {
    if let Some(s) = sample {
        progress(&format!(
            "{scenario} {run}/{runs}: {:.1} ms (load {:.1}, publish {:.1}), {} rendered, {} read",
            s.ms, s.load_ms, s.publish_ms, s.files.rendered, s.files_read
        ));
    }
}

/// The items the scenarios edit, chosen from the project's link graph.
struct Picks {
    item: String,
    item_path: PathBuf,
    item_in: usize,
    item_out: usize,
    /// An item linking to `item`: its page shows `item`'s title.
    neighbour: String,
    verification: String,
    verification_path: PathBuf,
    /// Requirements that `verification` does not verify yet, one per run.
    new_targets: Vec<String>,
}

impl Picks {
    fn choose(project: &Project, root: &Path, args: &Args) -> Res<Picks> {
        let items = &project.items;
        let graph = &project.graph;
        let kind_of = |i: usize| items[i].kind.as_str();
        let incoming = |i: usize| graph.incoming(i).count();
        let outgoing = |i: usize| graph.outgoing(i).count();
        let verified = |i: usize| {
            graph
                .incoming(i)
                .any(|e| graph.kind(items, e) == "verifies")
        };
        let path_of = |i: usize| {
            let file = Path::new(&*items[i].source.file);
            if file.is_absolute() {
                file.to_path_buf()
            } else {
                root.join(file)
            }
        };

        // The requirement: links out and in (verified, derived from), the median degree of those.
        let item = match &args.item {
            Some(id) => project
                .index_of(id)
                .ok_or_else(|| format!("--item {id}: no such item"))?,
            None => {
                let mut candidates: Vec<usize> = (0..items.len())
                    .filter(|&i| kind_of(i) == "requirement" && outgoing(i) > 0 && verified(i))
                    .filter(|&i| {
                        graph
                            .incoming(i)
                            .any(|e| graph.kind(items, e) != "verifies")
                    })
                    .collect();
                candidates.sort_by_key(|&i| (incoming(i) + outgoing(i), items[i].id.clone()));
                *candidates
                    .get(candidates.len() / 2)
                    .ok_or("no requirement with links in and out")?
            }
        };
        let neighbour = graph
            .incoming(item)
            .map(|e| e.source)
            .next()
            .ok_or_else(|| format!("{} has no incoming links", items[item].id))?;

        // The verification: one with a `verifies` list in its front matter, from the middle.
        let verifications: Vec<usize> = (0..items.len())
            .filter(|&i| kind_of(i) == "verification" && outgoing(i) > 0)
            .collect();
        let verification = match &args.verification {
            Some(id) => project
                .index_of(id)
                .ok_or_else(|| format!("--verification {id}: no such item"))?,
            None => *verifications
                .get(verifications.len() / 2)
                .ok_or("no verification with links")?,
        };
        let linked: HashSet<usize> = graph
            .outgoing(verification)
            .filter_map(|e| e.target)
            .collect();
        // Requirements verified elsewhere (adding a link changes no coverage figure), spread
        // over the corpus.
        let targets: Vec<usize> = (0..items.len())
            .filter(|&i| kind_of(i) == "requirement" && verified(i))
            .filter(|&i| i != item && !linked.contains(&i))
            .collect();
        if targets.len() < args.runs {
            return Err("not enough verified requirements for the link scenario".into());
        }
        let new_targets = (0..args.runs)
            .map(|k| {
                items[targets[(k * 2 + 1) * targets.len() / (args.runs * 2)]]
                    .id
                    .clone()
            })
            .collect();
        Ok(Picks {
            item: items[item].id.clone(),
            item_path: path_of(item),
            item_in: incoming(item),
            item_out: outgoing(item),
            neighbour: items[neighbour].id.clone(),
            verification: items[verification].id.clone(),
            verification_path: path_of(verification),
            new_targets,
        })
    }
}

/// `text` with ` SUFFIX` at the end of the front matter's `title:` value.
fn with_title_suffix(text: &str, suffix: &str) -> Res<String> {
    edit_front_matter_line(text, "title:", |line| match line.strip_suffix('"') {
        Some(quoted) => format!("{quoted} {suffix}\""),
        None => format!("{line} {suffix}"),
    })
}

/// `text` with `targets` added to the front matter's `verifies: [..]` list.
fn with_more_verifies(text: &str, targets: &[String]) -> Res<String> {
    edit_front_matter_line(text, "  verifies:", |line| match line.strip_suffix(']') {
        Some(list) => format!("{list}, {}]", targets.join(", ")),
        None => line.to_owned(),
    })
    .and_then(|edited| {
        if edited == text {
            Err("the verifies list is not written as `verifies: [..]`".into())
        } else {
            Ok(edited)
        }
    })
}

/// `text` with the first front-matter line starting with `prefix` replaced by `edit(line)`.
fn edit_front_matter_line(text: &str, prefix: &str, edit: impl Fn(&str) -> String) -> Res<String> {
    let mut out = String::with_capacity(text.len() + 64);
    let mut fences = 0;
    let mut done = false;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\n', '\r']);
        if bare == "---" {
            fences += 1;
        }
        if !done && fences == 1 && bare.starts_with(prefix) {
            out.push_str(&edit(bare));
            out.push_str(&line[bare.len()..]);
            done = true;
        } else {
            out.push_str(line);
        }
    }
    if done {
        Ok(out)
    } else {
        Err(format!("no `{prefix}` line in the front matter").into())
    }
}

fn item_page(site: &Path, id: &str) -> PathBuf {
    site.join("items").join(id).join("index.html")
}

/// Fails unless the file at `page` contains `needle` (the build really showed the edit).
fn expect_in(page: &Path, needle: &str) -> Res<()> {
    let html = std::fs::read_to_string(page).map_err(|e| format!("{}: {e}", page.display()))?;
    if html.contains(needle) {
        Ok(())
    } else {
        Err(format!(
            "{} does not show {needle:?} after the build",
            page.display()
        )
        .into())
    }
}

/// Files the bench edits, with their original text, which they get back at the end of each
/// scenario and when the bench fails.
#[derive(Default)]
struct EditedFiles {
    originals: Vec<(PathBuf, String)>,
}

impl EditedFiles {
    fn remember(&mut self, path: &Path) -> Res<PathBuf> {
        if !self.originals.iter().any(|(p, _)| p == path) {
            let text = std::fs::read_to_string(path)?;
            self.originals.push((path.to_path_buf(), text));
        }
        Ok(path.to_path_buf())
    }

    fn original(&self, path: &Path) -> &str {
        self.originals
            .iter()
            .find(|(p, _)| p == path)
            .map_or("", |(_, text)| text.as_str())
    }

    fn write(&self, path: &Path, text: &str) -> Res<()> {
        std::fs::write(path, text).map_err(|e| format!("writing {}: {e}", path.display()).into())
    }

    /// Puts the original texts back and builds them (untimed).
    fn restore(&mut self, builder: &mut SiteBuilder) -> Res<()> {
        let paths: Vec<PathBuf> = self.originals.iter().map(|(p, _)| p.clone()).collect();
        self.put_back()?;
        builder.build(&Changes::Paths(paths), &|| ())?;
        Ok(())
    }

    fn put_back(&mut self) -> Res<()> {
        for (path, text) in self.originals.drain(..) {
            std::fs::write(&path, text)?;
        }
        Ok(())
    }
}

impl Drop for EditedFiles {
    fn drop(&mut self) {
        let _ = self.put_back();
    }
}
