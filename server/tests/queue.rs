//! Queues that find things: search by number and by Russian word forms,
//! every filter, every sort paged by its keyset cursor, and the refusals of
//! unknown values — on SQLite and PostgreSQL, and through the REST API.

mod common;

use app::domain::{FieldErrorCode, Role, Roles};
use app::server::auth::{Caller, upsert_user};
use app::server::directory::DirectoryUser;
use app::server::entity::ticket;
use app::server::tickets::{self, ListParams, ListQuery};
use app::wire::{AppError, TicketPage};
use chrono::{DateTime, Duration, Utc};
use common::{TestDb, esign};
use reqwest::{Client, StatusCode};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::{Value, json};

/// Someone known to the service desk under a real-looking name.
async fn person(db: &TestDb, login: &str, name: &str, roles: &[&str]) -> Caller {
    let roles = Roles::new(roles.iter().filter_map(|r| Role::parse(r)).collect());
    let p = DirectoryUser {
        login: login.into(),
        dn: format!("uid={login},ou=people,dc=servicedesk,dc=test"),
        full_name: name.into(),
        email: format!("{login}@servicedesk.test"),
        phone: String::new(),
        title: String::new(),
        roles: roles.clone(),
    };
    let m = upsert_user(&db.state, &p, true).await.expect("user");
    Caller {
        id: m.id,
        login: m.login,
        name: m.full_name,
        lang: app::i18n::Lang::Ru,
        roles,
        person: None,
        reference_versions: None,
    }
}

fn params(pairs: &[(&str, &str)]) -> ListParams {
    let mut p = ListParams::default();
    for (k, v) in pairs {
        let v = Some((*v).to_string());
        match *k {
            "scope" => p.scope = v,
            "status" => p.status = v,
            "limit" => p.limit = v,
            "cursor" => p.cursor = v,
            "unit" => p.unit = v,
            "focus" => p.focus = v,
            "q" => p.q = v,
            "kind" => p.kind = v,
            "assignee" => p.assignee = v,
            "overdue" => p.overdue = v,
            "due_before" => p.due_before = v,
            "sort" => p.sort = v,
            other => panic!("no parameter {other}"),
        }
    }
    p
}

async fn page(db: &TestDb, who: &Caller, pairs: &[(&str, &str)]) -> Result<TicketPage, AppError> {
    let q = ListQuery::from_params(&params(pairs))?;
    tickets::list(&db.state, who, q)
        .await
        .map_err(AppError::from)
}

/// The numbers a list shows, in its order.
async fn numbers(db: &TestDb, who: &Caller, pairs: &[(&str, &str)]) -> Vec<String> {
    page(db, who, pairs)
        .await
        .unwrap_or_else(|e| panic!("{pairs:?}: {e:?}"))
        .items
        .into_iter()
        .map(|t| t.number)
        .collect()
}

/// The same, sorted, for filters whose order is not the point.
async fn found(db: &TestDb, who: &Caller, pairs: &[(&str, &str)]) -> Vec<String> {
    let mut n = numbers(db, who, pairs).await;
    n.sort();
    n
}

fn it(seq: &[u32]) -> Vec<String> {
    seq.iter().map(|s| format!("IT-2026-{s:06}")).collect()
}

/// The fields an error names, with their codes.
fn refused(e: AppError) -> Vec<(String, FieldErrorCode)> {
    e.fields()
        .iter()
        .map(|f| (f.field.clone(), f.code.clone()))
        .collect()
}

async fn file(db: &TestDb, who: &Caller, subject: &str, description: &str) -> i64 {
    let mut t = esign(subject);
    t.description = description.into();
    tickets::create(&db.state, who, t).await.expect("filed").id
}

async fn file_workstation(db: &TestDb, who: &Caller, subject: &str) -> i64 {
    let mut t = esign(subject);
    t.kind = "workstation".into();
    t.description = String::new();
    t.fields = json!({"room": "305", "need": "printer", "urgency": "normal"})
        .as_object()
        .cloned()
        .unwrap_or_default();
    tickets::create(&db.state, who, t).await.expect("filed").id
}

/// Changes a stored request directly, as its history would have.
async fn set(db: &TestDb, id: i64, change: impl FnOnce(&mut ticket::ActiveModel)) {
    let row = ticket::Entity::find_by_id(id)
        .one(&db.state.db)
        .await
        .expect("read")
        .expect("row");
    let mut m: ticket::ActiveModel = row.into();
    change(&mut m);
    m.update(&db.state.db).await.expect("update");
}

fn msk(s: &str) -> DateTime<Utc> {
    common::at(&format!("{s}+03:00"))
}

