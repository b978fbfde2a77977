//! The words a request is found by in the queues (`tickets.search_text`):
//! stems of its number, subject, description and requester's name.
//!
//! The column starts empty (NULL). The words are derived data whose rules
//! (tokenising, the Russian stemmer) live in the application, in one place,
//! so the application fills every row left NULL right after migrating, in
//! pages (`app::server::tickets::fill_search_text`). A later change of those
//! rules is a migration that sets the column back to NULL.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("tickets")
                .add_column(text_null("search_text"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("tickets")
                .drop_column("search_text")
                .to_owned(),
        )
        .await
    }
}
