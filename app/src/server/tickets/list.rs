//! The queues: a requester's own requests and a unit's queue, searched,
//! narrowed and sorted, in keyset pages.
//!
//! A page's cursor names its order and the last row's key in that order:
//! `id.<id>` for the default order of one's own requests (newest filed
//! first), `<sort>.<nanoseconds>.<id>` for the sorts by due or registration
//! time (`due.1775055600000000000.42`). The time is exact to the nanosecond,
//! so the next page starts right after the last row on SQLite (timestamps
//! as text) and PostgreSQL alike; a cursor of another order is refused.
//! A cursor prefixed `before.` asks for the page that ends just before the
//! row it names: the list is read backwards from there and turned round, so
//! a page links to its previous page as cheaply as to its next.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select};
use serde::Deserialize;

use super::read::views;
use super::words::{query_words, word_pattern};
use crate::domain::{FieldError, FieldErrorCode, Status, TicketNumber};
use crate::server::auth::Caller;
use crate::server::catalogue::{open_codes, open_filter};
use crate::server::entity::{ticket, user};
use crate::server::error::{ServiceError, ServiceResult};
use crate::server::state::AppState;
use crate::wire::{AppError, TicketPage};

/// Largest page of a list.
pub const PAGE_MAX: u64 = 100;

/// Longest search query, in characters.
pub const QUERY_MAX: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Mine,
    Unit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    Open,
    /// No longer open: answered or closed.
    Closed,
    All,
    /// Exactly this status.
    Is(Status),
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

/// Who works the requests shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssigneeFilter {
    Me,
    Nobody,
    Login(String),
}

/// What the search box asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextQuery {
    /// A registration number, written the way it is stored.
    Number(String),
    /// Stems that must all start a word of the request.
    Words(Vec<String>),
}

/// An order a list can be sorted in; each pages by its own key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    Due,
    DueDesc,
    Registered,
    RegisteredDesc,
}

impl Sort {
    pub fn parse(code: &str) -> Option<Sort> {
        Some(match code {
            "due" => Sort::Due,
            "-due" => Sort::DueDesc,
            "registered" => Sort::Registered,
            "-registered" => Sort::RegisteredDesc,
            _ => return None,
        })
    }

    pub fn code(self) -> &'static str {
        match self {
            Sort::Due => "due",
            Sort::DueDesc => "-due",
            Sort::Registered => "registered",
            Sort::RegisteredDesc => "-registered",
        }
    }

    fn column(self) -> ticket::Column {
        match self {
            Sort::Due | Sort::DueDesc => ticket::Column::DueAt,
            Sort::Registered | Sort::RegisteredDesc => ticket::Column::RegisteredAt,
        }
    }

    fn descending(self) -> bool {
        matches!(self, Sort::DueDesc | Sort::RegisteredDesc)
    }

    fn key(self, row: &ticket::Model) -> DateTime<Utc> {
        match self {
            Sort::Due | Sort::DueDesc => row.due_at,
            Sort::Registered | Sort::RegisteredDesc => row.registered_at,
        }
    }
}

/// The query string of a list as sent by the API or a page: every value
/// optional text, empty meaning "not given".
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListParams {
    pub scope: Option<String>,
    pub status: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
    pub unit: Option<String>,
    pub focus: Option<String>,
    pub q: Option<String>,
    pub kind: Option<String>,
    pub assignee: Option<String>,
    pub overdue: Option<String>,
    pub due_before: Option<String>,
    pub sort: Option<String>,
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
    pub text: Option<TextQuery>,
    /// Only this request kind (code).
    pub kind: Option<String>,
    pub assignee: Option<AssigneeFilter>,
    /// Only overdue (`true`) or only not overdue (`false`) requests, overdue
    /// as the request's badge says: open past its due time, or answered late.
    pub overdue: Option<bool>,
    /// Only requests due before the start of this local day.
    pub due_before: Option<NaiveDate>,
    /// `None`: the scope's order (own requests newest filed first, the queue
    /// by due time).
    pub sort: Option<Sort>,
}

fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

