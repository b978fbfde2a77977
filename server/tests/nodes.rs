//! Several stateless nodes on one PostgreSQL: two real `servicedesk`
//! processes, each with its own data folder, share files, sessions, report
//! files and scheduled runs only through the database. Also the stored
//! files themselves (in the database, on both), their move from an
//! earlier version's data folder, the sweep of files nothing names, and
//! `/metrics`.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use app::server::files;
use common::node::{attach_pdf, file_one, login, start_with};
use common::{Backend, TestDb};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

/// `name{labels} value` lines of a metrics text whose name and labels
/// start with `prefix`, summed by the full series.
fn series(text: &str, prefix: &str) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    for line in text.lines().filter(|l| l.starts_with(prefix)) {
        if let Some((name, value)) = line.rsplit_once(' ')
            && let Ok(v) = value.parse::<f64>()
        {
            *out.entry(name.to_string()).or_default() += v;
        }
    }
    out
}

async fn metrics(http: &Client, base: &str) -> String {
    let r = http
        .get(format!("{base}/metrics"))
        .send()
        .await
        .expect("metrics");
    assert_eq!(r.status(), StatusCode::OK);
    r.text().await.expect("text")
}

#[tokio::test]
async fn two_nodes_on_one_postgresql_share_files_sessions_reports_and_runs() {
    let db = TestDb::new(Backend::Postgres).await;
    let http = Client::new();
    let own_folder = tempfile::tempdir().expect("dir");
    let other_data = own_folder.path().join("data");
    let other_data = other_data.to_str().expect("utf-8");
    // A Monday at ten: each node's scheduler runs the day's jobs at start.
    let env = [
        ("SD_JOBS", "true"),
        ("SD_CLOCK_START", "2026-03-02T10:00:00+03:00"),
    ];
    let a = start_with(&db, &env).await;
    let mut env_b = env.to_vec();
    env_b.push(("SD_DATA_DIR", other_data));
    let b = start_with(&db, &env_b).await;

    // A session made on one node works on the other.
    let token = login(&http, &a.base, "ivanova").await;
    let r = http
        .get(format!("{}/api/v1/me", b.base))
        .bearer_auth(&token)
        .send()
        .await
        .expect("me");
    assert_eq!(r.status(), StatusCode::OK);

    // A file uploaded through one downloads through the other.
    let id = file_one(&http, &a.base, &token).await;
    let pdf = b"%PDF-1.4\n% uploaded on node A\n".to_vec();
    let file = attach_pdf(&http, &a.base, &token, id, &pdf).await;
    let r = http
        .get(format!("{}/api/v1/attachments/{file}", b.base))
        .bearer_auth(&token)
        .send()
        .await
        .expect("download");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.bytes().await.expect("bytes").to_vec(), pdf);

    // A report started on one is followed and fetched on the other.
    let head = login(&http, &b.base, "kuznetsova").await;
    let r = http
        .post(format!("{}/api/v1/reports/exports", a.base))
        .bearer_auth(&head)
        .json(&json!({"unit": "IT", "from": "2026-03-01", "to": "2026-03-31", "format": "csv"}))
        .send()
        .await
        .expect("export");
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let export: Value = r.json().await.expect("json");
    let export = export["id"].as_i64().expect("id");
    let mut state = Value::Null;
    for _ in 0..200 {
        state = http
            .get(format!("{}/api/v1/reports/exports/{export}", b.base))
            .bearer_auth(&head)
            .send()
            .await
            .expect("status")
            .json()
            .await
            .expect("json");
        if state["state"] != "running" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(state["state"], "ready", "{state}");
    let r = http
        .get(format!("{}/api/v1/reports/exports/{export}/file", b.base))
        .bearer_auth(&head)
        .send()
        .await
        .expect("file");
    assert_eq!(r.status(), StatusCode::OK);
    let csv = r.bytes().await.expect("bytes");
    assert!(csv.starts_with(&[0xEF, 0xBB, 0xBF]), "a CSV file");
    assert!(
        String::from_utf8_lossy(&csv).contains("IT-2026-"),
        "the filed request is in it"
    );

    // Each scheduled run happened once, on one node or the other.
    let mut runs = BTreeMap::new();
    for _ in 0..100 {
        runs = series(&metrics(&http, &a.base).await, "job_runs_total");
        for (k, v) in series(&metrics(&http, &b.base).await, "job_runs_total") {
            *runs.entry(k).or_default() += v;
        }
        if runs.len() >= 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for job in [
        "morning_digest",
        "preliminary_control",
        "final_control",
        "monthly_report",
    ] {
        assert_eq!(
            runs.get(&format!("job_runs_total{{job=\"{job}\"}}")),
            Some(&1.0),
            "{job} ran once across both nodes: {runs:?}"
        );
    }
    // Nothing was kept on either node's disk.
    for folder in [
        db.state.config.data_dir.as_path(),
        std::path::Path::new(other_data),
    ] {
        assert!(
            !folder.join("attachments").exists() && !folder.join("reports").exists(),
            "{} holds no stored file",
            folder.display()
        );
    }
    drop((a, b));
    db.cleanup().await;
}

on_both_databases!(
    async fn files_are_stored_in_pieces_moved_in_from_the_data_folder_and_swept(db: TestDb) {
        let state = &db.state;
        // More than one piece, and back whole.
        let big: Vec<u8> = (0..files::CHUNK_BYTES * 2 + 17)
            .map(|i| (i % 251) as u8)
            .collect();
        files::put(&state.db, "big", &big, state.now())
            .await
            .expect("put");
        assert_eq!(files::get(&state.db, "big").await.expect("get"), big);
        assert!(
            files::put(&state.db, "big", b"other", state.now())
                .await
                .is_err()
        );
        assert_eq!(db.stored_files().await, 1);

        // An earlier version's folder moves in, once; answers' scratch stays.
        let data = &state.config.data_dir;
        std::fs::create_dir_all(data.join("attachments")).expect("dir");
        std::fs::create_dir_all(data.join("reports")).expect("dir");
        std::fs::write(data.join("attachments/0123abcd"), b"%PDF-1.4 old").expect("write");
        std::fs::write(data.join("reports/export-7.csv"), b"old;report").expect("write");
        assert_eq!(files::adopt_folder(state).await.expect("adopt"), 2);
        assert_eq!(
            files::get(&state.db, "0123abcd").await.expect("moved"),
            b"%PDF-1.4 old"
        );
        assert_eq!(
            files::get(&state.db, &files::report_key("export-7.csv"))
                .await
                .expect("moved"),
            b"old;report"
        );
        assert!(!data.join("attachments").exists() && !data.join("reports").exists());
        assert_eq!(files::adopt_folder(state).await.expect("again"), 0);

        // A file a request names stays; one nothing names goes once it is
        // an hour old (younger ones may be a write in progress).
        let ivanova = db.user("ivanova", &["employee"]).await;
        let t = app::server::tickets::create(state, &ivanova, esign_ticket())
            .await
            .expect("file");
        app::server::tickets::attachments::store(
            state,
            &ivanova,
            t.id,
            None,
            "scan.pdf",
            b"%PDF-1.4 named",
        )
        .await
        .expect("attach");
        assert_eq!(db.stored_files().await, 4);
        let swept = files::sweep_unnamed(state, state.now())
            .await
            .expect("sweep");
        assert_eq!(swept, 0, "nothing is an hour old yet");
        db.set_now("2026-03-02T11:00:00+03:00");
        let swept = files::sweep_unnamed(state, state.now() - chrono::Duration::minutes(30))
            .await
            .expect("sweep");
        assert_eq!(
            swept,
            3 + 1 + 1,
            "big (3 pieces) and both moved files, which no row names"
        );
        assert_eq!(db.stored_files().await, 1, "the request's file stays");
        // Each run looks back a day, so its cost follows a day's files; one
        // older than that is left (the run of its day took it or it stays).
        let long_ago = state.now() - chrono::Duration::hours(files::SWEEP_LOOKBACK_HOURS + 2);
        files::put(&state.db, "long-ago", b"old", long_ago)
            .await
            .expect("put");
        let swept = files::sweep_unnamed(state, state.now() - chrono::Duration::minutes(30))
            .await
            .expect("sweep");
        assert_eq!(swept, 0);
        assert_eq!(db.stored_files().await, 2);
    }
);

fn esign_ticket() -> app::wire::NewTicket {
    common::esign("Ключ ЭП")
}

#[tokio::test]
async fn metrics_are_for_this_machine_or_the_administrator() {
    let db = TestDb::new(Backend::Sqlite).await;
    let base = common::serve(db.state.clone()).await;
    let http = Client::new();
    let r = http
        .get(format!("{base}/api/v1/request-kinds"))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let text = metrics(&http, &base).await;
    assert!(
        text.contains(
            r#"http_requests_total{method="GET",route="/api/v1/request-kinds",status="401"} 1"#
        ),
        "{text}"
    );
    assert!(
        text.contains("db_pool_connections{state=\"idle\"}"),
        "{text}"
    );
    assert!(text.contains("mail_outbox_backlog 0"), "{text}");
    assert!(text.contains("directory_errors_total"), "{text}");

    // Through a proxy, only the administrator.
    let proxied = |token: Option<String>| {
        let mut r = http
            .get(format!("{base}/metrics"))
            .header("X-Forwarded-For", "10.0.0.7");
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r
    };
    let r = proxied(None).send().await.expect("send");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let e: Value = r.json().await.expect("json error");
    assert_eq!(e["error"]["code"], "unauthenticated");
    let executor = common::node::login(&http, &base, "smirnov").await;
    let r = proxied(Some(executor)).send().await.expect("send");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let admin = common::node::login(&http, &base, "admin").await;
    let r = proxied(Some(admin)).send().await.expect("send");
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.expect("text").ends_with("# EOF\n"));
}
