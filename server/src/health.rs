//! What a load balancer and an operator ask: `/healthz`, the process
//! answers; `/readyz`, this node can serve (database reachable, its
//! migrations all applied, the directory answering the service account,
//! the object store answering when one is configured).

use app::server::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(alive))
        .route("/readyz", get(ready))
}

async fn alive() -> Response {
    axum::Json(json!({ "status": "ok" })).into_response()
}

async fn ready(State(state): State<AppState>) -> Response {
    use migrations::MigratorTrait;
    let (database, pending, directory, files) = tokio::join!(
        state.db.ping(),
        migrations::Migrator::get_pending_migrations(&state.db),
        state.directory.reachable(),
        state.files.reachable(),
    );
    let checks = [
        ("database", database.map_err(|e| e.to_string())),
        (
            "migrations",
            match pending {
                Ok(p) if p.is_empty() => Ok(()),
                Ok(p) => Err(format!("{} not applied", p.len())),
                Err(e) => Err(e.to_string()),
            },
        ),
        ("directory", directory.map_err(|e| e.to_string())),
        ("files", files),
    ];
    let ready = checks.iter().all(|(_, r)| r.is_ok());
    let body: serde_json::Map<String, serde_json::Value> = checks
        .into_iter()
        .map(|(name, r)| {
            let value = match r {
                Ok(()) => json!("ok"),
                Err(e) => {
                    tracing::warn!(check = name, error = %e, "not ready");
                    json!(e)
                }
            };
            (name.to_string(), value)
        })
        .collect();
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let summary = if ready { "ready" } else { "not_ready" };
    (
        status,
        axum::Json(json!({ "status": summary, "checks": body })),
    )
        .into_response()
}
