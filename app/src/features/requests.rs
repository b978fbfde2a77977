//! "My requests" and the unit queue: keyset-paged lists of requests with a
//! search box and filters. The filters are a plain GET form and live in the
//! address, so a view can be bookmarked or linked to (the workload page
//! does) and works with JavaScript off; the links to the next and previous
//! pages keep them, and the page size.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;
use serde::{Deserialize, Serialize};

use super::FormToken;
use super::common::{
    ErrorSummary, LoadError, SortLinks, TicketTable, field_error, signed_in_page, urlencode,
};
use super::kb_edit::Choice;
use super::{session_info, use_session};
use crate::domain::Status;
use crate::i18n::{self, Lang, Msg};
use crate::wire::{AppError, SavedView, TicketPage, UserRef};
use leptos::form::ActionForm;

/// A list's filters as the address carries them; empty means "not given".
/// The service checks the values (unknown ones are named in the error).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ListFilters {
    pub unit: String,
    pub focus: String,
    pub assignee: String,
    pub status: String,
    pub q: String,
    pub kind: String,
    pub overdue: String,
    pub due_before: String,
    pub sort: String,
    /// Rows on a page (empty: the list's default).
    pub limit: String,
    pub cursor: String,
}

impl ListFilters {
    /// The filters of the current address; the queue shows open requests
    /// unless told otherwise, one's own requests all of them.
    pub fn from_query(q: &ParamsMap, queue: bool) -> ListFilters {
        let get = |k: &str| q.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
        let status = Some(get("status"))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| if queue { "open" } else { "all" }.into());
        ListFilters {
            unit: get("unit"),
            focus: get("focus"),
            assignee: get("assignee"),
            status,
            q: get("q"),
            kind: get("kind"),
            overdue: get("overdue"),
            due_before: get("due_before"),
            sort: get("sort"),
            limit: get("limit"),
            cursor: get("cursor"),
        }
    }

    fn pairs(&self) -> [(&'static str, &str); 11] {
        [
            ("unit", &self.unit),
            ("focus", &self.focus),
            ("assignee", &self.assignee),
            ("status", &self.status),
            ("q", &self.q),
            ("kind", &self.kind),
            ("overdue", &self.overdue),
            ("due_before", &self.due_before),
            ("sort", &self.sort),
            ("limit", &self.limit),
            ("cursor", &self.cursor),
        ]
    }

    /// The address of this view under `base` (`/queue`, `/requests`), with
    /// only the values given.
    pub fn href(&self, base: &str) -> String {
        let query: Vec<String> = self
            .pairs()
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect();
        if query.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{}", query.join("&"))
        }
    }

    /// Whether anything narrows the list beyond the page's default view.
    fn narrowed(&self, queue: bool) -> bool {
        let plain = ListFilters::from_query(&ParamsMap::new(), queue);
        ListFilters {
            cursor: String::new(),
            ..self.clone()
        } != plain
    }
}

#[server]
pub async fn list_requests(scope: String, filters: ListFilters) -> Result<TicketPage, AppError> {
    use crate::server::tickets::{ListParams, ListQuery, list};
    let (state, caller) = super::ssr::caller().await?;
    let f = filters;
    let params = ListParams {
        scope: Some(scope),
        status: Some(f.status),
        limit: Some(f.limit),
        cursor: Some(f.cursor),
        unit: Some(f.unit),
        focus: Some(f.focus),
        q: Some(f.q),
        kind: Some(f.kind),
        assignee: Some(f.assignee),
        overdue: Some(f.overdue),
        due_before: Some(f.due_before),
        sort: Some(f.sort),
    };
    let query = ListQuery::from_params(&params)?;
    Ok(list(&state, &caller, query).await?)
}

/// How many open requests each ready-made view of the queue holds, in the
/// unit asked for (if the caller works it) or all the caller's units.
#[server]
pub async fn get_queue_counts(unit: String) -> Result<crate::wire::QueueCounts, AppError> {
    let (state, caller) = super::ssr::caller().await?;
    let unit = unit.trim().to_uppercase();
    let units = if !unit.is_empty() && (caller.roles.is_admin() || caller.roles.is_staff_of(&unit))
    {
        vec![unit]
    } else if caller.roles.is_admin() {
        crate::server::catalogue::units(&state)
            .await?
            .into_iter()
            .map(|u| u.code)
            .collect()
    } else {
        caller.roles.staff_units()
    };
    if units.is_empty() {
        return Err(AppError::Forbidden);
    }
    Ok(crate::server::reports::sums::queue_counts(&state, caller.id, &units).await?)
}

