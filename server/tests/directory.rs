//! Sign-in against the real OpenLDAP server that `make test` starts
//! (scripts/ldap.sh), and sessions in the database.

mod common;

use app::domain::Role;
use app::server::auth;
use app::server::config::DirectoryConfig;
use app::server::directory::{Directory, DirectoryError};
use app::wire::AppError;
use common::{Backend, TestDb};

fn config(url: String) -> DirectoryConfig {
    DirectoryConfig {
        url,
        ..Default::default()
    }
}

fn directory() -> Directory {
    Directory::new(config(common::ldap_url()))
}

#[tokio::test]
async fn a_demo_employee_signs_in_with_name_and_roles_from_the_directory() {
    let user = directory()
        .authenticate("ivanova", "demo")
        .await
        .expect("signed in");
    assert_eq!(user.login, "ivanova");
    assert_eq!(user.full_name, "Иванова Анна Сергеевна");
    assert_eq!(user.email, "ivanova@servicedesk.test");
    assert_eq!(user.roles.0, vec![Role::Employee]);
    let smirnov = directory()
        .authenticate("smirnov", "demo")
        .await
        .expect("signed in");
    assert_eq!(
        smirnov.roles.0,
        vec![Role::Employee, Role::Executor("IT".into())]
    );
    let volkov = directory()
        .authenticate("volkov", "demo")
        .await
        .expect("signed in");
    assert!(volkov.roles.is_head_of("BUH"));
    let admin = directory()
        .authenticate("admin", "demo")
        .await
        .expect("signed in");
    assert!(admin.roles.is_admin());
}

#[tokio::test]
async fn people_are_found_by_part_of_their_name_in_any_case() {
    let logins = async |text: &str| -> Vec<String> {
        directory()
            .search(text, 10)
            .await
            .expect("searched")
            .into_iter()
            .map(|p| p.login)
            .collect()
    };
    assert_eq!(logins("КУЗН").await, ["kuznetsova"]);
    assert_eq!(logins("кузн").await, ["kuznetsova"]);
    assert_eq!(logins("smir").await, ["smirnov"], "by login too");
    assert_eq!(logins("Елена").await, ["kuznetsova"], "by first name");
    // Sorted by name; the disabled account (Никитин Павел Романович) is left out.
    let many = logins("ов").await;
    assert!(many.len() >= 6, "{many:?}");
    assert!(!many.contains(&"fired".to_string()), "{many:?}");
    let names: Vec<String> = directory()
        .search("ов", 10)
        .await
        .expect("searched")
        .into_iter()
        .map(|p| p.full_name)
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert_eq!(
        directory().search("ов", 2).await.expect("searched").len(),
        2
    );
    // Too short, or filter characters: nobody, and no error.
    assert!(logins("о").await.is_empty());
    assert!(logins("*)(uid=*").await.is_empty());
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_login_get_the_same_answer() {
    let wrong = directory()
        .authenticate("ivanova", "wrong")
        .await
        .expect_err("refused");
    let unknown = directory()
        .authenticate("nobody", "demo")
        .await
        .expect_err("refused");
    assert_eq!(wrong, DirectoryError::BadCredentials);
    assert_eq!(unknown, DirectoryError::BadCredentials);
    assert_eq!(AppError::from(wrong).code(), AppError::from(unknown).code());
}

#[tokio::test]
async fn an_empty_password_is_refused_before_any_bind() {
    // Even against an unreachable directory: the check comes first.
    let err = Directory::new(config("ldap://127.0.0.1:1".into()))
        .authenticate("ivanova", "")
        .await
        .expect_err("refused");
    assert_eq!(err, DirectoryError::EmptyPassword);
    assert_eq!(
        directory()
            .authenticate("ivanova", "")
            .await
            .expect_err("refused"),
        DirectoryError::EmptyPassword
    );
}

#[tokio::test]
async fn filter_characters_in_a_login_match_nobody() {
    for login in [
        "*)(uid=*",
        "*",
        "ivanova)(|(uid=*",
        "iva*",
        "(uid=ivanova)",
        "ivanova\\00",
    ] {
        let err = directory()
            .authenticate(login, "demo")
            .await
            .expect_err(login);
        assert_eq!(err, DirectoryError::BadCredentials, "{login}");
    }
    assert_eq!(directory().lookup("*").await.expect("lookup"), None);
}

#[tokio::test]
async fn a_disabled_account_cannot_sign_in() {
    let err = directory()
        .authenticate("fired", "demo")
        .await
        .expect_err("disabled");
    assert_eq!(err, DirectoryError::BadCredentials);
    assert_eq!(directory().lookup("fired").await.expect("lookup"), None);
}

#[tokio::test]
async fn an_unreachable_directory_is_reported_as_unavailable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    let down = DirectoryConfig {
        timeout_secs: 2,
        ..config(format!("ldap://127.0.0.1:{port}"))
    };
    let err = Directory::new(down)
        .authenticate("ivanova", "demo")
        .await
        .expect_err("down");
    assert!(matches!(err, DirectoryError::Unavailable(_)), "{err:?}");
    assert_eq!(AppError::from(err), AppError::DirectoryUnavailable);
}

