//! Site builds in the mirror: one row per build the worker ran, published or failed.

use serde::{Deserialize, Serialize};

use super::rows::{BUILDS, Cell, Row};
use super::sync::{self, decode, select_list};
use super::{Mirror, MirrorError};

/// One site build, as the worker reports it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BuildRow {
    /// The build's id (unique; recording the same id again replaces the row).
    pub id: String,
    /// The commit built, when known.
    pub commit: Option<String>,
    /// The branch built.
    pub branch: String,
    /// Start, milliseconds since the Unix epoch.
    pub started_at: i64,
    /// How long the build took.
    pub duration_ms: i64,
    /// `published` or `failed`.
    pub result: String,
    /// Error diagnostics of the build.
    pub errors: i64,
    /// The diagnostics, as JSON.
    pub diagnostics: serde_json::Value,
    /// Name of the worker that ran it.
    pub worker: String,
}

impl BuildRow {
    fn to_row(&self) -> Row {
        vec![
            Cell::Text(self.id.clone()),
            self.commit.clone().map_or(Cell::Null, Cell::Text),
            Cell::Text(self.branch.clone()),
            Cell::Int(self.started_at),
            Cell::Int(self.duration_ms),
            Cell::Text(self.result.clone()),
            Cell::Int(self.errors),
            Cell::Json(self.diagnostics.clone()),
            Cell::Text(self.worker.clone()),
        ]
    }

    fn from_row(row: Row) -> Option<BuildRow> {
        let mut cells = row.into_iter();
        let mut next = || cells.next();
        let text = |cell: Option<Cell>| match cell {
            Some(Cell::Text(text)) => Some(text),
            _ => None,
        };
        let int = |cell: Option<Cell>| match cell {
            Some(Cell::Int(n)) => Some(n),
            _ => None,
        };
        Some(BuildRow {
            id: text(next())?,
            commit: text(next()),
            branch: text(next())?,
            started_at: int(next())?,
            duration_ms: int(next())?,
            result: text(next())?,
            errors: int(next())?,
            diagnostics: match next() {
                Some(Cell::Json(value)) => value,
                _ => return None,
            },
            worker: text(next())?,
        })
    }
}

impl Mirror {
    /// Records `build`, replacing an earlier row with its id (a build recorded when it starts
    /// and again when it ends).
    pub async fn record_build(&self, build: &BuildRow) -> Result<(), MirrorError> {
        let action = format!("recording build {}", build.id);
        let row = build.to_row();
        let updates: Vec<String> = BUILDS.columns[1..]
            .iter()
            .map(|(name, _)| format!("{name} = excluded.{name}"))
            .collect();
        let tail = format!("\non conflict (id) do update\nset {}", updates.join(", "));
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(MirrorError::database(&action))?;
        sync::insert(
            &mut conn,
            self.backend,
            &BUILDS,
            &[&row],
            None,
            &tail,
            &action,
        )
        .await
    }

    /// The latest `limit` builds, newest first.
    pub async fn builds(&self, limit: i64) -> Result<Vec<BuildRow>, MirrorError> {
        let action = "listing builds";
        let sql = format!(
            "select {}\nfrom mirror_builds\norder by started_at desc, id desc\nlimit $1",
            select_list(&BUILDS)
        );
        let rows = sqlx::query(&sql)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(MirrorError::database(action))?;
        rows.iter()
            .map(|row| {
                let cells = decode(row, &BUILDS, action)?;
                BuildRow::from_row(cells).ok_or_else(|| MirrorError::Corrupt {
                    action: action.to_owned(),
                    table: BUILDS.name,
                    column: "*",
                    detail: "BUG: a decoded row does not match the build columns".to_owned(),
                })
            })
            .collect()
    }
}
