//! Request services against a real database: SQLite and PostgreSQL.

mod common;

use app::domain::{FieldErrorCode, Status};
use app::server::entity::ticket;
use app::server::{catalogue, tickets};
use app::wire::AppError;
use common::{TestDb, esign};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;

fn app_err(e: app::server::ServiceError) -> AppError {
    AppError::from(e)
}

async fn count(db: &TestDb) -> u64 {
    ticket::Entity::find()
        .count(&db.state.db)
        .await
        .expect("count")
}

on_both_databases!(
    async fn an_employee_request_goes_to_the_kinds_unit_with_a_number_and_a_due_date(db: TestDb) {
        let ivanova = db.user("ivanova", &["employee"]).await;
        let t = tickets::create(&db.state, &ivanova, esign("Продлить ключ"))
            .await
            .expect("created");
        assert_eq!(t.number, "IT-2026-000001");
        assert_eq!(t.unit.code, "IT");
        assert_eq!(t.unit.name, "Отдел информационных технологий");
        assert_eq!(t.status, Status::Registered);
        assert_eq!(t.form, app::domain::RequestForm::Written);
        assert_eq!(t.channel, app::domain::Channel::Portal);
        assert_eq!(t.registered_at, common::at("2026-03-02T09:00:00+03:00"));
        assert_eq!(t.due_at, common::at("2026-04-01T18:00:00+03:00"));
        assert_eq!(t.requester.login, "ivanova");
        assert_eq!(t.fields["holder"], json!("Иванова Анна Сергеевна"));
        assert!(!t.overdue);
        db.set_now("2026-04-01T18:00:01+03:00");
        assert!(
            tickets::get(&db.state, &ivanova, t.id)
                .await
                .expect("get")
                .overdue
        );
    }
);

on_both_databases!(
    async fn filings_at_once_are_committed_together_with_numbers_in_a_row(db: TestDb) {
        let ivanova = db.user("ivanova", &["employee"]).await;
        let mut supplies = esign("Бумага");
        supplies.kind = "supplies".into();
        supplies.fields = json!({"items": [{"item": "paper_a4", "quantity": 5}]})
            .as_object()
            .cloned()
            .unwrap_or_default();
        let mut filers = tokio::task::JoinSet::new();
        for i in 0..30 {
            let input = if i % 3 == 0 {
                supplies.clone()
            } else {
                esign(&format!("Ключ {i}"))
            };
            let (state, caller) = (db.state.clone(), ivanova.clone());
            filers.spawn(async move { tickets::create(&state, &caller, input).await });
        }
        let filed: Vec<_> = filers
            .join_all()
            .await
            .into_iter()
            .map(|r| r.expect("filed"))
            .collect();
        for (unit, count) in [("IT", 20), ("AHO", 10)] {
            let mut serials: Vec<u32> = filed
                .iter()
                .filter(|t| t.number.starts_with(&format!("{unit}-")))
                .map(|t| {
                    t.number
                        .rsplit('-')
                        .next()
                        .and_then(|n| n.parse().ok())
                        .expect("serial")
                })
                .collect();
            serials.sort_unstable();
            assert_eq!(serials, (1..=count).collect::<Vec<u32>>(), "{unit}");
        }
        // Every answered filing is a stored row, with its event.
        assert_eq!(count(db).await, 30);
        let metrics = &db.state.metrics;
        assert_eq!(metrics.filings.get(), 30);
        assert!(
            metrics.filing_commits.get() < 30,
            "filings that arrive together share a commit: {} commits",
            metrics.filing_commits.get()
        );
        assert_eq!(
            metrics.filing_retries.get(),
            0,
            "each batch was written together, none again one by one"
        );
    }
);

