//! Extension, transfers, answers and notifications on SQLite and PostgreSQL.

mod common;

use app::domain::Status;
use app::server::entity::{mail_outbox, ticket};
use app::server::{calendar, notify, tickets};
use app::wire::AppError;
use common::esign;
use sea_orm::{EntityTrait, PaginatorTrait};

fn err(e: app::server::ServiceError) -> AppError {
    AppError::from(e)
}

on_both_databases!(
    async fn a_written_request_is_acknowledged_with_its_due_date_and_explanation(db: TestDb) {
        // Registered 12.12.2025: day 30 is Sunday 11.01.2026 → 30.12.2025.
        db.set_now("2025-12-12T11:00:00+03:00");
        let ivanova = db.user("ivanova", &["employee"]).await;
        let t = tickets::create(&db.state, &ivanova, esign("Продлить ключ"))
            .await
            .expect("created");
        assert_eq!(t.due_at, common::at("2025-12-30T18:00:00+03:00"));
        assert_eq!(
            t.due_explanation,
            "30-й день — 11.01.2026, нерабочий день; срок — предшествующий рабочий день, 30.12.2025"
        );
        let inbox = notify::inbox(&db.state, &ivanova, 10).await.expect("inbox");
        assert_eq!(inbox.unread, 1);
        assert!(
            inbox.items[0].text.contains(&t.number),
            "{}",
            inbox.items[0].text
        );
        assert!(inbox.items[0].text.contains("30.12.2025"));
        assert!(
            inbox.items[0]
                .text
                .contains("Отдел информационных технологий")
        );
        let mails = mail_outbox::Entity::find()
            .all(&db.state.db)
            .await
            .expect("outbox");
        assert_eq!(mails.len(), 1);
        assert_eq!(mails[0].to_addr, "ivanova@servicedesk.test");
        assert_eq!(
            notify::mark_all_read(&db.state, &ivanova)
                .await
                .expect("read"),
            1
        );
        assert_eq!(
            notify::inbox(&db.state, &ivanova, 10)
                .await
                .expect("inbox")
                .unread,
            0
        );
    }
);

on_both_databases!(
    async fn the_head_extends_a_term_once_and_the_requester_is_told(db: TestDb) {
        db.set_now("2025-12-12T11:00:00+03:00");
        let ivanova = db.user("ivanova", &["employee"]).await;
        let smirnov = db.user("smirnov", &["employee", "executor:IT"]).await;
        let kuznetsova = db.user("kuznetsova", &["employee", "head:IT"]).await;
        let t = tickets::create(&db.state, &ivanova, esign("Продлить ключ"))
            .await
            .expect("created");

        assert_eq!(
            err(
                tickets::extend(&db.state, &smirnov, t.id, 10, "Нужно время")
                    .await
                    .expect_err("executor")
            ),
            AppError::Forbidden
        );
        let bad = err(tickets::extend(&db.state, &kuznetsova, t.id, 31, " ")
            .await
            .expect_err("invalid"));
        let fields: Vec<&str> = bad.fields().iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["days", "reason"]);

        let extended = tickets::extend(
            &db.state,
            &kuznetsova,
            t.id,
            10,
            "Ждём ответа удостоверяющего центра",
        )
        .await
        .expect("extended");
        assert_eq!(extended.due_at, common::at("2026-01-21T18:00:00+03:00"));
        assert_eq!(extended.extension_days, Some(10));
        assert!(
            extended
                .due_explanation
                .starts_with("40-й день (30 + продление на 10)"),
            "{}",
            extended.due_explanation
        );
        let again = err(tickets::extend(&db.state, &kuznetsova, t.id, 5, "Ещё")
            .await
            .expect_err("twice"));
        assert_eq!(
            again,
            AppError::Conflict {
                reason: "already_extended".into()
            }
        );
        let inbox = notify::inbox(&db.state, &ivanova, 10).await.expect("inbox");
        assert!(
            inbox.items[0]
                .text
                .contains("продлён на 10 дн., до 21.01.2026"),
            "{}",
            inbox.items[0].text
        );
        assert!(
            inbox.items[0]
                .text
                .contains("Ждём ответа удостоверяющего центра")
        );
    }
);

