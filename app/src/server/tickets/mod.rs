//! Requests ("обращения"). The rules live in `domain::lifecycle`; here they
//! meet the database:
//!
//! - `store`: the row ↔ [`Ticket`](crate::domain::lifecycle::Ticket) parse,
//!   access, numbering, timeline entries and the guarded `apply`;
//! - `create`: filing, and `filings`: its group commit;
//! - `read`: views and the request page;
//! - `list`: the queues;
//! - `words`: the words the queues search a request by;
//! - `act`: what people do with a request, and `bulk`: with several at once;
//! - `attachments`: its files;
//! - `worktime`: the working time an answered request took.

mod act;
pub mod attachments;
mod bulk;
mod create;
pub mod filings;
mod list;
mod read;
pub(crate) mod store;
mod words;
mod worktime;

pub use act::{
    AnswerInput, add_comment, answer, ask_extension, assign, close, close_unclaimed, comment,
    comment_once, confirm, decide_extension, extend, rate, reopen, take, transfer,
};
pub use bulk::{BULK_MAX, BulkAction, bulk, parse_ids};
pub use create::{MAX_FILES, NewFile, create, create_with_files};
pub use list::{
    AssigneeFilter, EXPORT_MAX, ExportFormat, Focus, ListParams, ListQuery, PAGE_MAX, QUERY_MAX,
    Scope, Sort, StatusFilter, TextQuery, export, list, next_in_queue, page_statement,
};
pub(crate) use read::comments_of;
pub use read::{comments, detail, extension_requests, get};
pub(crate) use store::visible;
pub use words::{fill_search_text, search_text};
pub use worktime::fill_work_seconds;
