//! The account store: one connection pool to SQLite or PostgreSQL through sqlx's Any driver,
//! migrated when opened. SQL sticks to what both databases share (`$1` placeholders,
//! `returning`, bigint times, no booleans: the Any driver cannot decode SQLite booleans).

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::any::AnyPoolOptions;
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Connection};

use super::{Error, Result, Role, password};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/postgres");

/// Columns of `users u` that make a [`User`] (see `UserRow`).
pub(crate) const USER_COLUMNS: &str =
    "u.id, u.name, u.role, u.created_at, u.disabled_at, u.mfa_secret";

/// Longest user name, in characters.
const MAX_NAME_LEN: usize = 64;

/// Accounts, tokens, sessions and the audit log in one database.
#[derive(Clone, Debug)]
pub struct AccountStore {
    pub(crate) pool: AnyPool,
}

/// A user as the rest of the program sees it (never the password hash or MFA secret).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct User {
    /// Database id.
    pub id: i64,
    /// Unique login name.
    pub name: String,
    /// What the user may do.
    pub role: Role,
    /// Seconds since the epoch.
    pub created_at: i64,
    /// A disabled user can neither log in nor use tokens.
    pub is_disabled: bool,
    /// Whether the user has set up a second factor.
    pub has_mfa: bool,
}

/// One line of the audit log.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct AuditEntry {
    /// Seconds since the epoch.
    pub at: i64,
    /// What happened, e.g. `user.add`, `login.failed`.
    pub event: String,
    /// Whom it concerns, when known.
    pub user_name: Option<String>,
    /// Where it came from: `cli`, or the client's address.
    pub client: Option<String>,
    /// Free text.
    pub detail: String,
}

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: i64,
    name: String,
    role: String,
    created_at: i64,
    disabled_at: Option<i64>,
    mfa_secret: Option<String>,
}

impl UserRow {
    pub(crate) fn into_user(self) -> Result<User> {
        Ok(User {
            id: self.id,
            name: self.name,
            role: self.role.parse()?,
            created_at: self.created_at,
            is_disabled: self.disabled_at.is_some(),
            has_mfa: self.mfa_secret.is_some(),
        })
    }
}

#[derive(sqlx::FromRow)]
struct LoginRow {
    password_hash: String,
    #[sqlx(flatten)]
    user: UserRow,
}

/// The database to use: `explicit` (from `--database-url` or `DATABASE_URL`) when given and
/// not empty, else the SQLite file `ROOT/.tracebook/tracebook.db`.
pub fn database_url(root: &Path, explicit: Option<&str>) -> String {
    match explicit.map(str::trim) {
        Some(url) if !url.is_empty() => url.to_owned(),
        _ => format!(
            "sqlite://{}",
            root.join(".tracebook/tracebook.db").display()
        ),
    }
}

/// The SQLite database holds password hashes and TOTP secrets: its folder is made 0700 when
/// created (and when it is the project's `.tracebook/`), the file and SQLite's companions
/// (`-wal`, `-shm`, `-journal`, which SQLite creates with the file's mode) 0600, also when an
/// older version left them readable by others.
fn private_sqlite_file(dir: &Path, file: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
    let private = |path: &Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
    };
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    if dir.file_name().is_some_and(|name| name == ".tracebook") {
        private(dir, 0o700)?;
    }
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(file)
    {
        Ok(_) => {}
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => private(file, 0o600)?,
        Err(err) => return Err(err),
    }
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut companion = file.as_os_str().to_owned();
        companion.push(suffix);
        let companion = Path::new(&companion);
        if companion.exists() {
            private(companion, 0o600)?;
        }
    }
    Ok(())
}

/// Seconds since the Unix epoch (0 if the clock is before it).
pub(crate) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
        })
}

fn check_name(name: &str) -> Result<()> {
    let length = name.chars().count();
    if length == 0
        || length > MAX_NAME_LEN
        || name.chars().any(|c| c.is_control() || c.is_whitespace())
    {
        return Err(Error::InvalidName(name.to_owned()));
    }
    Ok(())
}

impl AccountStore {
    /// Connects to `url` (`sqlite://PATH`, created with its folder if missing, or
    /// `postgres://…`) and applies the migrations this binary embeds.
    pub async fn open(url: &str) -> Result<AccountStore> {
        Ok(AccountStore {
            pool: AccountStore::open_pool(url).await?,
        })
    }

    /// The pool behind [`AccountStore::open`]: connects and applies the migrations, which create
    /// every table of the database (accounts and the SQL mirror). An associated function so that
    /// `crate::mirror::Mirror::open` reaches it through the public type.
    pub(crate) async fn open_pool(url: &str) -> Result<AnyPool> {
        sqlx::any::install_default_drivers();
        let (url, migrator) = if let Some(path) = url.strip_prefix("sqlite://") {
            let file = Path::new(path.split('?').next().unwrap_or(path));
            if let Some(dir) = file.parent().filter(|dir| !dir.as_os_str().is_empty()) {
                private_sqlite_file(dir, file).map_err(|source| Error::CreateDir {
                    path: dir.to_owned(),
                    source,
                })?;
            }
            // `mode=rwc`: create the file when missing (sqlx opens read-write only by default).
            let url = if url.contains("mode=") {
                url.to_owned()
            } else if url.contains('?') {
                format!("{url}&mode=rwc")
            } else {
                format!("{url}?mode=rwc")
            };
            (url, &SQLITE_MIGRATIONS)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (url.to_owned(), &POSTGRES_MIGRATIONS)
        } else {
            return Err(Error::UnsupportedUrl(url.to_owned()));
        };
        // One direct connection first: when the server is down or refuses us, the pool only
        // reports "timed out" after its acquire timeout; this reports why, at once.
        sqlx::AnyConnection::connect(&url).await?.close().await?;
        // A short acquire timeout: with the database down, requests answer 503 in seconds
        // instead of hanging for sqlx's default 30 s.
        let pool = AnyPoolOptions::new()
            .max_connections(5)
            .acquire_timeout(std::time::Duration::from_secs(3))
            .connect(&url)
            .await?;
        migrator.run(&pool).await?;
        Ok(pool)
    }

