//! The Redis Streams queue. Jobs are stream entries (`XADD`, capped), consumed through one
//! consumer group shared by all workers (`XREADGROUP`), acknowledged after publishing
//! (`XACK`); entries a dead worker left pending are taken over with `XAUTOCLAIM`, and their
//! delivery count (from `XPENDING`) tells a job that keeps failing, which goes to a
//! dead-letter stream.
//!
//! The connection is a [`ConnectionManager`] created lazily: a server whose Redis is down at
//! start-up still starts, and the manager reconnects after Redis restarts. Redis may restart
//! empty (no persistence): a missing consumer group is created again from the stream's start.

use std::collections::HashMap;
use std::time::Duration;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::streams::{
    StreamAutoClaimOptions, StreamAutoClaimReply, StreamId, StreamPendingCountReply,
    StreamReadOptions, StreamReadReply,
};
use redis::{AsyncCommands, RedisError};

use super::{Queue, QueueError};
use crate::job::{Delivery, Job};

/// Most entries kept in the job stream; older ones are trimmed (acknowledged long ago).
const MAX_STREAM_LEN: usize = 10_000;

/// Where the queue lives in Redis and who this consumer is.
#[derive(Debug, Clone)]
pub struct RedisQueueOptions {
    /// `redis://host:port/db`.
    pub url: String,
    /// Prefix of the keys (`<prefix>:jobs`, `<prefix>:dead`); tests use their own.
    pub prefix: String,
    /// This consumer's name in the group (unique per worker process).
    pub consumer: String,
}

impl RedisQueueOptions {
    /// The default keys (`tracebook:jobs`) for `url`, consuming as `consumer`.
    pub fn new(url: &str, consumer: &str) -> RedisQueueOptions {
        RedisQueueOptions {
            url: url.to_owned(),
            prefix: "tracebook".to_owned(),
            consumer: consumer.to_owned(),
        }
    }
}

/// See the module docs.
pub struct RedisQueue {
    options: RedisQueueOptions,
    /// The URL without a password, for messages.
    shown_url: String,
    conn: ConnectionManager,
    stream: String,
    dead: String,
    group: String,
}

impl RedisQueue {
    /// A queue at `options.url`; does not connect yet (see the module docs).
    pub fn new(options: RedisQueueOptions) -> Result<RedisQueue, QueueError> {
        let shown_url = without_password(&options.url);
        let fail = |source| QueueError::Redis {
            url: shown_url.clone(),
            source,
        };
        let client = redis::Client::open(options.url.as_str()).map_err(fail)?;
        // Fail fast while Redis is down (the caller warns and retries) rather than hang a
        // request; replies may take as long as a blocking read.
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(10)))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_secs(1));
        let conn = ConnectionManager::new_lazy_with_config(client, config).map_err(fail)?;
        Ok(RedisQueue {
            stream: format!("{}:jobs", options.prefix),
            dead: format!("{}:dead", options.prefix),
            group: format!("{}-workers", options.prefix),
            options,
            shown_url,
            conn,
        })
    }

    /// Answers when Redis answers `PING` (the worker's health check).
    pub async fn ping(&self) -> Result<(), QueueError> {
        let mut conn = self.conn.clone();
        redis::cmd("PING")
            .query_async::<String>(&mut conn)
            .await
            .map(drop)
            .map_err(|e| self.error(e))
    }

    /// Entries in the dead-letter stream, oldest first: (id, job fields, reason).
    pub async fn dead_letters(&self) -> Result<Vec<(String, HashMap<String, String>)>, QueueError> {
        let mut conn = self.conn.clone();
        let reply: redis::streams::StreamRangeReply = conn
            .xrange_all(&self.dead)
            .await
            .map_err(|e| self.error(e))?;
        Ok(reply
            .ids
            .into_iter()
            .map(|entry| {
                let fields = entry
                    .map
                    .keys()
                    .filter_map(|k| entry.get::<String>(k).map(|v| (k.clone(), v)))
                    .collect();
                (entry.id, fields)
            })
            .collect())
    }

    /// Messages delivered but not yet acknowledged, over all consumers.
    pub async fn pending(&self) -> Result<usize, QueueError> {
        let mut conn = self.conn.clone();
        let reply: redis::streams::StreamPendingReply =
            match conn.xpending(&self.stream, &self.group).await {
                Ok(reply) => reply,
                Err(err) if is_missing_group(&err) => return Ok(0),
                Err(err) => return Err(self.error(err)),
            };
        Ok(reply.count())
    }

    fn error(&self, source: RedisError) -> QueueError {
        QueueError::Redis {
            url: self.shown_url.clone(),
            source,
        }
    }

    /// Creates the consumer group (and the stream) unless they exist. From id 0: jobs added
    /// before any worker started are consumed too.
    async fn ensure_group(&self) -> Result<(), QueueError> {
        let mut conn = self.conn.clone();
        let created: Result<(), RedisError> = conn
            .xgroup_create_mkstream(&self.stream, &self.group, "0")
            .await;
        match created {
            Err(err) if err.code() != Some("BUSYGROUP") => Err(self.error(err)),
            _ => Ok(()),
        }
    }

    async fn read_new(&self, max: usize, wait: Duration) -> Result<Vec<Delivery>, RedisError> {
        let mut conn = self.conn.clone();
        let block = usize::try_from(wait.as_millis())
            .unwrap_or(usize::MAX)
            .max(1);
        let options = StreamReadOptions::default()
            .group(&self.group, &self.options.consumer)
            .count(max)
            .block(block);
        let reply: Option<StreamReadReply> = conn
            .xread_options(&[&self.stream], &[">"], &options)
            .await?;
        let entries = reply
            .map(|r| r.keys.into_iter().flat_map(|k| k.ids).collect::<Vec<_>>())
            .unwrap_or_default();
        Ok(entries
            .into_iter()
            .filter_map(|entry| self.delivery(entry, 1))
            .collect())
    }

    async fn claim(&self, idle: Duration, max: usize) -> Result<Vec<Delivery>, RedisError> {
        let mut conn = self.conn.clone();
        let idle_ms = usize::try_from(idle.as_millis()).unwrap_or(usize::MAX);
        let reply: StreamAutoClaimReply = conn
            .xautoclaim_options(
                &self.stream,
                &self.group,
                &self.options.consumer,
                idle_ms,
                "0-0",
                StreamAutoClaimOptions::default().count(max),
            )
            .await?;
        if reply.claimed.is_empty() {
            return Ok(Vec::new());
        }
        // How often each was delivered (the claim just counted as one more delivery).
        let pending: StreamPendingCountReply = conn
            .xpending_consumer_count(
                &self.stream,
                &self.group,
                "-",
                "+",
                max.max(reply.claimed.len()) * 4,
                &self.options.consumer,
            )
            .await?;
        let counts: HashMap<&str, u64> = pending
            .ids
            .iter()
            .map(|p| (p.id.as_str(), p.times_delivered as u64))
            .collect();
        Ok(reply
            .claimed
            .into_iter()
            .filter_map(|entry| {
                let deliveries = counts.get(entry.id.as_str()).copied().unwrap_or(2);
                self.delivery(entry, deliveries)
            })
            .collect())
    }

    /// The job in a stream entry; an entry that is not one is logged and skipped (it stays
    /// pending and ends in the dead-letter stream once it was claimed often enough).
    fn delivery(&self, entry: StreamId, deliveries: u64) -> Option<Delivery> {
        let field = |name: &str| entry.get::<String>(name);
        match (field("repo"), field("branch"), field("commit")) {
            (Some(repo), Some(branch), Some(commit)) => Some(Delivery {
                id: entry.id,
                job: Job {
                    repo,
                    branch,
                    commit,
                },
                deliveries,
            }),
            _ => {
                tracing::warn!(id = %entry.id, stream = %self.stream, "an entry that is not a job");
                None
            }
        }
    }
}

