//! The service desk application: domain rules, wire types, translations and
//! pages (compiled for the server with `ssr` and for the browser with
//! `hydrate`), plus the server-only services behind them.

// The new-request form's view type is deep enough that the release build
// of the browser code computes its layout past the default limit of 128.
#![recursion_limit = "256"]

pub mod app;
pub mod domain;
pub mod features;
pub mod i18n;
pub mod wire;

#[cfg(feature = "ssr")]
pub mod server;

/// Entry point of the WebAssembly bundle: hydrates the server-rendered page
/// once the chunk of its page has arrived (pages are lazy routes, see
/// `app::App`), then marks `<body data-hydrated>` so that tests know when it
/// is live.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    let Some(body) = leptos::prelude::document().body() else {
        return;
    };
    wasm_bindgen_futures::spawn_local(async move {
        leptos::mount::hydrate_from_async(body.clone(), app::App)
            .await
            .forget();
        let _ = body.set_attribute("data-hydrated", "true");
    });
}