on_both_databases!(
    async fn a_registration_number_finds_its_request_in_any_case_and_nothing_else(db: TestDb) {
        let ivanova = db.user("ivanova", &["employee"]).await;
        let smirnov = db.user("smirnov", &["employee", "executor:IT"]).await;
        for subject in ["Первый", "Второй", "Третий"] {
            file(db, &ivanova, subject, "").await;
        }
        let unit = |q: &'static str| [("scope", "unit"), ("q", q)];
        assert_eq!(
            numbers(db, &smirnov, &unit("IT-2026-000002")).await,
            it(&[2])
        );
        assert_eq!(
            numbers(db, &smirnov, &unit(" it-2026-000002 ")).await,
            it(&[2])
        );
        assert_eq!(numbers(db, &smirnov, &unit("It-2026-3")).await, it(&[3]));
        assert!(
            numbers(db, &smirnov, &unit("IT-2026-000009"))
                .await
                .is_empty()
        );
        assert!(
            numbers(db, &smirnov, &unit("AHO-2026-000001"))
                .await
                .is_empty()
        );
        assert_eq!(
            numbers(db, &ivanova, &[("q", "it-2026-000001")]).await,
            it(&[1])
        );
        // Parts of a number are words of the request.
        assert_eq!(numbers(db, &smirnov, &unit("000003")).await, it(&[3]));
    }
);

on_both_databases!(
    async fn russian_word_forms_find_subjects_descriptions_and_requesters(db: TestDb) {
        let ivanova = person(db, "ivanova", "Иванова Анна Сергеевна", &["employee"]).await;
        let petrova = person(db, "petrova", "Петрова Мария Николаевна", &["employee"]).await;
        let smirnov = person(
            db,
            "smirnov",
            "Смирнов Дмитрий Олегович",
            &["employee", "executor:IT"],
        )
        .await;
        file(
            db,
            &ivanova,
            "Принтер не печатает",
            "Замятие бумаги в лотке",
        )
        .await;
        file(db, &ivanova, "Заменить картридж", "Кабинет 305").await;
        file(
            db,
            &petrova,
            "Не открывается СЭД",
            "После обновления ошибка",
        )
        .await;
        file(db, &petrova, "Подключить сканер", "").await;
        let search = |q: &'static str| [("scope", "unit"), ("q", q), ("sort", "registered")];
        for (q, expected) in [
            ("принтера", it(&[1])),
            ("ПРИНТЕРЫ", it(&[1])),
            ("картриджи", it(&[2])),
            ("картриджей", it(&[2])),
            ("замятия", it(&[1])),
            ("обновлений", it(&[3])),
            ("Петровой", it(&[3, 4])),
            ("ивановой", it(&[1, 2])),
            ("ивановой принтеры", it(&[1])),
            ("не печатает", it(&[1])),
            ("прин", it(&[1])),
            ("ключ", Vec::new()),
            ("сканер принтер", Vec::new()),
            ("тер", Vec::new()),
        ] {
            assert_eq!(numbers(db, &smirnov, &search(q)).await, expected, "{q}");
        }
        // One's own requests are searched the same way, and only they.
        assert_eq!(
            numbers(db, &petrova, &[("q", "картриджи")]).await,
            Vec::<String>::new()
        );
        assert_eq!(numbers(db, &ivanova, &[("q", "картриджи")]).await, it(&[2]));
    }
);

on_both_databases!(
    async fn requests_without_words_get_them_when_the_service_starts(db: TestDb) {
        let ivanova = person(db, "ivanova", "Иванова Анна Сергеевна", &["employee"]).await;
        let smirnov = db.user("smirnov", &["employee", "executor:IT"]).await;
        let id = file(db, &ivanova, "Принтер не печатает", "").await;
        let stored = ticket::Entity::find_by_id(id)
            .one(&db.state.db)
            .await
            .expect("read")
            .expect("row")
            .search_text;
        assert_eq!(
            stored.as_deref(),
            Some(" it 2026 000001 принтер не печата иванов ан сергеевн ")
        );
        // As a row from before the migration: no words, not found.
        ticket::Entity::update_many()
            .col_expr(
                ticket::Column::SearchText,
                sea_orm::sea_query::Expr::value(Option::<String>::None),
            )
            .filter(ticket::Column::Id.eq(id))
            .exec(&db.state.db)
            .await
            .expect("clear");
        let q = [("scope", "unit"), ("q", "Ивановой")];
        assert!(numbers(db, &smirnov, &q).await.is_empty());
        assert_eq!(
            tickets::fill_search_text(&db.state.db).await.expect("fill"),
            1
        );
        assert_eq!(numbers(db, &smirnov, &q).await, it(&[1]));
        assert_eq!(
            tickets::fill_search_text(&db.state.db).await.expect("fill"),
            0
        );
    }
);