impl ListQuery {
    /// Parses the query-string form; unknown values are input errors, each
    /// naming its field.
    pub fn from_params(p: &ListParams) -> Result<ListQuery, AppError> {
        let mut errors = Vec::new();
        let mut unknown =
            |field: &str| errors.push(FieldError::new(field, FieldErrorCode::UnknownOption));
        let scope = match given(&p.scope).unwrap_or("mine") {
            "mine" => Scope::Mine,
            "unit" => Scope::Unit,
            _ => {
                unknown("scope");
                Scope::Mine
            }
        };
        let status = match given(&p.status).unwrap_or("all") {
            "open" => StatusFilter::Open,
            "closed" => StatusFilter::Closed,
            "all" => StatusFilter::All,
            code => Status::parse(code)
                .map(StatusFilter::Is)
                .unwrap_or_else(|| {
                    unknown("status");
                    StatusFilter::All
                }),
        };
        let focus = given(&p.focus).and_then(|code| {
            let focus = Focus::parse(code);
            if focus.is_none() {
                unknown("focus");
            }
            focus
        });
        let assignee = given(&p.assignee).map(|a| match a {
            "me" => AssigneeFilter::Me,
            "none" => AssigneeFilter::Nobody,
            login => AssigneeFilter::Login(login.to_lowercase()),
        });
        let overdue = match given(&p.overdue) {
            None => None,
            Some("true") => Some(true),
            Some("false") => Some(false),
            Some(_) => {
                unknown("overdue");
                None
            }
        };
        let sort = given(&p.sort).and_then(|code| {
            let sort = Sort::parse(code);
            if sort.is_none() {
                unknown("sort");
            }
            sort
        });
        let limit = match given(&p.limit).map(str::parse::<u64>) {
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
        let due_before = given(&p.due_before).and_then(|d| {
            let date = NaiveDate::parse_from_str(d, "%Y-%m-%d").ok();
            if date.is_none() {
                errors.push(FieldError::new("due_before", FieldErrorCode::InvalidDate));
            }
            date
        });
        let text = match given(&p.q) {
            None => None,
            Some(q) if q.chars().count() > QUERY_MAX => {
                errors.push(FieldError::new(
                    "q",
                    FieldErrorCode::TooLong { max: QUERY_MAX },
                ));
                None
            }
            Some(q) => match TicketNumber::parse(q) {
                Some(number) => Some(TextQuery::Number(number.to_string())),
                None => Some(query_words(q))
                    .filter(|w| !w.is_empty())
                    .map(TextQuery::Words),
            },
        };
        if !errors.is_empty() {
            return Err(AppError::Invalid { fields: errors });
        }
        Ok(ListQuery {
            scope,
            status,
            limit,
            cursor: given(&p.cursor).map(str::to_string),
            unit: given(&p.unit).map(str::to_uppercase),
            focus,
            text,
            kind: given(&p.kind).map(str::to_string),
            assignee,
            overdue,
            due_before,
            sort,
        })
    }

    /// Parses the scope, status, page size and cursor alone.
    pub fn parse(
        scope: Option<&str>,
        status: Option<&str>,
        limit: Option<&str>,
        cursor: Option<String>,
    ) -> Result<ListQuery, AppError> {
        ListQuery::from_params(&ListParams {
            scope: scope.map(str::to_string),
            status: status.map(str::to_string),
            limit: limit.map(str::to_string),
            cursor,
            ..ListParams::default()
        })
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

    fn order(&self) -> Order {
        match (self.sort, self.scope) {
            (Some(sort), _) => Order::By(sort),
            (None, Scope::Mine) => Order::Filed,
            (None, Scope::Unit) => Order::By(Sort::Due),
        }
    }
}

/// The order a list is read in.
#[derive(Debug, Clone, Copy)]
enum Order {
    /// Newest filed first: by id, which grows with each filing.
    Filed,
    By(Sort),
}

impl Sort {
    /// The time and id a cursor of this sort names.
    fn parse_cursor(self, c: &str) -> ServiceResult<(DateTime<Utc>, i64)> {
        let mut parts = c.split('.');
        let (Some(code), Some(at), Some(id), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad_cursor());
        };
        let at = at
            .parse::<i128>()
            .ok()
            .and_then(from_nanos)
            .filter(|_| code == self.code())
            .ok_or_else(bad_cursor)?;
        let id: i64 = id.parse().map_err(|_| bad_cursor())?;
        Ok((at, id))
    }
}

const NANOS: i128 = 1_000_000_000;

fn nanos(at: DateTime<Utc>) -> i128 {
    i128::from(at.timestamp()) * NANOS + i128::from(at.timestamp_subsec_nanos())
}

fn from_nanos(n: i128) -> Option<DateTime<Utc>> {
    let secs = i64::try_from(n.div_euclid(NANOS)).ok()?;
    let sub = u32::try_from(n.rem_euclid(NANOS)).ok()?;
    DateTime::from_timestamp(secs, sub)
}

fn bad_cursor() -> ServiceError {
    AppError::invalid("cursor", FieldErrorCode::Pattern).into()
}

impl Order {
    /// Puts rows read in any order into this one.
    fn sort(self, rows: &mut [ticket::Model]) {
        match self {
            Order::Filed => rows.sort_by_key(|r| std::cmp::Reverse(r.id)),
            Order::By(sort) => {
                rows.sort_by_key(|r| (sort.key(r), r.id));
                if sort.descending() {
                    rows.reverse();
                }
            }
        }
    }

