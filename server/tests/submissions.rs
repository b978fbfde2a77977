//! Forms on SQLite and PostgreSQL: a form or API call sent twice makes one
//! request or one reply (sends fired together, and a send repeated after
//! the first was saved); a refused form's draft is its author's alone.

mod common;

use app::server::entity::{comment, submission, ticket};
use app::server::{jobs, tickets};
use app::wire::AppError;
use common::{TestDb, esign};
use reqwest::{Client, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

async fn tickets_count(db: &TestDb) -> u64 {
    ticket::Entity::find()
        .count(&db.state.db)
        .await
        .expect("count")
}

async fn comments_of(db: &TestDb, id: i64) -> u64 {
    comment::Entity::find()
        .filter(comment::Column::TicketId.eq(id))
        .count(&db.state.db)
        .await
        .expect("count")
}

fn keyed(subject: &str, key: &str) -> app::wire::NewTicket {
    let mut input = esign(subject);
    input.submission = Some(key.into());
    input
}

on_both_databases!(
    async fn a_filing_sent_many_times_at_once_is_one_request(db: TestDb) {
        let ivanova = db.user("ivanova", &["employee"]).await;
        // Eight sends of one form at once (the same key), beside four
        // other forms: one request for the eight, numbers without a gap.
        let mut filers = tokio::task::JoinSet::new();
        for i in 0..12 {
            let input = if i < 8 {
                keyed("Двойной щелчок", "form-1")
            } else {
                keyed(&format!("Другая {i}"), &format!("form-other-{i}"))
            };
            let (state, caller) = (db.state.clone(), ivanova.clone());
            filers.spawn(async move { (i, tickets::create(&state, &caller, input).await) });
        }
        let answers: Vec<_> = filers.join_all().await;
        let mut same = Vec::new();
        let mut numbers = Vec::new();
        for (i, answer) in answers {
            let t = answer.expect("every send is answered with a request");
            if i < 8 {
                same.push(t.id);
            }
            numbers.push(t.number);
        }
        same.dedup();
        assert_eq!(same.len(), 1, "one request for one form: {same:?}");
        assert_eq!(tickets_count(db).await, 5);
        numbers.sort();
        numbers.dedup();
        assert_eq!(
            numbers,
            (1..=5)
                .map(|n| format!("IT-2026-{n:06}"))
                .collect::<Vec<_>>(),
            "numbers in a row, none taken by a send that made nothing"
        );

        // Sent again later: the same request, still nothing new.
        let again = tickets::create(&db.state, &ivanova, keyed("Двойной щелчок", "form-1"))
            .await
            .expect("answered");
        assert_eq!(again.id, same[0]);
        assert_eq!(tickets_count(db).await, 5);

        // Another person's key of the same text is theirs: a request of theirs.
        let petrov = db.user("petrov", &["employee"]).await;
        let theirs = tickets::create(&db.state, &petrov, keyed("Двойной щелчок", "form-1"))
            .await
            .expect("filed");
        assert_ne!(theirs.id, same[0]);
        assert_eq!(theirs.requester.login, "petrov");
        // Without a key nothing is deduplicated.
        for _ in 0..2 {
            tickets::create(&db.state, &ivanova, esign("Без ключа"))
                .await
                .expect("filed");
        }
        assert_eq!(tickets_count(db).await, 8);
    }
);

on_both_databases!(
    async fn a_key_that_is_not_a_key_is_refused_and_nothing_is_saved(db: TestDb) {
        let ivanova = db.user("ivanova", &["employee"]).await;
        let err = AppError::from(
            tickets::create(&db.state, &ivanova, keyed("Ключ", "два слова"))
                .await
                .expect_err("refused"),
        );
        let AppError::Invalid { fields } = err else {
            panic!("not a field error: {err:?}");
        };
        assert_eq!(fields[0].field, "submission");
        assert_eq!(tickets_count(db).await, 0);
    }
);

on_both_databases!(
    async fn a_reply_sent_many_times_at_once_is_one_message(db: TestDb) {
        let ivanova = db.user("ivanova", &["employee"]).await;
        let smirnov = db.user("smirnov", &["employee", "executor:IT"]).await;
        let t = tickets::create(&db.state, &ivanova, esign("Ключ"))
            .await
            .expect("created");
        let key = app::server::submissions::SubmissionKey::parse(smirnov.id, Some("reply-1"))
            .expect("key")
            .expect("given");
        // A clarifying question: once asked, asking again would be refused
        // (the request already waits), so every send after the first must
        // be answered with the first, not with a refusal.
        let mut senders = tokio::task::JoinSet::new();
        for _ in 0..8 {
            let (state, caller, key) = (db.state.clone(), smirnov.clone(), key.clone());
            senders.spawn(async move {
                tickets::comment_once(
                    &state,
                    &caller,
                    t.id,
                    "Какой кабинет?",
                    false,
                    true,
                    Some(&key),
                )
                .await
            });
        }
        let mut ids: Vec<i64> = senders
            .join_all()
            .await
            .into_iter()
            .map(|r| r.expect("every send is answered with the message").id)
            .collect();
        ids.dedup();
        assert_eq!(ids.len(), 1, "{ids:?}");
        assert_eq!(comments_of(db, t.id).await, 1);
        // The next message has a key of its own.
        let key2 = app::server::submissions::SubmissionKey::parse(smirnov.id, Some("reply-2"))
            .expect("key")
            .expect("given");
        let next = tickets::comment_once(
            &db.state,
            &smirnov,
            t.id,
            "Жду ответа",
            false,
            false,
            Some(&key2),
        )
        .await
        .expect("sent");
        assert_ne!(next.id, ids[0]);
        assert_eq!(comments_of(db, t.id).await, 2);
    }
);

on_both_databases!(
    async fn keys_are_forgotten_after_a_day(db: TestDb) {
        let ivanova = db.user("ivanova", &["employee"]).await;
        let first = tickets::create(&db.state, &ivanova, keyed("Ключ", "k"))
            .await
            .expect("filed");
        db.set_now("2026-03-03T09:00:01+03:00");
        jobs::tick(&db.state).await.expect("tick");
        assert_eq!(
            submission::Entity::find()
                .count(&db.state.db)
                .await
                .expect("count"),
            0
        );
        let second = tickets::create(&db.state, &ivanova, keyed("Ключ", "k"))
            .await
            .expect("filed");
        assert_ne!(first.id, second.id);
    }
);

on_both_databases!(
    async fn the_api_takes_an_idempotency_key_header(db: TestDb) {
        db.user("ivanova", &["employee"]).await;
        let base = common::serve(db.state.clone()).await;
        let http = Client::new();
        let signed_in: Value = http
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"login": "ivanova", "password": "demo"}))
            .send()
            .await
            .expect("sent")
            .json()
            .await
            .expect("json");
        let token = signed_in["token"].as_str().expect("token").to_string();
        let body = json!({
            "kind": "esign_key",
            "subject": "Ключ ЭП",
            "fields": esign("x").fields,
        });
        let send = |key: &'static str| {
            http.post(format!("{base}/api/v1/tickets"))
                .bearer_auth(&token)
                .header("Idempotency-Key", key)
                .json(&body)
                .send()
        };
        let (a, b) = tokio::join!(send("api-1"), send("api-1"));
        let (a, b) = (a.expect("sent"), b.expect("sent"));
        assert_eq!(a.status(), StatusCode::CREATED);
        assert_eq!(b.status(), StatusCode::CREATED);
        let (a, b): (Value, Value) = (a.json().await.expect("json"), b.json().await.expect("json"));
        assert_eq!(a["id"], b["id"]);
        assert_eq!(tickets_count(db).await, 1);

        let bad = send("не ключ").await.expect("sent");
        assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let bad: Value = bad.json().await.expect("json");
        assert_eq!(bad["error"]["fields"][0]["field"], "submission", "{bad}");

        let id = a["id"].as_i64().expect("id");
        let reply = |key: &'static str| {
            http.post(format!("{base}/api/v1/tickets/{id}/comments"))
                .bearer_auth(&token)
                .header("Idempotency-Key", key)
                .json(&json!({ "body": "Добавлю: кабинет 214" }))
                .send()
        };
        let (a, b) = tokio::join!(reply("c-1"), reply("c-1"));
        let (a, b): (Value, Value) = (
            a.expect("sent").json().await.expect("json"),
            b.expect("sent").json().await.expect("json"),
        );
        assert_eq!(a["id"], b["id"], "{a} {b}");
        assert_eq!(comments_of(db, id).await, 1);
    }
);

on_both_databases!(
    async fn a_draft_is_its_authors_alone_and_kept_for_a_day(db: TestDb) {
        use app::server::drafts;
        let ivanova = db.user("ivanova", &["employee"]).await;
        let petrov = db.user("petrov", &["employee"]).await;
        let typed = vec![
            ("subject".to_string(), "Платёж".to_string()),
            (
                "description".to_string(),
                "Платёж прошёл дважды. ".repeat(500),
            ),
        ];
        let key = drafts::save(&db.state, &ivanova, &typed)
            .await
            .expect("saved");
        assert_eq!(
            drafts::read(&db.state, &ivanova, &key).await.expect("read"),
            typed
        );
        assert!(
            drafts::read(&db.state, &petrov, &key)
                .await
                .expect("read")
                .is_empty()
        );
        assert!(
            drafts::read(&db.state, &ivanova, "nope")
                .await
                .expect("read")
                .is_empty()
        );
        db.set_now("2026-03-03T09:00:01+03:00");
        jobs::tick(&db.state).await.expect("tick");
        assert!(
            drafts::read(&db.state, &ivanova, &key)
                .await
                .expect("read")
                .is_empty()
        );
    }
);
