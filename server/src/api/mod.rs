//! REST API v1: the same services as the pages, with bearer tokens and JSON
//! errors `{"error":{"code","message","fields"?}}`.

use app::i18n::{self, Lang};
use app::server::auth::{self, Caller};
use app::server::{
    AppState, ServiceError, calendar, catalogue, kb, notify, submissions, templates, tickets,
};
use app::wire::{AppError, NewTicket};
use axum::extract::rejection::JsonRejection;
use axum::extract::{
    DefaultBodyLimit, FromRequest, FromRequestParts, Multipart, Path, Query, Request, State,
};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

mod lifecycle;

/// An error as the API answers it.
pub struct ApiError(pub AppError, pub Lang);

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError(e, Lang::Ru)
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        ApiError(AppError::from(e), Lang::Ru)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let ApiError(err, lang) = self;
        let status =
            StatusCode::from_u16(err.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut body = json!({ "code": err.code(), "message": i18n::error(&err, lang) });
        // A state conflict names its reason: `already_rated`, `reopen_window_passed`, …
        if let AppError::Conflict { reason } = &err {
            body["reason"] = json!(reason);
        }
        if let AppError::Invalid { fields } = &err {
            body["fields"] = fields
                .iter()
                .map(|f| {
                    let mut v = serde_json::to_value(f).unwrap_or_default();
                    v["message"] = json!(i18n::field_error(&f.code, lang));
                    v
                })
                .collect();
        }
        let retry_after = match &err {
            AppError::TooManyAttempts { retry_after_secs }
            | AppError::Busy { retry_after_secs } => Some(*retry_after_secs),
            _ => None,
        };
        if let Some(secs) = retry_after {
            body["retry_after_secs"] = json!(secs);
        }
        let mut response = (status, Json(json!({ "error": body }))).into_response();
        if let Some(secs) = retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// The largest JSON body (axum's default limit).
const JSON_BODY_MAX: usize = 2 * 1024 * 1024;

/// Every refusal under `/api/v1` is the JSON error, whoever made it: an
/// unknown address, a wrong method (with `Allow`), a body over the limit,
/// an extractor's rejection. Answers that already are JSON pass unchanged.
pub async fn json_errors(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let api = req.uri().path().starts_with("/api/v1/") || req.uri().path() == "/api/v1";
    let res = next.run(req).await;
    let status = res.status();
    let json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !api || json || !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    // Two refusals the error type has no word for; the rest are its own.
    let own = match status {
        StatusCode::METHOD_NOT_ALLOWED => Some((
            "method_not_allowed",
            "Этот метод не поддерживается по этому адресу: допустимые указаны в заголовке Allow.",
        )),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => Some((
            "unsupported_media_type",
            "Тип содержимого запроса не поддерживается: отправьте JSON (application/json).",
        )),
        _ => None,
    };
    let (mut parts, _) = res.into_parts();
    let body = match own {
        Some((code, message)) => axum::body::Body::from(
            json!({ "error": { "code": code, "message": message } }).to_string(),
        ),
        None => {
            let err = match status {
                StatusCode::UNAUTHORIZED => AppError::Unauthenticated,
                StatusCode::FORBIDDEN => AppError::Forbidden,
                StatusCode::NOT_FOUND => AppError::NotFound,
                StatusCode::PAYLOAD_TOO_LARGE => AppError::TooLarge {
                    max_bytes: JSON_BODY_MAX as u64,
                },
                s if s.is_client_error() => AppError::Malformed {
                    detail: s.to_string(),
                },
                _ => AppError::Internal,
            };
            ApiError::from(err).into_response().into_body()
        }
    };
    // The status and headers (`Allow` among them) stay the router's.
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, body)
}

/// The signed-in caller of an API request.
pub struct Authed(pub Caller);

impl FromRequestParts<AppState> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = auth::token_from_headers(&parts.headers).ok_or(AppError::Unauthenticated)?;
        let caller = auth::caller_for_token(state, &token)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        Ok(Authed(caller))
    }
}

/// A numeric path id; anything else is "not found".
pub struct Id(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<i64>::from_request_parts(parts, state)
            .await
            .map(|Path(id)| Id(id))
            .map_err(|_| AppError::NotFound.into())
    }
}

