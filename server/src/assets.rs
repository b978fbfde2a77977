//! The built scripts, styles and wasm under `/pkg/`: compressed once (brotli
//! and gzip files beside each, made at start where missing or stale) and
//! sent in the encoding the browser accepts, with `Last-Modified` so that a
//! browser asks again cheaply (`304`) instead of downloading again.

use std::path::{Path, PathBuf};

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use tower_http::services::ServeDir;

/// What is worth compressing: text and wasm, not images.
const COMPRESSIBLE: [&str; 5] = ["wasm", "js", "css", "svg", "map"];

/// `Cache-Control` of the assets: names do not change with the build, so a
/// browser keeps them but checks each use against `Last-Modified`.
const ASSET_CACHE: &str = "public, no-cache";

/// The tab's icon: a tick on the header's blue, small enough to live here.
const FAVICON: &str = concat!(
    r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">"##,
    r##"<rect width="32" height="32" rx="6" fill="#0b4f9c"/>"##,
    r##"<path d="M9 17l5 5 9-11" stroke="#fff" stroke-width="3.5" fill="none" "##,
    r##"stroke-linecap="round" stroke-linejoin="round"/></svg>"##
);

async fn favicon() -> impl axum::response::IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        FAVICON,
    )
}

/// `/pkg/…` from `site_root/pkg`, precompressed files preferred; the icon
/// at `/favicon.svg` and where browsers look for it unasked (`/favicon.ico`).
pub fn router<S: Clone + Send + Sync + 'static>(site_root: &Path) -> Router<S> {
    let files = ServeDir::new(site_root.join("pkg"))
        .precompressed_br()
        .precompressed_gzip();
    Router::new()
        .nest_service("/pkg", files)
        .layer(axum::middleware::map_response(cache_control))
        .route("/favicon.svg", axum::routing::get(favicon))
        .route("/favicon.ico", axum::routing::get(favicon))
}

async fn cache_control(mut res: Response) -> Response {
    if res.status().is_success() || res.status() == axum::http::StatusCode::NOT_MODIFIED {
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(ASSET_CACHE));
    }
    res
}

/// Removes every `.br` and `.gz` older than the file it was made from, so
/// that a new build is never answered with the last build's compressed
/// copy. Quick; run before serving, then [`precompress`] in the background.
pub fn remove_stale(dir: &Path) -> std::io::Result<usize> {
    let mut removed = 0;
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            removed += remove_stale(&path)?;
            continue;
        }
        let Some(ext) = path.extension().and_then(|e| e.to_str()) else {
            continue;
        };
        if ext != "br" && ext != "gz" {
            continue;
        }
        let source = path.with_extension("");
        let stale = match (std::fs::metadata(&source), std::fs::metadata(&path)) {
            (Ok(s), Ok(c)) => c.modified()? < s.modified()?,
            // Made from a file that is gone.
            (Err(_), _) => true,
            (_, Err(_)) => false,
        };
        if stale {
            std::fs::remove_file(&path)?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Writes `<file>.br` and `<file>.gz` beside every compressible file of
/// `dir` that lacks them or has changed since; returns how many files were
/// compressed. Unreadable or read-only folders are reported, not fatal: the
/// files are then sent as they are.
pub fn precompress(dir: &Path) -> std::io::Result<usize> {
    let mut done = 0;
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            done += precompress(&path)?;
            continue;
        }
        let compressible = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| COMPRESSIBLE.contains(&e));
        if !compressible {
            continue;
        }
        let modified = std::fs::metadata(&path)?.modified()?;
        let fresh = |p: &PathBuf| {
            std::fs::metadata(p)
                .and_then(|m| m.modified())
                .is_ok_and(|m| m >= modified)
        };
        let (br, gz) = (with_suffix(&path, "br"), with_suffix(&path, "gz"));
        if fresh(&br) && fresh(&gz) {
            continue;
        }
        let bytes = std::fs::read(&path)?;
        write_atomically(&br, &brotli_of(&bytes)?)?;
        write_atomically(&gz, &gzip_of(&bytes)?)?;
        done += 1;
    }
    Ok(done)
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

/// Written beside and renamed, so a request never reads half a file.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = with_suffix(path, "tmp");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

fn brotli_of(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    use std::io::Write;
    let mut out = Vec::new();
    {
        // Quality 11 (the best) for release builds; a debug build's wasm is
        // several times larger and gets a quick quality instead.
        let quality = if bytes.len() > 4 << 20 { 5 } else { 11 };
        let mut w = brotli::CompressorWriter::new(&mut out, 64 * 1024, quality, 22);
        w.write_all(bytes)?;
    }
    Ok(out)
}

fn gzip_of(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    use std::io::Write;
    let mut w = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    w.write_all(bytes)?;
    w.finish()
}
