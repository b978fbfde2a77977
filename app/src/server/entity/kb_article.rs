//! The `kb_articles` table: the current version of each article.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "kb_articles")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub section_code: String,
    pub title: String,
    /// Markdown.
    pub body: String,
    /// Tags separated by commas.
    pub tags: String,
    pub unit_code: Option<String>,
    /// Linked request kind codes separated by commas.
    pub kinds: String,
    pub status: String,
    pub version: i32,
    pub updated_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
