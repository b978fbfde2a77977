//! The end-of-period report as a file: (1) the list of tasks, (2) the
//! analysis, (3) the head's proposals — as XLSX (rust_xlsxwriter in
//! constant-memory mode), PDF (krilla, A4 landscape, DejaVu Sans Condensed
//! embedded) or CSV (UTF-8 with BOM, `;`).
//!
//! Requests are read page by page and each line goes straight to the file;
//! what is kept in memory is the tallies and the list of late requests.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::Path;

use chrono::NaiveDateTime;

use super::{Pager, Row, period_window, sums};
use crate::domain::report::{ExecutorLoad, Indicators, Period};
use crate::domain::{Outcome, Status};
use crate::i18n::{self, Lang};
use crate::server::entity::unit;
use crate::server::error::{ServiceError, ServiceResult};
use crate::server::state::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Pdf,
    Csv,
}

impl Format {
    pub fn parse(code: &str) -> Option<Format> {
        match code.trim() {
            "xlsx" => Some(Format::Xlsx),
            "pdf" => Some(Format::Pdf),
            "csv" => Some(Format::Csv),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::Pdf => "pdf",
            Format::Csv => "csv",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Pdf => "application/pdf",
            Format::Csv => "text/csv; charset=utf-8",
        }
    }
}

/// The file name a report is downloaded as.
pub fn file_name(unit: &str, period: &Period, format: Format) -> String {
    format!(
        "otchet-{}-{}-{}.{}",
        unit.to_lowercase(),
        period.from,
        period.to,
        format.code()
    )
}

/// One cell of a report table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Count(i64),
    /// A share 0..1 (shown as a percentage), or a change in shares.
    Share(Option<f64>),
    /// Hours or another measure with decimals.
    Number(Option<f64>),
    When(Option<NaiveDateTime>),
}

impl Cell {
    fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    /// How the cell reads in CSV and PDF of `words`' language (a decimal
    /// comma in Russian, a point in English).
    pub fn display(&self, words: &Words) -> String {
        let decimal = |text: String| {
            if words.decimal_comma {
                text.replace('.', ",")
            } else {
                text
            }
        };
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Count(n) => n.to_string(),
            Cell::Share(Some(v)) => decimal(format!("{:.1}%", v * 100.0)),
            Cell::Number(Some(v)) => decimal(format!("{v:.1}")),
            Cell::When(Some(t)) => t.format("%d.%m.%Y %H:%M").to_string(),
            Cell::Share(None) | Cell::Number(None) | Cell::When(None) => String::new(),
        }
    }
}

/// A titled table of the analysis.
#[derive(Debug, Clone)]
pub struct Section {
    pub title: String,
    /// The list of late requests (drawn with wider text columns).
    pub late: bool,
    pub header: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
}

