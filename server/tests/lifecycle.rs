//! The request's working loop on SQLite and PostgreSQL: questions and the
//! requester's reply, the answer, rating, confirming, reopening, closing by
//! the head and by the scheduler, extension requests, notices to everyone
//! concerned (in their language, by real mail), and the counted rules under
//! ten simultaneous clicks.

mod common;

use app::domain::Status;
use app::i18n::Lang;
use app::server::auth::{self, Caller};
use app::server::entity::{extension_request, ticket, ticket_event, ticket_rating};
use app::server::{AppState, jobs, notify, tickets};
use app::wire::{AppError, TicketView};
use common::esign;
use common::smtp::{SmtpServer, with_smtp};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

fn err(e: app::server::ServiceError) -> AppError {
    AppError::from(e)
}

fn conflict(reason: &str) -> AppError {
    AppError::Conflict {
        reason: reason.into(),
    }
}

/// The kinds of the unread notices of a person, newest first.
async fn notices(state: &AppState, who: &Caller) -> Vec<(String, String)> {
    notify::inbox(state, who, 50)
        .await
        .expect("inbox")
        .items
        .into_iter()
        .map(|n| (n.kind, n.text))
        .collect()
}

fn has(list: &[(String, String)], kind: &str) -> bool {
    list.iter().any(|(k, _)| k == kind)
}

async fn final_answer(state: &AppState, who: &Caller, id: i64) -> TicketView {
    tickets::answer(
        state,
        who,
        id,
        tickets::AnswerInput {
            body: "Ключ выпущен, заберите в кабинете 105".into(),
            final_answer: true,
            outcome: Some("solved".into()),
            ..Default::default()
        },
    )
    .await
    .expect("answered")
}

on_both_databases!(
    async fn a_question_waits_for_the_requester_and_everyone_concerned_is_told(db: TestDb) {
        let ivanova = db.user("ivanova", &["employee"]).await;
        let smirnov = db.user("smirnov", &["employee", "executor:IT"]).await;
        let kuznetsova = db.user("kuznetsova", &["employee", "head:IT"]).await;
        let t = tickets::create(&db.state, &ivanova, esign("Продлить ключ"))
            .await
            .expect("filed");
        // The unit's staff learn of the new request at once.
        for staff in [&smirnov, &kuznetsova] {
            let list = notices(&db.state, staff).await;
            assert!(has(&list, "new_request"), "{list:?}");
            assert!(list[0].1.contains(&t.number), "{list:?}");
        }
        tickets::take(&db.state, &smirnov, t.id)
            .await
            .expect("taken");
        let list = notices(&db.state, &ivanova).await;
        assert_eq!(list[0].0, "taken");
        assert!(list[0].1.contains("Тестовый smirnov"), "{list:?}");

        // The page's checkbox: a question makes the request wait, the term stays.
        tickets::comment(&db.state, &smirnov, t.id, "Какой кабинет?", false, true)
            .await
            .expect("question");
        let asked = tickets::get(&db.state, &ivanova, t.id).await.expect("get");
        assert_eq!(asked.status, Status::AwaitingRequester);
        assert_eq!(asked.due_at, t.due_at);
        let list = notices(&db.state, &ivanova).await;
        assert_eq!(list[0].0, "question");
        assert!(list[0].1.contains("Какой кабинет?"));
        // The requester cannot ask questions, and nobody outside sees the request.
        assert_eq!(
            err(
                tickets::comment(&db.state, &ivanova, t.id, "?", false, true)
                    .await
                    .expect_err("requester asks")
            ),
            AppError::Forbidden
        );

        tickets::add_comment(&db.state, &ivanova, t.id, "Кабинет 214", false)
            .await
            .expect("reply");
        let back = tickets::get(&db.state, &ivanova, t.id).await.expect("get");
        assert_eq!(back.status, Status::InProgress);
        let list = notices(&db.state, &smirnov).await;
        assert_eq!(list[0].0, "requester_replied", "{list:?}");
        assert!(list[0].1.contains("Кабинет 214"));
        // The assignee is told, not the whole unit.
        assert!(!has(
            &notices(&db.state, &kuznetsova).await,
            "requester_replied"
        ));
    }
);