on_both_databases!(
    async fn each_filter_narrows_the_queue_and_they_combine(db: TestDb) {
        let ivanova = db.user("ivanova", &["employee"]).await;
        let smirnov = db.user("smirnov", &["employee", "executor:IT"]).await;
        let petrov = db.user("petrov", &["employee", "executor:IT"]).await;
        db.set_now("2026-03-02T09:00:00+03:00");
        let t1 = file(db, &ivanova, "Продлить ключ ЭП", "").await;
        db.set_now("2026-03-10T10:00:00+03:00");
        file_workstation(db, &ivanova, "Подключить принтер").await;
        db.set_now("2026-03-02T09:30:00+03:00");
        let t3 = file(db, &ivanova, "Ключ ЭП для нового сотрудника", "").await;
        db.set_now("2026-03-03T11:00:00+03:00");
        let t4 = file(db, &ivanova, "Сертификат ключа истекает", "").await;
        let t5 = file(db, &ivanova, "Отозвать ключ", "").await;
        db.set_now("2026-03-10T11:00:00+03:00");
        let t6 = file_workstation(db, &ivanova, "Установить программу").await;
        let mut supplies = esign("Бумага для принтера");
        supplies.kind = "supplies".into();
        supplies.fields = json!({"items": [{"item": "paper_a4", "quantity": 5}]})
            .as_object()
            .cloned()
            .unwrap_or_default();
        tickets::create(&db.state, &ivanova, supplies)
            .await
            .expect("AHO");

        set(db, t1, |m| {
            m.assignee_id = Set(Some(smirnov.id));
            m.status = Set("in_progress".into());
        })
        .await;
        set(db, t3, |m| {
            m.assignee_id = Set(Some(petrov.id));
            m.status = Set("awaiting_requester".into());
        })
        .await;
        set(db, t4, |m| {
            m.assignee_id = Set(Some(smirnov.id));
            m.status = Set("answered".into());
            m.answered_at = Set(Some(msk("2026-03-20T12:00:00")));
        })
        .await;
        set(db, t5, |m| {
            m.assignee_id = Set(Some(petrov.id));
            m.status = Set("answered".into());
            m.answered_at = Set(Some(msk("2026-04-03T12:00:00")));
        })
        .await;
        set(db, t6, |m| {
            m.status = Set("closed".into());
            m.answered_at = Set(Some(msk("2026-03-12T12:00:00")));
            m.closed_at = Set(Some(msk("2026-03-13T12:00:00")));
        })
        .await;
        let due: Vec<DateTime<Utc>> = ticket::Entity::find()
            .filter(ticket::Column::UnitCode.eq("IT"))
            .order_by_asc(ticket::Column::Id)
            .all(&db.state.db)
            .await
            .expect("rows")
            .iter()
            .map(|t| t.due_at)
            .collect();
        assert_eq!(
            due,
            [
                msk("2026-04-01T18:00:00"),
                msk("2026-04-09T18:00:00"),
                msk("2026-04-01T18:00:00"),
                msk("2026-04-02T18:00:00"),
                msk("2026-04-02T18:00:00"),
                msk("2026-04-09T18:00:00"),
            ]
        );
        // Monday 6 April: 1 and 3 are open past their term, 5 was answered late.
        db.set_now("2026-04-06T10:00:00+03:00");

        let all = |extra: &[(&'static str, &'static str)]| {
            let mut p = vec![("scope", "unit"), ("status", "all")];
            p.extend_from_slice(extra);
            p
        };
        assert_eq!(
            found(db, &smirnov, &all(&[])).await,
            it(&[1, 2, 3, 4, 5, 6])
        );
        assert_eq!(
            found(db, &smirnov, &[("scope", "unit")]).await,
            it(&[1, 2, 3, 4, 5, 6])
        );
        for (status, expected) in [
            ("open", it(&[1, 2, 3])),
            ("closed", it(&[4, 5, 6])),
            ("registered", it(&[2])),
            ("in_progress", it(&[1])),
            ("awaiting_requester", it(&[3])),
            ("answered", it(&[4, 5])),
        ] {
            let p = [("scope", "unit"), ("status", status)];
            assert_eq!(found(db, &smirnov, &p).await, expected, "{status}");
        }
        assert_eq!(
            found(db, &smirnov, &all(&[("kind", "workstation")])).await,
            it(&[2, 6])
        );
        assert_eq!(
            found(db, &smirnov, &all(&[("kind", "esign_key")])).await,
            it(&[1, 3, 4, 5])
        );
        assert_eq!(
            found(db, &smirnov, &all(&[("assignee", "me")])).await,
            it(&[1, 4])
        );
        assert_eq!(
            found(db, &petrov, &all(&[("assignee", "me")])).await,
            it(&[3, 5])
        );
        assert_eq!(
            found(db, &smirnov, &all(&[("assignee", "none")])).await,
            it(&[2, 6])
        );
        assert_eq!(
            found(db, &smirnov, &all(&[("assignee", "petrov")])).await,
            it(&[3, 5])
        );
        assert_eq!(
            found(db, &smirnov, &all(&[("assignee", "PETROV")])).await,
            it(&[3, 5])
        );
        assert_eq!(
            found(db, &smirnov, &all(&[("overdue", "true")])).await,
            it(&[1, 3, 5])
        );
        assert_eq!(
            found(db, &smirnov, &all(&[("overdue", "false")])).await,
            it(&[2, 4, 6])
        );
        // Due before the start of the local day: due on 1 April at 18:00 is before 2 April.
        assert_eq!(
            found(db, &smirnov, &all(&[("due_before", "2026-04-02")])).await,
            it(&[1, 3])
        );
        assert_eq!(
            found(db, &smirnov, &all(&[("due_before", "2026-04-03")])).await,
            it(&[1, 3, 4, 5])
        );
        assert!(
            found(db, &smirnov, &all(&[("due_before", "2026-04-01")]))
                .await
                .is_empty()
        );
        // Combined with each other, with the search box, and with the workload's links.
        assert_eq!(
            found(
                db,
                &smirnov,
                &[
                    ("scope", "unit"),
                    ("status", "open"),
                    ("kind", "esign_key"),
                    ("overdue", "true")
                ]
            )
            .await,
            it(&[1, 3])
        );
        assert_eq!(
            found(db, &smirnov, &all(&[("q", "ключ"), ("assignee", "petrov")])).await,
            it(&[3, 5])
        );
        assert_eq!(
            found(db, &smirnov, &all(&[("q", "ключи")])).await,
            it(&[1, 3, 4, 5])
        );
        assert_eq!(
            found(
                db,
                &smirnov,
                &[
                    ("scope", "unit"),
                    ("unit", "it"),
                    ("focus", "overdue"),
                    ("assignee", "me")
                ]
            )
            .await,
            it(&[1])
        );
        assert_eq!(
            found(
                db,
                &smirnov,
                &[
                    ("scope", "unit"),
                    ("unit", "IT"),
                    ("assignee", "smirnov"),
                    ("status", "open")
                ]
            )
            .await,
            it(&[1])
        );
        // One's own requests take the same filters.
        assert_eq!(
            found(db, &ivanova, &[("kind", "workstation"), ("status", "open")]).await,
            it(&[2])
        );
        assert_eq!(
            numbers(db, &ivanova, &[("q", "принтера")]).await,
            ["AHO-2026-000001", "IT-2026-000002"]
        );

        // The queue's ready-made views count what each lists.
        let counts =
            app::server::reports::sums::queue_counts(&db.state, smirnov.id, &["IT".into()])
                .await
                .expect("counts");
        let listed = async |extra: &[(&str, &str)]| -> u64 {
            let mut p = vec![
                ("scope", "unit"),
                ("unit", "IT"),
                ("status", "open"),
                ("limit", "100"),
            ];
            p.extend_from_slice(extra);
            numbers(db, &smirnov, &p).await.len() as u64
        };
        assert_eq!(counts.open, listed(&[]).await);
        assert_eq!(counts.mine, listed(&[("assignee", "me")]).await);
        assert_eq!(counts.unassigned, listed(&[("assignee", "none")]).await);
        assert_eq!(counts.due_week, listed(&[("focus", "due_week")]).await);
        assert_eq!(counts.overdue, listed(&[("focus", "overdue")]).await);
        assert!(
            counts.open > 0 && counts.mine > 0 && counts.unassigned > 0,
            "{counts:?}"
        );
        assert!(counts.overdue > 0, "{counts:?}");
    }
);