/// The caller's saved views of the queue.
#[server]
pub async fn list_queue_views() -> Result<Vec<SavedView>, AppError> {
    let (state, caller) = super::ssr::caller().await?;
    Ok(crate::server::views::list(&state, &caller).await?)
}

/// Saves the queue's current filters under a name (the same name replaces).
#[server]
pub async fn save_queue_view(name: String, query: String) -> Result<SavedView, AppError> {
    let (state, caller) = super::ssr::caller().await?;
    Ok(crate::server::views::save(&state, &caller, &name, &query).await?)
}

/// Deletes one of the caller's saved views.
#[server]
pub async fn delete_queue_view(id: i64) -> Result<(), AppError> {
    let (state, caller) = super::ssr::caller().await?;
    Ok(crate::server::views::delete(&state, &caller, id).await?)
}

/// The person's own views: a link each with a button to delete it, and a
/// form to save what is shown under a name.
#[component]
fn SavedViews(filters: ListFilters, lang: Lang) -> impl IntoView {
    let save = ServerAction::<SaveQueueView>::new();
    let delete = ServerAction::<DeleteQueueView>::new();
    let saved = Resource::new(
        move || (save.version().get(), delete.version().get()),
        |_| list_queue_views(),
    );
    let shown = ListFilters {
        cursor: String::new(),
        limit: String::new(),
        ..filters
    };
    let query = shown.href("").trim_start_matches('?').to_string();
    let current = query.clone();
    let list = move || {
        saved.get().and_then(Result::ok).map(|views| {
            let current = current.clone();
            views
                .into_iter()
                .map(|v| {
                    let here = (v.query == current).then_some("page");
                    let href = if v.query.is_empty() {
                        "/queue".to_string()
                    } else {
                        format!("/queue?{}", v.query)
                    };
                    let label = format!("{} «{}»", Msg::DeleteView.text(lang), v.name);
                    view! {
                        <li class="saved">
                            <a href=href aria-current=here data-saved=v.name.clone()>{v.name.clone()}</a>
                            <ActionForm action=delete attr:class="inline">
                                <FormToken/>
                                <input type="hidden" name="id" value=v.id/>
                                <button type="submit" class="link" aria-label=label>"×"</button>
                            </ActionForm>
                        </li>
                    }
                })
                .collect_view()
        })
    };
    let error = move || save.value().get().and_then(Result::err);
    view! {
        <Transition fallback=|| ()>
            <ul class="saved-views">{list}</ul>
        </Transition>
        <details class="save-view" open=move || error().is_some()>
            <summary>{Msg::SaveView.text(lang)}</summary>
            <ActionForm action=save attr:class="inline-form">
                <FormToken/>
                <input type="hidden" name="query" value=query/>
                <label for="f-view-name">{Msg::ViewName.text(lang)}</label>
                <input id="f-view-name" name="name" type="text" maxlength="80" required
                    aria-invalid=move || error().map(|_| "true")
                    aria-describedby="e-view-name"/>
                <button type="submit" disabled=move || save.pending().get()>{Msg::Save.text(lang)}</button>
                {move || error().map(|e| {
                    let text = field_error(&Some(e.clone()), "name", lang)
                        .unwrap_or_else(|| i18n::error(&e, lang));
                    view! { <p class="field-error" id="e-view-name">{text}</p> }
                })}
            </ActionForm>
        </details>
    }
}

/// The queue's ready-made views with how many requests each holds; the one
/// shown is marked current.
#[component]
fn QueueViews(filters: ListFilters, counts: crate::wire::QueueCounts, lang: Lang) -> impl IntoView {
    let base = ListFilters {
        unit: filters.unit.clone(),
        status: "open".into(),
        ..ListFilters::default()
    };
    let views = [
        (
            Msg::ViewAllOpen,
            counts.open,
            ListFilters { ..base.clone() },
        ),
        (
            Msg::ViewMine,
            counts.mine,
            ListFilters {
                assignee: "me".into(),
                ..base.clone()
            },
        ),
        (
            Msg::ViewUnassigned,
            counts.unassigned,
            ListFilters {
                assignee: "none".into(),
                ..base.clone()
            },
        ),
        (
            Msg::ViewDueWeek,
            counts.due_week,
            ListFilters {
                focus: "due_week".into(),
                ..base.clone()
            },
        ),
        (
            Msg::ViewOverdue,
            counts.overdue,
            ListFilters {
                focus: "overdue".into(),
                ..base.clone()
            },
        ),
    ];
    // The current view: the filters without paging and page size.
    let shown = ListFilters {
        cursor: String::new(),
        limit: String::new(),
        ..filters
    };
    let current = shown.clone();
    let items = views
        .into_iter()
        .map(|(label, count, f)| {
            let current = (f == current).then_some("page");
            let code = if f.focus.is_empty() {
                f.assignee.clone()
            } else {
                f.focus.clone()
            };
            view! {
                <li>
                    <a href=f.href("/queue") aria-current=current data-view=code>
                        {label.text(lang)}" "<span class="count">{count}</span>
                    </a>
                </li>
            }
        })
        .collect_view();
    view! {
        <nav class="views" aria-label=Msg::QueueViews.text(lang)>
            <ul>{items}</ul>
            <SavedViews filters=shown lang=lang/>
        </nav>
    }
}

