//! The real `servicedesk` binary as a node: started on a free loopback port
//! against a test database and the test directory, stopped when dropped.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use super::TestDb;

pub struct Node {
    pub child: Child,
    pub base: String,
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

pub fn servicedesk(db: &TestDb) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_servicedesk"));
    let config = &db.state.config;
    cmd.env("DATABASE_URL", &config.database_url)
        .env("SD_DATA_DIR", &config.data_dir)
        .env("SD_LDAP_URL", super::ldap_url())
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
pub fn servicedesk_on(db: &TestDb, command: &str, folder: &std::path::Path) -> (bool, String) {
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

pub async fn start(db: &TestDb) -> Node {
    start_with(db, &[]).await
}

/// A node with more (or other) environment settings.
pub async fn start_with(db: &TestDb, env: &[(&str, &str)]) -> Node {
    let port = free_port();
    let mut child = servicedesk(db)
        .envs(env.iter().copied())
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

pub async fn login(http: &Client, base: &str, who: &str) -> String {
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

pub fn esign() -> Value {
    json!({
        "kind": "esign_key",
        "subject": "Ключ ЭП",
        "description": "Срок сертификата истекает",
        "fields": {"system": "sed", "action": "renewal", "holder": "Иванова Анна Сергеевна"}
    })
}

pub async fn file_one(http: &Client, base: &str, token: &str) -> i64 {
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

/// Attaches `pdf` (as `scan.pdf`) to request `id` through the API; the new
/// file's id.
pub async fn attach_pdf(http: &Client, base: &str, token: &str, id: i64, pdf: &[u8]) -> i64 {
    let r = http
        .post(format!("{base}/api/v1/tickets/{id}/attachments"))
        .bearer_auth(token)
        .multipart(reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(pdf.to_vec()).file_name("scan.pdf"),
        ))
        .send()
        .await
        .expect("upload");
    assert_eq!(r.status(), StatusCode::CREATED);
    let file: Value = r.json().await.expect("json");
    file["id"].as_i64().expect("id")
}