on_both_databases!(
    async fn the_requester_rates_once_and_confirms_and_the_head_sees_satisfaction(db: TestDb) {
        let ivanova = db.user("ivanova", &["employee"]).await;
        let petrova = db.user("petrova", &["employee"]).await;
        let smirnov = db.user("smirnov", &["employee", "executor:IT"]).await;
        let kuznetsova = db.user("kuznetsova", &["employee", "head:IT"]).await;
        let t = tickets::create(&db.state, &ivanova, esign("Продлить ключ"))
            .await
            .expect("filed");
        // Nothing to confirm, rate or close before the answer.
        for e in [
            tickets::confirm(&db.state, &ivanova, t.id).await,
            tickets::rate(&db.state, &ivanova, t.id, 5, "").await,
            tickets::close(&db.state, &kuznetsova, t.id).await,
        ] {
            assert_eq!(err(e.expect_err("too early")), conflict("awaiting_answer"));
        }
        final_answer(&db.state, &smirnov, t.id).await;
        let list = notices(&db.state, &ivanova).await;
        assert_eq!(list[0].0, "answered");
        assert!(
            list[0].1.contains("Исполнитель: Тестовый smirnov"),
            "{list:?}"
        );

        assert!(matches!(
            err(tickets::rate(&db.state, &ivanova, t.id, 6, "").await.expect_err("6")),
            AppError::Invalid { fields } if fields[0].field == "score"
        ));
        assert_eq!(
            err(tickets::rate(&db.state, &smirnov, t.id, 5, "")
                .await
                .expect_err("executor")),
            AppError::Forbidden
        );
        assert_eq!(
            err(tickets::rate(&db.state, &petrova, t.id, 5, "")
                .await
                .expect_err("stranger")),
            AppError::NotFound
        );
        tickets::rate(&db.state, &ivanova, t.id, 4, "Быстро")
            .await
            .expect("rated");
        assert_eq!(
            err(tickets::rate(&db.state, &ivanova, t.id, 5, "")
                .await
                .expect_err("twice")),
            conflict("already_rated")
        );
        let detail = tickets::detail(&db.state, &ivanova, t.id)
            .await
            .expect("detail");
        assert_eq!(detail.my_rating, Some(4));
        assert!(!detail.actions.rate);
        assert!(detail.actions.confirm && detail.actions.reopen);

        let closed = tickets::confirm(&db.state, &ivanova, t.id)
            .await
            .expect("confirmed");
        assert_eq!(closed.status, Status::Closed);
        assert!(closed.closed_at.is_some());
        assert!(has(&notices(&db.state, &smirnov).await, "confirmed"));
        assert_eq!(
            err(
                tickets::add_comment(&db.state, &ivanova, t.id, "Ещё вопрос", false)
                    .await
                    .expect_err("closed")
            ),
            conflict("closed")
        );

        // The head looks a minute later (a period is counted up to now).
        db.set_now("2026-03-02T09:01:00+03:00");
        let period = app::domain::report::Period::containing(
            app::domain::report::PeriodKind::Month,
            chrono::NaiveDate::from_ymd_opt(2026, 3, 2).expect("date"),
        );
        let numbers = app::server::reports::sums::numbers(&db.state, "IT", &period)
            .await
            .expect("numbers");
        assert_eq!(numbers.current.ratings, 1);
        assert_eq!(numbers.current.satisfaction, Some(4.0));
        assert_eq!(numbers.previous.satisfaction, None);
    }
);

on_both_databases!(
    async fn a_reopened_request_returns_to_work_until_the_window_closes(db: TestDb) {
        // Monday 2 March 2026; the window ends on 17 March (9 March is a day off).
        let ivanova = db.user("ivanova", &["employee"]).await;
        let smirnov = db.user("smirnov", &["employee", "executor:IT"]).await;
        let kuznetsova = db.user("kuznetsova", &["employee", "head:IT"]).await;
        let t = tickets::create(&db.state, &ivanova, esign("Продлить ключ"))
            .await
            .expect("filed");
        tickets::take(&db.state, &smirnov, t.id)
            .await
            .expect("taken");
        final_answer(&db.state, &smirnov, t.id).await;
        let detail = tickets::detail(&db.state, &ivanova, t.id)
            .await
            .expect("detail");
        assert_eq!(
            detail.reopen_until,
            Some(common::at("2026-03-17T18:00:00+03:00"))
        );
        assert!(matches!(
            err(tickets::reopen(&db.state, &ivanova, t.id, " ").await.expect_err("no reason")),
            AppError::Invalid { fields } if fields[0].field == "reason"
        ));
        db.set_now("2026-03-10T10:00:00+03:00");
        let again = tickets::reopen(&db.state, &ivanova, t.id, "Ключ не подходит")
            .await
            .expect("reopened");
        assert_eq!(again.status, Status::InProgress);
        assert_eq!(again.number, t.number);
        assert_eq!(again.due_at, t.due_at);
        assert_eq!(again.reopen_count, 1);
        assert!(has(&notices(&db.state, &smirnov).await, "reopened"));
        assert!(has(&notices(&db.state, &kuznetsova).await, "reopened"));

        // Answered again on 10 March: the window now ends on 24 March.
        final_answer(&db.state, &smirnov, t.id).await;
        db.set_now("2026-03-24T19:00:00+03:00");
        assert_eq!(
            err(tickets::reopen(&db.state, &ivanova, t.id, "Снова")
                .await
                .expect_err("late")),
            conflict("reopen_window_passed")
        );
        // Each final answer is rated on its own.
        tickets::rate(&db.state, &ivanova, t.id, 2, "")
            .await
            .expect("second answer rated");
    }
);

