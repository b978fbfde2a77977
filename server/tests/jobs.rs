//! Scheduled control and mail, end to end: a fake clock, a real SMTP server
//! process on loopback (aiosmtpd, installed by `make test`), messages read
//! back from its mailbox; on SQLite and PostgreSQL.

mod common;

use app::server::entity::ticket;
use app::server::{jobs, tickets};
use common::esign;
use common::smtp::{SmtpServer, with_smtp};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};

fn count(messages: &[(String, String, String)], to: &str, subject_part: &str) -> usize {
    messages
        .iter()
        .filter(|(t, s, _)| t == to && s.contains(subject_part))
        .count()
}

fn body<'a>(messages: &'a [(String, String, String)], to: &str, subject_part: &str) -> &'a str {
    messages
        .iter()
        .find(|(t, s, _)| t == to && s.contains(subject_part))
        .map(|(_, _, b)| b.as_str())
        .unwrap_or_else(|| panic!("no message to {to} about {subject_part}: {messages:#?}"))
}

on_both_databases!(
    async fn digests_and_control_arrive_once_in_a_real_mailbox(db: TestDb) {
        let smtp = SmtpServer::start();
        let state = with_smtp(&db.state, smtp.port);
        let ivanova = db.user("ivanova", &["employee"]).await;
        let smirnov = db.user("smirnov", &["employee", "executor:IT"]).await;
        db.user("petrov", &["employee", "executor:IT"]).await;
        db.user("kuznetsova", &["employee", "head:IT"]).await;

        // Registered so that, seen from Monday 02.03.2026: A is due today,
        // B this week, C is overdue, D is due later.
        let mut made = Vec::new();
        for (registered, subject) in [
            ("2026-01-31T10:00:00+03:00", "A сегодня"),
            ("2026-02-03T10:00:00+03:00", "B на неделе"),
            ("2026-01-20T10:00:00+03:00", "C просрочено"),
            ("2026-02-20T10:00:00+03:00", "D позже"),
        ] {
            db.set_now(registered);
            made.push(
                tickets::create(&state, &ivanova, esign(subject))
                    .await
                    .expect("created"),
            );
        }
        let (a, b, c, d) = (&made[0], &made[1], &made[2], &made[3]);
        tickets::take(&state, &smirnov, b.id).await.expect("taken");

        // Before the working day starts only the overdue notice goes out.
        db.set_now("2026-03-02T08:00:00+03:00");
        let early = jobs::tick(&state).await.expect("tick");
        assert_eq!(early.ran, Vec::<String>::new());
        assert_eq!(early.overdue_noticed, 1);

        db.set_now("2026-03-02T09:05:00+03:00");
        let first = jobs::tick(&state).await.expect("tick");
        assert_eq!(
            first.ran,
            [
                "morning_digest:2026-03-02",
                "preliminary_control:2026-W10",
                "final_control:2026-W10",
                // 2 March is March's first working day: February's report goes out.
                "monthly_report:2026-02"
            ]
        );
        // A second instance on the same database, and a second tick: nothing more.
        let other = with_smtp(&db.state, smtp.port);
        assert_eq!(
            jobs::tick(&other).await.expect("tick").ran,
            Vec::<String>::new()
        );
        let again = jobs::tick(&state).await.expect("tick");
        assert_eq!(
            (again.ran.len(), again.mail_sent, again.overdue_noticed),
            (0, 0, 0)
        );

        let mail = smtp.messages();
        // Acknowledgements of the four written requests.
        assert_eq!(
            count(&mail, "ivanova@servicedesk.test", "зарегистрировано"),
            4
        );
        // Today's digest: A, unassigned, to both IT executors; B is smirnov's but not due today.
        for who in ["smirnov", "petrov"] {
            let to = format!("{who}@servicedesk.test");
            assert_eq!(count(&mail, &to, "истекает срок ответа"), 1, "{who}");
            let text = body(&mail, &to, "истекает срок ответа");
            assert!(
                text.contains(&a.number) && !text.contains(&d.number),
                "{text}"
            );
        }
        let prelim = body(
            &mail,
            "smirnov@servicedesk.test",
            "Предварительный контроль",
        );
        assert!(
            prelim.contains(&a.number)
                && prelim.contains(&b.number)
                && !prelim.contains(&c.number)
                && !prelim.contains(&d.number),
            "{prelim}"
        );
        assert!(
            !body(&mail, "petrov@servicedesk.test", "Предварительный контроль").contains(&b.number),
            "B is smirnov's"
        );
        for who in ["smirnov", "petrov", "kuznetsova"] {
            let text = body(
                &mail,
                &format!("{who}@servicedesk.test"),
                "Итоговый контроль",
            );
            assert!(
                text.contains(&c.number) && !text.contains(&a.number),
                "{who}: {text}"
            );
        }
        assert_eq!(
            count(&mail, "kuznetsova@servicedesk.test", "Просрочено обращение"),
            1
        );
        assert!(
            body(&mail, "kuznetsova@servicedesk.test", "Просрочено обращение").contains(&c.number)
        );
        assert_eq!(
            count(&mail, "ivanova@servicedesk.test", "контроль"),
            0,
            "requesters get no control lists"
        );

        // Monday 09.03.2026 is the day off for 8 March: nothing runs; the
        // week's control comes on Tuesday, its first working day.
        db.set_now("2026-03-09T10:00:00+03:00");
        assert_eq!(
            jobs::tick(&state).await.expect("tick").ran,
            Vec::<String>::new()
        );
        db.set_now("2026-03-10T11:30:00+03:00");
        let tuesday = jobs::tick(&state).await.expect("tick");
        assert_eq!(
            tuesday.ran,
            [
                "morning_digest:2026-03-10",
                "preliminary_control:2026-W11",
                "final_control:2026-W11"
            ]
        );
    }
);

