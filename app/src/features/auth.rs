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
    view! {
        <nav aria-label=Msg::AppName.text(lang)>
            <a class="brand" href="/">{Msg::AppName.text(lang)}</a>
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
            {user.as_ref().map(|_| {
                let label = if unread > 0 {
                    format!("{} ({})", Msg::Notifications.text(lang), i18n::unread(unread, lang))
                } else {
                    Msg::Notifications.text(lang).to_string()
                };
                view! { <a href="/notifications" class="bell" data-unread=unread>{label}</a> }
            })}
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
        </nav>
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
