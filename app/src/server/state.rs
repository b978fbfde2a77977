//! Application state shared by pages, server functions and the REST API.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use super::config::Config;
use super::directory::Directory;
use super::search::KbIndex;
use crate::domain::calendar::WorkingHours;

/// The clock is an adapter so that tests can fix `now`.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock set to start at a given moment and run on in real time (tests, demonstrations).
pub struct ShiftedClock {
    shift: chrono::Duration,
}

impl ShiftedClock {
    pub fn starting_at(start: DateTime<Utc>) -> Self {
        ShiftedClock {
            shift: start - Utc::now(),
        }
    }
}

impl Clock for ShiftedClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.shift
    }
}

/// What a search index was built from: published articles, their latest
/// change, and how many reindex runs were asked for.
pub type IndexStamp = (u64, Option<DateTime<Utc>>, u64);

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub directory: Arc<Directory>,
    pub clock: Arc<dyn Clock>,
    pub tz: chrono_tz::Tz,
    pub hours: WorkingHours,
    /// This instance's knowledge-base search index.
    pub kb: Arc<KbIndex>,
    /// What the index was built from: published count and latest change.
    pub kb_stamp: Arc<std::sync::Mutex<Option<IndexStamp>>>,
    /// Wrong-password counts and directory turns of this instance.
    pub sign_in_guard: Arc<super::throttle::SignInGuard>,
    /// Turns for building report files (`reports::jobs::EXPORTS_AT_ONCE`).
    pub exports: Arc<tokio::sync::Semaphore>,
    /// This node's counters for `/metrics`.
    pub metrics: Arc<super::metrics::Metrics>,
    /// This node's writer of new requests (group commit).
    pub filings: Arc<super::tickets::filings::Filings>,
    /// This node's copy of units, kinds, the calendar and unit staff.
    pub reference: Arc<super::reference::ReferenceCache>,
    /// Where stored files are kept (the database, or a bucket).
    pub files: super::files::FileStore,
}

impl AppState {
    /// The state for a configuration already checked by `Config::validate`
    /// (unchecked values fall back to Moscow and 09:00–18:00).
    pub fn new(db: DatabaseConnection, config: Config) -> Self {
        let directory = Arc::new(Directory::new(config.directory.clone()));
        let tz = config.tz().unwrap_or(chrono_tz::Europe::Moscow);
        let hours = config.working_hours().unwrap_or_default();
        let clock: Arc<dyn Clock> = match config.clock_start() {
            Ok(Some(start)) => Arc::new(ShiftedClock::starting_at(start)),
            _ => Arc::new(SystemClock),
        };
        let metrics = Arc::new(super::metrics::Metrics::new(directory.error_counter()));
        let files = super::files::FileStore::from_config(config.object_store.as_ref())
            .unwrap_or_else(|e| panic!("the object store (checked by Config::validate): {e}"));
        AppState {
            files,
            db,
            config: Arc::new(config),
            directory,
            metrics,
            filings: Arc::default(),
            reference: Arc::default(),
            clock,
            tz,
            hours,
            kb: Arc::new(
                KbIndex::new().unwrap_or_else(|e| panic!("an in-memory search index: {e}")),
            ),
            kb_stamp: Arc::new(std::sync::Mutex::new(None)),
            sign_in_guard: Arc::new(super::throttle::SignInGuard::default()),
            exports: Arc::new(tokio::sync::Semaphore::new(
                super::reports::jobs::EXPORTS_AT_ONCE,
            )),
        }
    }

    /// Local civil time of the body for a moment.
    pub fn local(&self, at: DateTime<Utc>) -> chrono::NaiveDateTime {
        at.with_timezone(&self.tz).naive_local()
    }

    /// The moment of a local civil time (the earlier one if ambiguous).
    pub fn from_local(&self, local: chrono::NaiveDateTime) -> DateTime<Utc> {
        use chrono::TimeZone;
        self.tz
            .from_local_datetime(&local)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|| Utc.from_utc_datetime(&local))
    }

    /// The current offset from UTC, in seconds (for showing times in the browser).
    pub fn utc_offset_seconds(&self) -> i32 {
        use chrono::Offset;
        self.now()
            .with_timezone(&self.tz)
            .offset()
            .fix()
            .local_minus_utc()
    }

    /// Units, kinds, the calendar and unit staff as of now (one small query
    /// when none changed, see `reference`).
    pub async fn reference(&self) -> super::error::ServiceResult<super::reference::Reference> {
        self.reference.get(&self.db).await
    }

    /// [`reference`](Self::reference) as of the counters read with the
    /// caller's session in this request (no query of its own when none
    /// changed).
    pub async fn reference_for(
        &self,
        caller: &super::auth::Caller,
    ) -> super::error::ServiceResult<super::reference::Reference> {
        self.reference
            .get_at(&self.db, caller.reference_versions)
            .await
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}
