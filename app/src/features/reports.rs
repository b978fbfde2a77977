//! Unit heads' workload page (`/reports`), the printable meeting view
//! (`/reports/meeting`), proposals and the period report files.

use leptos::form::ActionForm;
use leptos::prelude::*;

use super::FormToken;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use super::charts;
use super::common::{ErrorSummary, FieldNames, LoadError, field_error, fmt_time, signed_in_page};
use super::requests::ListFilters;
use crate::domain::report::{Indicators, Period, PeriodKind, Workload};
use crate::i18n::{self, Lang, Msg};
use crate::wire::{AppError, ExportView, UnitRef};

/// The page's data: the workload and the units the head may choose from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportData {
    pub workload: Workload,
    pub units: Vec<UnitRef>,
    /// A period asked for and refused: the dates as typed and why. The
    /// page then shows the current month with the picker keeping them.
    pub refused: Option<RefusedPeriod>,
}

/// Dates the period picker refused, as typed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RefusedPeriod {
    pub from: String,
    pub to: String,
    pub error: AppError,
}

#[server]
pub async fn get_workload(
    unit: Option<String>,
    period: Option<String>,
    from: Option<String>,
    to: Option<String>,
) -> Result<ReportData, AppError> {
    use crate::server::reports;
    let (state, caller) = super::ssr::caller().await?;
    let units = reports::report_units(&state, &caller).await?;
    let unit = unit
        .filter(|u| !u.trim().is_empty())
        .or_else(|| units.first().map(|u| u.code.clone()))
        .ok_or(AppError::Forbidden)?;
    let today = state.local(state.now()).date();
    let (p, refused) =
        match reports::parse_period(period.as_deref(), from.as_deref(), to.as_deref(), today) {
            Ok(p) => (p, None),
            // Wrong dates: the month so far, with the picker keeping what
            // was typed and saying what is wrong.
            Err(error @ AppError::Invalid { .. }) => (
                Period::containing(PeriodKind::Month, today),
                Some(RefusedPeriod {
                    from: from.unwrap_or_default(),
                    to: to.unwrap_or_default(),
                    error,
                }),
            ),
            Err(e) => return Err(e),
        };
    let workload = reports::workload(&state, &caller, &unit, p).await?;
    Ok(ReportData {
        workload,
        units,
        refused,
    })
}

#[server]
pub async fn save_report_proposals(
    unit: String,
    from: String,
    to: String,
    text: String,
) -> Result<String, AppError> {
    use crate::server::reports;
    let (state, caller) = super::ssr::caller().await?;
    let today = state.local(state.now()).date();
    let p = reports::parse_period(None, Some(&from), Some(&to), today)?;
    Ok(reports::save_proposals(&state, &caller, &unit, &p, &text).await?)
}

#[server]
pub async fn start_report_export(
    unit: String,
    from: String,
    to: String,
    format: String,
) -> Result<ExportView, AppError> {
    use crate::server::reports::{self, export::Format, jobs};
    let (state, caller) = super::ssr::caller().await?;
    let today = state.local(state.now()).date();
    let p = reports::parse_period(None, Some(&from), Some(&to), today)?;
    let format = Format::parse(&format)
        .ok_or_else(|| AppError::invalid("format", crate::domain::FieldErrorCode::UnknownOption))?;
    Ok(jobs::start(&state, &caller, &unit, p, format).await?)
}

#[server]
pub async fn report_export_status(id: i64) -> Result<ExportView, AppError> {
    let (state, caller) = super::ssr::caller().await?;
    Ok(crate::server::reports::jobs::status(&state, &caller, id).await?)
}

/// `?unit=…&period=…&from=…&to=…` for a period of a unit.
pub fn period_query(unit: &str, p: &Period) -> String {
    format!(
        "unit={}&period={}&from={}&to={}",
        unit,
        p.kind.code(),
        p.from,
        p.to
    )
}

fn kind_label(k: PeriodKind) -> Msg {
    match k {
        PeriodKind::Week => Msg::PeriodWeek,
        PeriodKind::Month => Msg::PeriodMonth,
        PeriodKind::Quarter => Msg::PeriodQuarter,
        PeriodKind::Year => Msg::PeriodYear,
        PeriodKind::Custom => Msg::PeriodCustom,
    }
}

