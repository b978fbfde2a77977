//! Types that cross the wire: shared by the REST API, server functions and
//! the browser. Codes are English snake_case.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::domain::{Channel, FieldError, RequestForm, Roles, Status};

/// The single error type clients see. Unexpected failures are logged on the
/// server and reach the client only as `internal`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum AppError {
    #[error("not signed in")]
    Unauthenticated,
    #[error("wrong login or password")]
    BadCredentials,
    #[error("empty password")]
    EmptyPassword,
    #[error("directory unavailable")]
    DirectoryUnavailable,
    #[error("file storage unavailable")]
    StorageUnavailable,
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("invalid input")]
    Invalid { fields: Vec<FieldError> },
    #[error("malformed request: {detail}")]
    Malformed { detail: String },
    #[error("file too large")]
    TooLarge { max_bytes: u64 },
    #[error("unsupported file type")]
    UnsupportedFileType,
    #[error("the working calendar has no data for {date}")]
    CalendarMissing { date: String },
    #[error("conflict: {reason}")]
    Conflict { reason: String },
    #[error("cross-site request refused")]
    CrossSite,
    #[error("too many sign-in attempts")]
    TooManyAttempts { retry_after_secs: u64 },
    #[error("busy")]
    Busy { retry_after_secs: u64 },
    #[error("internal error")]
    Internal,
    #[error("transport error: {detail}")]
    Transport { detail: String },
}

impl AppError {
    pub fn invalid(field: &str, code: crate::domain::FieldErrorCode) -> Self {
        AppError::Invalid {
            fields: vec![FieldError::new(field, code)],
        }
    }

    /// The machine-readable code used in API error bodies.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated => "unauthenticated",
            AppError::BadCredentials => "bad_credentials",
            AppError::EmptyPassword => "empty_password",
            AppError::DirectoryUnavailable => "directory_unavailable",
            AppError::StorageUnavailable => "storage_unavailable",
            AppError::Forbidden => "forbidden",
            AppError::NotFound => "not_found",
            AppError::Invalid { .. } => "invalid",
            AppError::Malformed { .. } => "malformed",
            AppError::TooLarge { .. } => "too_large",
            AppError::UnsupportedFileType => "unsupported_file_type",
            AppError::CalendarMissing { .. } => "calendar_missing",
            AppError::Conflict { .. } => "conflict",
            AppError::CrossSite => "cross_site",
            AppError::TooManyAttempts { .. } => "too_many_attempts",
            AppError::Busy { .. } => "busy",
            AppError::Internal => "internal",
            AppError::Transport { .. } => "transport",
        }
    }

    pub fn http_status(&self) -> u16 {
        match self {
            AppError::Unauthenticated | AppError::BadCredentials => 401,
            AppError::EmptyPassword | AppError::Malformed { .. } => 400,
            AppError::Invalid { .. }
            | AppError::UnsupportedFileType
            | AppError::CalendarMissing { .. } => 422,
            AppError::Conflict { .. } => 409,
            AppError::Forbidden | AppError::CrossSite => 403,
            AppError::TooManyAttempts { .. } | AppError::Busy { .. } => 429,
            AppError::NotFound => 404,
            AppError::TooLarge { .. } => 413,
            AppError::DirectoryUnavailable | AppError::StorageUnavailable => 503,
            AppError::Internal | AppError::Transport { .. } => 500,
        }
    }

    /// Field errors, if this is a validation failure.
    pub fn fields(&self) -> &[FieldError] {
        match self {
            AppError::Invalid { fields } => fields,
            _ => &[],
        }
    }
}

/// A date the working calendar does not cover.
impl From<crate::domain::calendar::CalendarError> for AppError {
    fn from(e: crate::domain::calendar::CalendarError) -> Self {
        use crate::domain::calendar::CalendarError as C;
        match e {
            C::OutOfRange(d) | C::NoWorkingDay(d) => AppError::CalendarMissing {
                date: d.to_string(),
            },
        }
    }
}

/// A lifecycle rule's refusal as the client sees it.
impl From<crate::domain::lifecycle::Refusal> for AppError {
    fn from(r: crate::domain::lifecycle::Refusal) -> Self {
        use crate::domain::lifecycle::Refusal as R;
        match r {
            R::Forbidden => AppError::Forbidden,
            R::Conflict(reason) => AppError::Conflict {
                reason: reason.into(),
            },
            R::Invalid(fields) => AppError::Invalid { fields },
            R::Calendar(e) => e.into(),
        }
    }
}