    fn cursor_after(self, last: &ticket::Model) -> String {
        match self {
            Order::Filed => format!("id.{}", last.id),
            Order::By(sort) => format!("{}.{}.{}", sort.code(), nanos(sort.key(last)), last.id),
        }
    }

    /// The cursor of the page that ends just before `first`.
    fn cursor_before(self, first: &ticket::Model) -> String {
        format!("{BEFORE}{}", self.cursor_after(first))
    }

    /// Orders `select` and starts it after `cursor`; a `before.` cursor
    /// reads backwards from the row it names (the caller turns the rows
    /// round with [`Order::sort`]).
    fn apply(
        self,
        select: Select<ticket::Entity>,
        cursor: Option<&str>,
    ) -> ServiceResult<Select<ticket::Entity>> {
        match cursor.and_then(|c| c.strip_prefix(BEFORE)) {
            Some(c) => self.seek(select, Some(c), true),
            None => self.seek(select, cursor, false),
        }
    }

    /// Orders `select` in this order (`backwards`: the other way round) and
    /// starts it past the row `cursor` names.
    fn seek(
        self,
        select: Select<ticket::Entity>,
        cursor: Option<&str>,
        backwards: bool,
    ) -> ServiceResult<Select<ticket::Entity>> {
        let id = ticket::Column::Id;
        match self {
            Order::Filed => {
                // Newest filed first: forwards down the ids, backwards up.
                let up = backwards;
                let select = match cursor {
                    None => select,
                    Some(c) => {
                        let key: i64 = c
                            .strip_prefix("id.")
                            .and_then(|n| n.parse().ok())
                            .ok_or_else(bad_cursor)?;
                        select.filter(if up { id.gt(key) } else { id.lt(key) })
                    }
                };
                Ok(if up {
                    select.order_by_asc(id)
                } else {
                    select.order_by_desc(id)
                })
            }
            Order::By(sort) => {
                let col = sort.column();
                let up = sort.descending() == backwards;
                let mut select = select;
                if let Some(c) = cursor {
                    let (at, key) = sort.parse_cursor(c)?;
                    // The leading bound lets the index seek to the page's
                    // start; the `OR` alone makes both databases scan to it.
                    let past = if up {
                        Condition::all().add(col.gte(at)).add(
                            Condition::any()
                                .add(col.gt(at))
                                .add(Condition::all().add(col.eq(at)).add(id.gt(key))),
                        )
                    } else {
                        Condition::all().add(col.lte(at)).add(
                            Condition::any()
                                .add(col.lt(at))
                                .add(Condition::all().add(col.eq(at)).add(id.lt(key))),
                        )
                    };
                    select = select.filter(past);
                }
                Ok(if up {
                    select.order_by_asc(col).order_by_asc(id)
                } else {
                    select.order_by_desc(col).order_by_desc(id)
                })
            }
        }
    }
}

/// The prefix of a cursor that pages backwards.
const BEFORE: &str = "before.";

/// One page of a list, in the query's order, with the cursors of the pages
/// after and before it.
pub async fn list(state: &AppState, caller: &Caller, q: ListQuery) -> ServiceResult<TicketPage> {
    let order = q.order();
    let backwards = q.cursor.as_deref().is_some_and(|c| c.starts_with(BEFORE));
    let select = page_select(state, caller, &q).await?;
    let mut rows: Vec<ticket::Model> = crate::server::packed::models(&state.db, select).await?;
    order.sort(&mut rows);
    let limit = usize::try_from(q.limit).unwrap_or(usize::MAX);
    let more = rows.len() > limit;
    let (next_cursor, prev_cursor) = if backwards {
        // Read backwards: the extra row is the first, and says that there
        // is a page before; the row the cursor named follows this page.
        if more {
            rows.drain(..rows.len() - limit);
        }
        (
            rows.last().map(|r| order.cursor_after(r)),
            rows.first()
                .filter(|_| more)
                .map(|r| order.cursor_before(r)),
        )
    } else {
        rows.truncate(limit);
        (
            rows.last().filter(|_| more).map(|r| order.cursor_after(r)),
            rows.first()
                .filter(|_| q.cursor.is_some())
                .map(|r| order.cursor_before(r)),
        )
    };
    Ok(TicketPage {
        items: views(state, caller, rows).await?,
        next_cursor,
        prev_cursor,
    })
}

/// The open request after `row` in its unit's queue (by due time), or the
/// queue's first when `row` is the last: where an executor goes on from a
/// request. `None` for a caller who does not work the unit, or an empty queue.
pub async fn next_in_queue(
    state: &AppState,
    caller: &Caller,
    row: &ticket::Model,
) -> ServiceResult<Option<crate::wire::TicketView>> {
    if !caller.roles.can_work(&row.unit_code) {
        return Ok(None);
    }
    let query = |cursor: Option<String>, limit: u64| ListQuery {
        scope: Scope::Unit,
        status: StatusFilter::Open,
        limit,
        cursor,
        unit: Some(row.unit_code.clone()),
        focus: None,
        text: None,
        kind: None,
        assignee: None,
        overdue: None,
        due_before: None,
        sort: Some(Sort::Due),
    };
    let after = Order::By(Sort::Due).cursor_after(row);
    let next = list(state, caller, query(Some(after), 1)).await?;
    if let Some(t) = next.items.into_iter().next() {
        return Ok(Some(t));
    }
    let first = list(state, caller, query(None, 2)).await?;
    Ok(first.items.into_iter().find(|t| t.id != row.id))
}

/// The most rows an exported view holds.
pub const EXPORT_MAX: usize = 10_000;

/// A list view as a file: every request it holds (at most [`EXPORT_MAX`])
/// in its order, its cursor and page size aside, worded in the caller's
/// language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// UTF-8 with BOM, `;`, a plain table (as the report files).
    Csv,
    /// A workbook with the header row frozen and times as real dates.
    Xlsx,
}

