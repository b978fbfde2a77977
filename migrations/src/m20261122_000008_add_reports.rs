//! Unit reports: when a request was taken into work and how many clarifying
//! questions it needed (for the per-executor load and first-contact
//! resolution), the heads' proposals saved with a period's report, export
//! jobs with their progress, files attached to queued mail, and indexes for
//! reading a unit's requests by period.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// SQLite adds one column per statement.
async fn add_column(
    m: &SchemaManager<'_>,
    table: &'static str,
    col: ColumnDef,
) -> Result<(), DbErr> {
    m.alter_table(Table::alter().table(table).add_column(col).to_owned())
        .await
}

async fn index(
    m: &SchemaManager<'_>,
    name: &str,
    table: &'static str,
    cols: &[&'static str],
) -> Result<(), DbErr> {
    let mut ix = Index::create();
    ix.name(name).table(table);
    for c in cols {
        ix.col(*c);
    }
    m.create_index(ix.to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        add_column(m, "tickets", timestamp_with_time_zone_null("taken_at")).await?;
        add_column(m, "tickets", integer("questions").default(0).to_owned()).await?;
        add_column(m, "mail_outbox", string_len_null("attachment_name", 200)).await?;
        add_column(m, "mail_outbox", string_len_null("attachment_path", 300)).await?;
        // Requests that already exist: the latest take or assignment, and the
        // questions asked, from their history.
        let db = m.get_connection();
        db.execute_unprepared(
            "UPDATE tickets SET taken_at = (SELECT MAX(e.created_at) FROM ticket_events e \
             WHERE e.ticket_id = tickets.id AND e.kind IN ('taken', 'assigned'))",
        )
        .await?;
        db.execute_unprepared(
            "UPDATE tickets SET questions = (SELECT COUNT(*) FROM ticket_events e \
             WHERE e.ticket_id = tickets.id AND e.kind = 'status' \
             AND e.data LIKE '%\"to\":\"awaiting_requester\"%')",
        )
        .await?;
        index(
            m,
            "ix_tickets_unit_registered",
            "tickets",
            &["unit_code", "registered_at"],
        )
        .await?;
        index(
            m,
            "ix_tickets_unit_answered",
            "tickets",
            &["unit_code", "answered_at"],
        )
        .await?;
        index(
            m,
            "ix_tickets_unit_status",
            "tickets",
            &["unit_code", "status"],
        )
        .await?;
        m.create_table(
            Table::create()
                .table("report_proposals")
                .col(big_pk_auto("id"))
                .col(string_len("unit_code", 16))
                .col(date("period_from"))
                .col(date("period_to"))
                .col(text("body"))
                .col(big_integer("author_id"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_report_proposals_author")
                        .from("report_proposals", "author_id")
                        .to("users", "id"),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_report_proposals_period")
                .table("report_proposals")
                .col("unit_code")
                .col("period_from")
                .col("period_to")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("report_exports")
                .col(big_pk_auto("id"))
                .col(string_len("unit_code", 16))
                .col(date("period_from"))
                .col(date("period_to"))
                .col(string_len("format", 8))
                .col(big_integer("requested_by"))
                .col(string_len("state", 16))
                .col(big_integer("total_rows").default(0))
                .col(big_integer("done_rows").default(0))
                .col(string_len_null("path", 300))
                .col(text_null("error"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("finished_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_report_exports_user")
                        .from("report_exports", "requested_by")
                        .to("users", "id"),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("report_exports").to_owned())
            .await?;
        m.drop_table(Table::drop().table("report_proposals").to_owned())
            .await?;
        for ix in [
            "ix_tickets_unit_registered",
            "ix_tickets_unit_answered",
            "ix_tickets_unit_status",
        ] {
            m.drop_index(Index::drop().name(ix).table("tickets").to_owned())
                .await?;
        }
        for (table, col) in [
            ("mail_outbox", "attachment_path"),
            ("mail_outbox", "attachment_name"),
            ("tickets", "questions"),
            ("tickets", "taken_at"),
        ] {
            m.alter_table(Table::alter().table(table).drop_column(col).to_owned())
                .await?;
        }
        Ok(())
    }
}
