//! MFA store tests, each run against SQLite in a temporary folder and against a fresh
//! PostgreSQL database (created on TRACEBOOK_TEST_POSTGRES, dropped at the end), as in
//! `tests.rs`, whose harness they share.

use super::tests::{on_both_databases, on_postgres, on_sqlite};
use super::{AccountStore, Error, Role, SecondFactor, User, totp_code_at};

const PASSWORD: &str = "correct horse battery";
/// 1,700,000,010: 10 s into a step, so ±30 s stays one step away.
const T0: u64 = 1_700_000_010;
/// An hour later: far from T0's window, so codes of the two times never meet.
const T1: u64 = T0 + 3_600;

on_both_databases!(
    enrolls_with_a_valid_code,
    wrong_confirmation_code_changes_nothing,
    accepts_a_code_once,
    accepts_one_step_of_clock_skew,
    one_of_two_concurrent_uses_of_a_code_passes,
    recovery_codes_work_once_in_any_spelling,
    re_enrollment_replaces_secret_and_recovery_codes,
    reset_clears_the_second_factor,
    refuses_users_without_mfa_and_disabled_users,
);

/// A store with the user alice.
async fn store_with_alice(url: String) -> (AccountStore, User) {
    let store = AccountStore::open(&url).await.expect("opening the store");
    let alice = store
        .add_user("alice", PASSWORD, Role::Editor)
        .await
        .unwrap();
    (store, alice)
}

#[track_caller]
fn code(secret: &str, unix_time: u64) -> String {
    totp_code_at(secret, unix_time).expect("a valid secret")
}

/// A 6-digit code that is not valid for `secret` within one step of `unix_time`.
#[track_caller]
fn wrong_code(secret: &str, unix_time: u64) -> String {
    let window = [unix_time - 30, unix_time, unix_time + 30].map(|time| code(secret, time));
    (0..)
        .map(|n| format!("{n:06}"))
        .find(|candidate| !window.contains(candidate))
        .unwrap()
}

/// Enrolls `user` at `T0`; returns the secret and the recovery codes.
async fn enroll(store: &AccountStore, user: &User) -> (String, Vec<String>) {
    let enrollment = store.begin_mfa_enrollment(user.id).await.unwrap();
    let codes = store
        .confirm_mfa_enrollment(user.id, &code(&enrollment.secret, T0), T0)
        .await
        .unwrap()
        .expect("a valid code confirms");
    (enrollment.secret, codes)
}

async fn has_mfa(store: &AccountStore, name: &str) -> bool {
    store.user(name).await.unwrap().has_mfa
}

async fn enrolls_with_a_valid_code(url: String) {
    let (store, alice) = store_with_alice(url).await;
    assert!(!alice.has_mfa);
    assert_eq!(store.pending_mfa_enrollment(alice.id).await.unwrap(), None);
    let enrollment = store.begin_mfa_enrollment(alice.id).await.unwrap();
    assert_eq!(enrollment.secret.len(), 32);
    assert_eq!(
        enrollment.otpauth_uri,
        format!(
            "otpauth://totp/tracebook:alice?secret={}&issuer=tracebook",
            enrollment.secret
        )
    );
    assert!(enrollment.qr_svg().unwrap().contains("<svg"));
    assert!(!format!("{enrollment:?}").contains(&enrollment.secret));
    assert_eq!(
        store.pending_mfa_enrollment(alice.id).await.unwrap(),
        Some(enrollment.clone())
    );
    assert!(!has_mfa(&store, "alice").await);

    let codes = store
        .confirm_mfa_enrollment(alice.id, &code(&enrollment.secret, T0), T0)
        .await
        .unwrap()
        .expect("a valid code confirms");
    assert_eq!(codes.len(), 10);
    assert!(has_mfa(&store, "alice").await);
    assert_eq!(store.pending_mfa_enrollment(alice.id).await.unwrap(), None);
    assert_eq!(store.unused_recovery_codes(alice.id).await.unwrap(), 10);

    // The database keeps the secret for TOTP but only hashes of the recovery codes.
    let (secret, last_step): (Option<String>, Option<i64>) =
        sqlx::query_as("select mfa_secret, mfa_last_step from users where id = $1")
            .bind(alice.id)
            .fetch_one(&store.pool)
            .await
            .unwrap();
    assert_eq!(secret.as_deref(), Some(enrollment.secret.as_str()));
    assert_eq!(last_step, Some(i64::try_from(T0 / 30).unwrap()));
    let hashes: Vec<String> = sqlx::query_scalar("select code_hash from recovery_codes")
        .fetch_all(&store.pool)
        .await
        .unwrap();
    assert_eq!(hashes.len(), 10);
    for code in &codes {
        let canonical = code.replace('-', "");
        assert!(hashes.iter().all(|hash| !hash.contains(&canonical)));
        assert!(hashes.contains(&super::token::sha256_hex(&canonical)));
    }

    assert!(matches!(
        store.begin_mfa_enrollment(9999).await,
        Err(Error::UnknownUser(_))
    ));
    // A name too long for a QR code (add_user refuses it; the row is made by hand).
    let long_name = "x".repeat(3_000);
    let long_id: i64 = sqlx::query_scalar(
        "insert into users (name, password_hash, role, created_at)
         values ($1, 'x', 'viewer', 0)
         returning id",
    )
    .bind(&long_name)
    .fetch_one(&store.pool)
    .await
    .unwrap();
    assert!(matches!(
        store.begin_mfa_enrollment(long_id).await,
        Err(Error::InvalidName(name)) if name == long_name
    ));
    assert!(matches!(
        store.pending_mfa_enrollment(9999).await,
        Err(Error::UnknownUser(_))
    ));
    store.close().await;
}

