//! Pages, components and server functions, one area per module. A server
//! function gets the state and the signed-in caller, calls a service and
//! converts the result; nothing else.

pub mod admin_calendar;
pub mod auth;
pub mod charts;
pub mod common;
pub mod kb;
pub mod kb_edit;
pub mod notifications;
pub mod people;
pub mod reports;
pub mod request_new;
pub mod request_page;
pub mod requests;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::i18n::Lang;
use crate::wire::{AppError, UserView};

/// Who is looking at the page, in which language, and the body's UTC offset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub user: Option<UserView>,
    /// Unread in-app notifications.
    pub unread: u64,
    pub lang: Lang,
    pub utc_offset_seconds: i32,
    /// What this page's forms carry to prove they are ours (see
    /// `FormToken`); empty without a session cookie.
    pub form_token: String,
}

impl SessionInfo {
    pub fn offset(&self) -> chrono::FixedOffset {
        use chrono::Offset;
        chrono::FixedOffset::east_opt(self.utc_offset_seconds).unwrap_or(chrono::Utc.fix())
    }
}

#[cfg(feature = "ssr")]
pub mod ssr {
    //! What every server function starts with.
    use leptos::prelude::*;

    use crate::server::AppState;
    use crate::server::auth::{Caller, caller_for_token, cookie, token_from_headers};
    use crate::wire::AppError;

    pub fn state() -> Result<AppState, AppError> {
        use_context::<AppState>().ok_or(AppError::Internal)
    }

    pub fn headers() -> axum::http::HeaderMap {
        use_context::<axum::http::request::Parts>()
            .map(|p| p.headers)
            .unwrap_or_default()
    }

    /// The caller of one request, looked up once however many server
    /// functions a page runs (provided afresh for every request).
    #[derive(Clone, Default)]
    pub struct RequestCaller(std::sync::Arc<tokio::sync::OnceCell<Option<Caller>>>);

    /// The signed-in caller, if any.
    pub async fn maybe_caller(state: &AppState) -> Result<Option<Caller>, AppError> {
        let lookup = || async {
            match token_from_headers(&headers()) {
                Some(token) => Ok::<_, AppError>(caller_for_token(state, &token).await?),
                None => Ok(None),
            }
        };
        match use_context::<RequestCaller>() {
            Some(once) => Ok(once.0.get_or_try_init(lookup).await?.clone()),
            None => lookup().await,
        }
    }

    /// The state and the signed-in caller, or "not signed in".
    pub async fn caller() -> Result<(AppState, Caller), AppError> {
        let state = state()?;
        let caller = maybe_caller(&state)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        Ok((state, caller))
    }

    /// The language of an anonymous visitor: cookie, then the browser's preference.
    pub fn visitor_lang() -> crate::i18n::Lang {
        let headers = headers();
        if let Some(lang) = cookie(&headers, "sd_lang") {
            return crate::i18n::Lang::parse(&lang);
        }
        headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .map(crate::i18n::Lang::parse)
            .unwrap_or_default()
    }

    /// A plain HTML form post without JavaScript asks for HTML back.
    pub fn is_plain_form_post() -> bool {
        headers()
            .get(axum::http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"))
    }

    /// `base?…values…&__path=…&__err=…`, the shape Leptos reads server errors from.
    pub fn error_url(base: &str, pairs: &[(String, String)], err: &AppError, path: &str) -> String {
        use leptos::server_fn::error::ServerFnUrlError;
        let mut url = format!("http://localhost{base}?");
        for (i, (k, v)) in pairs.iter().enumerate() {
            if i > 0 {
                url.push('&');
            }
            url.push_str(&urlencode(k));
            url.push('=');
            url.push_str(&urlencode(v));
        }
        match ServerFnUrlError::new(path, err.clone()).to_url(&url) {
            Ok(u) => format!("{}?{}", u.path(), u.query().unwrap_or_default()),
            Err(_) => base.to_string(),
        }
    }

    /// Where a refused plain form post sends the browser back to: `base`
    /// with `keep` in the address, then `fragment` (`#answer`).
    pub struct Refused<'a> {
        pub base: &'a str,
        pub keep: Vec<(String, String)>,
        pub fragment: &'a str,
    }

