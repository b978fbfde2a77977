//! Each node's copy of the reference data (units, kinds, the calendar, unit
//! staff) follows every change, whoever makes it — a direct statement, the
//! calendar page, another node — on SQLite and PostgreSQL, and costs no
//! reload when nothing changed. A filing tells the unit's staff as the
//! database holds them at that moment.

mod common;

use app::i18n::Lang;
use std::sync::Arc;

use app::domain::calendar::DayKind;
use app::server::calendar;
use app::server::entity::notification;
use app::server::tickets;
use chrono::NaiveDate;
use common::{Backend, TestDb, esign};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};

async fn exec(db: &TestDb, sql: &str) {
    db.state.db.execute_unprepared(sql).await.expect(sql);
}

/// How many parts a reference read loaded from the database.
async fn loads_of_a_read(state: &app::server::state::AppState) -> u64 {
    let before = state.reference.loads();
    state.reference().await.expect("reference");
    state.reference.loads() - before
}

/// How many notices of a new request a person has.
async fn new_request_notices(db: &TestDb, person: i64) -> u64 {
    notification::Entity::find()
        .filter(notification::Column::UserId.eq(person))
        .filter(notification::Column::Kind.eq("new_request"))
        .count(&db.state.db)
        .await
        .expect("count")
}

async fn copy_follows_every_change(backend: Backend) {
    let db = TestDb::new(backend).await;
    let state = &db.state;
    // The first read loads the three parts; a second loads nothing.
    assert_eq!(loads_of_a_read(state).await, 3, "{backend:?}");
    assert_eq!(loads_of_a_read(state).await, 0, "{backend:?}");

    // A unit renamed by hand: only the catalogue reloads.
    exec(
        &db,
        "UPDATE units SET name = 'Отдел ИТ и связи' WHERE code = 'IT'",
    )
    .await;
    assert_eq!(loads_of_a_read(state).await, 1, "{backend:?}");
    let r = state.reference().await.expect("reference");
    assert_eq!(r.catalogue.unit_name("IT"), Some("Отдел ИТ и связи"));

    // A kind retired by hand leaves the active list, keeps its title.
    exec(
        &db,
        "UPDATE request_kinds SET active = FALSE WHERE code = 'esign_key'",
    )
    .await;
    let r = state.reference().await.expect("reference");
    assert!(r.catalogue.kinds.iter().all(|k| k.code != "esign_key"));
    assert!(r.catalogue.kind_title("esign_key", Lang::Ru).is_some());
    // Each reader gets the kind's and the unit's names in their language.
    let ru = r.catalogue.kind_title("esign_key", Lang::Ru);
    let en = r.catalogue.kind_title("esign_key", Lang::En);
    assert!(en.is_some() && en != ru, "{ru:?} / {en:?}");
    assert!(en.is_some_and(|t| t.is_ascii()), "{en:?}");
    let unit_en = r.catalogue.unit_name_in("IT", Lang::En);
    assert!(
        unit_en.is_some_and(|n| n.is_ascii() && !n.is_empty()),
        "{unit_en:?}"
    );
    exec(
        &db,
        "UPDATE request_kinds SET active = TRUE WHERE code = 'esign_key'",
    )
    .await;
    assert_eq!(loads_of_a_read(state).await, 1, "{backend:?}");

    // A working day made a holiday by hand (a Wednesday of a loaded year).
    let day = NaiveDate::from_ymd_opt(2026, 3, 4).expect("date");
    assert_eq!(r.calendar.is_working(day).ok(), Some(true));
    exec(
        &db,
        "INSERT INTO calendar_days (day, kind, name) VALUES ('2026-03-04', 'holiday', 'Тест')",
    )
    .await;
    assert_eq!(loads_of_a_read(state).await, 1, "{backend:?}");
    let cal = calendar::load(state).await.expect("calendar");
    assert_eq!(cal.is_working(day).ok(), Some(false), "{backend:?}");

    // Another node (its own copy, the same database) changes the day back
    // through the administrator's calendar; this node sees it.
    let mut other = state.clone();
    other.reference = Arc::default();
    let admin = db.user("admin1", &["admin"]).await;
    calendar::set_day(&other, &admin, day, None, None)
        .await
        .expect("set day");
    let cal = calendar::load(state).await.expect("calendar");
    assert_eq!(cal.is_working(day).ok(), Some(true), "{backend:?}");
    calendar::set_day(
        &other,
        &admin,
        NaiveDate::from_ymd_opt(2026, 3, 5).expect("date"),
        Some(DayKind::Holiday),
        Some("Другой узел".into()),
    )
    .await
    .expect("set day");
    let cal = calendar::load(state).await.expect("calendar");
    assert_eq!(
        cal.is_working(NaiveDate::from_ymd_opt(2026, 3, 5).expect("date"))
            .ok(),
        Some(false),
        "{backend:?}"
    );

    // An employee signing in (a new row, then a new sign-in time) changes
    // no one's staff: nothing reloads.
    state.reference().await.expect("reference");
    let employee = db.user("employee7", &["employee"]).await;
    db.user("employee7", &["employee"]).await;
    assert_eq!(loads_of_a_read(state).await, 0, "{backend:?}");

    // A new executor is staff of their unit at once, and is told of the
    // next filing in it.
    let executor = db.user("newexec", &["employee", "executor:IT"]).await;
    let r = state.reference().await.expect("reference");
    assert!(r.staff.of("IT").iter().any(|u| u.id == executor.id));
    assert!(r.staff.of("AHO").iter().all(|u| u.id != executor.id));
    tickets::create(state, &employee, esign("Ключ для нового исполнителя"))
        .await
        .expect("filed");
    assert_eq!(
        new_request_notices(&db, executor.id).await,
        1,
        "{backend:?}"
    );

    // Disabled by hand: gone from the staff, not told of the next one.
    exec(
        &db,
        &format!("UPDATE users SET active = FALSE WHERE id = {}", executor.id),
    )
    .await;
    let r = state.reference().await.expect("reference");
    assert!(r.staff.of("IT").iter().all(|u| u.id != executor.id));
    tickets::create(state, &employee, esign("Ещё один ключ"))
        .await
        .expect("filed");
    assert_eq!(
        new_request_notices(&db, executor.id).await,
        1,
        "{backend:?}"
    );
    db.cleanup().await;
}