on_both_databases!(
    async fn the_head_closes_answered_requests_and_the_scheduler_closes_the_rest_once(db: TestDb) {
        let ivanova = db.user("ivanova", &["employee"]).await;
        let smirnov = db.user("smirnov", &["employee", "executor:IT"]).await;
        let kuznetsova = db.user("kuznetsova", &["employee", "head:IT"]).await;
        let first = tickets::create(&db.state, &ivanova, esign("Первое"))
            .await
            .expect("filed");
        let second = tickets::create(&db.state, &ivanova, esign("Второе"))
            .await
            .expect("filed");
        assert_eq!(
            err(tickets::close(&db.state, &smirnov, first.id)
                .await
                .expect_err("executor")),
            AppError::Forbidden
        );
        final_answer(&db.state, &smirnov, first.id).await;
        final_answer(&db.state, &smirnov, second.id).await;
        let closed = tickets::close(&db.state, &kuznetsova, first.id)
            .await
            .expect("closed");
        assert_eq!(closed.status, Status::Closed);
        assert!(has(&notices(&db.state, &ivanova).await, "closed"));

        // Still inside the window: nothing closes.
        db.set_now("2026-03-17T17:00:00+03:00");
        assert_eq!(jobs::tick(&db.state).await.expect("tick").auto_closed, 0);
        db.set_now("2026-03-18T10:00:00+03:00");
        let other = db.state.clone();
        let (a, b) = tokio::join!(jobs::tick(&db.state), jobs::tick(&other));
        assert_eq!(
            a.expect("tick").auto_closed + b.expect("tick").auto_closed,
            1,
            "one instance closes it"
        );
        let row = tickets::get(&db.state, &ivanova, second.id)
            .await
            .expect("get");
        assert_eq!(row.status, Status::Closed);
        let events = ticket_event::Entity::find()
            .filter(ticket_event::Column::TicketId.eq(second.id))
            .filter(ticket_event::Column::Kind.eq("auto_closed"))
            .count(&db.state.db)
            .await
            .expect("events");
        assert_eq!(events, 1);
        assert!(has(&notices(&db.state, &ivanova).await, "auto_closed"));
        // The requester can still rate an answer of a closed request.
        tickets::rate(&db.state, &ivanova, second.id, 5, "")
            .await
            .expect("rated after closing");
    }
);

on_both_databases!(
    async fn an_executor_asks_for_time_and_the_head_approves_or_refuses(db: TestDb) {
        let ivanova = db.user("ivanova", &["employee"]).await;
        let smirnov = db.user("smirnov", &["employee", "executor:IT"]).await;
        let kuznetsova = db.user("kuznetsova", &["employee", "head:IT"]).await;
        let t = tickets::create(&db.state, &ivanova, esign("Продлить ключ"))
            .await
            .expect("filed");
        tickets::take(&db.state, &smirnov, t.id)
            .await
            .expect("taken");
        tickets::ask_extension(&db.state, &smirnov, t.id, 10, "Ждём удостоверяющий центр")
            .await
            .expect("asked");
        assert_eq!(
            err(
                tickets::ask_extension(&db.state, &smirnov, t.id, 5, "Ещё раз")
                    .await
                    .expect_err("twice")
            ),
            conflict("extension_pending")
        );
        let list = notices(&db.state, &kuznetsova).await;
        assert_eq!(list[0].0, "extension_asked");
        assert!(list[0].1.contains("на 10 дн."), "{list:?}");
        let detail = tickets::detail(&db.state, &kuznetsova, t.id)
            .await
            .expect("detail");
        let asked = detail.extension_request.expect("shown to the head");
        assert_eq!(
            (asked.days, asked.requested_by.login.as_str()),
            (10, "smirnov")
        );
        // The requester sees nothing of it.
        let theirs = tickets::detail(&db.state, &ivanova, t.id)
            .await
            .expect("detail");
        assert!(theirs.extension_request.is_none());
        assert!(theirs.events.iter().all(|e| e.kind != "extension_asked"));

        assert_eq!(
            err(
                tickets::decide_extension(&db.state, &smirnov, t.id, asked.id, true, "")
                    .await
                    .expect_err("executor decides")
            ),
            AppError::Forbidden
        );
        assert!(matches!(
            err(
                tickets::decide_extension(&db.state, &kuznetsova, t.id, asked.id, false, "")
                    .await
                    .expect_err("refusal without reason")
            ),
            AppError::Invalid { fields } if fields[0].field == "reason"
        ));
        let extended = tickets::decide_extension(&db.state, &kuznetsova, t.id, asked.id, true, "")
            .await
            .expect("approved");
        assert_eq!(extended.extension_days, Some(10));
        assert!(extended.due_at > t.due_at);
        assert!(has(
            &notices(&db.state, &smirnov).await,
            "extension_approved"
        ));
        assert!(has(&notices(&db.state, &ivanova).await, "extended"));
        let row = extension_request::Entity::find_by_id(asked.id)
            .one(&db.state.db)
            .await
            .expect("row")
            .expect("kept");
        assert_eq!(row.state, "approved");
        // Once extended, no more asking.
        assert_eq!(
            err(tickets::ask_extension(&db.state, &smirnov, t.id, 5, "Ещё")
                .await
                .expect_err("extended already")),
            conflict("already_extended")
        );

        let other = tickets::create(&db.state, &ivanova, esign("Другое"))
            .await
            .expect("filed");
        tickets::ask_extension(&db.state, &smirnov, other.id, 3, "Нужно время")
            .await
            .expect("asked");
        let rid = tickets::detail(&db.state, &kuznetsova, other.id)
            .await
            .expect("detail")
            .extension_request
            .expect("asked")
            .id;
        let kept = tickets::decide_extension(
            &db.state,
            &kuznetsova,
            other.id,
            rid,
            false,
            "Успеете в срок",
        )
        .await
        .expect("refused");
        assert_eq!(kept.extension_days, None);
        assert_eq!(kept.due_at, other.due_at);
        let list = notices(&db.state, &smirnov).await;
        assert_eq!(list[0].0, "extension_refused");
        assert!(list[0].1.contains("Успеете в срок"));
    }
);

