//! The workload's numbers, summed by the database.
//!
//! Each indicator is a handful of `GROUP BY` queries over one index range
//! (registered, answered, due or taken in a window), so the cost follows the
//! number of groups, not of requests: a unit's month at a million requests
//! is read as a few hundred grouped rows. The groups feed the same
//! [`Tally`], [`LoadTally`] and [`WeekTally`] that count single requests in
//! the domain's tests, so both ways share one set of definitions, and the
//! report tests compare the two on the same data.

use sea_orm::sea_query::{Alias, CaseStatement, Expr, ExprTrait, Func};
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};

use super::super::entity::ticket::{self, Column};
use super::super::error::ServiceResult;
use super::super::state::AppState;
use super::{period_window, window, workers};
use crate::domain::report::{
    AnsweredGroup, DueBucket, ExecutorLoad, Indicators, LoadTally, Moment, NowCounts, OpenGroup,
    Period, PeriodKind, RegisteredGroup, Tally, WeekPoint, WeekTally, Window,
};
use crate::domain::{Outcome, RequestForm};
use crate::server::catalogue::open_filter;

/// The numbers of a period for a unit's workload and its report file.
pub struct Numbers {
    pub current: Indicators,
    pub previous: Indicators,
    pub executors: Vec<ExecutorLoad>,
    /// The unit's open requests counted now.
    pub now: NowCounts,
}

/// Indicators of the period and the one before it, each executor's load and
/// the unit's open requests.
pub async fn numbers(state: &AppState, unit: &str, period: &Period) -> ServiceResult<Numbers> {
    let db = &state.db;
    let current = period_window(state, period);
    let mut loads = LoadTally::new(current, state.now());
    let moment = moment(state);
    // Independent reads, run side by side on the pool's connections.
    let (this, before, taken, open, staff) = tokio::try_join!(
        indicators(db, unit, current, Some(&mut loads)),
        indicators(db, unit, period_window(state, &period.previous()), None),
        taken(db, unit, current),
        open_groups(db, unit, moment),
        workers(db, unit),
    )?;
    for (id, count) in taken {
        loads.add_taken(id, count);
    }
    let mut now = NowCounts::default();
    for (assignee, group) in open {
        now.add(group);
        if let Some(id) = assignee {
            loads.add_open_group(id, group);
        }
    }
    let former: Vec<i64> = loads
        .ids()
        .filter(|id| !staff.iter().any(|s| s.id == *id))
        .collect();
    let former = super::people(db, former).await?;
    Ok(Numbers {
        current: this,
        previous: before,
        executors: loads.finish(&staff, &former),
        now,
    })
}

/// Now, the end of today and the end of this week, in the body's time.
pub fn moment(state: &AppState) -> Moment {
    let today = state.local(state.now()).date();
    let week_end = Period::containing(PeriodKind::Week, today).to;
    Moment {
        now: state.now(),
        end_of_today: window(state, today, today).end,
        end_of_week: window(state, today, week_end).end,
    }
}

/// The open requests of `units` counted for the queue's views, as `me` sees
/// them: one grouped query per unit on the open queue's partial index.
pub async fn queue_counts(
    state: &AppState,
    me: i64,
    units: &[String],
) -> ServiceResult<crate::wire::QueueCounts> {
    let moment = moment(state);
    let mut c = crate::wire::QueueCounts::default();
    for unit in units {
        for (assignee, g) in open_groups(&state.db, unit, moment).await? {
            c.open += g.count;
            match assignee {
                Some(id) if id == me => c.mine += g.count,
                None => c.unassigned += g.count,
                Some(_) => {}
            }
            match g.bucket {
                DueBucket::Overdue => c.overdue += g.count,
                DueBucket::Today | DueBucket::ThisWeek => c.due_week += g.count,
                DueBucket::Later => {}
            }
        }
    }
    Ok(c)
}

/// The unit's open requests counted by the database (on the open queue's
/// partial index) by executor, due bucket, extension and transfer: a few
/// rows however many requests are open.
async fn open_groups(
    db: &DatabaseConnection,
    unit: &str,
    m: Moment,
) -> ServiceResult<Vec<(Option<i64>, OpenGroup)>> {
    let bucket = CaseStatement::new()
        .case(Expr::col(Column::DueAt).lt(m.now), Expr::val(0i64))
        .case(Expr::col(Column::DueAt).lt(m.end_of_today), Expr::val(1i64))
        .case(Expr::col(Column::DueAt).lt(m.end_of_week), Expr::val(2i64))
        .finally(Expr::val(3i64));
    let flag = |c: Condition| bigint(Expr::case(c, 1).finally(0));
    let rows: Vec<(Option<i64>, i64, i64, i64, i64)> = of_unit(unit)
        .filter(open_filter())
        .column(Column::AssigneeId)
        .expr_as(bigint(bucket), "bucket")
        .expr_as(flag(Column::ExtensionDays.is_not_null().into()), "extended")
        .expr_as(flag(Column::TransferCount.gt(0).into()), "transferred")
        .expr_as(count(), "n")
        .group_by(Expr::cust("1"))
        .group_by(Expr::cust("2"))
        .group_by(Expr::cust("3"))
        .group_by(Expr::cust("4"))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(assignee, bucket, extended, transferred, n)| {
            let bucket = usize::try_from(bucket)
                .ok()
                .and_then(|i| DueBucket::ALL.get(i).copied())
                .unwrap_or(DueBucket::Later);
            let group = OpenGroup {
                bucket,
                extended: extended != 0,
                transferred: transferred != 0,
                count: number(n),
            };
            (assignee, group)
        })
        .collect())
}