on_both_databases!(
    async fn numbers_count_per_unit_and_per_year(db: TestDb) {
        let ivanova = db.user("ivanova", &["employee"]).await;
        let a = tickets::create(&db.state, &ivanova, esign("Первый"))
            .await
            .expect("1");
        let b = tickets::create(&db.state, &ivanova, esign("Второй"))
            .await
            .expect("2");
        let mut supplies = esign("Бумага");
        supplies.kind = "supplies".into();
        supplies.fields = json!({"items": [{"item": "paper_a4", "quantity": 5}]})
            .as_object()
            .cloned()
            .unwrap_or_default();
        let c = tickets::create(&db.state, &ivanova, supplies)
            .await
            .expect("3");
        db.set_now("2027-01-10T10:00:00+03:00");
        let d = tickets::create(&db.state, &ivanova, esign("Новый год"))
            .await
            .expect("4");
        let numbers: Vec<String> = [a, b, c, d].into_iter().map(|t| t.number).collect();
        assert_eq!(
            numbers,
            [
                "IT-2026-000001",
                "IT-2026-000002",
                "AHO-2026-000001",
                "IT-2027-000001"
            ]
        );
    }
);

on_both_databases!(
    async fn invalid_input_names_every_field_and_saves_nothing(db: TestDb) {
        let ivanova = db.user("ivanova", &["employee"]).await;
        let mut input = esign("  ");
        input.kind = "payment_clarification".into();
        input.fields = json!({"order_number": "17", "order_date": "2026-02-30", "amount": "сто",
                              "payer": "ООО Ромашка", "kbk": "1821010201001100011", "clarification": "clarify"})
            .as_object()
            .cloned()
            .unwrap_or_default();
        let err = app_err(
            tickets::create(&db.state, &ivanova, input)
                .await
                .expect_err("invalid"),
        );
        let fields: Vec<(String, FieldErrorCode)> = err
            .fields()
            .iter()
            .map(|f| (f.field.clone(), f.code.clone()))
            .collect();
        assert_eq!(
            fields,
            vec![
                ("subject".into(), FieldErrorCode::Required),
                ("order_date".into(), FieldErrorCode::InvalidDate),
                ("amount".into(), FieldErrorCode::NotANumber),
                ("kbk".into(), FieldErrorCode::Pattern),
            ]
        );
        let mut unknown = esign("x");
        unknown.kind = "teleport".into();
        let err = app_err(
            tickets::create(&db.state, &ivanova, unknown)
                .await
                .expect_err("unknown kind"),
        );
        assert_eq!(err.fields()[0].code, FieldErrorCode::UnknownKind);
        assert_eq!(count(db).await, 0);
    }
);

on_both_databases!(
    async fn the_other_question_goes_to_the_unit_of_its_topic(db: TestDb) {
        let ivanova = db.user("ivanova", &["employee"]).await;
        let mut q = esign("Вопрос о выплате");
        q.kind = "other".into();
        q.fields = json!({"topic": "payments"})
            .as_object()
            .cloned()
            .unwrap_or_default();
        let t = tickets::create(&db.state, &ivanova, q)
            .await
            .expect("created");
        assert_eq!(t.unit.code, "BUH");
        assert_eq!(t.number, "BUH-2026-000001");
    }
);

on_both_databases!(
    async fn employees_cannot_pick_oral_form_channels_or_file_for_others(db: TestDb) {
        let ivanova = db.user("ivanova", &["employee"]).await;
        let mut input = esign("Устно");
        input.form = Some("oral".into());
        input.channel = Some("phone".into());
        input.requester_login = Some("smirnov".into());
        let err = app_err(
            tickets::create(&db.state, &ivanova, input)
                .await
                .expect_err("refused"),
        );
        let fields: Vec<&str> = err.fields().iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["channel", "form", "requester_login"]);
        assert!(
            err.fields()
                .iter()
                .all(|f| f.code == FieldErrorCode::NotAllowed)
        );
        assert_eq!(count(db).await, 0);
    }
);

