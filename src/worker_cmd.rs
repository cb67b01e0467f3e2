//! `tracebook worker` (consume the Redis queue, build, publish), `tracebook enqueue` (queue a
//! rebuild: for a post-receive hook), and the worker that `tracebook serve` embeds when there
//! is no Redis.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use rustix::fs::{FlockOperation, flock};
use tracebook_generator::SearchIndex;
use tracebook_store::MirrorStep;
use tracebook_store::accounts::database_url;
use tracebook_worker::{
    AfterPublish, Consumer, ConsumerOptions, Queue, RedisQueue, RedisQueueOptions, Runner,
    RunnerOptions, SearchStep, Source,
};

use crate::cli::{EnqueueArgs, WorkerArgs};
use crate::serve_cmd::shutdown_signal;
use crate::user_cmd::redacted;

/// A worker's own folder under ROOT/.tracebook/workers, held with a lock for the process's
/// life: two processes never share a clone, and a restarted worker reuses its folder.
pub(crate) struct WorkDir {
    pub(crate) dir: PathBuf,
    pub(crate) name: String,
    _lock: File,
}

impl WorkDir {
    /// `name`'s folder, or the first free numbered one (named `HOST-N`).
    pub(crate) fn claim(root: &Path, name: Option<&str>) -> Result<WorkDir> {
        let base = root.join(".tracebook/workers");
        if let Some(name) = name {
            return WorkDir::try_claim(&base.join(name), name)?
                .with_context(|| format!("another worker named {name} is running"));
        }
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_owned())
            .unwrap_or_else(|_| "worker".to_owned());
        for n in 1..1000 {
            let dir = base.join(n.to_string());
            if let Some(claimed) = WorkDir::try_claim(&dir, &format!("{host}-{n}"))? {
                return Ok(claimed);
            }
        }
        bail!("no free worker folder under {}", base.display())
    }

    fn try_claim(dir: &Path, name: &str) -> Result<Option<WorkDir>> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let path = dir.join("lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("opening {}", path.display()))?;
        match flock(&file, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => Ok(Some(WorkDir {
                dir: dir.to_path_buf(),
                name: name.to_owned(),
                _lock: file,
            })),
            Err(_) => Ok(None),
        }
    }
}

/// The steps after each publish: the server's search index, and the SQL mirror.
pub(crate) fn steps(
    root: &Path,
    database: &str,
    search: Option<Arc<SearchIndex>>,
) -> Result<Vec<Arc<dyn AfterPublish>>> {
    let search = match search {
        Some(index) => index,
        None => Arc::new(SearchIndex::open(root).context("opening the search index")?),
    };
    let mirror = MirrorStep::new(database).context("starting the mirror's runtime")?;
    Ok(vec![Arc::new(SearchStep(search)), Arc::new(mirror)])
}

/// A runner building `source`'s site into `site` from the clone in `work`.
pub(crate) fn runner(
    source: &Source,
    site: &Path,
    work: &WorkDir,
    steps: Vec<Arc<dyn AfterPublish>>,
) -> Runner {
    Runner::new(RunnerOptions {
        source_root: source.root.clone(),
        site: site.to_path_buf(),
        work_dir: work.dir.clone(),
        worker: work.name.clone(),
        steps,
    })
}

pub(crate) fn worker(args: &WorkerArgs) -> Result<ExitCode> {
    let Some(redis_url) = args.queue.redis_url.clone() else {
        bail!(
            "REDIS_URL is not set: `tracebook worker` consumes the Redis queue. Without Redis, \
             `tracebook serve` runs its own worker"
        );
    };
    let root = args.root.clone();
    let site = args.out.clone().unwrap_or_else(|| root.join("public"));
    let source = Source::of(&root, args.branch.as_deref())?;
    let work = WorkDir::claim(&root, args.name.as_deref())?;
    let mut options = RedisQueueOptions::new(&redis_url, &work.name);
    options.prefix.clone_from(&args.queue.queue_prefix);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting tokio")?;
    runtime.block_on(async move {
        // Inside the runtime: the connection manager belongs to it.
        let queue = RedisQueue::new(options)?;
        let database = database_url(&root, args.database_url.as_deref());
        if args.check {
            queue.ping().await?;
            tracebook_store::mirror::Mirror::open(&database)
                .await
                .with_context(|| format!("opening {}", redacted(&database)))?;
            println!(
                "ok: {} and {} answer",
                queue.describe(),
                redacted(&database)
            );
            return Ok(ExitCode::SUCCESS);
        }
        let steps = steps(&root, &database, None)?;
        let runner = runner(&source, &site, &work, steps);
        let mut consumer_options = ConsumerOptions::new(&source.repo, &source.branch);
        consumer_options.reclaim_idle = Duration::from_secs_f64(args.reclaim_idle);
        // Looking often is cheap (one XAUTOCLAIM): a dead worker's job is taken over
        // reclaim_idle after it was last delivered, plus at most this.
        consumer_options.reclaim_every =
            (consumer_options.reclaim_idle / 6).max(Duration::from_secs(1));
        consumer_options.idle_check = Duration::from_secs_f64(args.idle_check);
        let queue: Arc<dyn Queue> = Arc::new(queue);
        let consumer = Consumer::new(queue, runner, consumer_options);
        // Printed for people and scripts: which worker this is and what it follows.
        println!(
            "worker {} publishing {} ({} of {}) from {}",
            work.name,
            site.display(),
            source.branch,
            source.repo,
            consumer_describe(&redis_url, &args.queue.queue_prefix)
        );
        consumer.enqueue_if_behind().await;
        consumer.run(shutdown_signal()).await;
        eprintln!("stopped");
        Ok(ExitCode::SUCCESS)
    })
}

fn consumer_describe(url: &str, prefix: &str) -> String {
    format!("{prefix}:jobs at {}", redacted(url))
}

pub(crate) fn enqueue(args: &EnqueueArgs) -> Result<ExitCode> {
    let Some(redis_url) = args.queue.redis_url.clone() else {
        bail!(
            "REDIS_URL is not set: `tracebook enqueue` adds to the Redis queue. Without Redis, \
             announce pushes to `tracebook serve` through POST /api/hooks/git"
        );
    };
    let source = Source::of(&args.root, args.branch.as_deref())?;
    let repo = git2::Repository::discover(&args.root).context("opening the repository")?;
    let spec = args
        .commit
        .clone()
        .unwrap_or_else(|| format!("refs/heads/{}", source.branch));
    let commit = repo
        .revparse_single(&spec)
        .and_then(|object| object.peel_to_commit())
        .with_context(|| format!("`{spec}` is not a commit of {}", source.repo))?
        .id()
        .to_string();
    let mut options = RedisQueueOptions::new(&redis_url, "enqueue");
    options.prefix.clone_from(&args.queue.queue_prefix);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting tokio")?;
    let id = runtime.block_on(async {
        let queue = RedisQueue::new(options)?;
        queue.enqueue(&source.job(&commit)).await
    })?;
    println!("queued {commit} of {} ({id})", source.branch);
    Ok(ExitCode::SUCCESS)
}