fn pct(v: Option<f64>) -> String {
    v.map(|v| format!("{:.0}%", v * 100.0))
        .unwrap_or_else(|| "—".into())
}

fn num(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.1}")).unwrap_or_else(|| "—".into())
}

fn date(d: chrono::NaiveDate) -> String {
    d.format("%d.%m.%Y").to_string()
}

/// A signed change, in points for shares.
fn change(a: Option<f64>, b: Option<f64>, share: bool) -> String {
    match a.zip(b) {
        Some((a, b)) if share => format!("{:+.0} п. п.", (a - b) * 100.0),
        Some((a, b)) => format!("{:+.1}", a - b),
        None => "—".into(),
    }
}

fn count_change(a: u64, b: u64) -> String {
    format!("{:+}", i128::from(a) - i128::from(b))
}

/// The period picker: a plain GET form, with previous/next links.
#[component]
fn PeriodPicker(data: ReportData, lang: Lang) -> impl IntoView {
    let w = &data.workload;
    let period = Period {
        kind: w.period,
        from: w.from,
        to: w.to,
    };
    let unit = w.unit.clone();
    let units = data
        .units
        .iter()
        .map(|u| {
            let selected = u.code == unit;
            view! { <option value=u.code.clone() selected=selected>{u.name.clone()}</option> }
        })
        .collect_view();
    let kinds = PeriodKind::ALL
        .iter()
        .map(|k| {
            // Refused dates were typed as dates of one's own.
            let selected = if data.refused.is_some() {
                *k == PeriodKind::Custom
            } else {
                *k == w.period
            };
            view! { <option value=k.code() selected=selected>{kind_label(*k).text(lang)}</option> }
        })
        .collect_view();
    let prev = format!("/reports?{}", period_query(&unit, &period.previous()));
    let next = format!("/reports?{}", period_query(&unit, &period.next()));
    let refused = data.refused.clone();
    let error = refused.as_ref().map(|r| r.error.clone());
    let typed = |which: &str, shown: chrono::NaiveDate| match &refused {
        Some(r) if which == "from" => r.from.clone(),
        Some(r) => r.to.clone(),
        None => shown.to_string(),
    };
    let (from_value, to_value) = (typed("from", w.from), typed("to", w.to));
    let wrong = |field: &str| field_error(&error, field, lang);
    let (from_wrong, to_wrong) = (wrong("from"), wrong("to"));
    let names = FieldNames(vec![
        (
            "from".into(),
            "r-from".into(),
            Msg::PeriodFrom.text(lang).into(),
        ),
        ("to".into(), "r-to".into(), Msg::PeriodTo.text(lang).into()),
        (
            "period".into(),
            "r-period".into(),
            Msg::PeriodLabel.text(lang).into(),
        ),
    ]);
    let first = error.as_ref().and_then(|e| names.first_wrong(e));
    let focus = move |id: &str| first.as_deref() == Some(id);
    let field_msg = |id: &'static str, msg: Option<String>| {
        msg.map(|m| view! { <p class="field-error" id=id>{m}</p> })
    };
    view! {
        <ErrorSummary error=error.clone() lang=lang names=names/>
        <form method="get" action="/reports" class="filters period-picker">
            <div class="field">
                <label for="r-unit">{Msg::UnitOwner.text(lang)}</label>
                <select id="r-unit" name="unit">{units}</select>
            </div>
            <div class="field">
                <label for="r-period">{Msg::PeriodLabel.text(lang)}</label>
                <select id="r-period" name="period">{kinds}</select>
            </div>
            <div class="field">
                <label for="r-from">{Msg::PeriodFrom.text(lang)}</label>
                <input id="r-from" name="from" type="date" value=from_value
                    aria-invalid=from_wrong.is_some().then_some("true")
                    aria-describedby=from_wrong.is_some().then_some("r-from-error")
                    autofocus=focus("r-from")/>
                {field_msg("r-from-error", from_wrong.clone())}
            </div>
            <div class="field">
                <label for="r-to">{Msg::PeriodTo.text(lang)}</label>
                <input id="r-to" name="to" type="date" value=to_value
                    aria-invalid=to_wrong.is_some().then_some("true")
                    aria-describedby=to_wrong.is_some().then_some("r-to-error")
                    autofocus=focus("r-to")/>
                {field_msg("r-to-error", to_wrong.clone())}
            </div>
            <button type="submit">{Msg::Show.text(lang)}</button>
        </form>
        <p class="period-nav">
            <a href=prev rel="prev">{Msg::PeriodPrevious.text(lang)}</a>
            " · "
            <strong>{date(w.from)}" — "{date(w.to)}</strong>
            " · "
            <a href=next rel="next">{Msg::PeriodNext.text(lang)}</a>
        </p>
    }
}