/// Every word a report file says, in one language.
pub struct Words {
    /// The language's code, for the PDF's metadata.
    lang: &'static str,
    /// Decimals with a comma (Russian) or a point (English).
    decimal_comma: bool,
    pub task_header: [&'static str; 13],
    yes: &'static str,
    no: &'static str,
    none: &'static str,
    extended_days: &'static str,
    transferred: &'static str,
    waited: &'static str,
    unassigned: &'static str,
    no_reason: &'static str,
    counts: [&'static str; 6],
    shares: [&'static str; 4],
    compare_header: [&'static str; 4],
    quantity: &'static str,
    indicators: &'static str,
    by_kind: &'static str,
    by_channel: &'static str,
    by_status: &'static str,
    by_outcome: &'static str,
    by_executor: &'static str,
    executor_header: [&'static str; 8],
    late: &'static str,
    late_header: [&'static str; 6],
    title: &'static str,
    period: &'static str,
    compared: &'static str,
    made: &'static str,
    sheet_tasks: &'static str,
    sheet_analysis: &'static str,
    sheet_proposals: &'static str,
    part_tasks: &'static str,
    part_analysis: &'static str,
    part_proposals: &'static str,
    proposals_title: &'static str,
    no_proposals: &'static str,
    no_requests: &'static str,
    page: &'static str,
    creator: &'static str,
}

pub const RU: Words = Words {
    lang: "ru",
    decimal_comma: true,
    task_header: [
        "Номер",
        "Тема",
        "Вид обращения",
        "Заявитель",
        "Исполнитель",
        "Зарегистрировано",
        "Срок ответа",
        "Ответ дан",
        "Результат",
        "В срок",
        "Продлено, дней",
        "Переадресаций",
        "Состояние",
    ],
    yes: "да",
    no: "нет",
    none: "нет",
    extended_days: "срок продлён на {days} дн.",
    transferred: "переадресовано",
    waited: "ждали уточнения от заявителя",
    unassigned: "исполнитель не назначен",
    no_reason: "причина не указана",
    counts: [
        "Поступило обращений",
        "Дан ответ",
        "Ответ дан в срок",
        "Просрочено",
        "Продлён срок",
        "Переадресовано",
    ],
    shares: [
        "Доля ответов в срок",
        "Решено с первого обращения (цель — не менее 80%)",
        "Переадресаций на обращение (цель — не более 2)",
        "Среднее время обработки, рабочих часов",
    ],
    compare_header: ["", "За период", "За предыдущий период", "Изменение"],
    quantity: "Количество",
    indicators: "Показатели",
    by_kind: "По видам обращений",
    by_channel: "По каналам",
    by_status: "По состоянию (поступившие за период)",
    by_outcome: "По результату ответа",
    by_executor: "По исполнителям",
    executor_header: [
        "Исполнитель",
        "В работе сейчас",
        "Взято в работу",
        "Дан ответ",
        "Просрочено сейчас",
        "Доля в срок",
        "Устные: среднее время, раб. ч",
        "Письменные: среднее время, раб. ч",
    ],
    late: "Просроченные обращения и причины",
    late_header: [
        "Номер",
        "Тема",
        "Исполнитель",
        "Срок ответа",
        "Ответ дан",
        "Причина",
    ],
    title: "Отчёт о работе",
    period: "Период",
    compared: "Сравнение с периодом",
    made: "Сформирован",
    sheet_tasks: "Задачи",
    sheet_analysis: "Анализ",
    sheet_proposals: "Предложения",
    part_tasks: "1. Перечень задач",
    part_analysis: "2. Анализ исполнения",
    part_proposals: "3. Предложения по оптимизации",
    proposals_title: "Предложения по оптимизации",
    no_proposals: "Предложения не внесены.",
    no_requests: "Обращений за период нет.",
    page: "Страница",
    creator: "Служба поддержки",
};

pub const EN: Words = Words {
    lang: "en",
    decimal_comma: false,
    task_header: [
        "Number",
        "Subject",
        "Kind",
        "Requester",
        "Executor",
        "Registered",
        "Due",
        "Answered",
        "Outcome",
        "On time",
        "Extended, days",
        "Transfers",
        "Status",
    ],
    yes: "yes",
    no: "no",
    none: "none",
    extended_days: "term extended by {days} d.",
    transferred: "transferred",
    waited: "waited for the requester's clarification",
    unassigned: "no executor assigned",
    no_reason: "no reason given",
    counts: [
        "Requests received",
        "Answered",
        "Answered on time",
        "Overdue",
        "Term extended",
        "Transferred",
    ],
    shares: [
        "Share answered on time",
        "Solved at first contact (target: at least 80%)",
        "Transfers per request (target: at most 2)",
        "Average handling time, working hours",
    ],
    compare_header: ["", "This period", "Previous period", "Change"],
    quantity: "Number",
    indicators: "Indicators",
    by_kind: "By kind of request",
    by_channel: "By channel",
    by_status: "By status (received in the period)",
    by_outcome: "By outcome of the answer",
    by_executor: "By executor",
    executor_header: [
        "Executor",
        "Working on now",
        "Taken into work",
        "Answered",
        "Overdue now",
        "Share on time",
        "Oral: average time, working h",
        "Written: average time, working h",
    ],
    late: "Overdue requests and why",
    late_header: ["Number", "Subject", "Executor", "Due", "Answered", "Reason"],
    title: "Work report",
    period: "Period",
    compared: "Compared with",
    made: "Made",
    sheet_tasks: "Tasks",
    sheet_analysis: "Analysis",
    sheet_proposals: "Proposals",
    part_tasks: "1. Tasks",
    part_analysis: "2. Analysis",
    part_proposals: "3. Proposals for improvement",
    proposals_title: "Proposals for improvement",
    no_proposals: "No proposals were made.",
    no_requests: "No requests in the period.",
    page: "Page",
    creator: "Service desk",
};

impl Words {
    pub fn of(lang: Lang) -> &'static Words {
        match lang {
            Lang::Ru => &RU,
            Lang::En => &EN,
        }
    }
}

/// The Russian task header (the file the body keeps).
pub const TASK_HEADER: [&str; 13] = RU.task_header;

/// What a writer needs to know before the first line.
pub struct Heading {
    pub title: String,
    pub subtitle: String,
    pub words: &'static Words,
}

/// Where report lines go.
trait Sink {
    fn line(&mut self, cells: &[Cell]) -> Result<(), String>;
    fn finish(
        self: Box<Self>,
        sections: &[Section],
        proposals: &str,
        path: &Path,
    ) -> Result<(), String>;
}

fn late_reason(row: &Row, w: &Words) -> String {
    let mut parts = Vec::new();
    if let Some(days) = row.extension_days {
        let reason = row.extension_reason.as_deref().unwrap_or("").trim();
        let extended = w.extended_days.replace("{days}", &days.to_string());
        parts.push(if reason.is_empty() {
            extended
        } else {
            format!("{extended}: {reason}")
        });
    }
    if row.transfer_count > 0 {
        parts.push(format!("{}: {}", w.transferred, row.transfer_count));
    }
    if row.questions > 0 {
        parts.push(w.waited.into());
    }
    if row.assignee_id.is_none() {
        parts.push(w.unassigned.into());
    }
    if parts.is_empty() {
        w.no_reason.into()
    } else {
        parts.join("; ")
    }
}

/// Everything a report is written from, besides the requests themselves.
pub struct Context<'a> {
    pub state: &'a AppState,
    pub unit: &'a unit::Model,
    pub period: Period,
    pub names: HashMap<i64, String>,
    pub kind_titles: BTreeMap<String, String>,
    pub proposals: String,
    /// The language of the file (its reader's).
    pub lang: Lang,
}

impl Context<'_> {
    fn words(&self) -> &'static Words {
        Words::of(self.lang)
    }

    fn local(&self, t: chrono::DateTime<chrono::Utc>) -> NaiveDateTime {
        self.state.local(t)
    }

    fn name(&self, id: Option<i64>) -> String {
        id.and_then(|id| self.names.get(&id).cloned())
            .unwrap_or_default()
    }

    fn kind(&self, code: &str) -> String {
        self.kind_titles
            .get(code)
            .cloned()
            .unwrap_or_else(|| code.to_string())
    }

    fn task(&self, row: &Row, now: chrono::DateTime<chrono::Utc>) -> Vec<Cell> {
        let f = row.facts();
        vec![
            Cell::text(&row.number),
            Cell::text(&row.subject),
            Cell::text(self.kind(&row.kind_code)),
            Cell::text(self.name(Some(row.requester_id))),
            Cell::text(self.name(row.assignee_id)),
            Cell::When(Some(self.local(row.registered_at))),
            Cell::When(Some(self.local(row.due_at))),
            Cell::When(row.answered_at.map(|a| self.local(a))),
            Cell::text(
                row.outcome
                    .as_deref()
                    .and_then(Outcome::parse)
                    .map(|o| i18n::outcome(o, self.lang))
                    .unwrap_or(""),
            ),
            Cell::text(match f.on_time(now) {
                Some(true) => self.words().yes,
                Some(false) => self.words().no,
                None => "",
            }),
            row.extension_days
                .map(|d| Cell::Count(i64::from(d)))
                .unwrap_or(Cell::Text(String::new())),
            Cell::Count(i64::from(row.transfer_count)),
            Cell::text(
                Status::parse(&row.status)
                    .map(|s| i18n::status(s, self.lang))
                    .unwrap_or(""),
            ),
        ]
    }
}

fn diff_count(a: u64, b: u64) -> Cell {
    Cell::Count(i64::try_from(a).unwrap_or(0) - i64::try_from(b).unwrap_or(0))
}

fn diff_opt(a: Option<f64>, b: Option<f64>, share: bool) -> Cell {
    let d = a.zip(b).map(|(a, b)| a - b);
    if share {
        Cell::Share(d)
    } else {
        Cell::Number(d)
    }
}

fn count(n: u64) -> Cell {
    Cell::Count(i64::try_from(n).unwrap_or(i64::MAX))
}

/// The analysis tables.
pub fn sections(
    ctx: &Context<'_>,
    cur: &Indicators,
    prev: &Indicators,
    executors: &[ExecutorLoad],
    late: &[Vec<Cell>],
) -> Vec<Section> {
    let w = ctx.words();
    let lang = ctx.lang;
    let counts = [
        (w.counts[0], cur.registered, prev.registered),
        (w.counts[1], cur.answered, prev.answered),
        (w.counts[2], cur.answered_on_time, prev.answered_on_time),
        (w.counts[3], cur.overdue, prev.overdue),
        (w.counts[4], cur.extended, prev.extended),
        (w.counts[5], cur.transferred, prev.transferred),
    ];
    let mut rows: Vec<Vec<Cell>> = counts
        .iter()
        .map(|(label, a, b)| vec![Cell::text(*label), count(*a), count(*b), diff_count(*a, *b)])
        .collect();
    for (label, a, b, is_share) in [
        (w.shares[0], cur.on_time_share, prev.on_time_share, true),
        (
            w.shares[1],
            cur.first_contact_resolution,
            prev.first_contact_resolution,
            true,
        ),
        (
            w.shares[2],
            cur.transfers_per_request,
            prev.transfers_per_request,
            false,
        ),
        (
            w.shares[3],
            cur.avg_handling_hours,
            prev.avg_handling_hours,
            false,
        ),
    ] {
        let cell = |v| {
            if is_share {
                Cell::Share(v)
            } else {
                Cell::Number(v)
            }
        };
        rows.push(vec![
            Cell::text(label),
            cell(a),
            cell(b),
            diff_opt(a, b, is_share),
        ]);
    }
    let compare = |title: &str,
                   a: &BTreeMap<String, u64>,
                   b: &BTreeMap<String, u64>,
                   label: &dyn Fn(&str) -> String| {
        let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
        keys.sort();
        keys.dedup();
        Section {
            title: title.into(),
            late: false,
            header: w.compare_header.to_vec(),
            rows: keys
                .into_iter()
                .map(|k| {
                    let (x, y) = (
                        a.get(k).copied().unwrap_or(0),
                        b.get(k).copied().unwrap_or(0),
                    );
                    vec![Cell::text(label(k)), count(x), count(y), diff_count(x, y)]
                })
                .collect(),
        }
    };
    let single = |title: &str, a: &BTreeMap<String, u64>, label: &dyn Fn(&str) -> String| Section {
        title: title.into(),
        late: false,
        header: vec!["", w.quantity],
        rows: a
            .iter()
            .map(|(k, n)| vec![Cell::text(label(k)), count(*n)])
            .collect(),
    };
    let kind = |k: &str| ctx.kind(k);
    let channel = |k: &str| {
        crate::domain::Channel::parse(k)
            .map(|c| i18n::channel(c, lang).to_string())
            .unwrap_or_else(|| k.to_string())
    };
    let status = |k: &str| {
        Status::parse(k)
            .map(|s| i18n::status(s, lang).to_string())
            .unwrap_or_else(|| k.to_string())
    };
    let outcome = |k: &str| {
        Outcome::parse(k)
            .map(|o| i18n::outcome(o, lang).to_string())
            .unwrap_or_else(|| k.to_string())
    };
    vec![
        Section {
            title: w.indicators.into(),
            late: false,
            header: w.compare_header.to_vec(),
            rows,
        },
        compare(w.by_kind, &cur.by_kind, &prev.by_kind, &kind),
        compare(w.by_channel, &cur.by_channel, &prev.by_channel, &channel),
        single(w.by_status, &cur.by_status, &status),
        single(w.by_outcome, &cur.by_outcome, &outcome),
        Section {
            title: w.by_executor.into(),
            late: false,
            header: w.executor_header.to_vec(),
            rows: executors
                .iter()
                .map(|e| {
                    vec![
                        Cell::text(&e.name),
                        count(e.open),
                        count(e.taken),
                        count(e.closed),
                        count(e.overdue),
                        Cell::Share(e.on_time_share),
                        Cell::Number(e.avg_answer_hours_oral),
                        Cell::Number(e.avg_answer_hours_written),
                    ]
                })
                .collect(),
        },
        Section {
            title: w.late.into(),
            late: true,
            header: w.late_header.to_vec(),
            rows: late.to_vec(),
        },
    ]
}

/// Writes the report of `ctx` to `path`; `progress` hears after each page.
/// Returns the period's indicators.
pub async fn write(
    ctx: &Context<'_>,
    format: Format,
    path: &Path,
    mut progress: impl AsyncProgress,
) -> ServiceResult<Indicators> {
    let state = ctx.state;
    let now = state.now();
    let previous = ctx.period.previous();
    let cur = period_window(state, &ctx.period);
    let mut pager = Pager::new(&ctx.unit.code, cur);
    let total = pager.count(&state.db).await?;
    let w = ctx.words();
    let unit_name = i18n::pick(
        ctx.lang,
        &ctx.unit.name,
        Some(&ctx.unit.name_en).filter(|n| !n.is_empty()),
    );
    let heading = Heading {
        words: w,
        title: format!("{}: {unit_name}", w.title),
        subtitle: format!(
            "{}: {} — {}. {} {} — {}. {} {}.",
            w.period,
            ctx.period.from.format("%d.%m.%Y"),
            ctx.period.to.format("%d.%m.%Y"),
            w.compared,
            previous.from.format("%d.%m.%Y"),
            previous.to.format("%d.%m.%Y"),
            w.made,
            state.local(now).format("%d.%m.%Y %H:%M"),
        ),
    };
    let (tx, rx) = tokio::sync::mpsc::channel::<ToSink>(2);
    let target = path.to_path_buf();
    let writer = tokio::task::spawn_blocking(move || sink_thread(format, &heading, &target, rx));
    let mut late = Vec::new();
    let mut done = 0u64;
    while let Some(page) = pager.next(&state.db).await? {
        let mut lines = Vec::with_capacity(page.len());
        for row in &page {
            if row.facts().overdue_in(cur) {
                late.push(vec![
                    Cell::text(&row.number),
                    Cell::text(&row.subject),
                    Cell::text(ctx.name(row.assignee_id)),
                    Cell::When(Some(ctx.local(row.due_at))),
                    Cell::When(row.answered_at.map(|a| ctx.local(a))),
                    Cell::text(late_reason(row, w)),
                ]);
            }
            lines.push(ctx.task(row, now));
            done += 1;
        }
        if tx.send(ToSink::Lines(lines)).await.is_err() {
            break;
        }
        progress.page(done, total).await?;
    }
    let numbers = sums::numbers(state, &ctx.unit.code, &ctx.period).await?;
    let sections = sections(
        ctx,
        &numbers.current,
        &numbers.previous,
        &numbers.executors,
        &late,
    );
    // A writer that stopped early has its error waiting in the join.
    let _closed = tx
        .send(ToSink::Finish(sections, ctx.proposals.clone()))
        .await;
    drop(tx);
    writer
        .await
        .map_err(|e| ServiceError::Corrupt(format!("report writer: {e}")))?
        .map_err(ServiceError::Corrupt)?;
    Ok(numbers.current)
}

/// What the writing thread is handed.
enum ToSink {
    Lines(Vec<Vec<Cell>>),
    Finish(Vec<Section>, String),
}

/// Owns the writer (the PDF document cannot leave its thread) and feeds it.
fn sink_thread(
    format: Format,
    heading: &Heading,
    path: &Path,
    mut rx: tokio::sync::mpsc::Receiver<ToSink>,
) -> Result<(), String> {
    let mut sink: Box<dyn Sink> = match format {
        Format::Xlsx => Box::new(xlsx::Xlsx::new(heading, path)?),
        Format::Csv => Box::new(csv_sink::Csv::new(path, heading.words)?),
        Format::Pdf => Box::new(pdf::Pdf::new(heading)?),
    };
    while let Some(message) = rx.blocking_recv() {
        match message {
            ToSink::Lines(lines) => {
                for l in &lines {
                    sink.line(l)?;
                }
            }
            ToSink::Finish(sections, proposals) => {
                return sink.finish(&sections, &proposals, path);
            }
        }
    }
    Err("the report was not finished".into())
}

/// Hears how far a report has got.
pub trait AsyncProgress: Send {
    fn page(
        &mut self,
        done: u64,
        total: u64,
    ) -> impl std::future::Future<Output = ServiceResult<()>> + Send;
}

/// No one listening.
pub struct Silent;

impl AsyncProgress for Silent {
    async fn page(&mut self, _: u64, _: u64) -> ServiceResult<()> {
        Ok(())
    }
}

mod xlsx {
    use super::*;
    use rust_xlsxwriter::{Format as XFormat, FormatAlign, Workbook, Worksheet, XlsxError};

    fn err(e: XlsxError) -> String {
        format!("xlsx: {e}")
    }

    pub struct Xlsx {
        book: Workbook,
        row: u32,
        date: XFormat,
        header: XFormat,
        words: &'static Words,
    }

    const WIDTHS: [f64; 13] = [
        16.0, 48.0, 28.0, 26.0, 26.0, 17.0, 17.0, 17.0, 22.0, 8.0, 10.0, 10.0, 16.0,
    ];

    impl Xlsx {
        pub fn new(heading: &Heading, _path: &Path) -> Result<Xlsx, String> {
            let mut book = Workbook::new();
            let header = XFormat::new()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Top)
                .set_background_color(0xDDE7F0);
            let date = XFormat::new().set_num_format("dd.mm.yyyy hh:mm");
            let title = XFormat::new().set_bold().set_font_size(13);
            let ws = book.add_worksheet_with_constant_memory().map_err(err)?;
            ws.set_name(heading.words.sheet_tasks).map_err(err)?;
            for (i, w) in WIDTHS.iter().enumerate() {
                ws.set_column_width(u16::try_from(i).unwrap_or(0), *w)
                    .map_err(err)?;
            }
            ws.write_string_with_format(0, 0, &heading.title, &title)
                .map_err(err)?;
            ws.write_string(1, 0, &heading.subtitle).map_err(err)?;
            for (i, h) in heading.words.task_header.iter().enumerate() {
                ws.write_string_with_format(3, u16::try_from(i).unwrap_or(0), *h, &header)
                    .map_err(err)?;
            }
            ws.set_freeze_panes(4, 0).map_err(err)?;
            Ok(Xlsx {
                book,
                row: 4,
                date,
                header,
                words: heading.words,
            })
        }
    }

    fn put(
        ws: &mut Worksheet,
        row: u32,
        col: u16,
        cell: &Cell,
        date: &XFormat,
    ) -> Result<(), String> {
        let percent = XFormat::new().set_num_format("0.0%");
        let decimal = XFormat::new().set_num_format("0.0");
        match cell {
            Cell::Text(s) if s.is_empty() => Ok(()),
            Cell::Text(s) => ws.write_string(row, col, s).map(|_| ()),
            Cell::Count(n) => ws.write_number(row, col, *n as f64).map(|_| ()),
            Cell::Share(Some(v)) => ws
                .write_number_with_format(row, col, *v, &percent)
                .map(|_| ()),
            Cell::Number(Some(v)) => ws
                .write_number_with_format(row, col, *v, &decimal)
                .map(|_| ()),
            Cell::When(Some(t)) => ws.write_datetime_with_format(row, col, t, date).map(|_| ()),
            Cell::Share(None) | Cell::Number(None) | Cell::When(None) => Ok(()),
        }
        .map_err(err)
    }

    impl Sink for Xlsx {
        fn line(&mut self, cells: &[Cell]) -> Result<(), String> {
            let ws = self.book.worksheet_from_index(0).map_err(err)?;
            for (i, c) in cells.iter().enumerate() {
                put(ws, self.row, u16::try_from(i).unwrap_or(0), c, &self.date)?;
            }
            self.row += 1;
            Ok(())
        }

        fn finish(
            mut self: Box<Self>,
            sections: &[Section],
            proposals: &str,
            path: &Path,
        ) -> Result<(), String> {
            let last = self.row.saturating_sub(1).max(3);
            let ws = self.book.worksheet_from_index(0).map_err(err)?;
            ws.autofilter(3, 0, last, 12).map_err(err)?;
            let bold = XFormat::new().set_bold().set_font_size(12);
            let ws = self.book.add_worksheet();
            ws.set_name(self.words.sheet_analysis).map_err(err)?;
            ws.set_column_width(0, 50.0).map_err(err)?;
            for c in 1..8 {
                ws.set_column_width(c, 18.0).map_err(err)?;
            }
            let mut row = 0u32;
            for s in sections {
                ws.write_string_with_format(row, 0, &s.title, &bold)
                    .map_err(err)?;
                row += 1;
                for (i, h) in s.header.iter().enumerate() {
                    ws.write_string_with_format(
                        row,
                        u16::try_from(i).unwrap_or(0),
                        *h,
                        &self.header,
                    )
                    .map_err(err)?;
                }
                row += 1;
                if s.rows.is_empty() {
                    ws.write_string(row, 0, self.words.none).map_err(err)?;
                    row += 1;
                }
                for r in &s.rows {
                    for (i, c) in r.iter().enumerate() {
                        put(ws, row, u16::try_from(i).unwrap_or(0), c, &self.date)?;
                    }
                    row += 1;
                }
                row += 1;
            }
            let ws = self.book.add_worksheet();
            ws.set_name(self.words.sheet_proposals).map_err(err)?;
            ws.set_column_width(0, 120.0).map_err(err)?;
            ws.write_string_with_format(0, 0, self.words.proposals_title, &bold)
                .map_err(err)?;
            let wrap = XFormat::new().set_text_wrap().set_align(FormatAlign::Top);
            let text = if proposals.trim().is_empty() {
                self.words.no_proposals
            } else {
                proposals
            };
            for (i, para) in text.lines().enumerate() {
                ws.write_string_with_format(u32::try_from(i + 1).unwrap_or(0), 0, para, &wrap)
                    .map_err(err)?;
            }
            self.book.save(path).map_err(err)
        }
    }
}

mod csv_sink {
    use super::*;
    use std::fs::File;
    use std::io::BufWriter;