on_both_databases!(
    async fn staff_register_on_behalf_only_into_their_own_units_queue(db: TestDb) {
        let popov = db.user("popov", &["employee", "executor:AHO"]).await;
        let smirnov = db.user("smirnov", &["employee", "executor:IT"]).await;
        let admin = db.user("admin", &["employee", "admin"]).await;
        let oral = || {
            let mut input = esign("По телефону");
            input.form = Some("oral".into());
            input.channel = Some("phone".into());
            input.requester_login = Some("ivanova".into());
            input
        };
        let err = app_err(
            tickets::create(&db.state, &popov, oral())
                .await
                .expect_err("another unit's queue"),
        );
        assert_eq!(
            err.fields(),
            &[app::domain::FieldError::new(
                "kind",
                FieldErrorCode::NotAllowed
            )]
        );
        assert_eq!(count(db).await, 0);
        for who in [&smirnov, &admin] {
            let t = tickets::create(&db.state, who, oral())
                .await
                .expect("own unit, or the administrator");
            assert_eq!(t.unit.code, "IT");
        }
        // Their own requests, from the portal, still go to any unit.
        let t = tickets::create(&db.state, &popov, esign("Мой ключ"))
            .await
            .expect("own request");
        assert_eq!(t.requester.login, "popov");
    }
);

on_both_databases!(
    async fn each_role_sees_only_what_it_may(db: TestDb) {
        let ivanova = db.user("ivanova", &["employee"]).await;
        let petrova = db.user("petrova", &["employee"]).await;
        let smirnov = db.user("smirnov", &["employee", "executor:IT"]).await;
        let popov = db.user("popov", &["employee", "executor:AHO"]).await;
        let admin = db.user("admin", &["employee", "admin"]).await;
        let t = tickets::create(&db.state, &ivanova, esign("Ключ"))
            .await
            .expect("created");
        for who in [&ivanova, &smirnov, &admin] {
            assert_eq!(
                tickets::get(&db.state, who, t.id)
                    .await
                    .expect("visible")
                    .number,
                t.number,
                "{}",
                who.login
            );
        }
        for who in [&petrova, &popov] {
            let err = app_err(
                tickets::get(&db.state, who, t.id)
                    .await
                    .expect_err("hidden"),
            );
            assert_eq!(err, AppError::NotFound, "{}", who.login);
        }
        let err = app_err(
            tickets::add_comment(&db.state, &popov, t.id, "Можно?", false)
                .await
                .expect_err("hidden"),
        );
        assert_eq!(err, AppError::NotFound);
    }
);

on_both_databases!(
    async fn internal_notes_never_reach_the_requester(db: TestDb) {
        let ivanova = db.user("ivanova", &["employee"]).await;
        let smirnov = db.user("smirnov", &["employee", "executor:IT"]).await;
        let t = tickets::create(&db.state, &ivanova, esign("Ключ"))
            .await
            .expect("created");
        tickets::add_comment(&db.state, &smirnov, t.id, "Проверить доверенность", true)
            .await
            .expect("note");
        tickets::add_comment(&db.state, &smirnov, t.id, "Подойдите в 305 кабинет", false)
            .await
            .expect("reply");
        let err = app_err(
            tickets::add_comment(&db.state, &ivanova, t.id, "секрет", true)
                .await
                .expect_err("forbidden"),
        );
        assert_eq!(err, AppError::Forbidden);

        let mine = tickets::detail(&db.state, &ivanova, t.id)
            .await
            .expect("detail");
        let bodies: Vec<&str> = mine.comments.iter().map(|c| c.body.as_str()).collect();
        assert_eq!(bodies, ["Подойдите в 305 кабинет"]);
        assert!(mine.events.iter().all(|e| e.kind != "noted"));
        assert!(!mine.can_see_internal);
        assert_eq!(
            tickets::comments(&db.state, &ivanova, t.id)
                .await
                .expect("list")
                .len(),
            1
        );

        let staff = tickets::detail(&db.state, &smirnov, t.id)
            .await
            .expect("detail");
        assert_eq!(staff.comments.len(), 2);
        assert!(staff.comments[0].internal);
        assert!(staff.events.iter().any(|e| e.kind == "noted"));
        // A public reply by staff starts work; it does not close the request.
        assert_eq!(staff.ticket.status, Status::InProgress);
    }
);

