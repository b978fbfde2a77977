//! The working calendar in the database: loading it for the deadline rules,
//! the administrator's month view, single-day edits and year imports.

use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};

use super::auth::Caller;
use super::entity::{calendar_day, calendar_year};
use super::error::{ServiceError, ServiceResult};
use super::state::AppState;
use crate::domain::calendar::{
    CalendarFile, DayEntry, DayKind, WorkCalendar, YearEntries, parse_xmlcalendar,
};
use crate::domain::deadline::{self, Deadline};
use crate::domain::{FieldErrorCode, RequestForm};
use crate::wire::{AppError, DayView};

/// The whole calendar (a few dozen rows a year).
/// Read from this node's copy, which follows every change (`reference`).
pub async fn load(state: &AppState) -> ServiceResult<Arc<WorkCalendar>> {
    Ok(state.reference().await?.calendar)
}

/// The whole calendar as the database holds it now.
pub async fn load_from<C: sea_orm::ConnectionTrait>(db: &C) -> ServiceResult<WorkCalendar> {
    let years = calendar_year::Entity::find().all(db).await?;
    let days = calendar_day::Entity::find().all(db).await?;
    let entries = days
        .into_iter()
        .map(|d| {
            let date = NaiveDate::parse_from_str(&d.day, "%Y-%m-%d")
                .map_err(|_| ServiceError::Corrupt(format!("calendar day {}", d.day)))?;
            let kind = DayKind::parse(&d.kind)
                .ok_or_else(|| ServiceError::Corrupt(format!("calendar kind {}", d.kind)))?;
            Ok(DayEntry {
                date,
                kind,
                name: d.name,
            })
        })
        .collect::<ServiceResult<Vec<_>>>()?;
    Ok(WorkCalendar::new(
        years.into_iter().map(|y| y.year),
        entries,
    ))
}

/// The deadline of a request of `form` registered at local time `registered`.
pub fn deadline_for(
    state: &AppState,
    cal: &WorkCalendar,
    form: RequestForm,
    registered: chrono::NaiveDateTime,
    extension_days: Option<u32>,
) -> Result<Deadline, AppError> {
    Ok(match form {
        RequestForm::Oral => deadline::oral(cal, &state.hours, registered)?,
        RequestForm::Written => {
            deadline::written(cal, &state.hours, registered.date(), extension_days)?
        }
    })
}

/// The date by which a request registered at `registered_at` must be
/// forwarded if it is out of the unit's competence.
pub fn forward_deadline(
    state: &AppState,
    cal: &WorkCalendar,
    registered_at: chrono::DateTime<chrono::Utc>,
) -> Result<(NaiveDate, deadline::Explanation), AppError> {
    let d = deadline::forward(cal, &state.hours, state.local(registered_at).date())?;
    Ok((d.due_on, d.explanation))
}

/// Until when an answer given at `answered_at` may be reopened.
pub fn reopen_until(
    state: &AppState,
    cal: &WorkCalendar,
    answered_at: chrono::DateTime<chrono::Utc>,
) -> Result<chrono::DateTime<chrono::Utc>, AppError> {
    let local = deadline::reopen_until(
        cal,
        &state.hours,
        state.local(answered_at).date(),
        crate::domain::lifecycle::REOPEN_WORKING_DAYS,
    )?;
    Ok(state.from_local(local))
}

/// The days of a month, or an error if the year is not loaded.
pub async fn month(state: &AppState, year: i32, month: u32) -> ServiceResult<Vec<DayView>> {
    let cal = load(state).await?;
    let first = NaiveDate::from_ymd_opt(year, month, 1)
        .ok_or(AppError::invalid("month", FieldErrorCode::InvalidDate))?;
    let mut out = Vec::new();
    let mut day = first;
    while day.month() == month {
        let entry = cal.entry(day).map_err(AppError::from)?;
        out.push(DayView {
            date: day,
            working: cal.is_working(day).map_err(AppError::from)?,
            shortened: cal.is_shortened(day).map_err(AppError::from)?,
            kind: entry.map(|e| e.kind),
            name: entry.and_then(|e| e.name.clone()),
        });
        day = day
            .succ_opt()
            .ok_or(AppError::invalid("month", FieldErrorCode::InvalidDate))?;
    }
    Ok(out)
}

