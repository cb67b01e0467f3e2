//! Command-line arguments (clap derive).

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Docs-as-code traceability for systems engineering: check a project, build its site.
#[derive(Parser, Debug)]
#[command(name = "tracebook", version, about)]
pub(crate) struct Args {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand, Debug)]
pub(crate) enum Command {
    /// Validate a project (schema, links, coverage rules) and print every problem.
    Check {
        /// Project root, the folder holding tracebook.yaml.
        #[arg(default_value = ".")]
        root: PathBuf,
        /// Output format of the diagnostics.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Treat warnings as errors (`--deny warnings`).
        #[arg(long, value_enum)]
        deny: Option<Deny>,
    },
    /// Render the static traceability site and publish it atomically.
    Build {
        /// Project root, the folder holding tracebook.yaml.
        #[arg(default_value = ".")]
        root: PathBuf,
        /// Output folder [default: ROOT/public].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Theme folder with templates/ and static/ [default: the built-in theme].
        #[arg(long)]
        theme: Option<PathBuf>,
        /// Refuse to publish when there are warnings (`--deny warnings`).
        #[arg(long, value_enum)]
        deny: Option<Deny>,
        /// Render every page, ignoring what the last build left beside the output folder
        /// (by default only pages whose inputs changed are rendered).
        #[arg(long)]
        full: bool,
    },
    /// Write the whole resolved model (items, links, reverse links, coverage, diagnostics).
    Export {
        /// Project root, the folder holding tracebook.yaml.
        #[arg(default_value = ".")]
        root: PathBuf,
        /// Export format.
        #[arg(long, value_enum, default_value_t = ExportFormat::Json)]
        format: ExportFormat,
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Serve the site and the API behind sign-in until SIGTERM; edits become git commits and
    /// the site is rebuilt after each. Builds the site first when it is missing or stale.
    Serve(ServeArgs),
    /// A read-only local preview with live reload, on 127.0.0.1 only: rebuilds the site on
    /// every change and reloads open pages, or shows the problems of a failed build.
    /// `tracebook serve` is the shared server with accounts and editing.
    Preview(PreviewArgs),
    /// Search the items: ranked hits with snippets, and counts per kind and status.
    ///
    /// All words must match; "a phrase"; prefix*; kind:K status:S tag:T id:ID filters; -word
    /// excludes. When nothing matches exactly, near matches (typos) are shown and marked.
    Search(SearchArgs),
    /// Compare two versions: items added, removed and modified, their impact, and coverage.
    ///
    /// A and B are baseline names (baselines/*.yaml) or git refs (tags, branches, commits);
    /// B defaults to the working tree.
    Diff(DiffArgs),
    /// Mark links as reviewed: stamp each link target's current fingerprint into the item's
    /// front matter (`{ id: X, reviewed: <fingerprint> }`), so the link is no longer suspect.
    Review(ReviewArgs),
    /// Manage the user accounts of `tracebook serve` (in ROOT/.tracebook/tracebook.db, or the
    /// PostgreSQL or SQLite database that DATABASE_URL names).
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens (for scripts and CI; each acts as its user).
    #[command(subcommand)]
    Token(TokenCommand),
    /// Consume the Redis rebuild queue: build each pushed or edited commit from a private
    /// checkout, publish the site atomically, update the search index and the SQL mirror.
    /// Run several for more throughput and for fail-over (a dead worker's jobs are taken over).
    Worker(WorkerArgs),
    /// Queue a rebuild of the branch's newest commit (or --commit) on the Redis queue; for a
    /// post-receive hook.
    Enqueue(EnqueueArgs),
    /// Create or upgrade the database tables (accounts and the SQL mirror).
    Migrate(DbArgs),
    /// The SQL mirror of items and links.
    #[command(subcommand)]
    Mirror(MirrorCommand),
    /// Release readiness: evaluate the `readiness:` rules of tracebook.yaml (or the defaults:
    /// no errors, no failed or missing evidence) and print the checklist. Exits 1 when the
    /// release is not ready, so CI can stop a release.
    Gate(GateArgs),
    /// Test results: `tracebook results import` copies JUnit files into results/.
    #[command(subcommand)]
    Results(ResultsCommand),
    /// Create a new project with a starter schema and a few items that pass `check`.
    Init {
        /// Folder to create the project in.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Which project to start from: `starter` (a need, two requirements, a test) or
        /// `lifecycle` (every systems-engineering area, with a worked infusion-pump example).
        #[arg(long, value_enum, default_value_t = Template::Starter)]
        template: Template,
    },
}

/// Project templates of `tracebook init`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Template {
    /// A minimal schema: needs, requirements, verification cases.
    Starter,
    /// The whole lifecycle: portfolio to operational readiness, with a worked example.
    Lifecycle,
}