on_both_databases!(
    async fn executors_take_and_heads_assign_within_their_unit(db: TestDb) {
        let ivanova = db.user("ivanova", &["employee"]).await;
        let smirnov = db.user("smirnov", &["employee", "executor:IT"]).await;
        let kuznetsova = db.user("kuznetsova", &["employee", "head:IT"]).await;
        let popov = db.user("popov", &["employee", "executor:AHO"]).await;
        let t = tickets::create(&db.state, &ivanova, esign("Ключ"))
            .await
            .expect("created");

        assert_eq!(
            app_err(
                tickets::take(&db.state, &popov, t.id)
                    .await
                    .expect_err("other unit")
            ),
            AppError::NotFound
        );
        assert_eq!(
            app_err(
                tickets::take(&db.state, &ivanova, t.id)
                    .await
                    .expect_err("requester")
            ),
            AppError::Forbidden
        );
        let taken = tickets::take(&db.state, &smirnov, t.id)
            .await
            .expect("taken");
        assert_eq!(taken.status, Status::InProgress);
        assert_eq!(taken.assignee.map(|a| a.login).as_deref(), Some("smirnov"));

        assert_eq!(
            app_err(
                tickets::assign(&db.state, &smirnov, t.id, "kuznetsova")
                    .await
                    .expect_err("not head")
            ),
            AppError::Forbidden
        );
        let err = app_err(
            tickets::assign(&db.state, &kuznetsova, t.id, "popov")
                .await
                .expect_err("not IT staff"),
        );
        assert_eq!(err.fields()[0].field, "assignee");
        let assigned = tickets::assign(&db.state, &kuznetsova, t.id, "kuznetsova")
            .await
            .expect("assigned");
        assert_eq!(
            assigned.assignee.map(|a| a.login).as_deref(),
            Some("kuznetsova")
        );
        let staff: Vec<String> = catalogue::unit_staff(&db.state, "IT")
            .await
            .expect("staff")
            .into_iter()
            .map(|u| u.login)
            .collect();
        assert_eq!(staff.len(), 2);
        assert!(
            staff.contains(&"smirnov".to_string()) && staff.contains(&"kuznetsova".to_string())
        );
    }
);

on_both_databases!(
    async fn keyset_pages_cover_every_request_once_in_order(db: TestDb) {
        let ivanova = db.user("ivanova", &["employee"]).await;
        let smirnov = db.user("smirnov", &["employee", "executor:IT"]).await;
        let mut ids = Vec::new();
        for day in 1..=5 {
            // Registered on different days, so due dates differ; two on the same day.
            db.set_now(&format!("2026-03-{:02}T10:00:00+03:00", 6 - day));
            ids.push(
                tickets::create(&db.state, &ivanova, esign(&format!("Заявка {day}")))
                    .await
                    .expect("created")
                    .id,
            );
            ids.push(
                tickets::create(&db.state, &ivanova, esign(&format!("Заявка {day}b")))
                    .await
                    .expect("created")
                    .id,
            );
        }
        let walk = |scope: &'static str, who: app::server::auth::Caller| {
            let state = db.state.clone();
            async move {
                let mut seen = Vec::new();
                let mut cursor = None;
                loop {
                    let q = tickets::ListQuery::parse(
                        Some(scope),
                        Some("open"),
                        Some("3"),
                        cursor.clone(),
                    )
                    .expect("query");
                    let page = tickets::list(&state, &who, q).await.expect("page");
                    assert!(page.items.len() <= 3);
                    seen.extend(page.items.iter().map(|t| (t.id, t.due_at)));
                    match page.next_cursor {
                        Some(c) => cursor = Some(c),
                        None => break,
                    }
                }
                seen
            }
        };
        let mine = walk("mine", ivanova.clone()).await;
        let mut expected = ids.clone();
        expected.sort_unstable_by(|a, b| b.cmp(a));
        assert_eq!(mine.iter().map(|(id, _)| *id).collect::<Vec<_>>(), expected);

        let queue = walk("unit", smirnov.clone()).await;
        assert_eq!(queue.len(), 10);
        assert!(
            queue
                .windows(2)
                .all(|w| (w[0].1, w[0].0) < (w[1].1, w[1].0)),
            "{queue:?}"
        );

        let err = tickets::ListQuery::parse(Some("everything"), None, Some("1000"), None)
            .expect_err("bad");
        assert_eq!(err.fields().len(), 2);
        let employee_queue = tickets::list(
            &db.state,
            &ivanova,
            tickets::ListQuery::parse(Some("unit"), None, None, None).expect("q"),
        )
        .await;
        assert_eq!(
            app_err(employee_queue.expect_err("no unit")),
            AppError::Forbidden
        );
        let bad_cursor =
            tickets::ListQuery::parse(Some("unit"), None, None, Some("zzz".into())).expect("q");
        assert_eq!(
            app_err(
                tickets::list(&db.state, &smirnov, bad_cursor)
                    .await
                    .expect_err("cursor")
            )
            .fields()[0]
                .field,
            "cursor"
        );
    }
);