/// Every page of a list, following its cursors; each page's size too.
/// Then back from the last page along the previous-page cursors, which
/// must give the same pages in turn, down to the first (which has none).
async fn walk(db: &TestDb, who: &Caller, pairs: &[(&str, &str)]) -> (Vec<i64>, Vec<usize>) {
    let read = |cursor: Option<String>| {
        let mut p: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        if let Some(c) = cursor {
            p.push(("cursor".into(), c));
        }
        async move {
            let p: Vec<(&str, &str)> = p.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            page(db, who, &p)
                .await
                .unwrap_or_else(|e| panic!("{p:?}: {e:?}"))
        }
    };
    let mut pages: Vec<Vec<i64>> = Vec::new();
    let mut cursor: Option<String> = None;
    let last_prev = loop {
        let pg = read(cursor.clone()).await;
        if pages.is_empty() {
            assert_eq!(pg.prev_cursor, None, "the first page has none before it");
        }
        pages.push(pg.items.iter().map(|t| t.id).collect());
        match pg.next_cursor {
            Some(c) => cursor = Some(c),
            None => break pg.prev_cursor,
        }
        assert!(pages.len() < 10, "endless pages");
    };
    // Back from the last page.
    let mut back = pages.len() - 1;
    let mut prev = last_prev;
    while let Some(c) = prev {
        assert!(c.starts_with("before."), "{c}");
        back -= 1;
        let pg = read(Some(c)).await;
        let ids: Vec<i64> = pg.items.iter().map(|t| t.id).collect();
        assert_eq!(ids, pages[back], "page {back} read backwards");
        // Its next page is the one we came from.
        let next = read(pg.next_cursor.clone()).await;
        let next_ids: Vec<i64> = next.items.iter().map(|t| t.id).collect();
        assert_eq!(next_ids, pages[back + 1], "page {} again", back + 1);
        prev = pg.prev_cursor;
    }
    assert_eq!(back, 0, "back to the first page");
    let sizes = pages.iter().map(Vec::len).collect();
    (pages.concat(), sizes)
}

