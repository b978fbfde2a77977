//! Unit workload and end-of-period reports: who may see them, the periods,
//! reading a unit's requests page by page, the heads' proposals, report
//! files written in the background with their progress, and the monthly
//! report by e-mail.
//!
//! The numbers (indicators, executors' load, weekly series) are summed by
//! the database in [`sums`]. The report file's list of tasks goes through
//! [`Pager`], which walks the requests active in a window in pages of
//! [`PAGE`] rows ordered by registration, so memory stays bounded however
//! many requests a unit has; rows come through [`fetch_packed`], one JSON
//! text per query ([`super::packed`]).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use super::auth::{Caller, parse_roles};
use super::catalogue::{kinds_all, open_filter};
use super::entity::{report_proposal, ticket, unit, user};
use super::error::ServiceResult;
use super::state::AppState;
use crate::domain::fields::{BODY_MAX, validate_text};
use crate::domain::report::{
    Facts, OVERDUE_SHOWN, OverdueItem, Period, PeriodError, PeriodKind, WeekTally, Window, Worker,
    Workload,
};
use crate::domain::{Channel, FieldError, FieldErrorCode, Outcome, RequestForm, Status};
use crate::wire::{AppError, UnitRef};

pub mod export;
pub mod jobs;
pub mod sums;

/// Rows read per query.
pub const PAGE: u64 = 2000;

/// What a report needs of one request. The fields are in the order of
/// [`ROW_COLUMNS`]: [`fetch_packed`] reads them as JSON arrays.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Row {
    pub id: i64,
    pub number: String,
    pub subject: String,
    pub kind_code: String,
    pub requester_id: i64,
    pub assignee_id: Option<i64>,
    pub status: String,
    pub form: String,
    pub channel: String,
    pub registered_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    pub taken_at: Option<DateTime<Utc>>,
    pub outcome: Option<String>,
    pub extension_days: Option<i32>,
    pub extension_reason: Option<String>,
    pub transfer_count: i32,
    pub questions: i32,
    pub handling_work_seconds: Option<i64>,
}

/// The columns of [`Row`], in its fields' order.
const ROW_COLUMNS: [ticket::Column; 19] = [
    ticket::Column::Id,
    ticket::Column::Number,
    ticket::Column::Subject,
    ticket::Column::KindCode,
    ticket::Column::RequesterId,
    ticket::Column::AssigneeId,
    ticket::Column::Status,
    ticket::Column::Form,
    ticket::Column::Channel,
    ticket::Column::RegisteredAt,
    ticket::Column::DueAt,
    ticket::Column::AnsweredAt,
    ticket::Column::TakenAt,
    ticket::Column::Outcome,
    ticket::Column::ExtensionDays,
    ticket::Column::ExtensionReason,
    ticket::Column::TransferCount,
    ticket::Column::Questions,
    ticket::Column::HandlingWorkSeconds,
];

/// The rows a select finds, read in one round trip ([`packed`]).
async fn fetch_packed(
    db: &DatabaseConnection,
    select: sea_orm::Select<ticket::Entity>,
) -> ServiceResult<Vec<Row>> {
    super::packed::all(db, select, &ROW_COLUMNS).await
}

impl Row {
    pub fn facts(&self) -> Facts {
        Facts {
            kind_code: self.kind_code.clone(),
            channel: Channel::parse(&self.channel).unwrap_or(Channel::Portal),
            form: RequestForm::parse(&self.form).unwrap_or(RequestForm::Written),
            status: Status::parse(&self.status).unwrap_or(Status::Registered),
            assignee_id: self.assignee_id,
            registered_at: self.registered_at,
            due_at: self.due_at,
            answered_at: self.answered_at,
            work_seconds: self.handling_work_seconds,
            taken_at: self.taken_at,
            outcome: self.outcome.as_deref().and_then(Outcome::parse),
            extended: self.extension_days.is_some(),
            transfers: self.transfer_count,
            questions: self.questions,
        }
    }
}