on_both_databases!(
    async fn notices_reach_each_person_in_their_language_by_real_mail(db: TestDb) {
        let smtp = SmtpServer::start();
        let state = with_smtp(&db.state, smtp.port);
        let ivanova = db.user("ivanova", &["employee"]).await;
        let mut smith = db.user("smith", &["employee", "executor:IT"]).await;
        auth::set_language(&state, &smith, Lang::En)
            .await
            .expect("language");
        smith.lang = Lang::En;
        let kuznetsova = db.user("kuznetsova", &["employee", "head:IT"]).await;
        // One executor wants queue notices in the bell only.
        let quiet = db.user("quiet", &["employee", "executor:IT"]).await;
        notify::set_mail_queue(&state, &quiet, false)
            .await
            .expect("setting");
        let t = tickets::create(&state, &ivanova, esign("Продлить ключ"))
            .await
            .expect("filed");
        assert!(has(&notices(&state, &quiet).await, "new_request"));
        // The bell words the notice in the reader's language.
        let bell = notices(&state, &smith).await;
        assert!(
            bell[0].1.starts_with(&format!("Request {}", t.number)),
            "{bell:?}"
        );
        tickets::take(&state, &smith, t.id).await.expect("taken");
        tickets::comment(&state, &smith, t.id, "Which room?", false, true)
            .await
            .expect("question");
        jobs::tick(&state).await.expect("tick");
        let mail = smtp.messages();
        let subjects: Vec<(&str, &str)> = mail
            .iter()
            .map(|(to, subject, _)| (to.as_str(), subject.as_str()))
            .collect();
        let n = &t.number;
        for expected in [
            (
                "ivanova@servicedesk.test",
                format!("Обращение {n} зарегистрировано"),
            ),
            (
                "ivanova@servicedesk.test",
                format!("Обращение {n} взято в работу"),
            ),
            (
                "ivanova@servicedesk.test",
                format!("Вопрос по обращению {n}"),
            ),
            ("smith@servicedesk.test", format!("New request {n}")),
            (
                "kuznetsova@servicedesk.test",
                format!("Новое обращение {n}"),
            ),
        ] {
            assert!(
                subjects.contains(&(expected.0, expected.1.as_str())),
                "{expected:?} not in {subjects:?}"
            );
        }
        let question = mail
            .iter()
            .find(|(_, s, _)| s.starts_with("Вопрос"))
            .expect("question mail");
        assert!(question.2.contains("Which room?"));
        // Nothing is sent twice on the next run, and nobody is told of their own action.
        jobs::tick(&state).await.expect("tick");
        assert_eq!(smtp.messages().len(), mail.len());
        assert!(
            !subjects
                .iter()
                .any(|(to, s)| *to == "smith@servicedesk.test" && s.contains("being worked on"))
        );
        let _ = kuznetsova;
        assert!(
            !subjects
                .iter()
                .any(|(to, _)| *to == "quiet@servicedesk.test"),
            "{subjects:?}"
        );
    }
);

/// Runs `n` copies of an action at once; returns the successes and the refusals.
async fn at_once<F, Fut>(n: usize, action: F) -> (usize, Vec<AppError>)
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = Result<TicketView, app::server::ServiceError>>
        + Send
        + 'static,
{
    let mut set = tokio::task::JoinSet::new();
    for i in 0..n {
        set.spawn(action(i));
    }
    let mut ok = 0;
    let mut refused = Vec::new();
    while let Some(done) = set.join_next().await {
        match done.expect("task") {
            Ok(_) => ok += 1,
            Err(e) => refused.push(err(e)),
        }
    }
    (ok, refused)
}