    pub struct Csv {
        out: csv::Writer<BufWriter<File>>,
        words: &'static Words,
    }

    fn err(e: impl std::fmt::Display) -> String {
        format!("csv: {e}")
    }

    /// Text a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, TAB,
    /// CR first) gets a leading apostrophe, so it is shown as typed.
    pub(super) fn defuse(text: &str) -> String {
        if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            format!("'{text}")
        } else {
            text.to_string()
        }
    }

    /// A cell as CSV text: numbers as they are, text defused.
    fn cell(c: &Cell, words: &Words) -> String {
        match c {
            Cell::Text(s) => defuse(s),
            other => other.display(words),
        }
    }

    /// A plain table: the header row, then one row per request, every row
    /// of the same columns, so that a spreadsheet or a script reads it as
    /// it is. The title, the analysis and the proposals are the XLSX's and
    /// the PDF's.
    impl Csv {
        pub fn new(path: &Path, words: &'static Words) -> Result<Csv, String> {
            let mut file = BufWriter::new(File::create(path).map_err(err)?);
            // The byte-order mark tells Excel the file is UTF-8.
            file.write_all("\u{feff}".as_bytes()).map_err(err)?;
            let mut out = csv::WriterBuilder::new().delimiter(b';').from_writer(file);
            out.write_record(words.task_header).map_err(err)?;
            Ok(Csv { out, words })
        }
    }

