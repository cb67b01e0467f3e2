//! The rebuild queue: one trait, two implementations. [`RedisQueue`] (Redis Streams and a
//! consumer group) when `REDIS_URL` is set, so that several worker processes share the work
//! and a job outlives the process that took it; [`MemoryQueue`] otherwise, for one process
//! (`tracebook serve` with its embedded worker on a laptop).
//!
//! Delivery is at least once: a consumer acknowledges a message only after the site that
//! includes it is published (or the job is given up and dead-lettered), and messages left
//! unacknowledged by a consumer that died are claimed again by another after a timeout.

mod memory;
mod redis;

use std::time::Duration;

use futures_util::future::BoxFuture;

pub use self::memory::MemoryQueue;
pub use self::redis::{RedisQueue, RedisQueueOptions};
use crate::job::{Delivery, Job};

/// Why the queue could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// Redis refused, timed out or answered something unexpected.
    #[error("the Redis queue at {url}: {source}")]
    Redis {
        url: String,
        #[source]
        source: ::redis::RedisError,
    },
    /// A message in the stream is not a job (written by something else).
    #[error("message {id} in the queue is not a job: {reason}")]
    BadMessage { id: String, reason: String },
}

/// A rebuild queue. Object safe (boxed futures) so that the server and the worker hold either
/// implementation behind `Arc<dyn Queue>`.
pub trait Queue: Send + Sync {
    /// Adds a job; returns the message id.
    fn enqueue<'a>(&'a self, job: &'a Job) -> BoxFuture<'a, Result<String, QueueError>>;

    /// Takes up to `max` new messages for this consumer, waiting up to `wait` for the first.
    fn receive(
        &self,
        max: usize,
        wait: Duration,
    ) -> BoxFuture<'_, Result<Vec<Delivery>, QueueError>>;

    /// Takes over up to `max` messages another consumer received but has not acknowledged
    /// for at least `idle` (it died, or is stuck).
    fn reclaim(
        &self,
        idle: Duration,
        max: usize,
    ) -> BoxFuture<'_, Result<Vec<Delivery>, QueueError>>;

    /// Marks messages done.
    fn ack<'a>(&'a self, ids: &'a [String]) -> BoxFuture<'a, Result<(), QueueError>>;

    /// Moves a message that failed too often to the dead-letter list (and acknowledges it).
    fn dead_letter<'a>(
        &'a self,
        delivery: &'a Delivery,
        reason: &'a str,
    ) -> BoxFuture<'a, Result<(), QueueError>>;

    /// Where the queue is, for logs and status (no credentials).
    fn describe(&self) -> String;
}
