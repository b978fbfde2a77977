//! "My requests" and the unit queue: keyset-paged lists of requests.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::common::{LoadError, TicketTable, signed_in_page};
use super::{session_info, use_session};
use crate::i18n::Msg;
use crate::wire::{AppError, TicketPage};

#[server]
pub async fn list_requests(
    scope: String,
    status: String,
    cursor: Option<String>,
    unit: Option<String>,
    focus: Option<String>,
) -> Result<TicketPage, AppError> {
    use crate::server::tickets::{ListQuery, list};
    let (state, caller) = super::ssr::caller().await?;
    let query = ListQuery::parse(
        Some(&scope),
        Some(&status),
        None,
        cursor.filter(|c| !c.is_empty()),
    )?
    .narrowed(unit.as_deref(), focus.as_deref())?;
    Ok(list(&state, &caller, query).await?)
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

/// A paged list for one scope; `queue` shows the unit's open requests by due date.
#[component]
fn RequestList(queue: bool) -> impl IntoView {
    let query = use_query_map();
    let page = Resource::new(
        move || {
            query.with(|q| {
                (
                    q.get("cursor"),
                    q.get("status"),
                    q.get("unit"),
                    q.get("focus"),
                )
            })
        },
        move |(cursor, status, unit, focus)| {
            let scope = if queue { "unit" } else { "mine" };
            let status = status.unwrap_or_else(|| if queue { "open".into() } else { "all".into() });
            list_requests(scope.into(), status, cursor, unit, focus)
        },
    );
    signed_in_page(move |info, _user| async move {
        let lang = info.lang;
        let offset = info.offset();
        let title = if queue {
            Msg::UnitQueue
        } else {
            Msg::MyRequests
        };
        let body = match page.await {
            Ok(p) => {
                let more = p.next_cursor.map(|c| {
                    let q = query.read_untracked();
                    let status = q.get("status").unwrap_or_default();
                    let unit = q.get("unit").unwrap_or_default();
                    let focus = q.get("focus").unwrap_or_default();
                    let base = if queue { "/queue" } else { "/requests" };
                    let href =
                        format!("{base}?status={status}&unit={unit}&focus={focus}&cursor={c}");
                    view! { <p><a href=href class="button">{Msg::MoreRequests.text(lang)}</a></p> }
                });
                view! { <TicketTable items=p.items lang=lang offset=offset show_requester=queue/>{more} }.into_any()
            }
            Err(e) => view! { <LoadError error=e lang=lang/> }.into_any(),
        };
        let focus = query
            .read_untracked()
            .get("focus")
            .and_then(|f| focus_label(&f));
        let filters = queue.then(|| view! {
                {focus.map(|f| view! { <p class="focus">{Msg::QueueFiltered.text(lang)}" "<strong>{f.text(lang)}</strong></p> })}
                <p class="filters">
                    <a href="/queue?status=open">{Msg::Open.text(lang)}</a>
                    " · "
                    <a href="/queue?status=all">{Msg::All.text(lang)}</a>
                </p>
            });
        view! {
                <h1>{title.text(lang)}</h1>
                {(!queue).then(|| view! { <p><a class="button primary" href="/requests/new">{Msg::NewRequest.text(lang)}</a></p> })}
                {filters}
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