    impl Sink for Csv {
        fn line(&mut self, cells: &[Cell]) -> Result<(), String> {
            let words = self.words;
            self.out
                .write_record(cells.iter().map(|c| cell(c, words)))
                .map_err(err)
        }

        fn finish(
            mut self: Box<Self>,
            _sections: &[Section],
            _proposals: &str,
            _path: &Path,
        ) -> Result<(), String> {
            self.out.flush().map_err(err)
        }
    }
}

pub mod pdf {
    //! A4 landscape pages drawn line by line with one embedded font.

    use super::*;
    use krilla::Document;
    use krilla::color::luma;
    use krilla::geom::{PathBuilder, Point};
    use krilla::metadata::Metadata;
    use krilla::page::PageSettings;
    use krilla::paint::{Fill, Stroke};
    use krilla::text::{Font, GlyphId, KrillaGlyph};

    static REGULAR: &[u8] = include_bytes!("../../../fonts/DejaVuSansCondensed.ttf");
    static BOLD: &[u8] = include_bytes!("../../../fonts/DejaVuSansCondensed-Bold.ttf");

    const PAGE_W: f32 = 841.89;
    const PAGE_H: f32 = 595.28;
    const MARGIN: f32 = 36.0;
    const SIZE: f32 = 7.0;
    const LINE: f32 = 10.5;
    /// Task list column widths, in points (they fill the printable width).
    const TASK_WIDTHS: [f32; 13] = [
        64.0, 140.0, 80.0, 70.0, 70.0, 52.0, 52.0, 52.0, 58.0, 24.0, 30.0, 30.0, 48.0,
    ];

