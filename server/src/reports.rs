//! Unit reports over HTTP: the workload as JSON, the period report as a file
//! (written at once, or in the background with progress), the heads'
//! proposals; for API clients (bearer token) and for the browser (cookie).

use app::server::AppState;
use app::server::auth::Caller;
use app::server::reports::export::Format;
use app::server::reports::{self, jobs};
use app::wire::AppError;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::api::{ApiError, ApiJson, ApiResult, Authed, Id, as_download, with_lang};

#[derive(Deserialize, Default)]
pub struct PeriodParams {
    unit: Option<String>,
    period: Option<String>,
    from: Option<String>,
    to: Option<String>,
    format: Option<String>,
}

impl PeriodParams {
    fn unit(&self, caller: &Caller) -> Result<String, ApiError> {
        self.unit
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(str::to_string)
            .ok_or_else(|| {
                ApiError(
                    AppError::invalid("unit", app::domain::FieldErrorCode::Required),
                    caller.lang,
                )
            })
    }

    fn period(
        &self,
        state: &AppState,
        caller: &Caller,
    ) -> Result<app::domain::report::Period, ApiError> {
        let today = state.local(state.now()).date();
        reports::parse_period(
            self.period.as_deref(),
            self.from.as_deref(),
            self.to.as_deref(),
            today,
        )
        .map_err(|e| ApiError(e, caller.lang))
    }

    fn format(&self, caller: &Caller) -> Result<Format, ApiError> {
        let code = self.format.as_deref().unwrap_or("xlsx");
        Format::parse(code).ok_or_else(|| {
            ApiError(
                AppError::invalid("format", app::domain::FieldErrorCode::UnknownOption),
                caller.lang,
            )
        })
    }
}

async fn workload(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Query(p): Query<PeriodParams>,
) -> ApiResult<Json<serde_json::Value>> {
    let unit = p.unit(&caller)?;
    let period = p.period(&state, &caller)?;
    let w = with_lang(
        reports::workload(&state, &caller, &unit, period).await,
        &caller,
    )?;
    Ok(Json(json!(w)))
}

/// Streams a report file written only for this answer; it is unlinked
/// once open (the open handle keeps it readable).
async fn send_file(
    written: jobs::TempFile,
    name: &str,
    format: Format,
) -> Result<Response, AppError> {
    let path = written.path().to_path_buf();
    let file = tokio::fs::File::open(&path).await.map_err(|e| {
        tracing::warn!(error = %e, path = %path.display(), "report file missing");
        AppError::NotFound
    })?;
    drop(written);
    let mut response = Body::from_stream(tokio_util::io::ReaderStream::new(file)).into_response();
    as_download(&mut response, name, format.content_type());
    Ok(response)
}

async fn period_file(state: &AppState, caller: &Caller, p: &PeriodParams) -> ApiResult<Response> {
    let unit = p.unit(caller)?;
    let period = p.period(state, caller)?;
    let format = p.format(caller)?;
    let (name, file) = with_lang(
        jobs::write_now(state, caller, &unit, period, format).await,
        caller,
    )?;
    send_file(file, &name, format)
        .await
        .map_err(|e| ApiError(e, caller.lang))
}

async fn period(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Query(p): Query<PeriodParams>,
) -> ApiResult<Response> {
    period_file(&state, &caller, &p).await
}

#[derive(Deserialize)]
struct ExportBody {
    unit: Option<String>,
    period: Option<String>,
    from: Option<String>,
    to: Option<String>,
    format: Option<String>,
}

async fn export_start(
    State(state): State<AppState>,
    Authed(caller): Authed,
    ApiJson(b): ApiJson<ExportBody>,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    let p = PeriodParams {
        unit: b.unit,
        period: b.period,
        from: b.from,
        to: b.to,
        format: b.format,
    };
    let unit = p.unit(&caller)?;
    let period = p.period(&state, &caller)?;
    let format = p.format(&caller)?;
    let v = with_lang(
        jobs::start(&state, &caller, &unit, period, format).await,
        &caller,
    )?;
    Ok((StatusCode::ACCEPTED, Json(json!(v))))
}

async fn export_status(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Id(id): Id,
) -> ApiResult<Json<serde_json::Value>> {
    let v = with_lang(jobs::status(&state, &caller, id).await, &caller)?;
    Ok(Json(json!(v)))
}

