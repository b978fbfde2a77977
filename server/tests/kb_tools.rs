//! Knowledge-base tools on SQLite and PostgreSQL: search quality, answer
//! templates, suggestions while filing, article files, articles made from
//! requests and the reindex command.

mod common;

use app::server::{kb, templates, tickets};
use app::wire::{AppError, TemplateInput};
use common::esign;

fn mine() -> tickets::ListQuery {
    tickets::ListQuery::parse(Some("mine"), None, None, None).expect("query")
}

fn err(e: app::server::ServiceError) -> AppError {
    AppError::from(e)
}

/// Each query and the demo article it must return first.
const QUALITY: &[(&str, &str)] = &[
    (
        "ключи электронной подписи",
        "Как получить или продлить ключ электронной подписи",
    ),
    (
        "продлить сертификат ЭП",
        "Как получить или продлить ключ электронной подписи",
    ),
    (
        "картриджы для принтера",
        "Как заказать картриджи, бумагу и канцелярию",
    ),
    ("бумага", "Как заказать картриджи, бумагу и канцелярию"),
    (
        "настройка рабочего места",
        "Что подготовить для настройки рабочего места (АРМ)",
    ),
    (
        "новому сотруднику компьютер",
        "Что подготовить для настройки рабочего места (АРМ)",
    ),
    (
        "уточнить платёж по КБК",
        "Как попросить уточнить или зачесть платёж",
    ),
    ("зачёт платежа", "Как попросить уточнить или зачесть платёж"),
    ("сроки ответа", "Сроки ответа на обращения"),
    ("переадресация обращения", "Сроки ответа на обращения"),
    (
        "шаблон продления ключа",
        "Шаблон: обращение о продлении ключа ЭП",
    ),
];