/// The "now" tiles, each a link to the filtered queue.
#[component]
fn NowTiles(w: Workload, lang: Lang) -> impl IntoView {
    let n = &w.now;
    let tiles = [
        (Msg::NowOpen, n.open, "open"),
        (Msg::NowDueToday, n.due_today, "due_today"),
        (Msg::NowDueWeek, n.due_this_week, "due_week"),
        (Msg::NowOverdue, n.overdue, "overdue"),
        (Msg::NowExtended, n.extended, "extended"),
        (Msg::NowTransferred, n.transferred, "transferred"),
    ];
    let unit = w.unit.clone();
    let items = tiles
        .into_iter()
        .map(|(label, value, focus)| {
            let href = format!("/queue?status=open&unit={unit}&focus={focus}");
            let class = if focus == "overdue" && value > 0 {
                "tile alert"
            } else {
                "tile"
            };
            view! {
                <li class=class data-tile=focus>
                    <a href=href><span class="value">{value}</span><span class="label">{label.text(lang)}</span></a>
                </li>
            }
        })
        .collect_view();
    view! {
        <section aria-labelledby="h-now">
            <h2 id="h-now">{Msg::NowTitle.text(lang)}</h2>
            <ul class="tiles">{items}</ul>
        </section>
    }
}

fn indicator_rows(
    cur: &Indicators,
    prev: &Indicators,
    day_hours: f64,
    lang: Lang,
) -> impl IntoView + use<> {
    let counts = [
        (
            Msg::IndRegistered,
            cur.registered,
            prev.registered,
            "registered",
        ),
        (Msg::IndAnswered, cur.answered, prev.answered, "answered"),
        (Msg::IndOverdue, cur.overdue, prev.overdue, "overdue"),
    ]
    .into_iter()
    .map(|(label, a, b, key)| {
        view! {
            <tr data-ind=key>
                <th scope="row">{label.text(lang)}</th>
                <td>{a}</td><td>{b}</td><td>{count_change(a, b)}</td><td></td>
            </tr>
        }
    })
    .collect_view();
    let measures = [
        (
            Msg::IndOnTime,
            cur.on_time_share,
            prev.on_time_share,
            true,
            "",
            "on_time",
        ),
        (
            Msg::IndFcr,
            cur.first_contact_resolution,
            prev.first_contact_resolution,
            true,
            "≥ 80%",
            "fcr",
        ),
        (
            Msg::IndTransfers,
            cur.transfers_per_request,
            prev.transfers_per_request,
            false,
            "≤ 2",
            "transfers",
        ),
        (
            Msg::IndHandling,
            cur.avg_handling_hours,
            prev.avg_handling_hours,
            false,
            "",
            "handling",
        ),
    ]
    .into_iter()
    .map(|(label, a, b, share, goal, key)| {
        let handling = key == "handling";
        let show = |v: Option<f64>| match v {
            Some(h) if handling => crate::i18n::work_duration(h, day_hours, lang),
            _ if share => pct(v),
            _ => num(v),
        };
        let delta = match a.zip(b) {
            Some((a, b)) if handling => {
                let sign = if a < b { "−" } else { "+" };
                format!(
                    "{sign}{}",
                    crate::i18n::work_duration((a - b).abs(), day_hours, lang)
                )
            }
            _ => change(a, b, share),
        };
        let missed = match key {
            "fcr" => a.is_some_and(|v| v < crate::domain::report::FCR_GOAL),
            "transfers" => a.is_some_and(|v| v > crate::domain::report::TRANSFERS_GOAL),
            _ => false,
        };
        let class = if missed { "missed" } else { "" };
        view! {
            <tr data-ind=key class=class>
                <th scope="row">{label.text(lang)}</th>
                <td>{show(a)}</td><td>{show(b)}</td><td>{delta}</td><td>{goal}</td>
            </tr>
        }
    })
    .collect_view();
    let score = |v: Option<f64>, n: u64| match v {
        Some(v) => format!("{v:.1} {} ({n})", Msg::RateOutOf.text(lang)),
        None => Msg::IndNoRatings.text(lang).to_string(),
    };
    let satisfaction = view! {
        <tr data-ind="satisfaction">
            <th scope="row">{Msg::IndSatisfaction.text(lang)}</th>
            <td>{score(cur.satisfaction, cur.ratings)}</td>
            <td>{score(prev.satisfaction, prev.ratings)}</td>
            <td>{change(cur.satisfaction, prev.satisfaction, false)}</td>
            <td></td>
        </tr>
    };
    view! { {counts}{measures}{satisfaction} }
}

