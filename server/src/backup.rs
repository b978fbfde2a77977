//! `servicedesk backup <folder>` and `servicedesk restore <folder>` for the
//! embedded SQLite database and the files beside it. The backup is taken
//! while the service runs (`VACUUM INTO`: one consistent snapshot, readers
//! and writers go on); restore is for a stopped service. PostgreSQL is backed
//! up with its own tools (`pg_dump -Fc`, `pg_restore`; see the README).

use std::path::{Path, PathBuf};

use app::server::config::Config;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend};

/// The database file's name inside a backup folder.
const DATABASE: &str = "database.sqlite";
/// The data folder's copy inside a backup folder.
const FILES: &str = "files";

type Result<T> = std::result::Result<T, String>;

/// The SQLite file a `sqlite://` URL names, if it is one.
fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

fn not_sqlite() -> String {
    "the database is not an SQLite file: back up PostgreSQL with `pg_dump -Fc` \
     and restore with `pg_restore` (README, Operations), and the data folder with it"
        .into()
}

/// Whether `path` is the database file or one of its companions.
fn is_database(path: &Path, database: &Path) -> bool {
    let (Ok(p), Ok(d)) = (path.canonicalize(), database.canonicalize()) else {
        return false;
    };
    let d = d.to_string_lossy().to_string();
    let p = p.to_string_lossy();
    p == d || p == format!("{d}-wal") || p == format!("{d}-shm") || p == format!("{d}-journal")
}

/// Writes a consistent copy of the database and the data folder's files to
/// `to` (which must not exist yet); returns what was written.
pub async fn backup(config: &Config, db: &DatabaseConnection, to: &Path) -> Result<String> {
    let database = sqlite_file(&config.database_url).ok_or_else(not_sqlite)?;
    if db.get_database_backend() != DbBackend::Sqlite {
        return Err(not_sqlite());
    }
    if to.exists() {
        return Err(format!(
            "{} exists already: name a new folder",
            to.display()
        ));
    }
    std::fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    let target = to.join(DATABASE);
    let quoted = target.to_string_lossy().replace('\'', "''");
    db.execute_unprepared(&format!("VACUUM INTO '{quoted}'"))
        .await
        .map_err(|e| format!("database snapshot: {e}"))?;
    let files = copy_tree(&config.data_dir, &to.join(FILES), &|p| {
        is_database(p, &database) || p.starts_with(to)
    })?;
    Ok(format!(
        "database and {files} files written to {}",
        to.display()
    ))
}

/// Puts a backup folder's database and files in place. The service must be
/// stopped; its next start applies any newer migrations.
pub fn restore(config: &Config, from: &Path) -> Result<String> {
    let database = sqlite_file(&config.database_url).ok_or_else(not_sqlite)?;
    let source = from.join(DATABASE);
    if !source.is_file() {
        return Err(format!(
            "{} is not a backup folder (no {DATABASE})",
            from.display()
        ));
    }
    if let Some(parent) = database.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    // Copied beside and renamed over: the old database stays whole until the
    // new one is complete. Its journal files belong to the old one.
    let staged = PathBuf::from(format!("{}.restoring", database.display()));
    std::fs::copy(&source, &staged).map_err(|e| format!("{}: {e}", staged.display()))?;
    for suffix in ["-wal", "-shm", "-journal"] {
        let companion = PathBuf::from(format!("{}{suffix}", database.display()));
        match std::fs::remove_file(&companion) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("{}: {e}", companion.display())),
        }
    }
    std::fs::rename(&staged, &database).map_err(|e| format!("{}: {e}", database.display()))?;
    let files = if from.join(FILES).is_dir() {
        copy_tree(&from.join(FILES), &config.data_dir, &|_| false)?
    } else {
        0
    };
    Ok(format!(
        "database {} and {files} files restored from {}",
        database.display(),
        from.display()
    ))
}

/// Copies the files under `from` to `to`, keeping the folders, leaving out
/// what `skip` names; returns how many files were copied.
fn copy_tree(from: &Path, to: &Path, skip: &dyn Fn(&Path) -> bool) -> Result<usize> {
    if !from.is_dir() {
        return Ok(0);
    }
    std::fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    let mut copied = 0;
    let entries = std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        if skip(&path) {
            continue;
        }
        let target = to.join(path.file_name().unwrap_or_default());
        if path.is_dir() {
            copied += copy_tree(&path, &target, skip)?;
        } else {
            std::fs::copy(&path, &target).map_err(|e| format!("{}: {e}", path.display()))?;
            copied += 1;
        }
    }
    Ok(copied)
}