/// What the filter form offers: the request kinds and, in a queue, the
/// people who work it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FilterChoices {
    pub kinds: Vec<Choice>,
    pub staff: Vec<UserRef>,
    /// In a queue, the units a request can be transferred to.
    pub units: Vec<Choice>,
}

#[server]
pub async fn get_filter_choices(queue: bool, unit: String) -> Result<FilterChoices, AppError> {
    use crate::server::catalogue;
    let (state, caller) = super::ssr::caller().await?;
    // One copy of the catalogue, as of the counters read with the session.
    let reference = state.reference_for(&caller).await?;
    let active = &reference.catalogue.kinds;
    let retired = reference
        .catalogue
        .all_kinds
        .iter()
        .filter(|k| !active.iter().any(|a| a.code == k.code));
    let kinds = active
        .iter()
        .chain(retired)
        .map(|k| Choice {
            title: i18n::pick(caller.lang, &k.title, k.title_en.as_ref()).to_string(),
            code: k.code.clone(),
        })
        .collect();
    let unit = unit.trim().to_uppercase();
    let units = if !queue {
        Vec::new()
    } else if !unit.is_empty() && (caller.roles.is_admin() || caller.roles.is_staff_of(&unit)) {
        vec![unit]
    } else {
        caller.roles.staff_units()
    };
    let mut staff: Vec<UserRef> = Vec::new();
    for unit in units {
        for person in reference.staff.of(&unit).iter().map(catalogue::user_ref) {
            if !staff.iter().any(|s| s.login == person.login) {
                staff.push(person);
            }
        }
    }
    staff.sort_by(|a, b| a.name.cmp(&b.name));
    let units = if queue {
        reference
            .catalogue
            .units
            .iter()
            .map(|u| Choice {
                title: i18n::pick(
                    caller.lang,
                    &u.name,
                    Some(&u.name_en).filter(|n| !n.is_empty()),
                )
                .to_string(),
                code: u.code.clone(),
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(FilterChoices {
        kinds,
        staff,
        units,
    })
}

fn focus_label(code: &str) -> Option<Msg> {
    Some(match code {
        "open" => Msg::NowOpen,
        "due_today" => Msg::NowDueToday,
        "due_week" => Msg::NowDueWeek,
        "overdue" => Msg::NowOverdue,
        "extended" => Msg::NowExtended,
        "transferred" => Msg::NowTransferred,
        _ => return None,
    })
}

/// `<option>`s for `(value, text)` pairs, the one equal to `current` chosen;
/// a `current` value the list lacks (a bookmarked login) is added as is.
fn options(items: Vec<(String, String)>, current: &str) -> impl IntoView + use<> {
    let mut items = items;
    if !current.is_empty() && !items.iter().any(|(v, _)| v == current) {
        items.push((current.to_string(), current.to_string()));
    }
    items
        .into_iter()
        .map(|(value, text)| {
            let selected = value == current;
            view! { <option value=value selected=selected>{text}</option> }
        })
        .collect_view()
}

/// The search box and filters: a plain GET form back to the same page.
#[component]
fn FilterForm(
    queue: bool,
    filters: ListFilters,
    choices: FilterChoices,
    lang: Lang,
) -> impl IntoView {
    let f = filters;
    let base = if queue { "/queue" } else { "/requests" };
    let pair = |v: &str, m: Msg| (v.to_string(), m.text(lang).to_string());
    let kinds = std::iter::once(pair("", Msg::FilterAnyKind))
        .chain(choices.kinds.into_iter().map(|k| (k.code, k.title)))
        .collect();
    let mut statuses = vec![
        pair("open", Msg::Open),
        pair("closed", Msg::FilterFinished),
        pair("all", Msg::All),
    ];
    // `closed` is the group above (answered or closed); the other statuses one by one.
    statuses.extend(
        Status::ALL
            .iter()
            .filter(|s| **s != Status::Closed)
            .map(|s| (s.code().to_string(), i18n::status(*s, lang).to_string())),
    );
    let mut assignees = vec![pair("", Msg::FilterAnyone)];
    if queue {
        assignees.push(pair("me", Msg::FilterAssignedToMe));
    }
    assignees.push(pair("none", Msg::FilterNobody));
    assignees.extend(choices.staff.into_iter().map(|s| (s.login, s.name)));
    // The page's own order has the empty value, so the address stays short.
    let sorts = if queue {
        vec![
            pair("", Msg::SortDue),
            pair("-due", Msg::SortDueDesc),
            pair("-registered", Msg::SortRegisteredDesc),
            pair("registered", Msg::SortRegistered),
        ]
    } else {
        vec![
            pair("", Msg::SortRegisteredDesc),
            pair("registered", Msg::SortRegistered),
            pair("due", Msg::SortDue),
            pair("-due", Msg::SortDueDesc),
        ]
    };
    let sort = if queue && f.sort == "due" {
        ""
    } else {
        f.sort.as_str()
    };
    // The default size has the empty value, so the address stays short.
    let sizes = PAGE_SIZES
        .iter()
        .map(|n| {
            let value = if *n == PAGE_SIZES[0] {
                String::new()
            } else {
                n.to_string()
            };
            (value, n.to_string())
        })
        .collect();
    let limit = if f.limit == PAGE_SIZES[0].to_string() {
        ""
    } else {
        f.limit.as_str()
    };
    let hidden = |name: &'static str, value: &str| {
        (!value.is_empty())
            .then(|| view! { <input type="hidden" name=name value=value.to_string()/> })
    };
    view! {
        <form method="get" action=base class="filters period-picker" role="search" aria-label=Msg::FiltersTitle.text(lang)>
            {hidden("unit", &f.unit)}
            {hidden("focus", &f.focus)}
            <div class="field">
                <label for="f-q">{Msg::SearchLabel.text(lang)}</label>
                <input id="f-q" type="search" name="q" value=f.q.clone() maxlength="200" aria-describedby="h-q"/>
                <p class="hint" id="h-q">{Msg::SearchHint.text(lang)}</p>
            </div>
            <div class="field">
                <label for="f-kind">{Msg::KindLabel.text(lang)}</label>
                <select id="f-kind" name="kind">{options(kinds, &f.kind)}</select>
            </div>
            <div class="field">
                <label for="f-status">{Msg::StatusLabel.text(lang)}</label>
                <select id="f-status" name="status">{options(statuses, &f.status)}</select>
            </div>
            <div class="field">
                <label for="f-assignee">{Msg::Assignee.text(lang)}</label>
                <select id="f-assignee" name="assignee">{options(assignees, &f.assignee)}</select>
            </div>
            <div class="field">
                <label for="f-due_before">{Msg::FilterDueBefore.text(lang)}</label>
                <input id="f-due_before" type="date" name="due_before" value=f.due_before.clone()/>
            </div>
            <div class="field">
                <label for="f-sort">{Msg::SortLabel.text(lang)}</label>
                <select id="f-sort" name="sort">{options(sorts, sort)}</select>
            </div>
            <div class="field">
                <label for="f-limit">{Msg::PageSize.text(lang)}</label>
                <select id="f-limit" name="limit">{options(sizes, limit)}</select>
            </div>
            <div class="checkbox">
                <input id="f-overdue" type="checkbox" name="overdue" value="true" checked=f.overdue == "true"/>
                <label for="f-overdue">{Msg::FilterOverdue.text(lang)}</label>
            </div>
            <button type="submit">{Msg::FilterApply.text(lang)}</button>
            <a href=base>{Msg::FilterReset.text(lang)}</a>
        </form>
    }
}

/// The address parameter naming the kept outcome of an action on checked
/// rows (without JavaScript the page loads again to show it).
const BULK_PARAM: &str = "bulk";

/// One action on the queue's checked rows: take, assign or transfer.
/// `back` is the queue view's query, where a plain form post returns to.
#[server]
pub async fn bulk_requests(
    ids: Option<Vec<String>>,
    action: Option<String>,
    assignee: Option<String>,
    unit: Option<String>,
    reason: Option<String>,
    back: Option<String>,
) -> Result<crate::wire::BulkOutcome, AppError> {
    use crate::server::tickets::{BulkAction, bulk, parse_ids};
    let (state, caller) = super::ssr::caller().await?;
    let ids = ids.unwrap_or_default();
    let (action, assignee, unit, reason) = (
        action.unwrap_or_default(),
        assignee.unwrap_or_default(),
        unit.unwrap_or_default(),
        reason.unwrap_or_default(),
    );
    // The view the form was on: only its filters, read as an address.
    let keep: Vec<(String, String)> = {
        let uri = format!("/queue?{}", back.unwrap_or_default())
            .parse::<axum::http::Uri>()
            .ok();
        uri.and_then(|u| {
            axum::extract::Query::<Vec<(String, String)>>::try_from_uri(&u)
                .ok()
                .map(|q| q.0)
        })
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, _)| k != BULK_PARAM && k != super::DRAFT_PARAM && !k.starts_with("__"))
        .collect()
    };
    let result = async {
        let ids = parse_ids(&ids)?;
        let action = BulkAction::parse(&action, &assignee, &unit, &reason)?;
        Ok::<_, AppError>(bulk(&state, &caller, &ids, &action).await?)
    }
    .await;
    let plain = super::ssr::is_plain_form_post();
    match result {
        Ok(outcome) => {
            if plain {
                // The page loads again: the outcome is kept for it, like a draft.
                let key =
                    crate::server::drafts::save(&state, &caller, &outcome_pairs(&outcome)).await?;
                let mut pairs = keep;
                pairs.push((BULK_PARAM.into(), key));
                let query: Vec<String> = pairs
                    .iter()
                    .map(|(k, v)| {
                        format!("{}={}", super::ssr::urlencode(k), super::ssr::urlencode(v))
                    })
                    .collect();
                leptos_axum::redirect(&format!("/queue?{}#bulk-result", query.join("&")));
            }
            Ok(outcome)
        }
        Err(err) => {
            if plain && matches!(err, AppError::Invalid { .. }) {
                let mut typed: Vec<(String, String)> = ids
                    .iter()
                    .map(|id| ("ids".to_string(), id.clone()))
                    .collect();
                typed.extend([
                    ("action".to_string(), action),
                    ("assignee".to_string(), assignee),
                    ("unit".to_string(), unit),
                    ("reason".to_string(), reason),
                ]);
                let to = super::ssr::Refused {
                    base: "/queue",
                    keep,
                    fragment: "",
                };
                super::ssr::back_with_draft(
                    &state,
                    &caller,
                    to,
                    &typed,
                    &err,
                    <BulkRequests as leptos::server_fn::ServerFn>::PATH,
                )
                .await?;
            }
            Err(err)
        }
    }
}

