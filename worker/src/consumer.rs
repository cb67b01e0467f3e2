//! The worker loop: take jobs from the queue, build, acknowledge. See the crate docs for the
//! guarantees; this file is where they are kept:
//! - a job is acknowledged only after a site including its commit is published, or after the
//!   build failed for a reason a retry cannot fix (broken content: the failure is recorded and
//!   the next commit brings a new job), or after it was given up (dead letter);
//! - all jobs received together are answered by one build of the branch's newest commit, so a
//!   burst of commits builds far fewer times than it has commits;
//! - environment failures are retried with exponential backoff, and after `max_tries` the
//!   jobs go to the dead-letter list; a job that was delivered more than `max_tries` times
//!   (it keeps killing workers) goes there without another try;
//! - every `reclaim_every`, jobs another consumer left pending for `reclaim_idle` are taken
//!   over;
//! - when idle, every `idle_check` the worker compares the published commit with the branch
//!   and catches up by itself (a job lost because Redis was down or restarted empty), and
//!   retries after-publish steps that failed (the mirror while PostgreSQL was down).

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use crate::job::{Delivery, Job};
use crate::queue::Queue;
use crate::runner::{RunOutcome, Runner};

/// Timings and limits of the loop.
#[derive(Debug, Clone)]
pub struct ConsumerOptions {
    /// The repository path jobs must name (as the producers write it).
    pub repo: String,
    /// The branch whose site this worker publishes.
    pub branch: String,
    /// Jobs pending this long with another consumer are taken over.
    pub reclaim_idle: Duration,
    /// How often to look for such jobs.
    pub reclaim_every: Duration,
    /// How often an idle worker compares the site with the branch and retries failed steps.
    pub idle_check: Duration,
    /// Tries per batch before its jobs are dead-lettered.
    pub max_tries: u32,
    /// The first retry waits this long; each further one twice as long.
    pub backoff: Duration,
    /// Most jobs taken at once.
    pub batch: usize,
}

impl ConsumerOptions {
    /// Defaults for `branch` of `repo`.
    pub fn new(repo: &str, branch: &str) -> ConsumerOptions {
        ConsumerOptions {
            repo: repo.to_owned(),
            branch: branch.to_owned(),
            reclaim_idle: Duration::from_secs(30),
            reclaim_every: Duration::from_secs(5),
            idle_check: Duration::from_secs(30),
            max_tries: 5,
            backoff: Duration::from_secs(1),
            batch: 1000,
        }
    }
}

/// Counters of one consumer, for tests and logs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConsumerStats {
    pub builds: u64,
    pub published: u64,
    pub failed: u64,
    pub acked: u64,
    pub dead_lettered: u64,
    pub reclaimed: u64,
}

/// The worker: see the module docs. Cheap to clone the runner handle into the blocking pool.
pub struct Consumer {
    queue: Arc<dyn Queue>,
    runner: Arc<Mutex<Runner>>,
    options: ConsumerOptions,
    stats: Mutex<ConsumerStats>,
}

impl Consumer {
    pub fn new(queue: Arc<dyn Queue>, runner: Runner, options: ConsumerOptions) -> Consumer {
        Consumer {
            queue,
            runner: Arc::new(Mutex::new(runner)),
            options,
            stats: Mutex::new(ConsumerStats::default()),
        }
    }

