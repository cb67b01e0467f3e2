//! Test results of the random project: JUnit files and `run.yaml` metadata under `results/`,
//! the `results:` entries of verification items that name their cases, and the edits that
//! change them (a new results file or run, a case that flips, an entry added or removed, a run
//! imported again, a results file deleted).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::project::{Kind, Project, Rng};

/// How a test case ended.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Outcome {
    Passed,
    Failed(String),
    Skipped(String),
}

#[derive(Clone, Debug)]
pub(crate) struct Case {
    pub(crate) classname: String,
    pub(crate) name: String,
    pub(crate) outcome: Outcome,
    pub(crate) millis: usize,
}

impl Case {
    fn full_name(&self) -> String {
        format!("{}::{}", self.classname, self.name)
    }
}

/// A run's `run.yaml`, as `tracebook results import` writes it: the counts are those of the
/// last import, so a case edited by hand since leaves them stale (as it would be).
#[derive(Clone, Debug)]
pub(crate) struct Run {
    pub(crate) run: String,
    pub(crate) imported: String,
    pub(crate) commit: Option<String>,
    pub(crate) files: Vec<String>,
    pub(crate) counts: [usize; 4],
}

/// One `results:` entry of an item.
#[derive(Clone, Debug)]
pub(crate) struct ResultEntry {
    pub(crate) junit: Option<String>,
    pub(crate) case: String,
}

/// Every file under `results/`.
#[derive(Default)]
pub(crate) struct Results {
    /// JUnit files by path (`results/ci/junit.xml`).
    pub(crate) files: BTreeMap<String, Vec<Case>>,
    /// Run metadata by path (`results/ci/run.yaml`).
    pub(crate) runs: BTreeMap<String, Run>,
    /// Cases, files and runs made so far (names stay unique).
    made: usize,
}

impl Results {
    /// The text of `rel` (`None`: no such results file).
    pub(crate) fn text_of(&self, rel: &str) -> Option<String> {
        if let Some(cases) = self.files.get(rel) {
            return Some(junit(cases));
        }
        self.runs.get(rel).map(run_yaml)
    }

    pub(crate) fn paths(&self) -> impl Iterator<Item = &String> {
        self.files.keys().chain(self.runs.keys())
    }

    /// `run.yaml` of `folder` written as an import would: its JUnit files and their counts.
    fn import(&mut self, folder: &str, rng: &mut Rng) -> String {
        let prefix = format!("{folder}/");
        let mut files = Vec::new();
        let mut counts = [0; 4];
        for (path, cases) in self.files.range(prefix.clone()..) {
            let Some(name) = path.strip_prefix(&prefix) else {
                break;
            };
            files.push(name.to_owned());
            for case in cases {
                counts[0] += 1;
                counts[match case.outcome {
                    Outcome::Passed => 1,
                    Outcome::Failed(_) => 2,
                    Outcome::Skipped(_) => 3,
                }] += 1;
            }
        }
        self.made += 1;
        let run = Run {
            run: folder.rsplit('/').next().unwrap_or_default().to_owned(),
            imported: format!(
                "2026-11-{:02}T{:02}:{:02}:00Z",
                1 + rng.below(28),
                rng.below(24),
                rng.below(60)
            ),
            commit: rng
                .chance(70)
                .then(|| format!("{:040x}", rng.next() as u128 * 0x1_0000_0001)),
            files,
            counts,
        };
        let path = format!("{folder}/run.yaml");
        self.runs.insert(path.clone(), run);
        path
    }

    /// 1 to 3 new cases for the verification item `id`.
    fn new_cases(&mut self, rng: &mut Rng, id: &str) -> Vec<Case> {
        let classname = format!("tests.{}", id.to_lowercase().replace('-', "_"));
        (0..1 + rng.below(3))
            .map(|_| {
                self.made += 1;
                Case {
                    classname: classname.clone(),
                    name: format!("test_{}", self.made),
                    outcome: outcome(rng),
                    millis: rng.below(5000),
                }
            })
            .collect()
    }

    /// Every case, with the file it is in.
    fn cases(&self) -> Vec<(String, Case)> {
        self.files
            .iter()
            .flat_map(|(path, cases)| cases.iter().map(move |c| (path.clone(), c.clone())))
            .collect()
    }
}

