//! Requests ("обращения"). The rules live in `domain::lifecycle`; here they
//! meet the database:
//!
//! - `store`: the row ↔ [`Ticket`](crate::domain::lifecycle::Ticket) parse,
//!   access, numbering, timeline entries and the guarded `apply`;
//! - `create`: filing;
//! - `read`: views and the request page;
//! - `list`: the queues;
//! - `act`: what people do with a request;
//! - `attachments`: its files.

mod act;
pub mod attachments;
mod create;
mod list;
mod read;
pub(crate) mod store;

pub use act::{
    AnswerInput, add_comment, answer, ask_extension, assign, close, close_unclaimed, comment,
    confirm, decide_extension, extend, rate, reopen, take, transfer,
};
pub use create::create;
pub use list::{Focus, ListQuery, PAGE_MAX, Scope, StatusFilter, list};
pub(crate) use read::comments_of;
pub use read::{comments, detail, get};
pub(crate) use store::visible;