impl leptos::server_fn::error::FromServerFnError for AppError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr as E;
        match value {
            // Arguments the server could not read: the caller's mistake (400).
            E::Args(_) | E::MissingArg(_) => AppError::Malformed {
                detail: value.to_string(),
            },
            _ => AppError::Transport {
                detail: value.to_string(),
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserRef {
    pub login: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserView {
    pub id: i64,
    pub login: String,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub title: String,
    pub lang: String,
    pub roles: Roles,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitRef {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketView {
    pub id: i64,
    pub number: String,
    pub kind: String,
    pub kind_title: String,
    pub unit: UnitRef,
    pub status: Status,
    pub form: RequestForm,
    pub channel: Channel,
    pub subject: String,
    pub description: String,
    pub fields: Map<String, Value>,
    pub registered_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    /// Why the due date is what it is, in the reader's language.
    pub due_explanation: String,
    pub overdue: bool,
    /// How long an open request has left (none once answered or closed).
    #[serde(default)]
    pub time_left: Option<crate::domain::deadline::TimeLeft>,
    pub extension_days: Option<u32>,
    pub extension_reason: Option<String>,
    pub transfer_count: u32,
    pub answered_at: Option<DateTime<Utc>>,
    pub outcome: Option<String>,
    pub planned_on: Option<String>,
    pub requester: UserRef,
    pub assignee: Option<UserRef>,
    #[serde(default)]
    pub reopen_count: u32,
    #[serde(default)]
    pub closed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommentView {
    pub id: i64,
    pub author: UserRef,
    pub body: String,
    pub internal: bool,
    pub created_at: DateTime<Utc>,
}

/// One entry of a request's timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventView {
    pub id: i64,
    pub kind: String,
    pub actor: Option<UserRef>,
    pub data: Value,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttachmentView {
    pub id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub comment_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}

/// Everything the request page shows, already filtered for the viewer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketDetail {
    pub ticket: TicketView,
    pub comments: Vec<CommentView>,
    pub events: Vec<EventView>,
    pub attachments: Vec<AttachmentView>,
    pub can_see_internal: bool,
    /// What the viewer may do now; the same rules the actions check.
    pub actions: crate::domain::lifecycle::Actions,
    pub staff: Vec<UserRef>,
    /// The executor's extension request waiting for the head.
    #[serde(default)]
    pub extension_request: Option<ExtensionRequestView>,
    /// The viewer's rating of the latest answer, once given.
    #[serde(default)]
    pub my_rating: Option<u8>,
    /// Until when the requester may reopen the answered request.
    #[serde(default)]
    pub reopen_until: Option<DateTime<Utc>>,
    /// Units a transfer may go to.
    pub transfer_units: Vec<UnitRef>,
    /// For unit staff: by when to forward a request out of competence, explained.
    pub forward_by: Option<String>,
    /// For unit staff: the unit's answer templates, filled for this request.
    #[serde(default)]
    pub templates: Vec<FilledTemplate>,
    /// For unit staff: how to reach the requester.
    #[serde(default)]
    pub requester_contacts: Option<Contacts>,
    /// For unit staff: the open request after this one in the unit's queue.
    #[serde(default)]
    pub next_in_queue: Option<TicketRef>,
}

/// A person's contacts from the directory (empty when not given).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contacts {
    pub title: String,
    pub email: String,
    pub phone: String,
}

/// A request named in a link: its number and subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketRef {
    pub id: i64,
    pub number: String,
    pub subject: String,
}

/// An executor's request for more time, as the head sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExtensionRequestView {
    pub id: i64,
    pub requested_by: UserRef,
    pub days: u32,
    pub reason: String,
    pub created_at: DateTime<Utc>,
    /// `pending`, `approved` or `refused`.
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub decision_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketPage {
    pub items: Vec<TicketView>,
    /// The cursor of the next page, if there is one.
    pub next_cursor: Option<String>,
    /// The cursor of the previous page (`before.…`), if there is one.
    #[serde(default)]
    pub prev_cursor: Option<String>,
}

/// What one action on the queue's checked rows did: the requests it
/// changed (or found already so) and those it could not, each with why.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkOutcome {
    /// Registration numbers of the requests done.
    pub done: Vec<String>,
    pub refused: Vec<BulkRefusal>,
}

/// A checked request the action was refused for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkRefusal {
    pub id: i64,
    /// The registration number (`#id` for a request the caller cannot see).
    pub number: String,
    /// Why: a 409 reason (`not_open`, `too_many_transfers`, `assigned_to_other`,
    /// `changed`), or `forbidden`, `not_found`, `same_unit`, `not_staff`.
    pub reason: String,
}

/// A view of the queue a person saved: its name and filters (an address query).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedView {
    pub id: i64,
    pub name: String,
    pub query: String,
}