impl Queue for RedisQueue {
    fn enqueue<'a>(&'a self, job: &'a Job) -> BoxFuture<'a, Result<String, QueueError>> {
        async move {
            let mut conn = self.conn.clone();
            let fields = [
                ("repo", job.repo.as_str()),
                ("branch", job.branch.as_str()),
                ("commit", job.commit.as_str()),
            ];
            conn.xadd_maxlen(
                &self.stream,
                redis::streams::StreamMaxlen::Approx(MAX_STREAM_LEN),
                "*",
                &fields,
            )
            .await
            .map_err(|e| self.error(e))
        }
        .boxed()
    }

    fn receive(
        &self,
        max: usize,
        wait: Duration,
    ) -> BoxFuture<'_, Result<Vec<Delivery>, QueueError>> {
        async move {
            match self.read_new(max, wait).await {
                Err(err) if is_missing_group(&err) => {
                    self.ensure_group().await?;
                    self.read_new(max, wait).await.map_err(|e| self.error(e))
                }
                read => read.map_err(|e| self.error(e)),
            }
        }
        .boxed()
    }

    fn reclaim(
        &self,
        idle: Duration,
        max: usize,
    ) -> BoxFuture<'_, Result<Vec<Delivery>, QueueError>> {
        async move {
            match self.claim(idle, max).await {
                Err(err) if is_missing_group(&err) => {
                    self.ensure_group().await?;
                    Ok(Vec::new())
                }
                claimed => claimed.map_err(|e| self.error(e)),
            }
        }
        .boxed()
    }

    fn ack<'a>(&'a self, ids: &'a [String]) -> BoxFuture<'a, Result<(), QueueError>> {
        async move {
            if ids.is_empty() {
                return Ok(());
            }
            let mut conn = self.conn.clone();
            conn.xack::<_, _, _, u64>(&self.stream, &self.group, ids)
                .await
                .map(drop)
                .map_err(|e| self.error(e))
        }
        .boxed()
    }

    fn dead_letter<'a>(
        &'a self,
        delivery: &'a Delivery,
        reason: &'a str,
    ) -> BoxFuture<'a, Result<(), QueueError>> {
        async move {
            let mut conn = self.conn.clone();
            let deliveries = delivery.deliveries.to_string();
            let fields = [
                ("repo", delivery.job.repo.as_str()),
                ("branch", delivery.job.branch.as_str()),
                ("commit", delivery.job.commit.as_str()),
                ("message", delivery.id.as_str()),
                ("deliveries", deliveries.as_str()),
                ("reason", reason),
            ];
            // Added before the acknowledgement: a crash in between leaves a duplicate dead
            // letter, never a job that vanished.
            conn.xadd::<_, _, _, _, String>(&self.dead, "*", &fields)
                .await
                .map_err(|e| self.error(e))?;
            self.ack(std::slice::from_ref(&delivery.id)).await
        }
        .boxed()
    }

    fn describe(&self) -> String {
        format!("Redis stream {} at {}", self.stream, self.shown_url)
    }
}

fn is_missing_group(err: &RedisError) -> bool {
    err.code() == Some("NOGROUP")
}

/// `redis://user:secret@host/0` → `redis://user:***@host/0`.
pub(crate) fn without_password(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_not_shown() {
        assert_eq!(
            super::without_password("redis://u:hunter2@h:6379/0"),
            "redis://u:***@h:6379/0"
        );
        assert_eq!(
            super::without_password("redis://127.0.0.1:6379"),
            "redis://127.0.0.1:6379"
        );
    }
}
