//! REST routes of the request's lifecycle after the answer and of extension
//! requests: confirm, reopen, close, rate, ask for more time and decide.
//! Each answers with the request as it is now.

use app::server::AppState;
use app::server::tickets;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ApiError, ApiJson, ApiResult, Authed, Id, with_lang};
use app::wire::AppError;

/// A request id and one of its extension requests' ids.
pub struct TwoIds(pub i64, pub i64);

impl<S: Send + Sync> FromRequestParts<S> for TwoIds {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<(i64, i64)>::from_request_parts(parts, state)
            .await
            .map(|Path((a, b))| TwoIds(a, b))
            .map_err(|_| AppError::NotFound.into())
    }
}

#[derive(Deserialize, Default)]
struct ReasonBody {
    #[serde(default)]
    reason: String,
}

#[derive(Deserialize)]
struct RatingBody {
    score: i64,
    #[serde(default)]
    comment: Option<String>,
}

#[derive(Deserialize)]
struct ExtensionBody {
    days: i64,
    #[serde(default)]
    reason: String,
}

async fn confirm(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Id(id): Id,
) -> ApiResult<Json<Value>> {
    let t = with_lang(tickets::confirm(&state, &caller, id).await, &caller)?;
    Ok(Json(json!(t)))
}

async fn reopen(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Id(id): Id,
    ApiJson(b): ApiJson<ReasonBody>,
) -> ApiResult<Json<Value>> {
    let t = with_lang(
        tickets::reopen(&state, &caller, id, &b.reason).await,
        &caller,
    )?;
    Ok(Json(json!(t)))
}

async fn close(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Id(id): Id,
) -> ApiResult<Json<Value>> {
    let t = with_lang(tickets::close(&state, &caller, id).await, &caller)?;
    Ok(Json(json!(t)))
}

async fn rate(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Id(id): Id,
    ApiJson(b): ApiJson<RatingBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let comment = b.comment.unwrap_or_default();
    let t = with_lang(
        tickets::rate(&state, &caller, id, b.score, &comment).await,
        &caller,
    )?;
    Ok((StatusCode::CREATED, Json(json!(t))))
}

async fn ask_extension(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Id(id): Id,
    ApiJson(b): ApiJson<ExtensionBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let t = with_lang(
        tickets::ask_extension(&state, &caller, id, b.days, &b.reason).await,
        &caller,
    )?;
    Ok((StatusCode::CREATED, Json(json!(t))))
}

async fn extension_requests(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Id(id): Id,
) -> ApiResult<Json<Value>> {
    let list = with_lang(
        tickets::extension_requests(&state, &caller, id).await,
        &caller,
    )?;
    Ok(Json(json!(list)))
}

async fn decide(
    state: AppState,
    caller: app::server::auth::Caller,
    TwoIds(id, rid): TwoIds,
    approve: bool,
    reason: &str,
) -> ApiResult<Json<Value>> {
    let t = with_lang(
        tickets::decide_extension(&state, &caller, id, rid, approve, reason).await,
        &caller,
    )?;
    Ok(Json(json!(t)))
}

async fn approve(
    State(state): State<AppState>,
    Authed(caller): Authed,
    ids: TwoIds,
    body: axum::body::Bytes,
) -> ApiResult<Json<Value>> {
    // The reason of an approval is optional, and so is the body.
    let reason = if body.iter().all(u8::is_ascii_whitespace) {
        String::new()
    } else {
        serde_json::from_slice::<ReasonBody>(&body)
            .map_err(|e| {
                ApiError(
                    AppError::Malformed {
                        detail: e.to_string(),
                    },
                    caller.lang,
                )
            })?
            .reason
    };
    decide(state, caller, ids, true, &reason).await
}

async fn refuse(
    State(state): State<AppState>,
    Authed(caller): Authed,
    ids: TwoIds,
    ApiJson(b): ApiJson<ReasonBody>,
) -> ApiResult<Json<Value>> {
    decide(state, caller, ids, false, &b.reason).await
}

#[derive(Deserialize)]
struct SettingsBody {
    mail_queue: bool,
}

async fn settings(State(state): State<AppState>, Authed(caller): Authed) -> ApiResult<Json<Value>> {
    let on = with_lang(
        app::server::notify::mail_queue(&state, &caller).await,
        &caller,
    )?;
    Ok(Json(json!({ "mail_queue": on })))
}

async fn save_settings(
    State(state): State<AppState>,
    Authed(caller): Authed,
    ApiJson(b): ApiJson<SettingsBody>,
) -> ApiResult<Json<Value>> {
    with_lang(
        app::server::notify::set_mail_queue(&state, &caller, b.mail_queue).await,
        &caller,
    )?;
    Ok(Json(json!({ "mail_queue": b.mail_queue })))
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/me/settings",
            axum::routing::get(settings).put(save_settings),
        )
        .route("/api/v1/tickets/{id}/confirm", post(confirm))
        .route("/api/v1/tickets/{id}/reopen", post(reopen))
        .route("/api/v1/tickets/{id}/close", post(close))
        .route("/api/v1/tickets/{id}/rating", post(rate))
        .route(
            "/api/v1/tickets/{id}/extension-requests",
            post(ask_extension).get(extension_requests),
        )
        .route(
            "/api/v1/tickets/{id}/extension-requests/{rid}/approve",
            post(approve),
        )
        .route(
            "/api/v1/tickets/{id}/extension-requests/{rid}/refuse",
            post(refuse),
        )
}