/// The weekly series of the charts.
pub async fn weeks(
    db: &DatabaseConnection,
    unit: &str,
    mut tally: WeekTally,
) -> ServiceResult<Vec<WeekPoint>> {
    let Some(span) = tally.span() else {
        return Ok(tally.finish());
    };
    let ends = tally.ends();
    let registered = of_unit(unit)
        .filter(within(Column::RegisteredAt, span))
        .expr_as(week_of(Column::RegisteredAt, &ends), "week")
        .column(Column::KindCode)
        .expr_as(count(), "n")
        .group_by(Expr::cust("1"))
        .group_by(Expr::cust("2"))
        .into_tuple::<(i64, String, i64)>()
        .all(db);
    let on_time = of_unit(unit)
        .filter(within(Column::AnsweredAt, span))
        .filter(on_time())
        .expr_as(week_of(Column::AnsweredAt, &ends), "week")
        .expr_as(count(), "n")
        .group_by(Expr::cust("1"))
        .into_tuple::<(i64, i64)>()
        .all(db);
    let overdue = of_unit(unit)
        .filter(within(Column::DueAt, span))
        .filter(not_by_due())
        .expr_as(week_of(Column::DueAt, &ends), "week")
        .expr_as(count(), "n")
        .group_by(Expr::cust("1"))
        .into_tuple::<(i64, i64)>()
        .all(db);
    let (registered, on_time, overdue) = tokio::try_join!(registered, on_time, overdue)?;
    for (week, kind, n) in registered {
        tally.add_registered(index(week), &kind, number(n));
    }
    for (week, n) in on_time {
        tally.add_on_time(index(week), number(n));
    }
    for (week, n) in overdue {
        tally.add_overdue(index(week), number(n));
    }
    Ok(tally.finish())
}

/// The indicators of one window; with `loads`, each executor's answers and
/// late requests are added to it too.
async fn indicators(
    db: &DatabaseConnection,
    unit: &str,
    w: Window,
    mut loads: Option<&mut LoadTally>,
) -> ServiceResult<Indicators> {
    let mut tally = Tally::new(w);
    let (registered, answered, overdue, ratings) = tokio::try_join!(
        registered(db, unit, w),
        answered(db, unit, w),
        overdue(db, unit, w),
        ratings(db, unit, w)
    )?;
    for g in registered {
        tally.add_registered(&g);
    }
    for (assignee, form, g) in answered {
        tally.add_answered(&g);
        if let (Some(loads), Some(id)) = (loads.as_deref_mut(), assignee) {
            loads.add_answered(id, form, &g);
        }
    }
    for (assignee, n) in overdue {
        tally.add_overdue(number(n));
        if let (Some(loads), Some(id)) = (loads.as_deref_mut(), assignee) {
            loads.add_overdue(id, number(n));
        }
    }
    let mut ind = tally.finish();
    ind.add_ratings(ratings.0, ratings.1);
    Ok(ind)
}

/// The ratings given in the window to the unit's answers: how many and their sum.
async fn ratings(db: &DatabaseConnection, unit: &str, w: Window) -> ServiceResult<(u64, u64)> {
    use super::super::entity::ticket_rating::{Column as R, Entity};
    let row: Option<(i64, i64)> = Entity::find()
        .select_only()
        .filter(R::UnitCode.eq(unit))
        .filter(R::CreatedAt.gte(w.start))
        .filter(R::CreatedAt.lt(w.end))
        .expr_as(count(), "n")
        .expr_as(bigint(Expr::cust("COALESCE(SUM(score), 0)")), "total")
        .into_tuple()
        .one(db)
        .await?;
    let (n, total) = row.unwrap_or_default();
    Ok((number(n), number(total)))
}

/// Requests overdue in the window ([`Facts::overdue_in`]), by executor.
///
/// [`Facts::overdue_in`]: crate::domain::report::Facts::overdue_in
async fn overdue(
    db: &DatabaseConnection,
    unit: &str,
    w: Window,
) -> ServiceResult<Vec<(Option<i64>, i64)>> {
    Ok(of_unit(unit)
        .filter(within(Column::DueAt, w))
        .filter(not_by_due())
        .column(Column::AssigneeId)
        .expr_as(count(), "n")
        .group_by(Column::AssigneeId)
        .into_tuple()
        .all(db)
        .await?)
}

