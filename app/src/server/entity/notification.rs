//! The `notifications` table: in-app notices (the bell).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    pub ticket_id: Option<i64>,
    pub kind: String,
    /// The text as first worded (notices stored before `data` existed show it).
    pub body: String,
    /// What the notice is worded from, as a JSON object; see `i18n::notice`.
    pub data: String,
    /// The same notice is recorded once.
    pub dedup_key: String,
    pub created_at: DateTimeUtc,
    pub read_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
