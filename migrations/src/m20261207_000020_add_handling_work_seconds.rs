//! The working time a request took to its final answer, in seconds, kept
//! when the answer is given (the working calendar of that day decides it):
//! the reports' average handling time is in working hours, summed by the
//! database. Requests answered before this column are filled after
//! migrating (`tickets::fill_work_seconds`).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("tickets")
                .add_column(big_integer_null("handling_work_seconds"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("tickets")
                .drop_column("handling_work_seconds")
                .to_owned(),
        )
        .await
    }
}
