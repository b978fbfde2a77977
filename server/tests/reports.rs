//! Unit reports on a known data set, on SQLite and PostgreSQL: the workload
//! numbers worked out by hand, who may see them, the report files read back
//! (XLSX with calamine, PDF with lopdf, CSV as text), background exports with
//! progress and the API.

mod common;

use app::domain::report::{self, Facts, Period, PeriodKind, Window};
use app::server::auth::Caller;
use app::server::entity::ticket;
use app::server::reports::{self, export::Format, jobs};
use app::wire::AppError;
use calamine::{Data, Reader, Xlsx};
use chrono::{DateTime, NaiveDate, Utc};
use common::{TestDb, at};
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, Set};
use serde_json::{Value, json};

struct People {
    kuznetsova: Caller,
    smirnov: Caller,
    petrov: Caller,
    popov: Caller,
    ivanova: Caller,
    admin: Caller,
}

async fn people(db: &TestDb) -> People {
    People {
        kuznetsova: db.user("kuznetsova", &["employee", "head:IT"]).await,
        smirnov: db.user("smirnov", &["employee", "executor:IT"]).await,
        petrov: db.user("petrov", &["employee", "executor:IT"]).await,
        popov: db.user("popov", &["employee", "head:AHO"]).await,
        ivanova: db.user("ivanova", &["employee"]).await,
        admin: db.user("admin", &["employee", "admin"]).await,
    }
}

struct Spec<'a> {
    number: &'a str,
    kind: &'a str,
    channel: &'a str,
    form: &'a str,
    assignee: Option<i64>,
    registered: &'a str,
    due: &'a str,
    answered: Option<&'a str>,
    taken: Option<&'a str>,
    outcome: Option<&'a str>,
    extension: Option<i32>,
    transfers: i32,
    questions: i32,
}

fn t(s: &str) -> DateTime<Utc> {
    at(&format!("{s}+03:00"))
}

async fn insert(db: &TestDb, requester: i64, s: Spec<'_>) {
    let status = if s.answered.is_some() {
        "answered"
    } else {
        "in_progress"
    };
    ticket::ActiveModel {
        search_text: Set(Some(app::server::tickets::search_text(
            s.number,
            &format!("Тема {}", s.number),
            "",
            "",
        ))),
        number: Set(s.number.into()),
        kind_code: Set(s.kind.into()),
        unit_code: Set("IT".into()),
        requester_id: Set(requester),
        registered_by_id: Set(requester),
        assignee_id: Set(s.assignee),
        status: Set(status.into()),
        form: Set(s.form.into()),
        channel: Set(s.channel.into()),
        subject: Set(format!("Тема {}", s.number)),
        description: Set(String::new()),
        fields: Set("{}".into()),
        registered_at: Set(t(s.registered)),
        due_at: Set(t(s.due)),
        updated_at: Set(t(s.registered)),
        closed_at: Set(None),
        due_explanation: Set("{}".into()),
        extension_days: Set(s.extension),
        extension_reason: Set(s.extension.map(|_| "ждём поставку".into())),
        extended_at: Set(None),
        transfer_count: Set(s.transfers),
        answered_at: Set(s.answered.map(t)),
        outcome: Set(s.outcome.map(Into::into)),
        planned_on: Set(None),
        overdue_noticed_at: Set(None),
        taken_at: Set(s.taken.map(t)),
        questions: Set(s.questions),
        version: Set(0),
        answers: Set(i32::from(s.answered.is_some())),
        rated_answers: Set(0),
        reopen_count: Set(0),
        reopen_until: Set(None),
        pending_extension_id: Set(None),
        ..Default::default()
    }
    .insert(&db.state.db)
    .await
    .expect("insert");
}