on_both_databases!(
    async fn counted_rules_hold_when_ten_people_click_at_once(db: TestDb) {
        let ivanova = db.user("ivanova", &["employee"]).await;
        let admin = db.user("admin", &["employee", "admin"]).await;
        let t = tickets::create(&db.state, &ivanova, esign("Продлить ключ"))
            .await
            .expect("filed");

        // Ten transfers: at most two pass, whoever wins the race.
        let (ok, refused) = at_once(10, |i| {
            let (state, admin) = (db.state.clone(), admin.clone());
            let to = if i % 2 == 0 { "AHO" } else { "BUH" };
            async move { tickets::transfer(&state, &admin, t.id, to, "Не наше").await }
        })
        .await;
        assert_eq!(ok, 2, "{refused:?}");
        for e in &refused {
            assert!(
                *e == conflict("too_many_transfers")
                    || matches!(e, AppError::Invalid { fields } if fields[0].field == "unit"),
                "{e:?}"
            );
        }
        let row = ticket::Entity::find_by_id(t.id)
            .one(&db.state.db)
            .await
            .expect("row")
            .expect("kept");
        assert_eq!(row.transfer_count, 2);
        let transfers = ticket_event::Entity::find()
            .filter(ticket_event::Column::TicketId.eq(t.id))
            .filter(ticket_event::Column::Kind.eq("transferred"))
            .count(&db.state.db)
            .await
            .expect("events");
        assert_eq!(transfers, 2);

        // Ten extensions: one.
        let (ok, refused) = at_once(10, |i| {
            let (state, admin) = (db.state.clone(), admin.clone());
            async move {
                tickets::extend(&state, &admin, t.id, 1 + i as i64, "Нужно время").await
            }
        })
        .await;
        assert_eq!(ok, 1, "{refused:?}");
        assert!(
            refused.iter().all(|e| *e == conflict("already_extended")),
            "{refused:?}"
        );

        // Ten final answers: one.
        let (ok, refused) = at_once(10, |_| {
            let (state, admin) = (db.state.clone(), admin.clone());
            async move {
                tickets::answer(
                    &state,
                    &admin,
                    t.id,
                    tickets::AnswerInput {
                        body: "Готово".into(),
                        final_answer: true,
                        outcome: Some("solved".into()),
                        ..Default::default()
                    },
                )
                .await
            }
        })
        .await;
        assert_eq!(ok, 1, "{refused:?}");
        assert!(
            refused.iter().all(|e| *e == conflict("not_open")),
            "{refused:?}"
        );

        // Ten ratings of the answer: one.
        let (ok, refused) = at_once(10, |i| {
            let (state, ivanova) = (db.state.clone(), ivanova.clone());
            async move { tickets::rate(&state, &ivanova, t.id, 1 + (i % 5) as i64, "").await }
        })
        .await;
        assert_eq!(ok, 1, "{refused:?}");
        assert!(
            refused.iter().all(|e| *e == conflict("already_rated")),
            "{refused:?}"
        );
        let ratings = ticket_rating::Entity::find()
            .filter(ticket_rating::Column::TicketId.eq(t.id))
            .count(&db.state.db)
            .await
            .expect("ratings");
        assert_eq!(ratings, 1);

        // One pending extension request at a time, and one decision on it.
        let smirnov = db.user("smirnov", &["employee", "executor:IT"]).await;
        let kuznetsova = db.user("kuznetsova", &["employee", "head:IT"]).await;
        let other = tickets::create(&db.state, &ivanova, esign("Другое"))
            .await
            .expect("filed");
        let (ok, refused) = at_once(10, |_| {
            let (state, smirnov) = (db.state.clone(), smirnov.clone());
            async move {
                tickets::ask_extension(&state, &smirnov, other.id, 5, "Нужно время").await
            }
        })
        .await;
        assert_eq!(ok, 1, "{refused:?}");
        assert!(
            refused.iter().all(|e| *e == conflict("extension_pending")),
            "{refused:?}"
        );
        let asked = extension_request::Entity::find()
            .filter(extension_request::Column::TicketId.eq(other.id))
            .all(&db.state.db)
            .await
            .expect("requests");
        assert_eq!(asked.len(), 1);
        let rid = asked[0].id;
        let (ok, refused) = at_once(10, |i| {
            let (state, head) = (db.state.clone(), kuznetsova.clone());
            async move {
                tickets::decide_extension(&state, &head, other.id, rid, i % 2 == 0, "Решено").await
            }
        })
        .await;
        assert_eq!(ok, 1, "{refused:?}");
        assert!(
            refused
                .iter()
                .all(|e| *e == conflict("no_extension_request")
                    || *e == conflict("already_extended")),
            "{refused:?}"
        );
    }
);

