//! `tracebook results import FILE… --run NAME`: checks the arguments, lets the generator's
//! `import_results` copy the files into `results/NAME/` with their `run.yaml`, and prints the
//! counts (or why a file is not JUnit XML).

use std::process::ExitCode;

use anyhow::{Result, bail};
use tracebook_generator::{Imported, import_results};
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
    match import_results(root, &args.run, &args.files)? {
        Imported::NotJunit { file, diagnostic } => {
            let d = diagnostic;
            let at = format!("{}:{}:{}", file.display(), d.span.line, d.span.column);
            eprintln!("{at}: error[{}]: {}", d.code, d.message);
            if let Some(hint) = &d.hint {
                eprintln!("  = help: {hint}");
            }
            eprintln!("nothing imported: {} is not JUnit XML", file.display());
            Ok(ExitCode::from(crate::commands::FAILED))
        }
        Imported::Run { folder, run } => {
            eprintln!(
                "imported {} file(s) into {folder}/: {} tests, {} passed, {} failed, {} skipped",
                run.files.len(),
                run.tests,
                run.passed,
                run.failed,
                run.skipped
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