/// The week of 9–15 March 2026 (Moscow) and the week before it; the clock
/// stands at Saturday 14 March, 12:00.
async fn known(db: &TestDb, p: &People) {
    db.set_now("2026-03-14T12:00:00+03:00");
    let me = p.ivanova.id;
    let (s, pe) = (Some(p.smirnov.id), Some(p.petrov.id));
    let base = Spec {
        number: "",
        kind: "esign_key",
        channel: "portal",
        form: "written",
        assignee: None,
        registered: "",
        due: "",
        answered: None,
        taken: None,
        outcome: None,
        extension: None,
        transfers: 0,
        questions: 0,
    };
    // A: oral by phone, answered next day in time, first contact.
    insert(
        db,
        me,
        Spec {
            number: "IT-2026-000001",
            channel: "phone",
            form: "oral",
            assignee: s,
            registered: "2026-03-09T09:00:00",
            due: "2026-03-11T18:00:00",
            answered: Some("2026-03-10T12:00:00"),
            taken: Some("2026-03-09T10:00:00"),
            outcome: Some("solved"),
            ..base
        },
    )
    .await;
    // B: transferred once, answered late.
    insert(
        db,
        me,
        Spec {
            number: "IT-2026-000002",
            assignee: pe,
            registered: "2026-03-09T10:00:00",
            due: "2026-03-10T18:00:00",
            answered: Some("2026-03-12T10:00:00"),
            taken: Some("2026-03-11T09:00:00"),
            outcome: Some("solved"),
            transfers: 1,
            ..base
        },
    )
    .await;
    // C: another kind, a question asked, answered in time «will be solved».
    insert(
        db,
        me,
        Spec {
            number: "IT-2026-000003",
            kind: "workstation",
            assignee: s,
            registered: "2026-03-10T09:00:00",
            due: "2026-03-13T18:00:00",
            answered: Some("2026-03-13T09:00:00"),
            taken: Some("2026-03-10T10:00:00"),
            outcome: Some("will_be_solved"),
            questions: 1,
            ..base
        },
    )
    .await;
    // E: extended, due Friday, still open: late at the week's end, overdue now.
    insert(
        db,
        me,
        Spec {
            number: "IT-2026-000004",
            kind: "workstation",
            assignee: pe,
            registered: "2026-03-11T09:00:00",
            due: "2026-03-13T18:00:00",
            taken: Some("2026-03-11T10:00:00"),
            extension: Some(5),
            ..base
        },
    )
    .await;
    // F: registered the week before, answered this week in time.
    insert(
        db,
        me,
        Spec {
            number: "IT-2026-000005",
            assignee: s,
            registered: "2026-03-05T09:00:00",
            due: "2026-03-10T18:00:00",
            answered: Some("2026-03-09T15:00:00"),
            taken: Some("2026-03-05T10:00:00"),
            outcome: Some("solved"),
            ..base
        },
    )
    .await;
    // G: all in the week before, in time.
    insert(
        db,
        me,
        Spec {
            number: "IT-2026-000006",
            kind: "workstation",
            assignee: pe,
            registered: "2026-03-02T09:00:00",
            due: "2026-03-03T18:00:00",
            answered: Some("2026-03-03T09:00:00"),
            taken: Some("2026-03-02T10:00:00"),
            outcome: Some("solved"),
            ..base
        },
    )
    .await;
    // H: unassigned, due next Tuesday.
    insert(
        db,
        me,
        Spec {
            number: "IT-2026-000007",
            registered: "2026-03-13T09:00:00",
            due: "2026-03-17T18:00:00",
            ..base
        },
    )
    .await;
    // The answers' working time, as the service reckons it after migrating.
    assert_eq!(
        app::server::tickets::fill_work_seconds(&db.state)
            .await
            .expect("working time"),
        5
    );
}

fn week() -> Period {
    Period::containing(
        PeriodKind::Week,
        NaiveDate::from_ymd_opt(2026, 3, 9).expect("date"),
    )
}

