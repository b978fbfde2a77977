//! The request's lifecycle: a version that guards every change against a
//! concurrent one, final answers and their ratings, reopening with its
//! window, the executor's extension requests, notices stored as kind plus
//! data (worded in the reader's language), and each person's choice to get
//! queue notices by e-mail.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// SQLite alters one column per statement.
async fn add(m: &SchemaManager<'_>, table: &'static str, col: ColumnDef) -> Result<(), DbErr> {
    m.alter_table(
        Table::alter()
            .table(table)
            .add_column(col.to_owned())
            .to_owned(),
    )
    .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        add(m, "tickets", big_integer("version").default(0).take()).await?;
        add(m, "tickets", integer("answers").default(0).take()).await?;
        add(m, "tickets", integer("rated_answers").default(0).take()).await?;
        add(m, "tickets", integer("reopen_count").default(0).take()).await?;
        add(m, "tickets", timestamp_with_time_zone_null("reopen_until")).await?;
        add(m, "tickets", big_integer_null("pending_extension_id")).await?;
        add(m, "notifications", text("data").default("{}").take()).await?;
        add(m, "users", boolean("mail_queue").default(true).take()).await?;
        // Requests answered before this change had one final answer.
        m.exec_stmt(
            Query::update()
                .table("tickets")
                .value("answers", 1)
                .and_where(Expr::col("answered_at").is_not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_tickets_status_reopen")
                .table("tickets")
                .col("status")
                .col("reopen_until")
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("ticket_ratings")
                .col(big_pk_auto("id"))
                .col(big_integer("ticket_id"))
                .col(integer("answer"))
                .col(integer("score"))
                .col(text("comment"))
                .col(big_integer("rater_id"))
                .col(string_len("unit_code", 16))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_ticket_ratings_ticket_id")
                        .from("ticket_ratings", "ticket_id")
                        .to("tickets", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        // One rating per final answer, even when two are sent at once.
        m.create_index(
            Index::create()
                .name("ux_ticket_ratings_answer")
                .table("ticket_ratings")
                .col("ticket_id")
                .col("answer")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_ticket_ratings_unit_created")
                .table("ticket_ratings")
                .col("unit_code")
                .col("created_at")
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("extension_requests")
                .col(big_pk_auto("id"))
                .col(big_integer("ticket_id"))
                .col(big_integer("requested_by"))
                .col(integer("days"))
                .col(text("reason"))
                .col(string_len("state", 16))
                .col(big_integer_null("decided_by"))
                .col(text_null("decision_reason"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("decided_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_extension_requests_ticket_id")
                        .from("extension_requests", "ticket_id")
                        .to("tickets", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_extension_requests_ticket")
                .table("extension_requests")
                .col("ticket_id")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("extension_requests").to_owned())
            .await?;
        m.drop_table(Table::drop().table("ticket_ratings").to_owned())
            .await?;
        m.drop_index(
            Index::drop()
                .name("ix_tickets_status_reopen")
                .table("tickets")
                .to_owned(),
        )
        .await?;
        for (table, col) in [
            ("users", "mail_queue"),
            ("notifications", "data"),
            ("tickets", "pending_extension_id"),
            ("tickets", "reopen_until"),
            ("tickets", "reopen_count"),
            ("tickets", "rated_answers"),
            ("tickets", "answers"),
            ("tickets", "version"),
        ] {
            m.alter_table(Table::alter().table(table).drop_column(col).to_owned())
                .await?;
        }
        Ok(())
    }
}
