//! What was typed into a form the server refused, kept for its author for a
//! day: without JavaScript the browser loads the form again, and it comes
//! back filled from here rather than from a query string (a long description
//! made an address of tens of kilobytes).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("form_drafts")
                .if_not_exists()
                .col(string_len("key", 40).primary_key())
                .col(big_integer("user_id"))
                // The form's fields in order, as JSON `[[name, value], …]`.
                .col(text("pairs"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_form_drafts_created")
                .table("form_drafts")
                .col("created_at")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("form_drafts").to_owned())
            .await
    }
}
