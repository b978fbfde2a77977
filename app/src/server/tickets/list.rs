//! The queues: a requester's own requests and a unit's queue, in keyset pages.

use chrono::DateTime;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::read::views;
use crate::domain::{FieldError, FieldErrorCode};
use crate::server::auth::Caller;
use crate::server::catalogue::open_codes;
use crate::server::entity::ticket;
use crate::server::error::{ServiceError, ServiceResult};
use crate::server::state::AppState;
use crate::wire::{AppError, TicketPage};

/// Largest page of a list.
pub const PAGE_MAX: u64 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Mine,
    Unit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    Open,
    Closed,
    All,
}

/// A narrower view of the unit queue, as the workload page links to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Open,
    DueToday,
    DueWeek,
    Overdue,
    Extended,
    Transferred,
}

impl Focus {
    pub fn parse(code: &str) -> Option<Focus> {
        Some(match code {
            "open" => Focus::Open,
            "due_today" => Focus::DueToday,
            "due_week" => Focus::DueWeek,
            "overdue" => Focus::Overdue,
            "extended" => Focus::Extended,
            "transferred" => Focus::Transferred,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone)]
pub struct ListQuery {
    pub scope: Scope,
    pub status: StatusFilter,
    pub limit: u64,
    pub cursor: Option<String>,
    /// Only this unit (of those the caller works).
    pub unit: Option<String>,
    pub focus: Option<Focus>,
}

impl ListQuery {
    /// Parses the query-string form; unknown values are input errors.
    pub fn parse(
        scope: Option<&str>,
        status: Option<&str>,
        limit: Option<&str>,
        cursor: Option<String>,
    ) -> Result<ListQuery, AppError> {
        let mut errors = Vec::new();
        let scope = match scope.unwrap_or("mine") {
            "mine" => Scope::Mine,
            "unit" => Scope::Unit,
            _ => {
                errors.push(FieldError::new("scope", FieldErrorCode::UnknownOption));
                Scope::Mine
            }
        };
        let status = match status.unwrap_or("all") {
            "open" => StatusFilter::Open,
            "closed" => StatusFilter::Closed,
            "all" => StatusFilter::All,
            _ => {
                errors.push(FieldError::new("status", FieldErrorCode::UnknownOption));
                StatusFilter::All
            }
        };
        let limit = match limit.map(str::parse::<u64>) {
            None => 20,
            Some(Ok(n)) if (1..=PAGE_MAX).contains(&n) => n,
            Some(_) => {
                errors.push(FieldError::new(
                    "limit",
                    FieldErrorCode::AboveMax {
                        max: PAGE_MAX as f64,
                    },
                ));
                20
            }
        };
        if errors.is_empty() {
            Ok(ListQuery {
                scope,
                status,
                limit,
                cursor,
                unit: None,
                focus: None,
            })
        } else {
            Err(AppError::Invalid { fields: errors })
        }
    }

    /// Narrows a unit queue to one unit and a focus (`due_today`, `due_week`,
    /// `overdue`, `extended`, `transferred`); empty values leave it as it is.
    pub fn narrowed(mut self, unit: Option<&str>, focus: Option<&str>) -> Result<Self, AppError> {
        self.unit = unit
            .map(|u| u.trim().to_uppercase())
            .filter(|u| !u.is_empty());
        self.focus = match focus.map(str::trim).filter(|f| !f.is_empty()) {
            None => None,
            Some(code) => Some(
                Focus::parse(code)
                    .ok_or_else(|| AppError::invalid("focus", FieldErrorCode::UnknownOption))?,
            ),
        };
        Ok(self)
    }
}

fn bad_cursor() -> ServiceError {
    AppError::invalid("cursor", FieldErrorCode::Pattern).into()
}

/// Keyset pages: "mine" newest first by id; "unit" by due time then id.
pub async fn list(state: &AppState, caller: &Caller, q: ListQuery) -> ServiceResult<TicketPage> {
    let mut select = ticket::Entity::find();
    select = match q.status {
        StatusFilter::Open => select.filter(ticket::Column::Status.is_in(open_codes())),
        StatusFilter::Closed => select.filter(ticket::Column::Status.is_not_in(open_codes())),
        StatusFilter::All => select,
    };
    match q.scope {
        Scope::Mine => {
            select = select.filter(ticket::Column::RequesterId.eq(caller.id));
            if let Some(c) = &q.cursor {
                let id: i64 = c.parse().map_err(|_| bad_cursor())?;
                select = select.filter(ticket::Column::Id.lt(id));
            }
            select = select.order_by_desc(ticket::Column::Id);
        }
        Scope::Unit => {
            if !caller.roles.is_admin() {
                let units = caller.roles.staff_units();
                if units.is_empty() {
                    return Err(AppError::Forbidden.into());
                }
                select = select.filter(ticket::Column::UnitCode.is_in(units));
            }
            if let Some(unit) = &q.unit {
                select = select.filter(ticket::Column::UnitCode.eq(unit));
            }
            if let Some(focus) = q.focus {
                select = focused(state, select, focus);
            }
            if let Some(c) = &q.cursor {
                let (due, id) = c.split_once('_').ok_or_else(bad_cursor)?;
                let due = DateTime::from_timestamp_millis(due.parse().map_err(|_| bad_cursor())?)
                    .ok_or_else(bad_cursor)?;
                let id: i64 = id.parse().map_err(|_| bad_cursor())?;
                select = select.filter(
                    Condition::any().add(ticket::Column::DueAt.gt(due)).add(
                        Condition::all()
                            .add(ticket::Column::DueAt.eq(due))
                            .add(ticket::Column::Id.gt(id)),
                    ),
                );
            }
            select = select
                .order_by_asc(ticket::Column::DueAt)
                .order_by_asc(ticket::Column::Id);
        }
    }
    let mut rows = select.limit(q.limit + 1).all(&state.db).await?;
    let more = rows.len() as u64 > q.limit;
    rows.truncate(usize::try_from(q.limit).unwrap_or(usize::MAX));
    let next_cursor = match (more, rows.last()) {
        (true, Some(last)) => Some(match q.scope {
            Scope::Mine => last.id.to_string(),
            Scope::Unit => format!("{}_{}", last.due_at.timestamp_millis(), last.id),
        }),
        _ => None,
    };
    Ok(TicketPage {
        items: views(state, rows, caller.lang).await?,
        next_cursor,
    })
}

/// The open requests a focus picks, by the body's local day and week.
fn focused(
    state: &AppState,
    select: sea_orm::Select<ticket::Entity>,
    focus: Focus,
) -> sea_orm::Select<ticket::Entity> {
    use crate::domain::report::{Period, PeriodKind};
    let now = state.now();
    let today = state.local(now).date();
    let end_of = |day: chrono::NaiveDate| {
        state.from_local((day + chrono::Duration::days(1)).and_time(chrono::NaiveTime::MIN))
    };
    let select = select.filter(ticket::Column::Status.is_in(open_codes()));
    match focus {
        Focus::Open => select,
        Focus::DueToday => select
            .filter(ticket::Column::DueAt.gte(now))
            .filter(ticket::Column::DueAt.lt(end_of(today))),
        Focus::DueWeek => select.filter(ticket::Column::DueAt.gte(now)).filter(
            ticket::Column::DueAt.lt(end_of(Period::containing(PeriodKind::Week, today).to)),
        ),
        Focus::Overdue => select.filter(ticket::Column::DueAt.lt(now)),
        Focus::Extended => select.filter(ticket::Column::ExtensionDays.is_not_null()),
        Focus::Transferred => select.filter(ticket::Column::TransferCount.gt(0)),
    }
}
