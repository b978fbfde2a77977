//! The service desk server: wires configuration, the database, the Leptos
//! pages, the REST API and the plain form routes into one axum router.

// The OpenAPI document is one large `json!` literal.
#![recursion_limit = "512"]

pub mod api;
pub mod assets;
pub mod backup;
pub mod forms;
pub mod health;
pub mod metrics;
pub mod openapi;
pub mod reports;
pub mod security;

use app::app::{App, shell};
use app::server::AppState;
use axum::Router;
use axum::extract::Request;
use axum::http::{Method, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};

/// The whole application as a router, ready to serve.
pub fn router(state: AppState, options: LeptosOptions) -> Router {
    let routes = generate_route_list(App);
    let api = api::router(&state).with_state::<LeptosOptions>(state.clone());
    let forms = forms::router(&state).with_state::<LeptosOptions>(state.clone());
    let health = health::router().with_state::<LeptosOptions>(state.clone());
    let metrics = metrics::router().with_state::<LeptosOptions>(state.clone());
    let count_state = state.clone();
    let context_state = state.clone();
    let guard_state = state.clone();
    let assets = assets::router(std::path::Path::new(&*options.site_root));
    Router::new()
        .merge(api)
        .merge(forms)
        .merge(health)
        .merge(metrics)
        .merge(assets)
        .leptos_routes_with_context(
            &options,
            routes,
            move || {
                provide_context(context_state.clone());
                provide_context(app::features::ssr::RequestCaller::default());
            },
            {
                let options = options.clone();
                move || shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler(shell))
        .layer(middleware::from_fn(multipart_guard))
        .layer(middleware::from_fn(server_fn_status))
        .layer(middleware::from_fn(api::json_errors))
        .layer(middleware::from_fn_with_state(
            guard_state,
            security::cross_site_guard,
        ))
        .layer(middleware::from_fn_with_state(state, security::headers))
        .layer(middleware::from_fn_with_state(count_state, metrics::count))
        .with_state(options)
}

/// The listener with `TCP_NODELAY` on every connection: small answers go
/// out at once instead of waiting for the peer's delayed acknowledgement
/// (about 40 ms per answer on a reused connection).
pub fn no_delay(
    listener: tokio::net::TcpListener,
) -> axum::serve::TapIo<tokio::net::TcpListener, fn(&mut tokio::net::TcpStream)> {
    use axum::serve::ListenerExt;
    fn set(tcp: &mut tokio::net::TcpStream) {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY not set");
        }
    }
    listener.tap_io(set as fn(&mut tokio::net::TcpStream))
}

/// `server_fn` answers every error with 500; the error's own status (401,
/// 403, 404, 409, 422, …) tells monitoring and clients what happened. The
/// plain-form path (a redirect carrying the error) is left as it is.
async fn server_fn_status(req: Request, next: Next) -> Response {
    use axum::body::{Body, to_bytes};
    use axum::http::StatusCode;
    use leptos::server_fn::error::SERVER_FN_ERROR_HEADER;
    let res = next.run(req).await;
    if res.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !res.headers().contains_key(SERVER_FN_ERROR_HEADER)
    {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = to_bytes(body, 1 << 20).await.unwrap_or_default();
    if let Ok(err) = serde_json::from_slice::<app::wire::AppError>(&bytes)
        && let Ok(status) = StatusCode::from_u16(err.http_status())
    {
        parts.status = status;
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// The server functions that read a multipart form.
fn multipart_fns() -> [&'static str; 1] {
    use leptos::server_fn::ServerFn;
    [<app::features::request_new::CreateRequest as ServerFn>::PATH]
}

/// `server_fn` panics on a multipart body without a boundary; such a post
/// to a multipart server function is refused here as malformed instead.
async fn multipart_guard(req: Request, next: Next) -> Response {
    if req.method() == Method::POST && multipart_fns().contains(&req.uri().path()) {
        let boundary = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .filter(|ct| {
                ct.trim_start()
                    .to_ascii_lowercase()
                    .starts_with("multipart/form-data")
            })
            .and_then(|ct| {
                ct.split(';')
                    .find_map(|p| p.trim().strip_prefix("boundary="))
            })
            .map(|b| b.trim_matches('"'))
            .is_some_and(|b| !b.is_empty());
        if !boundary {
            let err = app::wire::AppError::Malformed {
                detail: "expected a multipart/form-data body with a boundary".into(),
            };
            return api::ApiError::from(err).into_response();
        }
    }
    next.run(req).await
}
