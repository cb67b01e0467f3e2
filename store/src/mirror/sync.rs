//! The diff engine: read what a table holds, compare it with the rows a project yields, and
//! write only the difference with batched multi-row statements.
//!
//! Statements are built here rather than with `sqlx::QueryBuilder`: under the Any driver its
//! `push_bind` writes `?` placeholders (the `Arguments::format_placeholder` default), which
//! PostgreSQL rejects. PostgreSQL gets `$1`, `$2`, ...; SQLite gets plain `?`: it looks each
//! `$NNN` up by name among the statement's parameters while parsing, which is quadratic in
//! their number (a batch of 1000 items took 2 s to prepare, against 0.16 s on PostgreSQL).

use std::collections::HashMap;

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row as _};

use super::MirrorError;
use super::rows::{Cell, Col, Row, Table};

/// Bind parameters per statement: PostgreSQL takes at most 65535, SQLite 32766.
const MAX_PARAMS: usize = 30_000;
/// Rows per statement, whatever their width: keeps statements a few hundred kB at most.
const MAX_ROWS: usize = 1_000;

/// The database behind a pool: decides JSON casts and little else.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The `n`th (1-based) bind parameter; parameters are always written in order.
    fn placeholder(self, n: usize) -> String {
        match self {
            Backend::Sqlite => "?".to_owned(),
            Backend::Postgres => format!("${n}"),
        }
    }
}

/// How one table differs from the rows wanted.
#[derive(Debug, Default)]
pub(super) struct TableDiff {
    pub(super) added: Vec<Row>,
    /// (held, wanted)
    pub(super) changed: Vec<(Row, Row)>,
    pub(super) removed: Vec<Row>,
}

impl TableDiff {
    /// Rows inserted or replaced.
    pub(super) fn written(&self) -> usize {
        self.added.len() + self.changed.len()
    }
}

/// The key of a row as one string (key cells are text or integers).
fn key_of(row: &[Cell], key: usize) -> String {
    let mut out = String::new();
    for cell in &row[..key] {
        match cell {
            Cell::Text(text) => out.push_str(text),
            Cell::Int(n) => out.push_str(&n.to_string()),
            other => out.push_str(&format!("{other:?}")),
        }
        // A unit separator: ids cannot hold control characters.
        out.push('\u{1f}');
    }
    out
}

/// Compares what `table` holds with `wanted` (unique by key).
pub(super) async fn diff(
    conn: &mut AnyConnection,
    table: &Table,
    wanted: Vec<Row>,
    action: &str,
) -> Result<TableDiff, MirrorError> {
    let mut held = read(conn, table, action).await?;
    let mut diff = TableDiff::default();
    for row in wanted {
        match held.remove(&key_of(&row, table.key)) {
            None => diff.added.push(row),
            Some(old) if old != row => diff.changed.push((old, row)),
            Some(_) => {}
        }
    }
    diff.removed = held.into_values().collect();
    Ok(diff)
}

/// Every row of `table` (without its stamp column), by key.
pub(super) async fn read(
    conn: &mut AnyConnection,
    table: &Table,
    action: &str,
) -> Result<HashMap<String, Row>, MirrorError> {
    let sql = format!("select {}\nfrom {}", select_list(table), table.name);
    let rows = sqlx::query(&sql)
        .fetch_all(&mut *conn)
        .await
        .map_err(MirrorError::database(action))?;
    let mut held = HashMap::with_capacity(rows.len());
    for row in &rows {
        let cells = decode(row, table, action)?;
        held.insert(key_of(&cells, table.key), cells);
    }
    Ok(held)
}