/// Arguments of `tracebook search`.
#[derive(clap::Args, Debug)]
pub(crate) struct SearchArgs {
    /// The query, e.g. `"occlusion alarm" kind:requirement`.
    pub(crate) query: String,
    /// Project root, the folder holding tracebook.yaml.
    #[arg(default_value = ".")]
    pub(crate) root: PathBuf,
    /// Only items of this kind.
    #[arg(long)]
    pub(crate) kind: Option<String>,
    /// Only items with this status.
    #[arg(long)]
    pub(crate) status: Option<String>,
    /// Show at most this many hits.
    #[arg(long, default_value_t = 10)]
    pub(crate) limit: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SearchFormat::Human)]
    pub(crate) format: SearchFormat,
}

/// Arguments of `tracebook gate`.
#[derive(clap::Args, Debug)]
pub(crate) struct GateArgs {
    /// Project root, the folder holding tracebook.yaml.
    #[arg(default_value = ".")]
    pub(crate) root: PathBuf,
    /// Evaluate the project as a baseline froze it (baselines/NAME.yaml, read from git at its
    /// ref, with the results committed there) instead of the working tree.
    #[arg(long, value_name = "NAME")]
    pub(crate) baseline: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = GateFormat::Human)]
    pub(crate) format: GateFormat,
}

/// `tracebook gate` output formats.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum GateFormat {
    /// The checklist for a terminal or a CI log.
    Human,
    /// The checklist as one JSON document.
    Json,
    /// A Markdown checklist, for a CI job summary or a pull-request comment.
    Markdown,
}

/// `tracebook results` subcommands.
#[derive(clap::Subcommand, Debug)]
pub(crate) enum ResultsCommand {
    /// Copy JUnit XML files into results/RUN/ with the run's metadata (run.yaml: when, from
    /// where, at which commit, how many passed). Malformed files are refused and nothing is
    /// copied. The run's previous files are replaced.
    Import(ImportArgs),
}

/// Arguments of `tracebook results import`.
#[derive(clap::Args, Debug)]
pub(crate) struct ImportArgs {
    /// JUnit XML files written by the test runner.
    #[arg(required = true)]
    pub(crate) files: Vec<PathBuf>,
    /// Name of the run: the folder under results/ that verification items point at.
    #[arg(long, default_value = "latest")]
    pub(crate) run: String,
    /// Project root, the folder holding tracebook.yaml.
    #[arg(long, default_value = ".")]
    pub(crate) root: PathBuf,
}

/// Arguments of `tracebook diff`.
#[derive(clap::Args, Debug)]
pub(crate) struct DiffArgs {
    /// The old side: a baseline name or a git ref.
    pub(crate) from: String,
    /// The new side: a baseline name or a git ref [default: the working tree].
    pub(crate) to: Option<String>,
    /// Project root, the folder holding tracebook.yaml.
    #[arg(long, default_value = ".")]
    pub(crate) root: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
    pub(crate) format: DiffFormat,
}

/// `tracebook diff` output formats.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DiffFormat {
    /// The full report for a terminal.
    Human,
    /// The report as one JSON document.
    Json,
    /// A short summary for a pull-request comment.
    Markdown,
}

/// Arguments of `tracebook review`.
#[derive(clap::Args, Debug)]
pub(crate) struct ReviewArgs {
    /// Items whose outgoing links to review.
    #[arg(required = true)]
    pub(crate) ids: Vec<String>,
    /// Only links of this kind.
    #[arg(long)]
    pub(crate) link_kind: Option<String>,
    /// Project root, the folder holding tracebook.yaml.
    #[arg(long, default_value = ".")]
    pub(crate) root: PathBuf,
}

/// Where the accounts live: shared by `tracebook user` and `tracebook token`.
#[derive(clap::Args, Debug)]
pub(crate) struct DbArgs {
    /// Project root; the default database is ROOT/.tracebook/tracebook.db (SQLite).
    #[arg(long, default_value = ".")]
    pub(crate) root: PathBuf,
    /// Database instead of the default: postgres://USER@HOST/DB or sqlite://PATH.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub(crate) database_url: Option<String>,
}