    /// One font's glyphs and advances, read from its tables once per
    /// character. Report text is Cyrillic and Latin, which needs nothing of
    /// shaping beyond the character map, so pages get their glyphs from
    /// here instead of a shaper run per cell (that was most of the time of
    /// a large report). Kerning is not applied.
    struct Metrics {
        face: ttf_parser::Face<'static>,
        upem: f32,
        cache: HashMap<char, (u16, f32)>,
    }

    impl Metrics {
        fn new(data: &'static [u8]) -> Result<Metrics, String> {
            let face = ttf_parser::Face::parse(data, 0).map_err(|e| format!("font: {e}"))?;
            Ok(Metrics {
                upem: f32::from(face.units_per_em()),
                face,
                cache: HashMap::new(),
            })
        }

        /// The glyph of a character (`.notdef` if the font lacks it) and its
        /// advance in ems.
        fn glyph(&mut self, c: char) -> (u16, f32) {
            let (face, upem) = (&self.face, self.upem);
            *self.cache.entry(c).or_insert_with(|| {
                let glyph = face.glyph_index(c);
                let advance = glyph
                    .and_then(|g| face.glyph_hor_advance(g))
                    .map_or(upem / 2.0, f32::from);
                (glyph.map_or(0, |g| g.0), advance / upem)
            })
        }

