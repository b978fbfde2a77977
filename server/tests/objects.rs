//! Stored files in an S3-compatible bucket (a real S3 server process on
//! loopback, moto's, installed by `make test`): requests' files go there
//! and not into the database, files kept in the database before move in,
//! a file whose row is not saved goes with it, the sweep lists only the
//! days it looks at, `/readyz` tells when the bucket does not answer, and
//! two nodes on one PostgreSQL share the bucket.

mod common;

use app::server::files;
use app::server::tickets::{self, NewFile, attachments};
use app::wire::AppError;
use common::node::{attach_pdf, file_one, login, start_with};
use common::s3::S3Server;
use common::{Backend, TestDb};
use reqwest::{Client, StatusCode};
use serde_json::Value;

fn pdf(text: &str) -> Vec<u8> {
    format!("%PDF-1.4\n% {text}\n").into_bytes()
}

on_both_databases!(
    async fn files_live_in_the_bucket_and_leave_nothing_half_written(db: TestDb) {
        let s3 = S3Server::start();
        let mut state = db.state.clone();
        state.files = s3.store("sd");
        assert!(!state.files.in_transaction());

        // A file kept in the database before the bucket was configured is
        // read from there, then moves in on start.
        let old_key = "2026-03-01/080000-kept-before";
        files::put(&state.db, old_key, &pdf("kept before"), state.now())
            .await
            .expect("put");
        assert_eq!(
            state.files.get(&state.db, old_key).await.expect("get"),
            pdf("kept before")
        );
        assert_eq!(files::move_into_objects(&state).await.expect("move"), 1);
        assert_eq!(db.stored_files().await, 0, "nothing left in the database");
        assert_eq!(s3.keys(), [format!("sd/{old_key}")]);
        assert_eq!(
            state.files.get(&state.db, old_key).await.expect("get"),
            pdf("kept before")
        );
        assert_eq!(files::move_into_objects(&state).await.expect("again"), 0);

        // A request filed with a file, and a file attached later: both in
        // the bucket under dated keys, none in the database.
        let ivanova = db.user("ivanova", &["employee"]).await;
        let first = pdf("filed with the request");
        let t = tickets::create_with_files(
            &state,
            &ivanova,
            common::esign("Ключ ЭП"),
            vec![NewFile {
                name: "request.pdf".into(),
                size: first.len() as u64,
                bytes: first.clone(),
            }],
        )
        .await
        .expect("filed");
        let later = attachments::store(&state, &ivanova, t.id, None, "scan.pdf", &pdf("later"))
            .await
            .expect("attached");
        assert_eq!(db.stored_files().await, 0);
        let keys = s3.keys();
        assert_eq!(keys.len(), 3, "{keys:?}");
        assert!(
            keys.iter().all(|k| k.starts_with("sd/2026-03-0")),
            "{keys:?}"
        );
        let (_, bytes) = attachments::open(&state, &ivanova, later.id)
            .await
            .expect("open");
        assert_eq!(bytes, pdf("later"));
        let listed = attachments::list(&state, t.id, &[]).await.expect("list");
        let (_, bytes) = attachments::open(&state, &ivanova, listed[0].id)
            .await
            .expect("open");
        assert_eq!(bytes, first);

        // Past the request's limit the file is refused, and the object
        // already written goes with it.
        for i in 2..attachments::MAX_PER_REQUEST {
            attachments::store(
                &state,
                &ivanova,
                t.id,
                None,
                "more.pdf",
                &pdf(&i.to_string()),
            )
            .await
            .expect("attached");
        }
        let full = s3.keys().len();
        let refused =
            attachments::store(&state, &ivanova, t.id, None, "one-too-many.pdf", &pdf("no"))
                .await
                .expect_err("over the limit");
        assert!(
            matches!(AppError::from(refused), AppError::Conflict { .. }),
            "refused as a conflict"
        );
        assert_eq!(s3.keys().len(), full, "the refused file's object is gone");

        // The sweep: an object nobody names, written within the day it
        // looks at and over an hour ago, goes; named ones stay.
        let stray = files::dated(state.now() - chrono::Duration::hours(2), "stray");
        state
            .files
            .put(&state.db, &stray, b"stray", state.now())
            .await
            .expect("put");
        let long_ago = files::dated(state.now() - chrono::Duration::days(3), "long-ago");
        state
            .files
            .put(&state.db, &long_ago, b"old", state.now())
            .await
            .expect("put");
        let swept = files::sweep_unnamed(&state, state.now() - chrono::Duration::hours(1))
            .await
            .expect("sweep");
        assert_eq!(swept, 2, "the stray object and the moved one no row names");
        let left = s3.keys();
        // The moved file went and the one from three days ago came.
        assert_eq!(left.len(), full, "{left:?}");
        assert!(!left.contains(&format!("sd/{old_key}")));
        assert!(
            left.contains(&format!("sd/{long_ago}")),
            "older than a day: left"
        );
        assert!(!left.contains(&format!("sd/{stray}")));

        // A bucket that is not there, or does not answer: not ready, and a
        // download says so (503), never a broken file.
        assert_eq!(state.files.reachable().await, Ok(()));
        let mut missing = s3.config("");
        missing.bucket = "no-such-bucket".into();
        let missing = app::server::files::FileStore::objects(&missing).expect("store");
        assert!(
            missing.reachable().await.is_err(),
            "a missing bucket is told"
        );
        let mut s3 = s3;
        s3.stop();
        assert!(state.files.reachable().await.is_err());
        let failed = attachments::open(&state, &ivanova, later.id)
            .await
            .expect_err("the bucket is gone");
        let failed = AppError::from(failed);
        assert_eq!(failed, AppError::StorageUnavailable);
        assert_eq!(failed.http_status(), 503);
    }
);