/// A JSON body whose rejection is a JSON error too.
pub struct ApiJson<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ApiError::from(AppError::TooLarge {
                    max_bytes: JSON_BODY_MAX as u64,
                }))
            }
            Err(rejection) => {
                let detail = match &rejection {
                    JsonRejection::JsonDataError(e) => e.body_text(),
                    other => other.body_text(),
                };
                Err(AppError::Malformed { detail }.into())
            }
        }
    }
}

pub fn with_lang<T>(result: Result<T, ServiceError>, caller: &Caller) -> ApiResult<T> {
    result.map_err(|e| ApiError(AppError::from(e), caller.lang))
}

#[derive(Deserialize)]
struct LoginBody {
    login: String,
    #[serde(default)]
    password: String,
}

async fn login(
    State(state): State<AppState>,
    crate::security::ClientAddress(address): crate::security::ClientAddress,
    ApiJson(body): ApiJson<LoginBody>,
) -> ApiResult<Json<serde_json::Value>> {
    let (token, user) = auth::sign_in(&state, &body.login, &body.password, &address).await?;
    Ok(Json(json!({ "token": token, "user": user })))
}

async fn logout(State(state): State<AppState>, parts: Parts) -> ApiResult<StatusCode> {
    if let Some(token) = auth::token_from_headers(&parts.headers) {
        auth::sign_out(&state, &token).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

async fn me(
    State(state): State<AppState>,
    Authed(caller): Authed,
) -> ApiResult<Json<serde_json::Value>> {
    let user = with_lang(auth::me(&state, &caller).await, &caller)?;
    Ok(Json(json!(user)))
}

async fn request_kinds(
    State(state): State<AppState>,
    Authed(caller): Authed,
) -> ApiResult<Json<serde_json::Value>> {
    let kinds = with_lang(catalogue::kinds(&state).await, &caller)?;
    Ok(Json(json!(kinds)))
}

/// The `Idempotency-Key` header's value, when sent.
fn idempotency_key(headers: &HeaderMap) -> Option<String> {
    headers
        .get(submissions::HEADER)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

async fn create_ticket(
    State(state): State<AppState>,
    Authed(caller): Authed,
    headers: HeaderMap,
    ApiJson(mut body): ApiJson<NewTicket>,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    if body.submission.is_none() {
        body.submission = idempotency_key(&headers);
    }
    let ticket = with_lang(tickets::create(&state, &caller, body).await, &caller)?;
    Ok((StatusCode::CREATED, Json(json!(ticket))))
}

async fn get_ticket(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Id(id): Id,
) -> ApiResult<Json<serde_json::Value>> {
    let ticket = with_lang(tickets::get(&state, &caller, id).await, &caller)?;
    Ok(Json(json!(ticket)))
}

/// `GET /tickets`: own requests or a unit queue, searched (`q`), narrowed
/// (`kind`, `status`, `assignee`, `overdue`, `due_before`, `unit`, `focus`)
/// and sorted (`sort`), in keyset pages (`limit`, `cursor`).
async fn list_tickets(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Query(p): Query<tickets::ListParams>,
) -> ApiResult<Json<serde_json::Value>> {
    let q = tickets::ListQuery::from_params(&p).map_err(|e| ApiError(e, caller.lang))?;
    let page = with_lang(tickets::list(&state, &caller, q).await, &caller)?;
    Ok(Json(json!(page)))
}

#[derive(Deserialize)]
struct CommentBody {
    body: String,
    #[serde(default)]
    internal: bool,
    /// A clarifying question: the request waits for the requester.
    #[serde(default)]
    question: bool,
}

async fn add_comment(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Id(id): Id,
    headers: HeaderMap,
    ApiJson(body): ApiJson<CommentBody>,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    let key = submissions::SubmissionKey::parse(caller.id, idempotency_key(&headers).as_deref())
        .map_err(|e| ApiError(AppError::Invalid { fields: vec![e] }, caller.lang))?;
    let c = with_lang(
        tickets::comment_once(
            &state,
            &caller,
            id,
            &body.body,
            body.internal,
            body.question,
            key.as_ref(),
        )
        .await,
        &caller,
    )?;
    Ok((StatusCode::CREATED, Json(json!(c))))
}

async fn list_comments(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Id(id): Id,
) -> ApiResult<Json<serde_json::Value>> {
    let list = with_lang(tickets::comments(&state, &caller, id).await, &caller)?;
    Ok(Json(json!(list)))
}

async fn take(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Id(id): Id,
) -> ApiResult<Json<serde_json::Value>> {
    let t = with_lang(tickets::take(&state, &caller, id).await, &caller)?;
    Ok(Json(json!(t)))
}

#[derive(Deserialize)]
struct AssignBody {
    login: String,
}

async fn assign(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Id(id): Id,
    ApiJson(body): ApiJson<AssignBody>,
) -> ApiResult<Json<serde_json::Value>> {
    let t = with_lang(
        tickets::assign(&state, &caller, id, &body.login).await,
        &caller,
    )?;
    Ok(Json(json!(t)))
}

#[derive(Deserialize)]
struct BulkBody {
    #[serde(default)]
    ids: Vec<i64>,
    #[serde(default)]
    action: String,
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    reason: String,
}

/// One action on several requests: each is done or refused on its own.
async fn bulk(
    State(state): State<AppState>,
    Authed(caller): Authed,
    ApiJson(body): ApiJson<BulkBody>,
) -> ApiResult<Json<serde_json::Value>> {
    let lang = caller.lang;
    let action = tickets::BulkAction::parse(&body.action, &body.assignee, &body.unit, &body.reason)
        .map_err(|e| ApiError(e, lang))?;
    let outcome = with_lang(
        tickets::bulk(&state, &caller, &body.ids, &action).await,
        &caller,
    )?;
    Ok(Json(json!(outcome)))
}

/// A multipart upload: its one `file` part and its text fields.
pub struct Upload {
    pub name: String,
    pub bytes: Vec<u8>,
    pub fields: std::collections::HashMap<String, String>,
}

impl Upload {
    /// A text field, trimmed; empty when missing.
    pub fn field(&self, name: &str) -> &str {
        self.fields.get(name).map(|v| v.trim()).unwrap_or_default()
    }
}

/// Reads a multipart upload: the `file` part (required) and any text fields.
pub async fn read_upload(mut multipart: Multipart, max: u64) -> Result<Upload, AppError> {
    let mut file = None;
    let mut fields = std::collections::HashMap::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| upload_error(&e.body_text(), max))?
    {
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            let file_name = field.file_name().unwrap_or("file").to_string();
            let bytes = field
                .bytes()
                .await
                .map_err(|e| upload_error(&e.body_text(), max))?;
            file = Some((file_name, bytes.to_vec()));
        } else {
            let text = field
                .text()
                .await
                .map_err(|e| upload_error(&e.body_text(), max))?;
            fields.insert(name, text);
        }
    }
    let (name, bytes) =
        file.ok_or_else(|| AppError::invalid("file", app::domain::FieldErrorCode::Required))?;
    Ok(Upload {
        name,
        bytes,
        fields,
    })
}

/// Reads the one `file` part of a multipart upload.
pub async fn read_file_part(multipart: Multipart, max: u64) -> Result<(String, Vec<u8>), AppError> {
    read_upload(multipart, max).await.map(|u| (u.name, u.bytes))
}

fn upload_error(detail: &str, max: u64) -> AppError {
    if detail.contains("length limit") || detail.contains("too large") {
        AppError::TooLarge { max_bytes: max }
    } else {
        AppError::Malformed {
            detail: detail.to_string(),
        }
    }
}

async fn upload(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Id(id): Id,
    multipart: Multipart,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    let upload = read_upload(multipart, state.config.upload_max_bytes)
        .await
        .map_err(|e| ApiError(e, caller.lang))?;
    // A file may belong to one of the caller's own messages.
    let comment_id = match upload.field("comment_id") {
        "" => None,
        text => Some(text.parse::<i64>().map_err(|_| {
            ApiError(
                AppError::invalid("comment_id", app::domain::FieldErrorCode::NotANumber),
                caller.lang,
            )
        })?),
    };
    let a = with_lang(
        tickets::attachments::store(&state, &caller, id, comment_id, &upload.name, &upload.bytes)
            .await,
        &caller,
    )?;
    Ok((StatusCode::CREATED, Json(json!(a))))
}

/// Sends a stored file as a download, never inline.
pub fn file_response(view: app::wire::AttachmentView, bytes: Vec<u8>) -> Response {
    let mut response = bytes.into_response();
    as_download(&mut response, &view.file_name, &view.content_type);
    response
}

/// Marks a response as a file to save under `file_name`, never shown inline.
pub fn as_download(response: &mut Response, file_name: &str, content_type: &str) {
    let ascii: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = file_name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b".-_".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let disposition = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}");
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
}

