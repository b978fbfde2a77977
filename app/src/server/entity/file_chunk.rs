//! The `file_chunks` table: each stored file's bytes, in pieces by `seq`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "file_chunks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub file_key: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i32,
    pub bytes: Vec<u8>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
