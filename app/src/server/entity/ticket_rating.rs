//! The `ticket_ratings` table: the requester's score of each final answer.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "ticket_ratings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub ticket_id: i64,
    /// Which final answer (1, 2, … after reopening) is rated; unique per request.
    pub answer: i32,
    pub score: i32,
    pub comment: String,
    pub rater_id: i64,
    /// The unit that gave the answer, for the workload's satisfaction.
    pub unit_code: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