/// An outcome as a draft's pairs: `done` numbers, `refused` as `id number reason`.
#[cfg(any(feature = "ssr", test))]
fn outcome_pairs(outcome: &crate::wire::BulkOutcome) -> Vec<(String, String)> {
    let done = outcome.done.iter().map(|n| ("done".to_string(), n.clone()));
    let refused = outcome.refused.iter().map(|r| {
        (
            "refused".to_string(),
            format!("{} {} {}", r.id, r.number, r.reason),
        )
    });
    done.chain(refused).collect()
}

/// [`outcome_pairs`] read back.
fn outcome_from_pairs(pairs: &[(String, String)]) -> crate::wire::BulkOutcome {
    let mut outcome = crate::wire::BulkOutcome::default();
    for (k, v) in pairs {
        match k.as_str() {
            "done" => outcome.done.push(v.clone()),
            "refused" => {
                let mut parts = v.splitn(3, ' ');
                if let (Some(id), Some(number), Some(reason)) =
                    (parts.next(), parts.next(), parts.next())
                    && let Ok(id) = id.parse()
                {
                    outcome.refused.push(crate::wire::BulkRefusal {
                        id,
                        number: number.to_string(),
                        reason: reason.to_string(),
                    });
                }
            }
            _ => {}
        }
    }
    outcome
}

