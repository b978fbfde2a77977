//! `/metrics` for Prometheus (`app::server::metrics`), and the layer that
//! counts every answer by its route's pattern. The numbers are for the
//! administrator, or for a scraper on this machine: a call from loopback
//! that no proxy forwarded needs no session.

use std::net::SocketAddr;
use std::time::Instant;

use app::server::{AppState, auth};
use app::wire::AppError;
use axum::Router;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::api::ApiError;

pub fn router() -> Router<AppState> {
    Router::new().route("/metrics", get(metrics))
}

/// Counts the answer and the time to its head, by method, route pattern
/// and status; a path that matched no route counts as `unmatched`.
pub async fn count(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().as_str().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let res = next.run(req).await;
    state.metrics.observe(
        &method,
        &route,
        res.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    res
}

/// A call from this machine itself: a loopback peer, and no header that a
/// proxy in front of the service would add.
fn from_this_machine(peer: Option<SocketAddr>, headers: &HeaderMap) -> bool {
    let forwarded = ["forwarded", "x-forwarded-for", "x-real-ip"]
        .iter()
        .any(|h| headers.contains_key(*h));
    peer.is_some_and(|p| p.ip().is_loopback()) && !forwarded
}

async fn metrics(State(state): State<AppState>, req: Request) -> Result<Response, ApiError> {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(p)| *p);
    let headers = req.headers();
    if !from_this_machine(peer, headers) {
        let token = auth::token_from_headers(headers).ok_or(AppError::Unauthenticated)?;
        let caller = auth::caller_for_token(&state, &token)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        if !caller.roles.is_admin() {
            return Err(AppError::Forbidden.into());
        }
    }
    let text = app::server::metrics::render(&state)
        .await
        .map_err(AppError::from)?;
    Ok((
        [(header::CONTENT_TYPE, app::server::metrics::CONTENT_TYPE)],
        text,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_unforwarded_loopback_call_is_local() {
        let local: SocketAddr = "127.0.0.1:5000".parse().expect("addr");
        let remote: SocketAddr = "10.0.0.7:5000".parse().expect("addr");
        let none = HeaderMap::new();
        let mut proxied = HeaderMap::new();
        proxied.insert("x-forwarded-for", "10.0.0.7".parse().expect("value"));
        assert!(from_this_machine(Some(local), &none));
        assert!(!from_this_machine(Some(local), &proxied));
        assert!(!from_this_machine(Some(remote), &none));
        assert!(!from_this_machine(None, &none));
    }
}