#[tokio::test]
async fn with_starttls_asked_a_directory_without_tls_is_never_sent_a_password_in_clear() {
    // The test directory speaks plain LDAP only: the upgrade fails, and
    // nothing falls back to binding over the open connection.
    let tls = DirectoryConfig {
        starttls: true,
        ..config(common::ldap_url())
    };
    let err = Directory::new(tls)
        .authenticate("ivanova", "demo")
        .await
        .expect_err("no TLS there");
    assert!(matches!(err, DirectoryError::Unavailable(_)), "{err:?}");
    // Without the option the same directory answers.
    Directory::new(config(common::ldap_url()))
        .authenticate("ivanova", "demo")
        .await
        .expect("plain LDAP");
}

#[tokio::test]
async fn a_wrong_service_password_is_unavailable_not_bad_credentials() {
    let wrong = DirectoryConfig {
        bind_password: "not-the-secret".into(),
        ..config(common::ldap_url())
    };
    let err = Directory::new(wrong)
        .authenticate("ivanova", "demo")
        .await
        .expect_err("misconfigured");
    assert!(matches!(err, DirectoryError::Unavailable(_)), "{err:?}");
}

#[tokio::test]
async fn sessions_live_in_the_database_and_end_at_sign_out_or_expiry() {
    let db = TestDb::new(Backend::Sqlite).await;
    let (token, user) = auth::sign_in(&db.state, "smirnov", "demo", "127.0.0.1")
        .await
        .expect("signed in");
    assert_eq!(user.login, "smirnov");
    let caller = auth::caller_for_token(&db.state, &token)
        .await
        .expect("lookup")
        .expect("alive");
    assert!(caller.roles.is_staff_of("IT"));
    // A second instance sharing the database sees the same session.
    let mut other = app::server::AppState::new(db.state.db.clone(), (*db.state.config).clone());
    other.clock = db.clock.clone();
    assert!(
        auth::caller_for_token(&other, &token)
            .await
            .expect("lookup")
            .is_some()
    );
    auth::sign_out(&db.state, &token).await.expect("signed out");
    assert!(
        auth::caller_for_token(&db.state, &token)
            .await
            .expect("lookup")
            .is_none()
    );

    let (token, _) = auth::sign_in(&db.state, "smirnov", "demo", "127.0.0.1")
        .await
        .expect("signed in");
    // Used every hour and a half, the session lives its 12 hours, no longer.
    for at in [
        "10:30", "12:00", "13:30", "15:00", "16:30", "18:00", "19:30", "20:59",
    ] {
        db.set_now(&format!("2026-03-02T{at}:00+03:00"));
        assert!(
            auth::caller_for_token(&db.state, &token)
                .await
                .expect("lookup")
                .is_some(),
            "alive at {at}"
        );
    }
    db.set_now("2026-03-02T21:00:01+03:00");
    assert!(
        auth::caller_for_token(&db.state, &token)
            .await
            .expect("lookup")
            .is_none(),
        "expired after 12 h"
    );
    // Unused for more than two hours, a session ends sooner.
    let (idle, _) = auth::sign_in(&db.state, "smirnov", "demo", "127.0.0.1")
        .await
        .expect("signed in");
    db.set_now("2026-03-02T23:00:00+03:00");
    assert!(
        auth::caller_for_token(&db.state, &idle)
            .await
            .expect("lookup")
            .is_some(),
        "1 h 59 min unused"
    );
    db.set_now("2026-03-03T01:00:01+03:00");
    assert!(
        auth::caller_for_token(&db.state, &idle)
            .await
            .expect("lookup")
            .is_none(),
        "2 h unused"
    );
    // The scheduler sweeps what ended: past the lifetime or unused.
    let (kept, _) = auth::sign_in(&db.state, "ivanova", "demo", "127.0.0.1")
        .await
        .expect("signed in");
    db.set_now("2026-03-03T01:30:00+03:00");
    assert_eq!(
        auth::sweep_sessions(&db.state).await.expect("swept"),
        1,
        "the one past its 12 hours"
    );
    use sea_orm::{EntityTrait, PaginatorTrait};
    assert_eq!(
        app::server::entity::session::Entity::find()
            .count(&db.state.db)
            .await
            .expect("count"),
        1
    );
    assert!(
        auth::caller_for_token(&db.state, &kept)
            .await
            .expect("lookup")
            .is_some()
    );
    assert!(
        auth::caller_for_token(&db.state, "forged")
            .await
            .expect("lookup")
            .is_none()
    );
    db.cleanup().await;
}

#[tokio::test]
async fn demo_requests_are_filed_once_for_the_demo_accounts() {
    let db = TestDb::new(Backend::Sqlite).await;
    assert_eq!(app::server::demo::seed(&db.state).await.expect("seeded"), 4);
    assert_eq!(app::server::demo::seed(&db.state).await.expect("again"), 0);
    let (token, _) = auth::sign_in(&db.state, "ivanova", "demo", "127.0.0.1")
        .await
        .expect("signed in");
    let ivanova = auth::caller_for_token(&db.state, &token)
        .await
        .expect("lookup")
        .expect("alive");
    let q = app::server::tickets::ListQuery::parse(None, None, None, None).expect("query");
    let page = app::server::tickets::list(&db.state, &ivanova, q)
        .await
        .expect("list");
    let units: Vec<&str> = page.items.iter().map(|t| t.unit.code.as_str()).collect();
    assert_eq!(units, ["IT", "BUH", "AHO", "IT"]);
    assert_eq!(page.items[0].channel, app::domain::Channel::Phone);
    db.cleanup().await;
}
