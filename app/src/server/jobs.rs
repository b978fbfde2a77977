//! Scheduled control of deadlines, run every minute by each instance:
//!
//! - a morning digest of what is due today (working days, from the start of the day);
//! - preliminary control: each executor's requests due in the coming week,
//!   on the first working day of the week (later in the week if that run was missed);
//! - final control: overdue requests to their executors and unit heads, weekly;
//! - a notice to the unit head when a request becomes overdue;
//! - closing answered requests nobody reopened within 10 working days;
//! - last month's report to unit heads on the first working day of a month;
//! - removing report files older than a day;
//! - sending the mail queue.
//!
//! Each periodic job claims its period with a row in `job_runs`, whose primary
//! key lets exactly one instance win even on a shared PostgreSQL; a run that
//! was missed is caught up later in its period, and dedup keys on notices and
//! mail keep a retried run from sending anything twice.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use super::auth::parse_roles;
use super::calendar;
use super::catalogue::open_filter;
use super::entity::{job_run, ticket, user};
use super::error::ServiceResult;
use super::mail;
use super::notify::{self, Notice, TicketNotice};
use super::state::AppState;

/// A claimed run older than this without finishing is taken over.
const STALE_MINUTES: i64 = 10;

/// Claims `job` for `period`; false if another run has it.
pub async fn claim(state: &AppState, job: &str, period: &str) -> ServiceResult<bool> {
    let now = state.now();
    let inserted = job_run::Entity::insert(job_run::ActiveModel {
        job: Set(job.into()),
        period: Set(period.into()),
        started_at: Set(now),
        finished_at: Set(None),
    })
    .on_conflict(
        OnConflict::columns([job_run::Column::Job, job_run::Column::Period])
            .do_nothing()
            .to_owned(),
    )
    .try_insert()
    .exec_without_returning(&state.db)
    .await?;
    if matches!(inserted, sea_orm::TryInsertResult::Inserted(n) if n > 0) {
        return Ok(true);
    }
    // Take over a run that died half-way; the update succeeds for one instance only.
    let taken = job_run::Entity::update_many()
        .col_expr(
            job_run::Column::StartedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(job_run::Column::Job.eq(job))
        .filter(job_run::Column::Period.eq(period))
        .filter(job_run::Column::FinishedAt.is_null())
        .filter(job_run::Column::StartedAt.lt(now - Duration::minutes(STALE_MINUTES)))
        .exec(&state.db)
        .await?;
    Ok(taken.rows_affected == 1)
}

async fn finish(state: &AppState, job: &str, period: &str) -> ServiceResult<()> {
    job_run::ActiveModel {
        job: Set(job.into()),
        period: Set(period.into()),
        finished_at: Set(Some(state.now())),
        ..Default::default()
    }
    .update(&state.db)
    .await?;
    Ok(())
}

/// Who answers for a request: its executor, or the unit's executors while nobody took it.
fn executors<'a>(t: &ticket::Model, users: &'a [user::Model]) -> Vec<&'a user::Model> {
    if let Some(a) = t
        .assignee_id
        .and_then(|id| users.iter().find(|u| u.id == id && u.active))
    {
        return vec![a];
    }
    users
        .iter()
        .filter(|u| {
            u.active
                && parse_roles(&u.roles)
                    .0
                    .contains(&crate::domain::Role::Executor(t.unit_code.clone()))
        })
        .collect()
}

fn heads<'a>(unit: &str, users: &'a [user::Model]) -> Vec<&'a user::Model> {
    users
        .iter()
        .filter(|u| u.active && parse_roles(&u.roles).is_head_of(unit))
        .collect()
}

fn line(state: &AppState, t: &ticket::Model) -> String {
    format!(
        "— {} «{}», срок {}",
        t.number,
        t.subject,
        state.local(t.due_at).format("%d.%m.%Y %H:%M")
    )
}

/// Sends each person one message listing their requests.
async fn send_lists(
    state: &AppState,
    lists: BTreeMap<i64, (user::Model, Vec<String>)>,
    kind: &str,
    subject: &str,
    intro: &str,
    dedup: &str,
) -> ServiceResult<usize> {
    let now = state.now();
    let count = lists.len();
    for (_, (person, lines)) in lists {
        let notice = Notice {
            ticket_id: None,
            kind,
            subject: subject.to_string(),
            body: format!("{intro}\n{}", lines.join("\n")),
            dedup_key: dedup.to_string(),
        };
        notify::send(&state.db, &person, notice, now).await?;
    }
    Ok(count)
}

fn add(lists: &mut BTreeMap<i64, (user::Model, Vec<String>)>, person: &user::Model, text: String) {
    lists
        .entry(person.id)
        .or_insert_with(|| (person.clone(), Vec::new()))
        .1
        .push(text);
}

async fn open_tickets(state: &AppState) -> ServiceResult<Vec<ticket::Model>> {
    Ok(ticket::Entity::find()
        .filter(open_filter())
        .order_by_asc(ticket::Column::DueAt)
        .all(&state.db)
        .await?)
}

async fn morning_digest(
    state: &AppState,
    today: NaiveDate,
    users: &[user::Model],
) -> ServiceResult<usize> {
    let mut lists = BTreeMap::new();
    for t in open_tickets(state)
        .await?
        .iter()
        .filter(|t| state.local(t.due_at).date() == today)
    {
        for person in executors(t, users) {
            add(&mut lists, person, line(state, t));
        }
    }
    let subject = format!(
        "Сегодня, {}, истекает срок ответа",
        today.format("%d.%m.%Y")
    );
    send_lists(
        state,
        lists,
        "digest",
        &subject,
        "Сегодня истекает срок ответа по обращениям:",
        &format!("digest:{today}"),
    )
    .await
}