on_both_databases!(
    async fn the_workload_of_a_known_week_is_counted_right(db: TestDb) {
        let p = people(db).await;
        known(db, &p).await;
        let w = reports::workload(&db.state, &p.kuznetsova, "IT", week())
            .await
            .expect("workload");
        let ind = &w.indicators;
        // Registered in the week: A, B, C, E, H.
        assert_eq!(ind.registered, 5);
        // Answered in the week: A, B, C, F; late: B, and E unanswered past due.
        assert_eq!(ind.answered, 4);
        assert_eq!(ind.answered_on_time, 3);
        assert_eq!(ind.overdue, 2);
        assert_eq!(ind.on_time_share, Some(0.6));
        // First contact: A and F.
        assert_eq!(ind.first_contact_resolution, Some(0.5));
        assert_eq!(ind.transfers_per_request, Some(0.2));
        // Working time (9 March 2026 is a day off, for the 8th, a Sunday):
        // A 3 h (10 March 9–12), B 19 h (10 and 11 March, 1 h on the 12th),
        // C 27 h (10–12 March), F 18 h (5 and 6 March).
        assert_eq!(ind.avg_handling_hours, Some(16.75));
        assert_eq!(ind.by_kind.get("esign_key"), Some(&3));
        assert_eq!(ind.by_kind.get("workstation"), Some(&2));
        assert_eq!(ind.by_channel.get("phone"), Some(&1));
        assert_eq!(ind.extended, 1);
        assert_eq!(ind.transferred, 1);
        // The week before: F and G registered, G answered in time.
        assert_eq!(w.previous.registered, 2);
        assert_eq!(w.previous.answered, 1);
        assert_eq!(w.previous.on_time_share, Some(1.0));
        assert_eq!(
            (w.previous_from.to_string(), w.previous_to.to_string()),
            ("2026-03-02".into(), "2026-03-08".into())
        );
        // Now: E (overdue, extended) and H (due next week) are open.
        assert_eq!(w.now.open, 2);
        assert_eq!(w.now.overdue, 1);
        assert_eq!(w.now.extended, 1);
        assert_eq!(w.now.due_today, 0);
        assert_eq!(w.now.due_this_week, 0);
        assert_eq!(w.overdue_now.len(), 1);
        assert_eq!(w.overdue_now[0].number, "IT-2026-000004");
        // Executors.
        let smirnov = w
            .executors
            .iter()
            .find(|e| e.login == "smirnov")
            .expect("smirnov");
        assert_eq!(
            (smirnov.open, smirnov.taken, smirnov.closed, smirnov.overdue),
            (0, 2, 3, 0)
        );
        assert_eq!(smirnov.on_time_share, Some(1.0));
        // In working hours: A 3 h; C 27 h and F 18 h.
        assert_eq!(smirnov.avg_answer_hours_oral, Some(3.0));
        assert_eq!(smirnov.avg_answer_hours_written, Some(22.5));
        let petrov = w
            .executors
            .iter()
            .find(|e| e.login == "petrov")
            .expect("petrov");
        assert_eq!(
            (petrov.open, petrov.taken, petrov.closed, petrov.overdue),
            (1, 2, 1, 1)
        );
        assert_eq!(petrov.on_time_share, Some(0.0));
        // Weekly chart points: one week, five registered.
        assert_eq!(w.weeks.len(), 1);
        assert_eq!(w.weeks[0].by_kind.values().sum::<u64>(), 5);
    }
);

on_both_databases!(
    async fn heads_see_only_their_unit(db: TestDb) {
        let p = people(db).await;
        known(db, &p).await;
        for who in [&p.popov, &p.ivanova, &p.smirnov] {
            let e = reports::workload(&db.state, who, "IT", week())
                .await
                .expect_err("refused");
            assert_eq!(
                app::wire::AppError::from(e),
                app::wire::AppError::Forbidden,
                "{}",
                who.login
            );
        }
        let w = reports::workload(&db.state, &p.admin, "it", week())
            .await
            .expect("admin sees every unit");
        assert_eq!(w.unit, "IT");
        let units = reports::report_units(&db.state, &p.kuznetsova)
            .await
            .expect("units");
        assert_eq!(
            units.iter().map(|u| u.code.as_str()).collect::<Vec<_>>(),
            ["IT"]
        );
    }
);

fn cell_text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        other => other.to_string(),
    }
}

