//! Application state shared by pages, server functions and the REST API.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use super::config::Config;
use super::directory::Directory;

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

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub directory: Arc<Directory>,
    pub clock: Arc<dyn Clock>,
}

impl AppState {
    pub fn new(db: DatabaseConnection, config: Config) -> Self {
        let directory = Arc::new(Directory::new(config.directory.clone()));
        AppState {
            db,
            config: Arc::new(config),
            directory,
            clock: Arc::new(SystemClock),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}
