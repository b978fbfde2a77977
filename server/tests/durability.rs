//! What a crash keeps: the real server binary files requests at full speed,
//! is killed with SIGKILL in the middle and started again; every request that
//! got its 201 is there with its number, its registration event and its
//! acknowledgement, and numbering goes on without a gap or a duplicate — on
//! SQLite and PostgreSQL. Also the backup and its restore.

mod common;

use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use app::server::entity::{notification, ticket, ticket_event};
use common::TestDb;
use reqwest::{Client, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

struct Node {
    child: Child,
    base: String,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn servicedesk(db: &TestDb) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_servicedesk"));
    let config = &db.state.config;
    cmd.env("DATABASE_URL", &config.database_url)
        .env("SD_DATA_DIR", &config.data_dir)
        .env("SD_LDAP_URL", common::ldap_url())
        .env("SD_JOBS", "false")
        .env("SD_DEMO_DATA", "false")
        .env("LEPTOS_OUTPUT_NAME", "servicedesk")
        .env("LEPTOS_SITE_ROOT", config.data_dir.join("site"))
        .env("LEPTOS_ENV", "PROD")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    cmd
}

/// `servicedesk <command> <folder>`, what it wrote to stderr, and whether it
/// succeeded.
fn servicedesk_on(db: &TestDb, command: &str, folder: &std::path::Path) -> (bool, String) {
    let out = servicedesk(db)
        .arg(command)
        .arg(folder)
        .stderr(Stdio::piped())
        .output()
        .expect("run");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

async fn start(db: &TestDb) -> Node {
    let port = free_port();
    let mut child = servicedesk(db)
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("LEPTOS_RELOAD_PORT", (port + 1).to_string())
        .spawn()
        .expect("start the server");
    let base = format!("http://127.0.0.1:{port}");
    let http = Client::new();
    for _ in 0..200 {
        if let Ok(r) = http.get(format!("{base}/healthz")).send().await
            && r.status() == StatusCode::OK
        {
            return Node { child, base };
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the server did not start");
}

/// A node a failing test leaves behind does not outlive it.
impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn login(http: &Client, base: &str, who: &str) -> String {
    let r = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"login": who, "password": "demo"}))
        .send()
        .await
        .expect("sign in");
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.expect("json");
    body["token"].as_str().expect("token").to_string()
}

fn esign() -> Value {
    json!({
        "kind": "esign_key",
        "subject": "Ключ ЭП",
        "description": "Срок сертификата истекает",
        "fields": {"system": "sed", "action": "renewal", "holder": "Иванова Анна Сергеевна"}
    })
}

/// The serial part of a number (`IT-2026-000042` → 42).
fn serial(number: &str) -> i64 {
    number
        .rsplit('-')
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a numbered request")
}

on_both_databases!(
    async fn every_acknowledged_request_survives_a_kill_and_numbering_goes_on(db: TestDb) {
        let http = Client::new();
        let mut node = start(db).await;
        let token = login(&http, &node.base, "ivanova").await;
        let mut filers = tokio::task::JoinSet::new();
        for _ in 0..8 {
            let (http, base, token) = (http.clone(), node.base.clone(), token.clone());
            filers.spawn(async move {
                let mut acknowledged = Vec::new();
                // Until the server dies under it.
                while let Ok(r) = http
                    .post(format!("{base}/api/v1/tickets"))
                    .bearer_auth(&token)
                    .json(&esign())
                    .send()
                    .await
                {
                    if r.status() != StatusCode::CREATED {
                        break;
                    }
                    let Ok(body) = r.json::<Value>().await else {
                        break;
                    };
                    acknowledged.push((
                        body["id"].as_i64().expect("id"),
                        body["number"].as_str().expect("number").to_string(),
                    ));
                }
                acknowledged
            });
        }
        tokio::time::sleep(Duration::from_millis(1500)).await;
        node.child.kill().expect("SIGKILL");
        node.child.wait().expect("gone");
        let mut acknowledged = Vec::new();
        while let Some(done) = filers.join_next().await {
            acknowledged.extend(done.expect("filer"));
        }
        assert!(
            acknowledged.len() > 20,
            "filed at speed: {}",
            acknowledged.len()
        );

        let mut node = start(db).await;
        let token = login(&http, &node.base, "ivanova").await;
        for (id, number) in &acknowledged {
            let r = http
                .get(format!("{}/api/v1/tickets/{id}", node.base))
                .bearer_auth(&token)
                .send()
                .await
                .expect("send");
            assert_eq!(r.status(), StatusCode::OK, "{number} is there");
            let body: Value = r.json().await.expect("json");
            assert_eq!(body["number"], number.as_str());
            let registered = ticket_event::Entity::find()
                .filter(ticket_event::Column::TicketId.eq(*id))
                .filter(ticket_event::Column::Kind.eq("registered"))
                .count(&db.state.db)
                .await
                .expect("events");
            assert_eq!(registered, 1, "{number} has its event");
            let acknowledgement = notification::Entity::find()
                .filter(notification::Column::TicketId.eq(*id))
                .filter(notification::Column::Kind.eq("registered"))
                .count(&db.state.db)
                .await
                .expect("notices");
            assert_eq!(acknowledgement, 1, "{number} has its acknowledgement");
        }
        // Numbering: 1..=n for the unit's year, no gap, no duplicate, and the
        // next one continues it.
        let r = http
            .post(format!("{}/api/v1/tickets", node.base))
            .bearer_auth(&token)
            .json(&esign())
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), StatusCode::CREATED);
        let next: Value = r.json().await.expect("json");
        let rows = ticket::Entity::find()
            .filter(ticket::Column::UnitCode.eq("IT"))
            .all(&db.state.db)
            .await
            .expect("rows");
        let serials: BTreeSet<i64> = rows.iter().map(|t| serial(&t.number)).collect();
        assert_eq!(serials.len(), rows.len(), "no number twice");
        let last = *serials.last().expect("numbers");
        assert_eq!(serials, (1..=last).collect(), "no gap");
        assert_eq!(serial(next["number"].as_str().expect("number")), last);
        node.child.kill().expect("stop");
        node.child.wait().expect("gone");
    }
);

