//! Indexes for the workload's sums: requests of a unit by due time (overdue
//! in a period) and by the time they were taken into work (each executor's
//! intake), so that neither reads the unit's whole history.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: [(&str, &str); 2] = [
    ("ix_tickets_unit_due", "due_at"),
    ("ix_tickets_unit_taken", "taken_at"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, col) in INDEXES {
            m.create_index(
                Index::create()
                    .name(name)
                    .table("tickets")
                    .col("unit_code")
                    .col(col)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, _) in INDEXES {
            m.drop_index(Index::drop().name(name).table("tickets").to_owned())
                .await?;
        }
        Ok(())
    }
}