/// What an action on checked rows did: how many were done, and each
/// request refused with why.
#[component]
fn BulkResult(outcome: crate::wire::BulkOutcome, lang: Lang) -> impl IntoView {
    let refused = (!outcome.refused.is_empty()).then(|| {
        let items = outcome
            .refused
            .iter()
            .map(|r| {
                let href = format!("/requests/{}", r.id);
                view! {
                    <li data-refused=r.number.clone()>
                        <a href=href>{r.number.clone()}</a>": "{i18n::bulk_refusal(&r.reason, lang)}
                    </li>
                }
            })
            .collect_view();
        view! { <p>{Msg::BulkRefused.text(lang)}</p><ul>{items}</ul> }
    });
    let class = if outcome.refused.is_empty() {
        "alert alert-ok"
    } else {
        "alert alert-warning"
    };
    view! {
        <div class=class role="status" id="bulk-result" tabindex="-1">
            <p>{i18n::bulk_done(outcome.done.len() as u64, lang)}</p>
            {refused}
        </div>
    }
}

/// The actions on checked rows: take; assign (unit heads); transfer with a
/// reason. The fields an action does not use are hidden by the style
/// (`:has`), so the bar stays short with JavaScript on or off.
#[component]
fn BulkBar(
    choices: FilterChoices,
    can_assign: bool,
    typed: std::collections::HashMap<String, String>,
    error: Signal<Option<AppError>>,
    pending: Signal<bool>,
    lang: Lang,
) -> impl IntoView {
    let get = |k: &str| typed.get(k).cloned().unwrap_or_default();
    let action = get("action");
    let pair = |v: &str, m: Msg| (v.to_string(), m.text(lang).to_string());
    let mut actions = vec![pair("take", Msg::BulkTake)];
    if can_assign {
        actions.push(pair("assign", Msg::BulkAssign));
    }
    actions.push(pair("transfer", Msg::BulkTransfer));
    let staff = std::iter::once(pair("", Msg::ChooseOne))
        .chain(choices.staff.into_iter().map(|s| (s.login, s.name)))
        .collect();
    let units = std::iter::once(pair("", Msg::ChooseOne))
        .chain(choices.units.into_iter().map(|u| (u.code, u.title)))
        .collect();
    let names = super::common::FieldNames(vec![
        (
            "ids".into(),
            "check-first".into(),
            Msg::CheckRow.text(lang).into(),
        ),
        (
            "action".into(),
            "f-bulk-action".into(),
            Msg::BulkAction.text(lang).into(),
        ),
        (
            "assignee".into(),
            "f-bulk-assignee".into(),
            Msg::BulkExecutor.text(lang).into(),
        ),
        (
            "unit".into(),
            "f-bulk-unit".into(),
            Msg::BulkUnit.text(lang).into(),
        ),
        (
            "reason".into(),
            "f-bulk-reason".into(),
            Msg::BulkReason.text(lang).into(),
        ),
    ]);
    // Typed values stay in the fields (no re-render); only errors follow the signal.
    let wrong = move |field: &'static str| {
        move || {
            field_error(&error.get(), field, lang).map(|t| view! { <p class="field-error">{t}</p> })
        }
    };
    let invalid =
        move |field: &'static str| move || field_error(&error.get(), field, lang).map(|_| "true");
    view! {
        <fieldset class="bulk" id="bulk">
            <legend>{Msg::BulkTitle.text(lang)}</legend>
            {move || view! { <ErrorSummary error=error.get() lang=lang names=names.clone()/> }}
            <p class="hint">{Msg::BulkHint.text(lang)}</p>
            <div class="field">
                <label for="f-bulk-action">{Msg::BulkAction.text(lang)}</label>
                <select id="f-bulk-action" name="action" aria-invalid=invalid("action")>{options(actions, &action)}</select>
            </div>
            {can_assign.then(|| view! {
                <div class="field for-assign">
                    <label for="f-bulk-assignee">{Msg::BulkExecutor.text(lang)}</label>
                    <select id="f-bulk-assignee" name="assignee" aria-invalid=invalid("assignee")>{options(staff, &get("assignee"))}</select>
                    {wrong("assignee")}
                </div>
            })}
            <div class="field for-transfer">
                <label for="f-bulk-unit">{Msg::BulkUnit.text(lang)}</label>
                <select id="f-bulk-unit" name="unit" aria-invalid=invalid("unit")>{options(units, &get("unit"))}</select>
                {wrong("unit")}
            </div>
            <div class="field for-transfer">
                <label for="f-bulk-reason">{Msg::BulkReason.text(lang)}</label>
                <input id="f-bulk-reason" type="text" name="reason" maxlength="2000" value=get("reason") aria-invalid=invalid("reason")/>
                {wrong("reason")}
            </div>
            <button type="submit" class="primary" aria-busy=move || pending.get().then_some("true")
                disabled=move || pending.get()>{Msg::BulkApply.text(lang)}</button>
        </fieldset>
    }
}

