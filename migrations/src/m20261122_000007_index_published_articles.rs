//! An index for the search freshness check, which asks on every search how
//! many articles are published and when the latest of them changed.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name("ix_kb_articles_status_updated")
                .table("kb_articles")
                .col("status")
                .col("updated_at")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("ix_kb_articles_status_updated")
                .table("kb_articles")
                .to_owned(),
        )
        .await
    }
}