async fn download(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Id(id): Id,
) -> ApiResult<Response> {
    let (view, bytes) = with_lang(
        tickets::attachments::open(&state, &caller, id).await,
        &caller,
    )?;
    Ok(file_response(view, bytes))
}

#[derive(Deserialize)]
struct ExtendBody {
    days: i64,
    #[serde(default)]
    reason: String,
}

async fn extend(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Id(id): Id,
    ApiJson(body): ApiJson<ExtendBody>,
) -> ApiResult<Json<serde_json::Value>> {
    let t = with_lang(
        tickets::extend(&state, &caller, id, body.days, &body.reason).await,
        &caller,
    )?;
    Ok(Json(json!(t)))
}

#[derive(Deserialize)]
struct TransferBody {
    unit: String,
    #[serde(default)]
    reason: String,
}

async fn transfer(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Id(id): Id,
    ApiJson(body): ApiJson<TransferBody>,
) -> ApiResult<Json<serde_json::Value>> {
    let t = with_lang(
        tickets::transfer(&state, &caller, id, &body.unit, &body.reason).await,
        &caller,
    )?;
    Ok(Json(json!(t)))
}

#[derive(Deserialize)]
struct AnswerBody {
    #[serde(default)]
    body: String,
    #[serde(default)]
    r#final: bool,
    #[serde(default)]
    question: bool,
    outcome: Option<String>,
    planned_on: Option<String>,
}

