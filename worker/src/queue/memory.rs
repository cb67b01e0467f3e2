//! The in-process queue: a list behind a mutex and a wake-up. Nothing survives the process,
//! which is fine where the producer and the only consumer are the same process: after a
//! restart the worker compares the published commit with the branch and catches up.

use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use tokio::sync::Notify;

use super::{Queue, QueueError};
use crate::job::{Delivery, Job};

/// Jobs waiting in this process; see the module docs.
#[derive(Default)]
pub struct MemoryQueue {
    inner: Mutex<Inner>,
    wake: Notify,
}

#[derive(Default)]
struct Inner {
    next_id: u64,
    waiting: VecDeque<Delivery>,
    dead: Vec<(Delivery, String)>,
}

impl MemoryQueue {
    /// An empty queue.
    pub fn new() -> MemoryQueue {
        MemoryQueue::default()
    }

    /// Jobs given up so far, with the reason.
    pub fn dead_letters(&self) -> Vec<(Delivery, String)> {
        self.lock().dead.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // Plain collections: a panic elsewhere cannot leave them half-updated.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Queue for MemoryQueue {
    fn enqueue<'a>(&'a self, job: &'a Job) -> BoxFuture<'a, Result<String, QueueError>> {
        let id = {
            let mut inner = self.lock();
            inner.next_id += 1;
            let id = inner.next_id.to_string();
            inner.waiting.push_back(Delivery {
                id: id.clone(),
                job: job.clone(),
                deliveries: 1,
            });
            id
        };
        // `notify_one` keeps a permit when nobody waits: a job enqueued while the consumer is
        // building is seen as soon as it asks again.
        self.wake.notify_one();
        futures_util::future::ready(Ok(id)).boxed()
    }

    fn receive(
        &self,
        max: usize,
        wait: Duration,
    ) -> BoxFuture<'_, Result<Vec<Delivery>, QueueError>> {
        async move {
            let take = |inner: &mut Inner| {
                let n = inner.waiting.len().min(max);
                inner.waiting.drain(..n).collect::<Vec<_>>()
            };
            // A permit left by an enqueue whose job was taken already wakes us early: look
            // again until the deadline.
            let deadline = tokio::time::Instant::now() + wait;
            loop {
                let taken = take(&mut self.lock());
                if !taken.is_empty() {
                    return Ok(taken);
                }
                let woken = tokio::time::timeout_at(deadline, self.wake.notified()).await;
                if woken.is_err() {
                    return Ok(take(&mut self.lock()));
                }
            }
        }
        .boxed()
    }

    fn reclaim(
        &self,
        _idle: Duration,
        _max: usize,
    ) -> BoxFuture<'_, Result<Vec<Delivery>, QueueError>> {
        // The only consumer is this process: nothing can be left behind by another.
        futures_util::future::ready(Ok(Vec::new())).boxed()
    }

    fn ack<'a>(&'a self, _ids: &'a [String]) -> BoxFuture<'a, Result<(), QueueError>> {
        // Received messages already left the list.
        futures_util::future::ready(Ok(())).boxed()
    }

    fn dead_letter<'a>(
        &'a self,
        delivery: &'a Delivery,
        reason: &'a str,
    ) -> BoxFuture<'a, Result<(), QueueError>> {
        self.lock().dead.push((delivery.clone(), reason.to_owned()));
        futures_util::future::ready(Ok(())).boxed()
    }

    fn describe(&self) -> String {
        "in-process queue".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(commit: &str) -> Job {
        Job {
            repo: "/repo".into(),
            branch: "main".into(),
            commit: commit.into(),
        }
    }

    #[tokio::test]
    async fn jobs_come_out_in_order_and_a_waiting_consumer_wakes() {
        let queue = std::sync::Arc::new(MemoryQueue::new());
        queue.enqueue(&job("a")).await.unwrap();
        queue.enqueue(&job("b")).await.unwrap();
        let got = queue.receive(10, Duration::ZERO).await.unwrap();
        let commits: Vec<_> = got.iter().map(|d| d.job.commit.as_str()).collect();
        assert_eq!(commits, ["a", "b"]);
        let consumer = {
            let queue = std::sync::Arc::clone(&queue);
            tokio::spawn(async move { queue.receive(10, Duration::from_secs(10)).await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        queue.enqueue(&job("c")).await.unwrap();
        let got = consumer.await.unwrap().unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].job.commit, "c");
    }
}