on_both_databases!(
    async fn a_request_is_transferred_at_most_twice_and_keeps_its_number_and_due_date(db: TestDb) {
        let ivanova = db.user("ivanova", &["employee"]).await;
        let smirnov = db.user("smirnov", &["employee", "executor:IT"]).await;
        let popov = db.user("popov", &["employee", "executor:AHO"]).await;
        let t = tickets::create(&db.state, &ivanova, esign("Продлить ключ"))
            .await
            .expect("created");
        let bad = err(tickets::transfer(&db.state, &smirnov, t.id, "IT", "")
            .await
            .expect_err("same unit"));
        assert_eq!(bad.fields().len(), 2);
        let moved = tickets::transfer(&db.state, &smirnov, t.id, "aho", "Это про картридж")
            .await
            .expect("first");
        assert_eq!(
            (
                moved.unit.code.as_str(),
                moved.number.as_str(),
                moved.due_at
            ),
            ("AHO", t.number.as_str(), t.due_at)
        );
        assert_eq!(moved.transfer_count, 1);
        // The IT executor no longer sees it; the supplies executor does.
        assert_eq!(
            err(tickets::get(&db.state, &smirnov, t.id)
                .await
                .expect_err("gone")),
            AppError::NotFound
        );
        let back = tickets::transfer(&db.state, &popov, t.id, "IT", "Всё-таки ключ")
            .await
            .expect("second");
        assert_eq!(back.transfer_count, 2);
        let third = err(
            tickets::transfer(&db.state, &smirnov, t.id, "BUH", "Ещё раз")
                .await
                .expect_err("third"),
        );
        assert_eq!(
            third,
            AppError::Conflict {
                reason: "too_many_transfers".into()
            }
        );
        let inbox = notify::inbox(&db.state, &ivanova, 10).await.expect("inbox");
        assert_eq!(
            inbox
                .items
                .iter()
                .filter(|n| n.kind == "transferred")
                .count(),
            2
        );
    }
);

on_both_databases!(
    async fn interim_answers_keep_a_request_open_and_the_final_one_needs_an_outcome(db: TestDb) {
        let ivanova = db.user("ivanova", &["employee"]).await;
        let smirnov = db.user("smirnov", &["employee", "executor:IT"]).await;
        let t = tickets::create(&db.state, &ivanova, esign("Продлить ключ"))
            .await
            .expect("created");
        let question = tickets::AnswerInput {
            body: "Уточните, пожалуйста, номер кабинета".into(),
            question: true,
            ..Default::default()
        };
        let asked = tickets::answer(&db.state, &smirnov, t.id, question)
            .await
            .expect("question");
        assert_eq!(asked.status, Status::AwaitingRequester);
        let inbox = notify::inbox(&db.state, &ivanova, 10).await.expect("inbox");
        assert!(
            inbox.items[0]
                .text
                .contains("Уточните, пожалуйста, номер кабинета"),
            "{}",
            inbox.items[0].text
        );
        tickets::add_comment(&db.state, &ivanova, t.id, "Кабинет 214", false)
            .await
            .expect("reply");
        let back = tickets::get(&db.state, &ivanova, t.id).await.expect("get");
        assert_eq!(
            back.status,
            Status::InProgress,
            "the requester's answer returns it to work"
        );
        let interim = tickets::AnswerInput {
            body: "Заказали сертификат".into(),
            ..Default::default()
        };
        let after = tickets::answer(&db.state, &smirnov, t.id, interim)
            .await
            .expect("interim");
        assert_eq!(after.status, Status::InProgress);

        let no_outcome = tickets::AnswerInput {
            body: "Готово".into(),
            final_answer: true,
            question: false,
            ..Default::default()
        };
        let e = err(tickets::answer(&db.state, &smirnov, t.id, no_outcome)
            .await
            .expect_err("outcome"));
        assert_eq!(e.fields()[0].field, "outcome");
        let no_date = tickets::AnswerInput {
            body: "Сделаем".into(),
            final_answer: true,
            question: false,
            outcome: Some("will_be_solved".into()),
            planned_on: None,
        };
        let e = err(tickets::answer(&db.state, &smirnov, t.id, no_date)
            .await
            .expect_err("planned_on"));
        assert_eq!(e.fields()[0].field, "planned_on");
        let comments_before = tickets::comments(&db.state, &ivanova, t.id)
            .await
            .expect("comments")
            .len();

        let done = tickets::AnswerInput {
            body: "Ключ выпущен, получите его в кабинете 305".into(),
            final_answer: true,
            question: false,
            outcome: Some("will_be_solved".into()),
            planned_on: Some("2026-03-20".into()),
        };
        let answered = tickets::answer(&db.state, &smirnov, t.id, done)
            .await
            .expect("final");
        assert_eq!(answered.status, Status::Answered);
        assert_eq!(answered.outcome.as_deref(), Some("will_be_solved"));
        assert_eq!(answered.planned_on.as_deref(), Some("2026-03-20"));
        assert!(!answered.overdue);
        let comments = tickets::comments(&db.state, &ivanova, t.id)
            .await
            .expect("comments");
        assert_eq!(
            comments.len(),
            comments_before + 1,
            "failed answers saved nothing"
        );
        let last = &comments[comments.len() - 1].body;
        assert!(last.contains("будет решён до 20.03.2026"), "{last}");
        assert!(
            last.contains(
                "Исполнитель: Тестовый smirnov, тел. +7 000, e-mail smirnov@servicedesk.test"
            ),
            "{last}"
        );
        let late = err(
            tickets::answer(&db.state, &smirnov, t.id, tickets::AnswerInput::default())
                .await
                .expect_err("closed"),
        );
        assert_eq!(
            late,
            AppError::Conflict {
                reason: "not_open".into()
            }
        );
    }
);