on_both_databases!(
    async fn each_sort_pages_through_every_request_once_in_its_order(db: TestDb) {
        let ivanova = db.user("ivanova", &["employee"]).await;
        let smirnov = db.user("smirnov", &["employee", "executor:IT"]).await;
        let mut ids = Vec::new();
        for i in 0..25u32 {
            // Monday to Friday out of order (ids do not follow registration), four
            // times of day: equal registration moments and equal due dates.
            let day = 2 + (i * 3) % 5;
            let minute = (i % 4) * 15;
            db.set_now(&format!("2026-03-{day:02}T10:{minute:02}:00+03:00"));
            ids.push(file(db, &ivanova, &format!("Заявка {i}"), "").await);
        }
        // Moments finer than a millisecond, stored as each database keeps them.
        for (i, id) in ids.iter().enumerate() {
            // The same for i and i + 20, which were registered at the same moment.
            let extra = Duration::nanoseconds(1_234_567 * ((i as i64 % 20) % 3));
            if !extra.is_zero() {
                let row = ticket::Entity::find_by_id(*id)
                    .one(&db.state.db)
                    .await
                    .expect("read")
                    .expect("row");
                set(db, *id, |m| {
                    m.registered_at = Set(row.registered_at + extra)
                })
                .await;
            }
        }
        let rows = ticket::Entity::find()
            .all(&db.state.db)
            .await
            .expect("rows");
        let sorted = |key: fn(&ticket::Model) -> DateTime<Utc>, desc: bool| {
            let mut keys: Vec<(DateTime<Utc>, i64)> = rows.iter().map(|t| (key(t), t.id)).collect();
            keys.sort();
            if desc {
                keys.reverse();
            }
            keys.into_iter().map(|(_, id)| id).collect::<Vec<i64>>()
        };
        let by_due = sorted(|t| t.due_at, false);
        let by_registered = sorted(|t| t.registered_at, false);
        let due_desc = sorted(|t| t.due_at, true);
        let registered_desc = sorted(|t| t.registered_at, true);
        let mut newest_filed = ids.clone();
        newest_filed.reverse();
        assert_ne!(
            by_registered, ids,
            "registration order differs from filing order"
        );
        let distinct_due: std::collections::BTreeSet<_> = rows.iter().map(|t| t.due_at).collect();
        // 2 March is due on 1 April, 3 March on 2 April; 4–6 March all on
        // Friday 3 April (4 and 5 April are a weekend).
        assert_eq!(distinct_due.len(), 3, "due dates tie");

        for (scope, who) in [("unit", &smirnov), ("mine", &ivanova)] {
            let default_order = if scope == "unit" {
                &by_due
            } else {
                &newest_filed
            };
            for (sort, expected) in [
                ("", default_order),
                ("due", &by_due),
                ("-due", &due_desc),
                ("registered", &by_registered),
                ("-registered", &registered_desc),
            ] {
                let (seen, sizes) = walk(
                    db,
                    who,
                    &[("scope", scope), ("sort", sort), ("limit", "10")],
                )
                .await;
                assert_eq!(sizes, [10, 10, 5], "{scope} {sort}");
                assert_eq!(&seen, expected, "{scope} {sort}");
            }
        }
        // With a filter, a page still starts after the last one.
        let (seen, sizes) = walk(
            db,
            &smirnov,
            &[
                ("scope", "unit"),
                ("q", "заявка"),
                ("sort", "-registered"),
                ("limit", "7"),
            ],
        )
        .await;
        assert_eq!(sizes, [7, 7, 7, 4]);
        assert_eq!(seen, registered_desc);

        // The view as a file: every row in the view's order, whatever the
        // page size and cursor it was asked with.
        let view = params(&[
            ("scope", "unit"),
            ("q", "заявка"),
            ("sort", "-registered"),
            ("limit", "7"),
            ("cursor", "nonsense"),
        ]);
        let csv = tickets::export(&db.state, &smirnov, &view, tickets::ExportFormat::Csv)
            .await
            .expect("csv");
        let text = String::from_utf8(csv).expect("utf-8");
        assert!(
            text.starts_with("\u{feff}Номер;Тема;Вид обращения;"),
            "{text}"
        );
        let listed: Vec<String> = text
            .lines()
            .skip(1)
            .map(|l| l.split(';').next().unwrap_or_default().to_string())
            .collect();
        let expected: Vec<String> = registered_desc
            .iter()
            .filter_map(|id| rows.iter().find(|r| r.id == *id).map(|r| r.number.clone()))
            .collect();
        assert_eq!(listed, expected);
        // The same as a workbook: a header row, then the rows with times as dates.
        let xlsx = tickets::export(&db.state, &smirnov, &view, tickets::ExportFormat::Xlsx)
            .await
            .expect("xlsx");
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx)).expect("a workbook");
        use calamine::Reader;
        let sheet = book.worksheet_range("Обращения").expect("the sheet");
        let mut lines = sheet.rows();
        let head: Vec<String> = lines
            .next()
            .expect("header")
            .iter()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(head[0], "Номер");
        assert_eq!(head[6], "Срок ответа");
        let mut numbers = Vec::new();
        for row in lines {
            numbers.push(row[0].to_string());
            assert!(
                matches!(row[6], calamine::Data::DateTime(_)),
                "the due time is a date: {:?}",
                row[6]
            );
        }
        assert_eq!(numbers, expected);

        // A cursor belongs to its order.
        let first = page(
            db,
            &smirnov,
            &[("scope", "unit"), ("sort", "due"), ("limit", "10")],
        )
        .await
        .expect("page");
        let cursor = first.next_cursor.expect("more");
        assert!(cursor.starts_with("due."), "{cursor}");
        for (sort, cursor) in [
            ("-due", cursor.as_str()),
            ("registered", cursor.as_str()),
            ("", "id.5"),
            ("due", "due.soon.5"),
            ("due", "due.1.2.3"),
            ("due", "5"),
        ] {
            let e = page(
                db,
                &smirnov,
                &[("scope", "unit"), ("sort", sort), ("cursor", cursor)],
            )
            .await
            .expect_err("foreign cursor");
            assert_eq!(
                refused(e),
                [("cursor".to_string(), FieldErrorCode::Pattern)],
                "{sort} {cursor}"
            );
        }
    }
);