/// Period indicators with the previous period beside them.
#[component]
fn IndicatorTable(w: Workload, lang: Lang) -> impl IntoView {
    let caption = format!(
        "{} {} — {}",
        Msg::ComparedWith.text(lang),
        date(w.previous_from),
        date(w.previous_to)
    );
    let by = |title: Msg,
              a: &std::collections::BTreeMap<String, u64>,
              b: &std::collections::BTreeMap<String, u64>,
              label: &dyn Fn(&str) -> String| {
        let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
        keys.sort();
        keys.dedup();
        let rows = keys
            .into_iter()
            .map(|k| {
                let (x, y) = (a.get(k).copied().unwrap_or(0), b.get(k).copied().unwrap_or(0));
                view! { <tr><th scope="row">{label(k)}</th><td>{x}</td><td>{y}</td><td>{count_change(x, y)}</td></tr> }
            })
            .collect_view();
        view! {
            <table class="data" tabindex="0">
                <caption>{title.text(lang)}</caption>
                <thead><tr><th scope="col"></th><th scope="col">{Msg::IndCurrent.text(lang)}</th><th scope="col">{Msg::IndPrevious.text(lang)}</th><th scope="col">{Msg::IndChange.text(lang)}</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        }
    };
    let titles = w.kind_titles.clone();
    let kind = move |k: &str| titles.get(k).cloned().unwrap_or_else(|| k.to_string());
    let channel = move |k: &str| {
        crate::domain::Channel::parse(k)
            .map(|c| i18n::channel(c, lang).to_string())
            .unwrap_or_else(|| k.to_string())
    };
    view! {
        <section aria-labelledby="h-ind">
            <h2 id="h-ind">{Msg::IndicatorsTitle.text(lang)}</h2>
            <table class="data indicators" tabindex="0">
                <caption>{caption}</caption>
                <thead>
                    <tr>
                        <th scope="col">{Msg::IndName.text(lang)}</th>
                        <th scope="col">{Msg::IndCurrent.text(lang)}</th>
                        <th scope="col">{Msg::IndPrevious.text(lang)}</th>
                        <th scope="col">{Msg::IndChange.text(lang)}</th>
                        <th scope="col">{Msg::IndGoal.text(lang)}</th>
                    </tr>
                </thead>
                <tbody>{indicator_rows(&w.indicators, &w.previous, w.workday_hours, lang)}</tbody>
            </table>
            <div class="two-col">
                {by(Msg::ByKind, &w.indicators.by_kind, &w.previous.by_kind, &kind)}
                {by(Msg::ByChannel, &w.indicators.by_channel, &w.previous.by_channel, &channel)}
            </div>
        </section>
    }
}