impl ExportFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Xlsx => "xlsx",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        }
    }
}

/// One exported row: the cells of the list, times in local time.
struct ExportRow {
    text: [String; 5],
    registered: chrono::NaiveDateTime,
    due: chrono::NaiveDateTime,
    rest: [String; 3],
}

const EXPORT_HEAD_RU: [&str; 10] = [
    "Номер",
    "Тема",
    "Вид обращения",
    "Подразделение",
    "Статус",
    "Зарегистрировано",
    "Срок ответа",
    "Осталось",
    "Исполнитель",
    "Заявитель",
];

const EXPORT_HEAD_EN: [&str; 10] = [
    "Number",
    "Subject",
    "Kind",
    "Unit",
    "Status",
    "Registered",
    "Due",
    "Time left",
    "Executor",
    "Requester",
];

/// The view's rows, page after page.
async fn export_rows(
    state: &AppState,
    caller: &Caller,
    params: &ListParams,
) -> ServiceResult<Vec<ExportRow>> {
    let mut params = params.clone();
    params.limit = Some(PAGE_MAX.to_string());
    params.cursor = None;
    let mut rows = Vec::new();
    loop {
        let q = ListQuery::from_params(&params)?;
        let page = list(state, caller, q).await?;
        for t in page.items {
            if rows.len() == EXPORT_MAX {
                break;
            }
            rows.push(ExportRow {
                registered: state.local(t.registered_at),
                due: state.local(t.due_at),
                rest: [
                    t.time_left
                        .map(|l| crate::i18n::time_left(l, caller.lang))
                        .unwrap_or_default(),
                    t.assignee.map(|a| a.name).unwrap_or_default(),
                    t.requester.name,
                ],
                text: [
                    t.number,
                    t.subject,
                    t.kind_title,
                    t.unit.name,
                    crate::i18n::status(t.status, caller.lang).to_string(),
                ],
            });
        }
        match page.next_cursor {
            Some(c) if rows.len() < EXPORT_MAX => params.cursor = Some(c),
            _ => break,
        }
    }
    Ok(rows)
}

