//! Sending queued e-mail over SMTP (lettre). Mail waits in the outbox table,
//! so a slow or absent mail server never delays a user's action; failed
//! sends are retried a few times with the error kept for the administrator.

use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};

use super::config::{SmtpConfig, SmtpSecurity};
use super::entity::mail_outbox;
use super::error::{ServiceError, ServiceResult};
use super::state::AppState;

/// Attempts before a message is left alone.
pub const MAX_ATTEMPTS: i32 = 5;

/// How long a node's claim on a message keeps other nodes from sending it:
/// far longer than a send may take (the SMTP timeout), so only a node that
/// stopped mid-send leaves a message to be sent again by another.
pub const CLAIM: chrono::Duration = chrono::Duration::minutes(15);

fn transport(config: &SmtpConfig) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    let builder = match config.security {
        SmtpSecurity::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host),
        SmtpSecurity::Starttls => {
            AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&config.host)
                .map_err(|e| e.to_string())?
        }
        SmtpSecurity::Tls => {
            AsyncSmtpTransport::<Tokio1Executor>::relay(&config.host).map_err(|e| e.to_string())?
        }
    };
    let mut builder = builder
        .port(config.port)
        .timeout(Some(std::time::Duration::from_secs(
            config.timeout_secs.max(1),
        )));
    if !config.username.is_empty() {
        builder = builder.credentials(Credentials::new(
            config.username.clone(),
            config.password.clone(),
        ));
    }
    Ok(builder.build())
}

/// The type of an attached file, told by its name (report files only).
fn attachment_type(name: &str) -> ContentType {
    name.rsplit('.')
        .next()
        .and_then(super::reports::export::Format::parse)
        .and_then(|f| ContentType::parse(f.content_type()).ok())
        .unwrap_or(ContentType::TEXT_PLAIN)
}

/// The message of an outbox row; `file` is the bytes of the file it names.
fn message(
    from: &Mailbox,
    row: &mail_outbox::Model,
    file: Option<Vec<u8>>,
) -> Result<Message, String> {
    let to: Mailbox = row
        .to_addr
        .parse()
        .map_err(|e| format!("address {}: {e}", row.to_addr))?;
    let builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(row.subject.clone());
    match (&row.attachment_name, file) {
        (Some(name), Some(bytes)) => {
            let parts = MultiPart::mixed()
                .singlepart(SinglePart::plain(row.body.clone()))
                .singlepart(Attachment::new(name.clone()).body(bytes, attachment_type(name)));
            builder.multipart(parts).map_err(|e| e.to_string())
        }
        _ => builder
            .header(ContentType::TEXT_PLAIN)
            .body(row.body.clone())
            .map_err(|e| e.to_string()),
    }
}

/// Sends what is waiting in the outbox; returns how many were sent.
pub async fn send_pending(state: &AppState) -> ServiceResult<usize> {
    let Some(config) = state.config.smtp.as_ref().filter(|c| !c.host.is_empty()) else {
        return Ok(0);
    };
    let from: Mailbox = config
        .from
        .parse()
        .map_err(|e| ServiceError::Corrupt(format!("smtp.from: {e}")))?;
    let now = state.now();
    // Claimed by no one, or by a node that stopped before it finished.
    let unclaimed = || {
        Condition::any()
            .add(mail_outbox::Column::ClaimedAt.is_null())
            .add(mail_outbox::Column::ClaimedAt.lt(now - CLAIM))
    };
    let pending = mail_outbox::Entity::find()
        .filter(mail_outbox::Column::SentAt.is_null())
        .filter(mail_outbox::Column::Attempts.lt(MAX_ATTEMPTS))
        .filter(unclaimed())
        .order_by_asc(mail_outbox::Column::Id)
        .limit(100)
        .all(&state.db)
        .await?;
    if pending.is_empty() {
        return Ok(0);
    }
    let transport = transport(config).map_err(ServiceError::Corrupt)?;
    let mut sent = 0;
    for row in pending {
        // Each node sends what waits; a row is claimed first (and its
        // attempt counted), so one message goes out once, not once per node.
        use sea_orm::sea_query::{Expr, ExprTrait};
        let taken = mail_outbox::Entity::update_many()
            .col_expr(
                mail_outbox::Column::Attempts,
                Expr::col(mail_outbox::Column::Attempts).add(1),
            )
            .col_expr(mail_outbox::Column::ClaimedAt, Expr::value(Some(now)))
            .filter(mail_outbox::Column::Id.eq(row.id))
            .filter(mail_outbox::Column::Attempts.eq(row.attempts))
            .filter(mail_outbox::Column::SentAt.is_null())
            .filter(unclaimed())
            .exec(&state.db)
            .await?;
        if taken.rows_affected != 1 {
            continue;
        }
        let file = match &row.attachment_path {
            Some(key) => state
                .files
                .get(&state.db, key)
                .await
                .map(Some)
                .map_err(|e| format!("attachment {key}: {e}")),
            None => Ok(None),
        };
        let result = match file.and_then(|f| message(&from, &row, f)) {
            Ok(m) => transport
                .send(m)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Err(e) => Err(e),
        };
        let attempts = row.attempts + 1;
        let mut update: mail_outbox::ActiveModel = row.into();
        update.attempts = Set(attempts);
        match result {
            Ok(()) => {
                update.sent_at = Set(Some(state.now()));
                update.last_error = Set(None);
                sent += 1;
            }
            Err(e) => {
                tracing::warn!(error = %e, attempts, "mail not sent");
                update.last_error = Set(Some(e.chars().take(500).collect()));
                // Free for the next round, on any node.
                update.claimed_at = Set(None);
            }
        }
        update.update(&state.db).await?;
    }
    Ok(sent)
}
