//! The `servicedesk` binary: reads configuration, migrates the database and
//! serves the app. `servicedesk migrate` only migrates; `servicedesk reindex`
//! rebuilds the knowledge-base search index from the database.

use app::server::config::Config;
use app::server::{AppState, db};
use leptos::prelude::*;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("servicedesk: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let config = Config::load()?;
    tracing::info!(?config, "starting");
    let db = db::connect_and_migrate(&config.database_url).await?;
    if std::env::args().nth(1).as_deref() == Some("migrate") {
        tracing::info!("migrations applied");
        return Ok(());
    }
    let state = AppState::new(db, config);
    if std::env::args().nth(1).as_deref() == Some("reindex") {
        let count = app::server::kb::reindex_all(&state).await?;
        tracing::info!(
            articles = count,
            "knowledge-base index rebuilt; running instances follow at their next search"
        );
        println!("indexed {count} published articles");
        return Ok(());
    }
    if state.config.demo_data {
        match app::server::demo::seed(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(requests = n, "demo requests filed"),
            Err(e) => tracing::warn!(error = %e, "demo requests not filed"),
        }
    }
    if state.config.jobs {
        tokio::spawn(app::server::jobs::run_forever(state.clone()));
    }
    let conf = get_configuration(None)?;
    let options = conf.leptos_options;
    let addr = options.site_addr;
    let app = server::router(state, options);
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    tracing::info!("listening on http://{addr}");
    axum::serve(listener, app.into_make_service())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
