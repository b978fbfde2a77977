//! The administrator's working calendar: a month grid, single-day edits and
//! importing a year from a file (JSON of our format or xmlcalendar XML).

use chrono::Datelike;
use leptos::form::ActionForm;
use leptos::prelude::*;

use super::FormToken;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use super::common::{ErrorSummary, LoadError, signed_in_page};
use crate::domain::calendar::DayKind;
use crate::i18n::{Lang, Msg};
use crate::wire::{AppError, DayView};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthView {
    pub year: i32,
    pub month: u32,
    pub years: Vec<i32>,
    pub days: Vec<DayView>,
}

#[server]
pub async fn get_month(year: Option<i32>, month: Option<u32>) -> Result<MonthView, AppError> {
    let (state, caller) = super::ssr::caller().await?;
    if !caller.roles.is_admin() {
        return Err(AppError::Forbidden);
    }
    // Without a choice: the body's current month.
    let today = state.local(state.now()).date();
    let year = year.unwrap_or(today.year());
    let month = month
        .filter(|m| (1..=12).contains(m))
        .unwrap_or(today.month());
    let years = crate::server::calendar::years(&state).await?;
    let days = crate::server::calendar::month(&state, year, month).await?;
    Ok(MonthView {
        year,
        month,
        years,
        days,
    })
}

#[server]
pub async fn set_calendar_day(
    date: String,
    kind: String,
    name: Option<String>,
) -> Result<(), AppError> {
    use crate::domain::FieldErrorCode;
    let (state, caller) = super::ssr::caller().await?;
    let date = crate::domain::fields::parse_date(&date)
        .ok_or_else(|| AppError::invalid("date", FieldErrorCode::InvalidDate))?;
    let kind = match kind.as_str() {
        "" | "default" => None,
        code => Some(
            DayKind::parse(code)
                .ok_or_else(|| AppError::invalid("kind", FieldErrorCode::UnknownOption))?,
        ),
    };
    crate::server::calendar::set_day(&state, &caller, date, kind, name).await?;
    Ok(())
}

fn kind_label(kind: Option<DayKind>, lang: Lang) -> &'static str {
    match kind {
        None => Msg::KindDefault.text(lang),
        Some(DayKind::Holiday) => Msg::KindHoliday.text(lang),
        Some(DayKind::DayOff) => Msg::KindDayOff.text(lang),
        Some(DayKind::Working) => Msg::KindWorking.text(lang),
        Some(DayKind::Shortened) => Msg::KindShortened.text(lang),
    }
}

fn month_link(year: i32, month: u32, delta: i32) -> String {
    let index = year * 12 + i32::try_from(month).unwrap_or(1) - 1 + delta;
    format!(
        "/admin/calendar?year={}&month={}",
        index.div_euclid(12),
        index.rem_euclid(12) + 1
    )
}

