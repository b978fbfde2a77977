//! sea-orm entities, one per table; relations are queried explicitly.

pub mod answer_template;
pub mod attachment;
pub mod calendar_day;
pub mod calendar_year;
pub mod comment;
pub mod extension_request;
pub mod file_chunk;
pub mod job_run;
pub mod kb_article;
pub mod kb_article_version;
pub mod kb_attachment;
pub mod kb_section;
pub mod kb_self_help;
pub mod mail_outbox;
pub mod notification;
pub mod report_export;
pub mod report_proposal;
pub mod request_kind;
pub mod session;
pub mod submission;
pub mod ticket;
pub mod ticket_counter;
pub mod ticket_event;
pub mod ticket_rating;
pub mod unit;
pub mod user;