/// The unit, if the caller may see its reports: its head and the administrator.
pub async fn unit_for(state: &AppState, caller: &Caller, code: &str) -> ServiceResult<unit::Model> {
    let code = code.trim().to_uppercase();
    let found = unit::Entity::find()
        .filter(unit::Column::Code.eq(&code))
        .one(&state.db)
        .await?;
    let Some(found) = found else {
        return Err(AppError::invalid("unit", FieldErrorCode::UnknownOption).into());
    };
    if !caller.roles.can_report(&found.code) {
        return Err(AppError::Forbidden.into());
    }
    Ok(found)
}

/// The units whose reports the caller sees, in catalogue order.
pub async fn report_units(state: &AppState, caller: &Caller) -> ServiceResult<Vec<UnitRef>> {
    Ok(super::catalogue::units(state)
        .await?
        .into_iter()
        .filter(|u| caller.roles.can_report(&u.code))
        .map(|u| UnitRef {
            name: super::reference::unit_name_in(&u, caller.lang).to_string(),
            code: u.code,
        })
        .collect())
}

fn parse_date(field: &str, text: &str, errors: &mut Vec<FieldError>) -> Option<NaiveDate> {
    let text = text.trim();
    let parsed = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%d.%m.%Y"));
    match parsed {
        Ok(d) => Some(d),
        Err(_) => {
            errors.push(FieldError::new(field, FieldErrorCode::InvalidDate));
            None
        }
    }
}

/// The period asked for: `from` and `to` (both or neither; `YYYY-MM-DD` or
/// `ДД.ММ.ГГГГ`), else the `period` kind around `today` (the current month
/// when nothing is given).
pub fn parse_period(
    kind: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
    today: NaiveDate,
) -> Result<Period, AppError> {
    let from = from.map(str::trim).filter(|s| !s.is_empty());
    let to = to.map(str::trim).filter(|s| !s.is_empty());
    let kind_code = kind.map(str::trim).filter(|s| !s.is_empty());
    let kind = match kind_code {
        None => None,
        Some(code) => match PeriodKind::parse(code) {
            Some(k) => Some(k),
            None => return Err(AppError::invalid("period", FieldErrorCode::UnknownOption)),
        },
    };
    let mut errors = Vec::new();
    match (from, to) {
        (None, None) if kind == Some(PeriodKind::Custom) => {
            errors.push(FieldError::new("from", FieldErrorCode::Required));
            errors.push(FieldError::new("to", FieldErrorCode::Required));
        }
        (None, None) => {
            return Ok(Period::containing(kind.unwrap_or(PeriodKind::Month), today));
        }
        (Some(f), None) => {
            let f = parse_date("from", f, &mut errors);
            match (f, kind) {
                (Some(f), Some(k)) if k != PeriodKind::Custom => {
                    return Ok(Period::containing(k, f));
                }
                _ => errors.push(FieldError::new("to", FieldErrorCode::Required)),
            }
        }
        (None, Some(t)) => {
            errors.push(FieldError::new("from", FieldErrorCode::Required));
            parse_date("to", t, &mut errors);
        }
        (Some(f), Some(t)) => {
            let f = parse_date("from", f, &mut errors);
            let t = parse_date("to", t, &mut errors);
            if let (Some(f), Some(t)) = (f, t) {
                // A kind with a date means "the week/month/… holding it".
                if let Some(k) = kind.filter(|k| *k != PeriodKind::Custom) {
                    return Ok(Period::containing(k, f));
                }
                match Period::from_range(f, t) {
                    Ok(p) => return Ok(p),
                    Err(PeriodError::Reversed) => {
                        errors.push(FieldError::new("to", FieldErrorCode::EndBeforeStart))
                    }
                    Err(PeriodError::TooLong) => errors.push(FieldError::new(
                        "to",
                        FieldErrorCode::PeriodTooLong {
                            max_days: crate::domain::report::PERIOD_MAX_DAYS,
                        },
                    )),
                }
            }
        }
    }
    Err(AppError::Invalid { fields: errors })
}