async fn preliminary_control(
    state: &AppState,
    week: &str,
    users: &[user::Model],
) -> ServiceResult<usize> {
    let now = state.now();
    let mut lists = BTreeMap::new();
    for t in open_tickets(state)
        .await?
        .iter()
        .filter(|t| t.due_at >= now && t.due_at < now + Duration::days(7))
    {
        for person in executors(t, users) {
            add(&mut lists, person, line(state, t));
        }
    }
    send_lists(
        state,
        lists,
        "preliminary_control",
        "Предварительный контроль: сроки на неделю",
        "На этой неделе истекает срок ответа по обращениям:",
        &format!("preliminary:{week}"),
    )
    .await
}

async fn final_control(
    state: &AppState,
    week: &str,
    users: &[user::Model],
) -> ServiceResult<usize> {
    let now = state.now();
    let mut lists = BTreeMap::new();
    for t in open_tickets(state).await?.iter().filter(|t| t.due_at < now) {
        let mut people = executors(t, users);
        people.extend(heads(&t.unit_code, users));
        people.sort_by_key(|u| u.id);
        people.dedup_by_key(|u| u.id);
        for person in people {
            add(&mut lists, person, line(state, t));
        }
    }
    send_lists(
        state,
        lists,
        "final_control",
        "Итоговый контроль: просроченные обращения",
        "Срок ответа истёк, ответ не дан и срок не продлён:",
        &format!("final:{week}"),
    )
    .await
}

/// Tells the unit head once when a request becomes overdue.
async fn overdue_notices(state: &AppState, users: &[user::Model]) -> ServiceResult<usize> {
    let now = state.now();
    let due = ticket::Entity::find()
        .filter(open_filter())
        .filter(ticket::Column::DueAt.lt(now))
        .filter(ticket::Column::OverdueNoticedAt.is_null())
        .all(&state.db)
        .await?;
    let count = due.len();
    for t in due {
        for head in heads(&t.unit_code, users) {
            let data = serde_json::json!({
                "number": t.number,
                "subject": t.subject,
                "due": state.local(t.due_at).format("%d.%m.%Y %H:%M").to_string(),
            });
            let notice = TicketNotice {
                ticket_id: t.id,
                kind: "overdue",
                data: &data,
                dedup_key: format!("overdue:{}", t.id),
                mail: true,
            };
            notify::tell(&state.db, head, notice, now).await?;
        }
        let mut update: ticket::ActiveModel = t.into();
        update.overdue_noticed_at = Set(Some(now));
        update.update(&state.db).await?;
    }
    Ok(count)
}

/// The ISO week of a date, `2026-W10`.
pub fn week_of(date: NaiveDate) -> String {
    let w = date.iso_week();
    format!("{}-W{:02}", w.year(), w.week())
}

/// What one tick did, for logs and tests.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct TickReport {
    pub ran: Vec<String>,
    pub overdue_noticed: usize,
    pub auto_closed: usize,
    pub mail_sent: usize,
    /// Sessions past their lifetime or idle time, removed.
    pub sessions_swept: u64,
}

/// Runs what is due now. Safe to call from every instance at any time.
pub async fn tick(state: &AppState) -> ServiceResult<TickReport> {
    let mut report = TickReport::default();
    let users = user::Entity::find().all(&state.db).await?;
    report.overdue_noticed = overdue_notices(state, &users).await?;
    report.auto_closed = super::tickets::close_unclaimed(state).await?;
    report.sessions_swept = super::auth::sweep_sessions(state).await?;
    super::submissions::sweep(&state.db, state.now()).await?;
    super::drafts::sweep(state, state.now()).await?;
    let local = state.local(state.now());
    let today = local.date();
    let cal = calendar::load(state).await?;
    // Outside the loaded calendar nothing periodic runs (and says so).
    match cal.is_working(today) {
        Ok(true) if local.time() >= state.hours.start => {
            let day = today.to_string();
            let week = week_of(today);
            for (job, period) in [
                ("morning_digest", &day),
                ("preliminary_control", &week),
                ("final_control", &week),
            ] {
                if claim(state, job, period).await? {
                    let people = match job {
                        "morning_digest" => morning_digest(state, today, &users).await?,
                        "preliminary_control" => preliminary_control(state, period, &users).await?,
                        _ => final_control(state, period, &users).await?,
                    };
                    finish(state, job, period).await?;
                    tracing::info!(job, period, people, "scheduled job ran");
                    state.metrics.job_ran(job);
                    report.ran.push(format!("{job}:{period}"));
                }
            }
            // Last month's report to the heads, once a month, on the first
            // working day on which an instance runs (normally the first one).
            let last = super::reports::last_month(today);
            let month = last.from.format("%Y-%m").to_string();
            if claim(state, "monthly_report", &month).await? {
                let mails = super::reports::jobs::mail_monthly(state, last, &users).await?;
                finish(state, "monthly_report", &month).await?;
                tracing::info!(month, mails, "monthly reports queued");
                state.metrics.job_ran("monthly_report");
                report.ran.push(format!("monthly_report:{month}"));
            }
        }
        Ok(_) => {}
        Err(e) => {
            tracing::warn!(error = %e, "no working calendar for today: digests and control skipped")
        }
    }
    super::reports::jobs::sweep(state).await?;
    report.mail_sent = mail::send_pending(state).await?;
    Ok(report)
}

/// The background loop of one instance.
pub async fn run_forever(state: AppState) {
    loop {
        if let Err(e) = tick(&state).await {
            let _logged = crate::wire::AppError::from(e);
        }
        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
    }
}
