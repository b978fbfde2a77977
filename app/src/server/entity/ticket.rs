//! The `tickets` table.

use sea_orm::entity::prelude::*;

/// Reads from packed rows (`server::packed`).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "tickets")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub number: String,
    pub kind_code: String,
    pub unit_code: String,
    pub requester_id: i64,
    pub registered_by_id: i64,
    pub assignee_id: Option<i64>,
    pub status: String,
    pub form: String,
    pub channel: String,
    pub subject: String,
    pub description: String,
    /// Checked field values as a JSON object.
    pub fields: String,
    pub registered_at: DateTimeUtc,
    pub due_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub closed_at: Option<DateTimeUtc>,
    /// `domain::deadline::Explanation` as JSON.
    pub due_explanation: String,
    pub extension_days: Option<i32>,
    pub extension_reason: Option<String>,
    pub extended_at: Option<DateTimeUtc>,
    pub transfer_count: i32,
    /// Working seconds from registration to the final answer.
    pub handling_work_seconds: Option<i64>,
    pub answered_at: Option<DateTimeUtc>,
    pub outcome: Option<String>,
    pub planned_on: Option<String>,
    pub overdue_noticed_at: Option<DateTimeUtc>,
    /// The latest time the request was taken into work or assigned.
    pub taken_at: Option<DateTimeUtc>,
    /// Clarifying questions asked of the requester.
    pub questions: i32,
    /// Bumped by every change; changes are written `WHERE version = ?`.
    pub version: i64,
    /// Final answers given (a reopened request is answered again).
    pub answers: i32,
    /// Final answers the requester has rated.
    pub rated_answers: i32,
    pub reopen_count: i32,
    /// Until when the requester may reopen the answered request.
    pub reopen_until: Option<DateTimeUtc>,
    /// The executor's extension request waiting for the head.
    pub pending_extension_id: Option<i64>,
    /// The words the queues search: ` `-separated stems of the number,
    /// subject, description and requester's name (`tickets::search_text`).
    /// Empty (NULL) until computed; filled at start-up for older rows.
    pub search_text: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
