//! Views of the queue a person saved under a name of their own: the list's
//! filters as an address query. One name per person (saving again under the
//! same name replaces the filters), so a double click saves one view.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("saved_views")
                .if_not_exists()
                .col(big_pk_auto("id"))
                .col(big_integer("user_id"))
                .col(string_len("name", 80))
                .col(string_len("query", 1000))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_saved_views_user_name")
                .table("saved_views")
                .col("user_id")
                .col("name")
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("saved_views").to_owned())
            .await
    }
}
