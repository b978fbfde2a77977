//! The sign-in page and the header with navigation, language and sign-out.
//! Sign-in, sign-out and the language switch are plain form posts handled by
//! the server's `/auth/*` routes, so they work the same with JavaScript off.

use leptos::prelude::*;

use super::FormToken;
use leptos_router::hooks::use_query_map;

use super::{SessionInfo, session_info, use_session};
use crate::i18n::{self, Lang, Msg};
use crate::wire::AppError;

/// Error codes the sign-in route puts into `?error=`.
fn login_error(code: &str, wait: Option<String>) -> Option<AppError> {
    match code {
        "bad_credentials" => Some(AppError::BadCredentials),
        "too_many_attempts" => Some(AppError::TooManyAttempts {
            retry_after_secs: wait.and_then(|w| w.parse().ok()).unwrap_or(60),
        }),
        "cross_site" => Some(AppError::CrossSite),
        "empty_password" => Some(AppError::EmptyPassword),
        "directory_unavailable" => Some(AppError::DirectoryUnavailable),
        "" => None,
        _ => Some(AppError::Internal),
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let session = use_session();
    let query = use_query_map();
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let info = session_info(session).await;
                let lang = info.lang;
                let q = query.read_untracked();
                let error = login_error(&q.get("error").unwrap_or_default(), q.get("wait"));
                let login = q.get("login").unwrap_or_default();
                let next = crate::domain::redirect::safe_next(&q.get("next").unwrap_or_default()).to_string();
                view! {
                    <section class="card narrow">
                        <leptos_meta::Title text=Msg::SignInTitle.text(lang)/>
                        <h1>{Msg::SignInTitle.text(lang)}</h1>
                        <p class="muted">{Msg::SignInHint.text(lang)}</p>
                        {error.map(|e| view! { <div class="alert alert-error" role="alert" id="login-error">{i18n::error(&e, lang)}</div> })}
                        <form method="post" action="/auth/login" class="stack">
                            <FormToken/>
                            <input type="hidden" name="next" value=next/>
                            <label for="login">{Msg::Login.text(lang)}</label>
                            <input id="login" name="login" type="text" autocomplete="username" required value=login autofocus/>
                            <label for="password">{Msg::Password.text(lang)}</label>
                            <input id="password" name="password" type="password" autocomplete="current-password"/>
                            <button type="submit" class="primary">{Msg::SignIn.text(lang)}</button>
                        </form>
                    </section>
                }
            })}
        </Suspense>
    }
}

#[component]
fn Nav(info: SessionInfo) -> impl IntoView {
    let lang = info.lang;
    let switch_to = lang.other();
    let user = info.user.clone();
    let staff = user
        .as_ref()
        .is_some_and(|u| u.roles.is_staff() || u.roles.is_admin());
    let admin = user.as_ref().is_some_and(|u| u.roles.is_admin());
    let reports = user.as_ref().is_some_and(|u| u.roles.reports_anything());
    let unread = info.unread;
    // On a phone the links fold under «Меню»: a <details> open as served
    // (so that without JavaScript nothing is hidden, and a tap folds it),
    // folded once the page runs on a narrow screen.
    let menu = NodeRef::<leptos::html::Details>::new();
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        // The stylesheet's 37.5rem at the default 16 px.
        let narrow = window()
            .inner_width()
            .ok()
            .and_then(|w| w.as_f64())
            .is_some_and(|w| w <= 600.0);
        if let Some(menu) = menu.get()
            && narrow
        {
            menu.set_open(false);
        }
    });
    view! {
        <nav aria-label=Msg::AppName.text(lang)>
            <a class="brand" href="/">{Msg::AppName.text(lang)}</a>
            <details class="nav-menu" open node_ref=menu>
            <summary>{Msg::Menu.text(lang)}</summary>
            <div class="nav-links">
            {user.as_ref().map(|_| view! {
                <a href="/requests">{Msg::MyRequests.text(lang)}</a>
                <a href="/requests/new">{Msg::NewRequest.text(lang)}</a>
                <a href="/kb">{Msg::KnowledgeBase.text(lang)}</a>
            })}
            {staff.then(|| view! {
                <a href="/queue">{Msg::UnitQueue.text(lang)}</a>
                <a href="/queue/register">{Msg::RegisterOral.text(lang)}</a>
            })}
            {reports.then(|| view! { <a href="/reports">{Msg::Reports.text(lang)}</a> })}
            {admin.then(|| view! { <a href="/admin/calendar">{Msg::Administration.text(lang)}</a> })}
            <span class="spacer"></span>
            {user.as_ref().map(|_| view! { <Bell unread=unread lang=lang/> })}
            <form method="post" action="/auth/lang" class="inline">
                <FormToken/>
                <input type="hidden" name="lang" value=switch_to.code()/>
                <button type="submit" class="link" lang=switch_to.code()>{Msg::Language.text(lang)}</button>
            </form>
            {match user {
                Some(u) => view! {
                    <span class="who" data-login=u.login.clone()>{u.name.clone()}</span>
                    <form method="post" action="/auth/logout" class="inline">
                        <FormToken/>
                        <button type="submit" class="link">{Msg::SignOut.text(lang)}</button>
                    </form>
                }.into_any(),
                None => view! { <a href="/login">{Msg::SignIn.text(lang)}</a> }.into_any(),
            }}
            </div>
            </details>
        </nav>
    }
}

/// How often the bell asks for the unread count while the page is open.
const BELL_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

/// The number of the caller's unread notices, for the bell.
#[server]
pub async fn unread_notices() -> Result<u64, AppError> {
    let (state, caller) = super::ssr::caller().await?;
    Ok(crate::server::notify::unread_count(&state, &caller).await?)
}

/// The link to the notices with the unread count. With JavaScript the count
/// follows new notices without a reload: asked every half minute, and at
/// once when the tab comes back into view or gets focus.
#[component]
fn Bell(unread: u64, lang: Lang) -> impl IntoView {
    let count = RwSignal::new(unread);
    #[cfg(feature = "hydrate")]
    {
        let refresh = move || {
            leptos::task::spawn_local(async move {
                if let Ok(n) = unread_notices().await {
                    count.set(n);
                }
            });
        };
        let timer = set_interval_with_handle(refresh, BELL_EVERY).ok();
        let focus = window_event_listener(leptos::ev::focus, move |_| refresh());
        let shown = window_event_listener(leptos::ev::visibilitychange, move |_| {
            if !document().hidden() {
                refresh();
            }
        });
        on_cleanup(move || {
            if let Some(t) = timer {
                t.clear();
            }
            focus.remove();
            shown.remove();
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = BELL_EVERY;
    let label = move || {
        let n = count.get();
        if n > 0 {
            format!(
                "{} ({})",
                Msg::Notifications.text(lang),
                i18n::unread(n, lang)
            )
        } else {
            Msg::Notifications.text(lang).to_string()
        }
    };
    view! {
        <a href="/notifications" class="bell" data-unread=move || count.get()>
            <span aria-live="polite">{label}</span>
        </a>
    }
}

#[component]
pub fn Header() -> impl IntoView {
    let session = use_session();
    view! {
        <header class="top">
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let info = session_info(session).await;
                    let lang: Lang = info.lang;
                    view! {
                        <a class="skip" href="#main">{Msg::SkipToContent.text(lang)}</a>
                        <Nav info=info/>
                    }
                })}
            </Suspense>
        </header>
    }
}
