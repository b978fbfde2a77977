//! What a crash keeps: the real server binary files requests at full speed,
//! is killed with SIGKILL in the middle and started again; every request that
//! got its 201 is there with its number, its registration event and its
//! acknowledgement, and numbering goes on without a gap or a duplicate — on
//! SQLite and PostgreSQL. Also the backup and its restore.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use app::server::entity::{notification, ticket, ticket_event};
use common::node::{attach_pdf, esign, file_one, login, servicedesk_on, start};
use reqwest::{Client, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::Value;

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
        let attachment = attach_pdf(&http, &node.base, &token, kept, &pdf).await;
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