    /// What the consumer did so far.
    pub fn stats(&self) -> ConsumerStats {
        self.stats
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Enqueues the branch's newest commit when the published site is behind it: how a worker
    /// starting after downtime (or after commits nobody enqueued) catches up.
    pub async fn enqueue_if_behind(&self) {
        let branch = self.options.branch.clone();
        let checked = self
            .blocking(move |runner| {
                Ok::<_, String>((
                    runner.is_behind(&branch).map_err(|e| e.to_string())?,
                    runner.tip(&branch).map_err(|e| e.to_string())?,
                ))
            })
            .await;
        match checked {
            Ok((true, tip)) => {
                let job = Job {
                    repo: self.options.repo.clone(),
                    branch: self.options.branch.clone(),
                    commit: tip.clone(),
                };
                match self.queue.enqueue(&job).await {
                    Ok(_) => {
                        tracing::info!(commit = %tip, "the site is behind the branch: enqueued its newest commit")
                    }
                    Err(err) => tracing::warn!(%err, "enqueueing the newest commit"),
                }
            }
            Ok((false, _)) => {}
            Err(err) => tracing::warn!(%err, "comparing the site with the branch"),
        }
    }

    /// Consumes until `shutdown` resolves (finishing the build in progress first).
    pub async fn run(&self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        tracing::info!(queue = %self.queue.describe(), branch = %self.options.branch, "worker started");
        let mut next_reclaim = Instant::now();
        let mut next_idle_check = Instant::now() + self.options.idle_check;
        let mut failures_in_a_row = 0u32;
        loop {
            let received = if Instant::now() >= next_reclaim {
                next_reclaim = Instant::now() + self.options.reclaim_every;
                let claimed = self
                    .queue
                    .reclaim(self.options.reclaim_idle, self.options.batch)
                    .await;
                if let Ok(claimed) = &claimed
                    && !claimed.is_empty()
                {
                    tracing::info!(jobs = claimed.len(), "took over jobs another worker left");
                    self.stats_mut(|s| s.reclaimed += claimed.len() as u64);
                }
                claimed
            } else {
                let wait = Duration::from_secs(1).min(self.options.reclaim_every);
                tokio::select! {
                    received = self.queue.receive(self.options.batch, wait) => received,
                    () = &mut shutdown => return,
                }
            };
            match received {
                Ok(deliveries) if !deliveries.is_empty() => {
                    failures_in_a_row = 0;
                    self.handle(deliveries).await;
                    next_idle_check = Instant::now() + self.options.idle_check;
                }
                Ok(_) => {}
                Err(err) => {
                    failures_in_a_row += 1;
                    // Once per outage, then quietly; the loop keeps trying.
                    if failures_in_a_row == 1 {
                        tracing::warn!(%err, "the queue is unavailable; retrying");
                    }
                    tokio::select! {
                        () = tokio::time::sleep(Duration::from_millis(500)) => {}
                        () = &mut shutdown => return,
                    }
                }
            }
            if Instant::now() >= next_idle_check {
                next_idle_check = Instant::now() + self.options.idle_check;
                self.idle_work().await;
            }
        }
    }

    /// Catches up with the branch and retries failed after-publish steps.
    async fn idle_work(&self) {
        let branch = self.options.branch.clone();
        let behind = self
            .blocking(move |runner| runner.is_behind(&branch).map_err(|e| e.to_string()))
            .await;
        if matches!(behind, Ok(true)) {
            tracing::info!("the site is behind the branch with no job queued: catching up");
            self.build_with_retries(&[]).await;
        }
        let still = self
            .blocking(|runner| Ok::<_, String>(runner.retry_steps()))
            .await;
        if let Ok(still) = still
            && !still.is_empty()
        {
            tracing::debug!(steps = ?still, "after-publish steps still failing");
        }
    }

    /// Answers a batch of deliveries.
    async fn handle(&self, deliveries: Vec<Delivery>) {
        let (ours, foreign): (Vec<_>, Vec<_>) = deliveries.into_iter().partition(|d| {
            d.job.branch == self.options.branch && same_repo(&d.job.repo, &self.options.repo)
        });
        if !foreign.is_empty() {
            // Another branch or repository: no site of ours shows it.
            tracing::info!(
                jobs = foreign.len(),
                "ignoring jobs for another branch or repository"
            );
            self.ack(&foreign).await;
        }
        let (poison, ours): (Vec<_>, Vec<_>) = ours
            .into_iter()
            .partition(|d| d.deliveries > u64::from(self.options.max_tries));
        for delivery in &poison {
            self.give_up(
                delivery,
                "delivered too many times (its builds never finished)",
            )
            .await;
        }
        if !ours.is_empty() {
            self.build_with_retries(&ours).await;
        }
    }

    /// Builds until published, failed for good, or out of tries; then acknowledges.
    async fn build_with_retries(&self, deliveries: &[Delivery]) {
        let jobs = deliveries.len().max(1);
        for attempt in 1..=self.options.max_tries {
            let branch = self.options.branch.clone();
            let outcome = self
                .blocking(move |runner| Ok::<_, String>(runner.run(&branch, jobs)))
                .await;
            let outcome = match outcome {
                Ok(outcome) => outcome,
                Err(message) => RunOutcome::Failed {
                    record: crate::status::BuildRecord::start(
                        None,
                        &self.options.branch,
                        "-",
                        jobs,
                    ),
                    retry: {
                        tracing::warn!(%message, "the build task failed");
                        true
                    },
                },
            };
            match outcome {
                RunOutcome::UpToDate { commit } => {
                    tracing::debug!(%commit, jobs, "already published");
                    self.ack(deliveries).await;
                    return;
                }
                RunOutcome::Published(record) => {
                    tracing::info!(
                        commit = record.commit.as_deref().unwrap_or("-"),
                        jobs,
                        ms = record.duration_ms,
                        rendered = record.files_rendered,
                        "published the site"
                    );
                    self.stats_mut(|s| {
                        s.builds += 1;
                        s.published += 1;
                    });
                    self.ack(deliveries).await;
                    return;
                }
                RunOutcome::Failed { record, retry } => {
                    self.stats_mut(|s| {
                        s.builds += 1;
                        s.failed += 1;
                    });
                    if !retry {
                        // Broken content: recorded; a new commit brings a new job.
                        self.ack(deliveries).await;
                        return;
                    }
                    if attempt == self.options.max_tries {
                        let reason = record.message.unwrap_or_default();
                        for delivery in deliveries {
                            self.give_up(delivery, &reason).await;
                        }
                        return;
                    }
                    let wait = self.options.backoff * 2u32.saturating_pow(attempt - 1);
                    tracing::info!(attempt, ?wait, "retrying the build");
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    async fn ack(&self, deliveries: &[Delivery]) {
        let ids: Vec<String> = deliveries.iter().map(|d| d.id.clone()).collect();
        if ids.is_empty() {
            return;
        }
        match self.queue.ack(&ids).await {
            Ok(()) => self.stats_mut(|s| s.acked += ids.len() as u64),
            // Left pending: reclaimed later, and then found up to date (no second build).
            Err(err) => tracing::warn!(%err, "acknowledging jobs"),
        }
    }

    async fn give_up(&self, delivery: &Delivery, reason: &str) {
        tracing::error!(job = ?delivery.job, deliveries = delivery.deliveries, reason, "giving up a job: moved to the dead-letter list");
        match self.queue.dead_letter(delivery, reason).await {
            Ok(()) => self.stats_mut(|s| s.dead_lettered += 1),
            Err(err) => tracing::warn!(%err, "dead-lettering a job"),
        }
    }

    /// Runs `f` with the runner on the blocking pool.
    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Runner) -> Result<T, String> + Send + 'static,
    ) -> Result<T, String> {
        let runner = Arc::clone(&self.runner);
        tokio::task::spawn_blocking(move || {
            let mut runner = runner.lock().unwrap_or_else(PoisonError::into_inner);
            f(&mut runner)
        })
        .await
        .map_err(|e| format!("the build task failed: {e}"))?
    }

    fn stats_mut(&self, f: impl FnOnce(&mut ConsumerStats)) {
        f(&mut self.stats.lock().unwrap_or_else(PoisonError::into_inner));
    }
}

/// Whether two spellings of a repository path name the same folder.
fn same_repo(a: &str, b: &str) -> bool {
    let canonical = |p: &str| std::fs::canonicalize(p).unwrap_or_else(|_| p.into());
    a == b || canonical(a) == canonical(b)
}