/// The moments that bound local days `from..=to`.
pub fn window(state: &AppState, from: NaiveDate, to: NaiveDate) -> Window {
    Window {
        start: state.from_local(from.and_time(NaiveTime::MIN)),
        end: state.from_local((to + Duration::days(1)).and_time(NaiveTime::MIN)),
    }
}

/// The period's moments, up to now ([`Window::until`]).
pub fn period_window(state: &AppState, p: &Period) -> Window {
    window(state, p.from, p.to).until(state.now())
}

/// Walks the requests of a unit active in a window, in registration order:
/// first those carried over from before it, then those registered in it.
///
/// The carried-over requests (unanswered, or answered only after the window
/// opened) are few whatever the history's length, so they are read at once
/// with two queries that each have an index of their own; those registered
/// in the window are read in keyset pages.
pub struct Pager {
    unit: String,
    window: Window,
    carried: Option<std::vec::IntoIter<Row>>,
    after: Option<(DateTime<Utc>, i64)>,
    done: bool,
}

impl Pager {
    pub fn new(unit: &str, window: Window) -> Pager {
        Pager {
            unit: unit.to_string(),
            window,
            carried: None,
            after: None,
            done: false,
        }
    }

    fn unit(&self) -> Condition {
        Condition::all().add(ticket::Column::UnitCode.eq(&self.unit))
    }

    /// Unanswered, or answered after the window opened, and registered
    /// before it: two conditions, so that each query can use the (unit,
    /// answered) index instead of reading the unit's whole history.
    fn carried_conditions(&self) -> [Condition; 2] {
        let start = self.window.start;
        [
            self.unit().add(ticket::Column::AnsweredAt.is_null()),
            self.unit()
                .add(ticket::Column::AnsweredAt.gte(start))
                .add(ticket::Column::RegisteredAt.lt(start)),
        ]
    }

    fn registered_in(&self) -> Condition {
        self.unit()
            .add(ticket::Column::RegisteredAt.gte(self.window.start))
            .add(ticket::Column::RegisteredAt.lt(self.window.end))
    }

    /// How many requests the walk will return.
    pub async fn count(&self, db: &DatabaseConnection) -> ServiceResult<u64> {
        let [unanswered, answered_later] = self.carried_conditions();
        let unanswered = unanswered.add(ticket::Column::RegisteredAt.lt(self.window.start));
        let mut total = 0;
        for condition in [unanswered, answered_later, self.registered_in()] {
            total += ticket::Entity::find().filter(condition).count(db).await?;
        }
        Ok(total)
    }

    async fn carried_over(&self, db: &DatabaseConnection) -> ServiceResult<Vec<Row>> {
        let start = self.window.start;
        let mut rows = Vec::new();
        for condition in self.carried_conditions() {
            let found = fetch_packed(db, ticket::Entity::find().filter(condition)).await?;
            rows.extend(found.into_iter().filter(|r| r.registered_at < start));
        }
        rows.sort_by_key(|r| (r.registered_at, r.id));
        Ok(rows)
    }