on_both_databases!(
    async fn unknown_values_are_refused_naming_each_field(db: TestDb) {
        let smirnov = db.user("smirnov", &["employee", "executor:IT"]).await;
        let e = page(
            db,
            &smirnov,
            &[
                ("scope", "unit"),
                ("status", "lost"),
                ("sort", "subject"),
                ("overdue", "maybe"),
                ("due_before", "01.04.2026"),
            ],
        )
        .await
        .expect_err("invalid");
        assert_eq!(
            refused(e),
            [
                ("status".to_string(), FieldErrorCode::UnknownOption),
                ("overdue".to_string(), FieldErrorCode::UnknownOption),
                ("sort".to_string(), FieldErrorCode::UnknownOption),
                ("due_before".to_string(), FieldErrorCode::InvalidDate),
            ]
        );
        let e = page(
            db,
            &smirnov,
            &[
                ("scope", "unit"),
                ("kind", "teleport"),
                ("assignee", "nobody-here"),
            ],
        )
        .await
        .expect_err("unknown");
        assert_eq!(
            refused(e),
            [
                ("kind".to_string(), FieldErrorCode::UnknownOption),
                ("assignee".to_string(), FieldErrorCode::UnknownOption),
            ]
        );
        let long = "слово ".repeat(40);
        let e = page(db, &smirnov, &[("scope", "unit"), ("q", &long)])
            .await
            .expect_err("long");
        assert_eq!(
            refused(e),
            [("q".to_string(), FieldErrorCode::TooLong { max: 200 })]
        );
    }
);

/// The REST API as a client calls it.
struct Api {
    base: String,
    http: Client,
}

impl Api {
    async fn login(&self, login: &str) -> String {
        let r = self
            .http
            .post(format!("{}/api/v1/auth/login", self.base))
            .json(&json!({"login": login, "password": "demo"}))
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), StatusCode::OK);
        let body: Value = r.json().await.expect("json");
        body["token"].as_str().expect("token").to_string()
    }

    async fn tickets(&self, token: &str, query: &[(&str, &str)]) -> (StatusCode, Value) {
        let r = self
            .http
            .get(format!("{}/api/v1/tickets", self.base))
            .query(query)
            .bearer_auth(token)
            .send()
            .await
            .expect("send");
        (r.status(), r.json().await.unwrap_or(Value::Null))
    }

    async fn file(&self, token: &str, subject: &str) -> String {
        let r = self
            .http
            .post(format!("{}/api/v1/tickets", self.base))
            .bearer_auth(token)
            .json(
                &json!({"kind": "esign_key", "form": "written", "subject": subject,
                "description": "Сертификат истекает",
                "fields": {"system": "budget", "action": "renewal", "holder": "Иванова А. С."}}),
            )
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), StatusCode::CREATED);
        let t: Value = r.json().await.expect("json");
        t["number"].as_str().expect("number").to_string()
    }
}

fn listed(body: &Value) -> Vec<&str> {
    body["items"]
        .as_array()
        .map(|items| items.iter().filter_map(|t| t["number"].as_str()).collect())
        .unwrap_or_default()
}