        fn width(&mut self, text: &str, size: f32) -> f32 {
            let mut w = 0.0;
            for c in text.chars() {
                w += self.glyph(c).1;
            }
            w * size
        }

        /// The glyphs of a line, each mapped back to its character so that
        /// the text can be copied and searched.
        fn glyphs(&mut self, text: &str) -> Vec<KrillaGlyph> {
            text.char_indices()
                .map(|(i, c)| {
                    let (id, advance) = self.glyph(c);
                    KrillaGlyph::new(
                        GlyphId::new(u32::from(id)),
                        advance,
                        0.0,
                        0.0,
                        0.0,
                        i..i + c.len_utf8(),
                        None,
                    )
                })
                .collect()
        }

        /// The text cut to fit `width`, with an ellipsis when cut.
        fn fit(&mut self, text: &str, size: f32, width: f32) -> String {
            let text: String = text
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            if self.width(&text, size) <= width {
                return text;
            }
            let mut out = String::new();
            let room = width - self.width("…", size);
            for c in text.chars() {
                out.push(c);
                if self.width(&out, size) > room {
                    out.pop();
                    break;
                }
            }
            out.push('…');
            out
        }

        /// Lines of at most `width`, broken at spaces.
        fn wrap(&mut self, text: &str, size: f32, width: f32) -> Vec<String> {
            let mut lines = Vec::new();
            for para in text.lines() {
                let mut line = String::new();
                for word in para.split_whitespace() {
                    let candidate = if line.is_empty() {
                        word.to_string()
                    } else {
                        format!("{line} {word}")
                    };
                    if self.width(&candidate, size) <= width || line.is_empty() {
                        line = candidate;
                    } else {
                        lines.push(std::mem::replace(&mut line, word.to_string()));
                    }
                }
                lines.push(line);
            }
            lines
        }
    }

