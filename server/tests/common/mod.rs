//! Test tooling: fresh databases on SQLite and PostgreSQL, the real test
//! directory started by `make test` (scripts/ldap.sh), a fixed clock, and
//! the whole app served on a free port.

#![allow(dead_code)]

pub mod node;
pub mod s3;
pub mod smtp;

use std::sync::{Arc, Mutex};

use app::domain::{Role, Roles};
use app::server::auth::{Caller, upsert_user};
use app::server::config::Config;
use app::server::directory::DirectoryUser;
use app::server::state::Clock;
use app::server::{AppState, db};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, Database};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A clock the test moves by hand.
pub struct FixedClock(pub Mutex<DateTime<Utc>>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

pub fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .expect("time")
        .with_timezone(&Utc)
}

/// The test directory's URL; `make test` starts it.
pub fn ldap_url() -> String {
    std::env::var("SD_TEST_LDAP_URL").expect(
        "SD_TEST_LDAP_URL is not set: run the tests with `make test`, which starts a real slapd",
    )
}

fn pg_admin_url() -> String {
    std::env::var("SD_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A fresh, migrated database and whatever must be cleaned up after.
pub struct TestDb {
    pub state: AppState,
    pub clock: Arc<FixedClock>,
    backend: Backend,
    pg_name: Option<String>,
    _dir: tempfile::TempDir,
}

impl TestDb {
    /// How many files are stored (in the database, by key).
    pub async fn stored_files(&self) -> u64 {
        use app::server::entity::file_chunk;
        use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
        file_chunk::Entity::find()
            .filter(file_chunk::Column::Seq.eq(0))
            .count(&self.state.db)
            .await
            .expect("stored files")
    }

    pub async fn new(backend: Backend) -> TestDb {
        let dir = tempfile::tempdir().expect("tempdir");
        let (url, pg_name) = match backend {
            Backend::Sqlite => (
                format!("sqlite://{}/test.db?mode=rwc", dir.path().display()),
                None,
            ),
            Backend::Postgres => {
                let name = format!("sd_test_{}", uuid::Uuid::new_v4().simple());
                let admin = Database::connect(pg_admin_url())
                    .await
                    .expect("PostgreSQL at SD_TEST_PG_URL");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create database");
                admin.close().await.ok();
                let base = pg_admin_url();
                let url = match base.rfind('/') {
                    Some(i) if base[..i].contains("://") && base[i..].len() > 1 => {
                        format!("{}/{name}", &base[..i])
                    }
                    _ => format!("{base}/{name}"),
                };
                (url, Some(name))
            }
        };
        let db = db::connect_and_migrate(&url)
            .await
            .expect("connect and migrate");
        let mut directory = Config::default().directory;
        directory.url =
            std::env::var("SD_TEST_LDAP_URL").unwrap_or_else(|_| "ldap://127.0.0.1:1".into());
        let config = Config {
            database_url: url,
            data_dir: dir.path().join("data"),
            upload_max_bytes: 64 * 1024,
            directory,
            ..Config::default()
        };
        let clock = Arc::new(FixedClock(Mutex::new(at("2026-03-02T09:00:00+03:00"))));
        let mut state = AppState::new(db, config);
        state.clock = clock.clone();
        TestDb {
            state,
            clock,
            backend,
            pg_name,
            _dir: dir,
        }
    }

    pub fn set_now(&self, now: &str) {
        *self.clock.0.lock().unwrap_or_else(|e| e.into_inner()) = at(now);
    }

    /// A user known to the service desk (as after a sign-in), without the directory.
    pub async fn user(&self, login: &str, roles: &[&str]) -> Caller {
        let person = DirectoryUser {
            login: login.into(),
            dn: format!("uid={login},ou=people,dc=servicedesk,dc=test"),
            full_name: format!("Тестовый {login}"),
            email: format!("{login}@servicedesk.test"),
            phone: "+7 000".into(),
            title: String::new(),
            roles: Roles::new(roles.iter().filter_map(|r| Role::parse(r)).collect()),
        };
        let m = upsert_user(&self.state, &person, true).await.expect("user");
        Caller {
            id: m.id,
            login: m.login,
            name: m.full_name,
            lang: app::i18n::Lang::Ru,
            roles: person.roles,
            person: None,
            reference_versions: None,
        }
    }

    /// Drops the PostgreSQL database (SQLite goes with the temp folder).
    pub async fn cleanup(self) {
        let TestDb {
            state,
            pg_name,
            backend,
            ..
        } = self;
        state.db.close().await.ok();
        if let (Backend::Postgres, Some(name)) = (backend, pg_name)
            && let Ok(admin) = Database::connect(pg_admin_url()).await
        {
            {
                admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await
                    .ok();
                admin.close().await.ok();
            }
        }
    }
}

/// An e-signature key request of the demo kind, ready to file.
pub fn esign(subject: &str) -> app::wire::NewTicket {
    app::wire::NewTicket {
        kind: "esign_key".into(),
        form: None,
        channel: None,
        subject: subject.into(),
        description: "Срок сертификата истекает".into(),
        fields: serde_json::json!({"system": "sed", "action": "renewal", "holder": "Иванова Анна Сергеевна"})
            .as_object()
            .cloned()
            .unwrap_or_default(),
        requester_login: None,
        submission: None,
    }
}

/// Runs one async test body on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! on_both_databases {
    ($(#[$meta:meta])* async fn $name:ident($db:ident: TestDb $(,)?) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($db: &$crate::common::TestDb) $body

            #[tokio::test]
            async fn sqlite() {
                let db = $crate::common::TestDb::new($crate::common::Backend::Sqlite).await;
                run(&db).await;
                db.cleanup().await;
            }

            #[tokio::test]
            async fn postgres() {
                let db = $crate::common::TestDb::new($crate::common::Backend::Postgres).await;
                run(&db).await;
                db.cleanup().await;
            }
        }
    };
}

/// The whole app on a free loopback port; returns its base URL.
pub async fn serve(state: AppState) -> String {
    let options = leptos::prelude::LeptosOptions::builder()
        .output_name("servicedesk")
        .build();
    let app = server::router(state, options);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let listener = server::no_delay(listener);
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .ok();
    });
    format!("http://{addr}")
}