/// The page sizes offered, the list's default first.
const PAGE_SIZES: [u32; 3] = [20, 50, 100];

/// A paged list for one scope; `queue` shows the unit's open requests by due date.
#[component]
fn RequestList(queue: bool) -> impl IntoView {
    let query = use_query_map();
    let filters = Memo::new(move |_| query.with(|q| ListFilters::from_query(q, queue)));
    let bulk = ServerAction::<BulkRequests>::new();
    // An action done on checked rows reloads the list; a refused one does
    // not, so that the bar keeps what was chosen and typed beside its error.
    let done = RwSignal::new(0usize);
    // The view a done action was made on: its outcome is shown only there.
    let done_on = RwSignal::new(String::new());
    Effect::new(move |_| {
        if bulk.value().with(|v| matches!(v, Some(Ok(_)))) {
            done_on.set(filters.with_untracked(|f| f.href("")));
            done.update(|n| *n += 1);
        }
    });
    let page = Resource::new(
        move || (filters.get(), done.get()),
        move |(f, _)| {
            let scope = if queue { "unit" } else { "mine" };
            list_requests(scope.into(), f)
        },
    );
    let choices = Resource::new(
        move || filters.with(|f| f.unit.clone()),
        move |unit| get_filter_choices(queue, unit),
    );
    let counts = Resource::new(
        move || (filters.with(|f| f.unit.clone()), done.get()),
        move |(unit, _)| async move {
            if queue {
                get_queue_counts(unit).await.ok()
            } else {
                None
            }
        },
    );
    // Without JavaScript a refused action's fields, and a done one's
    // outcome, come back with the page from a kept draft.
    let draft = super::draft_resource(query);
    let kept = Resource::new(
        move || query.with(|q| q.get(BULK_PARAM).unwrap_or_default()),
        |key| async move {
            if key.is_empty() {
                None
            } else {
                super::get_draft(key)
                    .await
                    .ok()
                    .map(|p| outcome_from_pairs(&p))
            }
        },
    );
    signed_in_page(move |info, user| async move {
        let lang = info.lang;
        let offset = info.offset();
        let f = filters.get_untracked();
        let typed_pairs = draft.await;
        let kept = kept.await;
        let checked: Vec<i64> = typed_pairs
            .iter()
            .filter(|(k, _)| k == "ids")
            .filter_map(|(_, v)| v.parse().ok())
            .collect();
        let typed: std::collections::HashMap<String, String> = typed_pairs.into_iter().collect();
        let roles = &user.roles;
        let bulk_on = queue && roles.is_staff();
        let can_assign =
            roles.is_admin() || roles.staff_units().iter().any(|u| roles.is_head_of(u));
        let outcome = move || {
            bulk.value()
                .get()
                .and_then(Result::ok)
                .filter(|_| done_on.get() == filters.with(|f| f.href("")))
                .or_else(|| kept.clone())
                .map(|o| view! { <BulkResult outcome=o lang=lang/> })
        };
        let base = if queue { "/queue" } else { "/requests" };
        let title = if queue {
            Msg::UnitQueue
        } else {
            Msg::MyRequests
        };
        // Without its choices the form still searches and filters by status.
        let choices = choices.await.unwrap_or_default();
        let bar_choices = choices.clone();
        let views = counts
            .await
            .map(|c| view! { <QueueViews filters=f.clone() counts=c lang=lang/> });
        let body = match page.await {
            Ok(p) if p.items.is_empty() && f.narrowed(queue) => {
                view! { <p class="empty" role="status">{Msg::NoMatches.text(lang)}</p> }.into_any()
            }
            Ok(p) => {
                let link = |cursor: Option<String>, rel: &'static str, label: Msg| {
                    cursor.map(|c| {
                        let href = ListFilters {
                            cursor: c,
                            ..f.clone()
                        }
                        .href(base);
                        view! { <a href=href rel=rel class="button">{label.text(lang)}</a> }
                    })
                };
                // The view as a file: the same filters, every page.
                let file = |ext: &str| {
                    ListFilters {
                        cursor: String::new(),
                        limit: String::new(),
                        ..f.clone()
                    }
                    .href(&format!("{base}/export.{ext}"))
                };
                let export = (!p.items.is_empty()).then(|| {
                    view! {
                        <p class="export">
                            <a href=file("csv") download>{Msg::ExportView.text(lang)}</a>
                            " · "
                            <a href=file("xlsx") download>{Msg::ExportViewXlsx.text(lang)}</a>
                        </p>
                    }
                });
                let pages = (p.prev_cursor.is_some() || p.next_cursor.is_some()).then(|| {
                    view! {
                        <nav class="pages" aria-label=Msg::Pages.text(lang)>
                            {link(p.prev_cursor, "prev", Msg::PrevPage)}
                            {link(p.next_cursor, "next", Msg::NextPage)}
                        </nav>
                    }
                });
                // The column headers sort: the same view in each order,
                // the page's own order with the empty value.
                let own = if queue { "due" } else { "-registered" };
                let sorting = SortLinks {
                    current: if f.sort.is_empty() {
                        own.to_string()
                    } else {
                        f.sort.clone()
                    },
                    hrefs: ["due", "-due", "registered", "-registered"]
                        .iter()
                        .map(|code| {
                            let sort = if *code == own {
                                String::new()
                            } else {
                                code.to_string()
                            };
                            let href = ListFilters {
                                sort,
                                cursor: String::new(),
                                ..f.clone()
                            }
                            .href(base);
                            (code.to_string(), href)
                        })
                        .collect(),
                };
                let table = if bulk_on && !p.items.is_empty() {
                    let back = f.href("").trim_start_matches('?').to_string();
                    let error = Signal::derive(move || bulk.value().get().and_then(Result::err));
                    let pending = Signal::derive(move || bulk.pending().get());
                    view! {
                        <ActionForm action=bulk attr:class="bulk-form">
                            <FormToken/>
                            <input type="hidden" name="back" value=back/>
                            <TicketTable items=p.items lang=lang offset=offset show_requester=queue select=checked.clone() sorting=sorting/>
                            <BulkBar choices=bar_choices.clone() can_assign=can_assign typed=typed.clone()
                                error=error pending=pending lang=lang/>
                        </ActionForm>
                    }
                    .into_any()
                } else {
                    view! { <TicketTable items=p.items lang=lang offset=offset show_requester=queue sorting=sorting/> }.into_any()
                };
                view! { {table}{pages}{export} }.into_any()
            }
            Err(e @ AppError::Invalid { .. }) => {
                view! { <ErrorSummary error=Some(e) lang=lang/> }.into_any()
            }
            Err(e) => view! { <LoadError error=e lang=lang/> }.into_any(),
        };
        let focus = focus_label(&f.focus).map(|m| {
            view! { <p class="focus">{Msg::QueueFiltered.text(lang)}" "<strong>{m.text(lang)}</strong></p> }
        });
        view! {
                <leptos_meta::Title text=title.text(lang)/>
                <h1>{title.text(lang)}</h1>
                {(!queue).then(|| view! { <p><a class="button primary" href="/requests/new">{Msg::NewRequest.text(lang)}</a></p> })}
                {queue.then_some(focus)}
                {views}
                {outcome}
                <FilterForm queue=queue filters=f choices=choices lang=lang/>
                {body}
            }
            .into_any()
    })
}

