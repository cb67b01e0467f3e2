//! The SQL mirror: after each commit the worker copies an index of the project
//! (items, links with their suspect flags, coverage per rule, baselines) and a row per site
//! build into plain tables, so that a BI tool can query them (schema and example queries:
//! `docs/mirror.md`). Nothing in tracebook reads the mirror back to make a decision; it is an
//! export that stays current.
//!
//! Design:
//! - **Diff-based.** A sync reads what the tables hold, compares it with the rows the project
//!   yields, and writes only the difference (batched multi-row deletes and inserts). A commit
//!   usually touches a few items of thousands, so a re-sync costs one read of each table and a
//!   handful of writes, rather than rewriting 10k rows and bloating the database (PostgreSQL keeps
//!   dead rows until vacuum). It also makes `sync` idempotent and lets it converge from any state,
//!   including a mirror left by another branch's commit, and it records what changed
//!   (`mirror_changes`), which answers "what changed between two commits".
//! - **One transaction per sync.** The sync first locks `mirror_state` (an update of its one row,
//!   which takes the write lock on SQLite and a row lock on PostgreSQL), so two workers never
//!   interleave, then diffs and writes every table and moves `mirror_state` to the new commit.
//!   A crash or error before the commit leaves the previous commit's complete mirror: a BI tool
//!   never sees half of one commit and half of another.
//! - **The same database as the accounts.** One URL to configure, one pool to share
//!   ([`Mirror::from_pool`] with the server's pool), one set of migrations (`migrations/*`,
//!   applied by [`Mirror::open`] just as by `AccountStore::open`), and no second backup.
//!   BI users get a database role limited to the `mirror_*` tables and views.
//! - **Computed by the model.** Coverage comes from the model's rule evaluation and suspect
//!   flags from its link graph; SQL only counts them (views `coverage_per_rule`,
//!   `uncovered_items`, `trace_matrix`), so the mirror agrees with the site and `check`.
//!
//! Through sqlx's Any driver like the accounts: booleans are written as booleans (0/1 on SQLite)
//! but read back as integers, since the driver cannot decode SQLite booleans; JSON is cast to
//! jsonb on PostgreSQL and stored as text on SQLite.

mod builds;
mod error;
mod rows;
mod sync;

#[cfg(test)]
mod tests;

use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::{AnyConnection, AnyPool};
use tracebook_model::Project;

pub use builds::BuildRow;
pub use error::MirrorError;

use rows::{CHANGES, Cell, ITEM_EVIDENCE, ITEM_FINGERPRINT, ITEMS, Row, SYNCED};
use sync::{Backend, TableDiff};

/// The mirror tables in one database (SQLite or PostgreSQL), shared with the accounts.
#[derive(Clone, Debug)]
pub struct Mirror {
    pool: AnyPool,
    backend: Backend,
}

/// The commit a sync mirrors (from git, by the worker).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MirrorCommit {
    /// Full commit id.
    pub id: String,
    /// Author name (and address, as the caller likes).
    pub author: String,
    /// Commit time, seconds since the Unix epoch.
    pub committed_at: i64,
    /// First line of the message.
    pub summary: String,
}

/// What a sync did. Rows "written" were inserted or replaced; rows "deleted" are gone.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// The commit the mirror now holds.
    pub commit: String,
    /// Items added or changed.
    pub items_written: usize,
    /// Items removed.
    pub items_deleted: usize,
    /// Links added or changed (a suspect flag that flipped, a new review fingerprint).
    pub links_written: usize,
    /// Links removed.
    pub links_deleted: usize,
    /// The mirror held this commit already, and nothing was written.
    pub was_current: bool,
}

impl Mirror {
    /// Connects to `url` (`sqlite://PATH` or `postgres://…`, as for the accounts) and applies the
    /// migrations.
    pub async fn open(url: &str) -> Result<Mirror, MirrorError> {
        let pool = crate::accounts::AccountStore::open_pool(url)
            .await
            .map_err(MirrorError::Open)?;
        Ok(Mirror::from_pool(pool))
    }

