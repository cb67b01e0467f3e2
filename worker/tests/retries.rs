//! Environment failures are retried with backoff and then given up to the dead-letter list;
//! the loop keeps running; an idle worker catches up with commits nobody announced.

mod support;

use support::Running;

use std::sync::Arc;
use std::time::{Duration, Instant};

use tracebook_worker::{Consumer, ConsumerOptions, Job, MemoryQueue, Queue, Runner, RunnerOptions};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_build_that_keeps_failing_is_retried_with_backoff_then_dead_lettered() {
    let dir = tempfile::tempdir().expect("tempdir");
    // The site's folder cannot be made: its parent is a file. Every try fails the same way.
    let blocker = dir.path().join("not-a-folder");
    std::fs::write(&blocker, "a file").expect("write");
    let runner = Runner::new(RunnerOptions {
        source_root: dir.path().to_path_buf(),
        site: blocker.join("site"),
        work_dir: dir.path().join("work"),
        worker: "w".to_owned(),
        steps: Vec::new(),
    });
    let mut options = ConsumerOptions::new("/repo", "main");
    options.max_tries = 3;
    options.backoff = Duration::from_millis(40);
    options.idle_check = Duration::from_secs(3600);
    let queue = Arc::new(MemoryQueue::new());
    let consumer = Arc::new(Consumer::new(queue.clone(), runner, options));
    let running = Running::start(&consumer);
    let job = Job {
        repo: "/repo".to_owned(),
        branch: "main".to_owned(),
        commit: "0123456789abcdef0123456789abcdef01234567".to_owned(),
    };
    let started = Instant::now();
    queue.enqueue(&job).await.expect("enqueue");
    let deadline = Instant::now() + Duration::from_secs(30);
    while queue.dead_letters().is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let took = started.elapsed();
    let dead = queue.dead_letters();
    assert_eq!(dead.len(), 1, "the job was given up once: {dead:?}");
    assert_eq!(dead[0].0.job, job);
    assert!(
        dead[0].1.contains("locking the site folder"),
        "{}",
        dead[0].1
    );
    let stats = consumer.stats();
    assert_eq!(stats.failed, 3, "one build per try: {stats:?}");
    assert_eq!(stats.dead_lettered, 1, "{stats:?}");
    assert_eq!(stats.published, 0, "{stats:?}");
    // Backoff 40 ms then 80 ms between the three tries.
    assert!(
        took >= Duration::from_millis(120),
        "retried without waiting: {took:?}"
    );
    // A job for another branch is acknowledged without a build: the loop still answers.
    let other = Job {
        branch: "other".to_owned(),
        ..job
    };
    queue.enqueue(&other).await.expect("enqueue");
    let deadline = Instant::now() + Duration::from_secs(10);
    while consumer.stats().acked == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(consumer.stats().acked, 1, "{:?}", consumer.stats());
    assert_eq!(consumer.stats().failed, 3, "no build for another branch");
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_worker_publishes_a_commit_nobody_announced() {
    let fixture = support::Fixture::new();
    let source = fixture.source();
    let mut options = ConsumerOptions::new(&source.repo, &source.branch);
    options.idle_check = Duration::from_millis(200);
    let queue = Arc::new(MemoryQueue::new());
    let consumer = Arc::new(Consumer::new(queue, fixture.runner("idle"), options));
    let running = Running::start(&consumer);
    // No job at all: the first site, then a later commit, come from the idle check alone.
    let first = fixture.head();
    wait(|| fixture.published().as_deref() == Some(first.as_str())).await;
    let commit = fixture.commit_title("Published without a job");
    wait(|| fixture.published().as_deref() == Some(commit.as_str())).await;
    assert!(fixture.page().contains("Published without a job"));
    assert_eq!(consumer.stats().acked, 0, "no job was involved");
    running.stop().await;
}

async fn wait(mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !check() {
        assert!(Instant::now() < deadline, "timed out");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
