//! Answer templates per unit (seeded with a few for each unit), the
//! "this solved it" marks employees leave on suggested articles instead of
//! filing a request, and files attached to knowledge-base articles.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const TEMPLATES: &str = include_str!("seed/answer_templates_v1.json");

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("answer_templates")
                .col(big_pk_auto("id"))
                .col(string_len("unit_code", 16))
                .col(string_len("title", 200))
                .col(text("body"))
                .col(big_integer_null("updated_by"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_answer_templates_unit")
                        .from("answer_templates", "unit_code")
                        .to("units", "code"),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("kb_self_help")
                .col(big_pk_auto("id"))
                .col(big_integer("article_id"))
                .col(big_integer("user_id"))
                .col(string_len_null("kind_code", 32))
                .col(string_len("subject", 200))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_kb_self_help_article")
                        .from("kb_self_help", "article_id")
                        .to("kb_articles", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_kb_self_help_article")
                .table("kb_self_help")
                .col("article_id")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("kb_attachments")
                .col(big_pk_auto("id"))
                .col(big_integer("article_id"))
                .col(string_len("file_name", 255))
                .col(string_len("content_type", 100))
                .col(big_integer("size"))
                .col(string_len("storage_key", 64))
                .col(big_integer_null("uploaded_by"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_kb_attachments_article")
                        .from("kb_attachments", "article_id")
                        .to("kb_articles", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_kb_attachments_article")
                .table("kb_attachments")
                .col("article_id")
                .to_owned(),
        )
        .await?;

        let templates: Vec<serde_json::Value> = serde_json::from_str(TEMPLATES)
            .map_err(|e| DbErr::Migration(format!("answer templates seed: {e}")))?;
        let at = "2026-11-22T00:00:00Z";
        for t in &templates {
            let s = |k: &str| t[k].as_str().unwrap_or_default().to_string();
            m.exec_stmt(
                Query::insert()
                    .into_table("answer_templates")
                    .columns(["unit_code", "title", "body", "created_at", "updated_at"])
                    .values_panic([
                        s("unit").into(),
                        s("title").into(),
                        s("body").into(),
                        Expr::cust(format!("'{at}'")),
                        Expr::cust(format!("'{at}'")),
                    ])
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in ["kb_attachments", "kb_self_help", "answer_templates"] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
