//! `tracebook review ID…`: stamp link targets' fingerprints so the links are no longer suspect
//! (the generator's `review_links` does the work); prints what happened.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use tracebook_generator::{ReviewEvent, review_links};
use tracebook_model::StampOutcome;

use crate::cli::ReviewArgs;

pub(crate) fn review(args: &ReviewArgs) -> Result<ExitCode> {
    let project = crate::commands::load(&args.root)?;
    let link_kind = args.link_kind.as_deref();
    let mut stdout = std::io::stdout().lock();
    let mut stderr = std::io::stderr().lock();
    // The first failure to print; the review goes on, as its files are written one by one.
    let mut printed = Ok(());
    let mut on_event = |event: ReviewEvent<'_>| {
        let line = match event {
            ReviewEvent::Skipped {
                id,
                link_kind,
                target,
            } => writeln!(
                stderr,
                "warning: {id} {link_kind} {target}: skipped, no item {target} in the project"
            ),
            ReviewEvent::NothingToReview { id } => {
                let what = link_kind.map_or_else(String::new, |k| format!("{k} "));
                writeln!(stdout, "{id}: no resolved {what}links to review")
            }
            ReviewEvent::Reviewed { id, stamp, outcome } => {
                let what = match outcome {
                    StampOutcome::Stamped => format!("reviewed {}", stamp.fingerprint),
                    StampOutcome::AlreadyReviewed => "already reviewed".to_owned(),
                };
                writeln!(stdout, "{id} {} {}: {what}", stamp.link_kind, stamp.target)
            }
        };
        if printed.is_ok() {
            printed = line;
        }
    };
    review_links(&args.root, &project, &args.ids, link_kind, &mut on_event)?;
    printed?;
    Ok(ExitCode::SUCCESS)
}