    /// Whether the database takes a write now (for health checks): a write transaction that
    /// changes nothing, rolled back. Fails while another process holds the write lock, or the
    /// database is read-only, full or gone.
    pub async fn check_writable(&self) -> Result<()> {
        let mut transaction = self.pool.begin().await?;
        sqlx::query("update users set name = name where id < 0")
            .execute(&mut *transaction)
            .await?;
        transaction.rollback().await?;
        Ok(())
    }

    /// Opens the default SQLite database of the project at `root`.
    pub async fn open_root(root: &Path) -> Result<AccountStore> {
        AccountStore::open(&database_url(root, None)).await
    }

    /// Closes the pool, waiting for connections to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Adds a user; the name must be new and the password long enough.
    pub async fn add_user(&self, name: &str, password: &str, role: Role) -> Result<User> {
        check_name(name)?;
        let hash = password::hash(password).await?;
        let created_at = now();
        let inserted = sqlx::query_scalar(
            "insert into users (name, password_hash, role, created_at)
             values ($1, $2, $3, $4)
             returning id",
        )
        .bind(name)
        .bind(&hash)
        .bind(role.as_str())
        .bind(created_at)
        .fetch_one(&self.pool)
        .await;
        let id: i64 = match inserted {
            Err(sqlx::Error::Database(db)) if db.is_unique_violation() => {
                return Err(Error::DuplicateUser(name.to_owned()));
            }
            other => other?,
        };
        Ok(User {
            id,
            name: name.to_owned(),
            role,
            created_at,
            is_disabled: false,
            has_mfa: false,
        })
    }

    /// The user named `name`.
    pub async fn user(&self, name: &str) -> Result<User> {
        let sql = format!(
            "select {USER_COLUMNS}
             from users u
             where u.name = $1"
        );
        let row: Option<UserRow> = sqlx::query_as(&sql)
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        row.ok_or_else(|| Error::UnknownUser(name.to_owned()))?
            .into_user()
    }

    /// Replaces a user's password; their sessions end (tokens stay valid).
    pub async fn set_password(&self, name: &str, password: &str) -> Result<()> {
        let user = self.user(name).await?;
        let hash = password::hash(password).await?;
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "update users
             set password_hash = $1
             where id = $2",
        )
        .bind(&hash)
        .bind(user.id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("delete from sessions where user_id = $1")
            .bind(user.id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes a user with their tokens, sessions and recovery codes.
    pub async fn remove_user(&self, name: &str) -> Result<()> {
        let user = self.user(name).await?;
        let mut tx = self.pool.begin().await?;
        // Explicit deletes rather than relying on `on delete cascade`: SQLite enforces foreign
        // keys only when the connection enables them.
        for table in ["api_tokens", "sessions", "recovery_codes"] {
            sqlx::query(&format!("delete from {table} where user_id = $1"))
                .bind(user.id)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("delete from users where id = $1")
            .bind(user.id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// All users, by name.
    pub async fn list_users(&self) -> Result<Vec<User>> {
        let sql = format!(
            "select {USER_COLUMNS}
             from users u
             order by u.name"
        );
        let rows: Vec<UserRow> = sqlx::query_as(&sql).fetch_all(&self.pool).await?;
        rows.into_iter().map(UserRow::into_user).collect()
    }

    /// How many users exist (zero: the server offers its one-time setup link).
    pub async fn count_users(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("select count(*) from users")
            .fetch_one(&self.pool)
            .await?)
    }

    /// The enabled user `name` if `password` is theirs. Unknown names cost the same argon2
    /// work as known ones, so timing does not reveal which names exist.
    pub async fn verify_password(&self, name: &str, password: &str) -> Result<Option<User>> {
        let sql = format!(
            "select u.password_hash, {USER_COLUMNS}
             from users u
             where u.name = $1"
        );
        let row: Option<LoginRow> = sqlx::query_as(&sql)
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        let (stored, user) = match row {
            Some(row) => (Some(row.password_hash), Some(row.user)),
            None => (None, None),
        };
        if !password::verify(password, stored).await? {
            return Ok(None);
        }
        match user {
            Some(row) => Ok(Some(row.into_user()?).filter(|user| !user.is_disabled)),
            None => Ok(None),
        }
    }

    /// Appends to the audit log.
    pub async fn audit(
        &self,
        event: &str,
        user_name: Option<&str>,
        client: Option<&str>,
        detail: &str,
    ) -> Result<()> {
        sqlx::query(
            "insert into audit_log (at, event, user_name, client, detail)
             values ($1, $2, $3, $4, $5)",
        )
        .bind(now())
        .bind(event)
        .bind(user_name)
        .bind(client)
        .bind(detail)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The latest `limit` audit entries, newest first.
    pub async fn recent_audit(&self, limit: i64) -> Result<Vec<AuditEntry>> {
        Ok(sqlx::query_as(
            "select at, event, user_name, client, detail
             from audit_log
             order by id desc
             limit $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }
}
