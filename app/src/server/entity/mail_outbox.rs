//! The `mail_outbox` table: e-mail waiting to be sent (or sent).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "mail_outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub to_addr: String,
    pub subject: String,
    pub body: String,
    /// Makes enqueueing idempotent (a digest of one day is queued once).
    pub dedup_key: String,
    pub created_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
    pub attempts: i32,
    pub last_error: Option<String>,
    /// A file sent with the message: its name for the recipient and where
    /// it is stored (relative to the upload directory).
    pub attachment_name: Option<String>,
    pub attachment_path: Option<String>,
    /// When a node took the message to send it; others leave it alone
    /// until it is sent, fails, or the claim is older than `mail::CLAIM`.
    pub claimed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