/// Requests registered in the window, by kind, channel and status.
async fn registered(
    db: &DatabaseConnection,
    unit: &str,
    w: Window,
) -> ServiceResult<Vec<RegisteredGroup>> {
    let transfers = Expr::case(
        Column::TransferCount.gt(0),
        Expr::col(Column::TransferCount),
    )
    .finally(0);
    let rows: Vec<(String, String, String, i64, i64, i64, i64)> = of_unit(unit)
        .filter(within(Column::RegisteredAt, w))
        .column(Column::KindCode)
        .column(Column::Channel)
        .column(Column::Status)
        .expr_as(count(), "n")
        .expr_as(bigint(Func::sum(transfers)), "transfers")
        .expr_as(
            count_if(Column::ExtensionDays.is_not_null().into()),
            "extended",
        )
        .expr_as(count_if(Column::TransferCount.gt(0).into()), "transferred")
        .group_by(Column::KindCode)
        .group_by(Column::Channel)
        .group_by(Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(kind_code, channel, status, n, transfers, extended, transferred)| RegisteredGroup {
                kind_code,
                channel,
                status,
                count: number(n),
                transfers: number(transfers),
                extended: number(extended),
                transferred: number(transferred),
            },
        )
        .collect())
}

/// Requests answered in the window, by outcome, executor and form.
async fn answered(
    db: &DatabaseConnection,
    unit: &str,
    w: Window,
) -> ServiceResult<Vec<(Option<i64>, RequestForm, AnsweredGroup)>> {
    let first_contact = Condition::all()
        .add(Column::Outcome.eq(Outcome::Solved.code()))
        .add(Column::TransferCount.eq(0))
        .add(Column::Questions.eq(0));
    type Answered = (Option<String>, Option<i64>, String, i64, i64, i64, i64, i64);
    let rows: Vec<Answered> = of_unit(unit)
        .filter(within(Column::AnsweredAt, w))
        .column(Column::Outcome)
        .column(Column::AssigneeId)
        .column(Column::Form)
        .expr_as(count(), "n")
        .expr_as(count_if(on_time()), "on_time")
        .expr_as(handling_seconds(), "handling")
        .expr_as(
            Expr::cust("CAST(COUNT(\"handling_work_seconds\") AS BIGINT)"),
            "handled",
        )
        .expr_as(count_if(first_contact), "first_contact")
        .group_by(Column::Outcome)
        .group_by(Column::AssigneeId)
        .group_by(Column::Form)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(outcome, assignee, form, n, on_time, handling, handled, first)| {
                let form = RequestForm::parse(&form).unwrap_or(RequestForm::Written);
                let group = AnsweredGroup {
                    outcome,
                    count: number(n),
                    on_time: number(on_time),
                    handling_seconds: handling,
                    handled: number(handled),
                    first_contact: number(first),
                };
                (assignee, form, group)
            },
        )
        .collect())
}

/// Requests each executor took into work in the window.
async fn taken(db: &DatabaseConnection, unit: &str, w: Window) -> ServiceResult<Vec<(i64, u64)>> {
    let rows: Vec<(i64, i64)> = of_unit(unit)
        .filter(within(Column::TakenAt, w))
        .filter(Column::AssigneeId.is_not_null())
        .column(Column::AssigneeId)
        .expr_as(count(), "n")
        .group_by(Column::AssigneeId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|(id, n)| (id, number(n))).collect())
}

fn of_unit(unit: &str) -> sea_orm::Select<ticket::Entity> {
    ticket::Entity::find()
        .select_only()
        .filter(Column::UnitCode.eq(unit))
}

fn within(col: Column, w: Window) -> Condition {
    Condition::all().add(col.gte(w.start)).add(col.lt(w.end))
}

/// Integer sums come back as BIGINT on both databases (PostgreSQL sums
/// BIGINT into NUMERIC otherwise).
fn bigint(e: impl Into<Expr>) -> Expr {
    Func::cast_as(e.into(), Alias::new("BIGINT")).into()
}

fn count() -> Expr {
    bigint(Expr::cust("COUNT(*)"))
}

fn count_if(c: Condition) -> Expr {
    bigint(Func::sum(Expr::case(c, 1).finally(0)))
}

fn on_time() -> Condition {
    Condition::all().add(Expr::col(Column::AnsweredAt).lte(Expr::col(Column::DueAt)))
}

/// Not answered by the due time: answered after it, or not yet.
fn not_by_due() -> Condition {
    Condition::any()
        .add(Column::AnsweredAt.is_null())
        .add(Expr::col(Column::AnsweredAt).gt(Expr::col(Column::DueAt)))
}

/// Working seconds from registration to answer, summed (kept at each
/// answer), as `Facts` reckons them.
fn handling_seconds() -> Expr {
    Expr::cust("CAST(COALESCE(SUM(\"handling_work_seconds\"), 0) AS BIGINT)")
}

/// The index of the week whose end comes first after the moment; the number
/// of weeks for a moment past them all or none.
fn week_of(col: Column, ends: &[chrono::DateTime<chrono::Utc>]) -> Expr {
    let case = ends
        .iter()
        .enumerate()
        .fold(CaseStatement::new(), |case, (i, end)| {
            case.case(Expr::col(col).lt(*end), Expr::val(i as i64))
        });
    bigint(case.finally(Expr::val(ends.len() as i64)))
}

fn number(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn index(week: i64) -> usize {
    usize::try_from(week).unwrap_or(usize::MAX)
}