    /// The page being filled: its drawing commands wait here until the page
    /// is complete, then go to the document in one go.
    enum Op {
        Text(f32, f32, bool, f32, String),
        Rule(f32, f32, f32),
    }

    pub struct Pdf {
        doc: Document,
        regular: Font,
        bold: Font,
        metrics: Metrics,
        bold_metrics: Metrics,
        ops: Vec<Op>,
        y: f32,
        page: u32,
        heading: (String, String),
        words: &'static Words,
        first: bool,
        settings: PageSettings,
    }

    fn err(e: impl std::fmt::Debug) -> String {
        format!("pdf: {e:?}")
    }

    impl Pdf {
        pub fn new(heading: &Heading) -> Result<Pdf, String> {
            let regular = Font::new(REGULAR.into(), 0).ok_or("pdf: regular font")?;
            let bold = Font::new(BOLD.into(), 0).ok_or("pdf: bold font")?;
            let mut doc = Document::new();
            doc.set_metadata(
                Metadata::new()
                    .title(heading.title.clone())
                    .language(heading.words.lang.into())
                    .creator(heading.words.creator.into()),
            );
            let mut pdf = Pdf {
                doc,
                regular,
                bold,
                metrics: Metrics::new(REGULAR)?,
                bold_metrics: Metrics::new(BOLD)?,
                ops: Vec::new(),
                y: MARGIN,
                page: 0,
                heading: (heading.title.clone(), heading.subtitle.clone()),
                words: heading.words,
                first: true,
                settings: PageSettings::from_wh(PAGE_W, PAGE_H).ok_or("pdf: page size")?,
            };
            pdf.start_page();
            let (title, subtitle) = pdf.heading.clone();
            pdf.text(MARGIN, 13.0, true, &title);
            pdf.y += 6.0;
            pdf.text(MARGIN, 8.0, false, &subtitle);
            pdf.y += 4.0;
            let words = pdf.words;
            pdf.text(MARGIN, 10.0, true, words.part_tasks);
            pdf.header_row(&words.task_header, &TASK_WIDTHS);
            Ok(pdf)
        }

        fn text(&mut self, x: f32, size: f32, bold: bool, s: &str) {
            self.y += size * 1.3;
            self.ops
                .push(Op::Text(x, self.y, bold, size, s.to_string()));
        }

        fn start_page(&mut self) {
            self.page += 1;
            self.ops.clear();
            self.y = MARGIN;
        }

        fn flush_page(&mut self) {
            let mut page = self.doc.start_page_with(self.settings.clone());
            let mut surface = page.surface();
            for op in self.ops.drain(..) {
                match op {
                    Op::Text(x, y, bold, size, s) => {
                        surface.set_fill(Some(Fill::default()));
                        let (font, metrics) = if bold {
                            (self.bold.clone(), &mut self.bold_metrics)
                        } else {
                            (self.regular.clone(), &mut self.metrics)
                        };
                        let glyphs = metrics.glyphs(&s);
                        surface.draw_glyphs(Point::from_xy(x, y), &glyphs, font, &s, size, false);
                    }
                    Op::Rule(x1, x2, y) => {
                        let mut pb = PathBuilder::new();
                        pb.move_to(x1, y);
                        pb.line_to(x2, y);
                        if let Some(path) = pb.finish() {
                            surface.set_fill(None);
                            surface.set_stroke(Some(Stroke {
                                paint: luma::Color::new(140).into(),
                                width: 0.4,
                                ..Stroke::default()
                            }));
                            surface.draw_path(&path);
                            surface.set_stroke(None);
                        }
                    }
                }
            }
            let footer = format!("{} {}", self.words.page, self.page);
            let w = self.metrics.width(&footer, 7.0);
            let glyphs = self.metrics.glyphs(&footer);
            surface.set_fill(Some(Fill::default()));
            surface.draw_glyphs(
                Point::from_xy(PAGE_W - MARGIN - w, PAGE_H - MARGIN / 2.0),
                &glyphs,
                self.regular.clone(),
                &footer,
                7.0,
                false,
            );
            surface.finish();
            page.finish();
        }

        fn room(&self, needed: f32) -> bool {
            self.y + needed <= PAGE_H - MARGIN
        }

