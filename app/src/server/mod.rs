//! Server-only code: configuration, state, the directory adapter, sessions
//! and the services behind pages and the REST API.

pub mod auth;
pub mod calendar;
pub mod catalogue;
pub mod config;
pub mod db;
pub mod demo;
pub mod directory;
pub mod drafts;
pub mod entity;
pub mod error;
pub mod files;
pub mod form_data;
pub mod generate;
pub mod jobs;
pub mod kb;
pub mod mail;
pub mod metrics;
pub mod notify;
pub mod packed;
pub mod reference;
pub mod reports;
pub mod search;
pub mod state;
pub mod submissions;
pub mod templates;
pub mod throttle;
pub mod tickets;
pub mod views;

pub use error::ServiceError;
pub use state::AppState;