async fn answer(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Id(id): Id,
    ApiJson(b): ApiJson<AnswerBody>,
) -> ApiResult<Json<serde_json::Value>> {
    let input = tickets::AnswerInput {
        body: b.body,
        final_answer: b.r#final,
        question: b.question && !b.r#final,
        outcome: b.outcome,
        planned_on: b.planned_on,
    };
    let t = with_lang(tickets::answer(&state, &caller, id, input).await, &caller)?;
    Ok(Json(json!(t)))
}

#[derive(Deserialize)]
struct DeadlineParams {
    registered_on: Option<String>,
    kind: Option<String>,
    extension_days: Option<String>,
    time: Option<String>,
}

async fn deadline(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Query(p): Query<DeadlineParams>,
) -> ApiResult<Json<serde_json::Value>> {
    let answer = calendar::calculate(
        &state,
        caller.lang,
        p.registered_on.as_deref(),
        p.kind.as_deref(),
        p.extension_days.as_deref(),
        p.time.as_deref(),
    )
    .await;
    Ok(Json(json!(with_lang(answer, &caller)?)))
}

async fn notifications(
    State(state): State<AppState>,
    Authed(caller): Authed,
) -> ApiResult<Json<serde_json::Value>> {
    let inbox = with_lang(notify::inbox(&state, &caller, 50).await, &caller)?;
    Ok(Json(json!(inbox)))
}

async fn notifications_read(
    State(state): State<AppState>,
    Authed(caller): Authed,
) -> ApiResult<Json<serde_json::Value>> {
    let n = with_lang(notify::mark_all_read(&state, &caller).await, &caller)?;
    Ok(Json(json!({ "marked": n })))
}

async fn calendar_month(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path((year, month)): Path<(String, String)>,
) -> ApiResult<Json<serde_json::Value>> {
    let bad = || {
        ApiError(
            AppError::invalid("month", app::domain::FieldErrorCode::InvalidDate),
            caller.lang,
        )
    };
    let year: i32 = year.parse().map_err(|_| bad())?;
    let month: u32 = month
        .parse()
        .ok()
        .filter(|m| (1..=12).contains(m))
        .ok_or_else(bad)?;
    let days = with_lang(calendar::month(&state, year, month).await, &caller)?;
    Ok(Json(json!({ "year": year, "month": month, "days": days })))
}