async fn export_file(state: &AppState, caller: &Caller, id: i64) -> ApiResult<Response> {
    let (name, format, bytes) = with_lang(jobs::file(state, caller, id).await, caller)?;
    let mut response = Body::from(bytes).into_response();
    as_download(&mut response, &name, format.content_type());
    Ok(response)
}

async fn export_download(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Id(id): Id,
) -> ApiResult<Response> {
    export_file(&state, &caller, id).await
}

#[derive(Deserialize)]
struct ProposalsBody {
    unit: Option<String>,
    from: Option<String>,
    to: Option<String>,
    #[serde(default)]
    text: String,
}

async fn proposals_save(
    State(state): State<AppState>,
    Authed(caller): Authed,
    ApiJson(b): ApiJson<ProposalsBody>,
) -> ApiResult<Json<serde_json::Value>> {
    let p = PeriodParams {
        unit: b.unit,
        from: b.from,
        to: b.to,
        ..PeriodParams::default()
    };
    let unit = p.unit(&caller)?;
    let period = p.period(&state, &caller)?;
    let text = with_lang(
        reports::save_proposals(&state, &caller, &unit, &period, &b.text).await,
        &caller,
    )?;
    Ok(Json(
        json!({ "unit": unit.to_uppercase(), "from": period.from, "to": period.to, "text": text }),
    ))
}

/// The report file from the workload page's plain links (no JavaScript).
async fn browser_period(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(p): Query<PeriodParams>,
) -> Response {
    let Some(caller) = crate::forms::caller(&state, &headers).await else {
        return Redirect::to("/login").into_response();
    };
    period_file(&state, &caller, &p)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

/// A finished background export, from the workload page.
async fn browser_export(State(state): State<AppState>, Id(id): Id, headers: HeaderMap) -> Response {
    let Some(caller) = crate::forms::caller(&state, &headers).await else {
        return Redirect::to("/login").into_response();
    };
    export_file(&state, &caller, id)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

pub fn api_router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/reports/workload", get(workload))
        .route("/api/v1/reports/period", get(period))
        .route("/api/v1/reports/exports", post(export_start))
        .route("/api/v1/reports/exports/{id}", get(export_status))
        .route("/api/v1/reports/exports/{id}/file", get(export_download))
        .route("/api/v1/reports/proposals", put(proposals_save))
}

/// The list on the page as a file: `/queue/export.csv` (or `.xlsx`) and
/// `/requests/export.csv` (or `.xlsx`) with the page's own filters.
async fn list_export(
    state: &AppState,
    headers: &HeaderMap,
    mut p: app::server::tickets::ListParams,
    scope: &str,
    format: app::server::tickets::ExportFormat,
) -> Response {
    let Some(caller) = crate::forms::caller(state, headers).await else {
        return Redirect::to("/login").into_response();
    };
    p.scope = Some(scope.to_string());
    match app::server::tickets::export(state, &caller, &p, format).await {
        Ok(bytes) => {
            let mut r = Body::from(bytes).into_response();
            let name = if scope == "unit" { "queue" } else { "requests" };
            let name = format!("{name}.{}", format.extension());
            as_download(&mut r, &name, format.content_type());
            r
        }
        Err(e) => ApiError(AppError::from(e), caller.lang).into_response(),
    }
}

macro_rules! list_export_route {
    ($name:ident, $scope:literal, $format:ident) => {
        async fn $name(
            State(state): State<AppState>,
            headers: HeaderMap,
            Query(p): Query<app::server::tickets::ListParams>,
        ) -> Response {
            use app::server::tickets::ExportFormat;
            list_export(&state, &headers, p, $scope, ExportFormat::$format).await
        }
    };
}

list_export_route!(queue_csv, "unit", Csv);
list_export_route!(queue_xlsx, "unit", Xlsx);
list_export_route!(requests_csv, "mine", Csv);
list_export_route!(requests_xlsx, "mine", Xlsx);

pub fn browser_router() -> Router<AppState> {
    Router::new()
        .route("/queue/export.csv", get(queue_csv))
        .route("/queue/export.xlsx", get(queue_xlsx))
        .route("/requests/export.csv", get(requests_csv))
        .route("/requests/export.xlsx", get(requests_xlsx))
        .route("/reports/file", get(browser_period))
        .route("/reports/exports/{id}/file", get(browser_export))
}