async fn wrong_confirmation_code_changes_nothing(url: String) {
    let (store, alice) = store_with_alice(url).await;
    // Nothing pending: no code confirms.
    assert_eq!(
        store
            .confirm_mfa_enrollment(alice.id, "123456", T0)
            .await
            .unwrap(),
        None
    );
    let enrollment = store.begin_mfa_enrollment(alice.id).await.unwrap();
    let secret = &enrollment.secret;
    let too_late = code(secret, T0 - 60);
    for bad in [
        wrong_code(secret, T0),
        too_late,
        "abcdef".to_owned(),
        "".to_owned(),
    ] {
        let confirmed = store
            .confirm_mfa_enrollment(alice.id, &bad, T0)
            .await
            .unwrap();
        assert_eq!(confirmed, None, "{bad:?}");
    }
    assert!(!has_mfa(&store, "alice").await);
    assert_eq!(
        store.pending_mfa_enrollment(alice.id).await.unwrap(),
        Some(enrollment.clone())
    );
    assert_eq!(store.unused_recovery_codes(alice.id).await.unwrap(), 0);
    assert_eq!(
        store
            .verify_second_factor(alice.id, &code(secret, T0), T0)
            .await
            .unwrap(),
        None,
        "a pending secret is no second factor"
    );
    assert!(matches!(
        store.confirm_mfa_enrollment(9999, "123456", T0).await,
        Err(Error::UnknownUser(_))
    ));
    store.close().await;
}

async fn accepts_a_code_once(url: String) {
    let (store, alice) = store_with_alice(url).await;
    let (secret, _) = enroll(&store, &alice).await;
    // The code that confirmed the enrollment is used up already.
    assert_eq!(
        store
            .verify_second_factor(alice.id, &code(&secret, T0), T0)
            .await
            .unwrap(),
        None
    );
    let login = code(&secret, T1);
    assert_eq!(
        store
            .verify_second_factor(alice.id, &login, T1)
            .await
            .unwrap(),
        Some(SecondFactor::Totp)
    );
    for later in [T1, T1 + 15] {
        assert_eq!(
            store
                .verify_second_factor(alice.id, &login, later)
                .await
                .unwrap(),
            None,
            "replayed at {later}"
        );
    }
    // The next step's code passes once.
    let next = code(&secret, T1 + 30);
    assert_eq!(
        store
            .verify_second_factor(alice.id, &next, T1 + 30)
            .await
            .unwrap(),
        Some(SecondFactor::Totp)
    );
    assert_eq!(
        store
            .verify_second_factor(alice.id, &next, T1 + 30)
            .await
            .unwrap(),
        None
    );
    store.close().await;
}

