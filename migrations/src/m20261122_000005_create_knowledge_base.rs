//! The knowledge base: sections (data the administrator can extend),
//! articles and every saved version of them; seeds the sections and a few
//! demo articles written for this project.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const ARTICLES: &str = include_str!("seed/kb_articles_v1.json");

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("kb_sections")
                .col(string_len("code", 32).primary_key())
                .col(string_len("title", 200))
                .col(string_len("title_en", 200))
                .col(integer("position"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("kb_articles")
                .col(big_pk_auto("id"))
                .col(string_len("section_code", 32))
                .col(string_len("title", 300))
                .col(text("body"))
                .col(text("tags"))
                .col(string_len_null("unit_code", 16))
                .col(text("kinds"))
                .col(string_len("status", 16))
                .col(integer("version"))
                .col(big_integer_null("updated_by"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_kb_articles_section")
                        .from("kb_articles", "section_code")
                        .to("kb_sections", "code"),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("kb_article_versions")
                .col(big_pk_auto("id"))
                .col(big_integer("article_id"))
                .col(integer("version"))
                .col(string_len("section_code", 32))
                .col(string_len("title", 300))
                .col(text("body"))
                .col(text("tags"))
                .col(string_len("status", 16))
                .col(big_integer_null("author_id"))
                .col(string_len("reason", 500))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_kb_versions_article")
                        .from("kb_article_versions", "article_id")
                        .to("kb_articles", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_kb_versions_article_version")
                .table("kb_article_versions")
                .col("article_id")
                .col("version")
                .unique()
                .to_owned(),
        )
        .await?;

        let mut sections = Query::insert()
            .into_table("kb_sections")
            .columns(["code", "title", "title_en", "position"])
            .to_owned();
        for (position, (code, title, title_en)) in [
            ("regulations", "Положения", "Regulations"),
            ("procedures", "Порядки", "Procedures"),
            ("rules", "Регламенты", "Rules"),
            ("instructions", "Инструкции", "Instructions"),
            (
                "request_templates",
                "Типовые шаблоны заявок",
                "Request templates",
            ),
            ("faq", "Частые вопросы", "Frequently asked questions"),
        ]
        .into_iter()
        .enumerate()
        {
            let position = <i32 as std::convert::TryFrom<usize>>::try_from(position).unwrap_or(0);
            sections.values_panic([code.into(), title.into(), title_en.into(), position.into()]);
        }
        m.exec_stmt(sections).await?;

        let articles: Vec<serde_json::Value> = serde_json::from_str(ARTICLES)
            .map_err(|e| DbErr::Migration(format!("kb seed: {e}")))?;
        // A fixed moment: the seed is the same on every database.
        let at = "2026-11-22T00:00:00Z";
        for (i, a) in articles.iter().enumerate() {
            let id = <i64 as std::convert::TryFrom<usize>>::try_from(i + 1).unwrap_or(0);
            let s = |k: &str| a[k].as_str().unwrap_or_default().to_string();
            let tags = a["tags"]
                .as_array()
                .map(|t| {
                    t.iter()
                        .filter_map(|v| v.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default();
            let kinds = a["kinds"]
                .as_array()
                .map(|t| {
                    t.iter()
                        .filter_map(|v| v.as_str())
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .unwrap_or_default();
            let unit = a["unit"].as_str().map(str::to_string);
            m.exec_stmt(
                Query::insert()
                    .into_table("kb_articles")
                    .columns([
                        "id",
                        "section_code",
                        "title",
                        "body",
                        "tags",
                        "unit_code",
                        "kinds",
                        "status",
                        "version",
                        "created_at",
                        "updated_at",
                    ])
                    .values_panic([
                        id.into(),
                        s("section").into(),
                        s("title").into(),
                        s("body").into(),
                        tags.clone().into(),
                        unit.into(),
                        kinds.into(),
                        "published".into(),
                        1.into(),
                        Expr::cust(format!("'{at}'")),
                        Expr::cust(format!("'{at}'")),
                    ])
                    .to_owned(),
            )
            .await?;
            m.exec_stmt(
                Query::insert()
                    .into_table("kb_article_versions")
                    .columns([
                        "article_id",
                        "version",
                        "section_code",
                        "title",
                        "body",
                        "tags",
                        "status",
                        "reason",
                        "created_at",
                    ])
                    .values_panic([
                        id.into(),
                        1.into(),
                        s("section").into(),
                        s("title").into(),
                        s("body").into(),
                        tags.into(),
                        "published".into(),
                        "Первоначальная версия".into(),
                        Expr::cust(format!("'{at}'")),
                    ])
                    .to_owned(),
            )
            .await?;
        }
        if m.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            // Explicit ids above: move the sequence past them.
            m.get_connection()
                .execute_unprepared("SELECT setval(pg_get_serial_sequence('kb_articles', 'id'), (SELECT COALESCE(MAX(id), 1) FROM kb_articles))")
                .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in ["kb_article_versions", "kb_articles", "kb_sections"] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