fn require_admin(caller: &Caller) -> ServiceResult<()> {
    if caller.roles.is_admin() {
        Ok(())
    } else {
        Err(AppError::Forbidden.into())
    }
}

/// Sets (or with `kind: None` clears) the entry of one day of a loaded year.
pub async fn set_day(
    state: &AppState,
    caller: &Caller,
    date: NaiveDate,
    kind: Option<DayKind>,
    name: Option<String>,
) -> ServiceResult<()> {
    require_admin(caller)?;
    if calendar_year::Entity::find_by_id(date.year())
        .one(&state.db)
        .await?
        .is_none()
    {
        return Err(AppError::CalendarMissing {
            date: date.to_string(),
        }
        .into());
    }
    let key = date.format("%Y-%m-%d").to_string();
    let name = name
        .map(|n| n.trim().chars().take(200).collect::<String>())
        .filter(|n| !n.is_empty());
    match kind {
        None => {
            calendar_day::Entity::delete_by_id(key)
                .exec(&state.db)
                .await?;
        }
        Some(kind) => {
            calendar_day::Entity::insert(calendar_day::ActiveModel {
                day: Set(key),
                kind: Set(kind.code().into()),
                name: Set(name),
            })
            .on_conflict(
                OnConflict::column(calendar_day::Column::Day)
                    .update_columns([calendar_day::Column::Kind, calendar_day::Column::Name])
                    .to_owned(),
            )
            .exec_without_returning(&state.db)
            .await?;
        }
    }
    tracing::info!(admin = %caller.login, %date, kind = ?kind, "calendar day changed");
    Ok(())
}

/// Reads an uploaded calendar: our JSON format or xmlcalendar XML.
pub fn parse_import(text: &str) -> Result<Vec<YearEntries>, AppError> {
    let bad = || AppError::invalid("file", FieldErrorCode::Pattern);
    let at_line = |line: usize| AppError::invalid("file", FieldErrorCode::FileLine { line });
    let text = text.trim_start_matches('\u{feff}');
    let trimmed = text.trim_start();
    // Lines are counted in the file as sent, blank lines before it included.
    let skipped = text[..text.len() - trimmed.len()].matches('\n').count();
    let years = if trimmed.starts_with('<') {
        vec![parse_xmlcalendar(trimmed).map_err(|e| at_line(e.line + skipped))?]
    } else {
        let file: CalendarFile =
            serde_json::from_str(trimmed).map_err(|e| at_line(e.line() + skipped))?;
        file.years
    };
    if years.is_empty()
        || years
            .iter()
            .any(|y| y.days.iter().any(|d| d.date.year() != y.year))
    {
        return Err(bad());
    }
    // A date (or a year) given twice is a mistake in the file, named as such.
    let mut seen = std::collections::HashSet::new();
    for y in &years {
        if !seen.insert(y.year.to_string()) {
            return Err(AppError::invalid(
                "file",
                FieldErrorCode::Duplicate {
                    value: y.year.to_string(),
                },
            ));
        }
        for d in &y.days {
            let date = d.date.format("%d.%m.%Y").to_string();
            if !seen.insert(date.clone()) {
                return Err(AppError::invalid(
                    "file",
                    FieldErrorCode::Duplicate { value: date },
                ));
            }
        }
    }
    Ok(years)
}

