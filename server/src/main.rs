//! The `servicedesk` binary: reads configuration, migrates the database and
//! serves the app. `servicedesk migrate` only migrates; `servicedesk reindex`
//! rebuilds the knowledge-base search index from the database;
//! `servicedesk seed --requests N [--seed S]` adds generated request history;
//! `servicedesk backup <folder>` and `restore <folder>` (SQLite and files).

use app::server::config::Config;
use app::server::{AppState, db};
use leptos::prelude::*;
use tracing_subscriber::EnvFilter;

/// mimalloc: the server allocates and frees many small buffers per answer
/// across threads; glibc's malloc spent about a fifth of a page's time
/// (and kept per-thread arenas resident), see bench/README.md.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's options that give freed memory back to the system at once
/// and commit its arenas only as they are used: idle RSS 83 → 51 MB in the
/// benchmark at the same throughput. mimalloc reads them from the
/// environment when the process starts (setting them from code needs
/// `unsafe`, which this workspace forbids), so a start without them runs
/// this same program again with them, in place (`exec`: same process id).
/// Variables set by the operator are kept.
const ALLOCATOR_OPTIONS: [(&str, &str); 2] = [
    ("MIMALLOC_PURGE_DELAY", "0"),
    ("MIMALLOC_ARENA_EAGER_COMMIT", "0"),
];

fn with_allocator_options() {
    use std::os::unix::process::CommandExt;
    if ALLOCATOR_OPTIONS
        .iter()
        .all(|(name, _)| std::env::var_os(name).is_some())
    {
        return;
    }
    let Ok(program) = std::env::current_exe() else {
        return;
    };
    let mut again = std::process::Command::new(program);
    again.args(std::env::args_os().skip(1));
    for (name, value) in ALLOCATOR_OPTIONS {
        if std::env::var_os(name).is_none() {
            again.env(name, value);
        }
    }
    // Returns only if the program could not be run again: go on as it is.
    let e = again.exec();
    eprintln!("servicedesk: allocator options not applied: {e}");
}

fn main() -> std::process::ExitCode {
    // Before any thread starts.
    with_allocator_options();
    serve_or_run()
}

#[tokio::main]
async fn serve_or_run() -> std::process::ExitCode {
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
    if config.directory.url.starts_with("ldap://") && !config.directory.starttls {
        tracing::warn!(
            "passwords go to the directory in clear: set directory.starttls (SD_LDAP_STARTTLS=true) or use ldaps://"
        );
    }
    let command = std::env::args().nth(1);
    let folder = || {
        std::env::args()
            .nth(2)
            .map(std::path::PathBuf::from)
            .ok_or("usage: servicedesk backup|restore <folder>")
    };
    if command.as_deref() == Some("restore") {
        // Before any connection: the database file is replaced.
        let done = server::backup::restore(&config, &folder()?)?;
        println!("{done}");
        return Ok(());
    }
    let db = db::connect_and_migrate(&config.database_url).await?;
    if command.as_deref() == Some("backup") {
        let done = server::backup::backup(&config, &db, &folder()?).await?;
        println!("{done}");
        return Ok(());
    }
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
    if std::env::args().nth(1).as_deref() == Some("seed") {
        let (requests, seed) = seed_args(std::env::args().skip(2))?;
        let made = app::server::generate::generate(&state, requests, seed).await?;
        println!(
            "generated {} requests and up to {} people",
            made.requests, made.users
        );
        return Ok(());
    }
    // Requests answered before their working time was kept get it, in the
    // background: serving does not wait for a large history.
    let filling = state.clone();
    tokio::spawn(async move {
        match app::server::tickets::fill_work_seconds(&filling).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(requests = n, "working time of earlier answers reckoned"),
            Err(e) => tracing::warn!(error = %e, "working time of earlier answers not reckoned"),
        }
    });
    // Files an earlier version kept in the data folder move into the file
    // store, where every node finds them; with a bucket configured, so do
    // files kept in the database before it was.
    app::server::files::adopt_folder(&state).await?;
    if let Err(e) = app::server::files::move_into_objects(&state).await {
        // They stay readable from the database; the next start goes on.
        tracing::warn!(error = %e, "files not moved into the object store yet");
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
    let pkg = std::path::Path::new(&*options.site_root).join("pkg");
    let app = server::router(state, options);
    // Compressed once per build, beside the files; until then they go out
    // as they are (never as the last build's compressed copy).
    if let Err(e) = server::assets::remove_stale(&pkg) {
        tracing::warn!(error = %e, dir = %pkg.display(), "stale compressed assets not removed");
    }
    tokio::task::spawn_blocking(move || match server::assets::precompress(&pkg) {
        Ok(0) => {}
        Ok(n) => tracing::info!(files = n, "assets compressed (brotli, gzip)"),
        Err(e) => tracing::warn!(error = %e, dir = %pkg.display(), "assets not compressed"),
    });
    let listener = server::no_delay(tokio::net::TcpListener::bind(&addr).await?);
    tracing::info!("listening on http://{addr}");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}

/// `--requests N` (required) and `--seed S` (default 1).
fn seed_args(args: impl Iterator<Item = String>) -> Result<(usize, u64), String> {
    let args: Vec<String> = args.collect();
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let requests = value("--requests")
        .ok_or("usage: servicedesk seed --requests N [--seed S]")?
        .parse::<usize>()
        .map_err(|e| format!("--requests: {e}"))?;
    let seed = value("--seed")
        .map(|s| s.parse::<u64>().map_err(|e| format!("--seed: {e}")))
        .transpose()?
        .unwrap_or(1);
    Ok((requests, seed))
}
