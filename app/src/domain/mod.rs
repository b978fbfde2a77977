//! Business rules of the service desk as pure code: request kinds and their
//! fields, routing, registration numbers, statuses, deadlines and access.
//!
//! Nothing here talks to the database, the directory, the network or the
//! clock; `now` is always a parameter. The module compiles for the browser
//! too, so forms can show what the server will decide.

pub mod access;
pub mod calendar;
pub mod deadline;
pub mod fields;
pub mod lifecycle;
pub mod redirect;
pub mod report;
pub mod templates;
pub mod ticket;

pub use access::{Role, Roles};
pub use fields::{FieldError, FieldErrorCode, FieldSpec, FieldType, KindSpec};
pub use ticket::{Channel, Outcome, RequestForm, Status, TicketNumber};