async fn accepts_one_step_of_clock_skew(url: String) {
    let (store, alice) = store_with_alice(url).await;
    let (secret, _) = enroll(&store, &alice).await;
    let verify = |code: String, time: u64| {
        let store = store.clone();
        async move {
            store
                .verify_second_factor(alice.id, &code, time)
                .await
                .unwrap()
        }
    };
    // Two steps off either way: refused (and nothing is used up).
    assert_eq!(verify(code(&secret, T1 - 60), T1).await, None);
    assert_eq!(verify(code(&secret, T1 + 60), T1).await, None);
    // The app's clock is 30 s slow: the previous step's code passes.
    assert_eq!(
        verify(code(&secret, T1 - 30), T1).await,
        Some(SecondFactor::Totp)
    );
    // Later, the app's clock is 30 s fast: the next step's code passes.
    let t2 = T1 + 600;
    assert_eq!(
        verify(code(&secret, t2 + 30), t2).await,
        Some(SecondFactor::Totp)
    );
    // The current step is now older than the last accepted one: refused.
    assert_eq!(verify(code(&secret, t2), t2).await, None);
    store.close().await;
}

async fn one_of_two_concurrent_uses_of_a_code_passes(url: String) {
    let (store, alice) = store_with_alice(url).await;
    let (secret, codes) = enroll(&store, &alice).await;
    let login = code(&secret, T1);
    let (first, second) = tokio::join!(
        store.verify_second_factor(alice.id, &login, T1),
        store.verify_second_factor(alice.id, &login, T1),
    );
    let passed = [first.unwrap(), second.unwrap()];
    assert_eq!(passed.iter().flatten().count(), 1, "{passed:?}");

    let (first, second) = tokio::join!(
        store.verify_second_factor(alice.id, &codes[0], T1),
        store.verify_second_factor(alice.id, &codes[0], T1),
    );
    let passed = [first.unwrap(), second.unwrap()];
    assert_eq!(passed.iter().flatten().count(), 1, "{passed:?}");
    assert_eq!(store.unused_recovery_codes(alice.id).await.unwrap(), 9);
    store.close().await;
}

async fn recovery_codes_work_once_in_any_spelling(url: String) {
    let (store, alice) = store_with_alice(url).await;
    let (_, codes) = enroll(&store, &alice).await;
    for code in &codes {
        assert!(super::recovery::normalize(code).is_some(), "{code}");
        assert_eq!(code.len(), 14, "{code}");
    }
    let verify = |code: String| {
        let store = store.clone();
        async move {
            store
                .verify_second_factor(alice.id, &code, T1)
                .await
                .unwrap()
        }
    };
    assert_eq!(
        verify(codes[0].clone()).await,
        Some(SecondFactor::RecoveryCode { remaining: 9 })
    );
    assert_eq!(verify(codes[0].clone()).await, None, "used twice");
    assert_eq!(
        verify(codes[1].to_uppercase().replace('-', " ")).await,
        Some(SecondFactor::RecoveryCode { remaining: 8 })
    );
    assert_eq!(
        verify(codes[2].replace('-', "")).await,
        Some(SecondFactor::RecoveryCode { remaining: 7 })
    );
    assert_eq!(store.unused_recovery_codes(alice.id).await.unwrap(), 7);
    let unknown = codes[3]
        .chars()
        .map(|c| match c {
            '-' => '-',
            'z' => 'y',
            _ => 'z',
        })
        .collect::<String>();
    for bad in [unknown.as_str(), "", "not a code", &codes[3][..9]] {
        assert_eq!(verify(bad.to_owned()).await, None, "{bad:?}");
    }
    assert_eq!(store.unused_recovery_codes(alice.id).await.unwrap(), 7);
    // A recovery code leaves TOTP as it was.
    assert_eq!(
        store
            .verify_second_factor(
                alice.id,
                &code(&active_secret(&store, &alice).await, T1),
                T1
            )
            .await
            .unwrap(),
        Some(SecondFactor::Totp)
    );
    store.close().await;
}

/// The active secret of `user`, read from the database.
async fn active_secret(store: &AccountStore, user: &User) -> String {
    sqlx::query_scalar("select mfa_secret from users where id = $1")
        .bind(user.id)
        .fetch_one(&store.pool)
        .await
        .unwrap()
}