on_both_databases!(
    async fn a_late_answer_leaves_the_request_marked_overdue(db: TestDb) {
        let ivanova = db.user("ivanova", &["employee"]).await;
        let smirnov = db.user("smirnov", &["employee", "executor:IT"]).await;
        let t = tickets::create(&db.state, &ivanova, esign("Продлить ключ"))
            .await
            .expect("created");
        db.set_now("2026-04-02T10:00:00+03:00");
        assert!(
            tickets::get(&db.state, &ivanova, t.id)
                .await
                .expect("get")
                .overdue
        );
        let input = tickets::AnswerInput {
            body: "Сделано".into(),
            final_answer: true,
            question: false,
            outcome: Some("solved".into()),
            planned_on: None,
        };
        let answered = tickets::answer(&db.state, &smirnov, t.id, input)
            .await
            .expect("answered");
        assert!(answered.overdue, "stays marked");
        let stored = ticket::Entity::find_by_id(t.id)
            .one(&db.state.db)
            .await
            .expect("row")
            .expect("exists");
        assert!(stored.answered_at.is_some());
    }
);

on_both_databases!(
    async fn the_deadline_calculator_explains_and_refuses_bad_input(db: TestDb) {
        let lang = app::i18n::Lang::Ru;
        let a = calendar::calculate(
            &db.state,
            lang,
            Some("2025-12-12"),
            Some("written"),
            None,
            None,
        )
        .await
        .expect("written");
        assert_eq!(a.due_on.to_string(), "2025-12-30");
        assert_eq!(a.due_at, common::at("2025-12-30T18:00:00+03:00"));
        let f = calendar::calculate(
            &db.state,
            lang,
            Some("2025-12-31"),
            Some("forward"),
            None,
            None,
        )
        .await
        .expect("forward");
        assert_eq!(f.due_on.to_string(), "2026-01-12");
        let o = calendar::calculate(
            &db.state,
            lang,
            Some("2026-03-07"),
            Some("oral"),
            None,
            None,
        )
        .await
        .expect("oral");
        assert_eq!(o.due_on.to_string(), "2026-03-10");
        let e = err(calendar::calculate(
            &db.state,
            lang,
            Some("31.12.2025"),
            Some("soon"),
            Some("40"),
            None,
        )
        .await
        .expect_err("bad"));
        let fields: Vec<&str> = e.fields().iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["registered_on", "kind", "extension_days"]);
        let out = err(
            calendar::calculate(&db.state, lang, Some("2028-03-01"), None, None, None)
                .await
                .expect_err("range"),
        );
        assert_eq!(
            out,
            AppError::CalendarMissing {
                date: "2028-03-31".into()
            }
        );
    }
);

