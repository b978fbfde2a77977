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
use super::common::{ErrorSummary, LoadError, TicketTable, field_error, signed_in_page, urlencode};
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
}

#[server]
pub async fn get_filter_choices(queue: bool, unit: String) -> Result<FilterChoices, AppError> {
    use crate::server::catalogue;
    let (state, caller) = super::ssr::caller().await?;
    let active = catalogue::kinds(&state).await?;
    let retired: Vec<_> = catalogue::kinds_all(&state)
        .await?
        .into_iter()
        .filter(|k| !active.iter().any(|a| a.code == k.code))
        .collect();
    let kinds = active
        .into_iter()
        .chain(retired)
        .map(|k| Choice {
            title: i18n::pick(caller.lang, &k.title, k.title_en.as_ref()).to_string(),
            code: k.code,
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
        for person in catalogue::unit_staff(&state, &unit).await? {
            if !staff.iter().any(|s| s.login == person.login) {
                staff.push(person);
            }
        }
    }
    staff.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(FilterChoices { kinds, staff })
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

/// The page sizes offered, the list's default first.
const PAGE_SIZES: [u32; 3] = [20, 50, 100];

/// A paged list for one scope; `queue` shows the unit's open requests by due date.
#[component]
fn RequestList(queue: bool) -> impl IntoView {
    let query = use_query_map();
    let filters = Memo::new(move |_| query.with(|q| ListFilters::from_query(q, queue)));
    let page = Resource::new(
        move || filters.get(),
        move |f| {
            let scope = if queue { "unit" } else { "mine" };
            list_requests(scope.into(), f)
        },
    );
    let choices = Resource::new(
        move || filters.with(|f| f.unit.clone()),
        move |unit| get_filter_choices(queue, unit),
    );
    let counts = Resource::new(
        move || filters.with(|f| f.unit.clone()),
        move |unit| async move {
            if queue {
                get_queue_counts(unit).await.ok()
            } else {
                None
            }
        },
    );
    signed_in_page(move |info, _user| async move {
        let lang = info.lang;
        let offset = info.offset();
        let f = filters.get_untracked();
        let base = if queue { "/queue" } else { "/requests" };
        let title = if queue {
            Msg::UnitQueue
        } else {
            Msg::MyRequests
        };
        // Without its choices the form still searches and filters by status.
        let choices = choices.await.unwrap_or_default();
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
                let export = ListFilters {
                    cursor: String::new(),
                    limit: String::new(),
                    ..f.clone()
                }
                .href(&format!("{base}/export.csv"));
                let export = (!p.items.is_empty()).then(|| view! {
                    <p class="export"><a href=export download>{Msg::ExportView.text(lang)}</a></p>
                });
                let pages = (p.prev_cursor.is_some() || p.next_cursor.is_some()).then(|| {
                    view! {
                        <nav class="pages" aria-label=Msg::Pages.text(lang)>
                            {link(p.prev_cursor, "prev", Msg::PrevPage)}
                            {link(p.next_cursor, "next", Msg::NextPage)}
                        </nav>
                    }
                });
                view! { <TicketTable items=p.items lang=lang offset=offset show_requester=queue/>{pages}{export} }.into_any()
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
