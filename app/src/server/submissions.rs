//! Submission keys: a form or an API call sent twice (a double click, a
//! retry after a lost answer) makes one request or one reply.
//!
//! A form carries a fresh key in a hidden field (`submission`); an API
//! client may send one in the `Idempotency-Key` header. The record a key
//! made is written in the same transaction as the record, under a unique
//! key, so two sends at once cannot both be saved: the one that loses the
//! race fails and is answered with the record the other made. Keys are kept
//! for a day (`sweep`).

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};

use crate::domain::{FieldError, FieldErrorCode};
use crate::server::entity::submission;

/// Longest key a client may send.
pub const KEY_MAX: usize = 64;

/// How long a key is remembered.
pub const KEPT_HOURS: i64 = 24;

/// The form field and the API header that carry a key.
pub const FIELD: &str = "submission";
pub const HEADER: &str = "idempotency-key";

/// A key as sent, checked and scoped to the person who sent it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubmissionKey(String);

impl SubmissionKey {
    /// `None` when no key (or an empty one) was sent. A key is 1–64 of
    /// `A–Z a–z 0–9 - _ . :`; anything else is refused as the field
    /// `submission`.
    pub fn parse(user_id: i64, sent: Option<&str>) -> Result<Option<SubmissionKey>, FieldError> {
        let Some(sent) = sent.map(str::trim).filter(|s| !s.is_empty()) else {
            return Ok(None);
        };
        let fits = sent.len() <= KEY_MAX
            && sent
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
        if !fits {
            return Err(FieldError::new(FIELD, FieldErrorCode::Pattern));
        }
        Ok(Some(SubmissionKey(format!("{user_id}:{sent}"))))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a submission made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Made {
    Ticket(i64),
    Comment(i64),
}

impl Made {
    fn target(self) -> String {
        match self {
            Made::Ticket(id) => format!("ticket:{id}"),
            Made::Comment(id) => format!("comment:{id}"),
        }
    }

    fn parse(target: &str) -> Option<Made> {
        let (kind, id) = target.split_once(':')?;
        let id = id.parse().ok()?;
        match kind {
            "ticket" => Some(Made::Ticket(id)),
            "comment" => Some(Made::Comment(id)),
            _ => None,
        }
    }
}

/// The row that records what `key` made, to insert with the record.
pub fn row(key: &SubmissionKey, made: Made, now: DateTime<Utc>) -> submission::ActiveModel {
    submission::ActiveModel {
        key: Set(key.0.clone()),
        target: Set(made.target()),
        created_at: Set(now),
    }
}

/// What `key` made, if it was used (and is still remembered).
pub async fn made_by<C: ConnectionTrait>(
    db: &C,
    key: &SubmissionKey,
) -> Result<Option<Made>, DbErr> {
    Ok(submission::Entity::find_by_id(key.0.clone())
        .one(db)
        .await?
        .and_then(|r| Made::parse(&r.target)))
}

/// Forgets keys older than a day; how many.
pub async fn sweep<C: ConnectionTrait>(db: &C, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let gone = submission::Entity::delete_many()
        .filter(submission::Column::CreatedAt.lt(now - Duration::hours(KEPT_HOURS)))
        .exec(db)
        .await?;
    Ok(gone.rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_scoped_to_its_sender_and_checked() {
        let k = SubmissionKey::parse(7, Some(" a1-B_2.c:3 "))
            .expect("a key")
            .expect("given");
        assert_eq!(k.as_str(), "7:a1-B_2.c:3");
        assert_ne!(
            SubmissionKey::parse(8, Some("a1-B_2.c:3")).expect("checked"),
            Some(k)
        );
        assert_eq!(SubmissionKey::parse(7, None).expect("checked"), None);
        assert_eq!(SubmissionKey::parse(7, Some("  ")).expect("checked"), None);
        for bad in ["a b", "ключ", "a/b", &"x".repeat(KEY_MAX + 1)] {
            let e = SubmissionKey::parse(7, Some(bad)).expect_err("refused");
            assert_eq!(e.field, FIELD, "{bad}");
        }
        assert!(SubmissionKey::parse(7, Some(&"x".repeat(KEY_MAX))).is_ok());
    }

    #[test]
    fn what_a_key_made_reads_back() {
        for made in [Made::Ticket(12), Made::Comment(3)] {
            assert_eq!(Made::parse(&made.target()), Some(made));
        }
        assert_eq!(Made::parse("ticket:x"), None);
        assert_eq!(Made::parse("file:1"), None);
    }
}
