//! `tracebook user` and `tracebook token`: account administration from the shell, on the same
//! database `tracebook serve` uses. Each command opens the store (migrating it), does one thing
//! and records it in the audit log with client `cli`.

use std::future::Future;
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use tracebook_store::accounts::{
    AccountStore, MIN_PASSWORD_LEN, Role, TokenInfo, User, database_url,
};

use crate::cli::{DbArgs, ListFormat, RoleArg, TokenCommand, UserCommand};

/// The audit log's `client` for changes made here.
const CLIENT: &str = "cli";

pub(crate) fn user(command: UserCommand) -> Result<ExitCode> {
    match command {
        UserCommand::Add {
            name,
            role,
            password_stdin,
            db,
        } => {
            let password = read_password(password_stdin)?;
            let role = role_of(role);
            run(&db, async move |store| {
                store.add_user(&name, &password, role).await?;
                store
                    .audit(
                        "user.add",
                        Some(&name),
                        Some(CLIENT),
                        &format!("role {role}"),
                    )
                    .await?;
                eprintln!("added user {name} ({role})");
                Ok(())
            })
        }
        UserCommand::Passwd {
            name,
            password_stdin,
            db,
        } => {
            let password = read_password(password_stdin)?;
            run(&db, async move |store| {
                store.set_password(&name, &password).await?;
                store
                    .audit("user.passwd", Some(&name), Some(CLIENT), "")
                    .await?;
                eprintln!("changed the password of {name}");
                Ok(())
            })
        }
        UserCommand::ResetMfa { name, db } => run(&db, async move |store| {
            store.reset_mfa(&name).await?;
            let user = store.user(&name).await?;
            store.end_sessions_of(user.id).await?;
            store
                .audit("user.reset_mfa", Some(&name), Some(CLIENT), "")
                .await?;
            eprintln!(
                "turned off two-factor sign-in for {name}; they enroll again at next sign-in"
            );
            Ok(())
        }),
        UserCommand::Remove { name, db } => run(&db, async move |store| {
            store.remove_user(&name).await?;
            store
                .audit("user.remove", Some(&name), Some(CLIENT), "")
                .await?;
            eprintln!("removed user {name} with their tokens and sessions");
            Ok(())
        }),
        UserCommand::List { format, db } => run(&db, async move |store| {
            let users = store.list_users().await?;
            print_users(&users, format)
        }),
    }
}

pub(crate) fn token(command: TokenCommand) -> Result<ExitCode> {
    match command {
        TokenCommand::Create { user, name, db } => run(&db, async move |store| {
            let (id, secret) = store.create_token(&user, &name).await?;
            store
                .audit(
                    "token.create",
                    Some(&user),
                    Some(CLIENT),
                    &format!("token {id} {name:?}"),
                )
                .await?;
            eprintln!(
                "created token {id} ({name:?}) for {user}. Copy the secret below now: it is not \
                 stored and cannot be shown again."
            );
            println!("{secret}");
            Ok(())
        }),
        TokenCommand::Revoke { id, db } => run(&db, async move |store| {
            store.revoke_token(id).await?;
            store
                .audit("token.revoke", None, Some(CLIENT), &format!("token {id}"))
                .await?;
            eprintln!("revoked token {id}");
            Ok(())
        }),
        TokenCommand::List { format, db } => run(&db, async move |store| {
            let tokens = store.list_tokens().await?;
            print_tokens(&tokens, format)
        }),
    }
}

/// Opens the store on a one-thread runtime and runs `work` with it.
fn run(db: &DbArgs, work: impl AsyncFnOnce(&AccountStore) -> Result<()>) -> Result<ExitCode> {
    let url = database_url(&db.root, db.database_url.as_deref());
    block_on(async move {
        let store = AccountStore::open(&url)
            .await
            .with_context(|| format!("opening the account database {}", redacted(&url)))?;
        let outcome = work(&store).await;
        store.close().await;
        outcome
    })?;
    Ok(ExitCode::SUCCESS)
}

fn block_on<T>(work: impl Future<Output = Result<T>>) -> Result<T> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting tokio")?
        .block_on(work)
}