/// The view as a file in `format`.
pub async fn export(
    state: &AppState,
    caller: &Caller,
    params: &ListParams,
    format: ExportFormat,
) -> ServiceResult<Vec<u8>> {
    let head = if caller.lang == crate::i18n::Lang::Ru {
        EXPORT_HEAD_RU
    } else {
        EXPORT_HEAD_EN
    };
    let rows = export_rows(state, caller, params).await?;
    match format {
        ExportFormat::Csv => export_csv(&head, &rows),
        ExportFormat::Xlsx => export_xlsx(&head, &rows, caller.lang),
    }
}

fn export_csv(head: &[&str; 10], rows: &[ExportRow]) -> ServiceResult<Vec<u8>> {
    let broken = |e: csv::Error| ServiceError::Corrupt(format!("csv: {e}"));
    let mut out = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer("\u{feff}".as_bytes().to_vec());
    out.write_record(head).map_err(broken)?;
    let time = |t: &chrono::NaiveDateTime| t.format("%d.%m.%Y %H:%M").to_string();
    for r in rows {
        let mut cells: Vec<String> = r.text.to_vec();
        cells.push(time(&r.registered));
        cells.push(time(&r.due));
        cells.extend(r.rest.iter().cloned());
        out.write_record(&cells).map_err(broken)?;
    }
    out.into_inner()
        .map_err(|e| ServiceError::Corrupt(format!("csv: {e}")))
}

fn export_xlsx(
    head: &[&str; 10],
    rows: &[ExportRow],
    lang: crate::i18n::Lang,
) -> ServiceResult<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let broken = |e: rust_xlsxwriter::XlsxError| ServiceError::Corrupt(format!("xlsx: {e}"));
    let mut book = Workbook::new();
    let bold = Format::new().set_bold().set_background_color(0xDDE7F0);
    let date = Format::new().set_num_format("dd.mm.yyyy hh:mm");
    let ws = book.add_worksheet();
    let name = if lang == crate::i18n::Lang::Ru {
        "Обращения"
    } else {
        "Requests"
    };
    ws.set_name(name).map_err(broken)?;
    const WIDTHS: [f64; 10] = [17.0, 48.0, 30.0, 30.0, 16.0, 17.0, 17.0, 22.0, 28.0, 28.0];
    for (i, (h, w)) in head.iter().zip(WIDTHS).enumerate() {
        let col = i as u16;
        ws.set_column_width(col, w).map_err(broken)?;
        ws.write_string_with_format(0, col, *h, &bold)
            .map_err(broken)?;
    }
    ws.set_freeze_panes(1, 0).map_err(broken)?;
    for (i, r) in rows.iter().enumerate() {
        let row = u32::try_from(i + 1).unwrap_or(u32::MAX);
        for (col, text) in r.text.iter().enumerate() {
            ws.write_string(row, col as u16, text).map_err(broken)?;
        }
        ws.write_datetime_with_format(row, 5, r.registered, &date)
            .map_err(broken)?;
        ws.write_datetime_with_format(row, 6, r.due, &date)
            .map_err(broken)?;
        for (j, text) in r.rest.iter().enumerate() {
            if !text.is_empty() {
                ws.write_string(row, 7 + j as u16, text).map_err(broken)?;
            }
        }
    }
    if !rows.is_empty() {
        let last = u32::try_from(rows.len()).unwrap_or(u32::MAX);
        ws.autofilter(0, 0, last, 9).map_err(broken)?;
    }
    book.save_to_buffer().map_err(broken)
}