on_both_databases!(
    async fn report_files_hold_the_tasks_the_analysis_and_the_proposals(db: TestDb) {
        let p = people(db).await;
        known(db, &p).await;
        reports::save_proposals(
            &db.state,
            &p.kuznetsova,
            "IT",
            &week(),
            "Перевести выдачу ключей на запись.\nВторой абзац.",
        )
        .await
        .expect("proposals");
        // XLSX: three sheets, typed cells, the week's tasks (E carried, 5 registered + F carried).
        let (name, file) = jobs::write_now(&db.state, &p.kuznetsova, "IT", week(), Format::Xlsx)
            .await
            .expect("xlsx");
        let path = file.path().to_path_buf();
        assert_eq!(name, "otchet-it-2026-03-09-2026-03-15.xlsx");
        let mut book: Xlsx<_> = calamine::open_workbook(&path).expect("open xlsx");
        assert_eq!(book.sheet_names(), ["Задачи", "Анализ", "Предложения"]);
        let tasks = book.worksheet_range("Задачи").expect("tasks");
        let rows: Vec<&[Data]> = tasks.rows().collect();
        assert_eq!(cell_text(&rows[3][0]), "Номер");
        let numbers: Vec<String> = rows[4..].iter().map(|r| cell_text(&r[0])).collect();
        assert_eq!(
            numbers,
            [
                "IT-2026-000005",
                "IT-2026-000001",
                "IT-2026-000002",
                "IT-2026-000003",
                "IT-2026-000004",
                "IT-2026-000007"
            ]
        );
        let b = rows
            .iter()
            .find(|r| cell_text(&r[0]) == "IT-2026-000002")
            .expect("B");
        assert!(
            matches!(b[5], Data::DateTime(_)),
            "registered is a date cell: {:?}",
            b[5]
        );
        assert_eq!(cell_text(&b[9]), "нет", "B was late");
        assert_eq!(b[11], Data::Float(1.0), "one transfer, as a number");
        let analysis = book.worksheet_range("Анализ").expect("analysis");
        let registered = analysis
            .rows()
            .find(|r| cell_text(&r[0]) == "Поступило обращений")
            .expect("registered row");
        assert_eq!(
            (registered[1].clone(), registered[2].clone()),
            (Data::Float(5.0), Data::Float(2.0))
        );
        let late: Vec<String> = analysis
            .rows()
            .filter(|r| cell_text(&r[0]).starts_with("IT-2026-"))
            .map(|r| format!("{} {}", cell_text(&r[0]), cell_text(&r[5])))
            .collect();
        assert_eq!(late.len(), 2, "{late:?}");
        assert!(
            late.iter()
                .any(|l| l.starts_with("IT-2026-000004") && l.contains("ждём поставку")),
            "{late:?}"
        );
        let proposals = book.worksheet_range("Предложения").expect("proposals");
        assert_eq!(
            cell_text(&proposals.rows().nth(1).expect("text")[0]),
            "Перевести выдачу ключей на запись."
        );
        std::fs::remove_file(&path).ok();

        // CSV: BOM, semicolons, a plain table of the same rows (the header
        // first, every row as wide; the analysis and proposals are the XLSX's).
        let (_, file) = jobs::write_now(&db.state, &p.kuznetsova, "IT", week(), Format::Csv)
            .await
            .expect("csv");
        let path = file.path().to_path_buf();
        let bytes = std::fs::read(&path).expect("csv bytes");
        assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "UTF-8 BOM");
        let text = String::from_utf8(bytes[3..].to_vec()).expect("utf-8");
        assert!(
            text.starts_with("Номер;Тема;Вид обращения;Заявитель"),
            "{text}"
        );
        assert!(text.contains("IT-2026-000002;Тема IT-2026-000002;"));
        let mut table = csv::ReaderBuilder::new()
            .delimiter(b';')
            .from_reader(text.as_bytes());
        let width = table.headers().expect("header").len();
        let rows: Vec<csv::StringRecord> = table
            .records()
            .map(|r| r.expect("a row as wide as the header"))
            .collect();
        assert!(
            rows.len() >= 2 && rows.iter().all(|r| r.len() == width),
            "{text}"
        );
        assert!(!text.contains("Второй абзац."), "{text}");
        std::fs::remove_file(&path).ok();

        // PDF: A4 landscape pages, numbered, the font embedded, Cyrillic readable.
        let (_, file) = jobs::write_now(&db.state, &p.kuznetsova, "IT", week(), Format::Pdf)
            .await
            .expect("pdf");
        let path = file.path().to_path_buf();
        let pdf = lopdf::Document::load(&path).expect("open pdf");
        let pages = pdf.get_pages();
        assert!(pages.len() >= 2, "tasks, then analysis and proposals");
        let raw = std::fs::read(&path).expect("pdf bytes");
        assert!(
            raw.windows(9).any(|w| w == b"FontFile2"),
            "the font is embedded"
        );
        let first = pdf.extract_text(&[1]).expect("text of page 1");
        assert!(first.contains("Отчёт о работе"), "{first}");
        assert!(first.contains("IT-2026-000004"), "{first}");
        assert!(first.contains("Страница 1"), "{first}");
        let last = pdf
            .extract_text(&[u32::try_from(pages.len()).expect("pages")])
            .expect("text of the last page");
        assert!(last.contains("Перевести выдачу ключей"), "{last}");
        // The file of one answer goes with its guard (a cancelled download too).
        drop(file);
        assert!(!path.exists(), "{}", path.display());

        // A head who reads English gets the files in English: sheets,
        // headers, indicators, yes/no and statuses.
        let english = app::server::auth::Caller {
            lang: app::i18n::Lang::En,
            ..p.kuznetsova.clone()
        };
        let (_, file) = jobs::write_now(&db.state, &english, "IT", week(), Format::Xlsx)
            .await
            .expect("xlsx in English");
        let path = file.path().to_path_buf();
        let mut book: Xlsx<_> = calamine::open_workbook(&path).expect("open xlsx");
        assert_eq!(book.sheet_names(), ["Tasks", "Analysis", "Proposals"]);
        let tasks = book.worksheet_range("Tasks").expect("tasks");
        let rows: Vec<&[Data]> = tasks.rows().collect();
        assert!(
            cell_text(&rows[0][0]).starts_with("Work report: "),
            "{:?}",
            rows[0]
        );
        assert_eq!(cell_text(&rows[3][0]), "Number");
        let b = rows
            .iter()
            .find(|r| cell_text(&r[0]) == "IT-2026-000002")
            .expect("B");
        assert_eq!(cell_text(&b[9]), "no", "B was late");
        let analysis = book.worksheet_range("Analysis").expect("analysis");
        assert!(
            analysis
                .rows()
                .any(|r| cell_text(&r[0]) == "Requests received"),
            "the indicators in English"
        );
        let text: String = analysis
            .rows()
            .flat_map(|r| r.iter().map(cell_text))
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            !text.contains("Поступило") && !text.contains("Просроченные"),
            "{text}"
        );
        drop(file);
        let (_, file) = jobs::write_now(&db.state, &english, "IT", week(), Format::Csv)
            .await
            .expect("csv in English");
        let text = std::fs::read_to_string(file.path()).expect("csv");
        assert!(
            text.trim_start_matches('\u{feff}')
                .starts_with("Number;Subject;Kind;Requester")
        );
        drop(file);
        let (_, file) = jobs::write_now(&db.state, &english, "IT", week(), Format::Pdf)
            .await
            .expect("pdf in English");
        let pdf = lopdf::Document::load(file.path()).expect("open pdf");
        let first = pdf.extract_text(&[1]).expect("text of page 1");
        assert!(
            first.contains("Work report") && first.contains("Page 1"),
            "{first}"
        );
        drop(file);

        // Two reports building at once: a third waits its turn.
        let two = db
            .state
            .exports
            .clone()
            .try_acquire_many_owned(2)
            .expect("two turns");
        let busy = jobs::write_now(&db.state, &p.kuznetsova, "IT", week(), Format::Csv)
            .await
            .map(|_| ())
            .map_err(AppError::from);
        assert_eq!(
            busy,
            Err(AppError::Busy {
                retry_after_secs: 30
            })
        );
        let busy = jobs::start(&db.state, &p.kuznetsova, "IT", week(), Format::Csv)
            .await
            .map(|_| ())
            .map_err(AppError::from);
        assert_eq!(
            busy,
            Err(AppError::Busy {
                retry_after_secs: 30
            })
        );
        drop(two);
        jobs::write_now(&db.state, &p.kuznetsova, "IT", week(), Format::Csv)
            .await
            .expect("a turn again");
    }
);

