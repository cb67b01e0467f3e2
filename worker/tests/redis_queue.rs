//! The Redis Streams queue against a real Redis (redis://127.0.0.1:6379, or the URL in
//! `TRACEBOOK_TEST_REDIS`). These tests fail when Redis is down: the queue is what they test.
//! Each test uses its own random key prefix and deletes its keys when it ends.

mod support;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use support::{Fixture, Running, wait_for_async};
use tracebook_worker::{
    Consumer, ConsumerOptions, Delivery, Job, Queue, RedisQueue, RedisQueueOptions, Runner,
    RunnerOptions, Waited, wait_published,
};

const WAIT: Duration = Duration::from_secs(60);

fn url() -> String {
    std::env::var("TRACEBOOK_TEST_REDIS").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

/// A random key prefix; its keys are deleted when dropped (also when the test fails).
struct Keys {
    prefix: String,
}

impl Keys {
    async fn new() -> Keys {
        let mut bytes = [0u8; 8];
        getrandom::fill(&mut bytes).expect("random");
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let keys = Keys {
            prefix: format!("tracebook-test-{hex}"),
        };
        // Fail (not skip) when Redis is not there.
        let queue = keys.queue("ping");
        queue.ping().await.unwrap_or_else(|err| {
            panic!(
                "these tests need Redis at {} (set TRACEBOOK_TEST_REDIS): {err}",
                url()
            )
        });
        keys
    }

    fn queue(&self, consumer: &str) -> RedisQueue {
        RedisQueue::new(RedisQueueOptions {
            url: url(),
            prefix: self.prefix.clone(),
            consumer: consumer.to_owned(),
        })
        .expect("queue")
    }

    fn stream(&self) -> String {
        format!("{}:jobs", self.prefix)
    }

    fn group(&self) -> String {
        format!("{}-workers", self.prefix)
    }

    async fn conn(&self) -> redis::aio::MultiplexedConnection {
        redis::Client::open(url().as_str())
            .expect("client")
            .get_multiplexed_async_connection()
            .await
            .expect("connection")
    }

    /// Pending entries of the group as Redis reports them: (id, consumer, deliveries).
    async fn xpending(&self) -> Vec<(String, String, u64)> {
        let mut conn = self.conn().await;
        let reply: Vec<(String, String, u64, u64)> = redis::cmd("XPENDING")
            .arg(self.stream())
            .arg(self.group())
            .arg("-")
            .arg("+")
            .arg(1000)
            .query_async(&mut conn)
            .await
            .expect("XPENDING");
        reply
            .into_iter()
            .map(|(id, consumer, _idle, n)| (id, consumer, n))
            .collect()
    }

    async fn del(&self, key: &str) {
        let mut conn = self.conn().await;
        let _: u64 = redis::cmd("DEL")
            .arg(key)
            .query_async(&mut conn)
            .await
            .expect("DEL");
    }
}

impl Drop for Keys {
    fn drop(&mut self) {
        let delete = || -> redis::RedisResult<()> {
            let mut conn = redis::Client::open(url().as_str())?.get_connection()?;
            redis::cmd("DEL")
                .arg(format!("{}:jobs", self.prefix))
                .arg(format!("{}:dead", self.prefix))
                .query::<u64>(&mut conn)?;
            Ok(())
        };
        if let Err(err) = delete() {
            eprintln!("deleting the keys {}:*: {err}", self.prefix);
        }
    }
}

fn job(commit: &str) -> Job {
    Job {
        repo: "/srv/repo".to_owned(),
        branch: "main".to_owned(),
        commit: commit.to_owned(),
    }
}

/// Receives until `n` deliveries came or the deadline passed.
async fn receive_n(queue: &RedisQueue, n: usize) -> Vec<Delivery> {
    let mut got = Vec::new();
    let deadline = tokio::time::Instant::now() + WAIT;
    while got.len() < n && tokio::time::Instant::now() < deadline {
        got.extend(
            queue
                .receive(n - got.len(), Duration::from_millis(200))
                .await
                .expect("receive"),
        );
    }
    got
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_goes_round_trip_and_an_ack_clears_it() {
    let keys = Keys::new().await;
    let queue = keys.queue("a");
    // Nothing yet (the group is created on the way).
    assert!(
        queue
            .receive(10, Duration::from_millis(50))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(queue.pending().await.unwrap(), 0);

    let id = queue.enqueue(&job("c1")).await.unwrap();
    let got = receive_n(&queue, 1).await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].id, id);
    assert_eq!(got[0].job, job("c1"));
    assert_eq!(got[0].deliveries, 1);
    assert_eq!(queue.pending().await.unwrap(), 1);
    assert_eq!(keys.xpending().await, [(id.clone(), "a".to_owned(), 1)]);
    // Received once: not again.
    assert!(
        queue
            .receive(10, Duration::from_millis(50))
            .await
            .unwrap()
            .is_empty()
    );

    queue.ack(std::slice::from_ref(&id)).await.unwrap();
    assert_eq!(queue.pending().await.unwrap(), 0);
    assert!(keys.xpending().await.is_empty());
    assert!(queue.dead_letters().await.unwrap().is_empty());
    assert!(
        queue.describe().contains(&keys.stream()),
        "{}",
        queue.describe()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_consumers_never_receive_the_same_message() {
    let keys = Keys::new().await;
    let producer = keys.queue("producer");
    let (a, b) = (keys.queue("a"), keys.queue("b"));
    const N: usize = 40;
    let mut ids = HashSet::new();
    for n in 0..N {
        ids.insert(producer.enqueue(&job(&format!("c{n}"))).await.unwrap());
    }
    let take = |queue: RedisQueue| async move {
        let mut got = Vec::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
        while tokio::time::Instant::now() < deadline {
            let batch = queue.receive(3, Duration::from_millis(100)).await.unwrap();
            if batch.is_empty() && !got.is_empty() {
                break;
            }
            got.extend(batch);
            tokio::task::yield_now().await;
        }
        got
    };
    let (got_a, got_b) = tokio::join!(tokio::spawn(take(a)), tokio::spawn(take(b)));
    let (got_a, got_b) = (got_a.unwrap(), got_b.unwrap());
    let ids_a: HashSet<_> = got_a.iter().map(|d| d.id.clone()).collect();
    let ids_b: HashSet<_> = got_b.iter().map(|d| d.id.clone()).collect();
    assert_eq!(ids_a.len(), got_a.len(), "A received a message twice");
    assert_eq!(ids_b.len(), got_b.len(), "B received a message twice");
    assert!(
        ids_a.is_disjoint(&ids_b),
        "both received {:?}",
        ids_a.intersection(&ids_b).collect::<Vec<_>>()
    );
    let all: HashSet<_> = ids_a.union(&ids_b).cloned().collect();
    assert_eq!(all, ids, "not every message was received");
    eprintln!("A took {}, B took {}", got_a.len(), got_b.len());
    // Redis agrees on who holds what.
    let pending = keys.xpending().await;
    assert_eq!(pending.len(), N);
    for (id, consumer, deliveries) in pending {
        let expected = if ids_a.contains(&id) { "a" } else { "b" };
        assert_eq!((consumer.as_str(), deliveries), (expected, 1), "{id}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_left_unacknowledged_is_reclaimed_by_another_consumer() {
    let keys = Keys::new().await;
    let (a, b) = (keys.queue("a"), keys.queue("b"));
    let id = a.enqueue(&job("c1")).await.unwrap();
    let got = receive_n(&a, 1).await;
    assert_eq!(got.len(), 1);
    // A "dies" without acknowledging. Too early for B to take it over:
    assert!(
        b.reclaim(Duration::from_secs(60), 10)
            .await
            .unwrap()
            .is_empty()
    );
    // Nor can B receive it as new.
    assert!(
        b.receive(10, Duration::from_millis(50))
            .await
            .unwrap()
            .is_empty()
    );

    let idle = Duration::from_millis(300);
    let claimed = wait_for_async("the message to be reclaimed", WAIT, async || {
        let claimed = b.reclaim(idle, 10).await.unwrap();
        (!claimed.is_empty()).then_some(claimed)
    })
    .await;
    assert_eq!(claimed.len(), 1, "{claimed:?}");
    assert_eq!(claimed[0].id, id);
    assert_eq!(claimed[0].job, job("c1"));
    assert!(claimed[0].deliveries >= 2, "{claimed:?}");
    assert_eq!(keys.xpending().await, [(id.clone(), "b".to_owned(), 2)]);
    // B holds it now; claimed again right away it is not (it is not idle).
    assert!(a.reclaim(idle, 10).await.unwrap().is_empty());

    b.ack(std::slice::from_ref(&id)).await.unwrap();
    assert_eq!(b.pending().await.unwrap(), 0);
    // Acknowledged: nobody reclaims it, however long it waited.
    tokio::time::sleep(idle).await;
    assert!(a.reclaim(idle, 10).await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_letter_keeps_the_job_and_the_reason_and_acknowledges_it() {
    let keys = Keys::new().await;
    let queue = keys.queue("a");
    let id = queue.enqueue(&job("c1")).await.unwrap();
    let keep = queue.enqueue(&job("c2")).await.unwrap();
    let got = receive_n(&queue, 2).await;
    assert_eq!(got.len(), 2);
    let delivery = got.iter().find(|d| d.id == id).expect("the first job");
    assert_eq!(queue.pending().await.unwrap(), 2);

    queue
        .dead_letter(delivery, "no space left on device")
        .await
        .unwrap();
    let dead = queue.dead_letters().await.unwrap();
    assert_eq!(dead.len(), 1, "{dead:?}");
    let fields = &dead[0].1;
    let field = |name: &str| fields.get(name).map(String::as_str);
    assert_eq!(field("reason"), Some("no space left on device"));
    assert_eq!(field("commit"), Some("c1"));
    assert_eq!(field("repo"), Some("/srv/repo"));
    assert_eq!(field("branch"), Some("main"));
    assert_eq!(field("message"), Some(id.as_str()));
    assert_eq!(field("deliveries"), Some("1"));
    // Acknowledged: only the other job is pending.
    assert_eq!(queue.pending().await.unwrap(), 1);
    assert_eq!(keys.xpending().await, [(keep.clone(), "a".to_owned(), 1)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_recovers_when_redis_lost_its_group() {
    let keys = Keys::new().await;
    let queue = keys.queue("a");
    let producer = keys.queue("producer");
    let first = producer.enqueue(&job("c1")).await.unwrap();
    let got = receive_n(&queue, 1).await;
    assert_eq!(got.len(), 1);
    queue.ack(&[first]).await.unwrap();

    // Redis restarted empty: the stream and its group are gone, and the consumer asks first.
    keys.del(&keys.stream()).await;
    assert!(
        queue
            .receive(10, Duration::from_millis(50))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(queue.reclaim(Duration::ZERO, 10).await.unwrap().is_empty());
    let second = producer.enqueue(&job("c2")).await.unwrap();
    let got = receive_n(&queue, 1).await;
    assert_eq!(got.len(), 1, "the job after the restart was not received");
    assert_eq!(
        (got[0].id.as_str(), got[0].job.commit.as_str()),
        (second.as_str(), "c2")
    );
    queue.ack(&[second]).await.unwrap();

    // Gone again, and this time a producer writes first (the stream exists, the group not).
    keys.del(&keys.stream()).await;
    assert_eq!(queue.pending().await.unwrap(), 0);
    let third = producer.enqueue(&job("c3")).await.unwrap();
    let got = receive_n(&queue, 1).await;
    assert_eq!(
        got.len(),
        1,
        "the job written before the group existed was not received"
    );
    assert_eq!(
        (got[0].id.as_str(), got[0].job.commit.as_str()),
        (third.as_str(), "c3")
    );
    queue.ack(&[third]).await.unwrap();
    assert_eq!(queue.pending().await.unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_consumer_publishes_jobs_from_redis_and_acknowledges_them() {
    let keys = Keys::new().await;
    let fx = Fixture::new();
    let source = fx.source();
    let producer = keys.queue("api");
    let queue = Arc::new(keys.queue("worker-1"));
    let mut commits = Vec::new();
    for n in 1..=3 {
        let commit = fx.commit_title(&format!("Queued {n}"));
        producer.enqueue(&source.job(&commit)).await.unwrap();
        commits.push(commit);
    }
    let consumer = Arc::new(Consumer::new(
        queue.clone(),
        fx.runner("worker-1"),
        ConsumerOptions::new(&source.repo, &source.branch),
    ));
    let running = Running::start(&consumer);

    let last = commits.last().unwrap();
    assert_eq!(
        wait_published(&fx.root, &fx.site, last, WAIT).await,
        Waited::Published
    );
    assert!(fx.page().contains("Queued 3"));
    let stats = wait_for_async("the jobs to be acknowledged", WAIT, async || {
        let stats = consumer.stats();
        let pending = queue.pending().await.unwrap();
        (stats.acked == 3 && pending == 0).then_some(stats)
    })
    .await;
    running.stop().await;

    assert!(keys.xpending().await.is_empty());
    assert!((1..=3).contains(&stats.builds), "{stats:?}");
    assert_eq!(stats.builds, stats.published, "{stats:?}");
    assert_eq!(stats.dead_lettered, 0, "{stats:?}");
    assert!(queue.dead_letters().await.unwrap().is_empty());
    assert_eq!(fx.published().as_deref(), Some(last.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_delivered_too_often_is_dead_lettered_without_a_build() {
    let keys = Keys::new().await;
    let a = keys.queue("a");
    a.enqueue(&job("c0ffee0000000000000000000000000000000000"))
        .await
        .expect("enqueue");
    // Taken again and again, as by workers that die in the middle of its build.
    assert_eq!(
        a.receive(10, Duration::from_secs(1))
            .await
            .expect("receive")
            .len(),
        1
    );
    for _ in 0..3 {
        assert_eq!(
            a.reclaim(Duration::ZERO, 10).await.expect("reclaim").len(),
            1
        );
    }
    let dir = tempfile::tempdir().expect("tempdir");
    // Any build would fail here (no repository): the job must not get one.
    let runner = Runner::new(RunnerOptions {
        source_root: dir.path().to_path_buf(),
        site: dir.path().join("site"),
        work_dir: dir.path().join("work"),
        worker: "b".to_owned(),
        steps: Vec::new(),
    });
    let mut options = ConsumerOptions::new("/srv/repo", "main");
    options.max_tries = 2;
    options.reclaim_idle = Duration::ZERO;
    options.reclaim_every = Duration::from_millis(10);
    options.idle_check = Duration::from_secs(3600);
    let queue: Arc<dyn Queue> = Arc::new(keys.queue("b"));
    let consumer = Arc::new(Consumer::new(queue, runner, options));
    let running = Running::start(&consumer);
    let deadline = std::time::Instant::now() + WAIT;
    while a.dead_letters().await.expect("dead letters").is_empty() {
        assert!(std::time::Instant::now() < deadline, "never dead-lettered");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    running.stop().await;
    let dead = a.dead_letters().await.expect("dead letters");
    assert_eq!(dead.len(), 1);
    assert!(
        dead[0].1["reason"].contains("delivered too many times"),
        "{dead:?}"
    );
    assert!(
        dead[0].1["deliveries"].parse::<u64>().expect("count") > 2,
        "{dead:?}"
    );
    let stats = consumer.stats();
    assert_eq!(stats.builds, 0, "no build for a poison job: {stats:?}");
    assert_eq!(stats.dead_lettered, 1, "{stats:?}");
    assert_eq!(a.pending().await.expect("pending"), 0);
}