    /// After a refused plain form post: keeps what was typed in a draft
    /// and sends the browser back with the draft's key in the address and
    /// the error as Leptos reads it (`__err`).
    pub async fn back_with_draft(
        state: &AppState,
        caller: &Caller,
        to: Refused<'_>,
        typed: &[(String, String)],
        err: &AppError,
        path: &str,
    ) -> Result<(), AppError> {
        let key = crate::server::drafts::save(state, caller, typed).await?;
        let mut pairs = to.keep;
        pairs.push((super::DRAFT_PARAM.into(), key));
        let url = error_url(to.base, &pairs, err, path);
        leptos_axum::redirect(&format!("{url}{}", to.fragment));
        Ok(())
    }

    pub use super::common::urlencode;
}

#[server]
pub async fn get_session() -> Result<SessionInfo, AppError> {
    let state = ssr::state()?;
    let caller = ssr::maybe_caller(&state).await?;
    let utc_offset_seconds = state.utc_offset_seconds();
    let form_token =
        crate::server::auth::cookie(&ssr::headers(), crate::server::auth::SESSION_COOKIE)
            .map(|token| crate::server::auth::form_token(&token))
            .unwrap_or_default();
    match caller {
        Some(c) => {
            let user = crate::server::auth::me(&state, &c).await?;
            let unread = crate::server::notify::unread_count(&state, &c).await?;
            Ok(SessionInfo {
                unread,
                lang: c.lang,
                user: Some(user),
                utc_offset_seconds,
                form_token,
            })
        }
        None => Ok(SessionInfo {
            unread: 0,
            user: None,
            lang: ssr::visitor_lang(),
            utc_offset_seconds,
            form_token,
        }),
    }
}

/// The address parameter naming a refused form's draft.
pub const DRAFT_PARAM: &str = "draft";

/// What a refused form held, for its author (see `server::drafts`).
#[server]
pub async fn get_draft(key: String) -> Result<Vec<(String, String)>, AppError> {
    let (state, caller) = ssr::caller().await?;
    Ok(crate::server::drafts::read(&state, &caller, &key).await?)
}

/// The draft the address names, or nothing.
pub fn draft_resource(
    query: Memo<leptos_router::params::ParamsMap>,
) -> Resource<Vec<(String, String)>> {
    Resource::new(
        move || query.with(|q| q.get(DRAFT_PARAM).unwrap_or_default()),
        |key| async move {
            if key.is_empty() {
                Vec::new()
            } else {
                get_draft(key).await.unwrap_or_default()
            }
        },
    )
}

/// The session resource shared by every page.
#[derive(Clone, Copy)]
pub struct SessionResource(pub Resource<Result<SessionInfo, AppError>>);

pub fn use_session() -> Resource<Result<SessionInfo, AppError>> {
    use_context::<SessionResource>()
        .map(|s| s.0)
        .unwrap_or_else(|| Resource::new(|| (), |_| get_session()))
}

/// The session, with a Russian anonymous fallback when it could not load.
pub async fn session_info(resource: Resource<Result<SessionInfo, AppError>>) -> SessionInfo {
    resource.await.unwrap_or(SessionInfo {
        unread: 0,
        user: None,
        lang: Lang::Ru,
        utc_offset_seconds: 3 * 3600,
        form_token: String::new(),
    })
}

/// The name of the form token's hidden field.
pub const FORM_TOKEN_FIELD: &str = "form_token";

/// The hidden field every form that changes something carries: the
/// session's form token, checked by the server where the browser sends
/// none of `Sec-Fetch-Site`, `Origin` or `Referer`.
#[component]
pub fn FormToken() -> impl IntoView {
    let session = use_session();
    let token = move || {
        session
            .get()
            .and_then(Result::ok)
            .map(|s| s.form_token)
            .unwrap_or_default()
    };
    view! { <input type="hidden" name=FORM_TOKEN_FIELD value=token/> }
}

/// A new submission key: unique enough for one person's forms (see
/// `server::submissions`).
pub fn fresh_submission_key() -> String {
    #[cfg(feature = "ssr")]
    {
        uuid::Uuid::new_v4().simple().to_string()
    }
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    {
        // Two halves of randomness and the time: 2^-100 odds of a repeat.
        let half = || (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
        format!("{:x}{:x}{:x}", js_sys::Date::now() as u64, half(), half())
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    {
        String::new()
    }
}

/// The hidden field that makes sending a form twice (a double click, a
/// reload of a post) make one record: a fresh key each time the form is
/// drawn and after each time `sent` counts a send that was saved.
#[component]
pub fn SubmissionField(#[prop(into)] sent: Signal<usize>) -> impl IntoView {
    let key = move || {
        sent.track();
        fresh_submission_key()
    };
    view! { <input type="hidden" name="submission" value=key/> }
}