#[component]
pub fn CalendarPage() -> impl IntoView {
    let query = use_query_map();
    let save = ServerAction::<SetCalendarDay>::new();
    let month = Resource::new(
        move || {
            let q = query.read();
            let year = q.get("year").and_then(|y| y.parse::<i32>().ok());
            let month = q.get("month").and_then(|m| m.parse::<u32>().ok());
            (year, month, save.version().get())
        },
        |(year, month, _)| get_month(year, month),
    );
    signed_in_page(move |info, _user| async move {
        let lang = info.lang;
        let imported = query.read_untracked().get("imported").is_some();
        let import_error = query.read_untracked().get("import_error");
        let m = match month.await {
                Ok(m) => m,
                Err(e) => return view! { <h1>{Msg::CalendarTitle.text(lang)}</h1><LoadError error=e lang=lang/> }.into_any(),
            };
        let lead = m
            .days
            .first()
            .map(|d| d.date.weekday().num_days_from_monday())
            .unwrap_or(0);
        let mut cells: Vec<AnyView> = (0..lead).map(|_| view! { <td></td> }.into_any()).collect();
        for DayView {
            date,
            working,
            shortened,
            kind,
            name,
        } in m.days.iter().cloned()
        {
            let class = match (working, shortened) {
                (false, _) => "day off",
                (true, true) => "day short",
                (true, false) => "day work",
            };
            let state = match (working, shortened) {
                (false, _) => Msg::NonWorking.text(lang),
                (true, true) => Msg::ShortenedDay.text(lang),
                (true, false) => Msg::Working.text(lang),
            };
            let name = name.map(|n| crate::i18n::day_name(&n, lang));
            let title = name
                .clone()
                .unwrap_or_else(|| kind_label(kind, lang).to_string());
            cells.push(
                view! {
                    <td class=class data-date=date.to_string() title=title>
                        <span class="num">{date.day()}</span>
                        <span class="state">{state}</span>
                        {name.map(|n| view! { <span class="name">{n}</span> })}
                    </td>
                }
                .into_any(),
            );
        }
        let mut rows: Vec<AnyView> = Vec::new();
        let mut cells = cells.into_iter().peekable();
        while cells.peek().is_some() {
            let week: Vec<AnyView> = cells.by_ref().take(7).collect();
            rows.push(view! { <tr>{week}</tr> }.into_any());
        }
        let heads = ["Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс"];
        let heads_en = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
        let heads = (0..7).map(|i| view! { <th scope="col">{if lang == Lang::En { heads_en[i] } else { heads[i] }}</th> }).collect_view();
        let kinds = [None, Some(DayKind::Holiday), Some(DayKind::DayOff), Some(DayKind::Working), Some(DayKind::Shortened)]
                .into_iter()
                .map(|k| view! { <option value=k.map(|k| k.code()).unwrap_or("default")>{kind_label(k, lang)}</option> })
                .collect_view();
        let years = m
            .years
            .iter()
            .map(|y| y.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let caption = format!("{:02}.{}", m.month, m.year);
        let region = caption.clone();
        view! {
                <leptos_meta::Title text=Msg::CalendarTitle.text(lang)/>
                <h1>{Msg::CalendarTitle.text(lang)}</h1>
                <p class="muted">{years}</p>
                {imported.then(|| view! { <div class="alert alert-ok" role="status">{Msg::Imported.text(lang)}</div> })}
                {import_error.map(|code| view! {
                    <div class="alert alert-error" role="alert">{import_message(&code, &query.read_untracked(), lang)}</div>
                })}
                <p class="filters">
                    <a href=month_link(m.year, m.month, -1)>{Msg::PrevMonth.text(lang)}</a>
                    " · "
                    <a href=month_link(m.year, m.month, 1)>{Msg::NextMonth.text(lang)}</a>
                </p>
                // A month is seven columns wide: on a phone it scrolls in its
                // own box (focusable, so the keyboard scrolls it too).
                <div class="table-scroll" role="region" aria-label=region tabindex="0">
                    <table class="month">
                        <caption>{caption}</caption>
                        <thead><tr>{heads}</tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
                <h2>{Msg::EditDay.text(lang)}</h2>
                <ActionForm action=save attr:class="stack">
                    <FormToken/>
                    {move || view! { <ErrorSummary error=save.value().get().and_then(|r| r.err()) lang=lang/> }}
                    <label for="f-date">{Msg::Date.text(lang)}</label>
                    <input id="f-date" name="date" type="date" required/>
                    <label for="f-kind">{Msg::DayKindLabel.text(lang)}</label>
                    <select id="f-kind" name="kind">{kinds}</select>
                    <label for="f-name">{Msg::DayName.text(lang)}</label>
                    <input id="f-name" name="name" type="text" maxlength="200"/>
                    <button type="submit" class="primary">{Msg::Save.text(lang)}</button>
                </ActionForm>
                <h2>{Msg::ImportYear.text(lang)}</h2>
                <form method="post" action="/admin/calendar/import" enctype="multipart/form-data" class="stack">
                    <FormToken/>
                    <label for="f-calendar">{Msg::ImportYear.text(lang)}</label>
                    <input id="f-calendar" type="file" name="file" accept=".json,.xml" required aria-describedby="h-calendar"/>
                    <p class="hint" id="h-calendar">{Msg::ImportHint.text(lang)}</p>
                    <button type="submit">{Msg::Upload.text(lang)}</button>
                </form>
            }
            .into_any()
    })
}

/// What went wrong with an imported calendar, from the address the import
/// came back to (`?import_error=…&line=…` or `&twice=…`).
fn import_message(code: &str, q: &leptos_router::params::ParamsMap, lang: Lang) -> String {
    use crate::domain::FieldErrorCode as C;
    if code == "forbidden" {
        return crate::i18n::error(&crate::wire::AppError::Forbidden, lang);
    }
    let field = if let Some(line) = q.get("line").and_then(|l| l.parse().ok()) {
        C::FileLine { line }
    } else if let Some(value) = q.get("twice") {
        C::Duplicate { value }
    } else {
        C::Pattern
    };
    crate::i18n::field_error(&field, lang)
}