#[derive(Deserialize)]
struct DayBody {
    kind: Option<String>,
    name: Option<String>,
}

async fn calendar_day(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path(date): Path<String>,
    ApiJson(body): ApiJson<DayBody>,
) -> ApiResult<StatusCode> {
    let date = chrono::NaiveDate::parse_from_str(&date, "%Y-%m-%d").map_err(|_| {
        ApiError(
            AppError::invalid("date", app::domain::FieldErrorCode::InvalidDate),
            caller.lang,
        )
    })?;
    let kind = match body
        .kind
        .as_deref()
        .filter(|k| !k.is_empty() && *k != "default")
    {
        None => None,
        Some(code) => Some(app::domain::calendar::DayKind::parse(code).ok_or_else(|| {
            ApiError(
                AppError::invalid("kind", app::domain::FieldErrorCode::UnknownOption),
                caller.lang,
            )
        })?),
    };
    with_lang(
        calendar::set_day(&state, &caller, date, kind, body.name).await,
        &caller,
    )?;
    Ok(StatusCode::NO_CONTENT)
}

async fn calendar_import(
    State(state): State<AppState>,
    Authed(caller): Authed,
    body: String,
) -> ApiResult<Json<serde_json::Value>> {
    let years = with_lang(calendar::import(&state, &caller, &body).await, &caller)?;
    Ok(Json(json!({ "years": years })))
}

async fn kb_create(
    State(state): State<AppState>,
    Authed(caller): Authed,
    ApiJson(body): ApiJson<app::wire::ArticleInput>,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    let a = with_lang(kb::create(&state, &caller, body).await, &caller)?;
    Ok((StatusCode::CREATED, Json(json!(a))))
}

#[derive(Deserialize)]
struct KbListParams {
    section: Option<String>,
    limit: Option<u64>,
}

async fn kb_list(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Query(p): Query<KbListParams>,
) -> ApiResult<Json<serde_json::Value>> {
    let list = with_lang(
        kb::list(&state, &caller, p.section.as_deref(), p.limit.unwrap_or(50)).await,
        &caller,
    )?;
    Ok(Json(json!(list)))
}

async fn kb_get(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Id(id): Id,
) -> ApiResult<Json<serde_json::Value>> {
    Ok(Json(json!(with_lang(
        kb::get(&state, &caller, id).await,
        &caller
    )?)))
}

async fn kb_update(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Id(id): Id,
    ApiJson(body): ApiJson<app::wire::ArticleInput>,
) -> ApiResult<Json<serde_json::Value>> {
    Ok(Json(json!(with_lang(
        kb::update(&state, &caller, id, body).await,
        &caller
    )?)))
}