/// The statement a page of the list runs (one row more than the page, to
/// tell whether another follows), for the database's query plan.
pub async fn page_statement(
    state: &AppState,
    caller: &Caller,
    q: &ListQuery,
) -> ServiceResult<sea_orm::Statement> {
    use sea_orm::QueryTrait;
    let select = page_select(state, caller, q).await?;
    Ok(select.build(state.db.get_database_backend()))
}

async fn page_select(
    state: &AppState,
    caller: &Caller,
    q: &ListQuery,
) -> ServiceResult<Select<ticket::Entity>> {
    let mut select = ticket::Entity::find();
    select = match q.status {
        StatusFilter::Open => select.filter(open_filter()),
        StatusFilter::Closed => select.filter(ticket::Column::Status.is_not_in(open_codes())),
        StatusFilter::All => select,
        StatusFilter::Is(status) => select.filter(ticket::Column::Status.eq(status.code())),
    };
    match q.scope {
        Scope::Mine => {
            select = select.filter(ticket::Column::RequesterId.eq(caller.id));
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
        }
    }
    select = match &q.text {
        None => select,
        Some(TextQuery::Number(number)) => select.filter(ticket::Column::Number.eq(number)),
        Some(TextQuery::Words(words)) => words.iter().fold(select, |s, w| {
            s.filter(ticket::Column::SearchText.like(word_pattern(w)))
        }),
    };
    let mut errors = Vec::new();
    if let Some(kind) = &q.kind {
        let known = state
            .reference()
            .await?
            .catalogue
            .kind_title(kind, caller.lang)
            .is_some();
        if !known {
            errors.push(FieldError::new("kind", FieldErrorCode::UnknownOption));
        }
        select = select.filter(ticket::Column::KindCode.eq(kind));
    }
    match &q.assignee {
        None => {}
        Some(AssigneeFilter::Me) => {
            select = select.filter(ticket::Column::AssigneeId.eq(caller.id))
        }
        Some(AssigneeFilter::Nobody) => {
            select = select.filter(ticket::Column::AssigneeId.is_null())
        }
        Some(AssigneeFilter::Login(login)) => {
            match user::Entity::find()
                .filter(user::Column::Login.eq(login))
                .one(&state.db)
                .await?
            {
                Some(u) => select = select.filter(ticket::Column::AssigneeId.eq(u.id)),
                None => errors.push(FieldError::new("assignee", FieldErrorCode::UnknownOption)),
            }
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid { fields: errors }.into());
    }
    if let Some(overdue) = q.overdue {
        let condition = overdue_now(state.now());
        select = select.filter(if overdue { condition } else { condition.not() });
    }
    if let Some(day) = q.due_before {
        select =
            select.filter(ticket::Column::DueAt.lt(state.from_local(day.and_time(NaiveTime::MIN))));
    }
    select = q.order().apply(select, q.cursor.as_deref())?;
    Ok(select.limit(q.limit + 1))
}

