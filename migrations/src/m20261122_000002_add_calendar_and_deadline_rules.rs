//! The working calendar (seeded with the Russian production calendar
//! 2024–2027) and what the deadline rules keep on a request: the
//! explanation of its due date, the extension, transfers and the answer.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const CALENDAR: &str = include_str!("seed/ru-production-calendar-2024-2027.json");

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("calendar_years")
                .col(integer("year").primary_key())
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("calendar_days")
                .col(string_len("day", 10).primary_key())
                .col(string_len("kind", 16))
                .col(string_len_null("name", 200))
                .to_owned(),
        )
        .await?;
        // SQLite alters one column per statement.
        for column in [
            text("due_explanation").default("{}").to_owned(),
            integer_null("extension_days").to_owned(),
            text_null("extension_reason").to_owned(),
            timestamp_with_time_zone_null("extended_at").to_owned(),
            integer("transfer_count").default(0).to_owned(),
            timestamp_with_time_zone_null("answered_at").to_owned(),
            string_len_null("outcome", 32).to_owned(),
            string_len_null("planned_on", 10).to_owned(),
        ] {
            let mut column = column;
            m.alter_table(
                Table::alter()
                    .table("tickets")
                    .add_column(&mut column)
                    .to_owned(),
            )
            .await?;
        }

        let file: serde_json::Value = serde_json::from_str(CALENDAR)
            .map_err(|e| DbErr::Migration(format!("calendar seed: {e}")))?;
        let years = file["years"].as_array().cloned().unwrap_or_default();
        let mut year_rows = Query::insert()
            .into_table("calendar_years")
            .columns(["year"])
            .to_owned();
        let mut day_rows = Query::insert()
            .into_table("calendar_days")
            .columns(["day", "kind", "name"])
            .to_owned();
        for year in &years {
            let y = year["year"]
                .as_i64()
                .ok_or_else(|| DbErr::Migration("calendar seed: year".into()))?;
            year_rows.values_panic([y.into()]);
            for day in year["days"].as_array().cloned().unwrap_or_default() {
                let date = day["date"].as_str().unwrap_or_default().to_string();
                let kind = day["kind"].as_str().unwrap_or_default().to_string();
                let name = day["name"].as_str().map(str::to_string);
                day_rows.values_panic([date.into(), kind.into(), name.into()]);
            }
        }
        m.exec_stmt(year_rows).await?;
        m.exec_stmt(day_rows).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            "due_explanation",
            "extension_days",
            "extension_reason",
            "extended_at",
            "transfer_count",
            "answered_at",
            "outcome",
            "planned_on",
        ] {
            m.alter_table(
                Table::alter()
                    .table("tickets")
                    .drop_column(column)
                    .to_owned(),
            )
            .await?;
        }
        m.drop_table(Table::drop().table("calendar_days").to_owned())
            .await?;
        m.drop_table(Table::drop().table("calendar_years").to_owned())
            .await?;
        Ok(())
    }
}
