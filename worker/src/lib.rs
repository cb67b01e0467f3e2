//! tracebook-worker: the rebuild queue and the worker that consumes it.
//!
//! After any commit (an edit through the API, a push announced by a hook) a [`Job`] goes into
//! the [`Queue`]: Redis Streams when `REDIS_URL` is set, so that several `tracebook worker`
//! processes share the work and jobs survive a process, or in-process for `tracebook serve`
//! on a laptop. A [`Consumer`] takes jobs and has its [`Runner`] build the branch's newest
//! commit from a private checkout into the site's spare folder and swap it in, so readers
//! never see a half-built site and a failed build leaves the last good one online. Each build
//! is recorded in the [`BuildLog`] beside the site (`GET /api/builds`), and after-publish
//! steps ([`AfterPublish`]: the search index, the SQL mirror) bring the other copies along.

mod checkout;
mod consumer;
mod job;
mod lock;
mod paths;
pub mod queue;
mod runner;
mod source;
mod status;
mod steps;

pub use checkout::{Checkout, CheckoutError};
pub use consumer::{Consumer, ConsumerOptions, ConsumerStats};
pub use job::{Delivery, Job};
pub use lock::SiteLock;
pub use queue::{MemoryQueue, Queue, QueueError, RedisQueue, RedisQueueOptions};
pub use runner::{AfterPublish, RunOutcome, Runner, RunnerOptions};
pub use source::Source;
pub use status::{
    BuildLog, BuildRecord, BuildResult, Waited, includes, is_descendant, wait_published,
};
pub use steps::SearchStep;

use std::sync::Arc;

/// The in-process worker (`tracebook serve` without Redis, and tests): a memory queue and a
/// consumer task on the current tokio runtime that runs until the runtime stops.
pub fn spawn_embedded(runner: Runner, options: ConsumerOptions) -> Arc<MemoryQueue> {
    let queue = Arc::new(MemoryQueue::new());
    let consumer = Consumer::new(queue.clone(), runner, options);
    tokio::spawn(async move { consumer.run(std::future::pending()).await });
    queue
}