on_both_databases!(
    async fn a_file_on_an_internal_note_never_reaches_the_requester(db: TestDb) {
        let ivanova = db.user("ivanova", &["employee"]).await;
        let smirnov = db.user("smirnov", &["employee", "executor:IT"]).await;
        let t = tickets::create(&db.state, &ivanova, esign("Продлить ключ"))
            .await
            .expect("filed");
        let pdf = b"%PDF-1.7\nscan".to_vec();
        let theirs = tickets::attachments::store_with_message(
            &db.state,
            &ivanova,
            t.id,
            "Скан доверенности",
            false,
            "доверенность.pdf",
            &pdf,
        )
        .await
        .expect("requester's file");
        let note = tickets::attachments::store_with_message(
            &db.state,
            &smirnov,
            t.id,
            "",
            true,
            "служебное.pdf",
            &pdf,
        )
        .await
        .expect("internal file");
        // A message that fails leaves nothing behind.
        let before = tickets::comments(&db.state, &smirnov, t.id)
            .await
            .expect("comments");
        assert_eq!(
            err(tickets::attachments::store_with_message(
                &db.state,
                &ivanova,
                t.id,
                "Вот exe",
                false,
                "a.pdf",
                b"MZ\x90\x00 exe",
            )
            .await
            .expect_err("bad type")),
            AppError::UnsupportedFileType
        );
        assert_eq!(
            tickets::comments(&db.state, &smirnov, t.id)
                .await
                .expect("comments")
                .len(),
            before.len()
        );

        let mine = tickets::detail(&db.state, &ivanova, t.id)
            .await
            .expect("detail");
        let names: Vec<&str> = mine
            .attachments
            .iter()
            .map(|a| a.file_name.as_str())
            .collect();
        assert_eq!(names, ["доверенность.pdf"]);
        assert!(mine.comments.iter().all(|c| !c.body.contains("служебное")));
        assert_eq!(
            err(tickets::attachments::open(&db.state, &ivanova, note.id)
                .await
                .expect_err("hidden")),
            AppError::NotFound
        );
        let staff = tickets::detail(&db.state, &smirnov, t.id)
            .await
            .expect("detail");
        assert_eq!(staff.attachments.len(), 2);
        assert!(theirs.comment_id.is_some());
        let (_, bytes) = tickets::attachments::open(&db.state, &smirnov, note.id)
            .await
            .expect("staff open it");
        assert_eq!(bytes, pdf);
        // Nobody attaches a file to someone else's message.
        assert_eq!(
            err(tickets::attachments::store(
                &db.state,
                &smirnov,
                t.id,
                theirs.comment_id,
                "x.pdf",
                &pdf,
            )
            .await
            .expect_err("not theirs")),
            AppError::NotFound
        );
    }
);

on_both_databases!(
    async fn requests_answered_before_the_loop_existed_close_quietly_after_their_window(
        db: TestDb,
    ) {
        use sea_orm::sea_query::Expr;
        let ivanova = db.user("ivanova", &["employee"]).await;
        let smirnov = db.user("smirnov", &["employee", "executor:IT"]).await;
        let old = tickets::create(&db.state, &ivanova, esign("Старое"))
            .await
            .expect("filed");
        let recent = tickets::create(&db.state, &ivanova, esign("Недавнее"))
            .await
            .expect("filed");
        final_answer(&db.state, &smirnov, old.id).await;
        db.set_now("2026-03-16T10:00:00+03:00");
        final_answer(&db.state, &smirnov, recent.id).await;
        // As migrated: no window recorded.
        ticket::Entity::update_many()
            .col_expr(
                ticket::Column::ReopenUntil,
                Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
            )
            .exec(&db.state.db)
            .await
            .expect("forget windows");
        db.set_now("2026-03-18T10:00:00+03:00");
        assert_eq!(jobs::tick(&db.state).await.expect("tick").auto_closed, 1);
        let old_row = tickets::get(&db.state, &ivanova, old.id)
            .await
            .expect("get");
        assert_eq!(old_row.status, Status::Closed);
        assert!(!has(&notices(&db.state, &ivanova).await, "auto_closed"));
        // The recent one keeps its window (16 March + 10 working days = 30 March).
        let recent_row = ticket::Entity::find_by_id(recent.id)
            .one(&db.state.db)
            .await
            .expect("row")
            .expect("kept");
        assert_eq!(recent_row.status, "answered");
        assert_eq!(
            recent_row.reopen_until,
            Some(common::at("2026-03-30T18:00:00+03:00"))
        );
    }
);

/// Runs `n` bulk actions at once; each one's outcome (or refusal).
async fn bulk_at_once<F, Fut>(n: usize, action: F) -> Vec<app::wire::BulkOutcome>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = Result<app::wire::BulkOutcome, app::server::ServiceError>>
        + Send
        + 'static,
{
    let mut set = tokio::task::JoinSet::new();
    for i in 0..n {
        set.spawn(action(i));
    }
    let mut outcomes = Vec::new();
    while let Some(done) = set.join_next().await {
        outcomes.push(
            done.expect("task")
                .expect("the action as a whole is accepted"),
        );
    }
    outcomes
}

