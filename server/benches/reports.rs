//! `make bench`: unit reports on generated history in SQLite.
//!
//! 1. 100,000 requests over two years (`generate`, the same generator as
//!    `servicedesk seed`): the workload view of a month for the busiest
//!    unit, p50/p99 over repeated calls.
//! 2. The same requests moved into one unit and exported as XLSX and PDF
//!    for the whole two years (100,000 lines): time and peak RSS of the
//!    export alone (the peak is reset before each export).
//! 3. A fresh history of 1,000,000 requests: the workload view of a month,
//!    a quarter and (five rounds, no target) a year.
//!
//! Fails when the workload p99 of a month is above 300 ms at 100,000
//! requests or 1 s at 1,000,000, the XLSX export takes more than 3 s or
//! 150 MB, or the PDF export more than 15 s or 200 MB.

use std::time::{Duration, Instant};

use app::domain::report::{Period, PeriodKind};
use app::server::auth::Caller;
use app::server::config::Config;
use app::server::reports::{self, export::Format, jobs};
use app::server::{AppState, db};
use sea_orm::ConnectionTrait;

const ROUNDS: usize = 30;
const WORKLOAD_P99: Duration = Duration::from_millis(300);
const WORKLOAD_P99_1M: Duration = Duration::from_secs(1);
const XLSX_TIME: Duration = Duration::from_secs(3);
const XLSX_RSS_MB: f64 = 150.0;
const PDF_TIME: Duration = Duration::from_secs(15);
const PDF_RSS_MB: f64 = 200.0;

fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn current_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Resets the peak RSS to the current one (Linux 4.0+).
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn pct(times: &mut [Duration], p: f64) -> Duration {
    times.sort();
    let i = ((times.len() as f64 - 1.0) * p).round() as usize;
    times[i.min(times.len() - 1)]
}

async fn workload_times(
    state: &AppState,
    admin: &Caller,
    period: Period,
    rounds: usize,
) -> (Duration, Duration, u64) {
    let w = reports::workload(state, admin, "IT", period)
        .await
        .expect("workload");
    let mut times = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let t = Instant::now();
        reports::workload(state, admin, "IT", period)
            .await
            .expect("workload");
        times.push(t.elapsed());
    }
    (
        pct(&mut times, 0.5),
        pct(&mut times, 0.99),
        w.indicators.registered,
    )
}

async fn admin(state: &AppState) -> Caller {
    {
        let row = app::server::entity::user::ActiveModel {
            login: sea_orm::Set("bench-admin".into()),
            full_name: sea_orm::Set("Администратор".into()),
            email: sea_orm::Set(String::new()),
            phone: sea_orm::Set(String::new()),
            title: sea_orm::Set(String::new()),
            lang: sea_orm::Set("ru".into()),
            roles: sea_orm::Set("employee admin".into()),
            active: sea_orm::Set(true),
            created_at: sea_orm::Set(state.now()),
            last_login_at: sea_orm::Set(None),
            mail_queue: sea_orm::Set(true),
            ..Default::default()
        };
        let m = sea_orm::ActiveModelTrait::insert(row, &state.db)
            .await
            .expect("admin");
        Caller::from_model(&m)
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let dir = std::env::temp_dir().join(format!("sd-bench-reports-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let url = format!("sqlite://{}/bench.db?mode=rwc", dir.display());
    let conn = db::connect_and_migrate(&url).await.expect("database");
    let state = AppState::new(
        conn,
        Config {
            database_url: url,
            data_dir: dir.join("data"),
            ..Config::default()
        },
    );
    let admin = admin(&state).await;
    let today = state.local(state.now()).date();
    let month = Period::containing(PeriodKind::Month, today).previous();
    let mut failed = false;

    let t = Instant::now();
    app::server::generate::generate(&state, 100_000, 1)
        .await
        .expect("generate");
    println!(
        "generated 100,000 requests in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let (p50, p99, n) = workload_times(&state, &admin, month, ROUNDS).await;
    println!(
        "workload, 100k requests, month {} ({} registered in IT): p50 {:.1} ms, p99 {:.1} ms",
        month.from,
        n,
        p50.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3
    );
    failed |= p99 > WORKLOAD_P99;

    // Every request into IT, then the two years as one report.
    state
        .db
        .execute_unprepared("UPDATE tickets SET unit_code = 'IT'")
        .await
        .expect("move");
    // Two years in one file: longer than people may ask for (a year), built
    // directly to load the writer with 100,000 lines.
    let span = Period {
        kind: PeriodKind::Custom,
        from: today - chrono::Duration::days(731),
        to: today,
    };
    for format in [Format::Xlsx, Format::Pdf] {
        let base = current_rss_mb().unwrap_or(0.0);
        let reset = reset_peak();
        let t = Instant::now();
        let (_, file) = jobs::write_now(&state, &admin, "IT", span, format)
            .await
            .expect("export");
        let path = file.path().to_path_buf();
        let took = t.elapsed();
        let peak = peak_rss_mb().unwrap_or(0.0);
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        println!(
            "{:?} export, 100,000 lines: {:.2} s, peak RSS {:.0} MB (before: {:.0} MB{}), file {:.1} MB",
            format,
            took.as_secs_f64(),
            peak,
            base,
            if reset { "" } else { "; peak not reset" },
            size as f64 / 1e6
        );
        failed |= match format {
            Format::Xlsx => took > XLSX_TIME || peak > XLSX_RSS_MB,
            _ => took > PDF_TIME || peak > PDF_RSS_MB,
        };
        drop(file);
    }
    state
        .db
        .execute_unprepared("DELETE FROM tickets")
        .await
        .expect("clear");

    let t = Instant::now();
    app::server::generate::generate(&state, 1_000_000, 2)
        .await
        .expect("generate");
    println!(
        "generated 1,000,000 requests in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let (p50, p99, n) = workload_times(&state, &admin, month, ROUNDS).await;
    println!(
        "workload, 1M requests, month {} ({} registered in IT): p50 {:.1} ms, p99 {:.1} ms",
        month.from,
        n,
        p50.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3
    );
    failed |= p99 > WORKLOAD_P99_1M;
    let quarter = Period::containing(PeriodKind::Quarter, today).previous();
    let (p50, p99, n) = workload_times(&state, &admin, quarter, ROUNDS).await;
    println!(
        "workload, 1M requests, quarter {} ({} registered in IT): p50 {:.1} ms, p99 {:.1} ms",
        quarter.from,
        n,
        p50.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3
    );
    // A year has no target; a few rounds show where long periods stand.
    let year = Period::containing(PeriodKind::Year, today).previous();
    let (p50, max, n) = workload_times(&state, &admin, year, 5).await;
    println!(
        "workload, 1M requests, year {} ({} registered in IT): p50 {:.1} ms, max {:.1} ms",
        year.from,
        n,
        p50.as_secs_f64() * 1e3,
        max.as_secs_f64() * 1e3
    );
    std::fs::remove_dir_all(&dir).ok();
    if failed {
        eprintln!("a target was missed");
        std::process::ExitCode::FAILURE
    } else {
        std::process::ExitCode::SUCCESS
    }
}