/// Options of `tracebook serve`; each flag also reads an environment variable.
#[derive(clap::Args, Debug)]
pub(crate) struct ServeArgs {
    /// Project root, the folder holding tracebook.yaml.
    #[arg(default_value = ".")]
    pub(crate) root: PathBuf,
    /// Site folder to serve [default: ROOT/public].
    #[arg(long)]
    pub(crate) out: Option<PathBuf>,
    /// Address to listen on.
    #[arg(long, env = "TRACEBOOK_BIND", default_value = "127.0.0.1")]
    pub(crate) bind: String,
    /// Port to listen on (0: any free port, printed at start-up).
    #[arg(long, env = "TRACEBOOK_PORT", default_value_t = 8080)]
    pub(crate) port: u16,
    /// Accounts database: postgres://USER@HOST/DB or sqlite://PATH [default: SQLite in
    /// ROOT/.tracebook/tracebook.db].
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub(crate) database_url: Option<String>,
    #[command(flatten)]
    pub(crate) queue: QueueArgs,
    /// Shared secret of POST /api/hooks/git (X-Hub-Signature-256) [default: the hook is off].
    #[arg(long, env = "TRACEBOOK_WEBHOOK_SECRET", hide_env_values = true)]
    pub(crate) webhook_secret: Option<String>,
    /// Seconds between checks, when the embedded worker is idle, that the site shows the
    /// branch's newest commit and the mirror is synced.
    #[arg(long, env = "TRACEBOOK_IDLE_CHECK", default_value_t = 30.0)]
    pub(crate) idle_check: f64,
    /// Secret that signs session cookies (32 characters or more) [default: a random key kept
    /// in ROOT/.tracebook/secret-key].
    #[arg(long, env = "TRACEBOOK_SECRET_KEY", hide_env_values = true)]
    pub(crate) secret_key: Option<String>,
    /// The URL people use to reach the server; https turns on Secure cookies and HSTS.
    #[arg(long, env = "TRACEBOOK_PUBLIC_URL")]
    pub(crate) public_url: Option<String>,
    /// Every user must set up two-factor sign-in (TOTP) before reaching the site.
    #[arg(long, env = "TRACEBOOK_MFA_REQUIRED")]
    pub(crate) mfa_required: bool,
    /// Sign-in attempts per minute per client address and per account.
    #[arg(
        long,
        env = "TRACEBOOK_LOGIN_ATTEMPTS_PER_MINUTE",
        default_value_t = 10
    )]
    pub(crate) login_attempts_per_minute: u32,
    /// Take client addresses from X-Forwarded-For (only behind a proxy that sets it).
    #[arg(long, env = "TRACEBOOK_TRUST_PROXY")]
    pub(crate) trust_proxy: bool,
    /// Branch edits are committed on [default: the checked-out branch].
    #[arg(long, env = "TRACEBOOK_BRANCH")]
    pub(crate) branch: Option<String>,
}

/// Where the rebuild queue is: shared by `serve`, `worker` and `enqueue`.
#[derive(clap::Args, Debug)]
pub(crate) struct QueueArgs {
    /// Redis holding the rebuild queue (`redis://host:6379/0`). Required by `worker` and
    /// `enqueue`; without it `serve` runs its own worker in-process.
    #[arg(long, env = "REDIS_URL", hide_env_values = true)]
    pub(crate) redis_url: Option<String>,
    /// Key prefix of the queue in Redis (`PREFIX:jobs`, `PREFIX:dead`).
    #[arg(long, env = "TRACEBOOK_QUEUE_PREFIX", default_value = "tracebook")]
    pub(crate) queue_prefix: String,
}

/// Options of `tracebook worker`.
#[derive(clap::Args, Debug)]
pub(crate) struct WorkerArgs {
    /// Project root in the repository the server commits to.
    #[arg(default_value = ".")]
    pub(crate) root: PathBuf,
    /// Site folder to publish [default: ROOT/public].
    #[arg(long)]
    pub(crate) out: Option<PathBuf>,
    /// This worker's name (unique) [default: HOST-N, the first free N].
    #[arg(long, env = "TRACEBOOK_WORKER_NAME")]
    pub(crate) name: Option<String>,
    /// Branch whose site is published [default: the branch checked out in ROOT].
    #[arg(long, env = "TRACEBOOK_BRANCH")]
    pub(crate) branch: Option<String>,
    #[command(flatten)]
    pub(crate) queue: QueueArgs,
    /// Database of the SQL mirror: postgres://USER@HOST/DB or sqlite://PATH [default: SQLite in
    /// ROOT/.tracebook/tracebook.db].
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub(crate) database_url: Option<String>,
    /// Seconds a job may stay unacknowledged with another worker before it is taken over
    /// (looked for every sixth of that): longer than the slowest build, or a build still
    /// running is started a second time elsewhere.
    #[arg(long, env = "TRACEBOOK_RECLAIM_IDLE", default_value_t = 30.0)]
    pub(crate) reclaim_idle: f64,
    /// Seconds between checks, when idle, that the site shows the branch's newest commit.
    #[arg(long, env = "TRACEBOOK_IDLE_CHECK", default_value_t = 30.0)]
    pub(crate) idle_check: f64,
    /// Check that Redis and the database answer, then exit (a health check).
    #[arg(long)]
    pub(crate) check: bool,
}