#[component]
fn ExecutorTable(w: Workload, lang: Lang) -> impl IntoView {
    let rows = w
        .executors
        .iter()
        .map(|e| {
            let queue = ListFilters {
                unit: w.unit.clone(),
                assignee: e.login.clone(),
                status: "open".into(),
                ..ListFilters::default()
            }
            .href("/queue");
            view! {
                <tr data-login=e.login.clone()>
                    <th scope="row">
                        <a href=queue>{e.name.clone()}<span class="sr-only">" — "{Msg::ExecutorQueue.text(lang)}</span></a>
                    </th>
                    <td data-col="open">{e.open}</td>
                    <td data-col="taken">{e.taken}</td>
                    <td data-col="closed">{e.closed}</td>
                    <td data-col="overdue">{e.overdue}</td>
                    <td data-col="on_time">{pct(e.on_time_share)}</td>
                    <td>{num(e.avg_answer_hours_oral)}</td>
                    <td>{num(e.avg_answer_hours_written)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section aria-labelledby="h-ex">
            <h2 id="h-ex">{Msg::ExecutorsTitle.text(lang)}</h2>
            <table class="data executors" tabindex="0">
                <thead>
                    <tr>
                        <th scope="col">{Msg::ExName.text(lang)}</th>
                        <th scope="col">{Msg::ExOpen.text(lang)}</th>
                        <th scope="col">{Msg::ExTaken.text(lang)}</th>
                        <th scope="col">{Msg::ExClosed.text(lang)}</th>
                        <th scope="col">{Msg::ExOverdue.text(lang)}</th>
                        <th scope="col">{Msg::ExOnTime.text(lang)}</th>
                        <th scope="col">{Msg::ExOral.text(lang)}</th>
                        <th scope="col">{Msg::ExWritten.text(lang)}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </section>
    }
}

/// The three charts, each with its numbers in a table below.
#[component]
fn Charts(w: Workload, lang: Lang) -> impl IntoView {
    let weeks: Vec<String> = w
        .weeks
        .iter()
        .map(|p| p.start.format("%d.%m").to_string())
        .collect();
    let mut kinds: Vec<String> = w
        .weeks
        .iter()
        .flat_map(|p| p.by_kind.keys().cloned())
        .collect();
    kinds.sort();
    kinds.dedup();
    let title_of = |k: &str| {
        w.kind_titles
            .get(k)
            .cloned()
            .unwrap_or_else(|| k.to_string())
    };
    let stacks: Vec<Vec<u64>> = w
        .weeks
        .iter()
        .map(|p| {
            kinds
                .iter()
                .map(|k| p.by_kind.get(k).copied().unwrap_or(0))
                .collect()
        })
        .collect();
    let total: u64 = stacks.iter().flatten().sum();
    let desc1 = format!(
        "{} {}: {total}",
        Msg::IndRegistered.text(lang),
        date(w.from)
    );
    let weekly = charts::stacked_bars(
        "c-weekly",
        Msg::ChartWeeklyKinds.text(lang),
        &desc1,
        &weeks,
        &stacks,
    );
    let legend = kinds
        .iter()
        .enumerate()
        .map(|(i, k)| {
            // Classes, not style attributes: the Content-Security-Policy allows no inline style.
            let class = format!("swatch swatch-{}", i % charts::PALETTE.len());
            view! { <li><span class=class aria-hidden="true"></span>{title_of(k)}</li> }
        })
        .collect_view();
    let weekly_rows = w
        .weeks
        .iter()
        .zip(&stacks)
        .map(|(p, s)| {
            let cells = s.iter().map(|v| view! { <td>{*v}</td> }).collect_view();
            view! { <tr><th scope="row">{p.start.format("%d.%m.%Y").to_string()}</th>{cells}<td>{pct(p.on_time_share)}</td></tr> }
        })
        .collect_view();
    let kind_heads = kinds
        .iter()
        .map(|k| view! { <th scope="col">{title_of(k)}</th> })
        .collect_view();
    let shares: Vec<Option<f64>> = w.weeks.iter().map(|p| p.on_time_share).collect();
    let desc2 = format!(
        "{}: {}",
        Msg::IndOnTime.text(lang),
        pct(w.indicators.on_time_share)
    );
    let on_time = charts::share_line(
        "c-ontime",
        Msg::ChartOnTime.text(lang),
        &desc2,
        &weeks,
        &shares,
    );
    let names: Vec<String> = w.executors.iter().map(|e| e.name.clone()).collect();
    let pairs: Vec<(u64, u64)> = w.executors.iter().map(|e| (e.open, e.closed)).collect();
    let desc3 = format!("{} / {}", Msg::ExOpen.text(lang), Msg::ExClosed.text(lang));
    let load = charts::paired_bars("c-load", Msg::ChartLoad.text(lang), &desc3, &names, &pairs);
    let load_rows = w
        .executors
        .iter()
        .map(|e| view! { <tr><th scope="row">{e.name.clone()}</th><td>{e.open}</td><td>{e.closed}</td></tr> })
        .collect_view();
    view! {
        <section aria-labelledby="h-charts" class="charts">
            <h2 id="h-charts">{Msg::ChartsTitle.text(lang)}</h2>
            <figure>
                <figcaption>{Msg::ChartWeeklyKinds.text(lang)}</figcaption>
                <div class="chart" inner_html=weekly></div>
                <ul class="legend">{legend}</ul>
                <details>
                    <summary>{Msg::ChartData.text(lang)}</summary>
                    <table class="data" tabindex="0">
                        <thead><tr><th scope="col">{Msg::WeekOf.text(lang)}</th>{kind_heads}<th scope="col">{Msg::IndOnTime.text(lang)}</th></tr></thead>
                        <tbody>{weekly_rows}</tbody>
                    </table>
                </details>
            </figure>
            <figure>
                <figcaption>{Msg::ChartOnTime.text(lang)}</figcaption>
                <div class="chart" inner_html=on_time></div>
            </figure>
            <figure>
                <figcaption>{Msg::ChartLoad.text(lang)}</figcaption>
                <div class="chart" inner_html=load></div>
                <ul class="legend">
                    <li><span class="swatch swatch-0" aria-hidden="true"></span>{Msg::ExOpen.text(lang)}</li>
                    <li><span class="swatch swatch-1" aria-hidden="true"></span>{Msg::ExClosed.text(lang)}</li>
                </ul>
                <details>
                    <summary>{Msg::ChartData.text(lang)}</summary>
                    <table class="data" tabindex="0">
                        <thead><tr><th scope="col">{Msg::ExName.text(lang)}</th><th scope="col">{Msg::ExOpen.text(lang)}</th><th scope="col">{Msg::ExClosed.text(lang)}</th></tr></thead>
                        <tbody>{load_rows}</tbody>
                    </table>
                </details>
            </figure>
        </section>
    }
}

#[component]
fn OverdueList(w: Workload, lang: Lang, offset: chrono::FixedOffset) -> impl IntoView {
    if w.overdue_now.is_empty() {
        return view! {
            <section aria-labelledby="h-overdue">
                <h2 id="h-overdue">{Msg::OverdueTitle.text(lang)}</h2>
                <p class="empty">{Msg::NoOverdue.text(lang)}</p>
            </section>
        }
        .into_any();
    }
    let rows = w
        .overdue_now
        .iter()
        .map(|o| {
            view! {
                <tr>
                    <td><a href=format!("/requests/{}", o.id)>{o.number.clone()}</a></td>
                    <td>{o.subject.clone()}</td>
                    <td>{o.kind_title.clone()}</td>
                    <td>{o.executor.clone().unwrap_or_else(|| "—".into())}</td>
                    <td>{fmt_time(o.due_at, offset)}</td>
                    <td>{o.days_late}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section aria-labelledby="h-overdue">
            <h2 id="h-overdue">{Msg::OverdueTitle.text(lang)}" ("{w.overdue_total}")"</h2>
            {(w.overdue_total > w.overdue_now.len() as u64).then(|| view! {
                <p>
                    {Msg::OverdueShown.text(lang)}" "
                    <a href=format!("/queue?unit={}&focus=overdue", w.unit)>{Msg::OverdueAll.text(lang)}</a>
                </p>
            })}
            <table class="data overdue" tabindex="0">
                <thead>
                    <tr>
                        <th scope="col">{Msg::Number.text(lang)}</th>
                        <th scope="col">{Msg::Subject.text(lang)}</th>
                        <th scope="col">{Msg::KindLabel.text(lang)}</th>
                        <th scope="col">{Msg::ExName.text(lang)}</th>
                        <th scope="col">{Msg::DueDate.text(lang)}</th>
                        <th scope="col">{Msg::DaysLate.text(lang)}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </section>
    }
    .into_any()
}

#[component]
fn Proposals(w: Workload, lang: Lang) -> impl IntoView {
    let action = ServerAction::<SaveReportProposals>::new();
    let saved = move || matches!(action.value().get(), Some(Ok(_)));
    let failed = move || match action.value().get() {
        Some(Err(e)) => Some(i18n::error(&e, lang)),
        _ => None,
    };
    view! {
        <section aria-labelledby="h-proposals" class="no-print">
            <h2 id="h-proposals">{Msg::ProposalsTitle.text(lang)}</h2>
            <ActionForm action=action attr:class="stack">
                <FormToken/>
                <input type="hidden" name="unit" value=w.unit.clone()/>
                <input type="hidden" name="from" value=w.from.to_string()/>
                <input type="hidden" name="to" value=w.to.to_string()/>
                <div class="field">
                    <label for="r-proposals">{Msg::ProposalsTitle.text(lang)}</label>
                    <textarea id="r-proposals" name="text" rows="6" maxlength=crate::domain::fields::BODY_MAX aria-describedby="r-proposals-hint">{w.proposals.clone()}</textarea>
                    <p id="r-proposals-hint" class="hint">{Msg::ProposalsHint.text(lang)}</p>
                </div>
                <p role="status" class="saved">{move || saved().then(|| Msg::ProposalsSaved.text(lang))}</p>
                {move || failed().map(|m| view! { <p role="alert" class="error">{m}</p> })}
                <button type="submit" class="primary">{Msg::Save.text(lang)}</button>
            </ActionForm>
        </section>
    }
}

/// Download links that work without JavaScript; with it, the file is
/// prepared in the background with its progress shown.
#[component]
fn ExportLinks(w: Workload, lang: Lang) -> impl IntoView {
    let job = RwSignal::new(None::<ExportView>);
    let failed = RwSignal::new(None::<String>);
    let base = format!("unit={}&from={}&to={}", w.unit, w.from, w.to);
    let links = ["xlsx", "pdf", "csv"]
        .into_iter()
        .map(|format| {
            let href = format!("/reports/file?{base}&format={format}");
            let (unit, from, to) = (w.unit.clone(), w.from.to_string(), w.to.to_string());
            let start = move |ev: leptos::ev::MouseEvent| {
                ev.prevent_default();
                failed.set(None);
                let (unit, from, to) = (unit.clone(), from.clone(), to.clone());
                leptos::task::spawn_local(async move {
                    let mut view = match start_report_export(unit, from, to, format.into()).await {
                        Ok(v) => v,
                        Err(e) => {
                            failed.set(Some(i18n::error(&e, lang)));
                            return;
                        }
                    };
                    loop {
                        job.set(Some(view.clone()));
                        if view.state != "running" {
                            break;
                        }
                        pause(400).await;
                        match report_export_status(view.id).await {
                            Ok(v) => view = v,
                            Err(e) => {
                                failed.set(Some(i18n::error(&e, lang)));
                                break;
                            }
                        }
                    }
                });
            };
            view! {
                <a class="button" href=href data-format=format on:click=start>{format.to_uppercase()}</a>
            }
        })
        .collect_view();
    let progress = move || {
        job.get().map(|j| match j.state.as_str() {
            "ready" => view! {
                <p>
                    {Msg::ExportReady.text(lang)}" "
                    <a class="button primary" href=format!("/reports/exports/{}/file", j.id) download=j.file_name.clone() data-ready="1">
                        {Msg::ExportDownload.text(lang)}" ("{j.format.to_uppercase()}")"
                    </a>
                </p>
            }
            .into_any(),
            "failed" => view! { <p class="error">{Msg::ExportFailed.text(lang)}</p> }.into_any(),
            _ => view! {
                <p>
                    <label for="r-progress">{Msg::ExportRunning.text(lang)}" ("{j.format.to_uppercase()}"): "{j.done}" "{Msg::ExportOf.text(lang)}" "{j.total}</label>
                    " "
                    <progress id="r-progress" max=j.total.max(1) value=j.done></progress>
                </p>
            }
            .into_any(),
        })
    };
    view! {
        <section aria-labelledby="h-export" class="no-print">
            <h2 id="h-export">{Msg::ExportTitle.text(lang)}</h2>
            <p class="hint">{Msg::ExportHint.text(lang)}</p>
            <p class="actions">{links}</p>
            <div aria-live="polite" class="export-progress">{progress}{move || failed.get().map(|m| view! { <p role="alert" class="error">{m}</p> })}</div>
        </section>
    }
}

/// Waits in the browser; on the server (never called there) returns at once.
async fn pause(ms: u64) {
    #[cfg(feature = "hydrate")]
    {
        let (tx, rx) = futures::channel::oneshot::channel::<()>();
        set_timeout(
            move || {
                let _sent = tx.send(());
            },
            std::time::Duration::from_millis(ms),
        );
        let _woken = rx.await;
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = ms;
}

fn use_report() -> Resource<Result<ReportData, AppError>> {
    let query = use_query_map();
    Resource::new(
        move || query.with(|q| (q.get("unit"), q.get("period"), q.get("from"), q.get("to"))),
        |(unit, period, from, to)| get_workload(unit, period, from, to),
    )
}

#[component]
pub fn ReportsPage() -> impl IntoView {
    let data = use_report();
    signed_in_page(move |info, user| async move {
        let lang = info.lang;
        let offset = info.offset();
        if !user.roles.reports_anything() {
            return view! { <h1>{Msg::Reports.text(lang)}</h1><p>{Msg::NoReportAccess.text(lang)}</p> }.into_any();
        }
        let data = match data.await {
            Ok(d) => d,
            Err(e) => {
                return view! { <h1>{Msg::Reports.text(lang)}</h1><LoadError error=e lang=lang/> }
                    .into_any();
            }
        };
        let w = data.workload.clone();
        let period = Period {
            kind: w.period,
            from: w.from,
            to: w.to,
        };
        let meeting = format!("/reports/meeting?{}", period_query(&w.unit, &period));
        view! {
            <leptos_meta::Title text=format!("{}: {}", Msg::Reports.text(lang), w.unit_name)/>
            <h1>{Msg::Reports.text(lang)}": "{w.unit_name.clone()}</h1>
            <PeriodPicker data=data.clone() lang=lang/>
            <p><a class="button" href=meeting>{Msg::MeetingMode.text(lang)}</a></p>
            <NowTiles w=w.clone() lang=lang/>
            <IndicatorTable w=w.clone() lang=lang/>
            <ExecutorTable w=w.clone() lang=lang/>
            <Charts w=w.clone() lang=lang/>
            <OverdueList w=w.clone() lang=lang offset=offset/>
            <Proposals w=w.clone() lang=lang/>
            <ExportLinks w=w lang=lang/>
        }
        .into_any()
    })
}

/// The meeting view: large type on screen, one clean sheet on paper.
#[component]
pub fn MeetingPage() -> impl IntoView {
    let data = use_report();
    signed_in_page(move |info, _user| async move {
        let lang = info.lang;
        let offset = info.offset();
        let data = match data.await {
                Ok(d) => d,
                Err(e) => return view! { <h1>{Msg::MeetingTitle.text(lang)}</h1><LoadError error=e lang=lang/> }.into_any(),
            };
        let w = data.workload;
        let period = Period {
            kind: w.period,
            from: w.from,
            to: w.to,
        };
        let back = format!("/reports?{}", period_query(&w.unit, &period));
        let today = date(w.as_of);
        view! {
                <div class="meeting">
                    <p class="no-print">
                        <a href=back>{Msg::BackToReports.text(lang)}</a>
                        " "
                        // The button needs JavaScript; without it the browser's own
                        // print (Ctrl+P) uses the same print stylesheet.
                        <button type="button" class="primary js-only" on:click=move |_| { let _ = window().print(); }>{Msg::Print.text(lang)}</button>
                        <span class="hint nojs-only">{Msg::PrintHint.text(lang)}</span>
                    </p>
                    <leptos_meta::Title text=format!("{}: {}", Msg::MeetingTitle.text(lang), w.unit_name)/>
                    <h1>{Msg::MeetingTitle.text(lang)}": "{w.unit_name.clone()}</h1>
                    <p class="subtitle">{Msg::StateOn.text(lang)}" "{today}". "{Msg::PeriodLabel.text(lang)}": "{date(w.from)}" — "{date(w.to)}</p>
                    <NowTiles w=w.clone() lang=lang/>
                    <OverdueList w=w.clone() lang=lang offset=offset/>
                    <ExecutorTable w=w.clone() lang=lang/>
                    <IndicatorTable w=w lang=lang/>
                </div>
            }
            .into_any()
    })
}