on_both_databases!(
    async fn attachments_are_checked_by_content_and_shown_only_to_those_who_see_the_request(
        db: TestDb,
    ) {
        let ivanova = db.user("ivanova", &["employee"]).await;
        let smirnov = db.user("smirnov", &["employee", "executor:IT"]).await;
        let popov = db.user("popov", &["employee", "executor:AHO"]).await;
        let t = tickets::create(&db.state, &ivanova, esign("Скан"))
            .await
            .expect("created");
        let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
        let a =
            tickets::attachments::store(&db.state, &ivanova, t.id, None, "платёжка.exe.pdf", &pdf)
                .await
                .expect("stored");
        assert_eq!(a.content_type, "application/pdf");
        let (view, bytes) = tickets::attachments::open(&db.state, &smirnov, a.id)
            .await
            .expect("staff opens");
        assert_eq!(bytes, pdf);
        assert_eq!(view.file_name, "платёжка.exe.pdf");
        assert_eq!(
            app_err(
                tickets::attachments::open(&db.state, &popov, a.id)
                    .await
                    .expect_err("hidden")
            ),
            AppError::NotFound
        );

        let exe = b"MZ\x90\x00\x03\x00\x00\x00 not really a pdf".to_vec();
        let err = app_err(
            tickets::attachments::store(&db.state, &ivanova, t.id, None, "scan.pdf", &exe)
                .await
                .expect_err("by content"),
        );
        assert_eq!(err, AppError::UnsupportedFileType);
        let big = [b"%PDF-1.4\n".to_vec(), vec![b'a'; 70 * 1024]].concat();
        let err = app_err(
            tickets::attachments::store(&db.state, &ivanova, t.id, None, "big.pdf", &big)
                .await
                .expect_err("too large"),
        );
        assert_eq!(
            err,
            AppError::TooLarge {
                max_bytes: 64 * 1024
            }
        );
        let detail = tickets::detail(&db.state, &ivanova, t.id)
            .await
            .expect("detail");
        assert_eq!(detail.attachments.len(), 1);
        let stored = db.stored_files().await;
        assert_eq!(stored, 1, "refused files leave nothing behind");
    }
);

on_both_databases!(
    async fn a_request_holds_twenty_files_even_when_thirty_arrive_at_once(db: TestDb) {
        use app::server::tickets::attachments;
        let ivanova = db.user("ivanova", &["employee"]).await;
        let t = tickets::create(&db.state, &ivanova, esign("Много файлов"))
            .await
            .expect("created");
        let png = [
            &[0x89u8, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a][..],
            &[1u8; 16][..],
        ]
        .concat();
        for i in 0..5 {
            attachments::store(&db.state, &ivanova, t.id, None, &format!("{i}.png"), &png)
                .await
                .expect("stored");
        }
        let mut set = tokio::task::JoinSet::new();
        for i in 0..30 {
            let (state, who, png) = (db.state.clone(), ivanova.clone(), png.clone());
            set.spawn(async move {
                attachments::store(&state, &who, t.id, None, &format!("late-{i}.png"), &png)
                    .await
                    .map_err(AppError::from)
            });
        }
        let mut stored = 0;
        while let Some(done) = set.join_next().await {
            match done.expect("task") {
                Ok(_) => stored += 1,
                Err(AppError::Conflict { reason }) => assert_eq!(reason, "too_many_files"),
                Err(e) => panic!("{e:?}"),
            }
        }
        assert_eq!(stored, 15);
        let d = tickets::detail(&db.state, &ivanova, t.id)
            .await
            .expect("detail");
        assert_eq!(d.attachments.len(), 20);
        // No file is stored without its row.
        let on_disk = db.stored_files().await;
        assert_eq!(on_disk, 20);
        // A message with a file is not written when the file cannot join it.
        let before = tickets::comments(&db.state, &ivanova, t.id)
            .await
            .expect("comments")
            .len();
        let e = AppError::from(
            attachments::store_with_message(
                &db.state,
                &ivanova,
                t.id,
                "Ещё один",
                false,
                "x.png",
                &png,
            )
            .await
            .expect_err("full"),
        );
        assert!(matches!(e, AppError::Conflict { .. }), "{e:?}");
        assert_eq!(
            tickets::comments(&db.state, &ivanova, t.id)
                .await
                .expect("comments")
                .len(),
            before
        );
    }
);

