//! `tracebook results import FILE… --run NAME`: copies JUnit files into `results/NAME/` with a
//! `run.yaml` saying when, from where and at which commit, so that verification items can
//! point at stable paths and the evidence is committed with the specification.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use tracebook_generator::git::Repo;
use tracebook_model::evidence::{Outcome, RUN_FILE, ResultFile, parse_junit};
use tracebook_model::{CONFIG_FILE, is_valid_id};

use crate::cli::ImportArgs;

pub(crate) fn import(args: &ImportArgs) -> Result<ExitCode> {
    let root = &args.root;
    if !root.join(CONFIG_FILE).is_file() {
        bail!(
            "{} is not a tracebook project: it has no {CONFIG_FILE} (pass --root)",
            root.display()
        );
    }
    if !is_valid_id(&args.run) {
        bail!(
            "--run {:?} is not a usable folder name: start with a letter; letters, digits, `_`, `.` and `-` only",
            args.run
        );
    }
    let folder = format!("results/{}", args.run);
    let names = file_names(&args.files);
    // Every file is read and checked before anything is written: a bad file leaves the
    // previous run whole.
    let mut parsed = Vec::new();
    for (source, name) in args.files.iter().zip(&names) {
        let bytes =
            std::fs::read(source).with_context(|| format!("reading {}", source.display()))?;
        let path: Arc<str> = Arc::from(format!("{folder}/{name}"));
        match parse_junit(&path, &bytes) {
            Ok(file) => parsed.push((bytes, file)),
            Err(d) => {
                let at = format!("{}:{}:{}", source.display(), d.span.line, d.span.column);
                eprintln!("{at}: error[{}]: {}", d.code, d.message);
                if let Some(hint) = &d.hint {
                    eprintln!("  = help: {hint}");
                }
                eprintln!("nothing imported: {} is not JUnit XML", source.display());
                return Ok(ExitCode::from(crate::commands::FAILED));
            }
        }
    }
    let target = root.join(&folder);
    let staging = root.join(format!("results/.{}.importing", args.run));
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging).with_context(|| format!("creating {}", staging.display()))?;
    for ((bytes, _), name) in parsed.iter().zip(&names) {
        let to = staging.join(name);
        std::fs::write(&to, bytes).with_context(|| format!("writing {}", to.display()))?;
    }
    let files: Vec<&ResultFile> = parsed.iter().map(|(_, f)| f).collect();
    let sources: Vec<String> = args.files.iter().map(|p| p.display().to_string()).collect();
    let metadata = run_yaml(&args.run, &sources, commit_of(root), &names, &files);
    std::fs::write(staging.join(RUN_FILE), &metadata)
        .with_context(|| format!("writing {}", staging.join(RUN_FILE).display()))?;
    // Swap the run's folder: the old files go only once the new ones are all written.
    if target.exists() {
        std::fs::remove_dir_all(&target)
            .with_context(|| format!("replacing {}", target.display()))?;
    }
    std::fs::rename(&staging, &target)
        .with_context(|| format!("moving the import into {}", target.display()))?;
    let (tests, passed, failed, skipped) = counts(&files);
    eprintln!(
        "imported {} file(s) into {folder}/: {tests} tests, {passed} passed, {failed} failed, {skipped} skipped",
        names.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// Each file's name in the run folder: its own name, numbered when two share one (runners
/// often all write `junit.xml`).
fn file_names(files: &[PathBuf]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for file in files {
        let base = file.file_name().map_or_else(
            || "results.xml".to_owned(),
            |n| n.to_string_lossy().into_owned(),
        );
        let base = if base.ends_with(".xml") {
            base
        } else {
            format!("{base}.xml")
        };
        let mut name = base.clone();
        let mut n = 2;
        while names.contains(&name) || name == RUN_FILE {
            name = format!("{}-{n}.xml", base.trim_end_matches(".xml"));
            n += 1;
        }
        names.push(name);
    }
    names
}

fn counts(files: &[&ResultFile]) -> (usize, usize, usize, usize) {
    let cases = files.iter().flat_map(|f| &f.cases);
    let (mut tests, mut passed, mut failed, mut skipped) = (0, 0, 0, 0);
    for case in cases {
        tests += 1;
        match case.outcome {
            Outcome::Passed => passed += 1,
            Outcome::Failed { .. } => failed += 1,
            Outcome::Skipped { .. } => skipped += 1,
        }
    }
    (tests, passed, failed, skipped)
}

/// The project's HEAD commit, with `+dirty` when the project's files differ from it; `None`
/// outside git.
pub(crate) fn commit_of(root: &Path) -> Option<String> {
    let head = Repo::discover(root).ok()??.head().ok()??;
    let dirty = if head.is_dirty { "+dirty" } else { "" };
    Some(format!("{}{dirty}", head.commit.id))
}

fn run_yaml(
    run: &str,
    sources: &[String],
    commit: Option<String>,
    names: &[String],
    files: &[&ResultFile],
) -> String {
    let (tests, passed, failed, skipped) = counts(files);
    let quote = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let commit = commit.map_or_else(|| "null".to_owned(), |c| quote(&c));
    let files: Vec<String> = names.iter().map(|n| quote(n)).collect();
    format!(
        "# Written by `tracebook results import`; verification items point at the files beside it.\n\
         run: {}\nimported: {}\nsource: {}\ncommit: {commit}\nfiles: [{}]\n\
         tests: {tests}\npassed: {passed}\nfailed: {failed}\nskipped: {skipped}\n",
        quote(run),
        now_utc(),
        quote(&sources.join(", ")),
        files.join(", "),
    )
}

/// Now as RFC 3339 in UTC, to the second.
fn now_utc() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
    let date = tracebook_generator::git::utc_date(seconds);
    let day = seconds.rem_euclid(86_400);
    format!(
        "{date}T{:02}:{:02}:{:02}Z",
        day / 3600,
        day % 3600 / 60,
        day % 60
    )
}
