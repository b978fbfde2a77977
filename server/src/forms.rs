//! Plain HTML form routes that work without JavaScript: sign-in, sign-out,
//! the language switch, file upload and download. Each answers with a
//! redirect (post/redirect/get) carrying an error code when something failed.

use app::domain::redirect::safe_next;
use app::i18n::Lang;
use app::server::auth;
use app::server::{AppState, calendar, kb, notify, tickets};
use app::wire::AppError;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use crate::api::{Id, file_response, read_file_part, read_upload};
use crate::security::ClientAddress;

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Logs an unexpected failure (the conversion does it) where the user's
/// action can still complete.
fn log_failure(e: app::server::ServiceError) {
    let _logged = AppError::from(e);
}

fn with_cookie(mut response: Response, cookie: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

async fn login(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    Form(form): Form<LoginForm>,
) -> Response {
    match auth::sign_in(&state, &form.login, &form.password, &address).await {
        Ok((token, _user)) => with_cookie(
            Redirect::to(safe_next(&form.next)).into_response(),
            &auth::session_cookie(&state, &token),
        ),
        Err(e) => {
            let err = AppError::from(e);
            let wait = match &err {
                AppError::TooManyAttempts { retry_after_secs } => {
                    format!("&wait={retry_after_secs}")
                }
                _ => String::new(),
            };
            let to = format!(
                "/login?error={}&login={}&next={}{wait}",
                err.code(),
                encode(form.login.trim()),
                encode(safe_next(&form.next))
            );
            Redirect::to(&to).into_response()
        }
    }
}

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = auth::cookie(&headers, auth::SESSION_COOKIE)
        && let Err(e) = auth::sign_out(&state, &token).await
    {
        // The cookie goes anyway; the row expires on its own.
        log_failure(e);
    }
    with_cookie(
        Redirect::to("/login").into_response(),
        &auth::session_cookie(&state, ""),
    )
}

#[derive(Deserialize)]
struct LangForm {
    #[serde(default)]
    lang: String,
}

fn back(headers: &HeaderMap) -> String {
    headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| {
            r.find("://")
                .map(|i| &r[i + 3..])
                .and_then(|rest| rest.find('/').map(|j| rest[j..].to_string()))
        })
        .unwrap_or_else(|| "/".into())
}

async fn set_lang(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<LangForm>,
) -> Response {
    let lang = Lang::parse(&form.lang);
    if let Some(token) = auth::token_from_headers(&headers)
        && let Ok(Some(caller)) = auth::caller_for_token(&state, &token).await
        && let Err(e) = auth::set_language(&state, &caller, lang).await
    {
        // The cookie still carries the choice.
        log_failure(e);
    }
    let cookie = format!(
        "sd_lang={}; Path=/; SameSite=Lax; Max-Age=31536000",
        lang.code()
    );
    with_cookie(Redirect::to(&back(&headers)).into_response(), &cookie)
}

/// The caller signed in with the session cookie, if any.
pub(crate) async fn caller(state: &AppState, headers: &HeaderMap) -> Option<auth::Caller> {
    let token = auth::token_from_headers(headers)?;
    auth::caller_for_token(state, &token).await.ok().flatten()
}