/// Columns of `table` as [`decode`] reads them. Booleans and JSON are read as integers and
/// text: the Any driver cannot decode SQLite booleans, and jsonb arrives as text either way.
pub(super) fn select_list(table: &Table) -> String {
    table
        .columns
        .iter()
        .map(|&(name, col)| match col {
            Col::Bool => format!("cast(case when {name} then 1 else 0 end as bigint)"),
            Col::Json => format!("cast({name} as text)"),
            _ => name.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The cells of a row read by [`read`] (or any query selecting [`select_list`]).
pub(super) fn decode(row: &AnyRow, table: &Table, action: &str) -> Result<Row, MirrorError> {
    let corrupt = |column: &'static str, detail: String| MirrorError::Corrupt {
        action: action.to_owned(),
        table: table.name,
        column,
        detail,
    };
    let mut cells = Vec::with_capacity(table.columns.len());
    for (i, &(name, col)) in table.columns.iter().enumerate() {
        let cell = match col {
            Col::Text => row.try_get::<String, _>(i).map(Cell::Text),
            Col::OptText => row
                .try_get::<Option<String>, _>(i)
                .map(|v| v.map_or(Cell::Null, Cell::Text)),
            Col::Int => row.try_get::<i64, _>(i).map(Cell::Int),
            Col::Bool => row.try_get::<i64, _>(i).map(|v| Cell::Bool(v != 0)),
            Col::Json => row.try_get::<String, _>(i).and_then(|text| {
                serde_json::from_str(&text)
                    .map(Cell::Json)
                    .map_err(|err| sqlx::Error::Decode(Box::new(err)))
            }),
        };
        cells.push(cell.map_err(|err| corrupt(name, err.to_string()))?);
    }
    Ok(cells)
}

/// Writes `diff` to `table`: removed and changed rows deleted by key, added and changed rows
/// inserted (with `stamp` in the stamp column).
pub(super) async fn apply(
    conn: &mut AnyConnection,
    backend: Backend,
    table: &Table,
    diff: &TableDiff,
    stamp: &str,
    action: &str,
) -> Result<(), MirrorError> {
    let gone: Vec<&Row> = diff
        .removed
        .iter()
        .chain(diff.changed.iter().map(|(old, _)| old))
        .collect();
    delete(conn, backend, table, &gone, action).await?;
    let new: Vec<&Row> = diff
        .added
        .iter()
        .chain(diff.changed.iter().map(|(_, new)| new))
        .collect();
    insert(conn, backend, table, &new, Some(stamp), "", action).await
}

/// Deletes `rows` (only their key cells are used), in batches.
async fn delete(
    conn: &mut AnyConnection,
    backend: Backend,
    table: &Table,
    rows: &[&Row],
    action: &str,
) -> Result<(), MirrorError> {
    let key_columns: Vec<&str> = table.columns[..table.key]
        .iter()
        .map(|(name, _)| *name)
        .collect();
    for batch in rows.chunks(batch_rows(table.key)) {
        let mut sql = String::with_capacity(64 + batch.len() * 8 * table.key);
        let mut n = 0;
        if table.key == 1 {
            sql.push_str(&format!(
                "delete from {} where {} in (",
                table.name, key_columns[0]
            ));
        } else {
            // Row values: `(a, b) in (values ($1, $2), ...)`, on PostgreSQL and SQLite >= 3.15.
            let columns = key_columns.join(", ");
            sql.push_str(&format!(
                "delete from {} where ({columns}) in (values ",
                table.name
            ));
        }
        for (r, _) in batch.iter().enumerate() {
            if r > 0 {
                sql.push_str(", ");
            }
            if table.key > 1 {
                sql.push('(');
            }
            for c in 0..table.key {
                if c > 0 {
                    sql.push_str(", ");
                }
                n += 1;
                sql.push_str(&backend.placeholder(n));
            }
            if table.key > 1 {
                sql.push(')');
            }
        }
        sql.push(')');
        let mut query = sqlx::query(&sql);
        for row in batch {
            for cell in &row[..table.key] {
                query = bind(query, cell);
            }
        }
        query
            .execute(&mut *conn)
            .await
            .map_err(MirrorError::database(action))?;
    }
    Ok(())
}

/// Inserts `rows` in multi-row statements; `stamp` fills the table's stamp column, and `tail`
/// ends each statement (an `on conflict` clause).
pub(super) async fn insert(
    conn: &mut AnyConnection,
    backend: Backend,
    table: &Table,
    rows: &[&Row],
    stamp: Option<&str>,
    tail: &str,
    action: &str,
) -> Result<(), MirrorError> {
    let stamp = table.stamp.zip(stamp);
    let mut names: Vec<&str> = table.columns.iter().map(|(name, _)| *name).collect();
    names.extend(stamp.map(|(column, _)| column));
    let width = names.len();
    for batch in rows.chunks(batch_rows(width)) {
        let mut sql = String::with_capacity(64 + batch.len() * width * 8);
        sql.push_str(&format!(
            "insert into {} ({})\nvalues ",
            table.name,
            names.join(", ")
        ));
        let mut n = 0;
        for r in 0..batch.len() {
            sql.push_str(if r == 0 { "(" } else { ", (" });
            for c in 0..width {
                n += 1;
                if c > 0 {
                    sql.push_str(", ");
                }
                let is_json = table
                    .columns
                    .get(c)
                    .is_some_and(|(_, col)| *col == Col::Json);
                if is_json && backend == Backend::Postgres {
                    // The Any driver sends strings as text; jsonb wants an explicit cast.
                    sql.push_str(&format!("cast(${n} as jsonb)"));
                } else {
                    sql.push_str(&backend.placeholder(n));
                }
            }
            sql.push(')');
        }
        sql.push_str(tail);
        let mut query = sqlx::query(&sql);
        for row in batch {
            for cell in row.iter() {
                query = bind(query, cell);
            }
            if let Some((_, value)) = stamp {
                query = query.bind(value);
            }
        }
        query
            .execute(&mut *conn)
            .await
            .map_err(MirrorError::database(action))?;
    }
    Ok(())
}

fn batch_rows(params_per_row: usize) -> usize {
    (MAX_PARAMS / params_per_row.max(1)).clamp(1, MAX_ROWS)
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

fn bind<'q>(query: AnyQuery<'q>, cell: &'q Cell) -> AnyQuery<'q> {
    match cell {
        Cell::Text(text) => query.bind(text.as_str()),
        Cell::Int(n) => query.bind(*n),
        Cell::Bool(b) => query.bind(*b),
        Cell::Json(value) => query.bind(value.to_string()),
        Cell::Null => query.bind(None::<String>),
    }
}