async fn re_enrollment_replaces_secret_and_recovery_codes(url: String) {
    let (store, alice) = store_with_alice(url).await;
    let (old_secret, old_codes) = enroll(&store, &alice).await;
    let first = store.begin_mfa_enrollment(alice.id).await.unwrap();
    let second = store.begin_mfa_enrollment(alice.id).await.unwrap();
    assert_ne!(
        first.secret, second.secret,
        "a restart replaces the pending secret"
    );
    assert_eq!(
        store.pending_mfa_enrollment(alice.id).await.unwrap(),
        Some(second.clone())
    );
    // Until confirmed, the old factor stays active and the replaced pending secret is dead.
    assert!(has_mfa(&store, "alice").await);
    assert_eq!(
        store
            .confirm_mfa_enrollment(alice.id, &code(&first.secret, T1), T1)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .verify_second_factor(alice.id, &code(&old_secret, T1), T1)
            .await
            .unwrap(),
        Some(SecondFactor::Totp)
    );

    let t2 = T1 + 600;
    let new_codes = store
        .confirm_mfa_enrollment(alice.id, &code(&second.secret, t2), t2)
        .await
        .unwrap()
        .expect("a valid code confirms");
    assert!(new_codes.iter().all(|code| !old_codes.contains(code)));
    assert_eq!(store.unused_recovery_codes(alice.id).await.unwrap(), 10);
    let t3 = t2 + 600;
    let verify = |code: String| {
        let store = store.clone();
        async move {
            store
                .verify_second_factor(alice.id, &code, t3)
                .await
                .unwrap()
        }
    };
    assert_eq!(verify(old_codes[1].clone()).await, None);
    assert_eq!(verify(code(&old_secret, t3)).await, None);
    assert_eq!(
        verify(code(&second.secret, t3)).await,
        Some(SecondFactor::Totp)
    );
    assert_eq!(
        verify(new_codes[0].clone()).await,
        Some(SecondFactor::RecoveryCode { remaining: 9 })
    );
    store.close().await;
}

async fn reset_clears_the_second_factor(url: String) {
    let (store, alice) = store_with_alice(url).await;
    let (secret, codes) = enroll(&store, &alice).await;
    store.begin_mfa_enrollment(alice.id).await.unwrap();
    store.reset_mfa("alice").await.unwrap();
    assert!(!has_mfa(&store, "alice").await);
    assert_eq!(store.pending_mfa_enrollment(alice.id).await.unwrap(), None);
    assert_eq!(store.unused_recovery_codes(alice.id).await.unwrap(), 0);
    for code in [code(&secret, T1), codes[0].clone()] {
        assert_eq!(
            store
                .verify_second_factor(alice.id, &code, T1)
                .await
                .unwrap(),
            None
        );
    }
    let last_step: Option<i64> = sqlx::query_scalar("select mfa_last_step from users")
        .fetch_one(&store.pool)
        .await
        .unwrap();
    assert_eq!(last_step, None);
    // Resetting twice is fine; unknown users are an error.
    store.reset_mfa("alice").await.unwrap();
    assert!(matches!(
        store.reset_mfa("nobody").await,
        Err(Error::UnknownUser(name)) if name == "nobody"
    ));
    // Enrolling again works from scratch.
    let (_, codes) = enroll(&store, &alice).await;
    assert_eq!(codes.len(), 10);
    assert!(has_mfa(&store, "alice").await);
    store.close().await;
}

async fn refuses_users_without_mfa_and_disabled_users(url: String) {
    let (store, alice) = store_with_alice(url).await;
    assert_eq!(
        store
            .verify_second_factor(alice.id, "123456", T0)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .verify_second_factor(9999, "123456", T0)
            .await
            .unwrap(),
        None
    );
    let (secret, codes) = enroll(&store, &alice).await;
    sqlx::query("update users set disabled_at = 1 where id = $1")
        .bind(alice.id)
        .execute(&store.pool)
        .await
        .unwrap();
    for code in [code(&secret, T1), codes[0].clone()] {
        assert_eq!(
            store
                .verify_second_factor(alice.id, &code, T1)
                .await
                .unwrap(),
            None
        );
    }
    assert_eq!(store.unused_recovery_codes(alice.id).await.unwrap(), 10);
    store.close().await;
}