on_both_databases!(
    async fn the_administrator_edits_days_and_imports_years(db: TestDb) {
        let admin = db.user("admin", &["employee", "admin"]).await;
        let smirnov = db.user("smirnov", &["employee", "executor:IT"]).await;
        let date = chrono::NaiveDate::from_ymd_opt(2026, 4, 1).expect("date");
        let holiday = Some(app::domain::calendar::DayKind::Holiday);
        assert_eq!(
            err(calendar::set_day(&db.state, &smirnov, date, holiday, None)
                .await
                .expect_err("not admin")),
            AppError::Forbidden
        );
        calendar::set_day(&db.state, &admin, date, holiday, Some("День отдела".into()))
            .await
            .expect("set");
        // A request registered 02.03.2026 is now due on 31.03.2026.
        let lang = app::i18n::Lang::Ru;
        let a = calendar::calculate(&db.state, lang, Some("2026-03-02"), None, None, None)
            .await
            .expect("calc");
        assert_eq!(a.due_on.to_string(), "2026-03-31");
        assert!(a.explanation.contains("(День отдела)"), "{}", a.explanation);
        calendar::set_day(&db.state, &admin, date, None, None)
            .await
            .expect("cleared");
        let month = calendar::month(&db.state, 2026, 4).await.expect("month");
        assert_eq!(month.len(), 30);
        assert!(month[0].working);

        let xml = r#"<calendar year="2028"><holidays><holiday id="1" title="Новогодние каникулы"/></holidays>
            <days><day d="01.03" t="1" h="1"/><day d="01.10" t="1"/></days></calendar>"#;
        assert_eq!(
            calendar::import(&db.state, &admin, xml)
                .await
                .expect("imported"),
            vec![2028]
        );
        let days = calendar::month(&db.state, 2028, 1).await.expect("2028");
        assert!(!days[2].working && !days[9].working && days[10].working);
        assert!(
            calendar::years(&db.state)
                .await
                .expect("years")
                .contains(&2028)
        );
        let e = err(calendar::import(&db.state, &admin, "{not a calendar")
            .await
            .expect_err("bad file"));
        assert_eq!(e.fields()[0].field, "file");
        // The message names the line of the first mistake, counted in the
        // file as sent (a blank line before it included).
        let json = "\n{\n  \"years\": [\n    {\"year\": 2028, \"days\": [}\n  ]\n}";
        let e = err(calendar::import(&db.state, &admin, json)
            .await
            .expect_err("bad JSON"));
        assert_eq!(
            e.fields()[0].code,
            app::domain::FieldErrorCode::FileLine { line: 4 }
        );
        let xml = "<calendar year=\"2028\">\n<days>\n<day d=\"01.05\" t=\"1\"/>\n<day d=\"02.31\" t=\"1\"/>\n</days></calendar>";
        let e = err(calendar::import(&db.state, &admin, xml)
            .await
            .expect_err("bad XML"));
        assert_eq!(
            e.fields()[0].code,
            app::domain::FieldErrorCode::FileLine { line: 4 }
        );
        // The same date twice is named, not a failure of the server; the
        // year loaded before stays as it was.
        let twice = r#"<calendar year="2028"><days><day d="01.05" t="1"/><day d="01.05" t="2"/></days></calendar>"#;
        let e = err(calendar::import(&db.state, &admin, twice)
            .await
            .expect_err("a date twice"));
        assert_eq!(
            e.fields(),
            &[app::domain::FieldError::new(
                "file",
                app::domain::FieldErrorCode::Duplicate {
                    value: "05.01.2028".into()
                }
            )]
        );
        let days = calendar::month(&db.state, 2028, 1).await.expect("2028");
        assert!(days[4].working, "5 January 2028 unchanged");
        assert_eq!(
            ticket::Entity::find()
                .count(&db.state.db)
                .await
                .expect("count"),
            0
        );
    }
);