#[tokio::test]
async fn two_nodes_share_one_bucket() {
    let db = TestDb::new(Backend::Postgres).await;
    let s3 = S3Server::start();
    let http = Client::new();
    let env = s3.env("nodes");
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let a = start_with(&db, &env).await;
    let b = start_with(&db, &env).await;

    let token = login(&http, &a.base, "ivanova").await;
    let id = file_one(&http, &a.base, &token).await;
    let file = attach_pdf(&http, &a.base, &token, id, &pdf("uploaded on A")).await;
    let r = http
        .get(format!("{}/api/v1/attachments/{file}", b.base))
        .bearer_auth(&token)
        .send()
        .await
        .expect("download");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.bytes().await.expect("bytes").to_vec(),
        pdf("uploaded on A")
    );
    let keys = s3.keys();
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert!(keys[0].starts_with("nodes/"), "{keys:?}");
    assert_eq!(db.stored_files().await, 0, "nothing in the database");

    let r = http
        .get(format!("{}/readyz", b.base))
        .send()
        .await
        .expect("ready");
    assert_eq!(r.status(), StatusCode::OK);
    let ready: Value = r.json().await.expect("json");
    assert_eq!(ready["checks"]["files"], "ok", "{ready}");
    drop((a, b));
    db.cleanup().await;
}

#[test]
fn the_bucket_is_configured_from_the_environment_and_its_secret_never_prints() {
    let mut config = app::server::config::Config::default();
    config
        .apply_env(|name| {
            match name {
                "SD_S3_BUCKET" => Some("files"),
                "SD_S3_ENDPOINT" => Some("https://storage.example.test"),
                "SD_S3_ACCESS_KEY_ID" => Some("key-id"),
                "SD_S3_SECRET_ACCESS_KEY" => Some("very-secret"),
                _ => None,
            }
            .map(String::from)
        })
        .expect("env");
    let o = config.object_store.as_ref().expect("configured");
    assert_eq!(
        (o.bucket.as_str(), o.endpoint.as_deref(), o.region.as_str()),
        ("files", Some("https://storage.example.test"), "us-east-1")
    );
    config.validate().expect("valid");
    assert!(!format!("{config:?}").contains("very-secret"));
    let bad = app::server::config::Config {
        object_store: Some(app::server::config::ObjectStoreConfig {
            endpoint: Some("not a url".into()),
            ..o.clone()
        }),
        ..app::server::config::Config::default()
    };
    assert!(bad.validate().is_err(), "a bad endpoint is named at start");
}