async fn upload(
    State(state): State<AppState>,
    Id(id): Id,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    let Some(caller) = caller(&state, &headers).await else {
        return Redirect::to("/login").into_response();
    };
    let page = format!("/requests/{id}");
    // The file with an optional message; staff may make it an internal note.
    let result = match read_upload(multipart, state.config.upload_max_bytes).await {
        Ok(u) => {
            let internal = !u.field("internal").is_empty() && u.field("internal") != "false";
            let text = u.field("body").to_string();
            let stored = if text.is_empty() && !internal {
                tickets::attachments::store(&state, &caller, id, None, &u.name, &u.bytes).await
            } else {
                tickets::attachments::store_with_message(
                    &state, &caller, id, &text, internal, &u.name, &u.bytes,
                )
                .await
            };
            stored.map_err(AppError::from)
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Redirect::to(&format!("{page}#h-files")).into_response(),
        Err(e) => {
            // The limit travels with the error, so the page names the configured size.
            let max = state.config.upload_max_bytes;
            Redirect::to(&format!(
                "{page}?upload_error={}&max={max}#h-files",
                e.code()
            ))
            .into_response()
        }
    }
}

async fn import_calendar(
    State(state): State<AppState>,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    let Some(caller) = caller(&state, &headers).await else {
        return Redirect::to("/login").into_response();
    };
    // Rights first: what the file holds is nobody else's business.
    if !caller.roles.is_admin() {
        return Redirect::to("/admin/calendar?import_error=forbidden").into_response();
    }
    let result = match read_file_part(multipart, state.config.upload_max_bytes).await {
        Ok((_, bytes)) => match String::from_utf8(bytes) {
            Ok(text) => calendar::import(&state, &caller, &text)
                .await
                .map_err(AppError::from),
            Err(_) => Err(AppError::invalid(
                "file",
                app::domain::FieldErrorCode::Pattern,
            )),
        },
        Err(e) => Err(e),
    };
    match result {
        Ok(years) => {
            let year = years.first().copied().unwrap_or_default();
            Redirect::to(&format!("/admin/calendar?year={year}&month=1&imported=1")).into_response()
        }
        Err(e) => {
            // What is wrong with the file travels with the code: the line
            // of the first mistake, or the date given twice.
            let detail = match e.fields().first().map(|f| &f.code) {
                Some(app::domain::FieldErrorCode::FileLine { line }) => format!("&line={line}"),
                Some(app::domain::FieldErrorCode::Duplicate { value }) => {
                    format!("&twice={}", app::features::common::urlencode(value))
                }
                _ => String::new(),
            };
            Redirect::to(&format!(
                "/admin/calendar?import_error={}{detail}",
                e.code()
            ))
            .into_response()
        }
    }
}

async fn download(State(state): State<AppState>, Id(id): Id, headers: HeaderMap) -> Response {
    let Some(caller) = caller(&state, &headers).await else {
        return Redirect::to("/login").into_response();
    };
    match tickets::attachments::open(&state, &caller, id).await {
        Ok((view, bytes)) => file_response(view, bytes),
        Err(e) => crate::api::ApiError(AppError::from(e), caller.lang).into_response(),
    }
}

/// A notice's link: marks it read and goes on to its request.
async fn open_notice(State(state): State<AppState>, Id(id): Id, headers: HeaderMap) -> Response {
    let Some(caller) = caller(&state, &headers).await else {
        let next = encode(&format!("/notifications/{id}/open"));
        return Redirect::to(&format!("/login?next={next}")).into_response();
    };
    match notify::open(&state, &caller, id).await {
        Ok(Some(notice)) => match notice.ticket_id {
            Some(ticket) => Redirect::to(&format!("/requests/{ticket}")).into_response(),
            None => Redirect::to("/notifications").into_response(),
        },
        // Another person's notice, or one that is gone.
        Ok(None) => Redirect::to("/notifications?error=not_found").into_response(),
        Err(e) => crate::api::ApiError(AppError::from(e), caller.lang).into_response(),
    }
}

/// A file for a knowledge-base article, from the article page's form.
async fn kb_upload(
    State(state): State<AppState>,
    Id(id): Id,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    let Some(caller) = caller(&state, &headers).await else {
        return Redirect::to("/login").into_response();
    };
    let result = match read_file_part(multipart, state.config.upload_max_bytes).await {
        Ok((name, bytes)) => kb::attach(&state, &caller, id, &name, &bytes)
            .await
            .map_err(AppError::from),
        Err(e) => Err(e),
    };
    let page = format!("/kb/{id}");
    match result {
        Ok(_) => Redirect::to(&format!("{page}#h-files")).into_response(),
        Err(e) => {
            let max = state.config.upload_max_bytes;
            Redirect::to(&format!(
                "{page}?upload_error={}&max={max}#h-files",
                e.code()
            ))
            .into_response()
        }
    }
}

async fn kb_download(State(state): State<AppState>, Id(id): Id, headers: HeaderMap) -> Response {
    let Some(caller) = caller(&state, &headers).await else {
        return Redirect::to("/login").into_response();
    };
    match kb::open_attachment(&state, &caller, id).await {
        Ok((view, bytes)) => file_response(view, bytes),
        Err(e) => crate::api::ApiError(AppError::from(e), caller.lang).into_response(),
    }
}

pub fn router(state: &AppState) -> Router<AppState> {
    let upload_limit = usize::try_from(state.config.upload_max_bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(64 * 1024);
    Router::new()
        .route("/auth/login", post(login))
        .route("/auth/logout", post(logout))
        .route("/auth/lang", post(set_lang))
        .route(
            "/requests/{id}/files",
            post(upload).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/files/{id}", get(download))
        .route("/notifications/{id}/open", get(open_notice))
        .route(
            "/kb/{id}/files",
            post(kb_upload).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/kb/files/{id}", get(kb_download))
        .merge(crate::reports::browser_router())
        .route(
            "/admin/calendar/import",
            post(import_calendar).layer(DefaultBodyLimit::max(upload_limit)),
        )
}