on_both_databases!(
    async fn actions_on_checked_rows_keep_the_counted_rules_when_run_at_once(db: TestDb) {
        use tickets::BulkAction;
        let ivanova = db.user("ivanova", &["employee"]).await;
        let smirnov = db.user("smirnov", &["employee", "executor:IT"]).await;
        let sidorov = db.user("sidorov", &["employee", "executor:IT"]).await;
        let kuznetsova = db.user("kuznetsova", &["employee", "head:IT"]).await;
        let popov = db.user("popov", &["employee", "executor:AHO"]).await;
        let admin = db.user("admin", &["employee", "admin"]).await;
        let mut ids = Vec::new();
        for i in 0..6 {
            let t = tickets::create(&db.state, &ivanova, esign(&format!("Ключ {i}")))
                .await
                .expect("filed");
            ids.push(t.id);
        }
        let numbers = |o: &app::wire::BulkOutcome| {
            let mut all: Vec<String> = o.done.clone();
            all.extend(o.refused.iter().map(|r| r.number.clone()));
            all.sort();
            all
        };

        // Two executors take the same six rows, each twice, all at once:
        // every request gets one executor, taken once; each outcome names
        // all six, done exactly where the request is now that person's.
        let outcomes = bulk_at_once(4, |i| {
            let state = db.state.clone();
            let who = if i % 2 == 0 {
                smirnov.clone()
            } else {
                sidorov.clone()
            };
            let ids = ids.clone();
            async move { tickets::bulk(&state, &who, &ids, &BulkAction::Take).await }
        })
        .await;
        let mut mine: std::collections::HashMap<i64, Vec<String>> = Default::default();
        for id in &ids {
            let row = ticket::Entity::find_by_id(*id)
                .one(&db.state.db)
                .await
                .expect("row")
                .expect("kept");
            let taker = row.assignee_id.expect("taken by someone");
            assert!(taker == smirnov.id || taker == sidorov.id);
            mine.entry(taker).or_default().push(row.number);
            let takes = ticket_event::Entity::find()
                .filter(ticket_event::Column::TicketId.eq(*id))
                .filter(ticket_event::Column::Kind.eq("taken"))
                .count(&db.state.db)
                .await
                .expect("events");
            assert_eq!(takes, 1, "request {id} taken {takes} times");
        }
        let everyone: Vec<String> = {
            let mut all: Vec<String> = mine.values().flatten().cloned().collect();
            all.sort();
            all
        };
        assert_eq!(everyone.len(), 6);
        // The outcomes come back in any order: match them to their callers
        // by what they did.
        for o in &outcomes {
            assert_eq!(numbers(o), everyone);
            assert!(
                o.refused.iter().all(|r| r.reason == "assigned_to_other"),
                "{o:?}"
            );
            let mut done = o.done.clone();
            done.sort();
            let by_smirnov = {
                let mut v = mine.get(&smirnov.id).cloned().unwrap_or_default();
                v.sort();
                v
            };
            let by_sidorov = {
                let mut v = mine.get(&sidorov.id).cloned().unwrap_or_default();
                v.sort();
                v
            };
            assert!(done == by_smirnov || done == by_sidorov, "{o:?}");
        }

        // Four administrators' transfers of all six at once, two to each of
        // two units: each request is transferred exactly twice.
        let outcomes = bulk_at_once(4, |i| {
            let (state, admin) = (db.state.clone(), admin.clone());
            let ids = ids.clone();
            let unit = if i % 2 == 0 { "AHO" } else { "BUH" };
            let action = BulkAction::Transfer {
                unit: unit.into(),
                reason: "Не наш вопрос".into(),
            };
            async move { tickets::bulk(&state, &admin, &ids, &action).await }
        })
        .await;
        let done: usize = outcomes.iter().map(|o| o.done.len()).sum();
        assert_eq!(done, 12, "{outcomes:?}");
        for o in &outcomes {
            assert_eq!(numbers(o), everyone);
            assert!(
                o.refused
                    .iter()
                    .all(|r| r.reason == "too_many_transfers" || r.reason == "same_unit"),
                "{o:?}"
            );
        }
        for id in &ids {
            let row = ticket::Entity::find_by_id(*id)
                .one(&db.state.db)
                .await
                .expect("row")
                .expect("kept");
            assert_eq!(row.transfer_count, 2);
            assert!(row.unit_code == "AHO" || row.unit_code == "BUH");
            assert_eq!(
                row.assignee_id, None,
                "a transfer leaves the request unassigned"
            );
        }

        // Refusals name each request: IT's head sees none of them now, an
        // AHO executor cannot be given IT's work, an employee may not act.
        let fresh = tickets::create(&db.state, &ivanova, esign("Ещё ключ"))
            .await
            .expect("filed");
        let assign_popov = BulkAction::Assign {
            login: "popov".into(),
        };
        let o = tickets::bulk(&db.state, &kuznetsova, &[fresh.id, ids[0]], &assign_popov)
            .await
            .expect("accepted");
        assert!(o.done.is_empty(), "{o:?}");
        assert_eq!(o.refused[0].reason, "not_staff");
        assert_eq!(o.refused[0].number, fresh.number);
        assert_eq!(o.refused[1].reason, "not_found");
        assert_eq!(o.refused[1].number, format!("#{}", ids[0]));
        let assign_smirnov = BulkAction::Assign {
            login: "smirnov".into(),
        };
        let o = tickets::bulk(&db.state, &kuznetsova, &[fresh.id], &assign_smirnov)
            .await
            .expect("accepted");
        assert_eq!(o.done, vec![fresh.number.clone()]);
        let again = tickets::bulk(&db.state, &kuznetsova, &[fresh.id], &assign_smirnov)
            .await
            .expect("accepted");
        assert_eq!(
            again.done,
            vec![fresh.number.clone()],
            "already so counts as done"
        );
        let assigned = ticket_event::Entity::find()
            .filter(ticket_event::Column::TicketId.eq(fresh.id))
            .filter(ticket_event::Column::Kind.eq("assigned"))
            .count(&db.state.db)
            .await
            .expect("events");
        assert_eq!(assigned, 1, "the second assignment wrote nothing");
        // An executor may not assign: the rule refuses each request.
        let o = tickets::bulk(&db.state, &smirnov, &[fresh.id], &assign_smirnov)
            .await
            .expect("accepted");
        assert_eq!(o.refused[0].reason, "forbidden");
        let refused = tickets::bulk(&db.state, &ivanova, &[fresh.id], &BulkAction::Take)
            .await
            .map_err(err);
        assert_eq!(refused.err(), Some(AppError::Forbidden));
        let unknown = tickets::bulk(
            &db.state,
            &popov,
            &[fresh.id],
            &BulkAction::Assign {
                login: "nobody".into(),
            },
        )
        .await
        .map_err(err);
        assert_eq!(
            unknown.err(),
            Some(AppError::invalid(
                "assignee",
                app::domain::FieldErrorCode::UnknownOption
            ))
        );
        let row = ticket::Entity::find_by_id(fresh.id)
            .one(&db.state.db)
            .await
            .expect("row")
            .expect("kept");
        assert_eq!(
            row.assignee_id,
            Some(smirnov.id),
            "refusals changed nothing"
        );

        // A request named twice is acted on once; one's own is taken already,
        // on its page too (a second click is not an error).
        let o = tickets::bulk(
            &db.state,
            &smirnov,
            &[fresh.id, fresh.id],
            &BulkAction::Take,
        )
        .await
        .expect("accepted");
        assert_eq!(o.done, vec![fresh.number.clone()]);
        assert!(o.refused.is_empty(), "{o:?}");
        let again = tickets::take(&db.state, &smirnov, fresh.id)
            .await
            .expect("taken already");
        assert_eq!(again.assignee.map(|a| a.login), Some("smirnov".to_string()));
        // A finished request is refused as such, whoever holds it.
        final_answer(&db.state, &smirnov, fresh.id).await;
        for who in [&smirnov, &sidorov] {
            let o = tickets::bulk(&db.state, who, &[fresh.id], &BulkAction::Take)
                .await
                .expect("accepted");
            assert_eq!(o.refused.len(), 1, "{o:?}");
            assert_eq!(o.refused[0].reason, "not_open");
        }
    }
);