async fn login(http: &reqwest::Client, base: &str, login: &str) -> String {
    let r = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"login": login, "password": "demo"}))
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), StatusCode::OK);
    r.json::<Value>().await.expect("json")["token"]
        .as_str()
        .expect("token")
        .to_string()
}

/// Over HTTP with the real directory (kuznetsova is IT's head there).
#[tokio::test]
async fn the_api_gives_the_workload_the_files_and_refuses_other_units() {
    let db = TestDb::new(common::Backend::Sqlite).await;
    let base = common::serve(db.state.clone()).await;
    let http = reqwest::Client::new();
    let p = people(&db).await;
    known(&db, &p).await;
    let token = login(&http, &base, "kuznetsova").await;
    let get = |path: String| {
        let http = http.clone();
        let token = token.clone();
        let base = base.clone();
        async move {
            http.get(format!("{base}/api/v1{path}"))
                .bearer_auth(&token)
                .send()
                .await
                .expect("send")
        }
    };
    let r = get("/reports/workload?unit=IT&from=2026-03-09&to=2026-03-15".into()).await;
    assert_eq!(r.status(), StatusCode::OK);
    let w: Value = r.json().await.expect("json");
    for key in [
        "unit",
        "from",
        "to",
        "now",
        "executors",
        "indicators",
        "previous",
    ] {
        assert!(w.get(key).is_some(), "{key} in {w}");
    }
    assert_eq!(w["unit"], "IT");
    assert_eq!(w["from"], "2026-03-09");
    assert_eq!(w["now"]["overdue"], 1);
    assert_eq!(w["indicators"]["first_contact_resolution"], 0.5);
    assert_eq!(w["indicators"]["by_kind"]["esign_key"], 3);
    assert_eq!(w["previous"]["registered"], 2);
    let smirnov = w["executors"]
        .as_array()
        .expect("executors")
        .iter()
        .find(|e| e["login"] == "smirnov")
        .expect("smirnov")
        .clone();
    for key in [
        "name",
        "open",
        "taken",
        "closed",
        "overdue",
        "on_time_share",
        "avg_answer_hours_oral",
        "avg_answer_hours_written",
    ] {
        assert!(smirnov.get(key).is_some(), "{key}");
    }

    // Another unit: 403; bad dates: 422 naming the field.
    let r = get("/reports/workload?unit=AHO&from=2026-03-09&to=2026-03-15".into()).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        r.json::<Value>().await.expect("json")["error"]["code"],
        "forbidden"
    );
    let r = get("/reports/workload?unit=IT&from=2026-03-15&to=2026-03-09".into()).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let e: Value = r.json().await.expect("json");
    assert_eq!(e["error"]["fields"][0]["field"], "to");
    let r = get("/reports/period?unit=IT&from=2026-03-09&to=2026-03-15&format=doc".into()).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // The file at once, for each format.
    for (format, magic) in [
        ("xlsx", &b"PK"[..]),
        ("pdf", &b"%PDF"[..]),
        ("csv", &[0xEF, 0xBB, 0xBF][..]),
    ] {
        let r = get(format!(
            "/reports/period?unit=IT&from=2026-03-09&to=2026-03-15&format={format}"
        ))
        .await;
        assert_eq!(r.status(), StatusCode::OK, "{format}");
        let disposition = r.headers()["content-disposition"]
            .to_str()
            .expect("header")
            .to_string();
        assert!(
            disposition.contains(&format!("otchet-it-2026-03-09-2026-03-15.{format}")),
            "{disposition}"
        );
        let bytes = r.bytes().await.expect("bytes");
        assert!(bytes.starts_with(magic), "{format}");
    }

    // In the background, with progress, then the file.
    let r = http
        .post(format!("{base}/api/v1/reports/exports"))
        .bearer_auth(&token)
        .json(&json!({"unit": "IT", "from": "2026-03-09", "to": "2026-03-15", "format": "xlsx"}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let job: Value = r.json().await.expect("json");
    let id = job["id"].as_i64().expect("id");
    let mut state = job;
    for _ in 0..100 {
        if state["state"] != "running" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        state = get(format!("/reports/exports/{id}"))
            .await
            .json()
            .await
            .expect("json");
    }
    assert_eq!(state["state"], "ready", "{state}");
    assert_eq!(state["done"], 6);
    assert_eq!(state["total"], 6);
    let r = get(format!("/reports/exports/{id}/file")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.bytes().await.expect("bytes").starts_with(b"PK"));
    // Someone else's export is not there for them.
    let other = login(&http, &base, "popov").await;
    let r = http
        .get(format!("{base}/api/v1/reports/exports/{id}"))
        .bearer_auth(&other)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // Proposals saved over the API come back with the workload.
    let r = http
        .put(format!("{base}/api/v1/reports/proposals"))
        .bearer_auth(&token)
        .json(&json!({"unit": "IT", "from": "2026-03-09", "to": "2026-03-15", "text": "Больше ключей"}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), StatusCode::OK);
    let w: Value = get("/reports/workload?unit=IT&from=2026-03-09&to=2026-03-15".into())
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(w["proposals"], "Больше ключей");
    db.cleanup().await;
}

on_both_databases!(
    async fn the_queue_filters_the_workload_links_to(db: TestDb) {
        let p = people(db).await;
        known(db, &p).await;
        let q = app::server::tickets::ListQuery::parse(Some("unit"), Some("open"), None, None)
            .and_then(|q| q.narrowed(Some("IT"), Some("overdue")))
            .expect("query");
        let page = app::server::tickets::list(&db.state, &p.kuznetsova, q)
            .await
            .expect("list");
        let numbers: Vec<String> = page.items.iter().map(|t| t.number.clone()).collect();
        assert_eq!(numbers, ["IT-2026-000004"]);
        let q = app::server::tickets::ListQuery::parse(Some("unit"), Some("open"), None, None)
            .and_then(|q| q.narrowed(Some("IT"), Some("nonsense")));
        assert!(q.is_err());
    }
);

on_both_databases!(
    async fn generated_history_has_the_asked_size_and_sane_shapes(db: TestDb) {
        people(db).await;
        let made = app::server::generate::generate(&db.state, 3000, 7)
            .await
            .expect("generate");
        assert_eq!(made.requests, 3000);
        let admin = db.user("admin", &["employee", "admin"]).await;
        let year = Period::containing(
            PeriodKind::Year,
            NaiveDate::from_ymd_opt(2025, 6, 1).expect("date"),
        );
        let mut registered = 0;
        for unit in ["IT", "AHO", "BUH"] {
            let w = reports::workload(&db.state, &admin, unit, year)
                .await
                .expect("workload");
            registered += w.indicators.registered;
            let share = w.indicators.on_time_share.unwrap_or(0.0);
            assert!((0.7..0.97).contains(&share), "{unit}: on time {share}");
            assert!(w.executors.len() >= 5, "{unit}: executors");
        }
        // About half of two years falls in 2025.
        assert!((1000..2000).contains(&registered), "{registered}");
        // Numbers continue the counters: a request filed now does not collide.
        let ivanova = db.user("ivanova", &["employee"]).await;
        app::server::tickets::create(&db.state, &ivanova, common::esign("После генерации"))
            .await
            .expect("filed after generation");
    }
);

/// Every request of a unit, read through the report pager.
async fn all_facts(db: &TestDb, unit: &str) -> Vec<Facts> {
    let mut pager = reports::Pager::new(
        unit,
        Window {
            start: at("2000-01-01T00:00:00Z"),
            end: at("2100-01-01T00:00:00Z"),
        },
    );
    let mut facts = Vec::new();
    while let Some(page) = pager.next(&db.state.db).await.expect("page") {
        facts.extend(page.iter().map(reports::Row::facts));
    }
    facts
}

on_both_databases!(
    async fn sums_by_the_database_agree_with_counting_each_request(db: TestDb) {
        people(db).await;
        app::server::generate::generate(&db.state, 3000, 11)
            .await
            .expect("generate");
        let admin = db.user("admin", &["employee", "admin"]).await;
        let today = db.state.local(db.state.now()).date();
        let periods = [
            Period::containing(PeriodKind::Year, today - chrono::Duration::days(365)),
            Period::containing(PeriodKind::Quarter, today),
            Period::containing(PeriodKind::Month, today - chrono::Duration::days(40)),
            Period::containing(PeriodKind::Week, today - chrono::Duration::days(3)),
        ];
        for unit in ["IT", "AHO", "BUH"] {
            let facts = all_facts(db, unit).await;
            let open: Vec<Facts> = facts
                .iter()
                .filter(|f| f.status.is_open())
                .cloned()
                .collect();
            let staff = reports::workers(&db.state.db, unit).await.expect("staff");
            for period in periods {
                let w = reports::workload(&db.state, &admin, unit, period)
                    .await
                    .expect("workload");
                let current = reports::period_window(&db.state, &period);
                let previous = reports::period_window(&db.state, &period.previous());
                let what = format!("{unit} {period:?}");
                assert!(w.indicators.registered > 0, "{what}: something to count");
                assert_eq!(w.indicators, report::indicators(&facts, current), "{what}");
                assert_eq!(w.previous, report::indicators(&facts, previous), "{what}");
                let loads = report::executor_loads(&facts, &open, &staff, current, db.state.now());
                assert_eq!(w.executors, loads, "{what}");
                let moment = reports::sums::moment(&db.state);
                let now = report::now_counts(&open, moment);
                assert!(
                    now.due_this_week > 0 && now.overdue > 0,
                    "{what}: open requests in each bucket: {now:?}"
                );
                assert_eq!(w.now, now, "{what}");
                assert_eq!(w.overdue_total, now.overdue, "{what}");
                let weeks = reports::week_windows(&db.state, &period);
                // The chart's weeks are cut to the period and to now.
                assert_eq!(weeks.first().map(|w| w.1.start), Some(current.start));
                assert_eq!(weeks.last().map(|w| w.1.end), Some(current.end));
                assert_eq!(w.weeks, report::weekly(&facts, &weeks), "{what}");
            }
        }
    }
);

on_both_databases!(
    async fn the_workload_lists_the_fifty_longest_overdue_and_counts_them_all(db: TestDb) {
        let p = people(db).await;
        db.set_now("2026-03-14T12:00:00+03:00");
        let numbers: Vec<String> = (1..=60).map(|i| format!("IT-2026-{i:06}")).collect();
        for (i, number) in numbers.iter().enumerate() {
            // Due one hour apart, the later numbers the longer overdue.
            let due = format!("2026-03-{:02}T{:02}:00:00", 13 - i / 24, 23 - i % 24);
            insert(
                db,
                p.ivanova.id,
                Spec {
                    number,
                    kind: "esign_key",
                    channel: "portal",
                    form: "written",
                    assignee: None,
                    registered: "2026-03-02T10:00:00",
                    due: &due,
                    answered: None,
                    taken: None,
                    outcome: None,
                    extension: None,
                    transfers: 0,
                    questions: 0,
                },
            )
            .await;
        }
        let w = reports::workload(&db.state, &p.kuznetsova, "IT", week())
            .await
            .expect("workload");
        assert_eq!(w.now.overdue, 60);
        assert_eq!(w.overdue_total, 60);
        assert_eq!(w.overdue_now.len(), report::OVERDUE_SHOWN);
        let shown: Vec<&str> = w.overdue_now.iter().map(|o| o.number.as_str()).collect();
        let longest: Vec<&str> = numbers.iter().rev().take(50).map(String::as_str).collect();
        assert_eq!(shown, longest, "the longest overdue first");
    }
);