#[tokio::test]
async fn copy_follows_every_change_on_sqlite() {
    copy_follows_every_change(Backend::Sqlite).await;
}

#[tokio::test]
async fn copy_follows_every_change_on_postgresql() {
    copy_follows_every_change(Backend::Postgres).await;
}

/// A request's session read brings the counters along: the request checks
/// its copy against them with no query of its own, and the next request
/// sees a change made in between.
async fn counters_come_with_the_session(backend: Backend) {
    use app::server::auth;
    let db = TestDb::new(backend).await;
    let state = &db.state;
    let (token, _) = auth::sign_in(state, "ivanova", "demo", "127.0.0.1")
        .await
        .expect("sign in");
    let caller = auth::caller_for_token(state, &token)
        .await
        .expect("session")
        .expect("alive");
    assert!(caller.reference_versions.is_some(), "{backend:?}");
    state.reference().await.expect("warm");
    let loads = state.reference.loads();
    let r = state.reference_for(&caller).await.expect("reference");
    let before = r.catalogue.unit_name("IT").map(str::to_owned);
    assert_eq!(state.reference.loads(), loads, "nothing reloaded");

    exec(
        &db,
        "UPDATE units SET name = 'Отдел связи' WHERE code = 'IT'",
    )
    .await;
    // This request read its session before the change: it keeps one
    // consistent look.
    let r = state.reference_for(&caller).await.expect("reference");
    assert_eq!(r.catalogue.unit_name("IT").map(str::to_owned), before);
    // The next request's session brings the new counters.
    let next = auth::caller_for_token(state, &token)
        .await
        .expect("session")
        .expect("alive");
    assert_ne!(next.reference_versions, caller.reference_versions);
    let r = state.reference_for(&next).await.expect("reference");
    assert_eq!(r.catalogue.unit_name("IT"), Some("Отдел связи"));
    assert_eq!(state.reference.loads(), loads + 1, "the catalogue alone");
    db.cleanup().await;
}

#[tokio::test]
async fn counters_come_with_the_session_on_sqlite() {
    counters_come_with_the_session(Backend::Sqlite).await;
}

#[tokio::test]
async fn counters_come_with_the_session_on_postgresql() {
    counters_come_with_the_session(Backend::Postgres).await;
}
