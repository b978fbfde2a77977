//! The `report_exports` table: a report file being written, with its progress.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "report_exports")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub unit_code: String,
    pub period_from: Date,
    pub period_to: Date,
    /// `xlsx`, `pdf` or `csv`.
    pub format: String,
    pub requested_by: i64,
    /// `running`, `ready` or `failed`.
    pub state: String,
    pub total_rows: i64,
    pub done_rows: i64,
    /// Where the finished file is, relative to the upload directory.
    pub path: Option<String>,
    pub error: Option<String>,
    pub created_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