/// Options of `tracebook enqueue`.
#[derive(clap::Args, Debug)]
pub(crate) struct EnqueueArgs {
    /// Project root.
    #[arg(default_value = ".")]
    pub(crate) root: PathBuf,
    /// Commit to publish (any revision git understands) [default: the branch's newest].
    #[arg(long)]
    pub(crate) commit: Option<String>,
    /// Branch [default: the branch checked out in ROOT].
    #[arg(long, env = "TRACEBOOK_BRANCH")]
    pub(crate) branch: Option<String>,
    #[command(flatten)]
    pub(crate) queue: QueueArgs,
}

/// `tracebook mirror` subcommands.
#[derive(Subcommand, Debug)]
pub(crate) enum MirrorCommand {
    /// Bring the SQL mirror to the project's HEAD now (idempotent: nothing is written when it
    /// holds HEAD already).
    Sync(DbArgs),
}

/// Options of `tracebook preview`.
#[derive(clap::Args, Debug)]
pub(crate) struct PreviewArgs {
    /// Project root, the folder holding tracebook.yaml.
    #[arg(default_value = ".")]
    pub(crate) root: PathBuf,
    /// Port on 127.0.0.1 (0: any free port, printed at start-up).
    #[arg(long, default_value_t = 8000)]
    pub(crate) port: u16,
    /// Theme folder with templates/ and static/, watched like the content [default: the
    /// built-in theme].
    #[arg(long)]
    pub(crate) theme: Option<PathBuf>,
    /// Site folder [default: ROOT/.tracebook/preview].
    #[arg(long)]
    pub(crate) out: Option<PathBuf>,
}

/// `tracebook user` subcommands.
#[derive(Subcommand, Debug)]
pub(crate) enum UserCommand {
    /// Add a user (asks for the password twice, or reads one line with --password-stdin).
    Add {
        /// Login name (no spaces).
        name: String,
        /// What the user may do.
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Set a user's password (their sessions end; their API tokens stay valid).
    Passwd {
        /// Login name.
        name: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Remove a user with their API tokens and sessions.
    Remove {
        /// Login name.
        name: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Turn off a user's two-factor sign-in (lost phone): they sign in with the password
    /// and enroll again; their sessions end.
    ResetMfa {
        /// Login name.
        name: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// List the users.
    List {
        /// Output format.
        #[arg(long, value_enum, default_value_t = ListFormat::Human)]
        format: ListFormat,
        #[command(flatten)]
        db: DbArgs,
    },
}

/// `tracebook token` subcommands.
#[derive(Subcommand, Debug)]
pub(crate) enum TokenCommand {
    /// Create a token and print its secret, once.
    Create {
        /// The user the token acts as.
        #[arg(long)]
        user: String,
        /// A label to recognise it by (e.g. "ci").
        #[arg(long)]
        name: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Revoke a token: it stops working at once.
    Revoke {
        /// The token's id (`tracebook token list`).
        id: i64,
        #[command(flatten)]
        db: DbArgs,
    },
    /// List the tokens (never their secrets).
    List {
        /// Output format.
        #[arg(long, value_enum, default_value_t = ListFormat::Human)]
        format: ListFormat,
        #[command(flatten)]
        db: DbArgs,
    },
}

/// A user's role on the command line.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RoleArg {
    /// Reads the site and the API.
    Viewer,
    /// Also edits items.
    Editor,
    /// Also manages users and tokens.
    Admin,
}

/// `user list` and `token list` output formats.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ListFormat {
    /// An aligned table.
    Human,
    /// One JSON array.
    Json,
}

/// Diagnostic output formats.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    /// rustc-style, with the offending source line.
    Human,
    /// One JSON object per line.
    Json,
    /// GitHub Actions workflow commands (`::error file=…,line=…::`).
    Github,
    /// SARIF 2.1.0, for code-scanning views.
    Sarif,
}

/// What `--deny` turns into errors.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Deny {
    /// Warnings fail the command.
    Warnings,
}

/// Export formats.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ExportFormat {
    /// The model as one JSON document.
    Json,
}

/// Search output formats.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SearchFormat {
    /// Ranked hits with marked snippets, then counts per kind and status.
    Human,
    /// The results as one JSON document.
    Json,
}
