//! Units, users, sessions, the request catalogue, requests with their
//! comments, events and attachments; seeds the units and request kinds.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const KINDS: &str = include_str!("seed/request_kinds_v1.json");

fn fk(from: &str, col: &str, to: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{from}_{col}"))
        .from(from.to_string(), col.to_string())
        .to(to.to_string(), "id")
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("units")
                .col(big_pk_auto("id"))
                .col(string_len_uniq("code", 16))
                .col(string_len("name", 200))
                .col(string_len("name_en", 200))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("users")
                .col(big_pk_auto("id"))
                .col(string_len_uniq("login", 100))
                .col(string_len("full_name", 200))
                .col(string_len("email", 200))
                .col(string_len("phone", 50))
                .col(string_len("title", 200))
                .col(string_len("lang", 8).default("ru"))
                .col(text("roles"))
                .col(boolean("active").default(true))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("last_login_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("sessions")
                .col(big_pk_auto("id"))
                .col(string_len_uniq("token_hash", 64))
                .col(big_integer("user_id"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("expires_at"))
                .foreign_key(
                    &mut fk("sessions", "user_id", "users")
                        .on_delete(ForeignKeyAction::Cascade)
                        .to_owned(),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("request_kinds")
                .col(big_pk_auto("id"))
                .col(string_len_uniq("code", 64))
                .col(integer("position"))
                .col(boolean("active").default(true))
                .col(text("spec"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("ticket_counters")
                .col(string_len("unit_code", 16))
                .col(integer("year"))
                .col(big_integer("value"))
                .primary_key(Index::create().col("unit_code").col("year"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("tickets")
                .col(big_pk_auto("id"))
                .col(string_len_uniq("number", 32))
                .col(string_len("kind_code", 64))
                .col(string_len("unit_code", 16))
                .col(big_integer("requester_id"))
                .col(big_integer("registered_by_id"))
                .col(big_integer_null("assignee_id"))
                .col(string_len("status", 32))
                .col(string_len("form", 16))
                .col(string_len("channel", 16))
                .col(string_len("subject", 400))
                .col(text("description"))
                .col(text("fields"))
                .col(timestamp_with_time_zone("registered_at"))
                .col(timestamp_with_time_zone("due_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .col(timestamp_with_time_zone_null("closed_at"))
                .foreign_key(&mut fk("tickets", "requester_id", "users"))
                .foreign_key(&mut fk("tickets", "registered_by_id", "users"))
                .foreign_key(&mut fk("tickets", "assignee_id", "users"))
                .to_owned(),
        )
        .await?;
        for (name, cols) in [
            (
                "ix_tickets_unit_status_due",
                &["unit_code", "status", "due_at"][..],
            ),
            ("ix_tickets_requester", &["requester_id", "id"][..]),
        ] {
            let mut index = Index::create().name(name).table("tickets").to_owned();
            for c in cols {
                index.col(*c);
            }
            m.create_index(index).await?;
        }
        m.create_table(
            Table::create()
                .table("comments")
                .col(big_pk_auto("id"))
                .col(big_integer("ticket_id"))
                .col(big_integer("author_id"))
                .col(text("body"))
                .col(boolean("internal"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("comments", "ticket_id", "tickets"))
                .foreign_key(&mut fk("comments", "author_id", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_comments_ticket")
                .table("comments")
                .col("ticket_id")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("ticket_events")
                .col(big_pk_auto("id"))
                .col(big_integer("ticket_id"))
                .col(big_integer_null("actor_id"))
                .col(string_len("kind", 32))
                .col(text("data"))
                .col(boolean("internal"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("ticket_events", "ticket_id", "tickets"))
                .foreign_key(&mut fk("ticket_events", "actor_id", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_ticket_events_ticket")
                .table("ticket_events")
                .col("ticket_id")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("attachments")
                .col(big_pk_auto("id"))
                .col(big_integer("ticket_id"))
                .col(big_integer_null("comment_id"))
                .col(big_integer("uploader_id"))
                .col(string_len("file_name", 255))
                .col(string_len("content_type", 100))
                .col(big_integer("size"))
                .col(string_len_uniq("storage_key", 100))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("attachments", "ticket_id", "tickets"))
                .foreign_key(&mut fk("attachments", "comment_id", "comments"))
                .foreign_key(&mut fk("attachments", "uploader_id", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_attachments_ticket")
                .table("attachments")
                .col("ticket_id")
                .to_owned(),
        )
        .await?;

        let mut units = Query::insert()
            .into_table("units")
            .columns(["code", "name", "name_en"])
            .to_owned();
        for (code, name, name_en) in [
            ("IT", "Отдел информационных технологий", "IT department"),
            (
                "AHO",
                "Административно-хозяйственный отдел",
                "Administration and supplies",
            ),
            ("BUH", "Бухгалтерия", "Accounting"),
        ] {
            units.values_panic([code.into(), name.into(), name_en.into()]);
        }
        m.exec_stmt(units).await?;

        let kinds: Vec<serde_json::Value> = serde_json::from_str(KINDS)
            .map_err(|e| DbErr::Migration(format!("request kinds seed: {e}")))?;
        let mut insert = Query::insert()
            .into_table("request_kinds")
            .columns(["code", "position", "spec"])
            .to_owned();
        for (position, kind) in kinds.iter().enumerate() {
            let code = kind["code"].as_str().unwrap_or_default().to_string();
            let position =
                <i32 as std::convert::TryFrom<usize>>::try_from(position).unwrap_or(i32::MAX);
            insert.values_panic([code.into(), position.into(), kind.to_string().into()]);
        }
        m.exec_stmt(insert).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "attachments",
            "ticket_events",
            "comments",
            "tickets",
            "ticket_counters",
            "request_kinds",
            "sessions",
            "users",
            "units",
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