async fn kb_delete(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Id(id): Id,
) -> ApiResult<StatusCode> {
    with_lang(kb::delete(&state, &caller, id).await, &caller)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn kb_versions(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Id(id): Id,
) -> ApiResult<Json<serde_json::Value>> {
    Ok(Json(json!(with_lang(
        kb::versions(&state, &caller, id).await,
        &caller
    )?)))
}

#[derive(Deserialize)]
struct CompareParams {
    from: Option<i32>,
    to: Option<i32>,
}

async fn kb_compare(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Id(id): Id,
    Query(p): Query<CompareParams>,
) -> ApiResult<Json<serde_json::Value>> {
    let (Some(from), Some(to)) = (p.from, p.to) else {
        return Err(ApiError(
            AppError::invalid("from", app::domain::FieldErrorCode::Required),
            caller.lang,
        ));
    };
    Ok(Json(json!(with_lang(
        kb::compare(&state, &caller, id, from, to).await,
        &caller
    )?)))
}

#[derive(Deserialize)]
struct RestoreBody {
    version: i32,
}

async fn kb_restore(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Id(id): Id,
    ApiJson(body): ApiJson<RestoreBody>,
) -> ApiResult<Json<serde_json::Value>> {
    Ok(Json(json!(with_lang(
        kb::restore(&state, &caller, id, body.version).await,
        &caller
    )?)))
}

#[derive(Deserialize)]
struct SearchParams {
    q: Option<String>,
    limit: Option<String>,
}

async fn kb_search(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Query(p): Query<SearchParams>,
) -> ApiResult<Json<serde_json::Value>> {
    let limit = match p.limit.as_deref().map(str::parse::<usize>) {
        None => 10,
        Some(Ok(n)) if (1..=50).contains(&n) => n,
        Some(_) => {
            return Err(ApiError(
                AppError::invalid("limit", app::domain::FieldErrorCode::AboveMax { max: 50.0 }),
                caller.lang,
            ));
        }
    };
    let results = with_lang(
        kb::search(&state, p.q.as_deref().unwrap_or(""), limit).await,
        &caller,
    )?;
    Ok(Json(json!({ "results": results })))
}

async fn kb_sections(
    State(state): State<AppState>,
    Authed(caller): Authed,
) -> ApiResult<Json<serde_json::Value>> {
    let sections = with_lang(kb::sections(&state).await, &caller)?;
    Ok(Json(json!(
        sections
            .into_iter()
            .map(|s| json!({"code": s.code, "title": s.title, "title_en": s.title_en}))
            .collect::<Vec<_>>()
    )))
}

#[derive(Deserialize)]
struct SuggestParams {
    subject: Option<String>,
    kind: Option<String>,
}

/// Articles that may answer a request while it is being written.
async fn kb_suggest(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Query(p): Query<SuggestParams>,
) -> ApiResult<Json<serde_json::Value>> {
    let results = with_lang(
        kb::suggest(
            &state,
            p.subject.as_deref().unwrap_or(""),
            p.kind.as_deref(),
            5,
        )
        .await,
        &caller,
    )?;
    Ok(Json(json!({ "results": results })))
}

#[derive(Deserialize)]
struct SolvedBody {
    #[serde(default)]
    subject: String,
    #[serde(default)]
    kind: Option<String>,
}

/// "This solved it": counted, nothing is filed.
async fn kb_solved(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Id(id): Id,
    ApiJson(body): ApiJson<SolvedBody>,
) -> ApiResult<Json<serde_json::Value>> {
    let count = with_lang(
        kb::mark_solved(&state, &caller, id, body.kind.as_deref(), &body.subject).await,
        &caller,
    )?;
    Ok(Json(json!({ "article": id, "solved_count": count })))
}

async fn kb_attach(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Id(id): Id,
    multipart: axum::extract::Multipart,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    let (name, bytes) = read_file_part(multipart, state.config.upload_max_bytes)
        .await
        .map_err(|e| ApiError(e, caller.lang))?;
    let a = with_lang(
        kb::attach(&state, &caller, id, &name, &bytes).await,
        &caller,
    )?;
    Ok((StatusCode::CREATED, Json(json!(a))))
}

async fn kb_file(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Id(id): Id,
) -> ApiResult<Response> {
    let (view, bytes) = with_lang(kb::open_attachment(&state, &caller, id).await, &caller)?;
    Ok(file_response(view, bytes))
}

async fn kb_file_delete(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Id(id): Id,
) -> ApiResult<StatusCode> {
    with_lang(kb::remove_attachment(&state, &caller, id).await, &caller)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn templates_list(
    State(state): State<AppState>,
    Authed(caller): Authed,
) -> ApiResult<Json<serde_json::Value>> {
    Ok(Json(json!(with_lang(
        templates::list(&state, &caller).await,
        &caller
    )?)))
}

async fn templates_create(
    State(state): State<AppState>,
    Authed(caller): Authed,
    ApiJson(body): ApiJson<app::wire::TemplateInput>,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    let t = with_lang(templates::create(&state, &caller, body).await, &caller)?;
    Ok((StatusCode::CREATED, Json(json!(t))))
}

async fn templates_get(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Id(id): Id,
) -> ApiResult<Json<serde_json::Value>> {
    Ok(Json(json!(with_lang(
        templates::get(&state, &caller, id).await,
        &caller
    )?)))
}

async fn templates_update(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Id(id): Id,
    ApiJson(body): ApiJson<app::wire::TemplateInput>,
) -> ApiResult<Json<serde_json::Value>> {
    Ok(Json(json!(with_lang(
        templates::update(&state, &caller, id, body).await,
        &caller
    )?)))
}

async fn templates_delete(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Id(id): Id,
) -> ApiResult<StatusCode> {
    with_lang(templates::delete(&state, &caller, id).await, &caller)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct SectionBody {
    #[serde(default)]
    code: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    title_en: String,
}

/// Adds or renames a section (administrator).
async fn kb_section_save(
    State(state): State<AppState>,
    Authed(caller): Authed,
    ApiJson(body): ApiJson<SectionBody>,
) -> ApiResult<Json<serde_json::Value>> {
    let s = with_lang(
        kb::save_section(&state, &caller, &body.code, &body.title, &body.title_en).await,
        &caller,
    )?;
    Ok(Json(
        json!({"code": s.code, "title": s.title, "title_en": s.title_en}),
    ))
}

async fn openapi() -> Json<serde_json::Value> {
    Json(crate::openapi::document())
}

async fn not_found() -> ApiError {
    AppError::NotFound.into()
}

pub fn router(state: &AppState) -> Router<AppState> {
    let upload_limit = usize::try_from(state.config.upload_max_bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(64 * 1024);
    Router::new()
        .merge(lifecycle::router())
        .route("/api/v1/auth/login", post(login))
        .route("/api/v1/auth/logout", post(logout))
        .route("/api/v1/me", get(me))
        .route("/api/v1/request-kinds", get(request_kinds))
        .route("/api/v1/tickets", post(create_ticket).get(list_tickets))
        .route("/api/v1/tickets/{id}", get(get_ticket))
        .route(
            "/api/v1/tickets/{id}/comments",
            post(add_comment).get(list_comments),
        )
        .route("/api/v1/tickets/bulk", post(bulk))
        .route("/api/v1/tickets/{id}/take", post(take))
        .route("/api/v1/tickets/{id}/assign", post(assign))
        .route(
            "/api/v1/tickets/{id}/attachments",
            post(upload).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/api/v1/attachments/{id}", get(download))
        .route("/api/v1/tickets/{id}/extend", post(extend))
        .route("/api/v1/tickets/{id}/transfer", post(transfer))
        .route("/api/v1/tickets/{id}/answer", post(answer))
        .route("/api/v1/calendar/deadline", get(deadline))
        .route("/api/v1/calendar/days/{date}", put(calendar_day))
        .route("/api/v1/calendar/import", post(calendar_import))
        .route("/api/v1/calendar/{year}/{month}", get(calendar_month))
        .route("/api/v1/notifications", get(notifications))
        .route("/api/v1/notifications/read", post(notifications_read))
        .route(
            "/api/v1/kb/sections",
            get(kb_sections).post(kb_section_save),
        )
        .route("/api/v1/kb/search", get(kb_search))
        .route("/api/v1/kb/articles", post(kb_create).get(kb_list))
        .route(
            "/api/v1/kb/articles/{id}",
            get(kb_get).put(kb_update).delete(kb_delete),
        )
        .route("/api/v1/kb/articles/{id}/versions", get(kb_versions))
        .route("/api/v1/kb/articles/{id}/compare", get(kb_compare))
        .route("/api/v1/kb/articles/{id}/restore", post(kb_restore))
        .route("/api/v1/kb/articles/{id}/solved", post(kb_solved))
        .route(
            "/api/v1/kb/articles/{id}/files",
            post(kb_attach).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/api/v1/kb/files/{id}", get(kb_file).delete(kb_file_delete))
        .route("/api/v1/kb/suggest", get(kb_suggest))
        .route(
            "/api/v1/templates",
            get(templates_list).post(templates_create),
        )
        .route(
            "/api/v1/templates/{id}",
            get(templates_get)
                .put(templates_update)
                .delete(templates_delete),
        )
        .merge(crate::reports::api_router())
        .route("/api/v1/openapi.json", get(openapi))
        .route(
            "/api/v1/{*rest}",
            get(not_found)
                .post(not_found)
                .put(not_found)
                .delete(not_found),
        )
}