/// How many open requests each of the queue's ready-made views holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueCounts {
    pub open: u64,
    /// Assigned to the viewer.
    pub mine: u64,
    pub unassigned: u64,
    /// Due from now to the end of the week.
    pub due_week: u64,
    pub overdue: u64,
}

/// A new request as submitted by the API or a form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewTicket {
    pub kind: String,
    #[serde(default)]
    pub form: Option<String>,
    #[serde(default)]
    pub channel: Option<String>,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub fields: Map<String, Value>,
    #[serde(default)]
    pub requester_login: Option<String>,
    /// A key that makes sending it again harmless (a form's hidden
    /// `submission` field; the API's `Idempotency-Key` header).
    #[serde(default)]
    pub submission: Option<String>,
}

/// One day of the administrator's month grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DayView {
    pub date: chrono::NaiveDate,
    pub working: bool,
    pub shortened: bool,
    pub kind: Option<crate::domain::calendar::DayKind>,
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotificationView {
    pub id: i64,
    pub ticket_id: Option<i64>,
    pub kind: String,
    /// Worded in the reader's language.
    pub text: String,
    pub created_at: DateTime<Utc>,
    pub read: bool,
    /// The request it is about, by number and subject
    /// («IT-2026-000123: Не работает ключ ЭП»).
    #[serde(default)]
    pub ticket_label: Option<String>,
}

/// The bell: the latest notices and how many are unread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inbox {
    pub unread: u64,
    pub items: Vec<NotificationView>,
    /// For unit staff: whether queue notices also come by e-mail.
    #[serde(default)]
    pub queue_mail: Option<bool>,
}

/// A knowledge-base article as readers and writers see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleView {
    pub id: i64,
    pub version: i32,
    pub section: String,
    pub title: String,
    /// Markdown source.
    pub body: String,
    /// Sanitised HTML of the body.
    pub html: String,
    pub tags: Vec<String>,
    pub unit: Option<String>,
    pub kinds: Vec<String>,
    pub status: String,
    pub updated_at: DateTime<Utc>,
    /// Whether the reader may change it.
    pub can_edit: bool,
    /// Files attached to the article (served for download only).
    #[serde(default)]
    pub attachments: Vec<AttachmentView>,
    /// How many employees said this article solved their question instead of filing a request.
    #[serde(default)]
    pub solved_count: u64,
}

/// An article as created or changed through the API or a form.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ArticleInput {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub section: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub kinds: Vec<String>,
    /// A short reason for this version.
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionView {
    pub version: i32,
    pub title: String,
    pub status: String,
    pub author: Option<UserRef>,
    pub reason: String,
    pub created_at: DateTime<Utc>,
}

/// One line of a comparison of two versions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiffLine {
    /// `same`, `added` or `removed`.
    pub change: String,
    pub text: String,
}

/// A search result, best first; `snippet` is escaped HTML with `<mark>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KbHit {
    pub id: i64,
    pub title: String,
    pub section: String,
    pub snippet: String,
    pub score: f32,
}

/// An answer template of a unit, with `{{placeholders}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateView {
    pub id: i64,
    pub unit: String,
    pub title: String,
    pub body: String,
    pub updated_at: DateTime<Utc>,
}

/// A template as created or changed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TemplateInput {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub body: String,
    /// The owner unit; by default the writer's (first) unit.
    #[serde(default)]
    pub unit: Option<String>,
}

/// A template filled for one request; unknown placeholders stay in `text`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FilledTemplate {
    pub id: i64,
    pub title: String,
    pub text: String,
    pub unknown: Vec<String>,
}

/// A report file being written in the background.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportView {
    pub id: i64,
    pub unit: String,
    pub format: String,
    /// `running`, `ready` or `failed`.
    pub state: String,
    /// Requests written so far and in all.
    pub done: u64,
    pub total: u64,
    pub file_name: String,
    pub error: Option<String>,
}
