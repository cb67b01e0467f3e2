//! The `tracebook` command line: parse arguments, run one command, map the outcome to an exit
//! code (0 ok, 1 content errors or a failed build, 2 usage or I/O).

mod cli;
mod commands;
mod diff_cmd;
mod gate_cmd;
mod init;
mod mirror_cmd;
mod preview_cmd;
mod report;
mod results_cmd;
mod review_cmd;
mod search_cmd;
mod serve_cmd;
mod user_cmd;
mod worker_cmd;

use std::process::ExitCode;

use clap::Parser;

/// Log filter directive added to every `TRACEBOOK_LOG`: notices only when they are warnings.
const QUIET_SQLX_NOTICES: &str = "sqlx::postgres::notice=warn";

fn main() -> ExitCode {
    let args = cli::Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("TRACEBOOK_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,html5ever=off"))
                // PostgreSQL's notices ("relation _sqlx_migrations already exists, skipping"
                // on every migration check, so on every worker health check) are not news.
                .add_directive(QUIET_SQLX_NOTICES.parse().expect("a valid directive")),
        )
        .with_writer(std::io::stderr)
        .init();
    match commands::run(args) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            commands::exit_code_for(&err)
        }
    }
}