    /// The next page, or `None` at the end.
    pub async fn next(&mut self, db: &DatabaseConnection) -> ServiceResult<Option<Vec<Row>>> {
        if self.carried.is_none() {
            self.carried = Some(self.carried_over(db).await?.into_iter());
        }
        if let Some(carried) = self.carried.as_mut() {
            let page: Vec<Row> = carried.take(PAGE as usize).collect();
            if !page.is_empty() {
                return Ok(Some(page));
            }
        }
        if self.done {
            return Ok(None);
        }
        let mut select = ticket::Entity::find().filter(self.registered_in());
        if let Some((at, id)) = self.after {
            // The first conjunct lets the (unit, registered) index seek.
            select = select.filter(ticket::Column::RegisteredAt.gte(at)).filter(
                Condition::any()
                    .add(ticket::Column::RegisteredAt.gt(at))
                    .add(ticket::Column::Id.gt(id)),
            );
        }
        let select = select
            .order_by_asc(ticket::Column::RegisteredAt)
            .order_by_asc(ticket::Column::Id)
            .limit(PAGE);
        let mut rows = fetch_packed(db, select).await?;
        // The packing keeps the subquery's order in practice; make sure.
        rows.sort_by_key(|r| (r.registered_at, r.id));
        self.after = rows.last().map(|r| (r.registered_at, r.id));
        self.done = (rows.len() as u64) < PAGE;
        Ok((!rows.is_empty()).then_some(rows))
    }
}

/// The unit's [`OVERDUE_SHOWN`] longest overdue open requests, longest
/// first (on the open queue's partial index).
async fn overdue_rows(
    db: &DatabaseConnection,
    unit: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> ServiceResult<Vec<Row>> {
    let select = ticket::Entity::find()
        .filter(ticket::Column::UnitCode.eq(unit))
        .filter(open_filter())
        .filter(ticket::Column::DueAt.lt(now))
        .order_by_asc(ticket::Column::DueAt)
        .order_by_asc(ticket::Column::Id)
        .limit(OVERDUE_SHOWN as u64);
    let mut rows = fetch_packed(db, select).await?;
    rows.sort_by_key(|r| (r.due_at, r.id));
    Ok(rows)
}

/// Everyone known to work the unit's requests.
pub async fn workers(db: &DatabaseConnection, unit: &str) -> ServiceResult<Vec<Worker>> {
    let rows = user::Entity::find()
        .filter(user::Column::Roles.contains(format!(":{unit}")))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter(|u| parse_roles(&u.roles).is_staff_of(unit))
        .map(|u| worker(&u))
        .collect())
}

fn worker(u: &user::Model) -> Worker {
    Worker {
        id: u.id,
        login: u.login.clone(),
        name: u.shown_name(),
    }
}

/// The people among `ids`, whoever they are now (former executors).
pub async fn people(db: &DatabaseConnection, ids: Vec<i64>) -> ServiceResult<Vec<Worker>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(db)
        .await?;
    Ok(rows.iter().map(worker).collect())
}

/// Names of the people a report mentions, read once.
pub async fn names(db: &DatabaseConnection) -> ServiceResult<HashMap<i64, String>> {
    Ok(user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::FullName)
        .column(user::Column::Login)
        .into_tuple::<(i64, String, String)>()
        .all(db)
        .await?
        .into_iter()
        .map(|(id, name, login)| (id, user::shown_name(&name, &login)))
        .collect())
}

/// Kind codes to titles in `lang`.
pub async fn kind_titles(
    state: &AppState,
    lang: crate::i18n::Lang,
) -> ServiceResult<BTreeMap<String, String>> {
    Ok(kinds_all(state)
        .await?
        .into_iter()
        .map(|k| {
            let title = crate::i18n::pick(lang, &k.title, k.title_en.as_ref()).to_string();
            (k.code, title)
        })
        .collect())
}

/// The weeks overlapping a period, cut to the period so that the charts
/// count only its days, as windows with their first days, up to now (the
/// weeks that have not begun are left out).
pub fn week_windows(state: &AppState, p: &Period) -> Vec<(NaiveDate, Window)> {
    p.week_starts()
        .into_iter()
        .map(|monday| {
            let first = monday.max(p.from);
            let last = (monday + Duration::days(6)).min(p.to);
            (first, window(state, first, last).until(state.now()))
        })
        .filter(|(_, w)| !w.is_empty())
        .collect()
}