on_both_databases!(
    async fn an_answer_keeps_the_working_time_it_took_and_older_answers_get_it_later(db: TestDb) {
        let ivanova = db.user("ivanova", &["employee"]).await;
        let smirnov = db.user("smirnov", &["employee", "executor:IT"]).await;
        // Filed on Friday 13 March 2026 at 17:00 Moscow time, answered on
        // Monday 16 March at 10:30: one hour on Friday, one and a half on
        // Monday; the weekend and the nights are not working time.
        db.set_now("2026-03-13T17:00:00+03:00");
        let t = tickets::create(&db.state, &ivanova, esign("Ключ к выходным"))
            .await
            .expect("filed");
        db.set_now("2026-03-16T10:30:00+03:00");
        final_answer(&db.state, &smirnov, t.id).await;
        let kept = || async {
            ticket::Entity::find_by_id(t.id)
                .one(&db.state.db)
                .await
                .expect("row")
                .expect("kept")
                .handling_work_seconds
        };
        assert_eq!(kept().await, Some(5400 + 3600));

        // A request answered before the column existed is reckoned afterwards.
        ticket::Entity::update_many()
            .col_expr(
                ticket::Column::HandlingWorkSeconds,
                sea_orm::sea_query::Expr::value(Option::<i64>::None),
            )
            .filter(ticket::Column::Id.eq(t.id))
            .exec(&db.state.db)
            .await
            .expect("forget");
        assert_eq!(
            tickets::fill_work_seconds(&db.state).await.expect("fill"),
            1
        );
        assert_eq!(
            tickets::fill_work_seconds(&db.state).await.expect("fill"),
            0
        );
        assert_eq!(kept().await, Some(5400 + 3600));
    }
);