/// `url` without a password, for messages.
pub(crate) fn redacted(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or_default();
            // `redis://:PASSWORD@host` has no user: show `redis://host`, not `redis://@host`.
            let at = if user.is_empty() { at + 1 } else { at };
            format!("{}{user}{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

fn role_of(role: RoleArg) -> Role {
    match role {
        RoleArg::Viewer => Role::Viewer,
        RoleArg::Editor => Role::Editor,
        RoleArg::Admin => Role::Admin,
    }
}

/// The new password: one line of standard input with `--password-stdin` or when stdin is not a
/// terminal, else typed twice without echo.
fn read_password(from_stdin: bool) -> Result<String> {
    let stdin = std::io::stdin();
    if from_stdin || !stdin.is_terminal() {
        let mut line = String::new();
        stdin
            .lock()
            .read_line(&mut line)
            .context("reading the password from standard input")?;
        let password = line.trim_end_matches(['\n', '\r']).to_owned();
        check_length(&password)?;
        return Ok(password);
    }
    let first = rpassword::prompt_password("New password: ").context("reading the password")?;
    check_length(&first)?;
    let second = rpassword::prompt_password("Repeat it: ").context("reading the password")?;
    if first != second {
        bail!("the two passwords differ; nothing was changed");
    }
    Ok(first)
}

/// Fails early, before a database is opened, with the store's own message.
fn check_length(password: &str) -> Result<()> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(tracebook_store::accounts::Error::ShortPassword.into());
    }
    Ok(())
}

fn print_users(users: &[User], format: ListFormat) -> Result<()> {
    let mut out = std::io::stdout().lock();
    if format == ListFormat::Json {
        writeln!(out, "{}", serde_json::to_string_pretty(users)?)?;
        return Ok(());
    }
    if users.is_empty() {
        eprintln!("no users yet: add one with `tracebook user add NAME --role admin`");
        return Ok(());
    }
    writeln!(out, "{:<24} {:<7} {:<20} STATUS", "NAME", "ROLE", "CREATED")?;
    for user in users {
        let status = match (user.is_disabled, user.has_mfa) {
            (true, _) => "disabled",
            (false, true) => "active, mfa",
            (false, false) => "active",
        };
        let created = utc_time(user.created_at);
        writeln!(
            out,
            "{:<24} {:<7} {created:<20} {status}",
            user.name,
            user.role.as_str()
        )?;
    }
    Ok(())
}

fn print_tokens(tokens: &[TokenInfo], format: ListFormat) -> Result<()> {
    let mut out = std::io::stdout().lock();
    if format == ListFormat::Json {
        writeln!(out, "{}", serde_json::to_string_pretty(tokens)?)?;
        return Ok(());
    }
    if tokens.is_empty() {
        eprintln!(
            "no API tokens: create one with `tracebook token create --user NAME --name LABEL`"
        );
        return Ok(());
    }
    writeln!(
        out,
        "{:>4} {:<16} {:<16} {:<20} {:<20} STATUS",
        "ID", "USER", "NAME", "CREATED", "LAST USED"
    )?;
    for token in tokens {
        let last_used = token
            .last_used_at
            .map_or_else(|| "never".to_owned(), utc_time);
        let status = match token.revoked_at {
            Some(at) => format!("revoked {}", utc_time(at)),
            None => "active".to_owned(),
        };
        writeln!(
            out,
            "{:>4} {:<16} {:<16} {:<20} {last_used:<20} {status}",
            token.id,
            token.user_name,
            token.name,
            utc_time(token.created_at)
        )?;
    }
    Ok(())
}

/// Seconds since the epoch as `YYYY-MM-DD HH:MM UTC` (the date as git dates are shown).
fn utc_time(seconds: i64) -> String {
    let minutes = seconds.rem_euclid(86_400) / 60;
    format!(
        "{} {:02}:{:02} UTC",
        tracebook_generator::git::utc_date(seconds),
        minutes / 60,
        minutes % 60
    )
}

#[cfg(test)]
mod tests {
    use super::{redacted, utc_time};

    #[test]
    fn formats_utc_times() {
        assert_eq!(utc_time(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc_time(1_795_000_000), "2026-11-18 11:06 UTC");
    }

    #[test]
    fn hides_passwords_in_urls() {
        assert_eq!(redacted("postgres://u:secret@h/db"), "postgres://u@h/db");
        assert_eq!(redacted("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redacted("sqlite:///p/x.db"), "sqlite:///p/x.db");
        // Redis with a password and no user: neither the password nor an empty userinfo.
        assert_eq!(
            redacted("redis://:secret@tracebook-redis:6379/0"),
            "redis://tracebook-redis:6379/0"
        );
    }
}