on_both_databases!(
    async fn the_api_searches_by_word_forms_and_numbers_and_names_bad_fields(db: TestDb) {
        let api = Api {
            base: common::serve(db.state.clone()).await,
            http: Client::new(),
        };
        let ivanova = api.login("ivanova").await;
        let smirnov = api.login("smirnov").await;
        assert_eq!(
            api.file(&ivanova, "Принтер не печатает").await,
            "IT-2026-000001"
        );
        db.set_now("2026-03-02T10:00:00+03:00");
        assert_eq!(
            api.file(&ivanova, "Продлить ключ ЭП").await,
            "IT-2026-000002"
        );

        let (status, body) = api
            .tickets(&smirnov, &[("scope", "unit"), ("q", "принтера")])
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(listed(&body), ["IT-2026-000001"]);
        assert_eq!(body["items"][0]["subject"], "Принтер не печатает");
        let (_, body) = api
            .tickets(&smirnov, &[("scope", "unit"), ("q", "it-2026-000002")])
            .await;
        assert_eq!(listed(&body), ["IT-2026-000002"]);
        // The requester's name as the directory gives it, in another form.
        let (_, body) = api
            .tickets(
                &smirnov,
                &[
                    ("scope", "unit"),
                    ("q", "Ивановой"),
                    ("sort", "-registered"),
                ],
            )
            .await;
        assert_eq!(listed(&body), ["IT-2026-000002", "IT-2026-000001"]);
        let (_, body) = api.tickets(&ivanova, &[("q", "ключи")]).await;
        assert_eq!(listed(&body), ["IT-2026-000002"]);
        let (_, body) = api
            .tickets(
                &smirnov,
                &[
                    ("scope", "unit"),
                    ("assignee", "none"),
                    ("kind", "esign_key"),
                    ("overdue", "false"),
                ],
            )
            .await;
        assert_eq!(listed(&body), ["IT-2026-000001", "IT-2026-000002"]);

        // Pages by the sort's cursor.
        let q = [("scope", "unit"), ("sort", "-registered"), ("limit", "1")];
        let (_, first) = api.tickets(&smirnov, &q).await;
        assert_eq!(listed(&first), ["IT-2026-000002"]);
        let cursor = first["next_cursor"].as_str().expect("cursor").to_string();
        assert!(cursor.starts_with("-registered."), "{cursor}");
        let mut next = q.to_vec();
        next.push(("cursor", &cursor));
        let (_, second) = api.tickets(&smirnov, &next).await;
        assert_eq!(listed(&second), ["IT-2026-000001"]);
        assert_eq!(second["next_cursor"], Value::Null);

        let (status, err) = api
            .tickets(
                &smirnov,
                &[("scope", "unit"), ("status", "lost"), ("sort", "sideways")],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(err["error"]["code"], "invalid");
        let fields: Vec<&str> = err["error"]["fields"]
            .as_array()
            .map(|f| f.iter().filter_map(|f| f["field"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(fields, ["status", "sort"]);
        assert_eq!(err["error"]["fields"][0]["code"], "unknown_option");
        assert!(
            err["error"]["fields"][1]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
        let (status, err) = api
            .tickets(&smirnov, &[("scope", "unit"), ("assignee", "nobody-here")])
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(err["error"]["fields"][0]["field"], "assignee");
        let (status, err) = api
            .tickets(&smirnov, &[("scope", "unit"), ("due_before", "завтра")])
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(err["error"]["fields"][0]["field"], "due_before");
    }
);

#[tokio::test]
async fn without_javascript_the_queue_keeps_its_filters_and_the_workload_links_each_executors_queue()
 {
    let db = TestDb::new(common::Backend::Sqlite).await;
    let base = common::serve(db.state.clone()).await;
    let api = Api {
        base: base.clone(),
        http: Client::new(),
    };
    let token = api.login("smirnov").await;
    let ivanova = person(&db, "ivanova", "Иванова Анна Сергеевна", &["employee"]).await;
    for i in 0..21 {
        file(&db, &ivanova, &format!("Принтер {i}"), "").await;
    }
    let html = api
        .http
        .get(format!("{base}/queue"))
        .query(&[
            ("q", "принтеры"),
            ("sort", "-registered"),
            ("status", "all"),
            ("assignee", "none"),
        ])
        .header("cookie", format!("sd_session={token}"))
        .send()
        .await
        .expect("send")
        .text()
        .await
        .expect("html");
    for label in [
        "f-q",
        "f-kind",
        "f-status",
        "f-assignee",
        "f-due_before",
        "f-sort",
        "f-overdue",
    ] {
        assert!(
            html.contains(&format!("for=\"{label}\"")),
            "label for {label}"
        );
        assert!(html.contains(&format!("id=\"{label}\"")), "control {label}");
    }
    assert!(
        html.contains("<form method=\"get\" action=\"/queue\""),
        "plain GET form"
    );
    assert!(
        html.contains("value=\"принтеры\""),
        "the search stays in the box"
    );
    assert!(
        html.contains("<option value=\"-registered\" selected"),
        "the sort stays chosen"
    );
    assert!(
        html.contains("<option value=\"none\" selected"),
        "the assignee stays chosen"
    );
    assert!(
        html.contains("IT-2026-000021") && !html.contains("IT-2026-000001<"),
        "newest first, 20 on a page"
    );
    let more = "/queue?assignee=none&amp;status=all&amp;q=%D0%BF%D1%80%D0%B8%D0%BD%D1%82%D0%B5%D1%80%D1%8B&amp;sort=-registered&amp;cursor=-registered.";
    assert!(html.contains(more), "«Показать ещё» keeps the filters");

    // The workload page links each executor to their open requests.
    let head = api.login("kuznetsova").await;
    let html = api
        .http
        .get(format!("{base}/reports?unit=IT"))
        .header("cookie", format!("sd_session={head}"))
        .send()
        .await
        .expect("send")
        .text()
        .await
        .expect("html");
    assert!(
        html.contains("<a href=\"/queue?unit=IT&amp;assignee=smirnov&amp;status=open\">Смирнов Дмитрий Олегович"),
        "executor link"
    );
    db.cleanup().await;
}

on_both_databases!(
    async fn the_open_queue_reads_its_partial_index_on_the_first_and_a_deep_page(db: TestDb) {
        use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};
        let ivanova = db.user("ivanova", &["employee"]).await;
        let smirnov = db.user("smirnov", &["employee", "executor:IT"]).await;
        for i in 0..30 {
            let id = file(db, &ivanova, &format!("Заявка {i}"), "").await;
            if i % 3 > 0 {
                set(db, id, |m| m.status = Set("closed".into())).await;
            }
        }
        let first = page(
            db,
            &smirnov,
            &[("scope", "unit"), ("status", "open"), ("limit", "3")],
        )
        .await
        .expect("first page");
        let cursor = first.next_cursor.expect("more pages");
        let txn = db.state.db.begin().await.expect("txn");
        let backend = txn.get_database_backend();
        if backend == DbBackend::Postgres {
            // A tiny table is read whole; the question is which index a
            // large one would take.
            txn.execute_unprepared("SET LOCAL enable_seqscan = off")
                .await
                .expect("set");
        }
        for cursor in [None, Some(cursor.as_str())] {
            let mut pairs = vec![("scope", "unit"), ("status", "open"), ("limit", "3")];
            pairs.extend(cursor.map(|c| ("cursor", c)));
            let q = ListQuery::from_params(&params(&pairs)).expect("query");
            let statement = tickets::page_statement(&db.state, &smirnov, &q)
                .await
                .expect("statement");
            let explain = match backend {
                DbBackend::Sqlite => "EXPLAIN QUERY PLAN ",
                _ => "EXPLAIN ",
            };
            let plan: Vec<String> = txn
                .query_all_raw(Statement {
                    sql: format!("{explain}{}", statement.sql),
                    ..statement
                })
                .await
                .expect("plan")
                .iter()
                .map(|row| {
                    row.try_get_by_index::<String>(if backend == DbBackend::Sqlite { 3 } else { 0 })
                        .expect("plan line")
                })
                .collect();
            let plan = plan.join("\n");
            assert!(
                plan.contains("idx_tickets_open_unit_due"),
                "{cursor:?}:\n{plan}"
            );
            assert!(!plan.contains("TEMP B-TREE"), "no sort of its own:\n{plan}");
        }
        txn.rollback().await.expect("rollback");
    }
);

#[tokio::test]
async fn sqlite_is_built_with_a_cache_per_connection_and_no_memory_statistics() {
    use sea_orm::{ConnectionTrait, Statement};
    let db = TestDb::new(common::Backend::Sqlite).await;
    let options: Vec<String> = db
        .state
        .db
        .query_all_raw(Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            "PRAGMA compile_options",
        ))
        .await
        .expect("options")
        .iter()
        .map(|row| row.try_get_by_index::<String>(0).expect("option"))
        .collect();
    assert!(
        !options.iter().any(|o| o == "ENABLE_MEMORY_MANAGEMENT"),
        "one shared page cache: {options:?}"
    );
    assert!(
        options.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"),
        "{options:?}"
    );
    db.cleanup().await;
}

on_both_databases!(
    async fn saved_views_are_each_persons_own_and_one_per_name_however_many_clicks(db: TestDb) {
        use app::server::views;
        let smirnov = db.user("smirnov", &["employee", "executor:IT"]).await;
        let petrov = db.user("petrov", &["employee", "executor:IT"]).await;
        // Eight sends of the same name at once make one view.
        let sends: Vec<_> = (0..8)
            .map(|i| {
                let state = db.state.clone();
                let who = smirnov.clone();
                tokio::spawn(async move {
                    let query = format!("status=open&assignee=me&limit=50&cursor=due.{i}.1&q=ключ");
                    views::save(&state, &who, "Мои ключи", &query).await
                })
            })
            .collect();
        for sent in sends {
            sent.await.expect("joined").expect("saved");
        }
        let mine = views::list(&db.state, &smirnov).await.expect("list");
        assert_eq!(mine.len(), 1, "{mine:?}");
        // Paging is not a filter: only the filters are kept.
        assert_eq!(mine[0].query, "status=open&assignee=me&q=ключ");
        // Saving under the same name again replaces the filters.
        views::save(&db.state, &smirnov, "Мои ключи", "status=all")
            .await
            .expect("replaced");
        let mine = views::list(&db.state, &smirnov).await.expect("list");
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].query, "status=all");
        // Another person's views are their own.
        assert!(
            views::list(&db.state, &petrov)
                .await
                .expect("list")
                .is_empty()
        );
        let e = app::wire::AppError::from(
            views::delete(&db.state, &petrov, mine[0].id)
                .await
                .expect_err("not his"),
        );
        assert_eq!(e, app::wire::AppError::NotFound);
        // A name is needed, and a short one.
        let e = app::wire::AppError::from(
            views::save(&db.state, &smirnov, "  ", "status=open")
                .await
                .expect_err("no name"),
        );
        assert_eq!(refused(e), [("name".to_string(), FieldErrorCode::Required)]);
        views::delete(&db.state, &smirnov, mine[0].id)
            .await
            .expect("deleted");
        assert!(
            views::list(&db.state, &smirnov)
                .await
                .expect("list")
                .is_empty()
        );
    }
);