#[component]
pub fn MyRequestsPage() -> impl IntoView {
    view! { <RequestList queue=false/> }
}

#[component]
pub fn QueuePage() -> impl IntoView {
    view! { <RequestList queue=true/> }
}

/// The start page: staff land on their queue, everyone else on their requests.
#[component]
pub fn HomePage() -> impl IntoView {
    let session = use_session();
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let info = session_info(session).await;
                match info.user {
                    None => view! { <leptos_router::components::Redirect path="/login"/> }.into_any(),
                    Some(u) if u.roles.is_staff() => view! { <QueuePage/> }.into_any(),
                    Some(_) => view! { <MyRequestsPage/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_keeps_only_the_given_values_encoded() {
        let f = ListFilters {
            unit: "IT".into(),
            assignee: "smirnov".into(),
            status: "open".into(),
            ..ListFilters::default()
        };
        assert_eq!(
            f.href("/queue"),
            "/queue?unit=IT&assignee=smirnov&status=open"
        );
        let f = ListFilters {
            q: "принтер 305/2".into(),
            cursor: "-due.1775055600000000000.42".into(),
            ..ListFilters::default()
        };
        assert_eq!(
            f.href("/requests"),
            "/requests?q=%D0%BF%D1%80%D0%B8%D0%BD%D1%82%D0%B5%D1%80%20305%2F2&cursor=-due.1775055600000000000.42"
        );
        assert_eq!(ListFilters::default().href("/queue"), "/queue");
    }

    #[test]
    fn an_outcome_kept_for_the_next_page_reads_back_the_same() {
        let outcome = crate::wire::BulkOutcome {
            done: vec!["BUH-2026-000001".into(), "BUH-2026-000002".into()],
            refused: vec![
                crate::wire::BulkRefusal {
                    id: 7,
                    number: "BUH-2026-000007".into(),
                    reason: "not_open".into(),
                },
                crate::wire::BulkRefusal {
                    id: 9,
                    number: "#9".into(),
                    reason: "not_found".into(),
                },
            ],
        };
        assert_eq!(outcome_from_pairs(&outcome_pairs(&outcome)), outcome);
        // Whatever else a draft holds is not an outcome.
        let noise = [
            ("body".to_string(), "текст".to_string()),
            ("refused".into(), "x".into()),
        ];
        assert_eq!(
            outcome_from_pairs(&noise),
            crate::wire::BulkOutcome::default()
        );
    }

    #[test]
    fn a_view_is_narrowed_by_anything_but_its_defaults_and_cursor() {
        let plain = ListFilters::from_query(&ParamsMap::new(), true);
        assert_eq!(plain.status, "open");
        assert!(!plain.narrowed(true));
        let next = ListFilters {
            cursor: "due.1.2".into(),
            ..plain.clone()
        };
        assert!(!next.narrowed(true));
        let all = ListFilters {
            status: "all".into(),
            ..plain.clone()
        };
        assert!(all.narrowed(true));
        assert!(!all.narrowed(false));
    }
}