/// The workload of a unit for a period, compared with the previous one.
pub async fn workload(
    state: &AppState,
    caller: &Caller,
    unit_code: &str,
    period: Period,
) -> ServiceResult<Workload> {
    let unit = unit_for(state, caller, unit_code).await?;
    let now = state.now();
    let previous = period.previous();
    let weeks = WeekTally::new(week_windows(state, &period));
    // The longest overdue first, a page of them; the total is counted.
    let (weeks, numbers, kind_titles, names, proposals, overdue) = tokio::try_join!(
        sums::weeks(&state.db, &unit.code, weeks),
        sums::numbers(state, &unit.code, &period),
        kind_titles(state, caller.lang),
        names(&state.db),
        proposals(&state.db, &unit.code, &period),
        overdue_rows(&state.db, &unit.code, now),
    )?;
    let today = state.local(now).date();
    let overdue_total = numbers.now.overdue;
    let overdue_now = overdue
        .into_iter()
        .map(|r| OverdueItem {
            kind_title: kind_titles
                .get(&r.kind_code)
                .cloned()
                .unwrap_or_else(|| r.kind_code.clone()),
            executor: r.assignee_id.and_then(|id| names.get(&id).cloned()),
            days_late: (now - r.due_at).num_days(),
            id: r.id,
            number: r.number,
            subject: r.subject,
            due_at: r.due_at,
        })
        .collect();
    Ok(Workload {
        unit: unit.code.clone(),
        unit_name: super::reference::unit_name_in(&unit, caller.lang).to_string(),
        period: period.kind,
        from: period.from,
        to: period.to,
        now: numbers.now,
        executors: numbers.executors,
        indicators: numbers.current,
        previous_from: previous.from,
        previous_to: previous.to,
        previous: numbers.previous,
        weeks,
        kind_titles,
        overdue_now,
        overdue_total,
        proposals,
        as_of: today,
        workday_hours: (state.hours.end - state.hours.start).num_minutes() as f64 / 60.0,
    })
}

/// The head's proposals saved for a unit and period (empty if none).
pub async fn proposals(
    db: &DatabaseConnection,
    unit: &str,
    period: &Period,
) -> ServiceResult<String> {
    Ok(report_proposal::Entity::find()
        .filter(report_proposal::Column::UnitCode.eq(unit))
        .filter(report_proposal::Column::PeriodFrom.eq(period.from))
        .filter(report_proposal::Column::PeriodTo.eq(period.to))
        .one(db)
        .await?
        .map(|p| p.body)
        .unwrap_or_default())
}

/// Saves the proposals for a unit and period; an empty text clears them.
pub async fn save_proposals(
    state: &AppState,
    caller: &Caller,
    unit_code: &str,
    period: &Period,
    body: &str,
) -> ServiceResult<String> {
    let unit = unit_for(state, caller, unit_code).await?;
    let mut errors = Vec::new();
    let body = validate_text("proposals", body, false, BODY_MAX, &mut errors);
    if !errors.is_empty() {
        return Err(AppError::Invalid { fields: errors }.into());
    }
    report_proposal::Entity::insert(report_proposal::ActiveModel {
        unit_code: Set(unit.code.clone()),
        period_from: Set(period.from),
        period_to: Set(period.to),
        body: Set(body.clone()),
        author_id: Set(caller.id),
        updated_at: Set(state.now()),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            report_proposal::Column::UnitCode,
            report_proposal::Column::PeriodFrom,
            report_proposal::Column::PeriodTo,
        ])
        .update_columns([
            report_proposal::Column::Body,
            report_proposal::Column::AuthorId,
            report_proposal::Column::UpdatedAt,
        ])
        .to_owned(),
    )
    .exec_without_returning(&state.db)
    .await?;
    Ok(body)
}

/// The month before the one holding `day`.
pub fn last_month(day: NaiveDate) -> Period {
    Period::containing(PeriodKind::Month, day).previous()
}
