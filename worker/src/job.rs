//! A rebuild job: "this repository's branch has (at least) this commit; publish it".

use serde::{Deserialize, Serialize};

/// One request to rebuild. Jobs name a commit, but a worker builds the newest commit of the
/// branch when it gets to the job, so a burst of jobs builds once (see the consumer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    /// The repository holding the project, as the enqueuing process sees it (a path on the
    /// machine the workers share).
    pub repo: String,
    /// The branch the commit is on (the short name: `main`).
    pub branch: String,
    /// The full id of the commit that must be published (or a descendant of it).
    pub commit: String,
}

/// A job as a consumer received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The queue's id of the message (a Redis stream id, or a counter in process).
    pub id: String,
    pub job: Job,
    /// How many times the message was delivered to a consumer, this delivery included.
    pub deliveries: u64,
}
