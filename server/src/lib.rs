//! The service desk server: wires configuration, the database, the Leptos
//! pages, the REST API and the plain form routes into one axum router.

// The OpenAPI document is one large `json!` literal.
#![recursion_limit = "512"]

pub mod api;
pub mod forms;
pub mod openapi;
pub mod reports;

use app::app::{App, shell};
use app::server::AppState;
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};

/// The whole application as a router, ready to serve.
pub fn router(state: AppState, options: LeptosOptions) -> Router {
    let routes = generate_route_list(App);
    let api = api::router(&state).with_state::<LeptosOptions>(state.clone());
    let forms = forms::router(&state).with_state::<LeptosOptions>(state.clone());
    let context_state = state.clone();
    Router::new()
        .merge(api)
        .merge(forms)
        .leptos_routes_with_context(
            &options,
            routes,
            move || provide_context(context_state.clone()),
            {
                let options = options.clone();
                move || shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler(shell))
        .with_state(options)
}