on_both_databases!(
    async fn every_query_of_the_quality_table_finds_its_article_first(db: TestDb) {
        let mut wrong = Vec::new();
        for (query, title) in QUALITY {
            let hits = kb::search(&db.state, query, 5).await.expect("search");
            let first = hits.first().map(|h| h.title.as_str()).unwrap_or("—");
            if first != *title {
                wrong.push(format!("{query:?} → {first:?}, expected {title:?}"));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }
);

on_both_databases!(
    async fn an_executor_answers_with_a_template_filled_from_the_request(db: TestDb) {
        let ivanova = db.user("ivanova", &["employee"]).await;
        let smirnov = db.user("smirnov", &["employee", "executor:IT"]).await;
        let t = tickets::create(&db.state, &ivanova, esign("Продлить ключ"))
            .await
            .expect("created");
        let detail = tickets::detail(&db.state, &smirnov, t.id)
            .await
            .expect("detail");
        let issued = detail
            .templates
            .iter()
            .find(|x| x.title == "Ключ ЭП выпущен")
            .expect("the IT templates are offered");
        assert!(issued.unknown.is_empty());
        assert!(
            issued.text.starts_with("Тестовый ivanova, добрый день.")
                && issued.text.contains(&t.number)
                && issued.text.contains("Тестовый smirnov, тел. +7 000"),
            "{}",
            issued.text
        );
        assert!(
            tickets::detail(&db.state, &ivanova, t.id)
                .await
                .expect("requester")
                .templates
                .is_empty(),
            "requesters see no templates"
        );

        // Placeholders written by hand are filled at sending; unknown ones refuse it.
        let unknown = tickets::AnswerInput {
            body: "{{заявитель}}, готово. {{кабинет}}".into(),
            final_answer: true,
            outcome: Some("solved".into()),
            ..Default::default()
        };
        let e = err(tickets::answer(&db.state, &smirnov, t.id, unknown)
            .await
            .expect_err("unknown placeholder"));
        assert_eq!(
            e.fields()[0].code,
            app::domain::FieldErrorCode::UnknownPlaceholder {
                name: "{{кабинет}}".into()
            }
        );
        assert!(
            tickets::comments(&db.state, &smirnov, t.id)
                .await
                .expect("comments")
                .is_empty(),
            "nothing was sent"
        );
        let answer = tickets::AnswerInput {
            body: "{{заявитель}}, обращение {{номер}} выполнено.".into(),
            final_answer: true,
            outcome: Some("solved".into()),
            ..Default::default()
        };
        tickets::answer(&db.state, &smirnov, t.id, answer)
            .await
            .expect("answered");
        let sent = tickets::comments(&db.state, &ivanova, t.id)
            .await
            .expect("comments");
        let last = sent.last().map(|c| c.body.clone()).unwrap_or_default();
        assert!(
            last.starts_with(&format!(
                "Тестовый ivanova, обращение {} выполнено.",
                t.number
            )),
            "{last}"
        );

        // An article from the answered request, for the executor to edit.
        let draft = kb::draft_from_ticket(&db.state, &smirnov, t.id)
            .await
            .expect("draft");
        assert_eq!(draft.title, "Продлить ключ");
        assert_eq!(draft.kinds, vec!["esign_key".to_string()]);
        assert!(
            draft.body.contains("Срок сертификата истекает"),
            "{}",
            draft.body
        );
        assert!(draft.body.contains("выполнено"), "{}", draft.body);
        assert_eq!(
            err(kb::draft_from_ticket(&db.state, &ivanova, t.id)
                .await
                .expect_err("requester")),
            AppError::Forbidden
        );
        let open = tickets::create(&db.state, &ivanova, esign("Ещё ключ"))
            .await
            .expect("created");
        assert_eq!(
            err(kb::draft_from_ticket(&db.state, &smirnov, open.id)
                .await
                .expect_err("not answered")),
            AppError::Conflict {
                reason: "not_answered".into()
            }
        );
    }
);

on_both_databases!(
    async fn templates_belong_to_their_unit(db: TestDb) {
        let ivanova = db.user("ivanova", &["employee"]).await;
        let smirnov = db.user("smirnov", &["employee", "executor:IT"]).await;
        let popov = db.user("popov", &["employee", "executor:AHO"]).await;
        let own = templates::list(&db.state, &smirnov).await.expect("list");
        assert!(!own.is_empty() && own.iter().all(|t| t.unit == "IT"));
        assert_eq!(
            err(templates::list(&db.state, &ivanova)
                .await
                .expect_err("employee")),
            AppError::Forbidden
        );
        let input = |body: &str| TemplateInput {
            title: "Пароль сброшен".into(),
            body: body.into(),
            unit: None,
        };
        let e = err(
            templates::create(&db.state, &smirnov, input("{{заявитель}}, {{пароль}}"))
                .await
                .expect_err("unknown"),
        );
        assert_eq!(e.fields()[0].field, "body");
        let made = templates::create(&db.state, &smirnov, input("{{заявитель}}, пароль сброшен."))
            .await
            .expect("created");
        assert_eq!(made.unit, "IT");
        assert_eq!(
            err(templates::update(&db.state, &popov, made.id, input("x"))
                .await
                .expect_err("other unit")),
            AppError::NotFound
        );
        let mut other = input("x");
        other.unit = Some("BUH".into());
        assert_eq!(
            err(templates::create(&db.state, &smirnov, other)
                .await
                .expect_err("other unit"))
            .fields()[0]
                .field,
            "unit"
        );
        templates::delete(&db.state, &smirnov, made.id)
            .await
            .expect("deleted");
        assert_eq!(
            err(templates::get(&db.state, &smirnov, made.id)
                .await
                .expect_err("gone")),
            AppError::NotFound
        );
    }
);

on_both_databases!(
    async fn suggestions_while_filing_and_this_solved_it_files_nothing(db: TestDb) {
        let ivanova = db.user("ivanova", &["employee"]).await;
        let hits = kb::suggest(&db.state, "нужен новый ключ подписи", Some("esign_key"), 5)
            .await
            .expect("suggest");
        assert_eq!(
            hits.first().map(|h| h.title.as_str()),
            Some("Как получить или продлить ключ электронной подписи")
        );
        assert!(hits.len() <= 5);
        let by_kind = kb::suggest(&db.state, "", Some("supplies"), 5)
            .await
            .expect("by kind");
        assert_eq!(
            by_kind.iter().map(|h| h.title.as_str()).collect::<Vec<_>>(),
            ["Как заказать картриджи, бумагу и канцелярию"],
            "nothing typed yet: the articles linked to the kind"
        );
        let article = hits[0].id;
        let before = tickets::list(&db.state, &ivanova, mine())
            .await
            .expect("list")
            .items
            .len();
        for _ in 0..2 {
            kb::mark_solved(
                &db.state,
                &ivanova,
                article,
                Some("esign_key"),
                "нужен новый ключ",
            )
            .await
            .expect("solved");
        }
        assert_eq!(
            kb::get(&db.state, &ivanova, article)
                .await
                .expect("article")
                .solved_count,
            2
        );
        assert_eq!(
            tickets::list(&db.state, &ivanova, mine())
                .await
                .expect("list")
                .items
                .len(),
            before,
            "no request was filed"
        );
        assert_eq!(
            err(kb::mark_solved(&db.state, &ivanova, 999_999, None, "")
                .await
                .expect_err("no such article")),
            AppError::NotFound
        );
    }
);

on_both_databases!(
    async fn article_files_are_checked_by_content_and_follow_the_article(db: TestDb) {
        let ivanova = db.user("ivanova", &["employee"]).await;
        let smirnov = db.user("smirnov", &["employee", "executor:IT"]).await;
        let pdf = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n";
        let file = kb::attach(&db.state, &smirnov, 1, "памятка.pdf", pdf)
            .await
            .expect("attached");
        assert_eq!(file.content_type, "application/pdf");
        let (view, bytes) = kb::open_attachment(&db.state, &ivanova, file.id)
            .await
            .expect("readers download");
        assert_eq!(
            (view.file_name.as_str(), bytes.as_slice()),
            ("памятка.pdf", &pdf[..])
        );
        assert_eq!(
            err(
                kb::attach(&db.state, &smirnov, 1, "памятка.pdf", b"MZ\x90\x00 program")
                    .await
                    .expect_err("not a document")
            ),
            AppError::UnsupportedFileType
        );
        assert_eq!(
            err(kb::attach(&db.state, &ivanova, 1, "x.pdf", pdf)
                .await
                .expect_err("readers do not attach")),
            AppError::Forbidden
        );
        assert_eq!(
            kb::get(&db.state, &ivanova, 1)
                .await
                .expect("article")
                .attachments
                .len(),
            1
        );
        // A draft's files are as hidden as the draft.
        let mut input = app::wire::ArticleInput {
            title: "Черновик".into(),
            section: "faq".into(),
            status: "draft".into(),
            ..Default::default()
        };
        input.body = "Текст".into();
        let draft = kb::create(&db.state, &smirnov, input).await.expect("draft");
        let hidden = kb::attach(&db.state, &smirnov, draft.id, "d.pdf", pdf)
            .await
            .expect("attached");
        assert_eq!(
            err(kb::open_attachment(&db.state, &ivanova, hidden.id)
                .await
                .expect_err("hidden")),
            AppError::NotFound
        );
        kb::remove_attachment(&db.state, &smirnov, file.id)
            .await
            .expect("removed");
        assert_eq!(
            err(kb::open_attachment(&db.state, &ivanova, file.id)
                .await
                .expect_err("gone")),
            AppError::NotFound
        );
    }
);

on_both_databases!(
    async fn the_reindex_command_rebuilds_every_instance(db: TestDb) {
        let other = app::server::AppState::new(db.state.db.clone(), (*db.state.config).clone());
        assert!(
            !kb::search(&other, "картриджи", 5)
                .await
                .expect("warm")
                .is_empty()
        );
        assert_eq!(kb::reindex_all(&db.state).await.expect("reindex"), 6);
        // The other instance rebuilds at its next search (its stamp is older).
        let stamp_before = *other.kb_stamp.lock().expect("stamp");
        kb::search(&other, "картриджи", 5).await.expect("search");
        let stamp_after = *other.kb_stamp.lock().expect("stamp");
        assert_ne!(stamp_before, stamp_after, "the reindex request was seen");
    }
);

on_both_databases!(
    async fn templates_calendar_days_and_proposals_hold_when_ten_save_at_once(db: TestDb) {
        use app::domain::calendar::DayKind;
        use app::domain::report::{Period, PeriodKind};
        use app::server::{calendar, reports};
        let smirnov = db.user("smirnov", &["employee", "executor:IT"]).await;
        let kuznetsova = db.user("kuznetsova", &["employee", "head:IT"]).await;
        let admin = db.user("admin", &["employee", "admin"]).await;
        let made = templates::create(
            &db.state,
            &smirnov,
            TemplateInput {
                title: "Пароль".into(),
                body: "Пароль сброшен.".into(),
                unit: None,
            },
        )
        .await
        .expect("created");
        let date = chrono::NaiveDate::from_ymd_opt(2026, 4, 1).expect("date");
        let month = Period::containing(PeriodKind::Month, date);
        let mut set = tokio::task::JoinSet::new();
        for i in 0..10 {
            let (state, s, k, a) = (
                db.state.clone(),
                smirnov.clone(),
                kuznetsova.clone(),
                admin.clone(),
            );
            set.spawn(async move {
                // Edits of a template while it is deleted.
                let edit = if i == 5 {
                    templates::delete(&state, &s, made.id).await.map(|_| ())
                } else {
                    let input = TemplateInput {
                        title: format!("Пароль {i}"),
                        body: "Пароль сброшен.".into(),
                        unit: None,
                    };
                    templates::update(&state, &s, made.id, input)
                        .await
                        .map(|_| ())
                };
                let day = calendar::set_day(
                    &state,
                    &a,
                    date,
                    Some(DayKind::Holiday),
                    Some(format!("День {i}")),
                )
                .await;
                let said =
                    reports::save_proposals(&state, &k, "IT", &month, &format!("Предложение {i}"))
                        .await;
                (
                    edit.map_err(AppError::from),
                    day.map_err(AppError::from),
                    said.map(|_| ()).map_err(AppError::from),
                )
            });
        }
        while let Some(done) = set.join_next().await {
            let (edit, day, said) = done.expect("task");
            // An edit that lost to the deletion hears the template is gone.
            assert!(matches!(edit, Ok(()) | Err(AppError::NotFound)), "{edit:?}");
            assert_eq!(day, Ok(()));
            assert_eq!(said, Ok(()));
        }
        assert_eq!(
            err(templates::get(&db.state, &smirnov, made.id)
                .await
                .expect_err("deleted")),
            AppError::NotFound
        );
        let april = calendar::month(&db.state, 2026, 4).await.expect("month");
        assert!(!april[0].working, "one holiday, whoever saved last");
        let text = reports::proposals(&db.state.db, "IT", &month)
            .await
            .expect("proposals");
        assert!(text.starts_with("Предложение "), "{text}");
    }
);