/// Overdue at `now`, as `domain::deadline::is_overdue` decides for one
/// request: answered after its due time, or unanswered, open and past it.
/// Never NULL, so its negation is exactly "not overdue".
fn overdue_now(now: DateTime<Utc>) -> Condition {
    use sea_orm::sea_query::{Expr, ExprTrait};
    Condition::any()
        .add(
            Condition::all()
                .add(ticket::Column::AnsweredAt.is_not_null())
                .add(Expr::col(ticket::Column::AnsweredAt).gt(Expr::col(ticket::Column::DueAt))),
        )
        .add(
            Condition::all()
                .add(ticket::Column::AnsweredAt.is_null())
                .add(open_filter())
                .add(ticket::Column::DueAt.lt(now)),
        )
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
    let select = select.filter(open_filter());
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_queue_names_the_open_statuses_as_its_index_does() {
        let listed: Vec<String> = migrations::OPEN_TICKETS
            .split('\'')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect();
        assert_eq!(listed, open_codes());
    }

    fn params(pairs: &[(&str, &str)]) -> ListParams {
        let mut p = ListParams::default();
        for (k, v) in pairs {
            let v = Some((*v).to_string());
            match *k {
                "scope" => p.scope = v,
                "status" => p.status = v,
                "q" => p.q = v,
                "kind" => p.kind = v,
                "assignee" => p.assignee = v,
                "overdue" => p.overdue = v,
                "due_before" => p.due_before = v,
                "sort" => p.sort = v,
                "focus" => p.focus = v,
                "limit" => p.limit = v,
                other => panic!("no parameter {other}"),
            }
        }
        p
    }

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, FieldErrorCode)> {
        match ListQuery::from_params(&params(pairs)) {
            Ok(_) => Vec::new(),
            Err(e) => e
                .fields()
                .iter()
                .map(|f| (f.field.clone(), f.code.clone()))
                .collect(),
        }
    }

    #[test]
    fn every_unknown_value_is_named_by_its_field() {
        let unknown = |f: &str| (f.to_string(), FieldErrorCode::UnknownOption);
        assert_eq!(
            fields(&[
                ("scope", "all"),
                ("status", "lost"),
                ("focus", "later"),
                ("overdue", "yes"),
                ("sort", "subject"),
                ("due_before", "2026-02-30"),
                ("limit", "0"),
            ]),
            vec![
                unknown("scope"),
                unknown("status"),
                unknown("focus"),
                unknown("overdue"),
                unknown("sort"),
                ("limit".into(), FieldErrorCode::AboveMax { max: 100.0 }),
                ("due_before".into(), FieldErrorCode::InvalidDate),
            ]
        );
        assert_eq!(
            fields(&[("q", &"а".repeat(QUERY_MAX + 1))]),
            vec![("q".into(), FieldErrorCode::TooLong { max: QUERY_MAX })]
        );
    }

    #[test]
    fn empty_values_are_not_given_and_the_search_box_tells_numbers_from_words() {
        let q = ListQuery::from_params(&params(&[
            ("scope", ""),
            ("status", ""),
            ("q", " it-2026-123 "),
            ("kind", ""),
            ("assignee", "Smirnov"),
            ("overdue", "true"),
            ("sort", "-due"),
        ]))
        .expect("valid");
        assert_eq!(q.scope, Scope::Mine);
        assert_eq!(q.status, StatusFilter::All);
        assert_eq!(q.text, Some(TextQuery::Number("IT-2026-000123".into())));
        assert_eq!(q.kind, None);
        assert_eq!(q.assignee, Some(AssigneeFilter::Login("smirnov".into())));
        assert_eq!(q.overdue, Some(true));
        assert_eq!(q.sort, Some(Sort::DueDesc));
        let q = ListQuery::from_params(&params(&[
            ("q", "Принтера не печатают"),
            ("status", "awaiting_requester"),
        ]))
        .expect("valid");
        assert_eq!(
            q.text,
            Some(TextQuery::Words(vec!["принтер".into(), "печата".into()]))
        );
        assert_eq!(q.status, StatusFilter::Is(Status::AwaitingRequester));
        let q = ListQuery::from_params(&params(&[("q", " ?! ")])).expect("valid");
        assert_eq!(q.text, None);
    }

    #[test]
    fn cursor_times_keep_every_nanosecond() {
        for at in [
            "2026-03-02T06:00:00Z",
            "2026-03-02T06:00:00.000000001Z",
            "2026-03-02T06:00:00.123456789Z",
            "1969-12-31T23:59:59.5Z",
        ] {
            let t = DateTime::parse_from_rfc3339(at)
                .expect("time")
                .with_timezone(&Utc);
            assert_eq!(from_nanos(nanos(t)), Some(t), "{at}");
        }
    }
}