    /// A mirror on an open, migrated pool (the server's accounts pool).
    pub fn from_pool(pool: AnyPool) -> Mirror {
        let scheme = pool.connect_options().database_url.scheme().to_owned();
        let backend = if scheme.starts_with("postgres") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        };
        Mirror { pool, backend }
    }

    /// The pool, to share or close.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The commit the mirror holds, if it was ever synced.
    pub async fn synced_commit(&self) -> Result<Option<String>, MirrorError> {
        sqlx::query_scalar("select commit_id from mirror_state where id = 1")
            .fetch_one(&self.pool)
            .await
            .map_err(MirrorError::database("reading the mirrored commit"))
    }

    /// Makes the mirror hold `project` at `commit`, in one transaction; nothing is written when
    /// it holds that commit already.
    pub async fn sync(
        &self,
        project: &Project,
        commit: &MirrorCommit,
    ) -> Result<SyncReport, MirrorError> {
        let action = format!("syncing commit {}", commit.id);
        let database = MirrorError::database(&action);
        let mut tx = self.pool.begin().await.map_err(database)?;
        let held = lock_state(&mut tx, &action).await?;
        let mut report = SyncReport {
            commit: commit.id.clone(),
            ..SyncReport::default()
        };
        if held.as_deref() == Some(commit.id.as_str()) {
            report.was_current = true;
            // Nothing written: ending the transaction releases the lock.
            tx.rollback()
                .await
                .map_err(MirrorError::database(&action))?;
            return Ok(report);
        }
        // Built only now, so that a sync of the held commit costs one query. A copy of the
        // project (tens of milliseconds for 10k items), so it runs here rather than through
        // spawn_blocking.
        let wanted = rows::project_rows(project);
        let now = now();
        upsert_commit(&mut tx, commit, now, &action).await?;
        for (table, wanted) in SYNCED.into_iter().zip(wanted) {
            let diff = sync::diff(&mut tx, table, wanted, &action).await?;
            sync::apply(&mut tx, self.backend, table, &diff, &commit.id, &action).await?;
            if table.name == ITEMS.name {
                report.items_written = diff.written();
                report.items_deleted = diff.removed.len();
                self.log_changes(&mut tx, &diff, &commit.id, &action)
                    .await?;
            } else if table.name == rows::LINKS.name {
                report.links_written = diff.written();
                report.links_deleted = diff.removed.len();
            }
        }
        sqlx::query(
            "update mirror_state
             set commit_id = $1, synced_at = $2
             where id = 1",
        )
        .bind(&commit.id)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(MirrorError::database(&action))?;
        tx.commit().await.map_err(MirrorError::database(&action))?;
        tracing::info!(
            commit = %commit.id,
            items_written = report.items_written,
            items_deleted = report.items_deleted,
            links_written = report.links_written,
            links_deleted = report.links_deleted,
            "mirror synced"
        );
        Ok(report)
    }

    /// Records the items `diff` added, modified and removed as changes of `commit` (replacing
    /// what an earlier sync of the same commit recorded).
    async fn log_changes(
        &self,
        conn: &mut AnyConnection,
        diff: &TableDiff,
        commit: &str,
        action: &str,
    ) -> Result<(), MirrorError> {
        sqlx::query("delete from mirror_changes where commit_id = $1")
            .bind(commit)
            .execute(&mut *conn)
            .await
            .map_err(MirrorError::database(action))?;
        let change = |row: Option<&Row>, new: Option<&Row>, what: &str| -> Row {
            let any = row.or(new).expect("BUG: a change has an old or a new row");
            let fingerprint =
                |r: Option<&Row>| r.map_or(Cell::Null, |r| r[ITEM_FINGERPRINT].clone());
            vec![
                Cell::Text(commit.to_owned()),
                any[0].clone(),
                Cell::Text(what.to_owned()),
                fingerprint(row),
                fingerprint(new),
            ]
        };
        let rows: Vec<Row> = diff
            .added
            .iter()
            .map(|new| change(None, Some(new), "added"))
            .chain(
                diff.changed
                    .iter()
                    // A new verdict from a new test run is not a change of the item.
                    .filter(|(old, new)| !only_evidence_differs(old, new))
                    .map(|(old, new)| change(Some(old), Some(new), "modified")),
            )
            .chain(
                diff.removed
                    .iter()
                    .map(|old| change(Some(old), None, "removed")),
            )
            .collect();
        let refs: Vec<&Row> = rows.iter().collect();
        sync::insert(conn, self.backend, &CHANGES, &refs, None, "", action).await
    }
}

/// Takes the mirror's write lock (see the module doc) and returns the commit it holds.
async fn lock_state(conn: &mut AnyConnection, action: &str) -> Result<Option<String>, MirrorError> {
    sqlx::query("update mirror_state set synced_at = synced_at where id = 1")
        .execute(&mut *conn)
        .await
        .map_err(MirrorError::database(action))?;
    sqlx::query_scalar("select commit_id from mirror_state where id = 1")
        .fetch_one(&mut *conn)
        .await
        .map_err(MirrorError::database(action))
}

async fn upsert_commit(
    conn: &mut AnyConnection,
    commit: &MirrorCommit,
    now: i64,
    action: &str,
) -> Result<(), MirrorError> {
    sqlx::query(
        "insert into mirror_commits (id, author, committed_at, summary, synced_at)
         values ($1, $2, $3, $4, $5)
         on conflict (id) do update
         set author = excluded.author,
             committed_at = excluded.committed_at,
             summary = excluded.summary,
             synced_at = excluded.synced_at",
    )
    .bind(&commit.id)
    .bind(&commit.author)
    .bind(commit.committed_at)
    .bind(&commit.summary)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map(drop)
    .map_err(MirrorError::database(action))
}

/// Seconds since the Unix epoch (0 if the clock is before it).
fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
        })
}

/// Whether two rows of `mirror_items` differ in the evidence column alone.
fn only_evidence_differs(old: &Row, new: &Row) -> bool {
    old.iter()
        .zip(new)
        .enumerate()
        .all(|(i, (a, b))| i == ITEM_EVIDENCE || a == b)
}