        fn next_page(&mut self) {
            self.flush_page();
            self.start_page();
        }

        fn row(&mut self, cells: &[String], widths: &[f32], bold: bool) {
            self.y += LINE;
            let mut x = MARGIN;
            let metrics = if bold {
                &mut self.bold_metrics
            } else {
                &mut self.metrics
            };
            for (c, w) in cells.iter().zip(widths) {
                let fitted = metrics.fit(c, SIZE, w - 3.0);
                self.ops.push(Op::Text(x, self.y - 2.5, bold, SIZE, fitted));
                x += w;
            }
            self.ops.push(Op::Rule(MARGIN, x, self.y + 0.5));
        }

        fn header_row(&mut self, header: &[&str], widths: &[f32]) {
            let cells: Vec<String> = header.iter().map(|s| s.to_string()).collect();
            self.row(&cells, widths, true);
        }

        /// A table row, repeating the header on a new page.
        fn table_row(&mut self, cells: &[String], header: &[&str], widths: &[f32]) {
            if !self.room(LINE) {
                self.next_page();
                self.header_row(header, widths);
            }
            self.row(cells, widths, false);
        }
    }

    fn widths_for(columns: usize) -> Vec<f32> {
        let total = PAGE_W - 2.0 * MARGIN;
        match columns {
            0 | 1 => vec![total],
            n => {
                let first = total * 0.34;
                let rest = (total - first) / (n - 1) as f32;
                std::iter::once(first)
                    .chain(std::iter::repeat_n(rest, n - 1))
                    .collect()
            }
        }
    }

    impl Sink for Pdf {
        fn line(&mut self, cells: &[Cell]) -> Result<(), String> {
            self.first = false;
            let text: Vec<String> = cells
                .iter()
                .map(|c| match c {
                    Cell::When(Some(t)) => t.format("%d.%m.%y %H:%M").to_string(),
                    other => other.display(self.words),
                })
                .collect();
            let words = self.words;
            self.table_row(&text, &words.task_header, &TASK_WIDTHS);
            Ok(())
        }

        fn finish(
            mut self: Box<Self>,
            sections: &[Section],
            proposals: &str,
            path: &Path,
        ) -> Result<(), String> {
            if self.first {
                self.row(
                    &[self.words.no_requests.to_string()],
                    &[PAGE_W - 2.0 * MARGIN],
                    false,
                );
            }
            self.next_page();
            self.text(MARGIN, 10.0, true, self.words.part_analysis);
            for s in sections {
                let widths = if s.late {
                    vec![64.0, 200.0, 110.0, 70.0, 70.0, 255.0]
                } else {
                    widths_for(s.header.len())
                };
                if !self.room(LINE * 4.0) {
                    self.next_page();
                }
                self.y += 6.0;
                self.text(MARGIN, 9.0, true, &s.title);
                self.header_row(&s.header, &widths);
                if s.rows.is_empty() {
                    self.table_row(&[self.words.none.to_string()], &s.header, &widths);
                }
                for r in &s.rows {
                    let cells: Vec<String> = r.iter().map(|c| c.display(self.words)).collect();
                    self.table_row(&cells, &s.header, &widths);
                }
            }
            if !self.room(LINE * 4.0) {
                self.next_page();
            }
            self.y += 8.0;
            self.text(MARGIN, 10.0, true, self.words.part_proposals);
            let text = if proposals.trim().is_empty() {
                self.words.no_proposals
            } else {
                proposals
            };
            let lines = self.metrics.wrap(text, 9.0, PAGE_W - 2.0 * MARGIN);
            for l in lines {
                if !self.room(12.0) {
                    self.next_page();
                }
                self.text(MARGIN, 9.0, false, &l);
            }
            self.flush_page();
            let bytes = self.doc.finish().map_err(err)?;
            std::fs::write(path, bytes).map_err(err)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_text_that_a_spreadsheet_would_run_is_written_as_text() {
        let path = std::env::temp_dir().join(format!("sd-csv-{}.csv", std::process::id()));
        let mut sink: Box<dyn Sink> = Box::new(csv_sink::Csv::new(&path, &RU).expect("csv"));
        let mut cells = vec![
            Cell::text("=HYPERLINK(\"http://evil.example\")"),
            Cell::text("+7 900"),
            Cell::text("@SUM(A1)"),
            Cell::text("\tтаб"),
            Cell::text("обычная тема"),
            Cell::Number(Some(-1.5)),
        ];
        cells.resize(TASK_HEADER.len(), Cell::text(""));
        sink.line(&cells).expect("line");
        sink.finish(&[], "-2+3\nВторой абзац.", &path)
            .expect("finish");
        let text = std::fs::read_to_string(&path).expect("read");
        std::fs::remove_file(&path).ok();
        // A plain table: the header first, then the rows; no title above.
        let mut lines = text.trim_start_matches('\u{feff}').lines();
        assert_eq!(lines.next(), Some(TASK_HEADER.join(";").as_str()));
        let row = lines.next().expect("the data row");
        assert_eq!(
            row,
            format!(
                "\"'=HYPERLINK(\"\"http://evil.example\"\")\";'+7 900;'@SUM(A1);'\tтаб;обычная тема;-1,5{}",
                ";".repeat(TASK_HEADER.len() - 6)
            )
        );
        assert_eq!(lines.next(), None, "{text}");
    }
}
