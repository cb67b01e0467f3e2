//! `tracebook results import FILE… --run NAME`: copies JUnit files into `results/NAME/` with a
//! `run.yaml` saying when, from where and at which commit, so that verification items can
//! point at stable paths and the evidence is committed with the specification.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tracebook_model::Diagnostic;
use tracebook_model::evidence::{RUN_FILE, Run, parse_junit};

use crate::error::{Error, Result};

/// What an import did.
#[derive(Debug, Clone)]
pub enum Imported {
    /// The files are in `results/NAME/` beside its `run.yaml`.
    Run {
        /// `results/NAME`, relative to the project root.
        folder: String,
        /// What `run.yaml` says: the files' names in the folder and their counts.
        run: Run,
    },
    /// `file` is not JUnit XML; nothing was imported.
    NotJunit {
        /// The file as given.
        file: PathBuf,
        /// Where and why it does not parse (its span names the file as it would have been
        /// imported).
        diagnostic: Diagnostic,
    },
}

/// Imports `files` as the run `run` of the project at `root`: every file is read and parsed
/// before anything is written, so a bad file leaves the previous run whole; the run's folder
/// is written beside the old one and replaces it at the end.
///
/// # Errors
/// A file cannot be read, or the run's folder cannot be written or replaced.
pub fn import_results(root: &Path, run: &str, files: &[PathBuf]) -> Result<Imported> {
    let folder = format!("results/{run}");
    let names = file_names(files);
    let mut parsed = Vec::new();
    for (source, name) in files.iter().zip(&names) {
        let bytes = std::fs::read(source).map_err(Error::io("reading", source))?;
        let path: Arc<str> = Arc::from(format!("{folder}/{name}"));
        match parse_junit(&path, &bytes) {
            Ok(file) => parsed.push((bytes, file)),
            Err(diagnostic) => {
                return Ok(Imported::NotJunit {
                    file: source.clone(),
                    diagnostic,
                });
            }
        }
    }
    let mut metadata = Run {
        run: run.to_owned(),
        imported: Some(now_utc()),
        source: Some(
            files
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        commit: crate::git::head_label(root),
        files: names,
        ..Run::default()
    };
    for (_, file) in &parsed {
        metadata.count(file);
    }
    let bytes: Vec<&[u8]> = parsed.iter().map(|(b, _)| b.as_slice()).collect();
    write_run(root, run, &metadata, &bytes)?;
    Ok(Imported::Run {
        folder,
        run: metadata,
    })
}

/// Writes the run's files and `run.yaml` into a staging folder, then swaps it in: the old
/// files go only once the new ones are all written.
fn write_run(root: &Path, run: &str, metadata: &Run, files: &[&[u8]]) -> Result<()> {
    let target = root.join(format!("results/{run}"));
    let staging = root.join(format!("results/.{run}.importing"));
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging).map_err(Error::io("creating", &staging))?;
    for (bytes, name) in files.iter().zip(&metadata.files) {
        let to = staging.join(name);
        std::fs::write(&to, bytes).map_err(Error::io("writing", &to))?;
    }
    let run_file = staging.join(RUN_FILE);
    std::fs::write(&run_file, metadata.to_yaml()).map_err(Error::io("writing", &run_file))?;
    if target.exists() {
        std::fs::remove_dir_all(&target).map_err(Error::io("replacing", &target))?;
    }
    std::fs::rename(&staging, &target).map_err(Error::io("moving the import into", &target))
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

/// Now as RFC 3339 in UTC, to the second.
fn now_utc() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
    let date = crate::git::utc_date(seconds);
    let day = seconds.rem_euclid(86_400);
    format!(
        "{date}T{:02}:{:02}:{:02}Z",
        day / 3600,
        day % 3600 / 60,
        day % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_of_the_same_name_are_numbered_and_never_named_like_run_yaml() {
        let files = ["a/junit.xml", "b/junit.xml", "c/run.yaml", "d/report"];
        let files: Vec<PathBuf> = files.iter().map(PathBuf::from).collect();
        assert_eq!(
            file_names(&files),
            ["junit.xml", "junit-2.xml", "run.yaml.xml", "report.xml"]
        );
    }
}