async fn file_one(http: &Client, base: &str, token: &str) -> i64 {
    let r = http
        .post(format!("{base}/api/v1/tickets"))
        .bearer_auth(token)
        .json(&esign())
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), StatusCode::CREATED);
    let body: Value = r.json().await.expect("json");
    body["id"].as_i64().expect("id")
}

on_both_databases!(
    async fn a_backup_taken_while_serving_restores_requests_and_their_files(db: TestDb) {
        let http = Client::new();
        let work = tempfile::tempdir().expect("dir");
        let folder = work.path().join("backup");
        let (done, said) = servicedesk_on(db, "backup", &folder);
        if db.state.config.database_url.starts_with("postgres") {
            // PostgreSQL has its own tools; the command says which.
            assert!(!done);
            assert!(said.contains("pg_dump"), "{said}");
            return;
        }
        assert!(done, "{said}");
        std::fs::remove_dir_all(&folder).expect("clean");

        let mut node = start(db).await;
        let token = login(&http, &node.base, "ivanova").await;
        let kept = file_one(&http, &node.base, &token).await;
        let pdf = b"%PDF-1.4\n% kept across a restore\n".to_vec();
        let r = http
            .post(format!("{}/api/v1/tickets/{kept}/attachments", node.base))
            .bearer_auth(&token)
            .multipart(reqwest::multipart::Form::new().part(
                "file",
                reqwest::multipart::Part::bytes(pdf.clone()).file_name("scan.pdf"),
            ))
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), StatusCode::CREATED);
        let attachment: Value = r.json().await.expect("json");
        let attachment = attachment["id"].as_i64().expect("id");
        // Taken while the server runs.
        let (done, said) = servicedesk_on(db, "backup", &folder);
        assert!(done, "{said}");
        let after = file_one(&http, &node.base, &token).await;
        node.child.kill().expect("stop");
        node.child.wait().expect("gone");
        // Nothing of this test holds the old file open any more.
        db.state.db.clone().close().await.ok();

        let (done, said) = servicedesk_on(db, "restore", &folder);
        assert!(done, "{said}");
        let mut node = start(db).await;
        let token = login(&http, &node.base, "ivanova").await;
        let get = async |path: String| {
            http.get(format!("{}{path}", node.base))
                .bearer_auth(&token)
                .send()
                .await
                .expect("send")
        };
        assert_eq!(
            get(format!("/api/v1/tickets/{kept}")).await.status(),
            StatusCode::OK
        );
        let file = get(format!("/api/v1/attachments/{attachment}")).await;
        assert_eq!(file.status(), StatusCode::OK);
        assert_eq!(file.bytes().await.expect("bytes").to_vec(), pdf);
        assert_eq!(
            get(format!("/api/v1/tickets/{after}")).await.status(),
            StatusCode::NOT_FOUND,
            "filed after the backup"
        );
        node.child.kill().expect("stop");
        node.child.wait().expect("gone");
    }
);