on_both_databases!(
    async fn a_run_that_died_half_way_is_taken_over_once(db: TestDb) {
        assert!(
            jobs::claim(&db.state, "final_control", "2026-W10")
                .await
                .expect("claim")
        );
        assert!(
            !jobs::claim(&db.state, "final_control", "2026-W10")
                .await
                .expect("claim"),
            "held"
        );
        db.set_now("2026-03-02T09:30:00+03:00");
        assert!(
            jobs::claim(&db.state, "final_control", "2026-W10")
                .await
                .expect("claim"),
            "stale after 10 minutes"
        );
        assert!(
            !jobs::claim(&db.state, "final_control", "2026-W10")
                .await
                .expect("claim")
        );
    }
);

on_both_databases!(
    async fn mail_to_an_unreachable_server_waits_and_records_the_error(db: TestDb) {
        let ivanova = db.user("ivanova", &["employee"]).await;
        let dead_port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("port")
            .local_addr()
            .expect("addr")
            .port();
        let state = with_smtp(&db.state, dead_port);
        let t = tickets::create(&state, &ivanova, esign("Проверка почты"))
            .await
            .expect("created");
        let report = jobs::tick(&state)
            .await
            .expect("tick survives a dead mail server");
        assert_eq!(report.mail_sent, 0);
        let queued = app::server::entity::mail_outbox::Entity::find()
            .all(&state.db)
            .await
            .expect("outbox");
        assert_eq!(queued.len(), 1);
        assert!(
            queued[0].sent_at.is_none()
                && queued[0].attempts == 1
                && queued[0].last_error.is_some()
        );
        // The request itself was saved regardless.
        let row = ticket::Entity::find_by_id(t.id)
            .one(&state.db)
            .await
            .expect("row")
            .expect("saved");
        let mut done: ticket::ActiveModel = row.into();
        done.status = Set("closed".into());
        done.update(&state.db).await.expect("update");
    }
);