on_both_databases!(
    async fn messages_with_files_racing_for_the_last_place_save_one_message_with_its_file(
        db: TestDb,
    ) {
        use app::server::tickets::attachments;
        let ivanova = db.user("ivanova", &["employee"]).await;
        let t = tickets::create(&db.state, &ivanova, esign("Последнее место"))
            .await
            .expect("created");
        let png = [
            &[0x89u8, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a][..],
            &[2u8; 16][..],
        ]
        .concat();
        for i in 0..19 {
            attachments::store(&db.state, &ivanova, t.id, None, &format!("{i}.png"), &png)
                .await
                .expect("stored");
        }
        let before = tickets::comments(&db.state, &ivanova, t.id)
            .await
            .expect("comments")
            .len();
        let mut set = tokio::task::JoinSet::new();
        for i in 0..10 {
            let (state, who, png) = (db.state.clone(), ivanova.clone(), png.clone());
            set.spawn(async move {
                attachments::store_with_message(
                    &state,
                    &who,
                    t.id,
                    &format!("Сообщение {i}"),
                    false,
                    &format!("m-{i}.png"),
                    &png,
                )
                .await
                .map_err(AppError::from)
            });
        }
        let mut saved = Vec::new();
        while let Some(done) = set.join_next().await {
            match done.expect("task") {
                Ok(file) => saved.push(file),
                Err(AppError::Conflict { reason }) => assert_eq!(reason, "too_many_files"),
                Err(e) => panic!("{e:?}"),
            }
        }
        assert_eq!(saved.len(), 1, "one place, one message");
        let comments = tickets::comments(&db.state, &ivanova, t.id)
            .await
            .expect("comments");
        assert_eq!(comments.len(), before + 1, "no message without its file");
        let d = tickets::detail(&db.state, &ivanova, t.id)
            .await
            .expect("detail");
        assert_eq!(d.attachments.len(), 20);
        let message = comments.last().expect("the message");
        assert_eq!(
            saved[0].comment_id,
            Some(message.id),
            "the file is the message's"
        );
        let on_disk = db.stored_files().await;
        assert_eq!(on_disk, 20, "refused files leave nothing stored");
    }
);

on_both_databases!(
    async fn a_unique_rule_broken_at_the_database_is_a_conflict_not_a_failure(db: TestDb) {
        use app::server::entity::{ticket_rating, user};
        use sea_orm::{ActiveModelTrait, ColumnTrait, QueryFilter};
        let ivanova = db.user("ivanova", &["employee"]).await;
        let t = tickets::create(&db.state, &ivanova, esign("Оценка"))
            .await
            .expect("created");
        let me = user::Entity::find()
            .filter(user::Column::Login.eq("ivanova"))
            .one(&db.state.db)
            .await
            .expect("query")
            .expect("user");
        let rating = || ticket_rating::ActiveModel {
            ticket_id: sea_orm::Set(t.id),
            answer: sea_orm::Set(1),
            rater_id: sea_orm::Set(me.id),
            score: sea_orm::Set(5),
            comment: sea_orm::Set(String::new()),
            unit_code: sea_orm::Set("IT".into()),
            created_at: sea_orm::Set(db.state.now()),
            ..Default::default()
        };
        rating().insert(&db.state.db).await.expect("first");
        let second = rating().insert(&db.state.db).await.expect_err("second");
        assert_eq!(
            AppError::from(app::server::ServiceError::Db(second)),
            AppError::Conflict {
                reason: "duplicate".into()
            }
        );
    }
);
