//! Database migrations, one per change, written with sea-query builders so
//! that the same set serves SQLite and PostgreSQL. A landed migration is never
//! edited; a change is a new migration.

pub use sea_orm_migration::prelude::*;

mod m20261122_000001_create_core_tables;
mod m20261122_000002_add_calendar_and_deadline_rules;
mod m20261122_000003_create_notifications;
mod m20261122_000004_add_overdue_notice;
mod m20261122_000005_create_knowledge_base;
mod m20261122_000006_add_templates_and_self_help;
mod m20261122_000007_index_published_articles;
mod m20261122_000008_add_reports;
mod m20261122_000009_index_report_sums;
mod m20261203_000010_add_lifecycle;
mod m20261203_000011_add_ticket_search;
mod m20261203_000012_add_session_idle_and_pending_rule;
mod m20261203_000013_index_open_queue;
mod m20261203_000014_add_file_chunks;
mod m20261203_000015_add_reference_versions;
mod m20261207_000016_add_mail_claim;
mod m20261207_000017_add_submissions;
mod m20261207_000018_add_form_drafts;
mod m20261207_000019_add_saved_views;
mod m20261207_000020_add_handling_work_seconds;

pub use m20261203_000013_index_open_queue::OPEN_TICKETS;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_create_core_tables::Migration),
            Box::new(m20261122_000002_add_calendar_and_deadline_rules::Migration),
            Box::new(m20261122_000003_create_notifications::Migration),
            Box::new(m20261122_000004_add_overdue_notice::Migration),
            Box::new(m20261122_000005_create_knowledge_base::Migration),
            Box::new(m20261122_000006_add_templates_and_self_help::Migration),
            Box::new(m20261122_000007_index_published_articles::Migration),
            Box::new(m20261122_000008_add_reports::Migration),
            Box::new(m20261122_000009_index_report_sums::Migration),
            Box::new(m20261203_000010_add_lifecycle::Migration),
            Box::new(m20261203_000011_add_ticket_search::Migration),
            Box::new(m20261203_000012_add_session_idle_and_pending_rule::Migration),
            Box::new(m20261203_000013_index_open_queue::Migration),
            Box::new(m20261203_000014_add_file_chunks::Migration),
            Box::new(m20261203_000015_add_reference_versions::Migration),
            Box::new(m20261207_000016_add_mail_claim::Migration),
            Box::new(m20261207_000017_add_submissions::Migration),
            Box::new(m20261207_000018_add_form_drafts::Migration),
            Box::new(m20261207_000019_add_saved_views::Migration),
            Box::new(m20261207_000020_add_handling_work_seconds::Migration),
        ]
    }
}