/// Replaces whole years with the imported ones, in one transaction.
pub async fn import(state: &AppState, caller: &Caller, text: &str) -> ServiceResult<Vec<i32>> {
    require_admin(caller)?;
    let years = parse_import(text)?;
    let txn = state.db.begin().await?;
    for year in &years {
        let prefix = format!("{:04}-", year.year);
        calendar_day::Entity::delete_many()
            .filter(calendar_day::Column::Day.starts_with(&prefix))
            .exec(&txn)
            .await?;
        calendar_year::Entity::insert(calendar_year::ActiveModel {
            year: Set(year.year),
        })
        .on_conflict(
            OnConflict::column(calendar_year::Column::Year)
                .do_nothing()
                .to_owned(),
        )
        .try_insert()
        .exec_without_returning(&txn)
        .await?;
        for day in &year.days {
            calendar_day::ActiveModel {
                day: Set(day.date.format("%Y-%m-%d").to_string()),
                kind: Set(day.kind.code().into()),
                name: Set(day.name.clone()),
            }
            .insert(&txn)
            .await?;
        }
    }
    txn.commit().await?;
    let loaded: Vec<i32> = years.iter().map(|y| y.year).collect();
    tracing::info!(admin = %caller.login, years = ?loaded, "calendar imported");
    Ok(loaded)
}

/// Loaded years, for the administrator's page.
pub async fn years(state: &AppState) -> ServiceResult<Vec<i32>> {
    Ok(calendar_year::Entity::find()
        .order_by_asc(calendar_year::Column::Year)
        .all(&state.db)
        .await?
        .into_iter()
        .map(|y| y.year)
        .collect())
}

/// A deadline computed for the API's calculator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeadlineAnswer {
    pub due_on: NaiveDate,
    pub due_at: chrono::DateTime<chrono::Utc>,
    pub explanation: String,
}

/// `kind` is `written`, `oral` or `forward`; an oral request counts as
/// registered at the start of the working day unless `time` (HH:MM) says otherwise.
pub async fn calculate(
    state: &AppState,
    lang: crate::i18n::Lang,
    registered_on: Option<&str>,
    kind: Option<&str>,
    extension_days: Option<&str>,
    time: Option<&str>,
) -> ServiceResult<DeadlineAnswer> {
    let mut errors = Vec::new();
    let date = match registered_on.map(str::trim) {
        None | Some("") => {
            errors.push(crate::domain::FieldError::new(
                "registered_on",
                FieldErrorCode::Required,
            ));
            None
        }
        Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .or_else(|| {
                errors.push(crate::domain::FieldError::new(
                    "registered_on",
                    FieldErrorCode::InvalidDate,
                ));
                None
            }),
    };
    let kind = match kind.unwrap_or("written") {
        k @ ("written" | "oral" | "forward") => Some(k),
        _ => {
            errors.push(crate::domain::FieldError::new(
                "kind",
                FieldErrorCode::UnknownOption,
            ));
            None
        }
    };
    let extension = match extension_days.map(str::trim).filter(|e| !e.is_empty()) {
        None => None,
        Some(text) => match text.parse::<i64>().ok().and_then(deadline::extension_days) {
            Some(d) if kind == Some("written") => Some(d),
            Some(_) => {
                errors.push(crate::domain::FieldError::new(
                    "extension_days",
                    FieldErrorCode::NotAllowed,
                ));
                None
            }
            None => {
                errors.push(crate::domain::FieldError::new(
                    "extension_days",
                    FieldErrorCode::AboveMax {
                        max: f64::from(deadline::EXTENSION_MAX_DAYS),
                    },
                ));
                None
            }
        },
    };
    let at = match time.map(str::trim).filter(|t| !t.is_empty()) {
        None => state.hours.start,
        Some(t) => chrono::NaiveTime::parse_from_str(t, "%H:%M").unwrap_or_else(|_| {
            errors.push(crate::domain::FieldError::new(
                "time",
                FieldErrorCode::Pattern,
            ));
            state.hours.start
        }),
    };
    let (Some(date), Some(kind), true) = (date, kind, errors.is_empty()) else {
        return Err(AppError::Invalid { fields: errors }.into());
    };
    let cal = load(state).await?;
    let d = match kind {
        "oral" => deadline::oral(&cal, &state.hours, date.and_time(at)),
        "forward" => deadline::forward(&cal, &state.hours, date),
        _ => deadline::written(&cal, &state.hours, date, extension),
    }
    .map_err(AppError::from)?;
    Ok(DeadlineAnswer {
        due_on: d.due_on,
        due_at: state.from_local(d.due_at),
        explanation: crate::i18n::explain(&d.explanation, lang),
    })
}