fn outcome(rng: &mut Rng) -> Outcome {
    match rng.below(10) {
        0 => Outcome::Failed(format!(
            "AssertionError: alarm after {} ms, expected <= 30 ms & \"quiet\"",
            31 + rng.below(500)
        )),
        1 => Outcome::Skipped("needs the hardware rig".to_owned()),
        _ => Outcome::Passed,
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn junit(cases: &[Case]) -> String {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<testsuites name=\"pytest tests\">\n",
    );
    let _ = writeln!(
        s,
        "  <testsuite name=\"pytest\" tests=\"{}\" timestamp=\"2026-11-20T09:15:02\">",
        cases.len()
    );
    for case in cases {
        let _ = write!(
            s,
            "    <testcase classname=\"{}\" name=\"{}\" time=\"{}.{:03}\"",
            case.classname,
            case.name,
            case.millis / 1000,
            case.millis % 1000
        );
        match &case.outcome {
            Outcome::Passed => s.push_str("/>\n"),
            Outcome::Failed(message) => {
                let _ = writeln!(
                    s,
                    ">\n      <failure message=\"{}\">traceback</failure>\n    </testcase>",
                    escape(message)
                );
            }
            Outcome::Skipped(message) => {
                let _ = writeln!(
                    s,
                    ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                    escape(message)
                );
            }
        }
    }
    s.push_str("  </testsuite>\n</testsuites>\n");
    s
}

fn run_yaml(run: &Run) -> String {
    let commit = run.commit.as_deref().unwrap_or("null");
    let [tests, passed, failed, skipped] = run.counts;
    format!(
        "run: {}\nimported: {}\nsource: ci/report.xml\ncommit: {commit}\nfiles: [{}]\n\
         tests: {tests}\npassed: {passed}\nfailed: {failed}\nskipped: {skipped}\n",
        run.run,
        run.imported,
        run.files.join(", ")
    )
}

/// The `results:` lines of an item, each indented by `indent`.
pub(crate) fn render_entries(entries: &[ResultEntry], indent: &str) -> String {
    let mut s = String::new();
    if entries.is_empty() {
        return s;
    }
    let _ = writeln!(s, "{indent}results:");
    for entry in entries {
        match &entry.junit {
            Some(junit) => {
                let _ = writeln!(
                    s,
                    "{indent}  - {{ junit: {junit}, case: \"{}\" }}",
                    entry.case
                );
            }
            None => {
                let _ = writeln!(s, "{indent}  - {{ case: \"{}\" }}", entry.case);
            }
        }
    }
    s
}

/// An entry naming one of `cases` of `file`: by exact name or by a glob, with or without
/// the file; sometimes a case that no run has (missing evidence).
fn entry_for(rng: &mut Rng, file: &str, cases: &[Case]) -> ResultEntry {
    let case = rng.pick(cases);
    let name = match rng.below(10) {
        0 => format!("{}::test_never_run", case.classname),
        1..=3 => format!("{}::*", case.classname),
        _ => case.full_name(),
    };
    ResultEntry {
        junit: rng.chance(60).then(|| file.to_owned()),
        case: name,
    }
}

/// The results the project starts with: run `ci` (with `run.yaml`) holding cases of most
/// verification items, and their `results:` entries; sometimes a second run without metadata.
pub(crate) fn seed(project: &mut Project, rng: &mut Rng) {
    let verifications: Vec<String> = project
        .items()
        .filter(|i| i.kind == Kind::Verification)
        .map(|i| i.id.clone())
        .collect();
    let mut ci = Vec::new();
    let mut hil = Vec::new();
    for (n, id) in verifications.into_iter().enumerate() {
        if n > 1 && !rng.chance(70) {
            continue;
        }
        let mut cases = project.results.new_cases(rng, &id);
        let (file, all) = if n < 2 || rng.chance(80) {
            ("results/ci/junit.xml", &mut ci)
        } else {
            ("results/hil/junit.xml", &mut hil)
        };
        let mut entry = entry_for(rng, file, &cases);
        // Every project starts with failed and with missing evidence.
        if n == 0 {
            cases[0].outcome = Outcome::Failed("AssertionError: no alarm".to_owned());
            entry.case = cases[0].full_name();
        } else if n == 1 {
            entry.case = format!("{}::test_never_run", cases[0].classname);
        }
        all.extend(cases);
        project.item_mut(&id).results.push(entry);
    }
    project
        .results
        .files
        .insert("results/ci/junit.xml".to_owned(), ci);
    if !hil.is_empty() {
        project
            .results
            .files
            .insert("results/hil/junit.xml".to_owned(), hil);
    }
    project.results.import("results/ci", rng);
}

/// Ids of the verification items, with the files they are in.
fn verifications(project: &Project) -> Vec<(String, String)> {
    project
        .files
        .iter()
        .flat_map(|(path, items)| {
            items
                .iter()
                .filter(|i| i.kind == Kind::Verification)
                .map(|i| (path.clone(), i.id.clone()))
        })
        .collect()
}

/// A new JUnit file with cases of one or two verification items: in a run of its own (with
/// `run.yaml`, so the whole folder is new) or beside the files of an existing run.
pub(crate) fn add_file(project: &mut Project, rng: &mut Rng) -> Option<Vec<String>> {
    let items = verifications(project);
    if items.is_empty() {
        return None;
    }
    let mut cases = Vec::new();
    for _ in 0..1 + rng.below(2) {
        let (_, id) = rng.pick(&items).clone();
        cases.extend(project.results.new_cases(rng, &id));
    }
    project.results.made += 1;
    let n = project.results.made;
    if rng.chance(50) || project.results.runs.is_empty() {
        let folder = format!("results/run-{n}");
        project
            .results
            .files
            .insert(format!("{folder}/junit.xml"), cases);
        project.results.import(&folder, rng);
        return Some(vec![folder]);
    }
    let path = format!("results/ci/junit-{n}.xml");
    project.results.files.insert(path.clone(), cases);
    Some(vec![path])
}

/// A passing case fails (or, when none passes, another case changes its outcome), as when a
/// file is imported again over the old one.
pub(crate) fn flip_case(project: &mut Project, rng: &mut Rng) -> Option<Vec<String>> {
    let mut touched = Vec::new();
    if project.results.cases().is_empty() {
        touched = add_file(project, rng)?;
    }
    let cases = project.results.cases();
    let passing: Vec<&(String, Case)> = cases
        .iter()
        .filter(|(_, c)| c.outcome == Outcome::Passed)
        .collect();
    let (path, case) = if passing.is_empty() || rng.chance(20) {
        rng.pick(&cases).clone()
    } else {
        (*rng.pick(&passing)).clone()
    };
    let new = match case.outcome {
        Outcome::Passed => {
            Outcome::Failed(format!("AssertionError: <{}> != <ALARM>", rng.below(1000)))
        }
        Outcome::Failed(_) if rng.chance(50) => Outcome::Skipped("flaky, quarantined".to_owned()),
        _ => Outcome::Passed,
    };
    let file = project.results.files.get_mut(&path)?;
    let at = file.iter().position(|c| c.name == case.name)?;
    file[at].outcome = new;
    touched.push(path);
    Some(touched)
}

/// A verification item names one more case (of any results file).
pub(crate) fn add_entry(project: &mut Project, rng: &mut Rng) -> Option<Vec<String>> {
    let mut touched = Vec::new();
    if project.results.cases().is_empty() {
        touched = add_file(project, rng)?;
    }
    let items = verifications(project);
    let files: Vec<(String, Vec<Case>)> = project
        .results
        .files
        .iter()
        .filter(|(_, cases)| !cases.is_empty())
        .map(|(p, c)| (p.clone(), c.clone()))
        .collect();
    if items.is_empty() || files.is_empty() {
        return None;
    }
    let (path, id) = rng.pick(&items).clone();
    let (file, cases) = rng.pick(&files);
    let entry = entry_for(rng, file, cases);
    project.item_mut(&id).results.push(entry);
    touched.push(path);
    Some(touched)
}

/// A verification item names one case fewer.
pub(crate) fn remove_entry(project: &mut Project, rng: &mut Rng) -> Option<Vec<String>> {
    let with = |project: &Project| -> Vec<(String, String)> {
        verifications(project)
            .into_iter()
            .filter(|(_, id)| !project.item(id).results.is_empty())
            .collect()
    };
    let mut touched = Vec::new();
    // No entry left: two are added, so that one stays after the removal.
    if with(project).is_empty() {
        touched.extend(add_entry(project, rng)?);
        touched.extend(add_entry(project, rng)?);
    }
    let (path, id) = rng.pick(&with(project)).clone();
    let item = project.item_mut(&id);
    let at = rng.below(item.results.len());
    item.results.remove(at);
    touched.push(path);
    Some(touched)
}

/// A run imported again: a new date and commit, counts of the files as they are now.
pub(crate) fn edit_run(project: &mut Project, rng: &mut Rng) -> Option<Vec<String>> {
    let runs: Vec<String> = project.results.runs.keys().cloned().collect();
    if runs.is_empty() {
        // No run left: a new run folder (with its run.yaml).
        return add_file(project, rng);
    }
    let path = rng.pick(&runs).clone();
    let folder = path.trim_end_matches("/run.yaml").to_owned();
    project.results.import(&folder, rng);
    Some(vec![path])
}

/// A JUnit file deleted; sometimes its whole run folder.
pub(crate) fn delete_file(project: &mut Project, rng: &mut Rng) -> Option<Vec<String>> {
    let mut touched = Vec::new();
    // No file left: two are added, so that one stays after the deletion.
    if project.results.files.is_empty() {
        touched.extend(add_file(project, rng)?);
        touched.extend(add_file(project, rng)?);
    }
    let files: Vec<String> = project.results.files.keys().cloned().collect();
    let path = rng.pick(&files).clone();
    let folder = path.rsplit_once('/').map(|(f, _)| f.to_owned())?;
    if rng.chance(30) {
        let prefix = format!("{folder}/");
        project.results.files.retain(|p, _| !p.starts_with(&prefix));
        project.results.runs.retain(|p, _| !p.starts_with(&prefix));
        touched.push(folder);
        return Some(touched);
    }
    project.results.files.remove(&path);
    touched.push(path);
    Some(touched)
}