on_both_databases!(
    async fn last_months_report_reaches_the_head_on_the_first_working_day(db: TestDb) {
        let smtp = SmtpServer::start();
        let state = with_smtp(&db.state, smtp.port);
        let ivanova = db.user("ivanova", &["employee"]).await;
        db.user("kuznetsova", &["employee", "head:IT"]).await;
        db.user("smirnov", &["employee", "executor:IT"]).await;
        db.set_now("2026-03-10T10:00:00+03:00");
        let filed = tickets::create(&state, &ivanova, esign("Ключ для отчёта"))
            .await
            .expect("file");
        // Wednesday 1 April 2026 is a working day; the March report goes out once.
        db.set_now("2026-04-01T10:00:00+03:00");
        let first = jobs::tick(&state).await.expect("tick");
        assert!(
            first.ran.contains(&"monthly_report:2026-03".to_string()),
            "{first:?}"
        );
        let again = jobs::tick(&state).await.expect("tick");
        assert!(!again.ran.iter().any(|r| r.starts_with("monthly_report")));
        use mail_parser::MimeHeaders;
        let mut found = Vec::new();
        for sub in ["new", "cur"] {
            for entry in std::fs::read_dir(smtp.maildir.join(sub))
                .into_iter()
                .flatten()
                .flatten()
            {
                let raw = std::fs::read(entry.path()).expect("message");
                let m = mail_parser::MessageParser::default()
                    .parse(&raw)
                    .expect("parsable");
                if m.subject()
                    .unwrap_or_default()
                    .starts_with("Отчёт о работе за 03.2026")
                {
                    let to = m
                        .to()
                        .and_then(|a| a.first())
                        .and_then(|a| a.address())
                        .unwrap_or_default()
                        .to_string();
                    let text = m.body_text(0).map(|b| b.to_string()).unwrap_or_default();
                    let files: Vec<(String, Vec<u8>)> = m
                        .attachments()
                        .map(|a| {
                            (
                                a.attachment_name().unwrap_or_default().to_string(),
                                a.contents().to_vec(),
                            )
                        })
                        .collect();
                    found.push((to, text, files));
                }
            }
        }
        assert_eq!(found.len(), 1, "one report, to the one head");
        let (to, text, files) = &found[0];
        assert_eq!(to, "kuznetsova@servicedesk.test");
        assert!(text.contains("Поступило обращений: 1"), "{text}");
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].0, "otchet-it-2026-03-01-2026-03-31.xlsx");
        let mut book: calamine::Xlsx<_> =
            calamine::Xlsx::new(std::io::Cursor::new(files[0].1.clone())).expect("xlsx");
        use calamine::Reader;
        let tasks = book.worksheet_range("Задачи").expect("tasks");
        assert!(
            tasks
                .rows()
                .any(|r| r.first().map(|c| c.to_string()) == Some(filed.number.clone())),
            "the March request is listed"
        );
    }
);

on_both_databases!(
    async fn two_nodes_sending_at_once_send_each_message_once(db: TestDb) {
        use app::server::{mail, notify};
        let smtp = SmtpServer::start();
        let one = with_smtp(&db.state, smtp.port);
        let other = with_smtp(&db.state, smtp.port);
        for i in 0..12 {
            notify::enqueue_mail(
                &db.state.db,
                &format!("person{i}@servicedesk.test"),
                &format!("Сообщение {i}"),
                "Текст",
                &format!("race:{i}"),
                db.state.now(),
            )
            .await
            .expect("queued");
        }
        let (a, b) = tokio::join!(mail::send_pending(&one), mail::send_pending(&other));
        let sent = a.expect("node one") + b.expect("node other");
        assert_eq!(sent, 12, "each row sent by one node only");
        // Sent means accepted by the server; a moment for the mailbox to
        // show any second copy.
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        assert_eq!(smtp.messages().len(), 12, "each message arrives once");
    }
);

on_both_databases!(
    async fn a_message_another_node_is_sending_is_left_to_it_until_its_claim_lapses(db: TestDb) {
        use app::server::entity::mail_outbox;
        use app::server::{mail, notify};
        use sea_orm::{ColumnTrait, QueryFilter};
        let smtp = SmtpServer::start();
        let node = with_smtp(&db.state, smtp.port);
        notify::enqueue_mail(
            &db.state.db,
            "petrov@servicedesk.test",
            "Сообщение",
            "Текст",
            "claimed:1",
            db.state.now(),
        )
        .await
        .expect("queued");
        // As another node leaves it mid-send: attempt counted, claimed, not sent.
        mail_outbox::Entity::update_many()
            .col_expr(mail_outbox::Column::Attempts, 1.into())
            .col_expr(
                mail_outbox::Column::ClaimedAt,
                sea_orm::sea_query::Expr::value(Some(db.state.now())),
            )
            .filter(mail_outbox::Column::DedupKey.eq("claimed:1"))
            .exec(&db.state.db)
            .await
            .expect("claimed");
        assert_eq!(mail::send_pending(&node).await.expect("sent"), 0);
        db.set_now("2026-03-02T09:14:00+03:00");
        assert_eq!(mail::send_pending(&node).await.expect("sent"), 0);
        // The other node stopped: after the claim's time it is sent here.
        db.set_now("2026-03-02T09:16:00+03:00");
        assert_eq!(mail::send_pending(&node).await.expect("sent"), 1);
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert_eq!(smtp.messages().len(), 1);
    }
);
