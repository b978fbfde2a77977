//! Group commit for new requests. Every commit waits for the disk (SQLite's
//! WAL with `synchronous=FULL`, PostgreSQL's WAL flush), and numbering
//! serialises filings of a unit on its counter; so filings that arrive
//! together are written by one task in one transaction, in a few
//! multi-row statements for all of them, and committed once. Should that
//! fail, they are written again one by one, each in its own savepoint (one
//! that fails leaves the others whole). Each filer is answered only after
//! the commit: an answered request is a stored one.

use std::sync::{Arc, OnceLock};

use sea_orm::{DatabaseConnection, DbErr, TransactionTrait};
use tokio::sync::{mpsc, oneshot};

use super::create::{Filing, write_filing, write_filings};
use crate::server::entity::ticket;
use crate::server::error::{ServiceError, ServiceResult};
use crate::server::metrics::Metrics;

/// Filings written in one transaction at most.
pub const BATCH_MAX: usize = 64;

type Answer = oneshot::Sender<ServiceResult<ticket::Model>>;

/// This node's filing writer, started with the first filing.
#[derive(Default)]
pub struct Filings {
    queue: OnceLock<mpsc::Sender<(Filing, Answer)>>,
}

fn stopped() -> ServiceError {
    ServiceError::Corrupt("the filing writer stopped".into())
}

impl Filings {
    /// Writes a filing with the others waiting; its row once committed.
    pub(crate) async fn file(
        &self,
        db: &DatabaseConnection,
        metrics: &Arc<Metrics>,
        filing: Filing,
    ) -> ServiceResult<ticket::Model> {
        let queue = self.queue.get_or_init(|| {
            let (tx, rx) = mpsc::channel(BATCH_MAX * 4);
            // The task holds the pool, not the state: it ends when the
            // state (and with it the queue's sender) is gone.
            tokio::spawn(writer(db.clone(), metrics.clone(), rx));
            tx
        });
        let (answer, answered) = oneshot::channel();
        queue.send((filing, answer)).await.map_err(|_| stopped())?;
        answered.await.map_err(|_| stopped())?
    }
}

async fn writer(
    db: DatabaseConnection,
    metrics: Arc<Metrics>,
    mut queue: mpsc::Receiver<(Filing, Answer)>,
) {
    while let Some(first) = queue.recv().await {
        let mut batch = vec![first];
        while batch.len() < BATCH_MAX {
            match queue.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        write_batch(&db, &metrics, batch).await;
    }
}

/// One filing in a transaction of `outer`'s own: a savepoint inside a
/// batch's transaction, or a transaction when it is alone. A failure takes
/// back only its rows (and its number).
async fn write_one<C>(outer: &C, f: &Filing) -> ServiceResult<ticket::Model>
where
    C: TransactionTrait<Transaction = sea_orm::DatabaseTransaction>,
{
    let txn = outer.begin().await?;
    match write_filing(&txn, f).await {
        Ok(row) => {
            txn.commit().await?;
            Ok(row)
        }
        Err(e) => {
            txn.rollback().await?;
            Err(e)
        }
    }
}

async fn write_batch(db: &DatabaseConnection, metrics: &Metrics, mut batch: Vec<(Filing, Answer)>) {
    if batch.len() == 1
        && let Some((filing, answer)) = batch.pop()
    {
        // Alone, its transaction is its savepoint: two statements fewer.
        let result = write_one(db, &filing).await;
        if result.is_ok() {
            metrics.filing_commits.inc();
            metrics.filings.inc();
        }
        let _gone = answer.send(result);
        return;
    }
    // Counters are locked in one order (unit, year) by every batch of every
    // node, so two batches never wait for each other's counter; within a
    // unit the filings keep their order of arrival (a stable sort).
    batch.sort_by(|(a, _), (b, _)| (&a.unit, a.year).cmp(&(&b.unit, b.year)));
    let together = {
        let filings: Vec<&Filing> = batch.iter().map(|(f, _)| f).collect();
        write_together(db, &filings).await
    };
    match together {
        Ok(rows) => {
            metrics.filing_commits.inc();
            for (row, (_, answer)) in rows.into_iter().zip(batch) {
                metrics.filings.inc();
                let _gone = answer.send(Ok(row));
            }
        }
        Err(Together::Statements(e)) => {
            tracing::info!(error = %e, filings = batch.len(), "a batch failed together; written one by one");
            metrics.filing_retries.inc();
            write_each(db, metrics, batch).await;
        }
        // Whether a commit that failed to answer took effect is unknown:
        // writing the batch again could store it twice.
        Err(Together::Commit(e)) => {
            tracing::warn!(error = %e, filings = batch.len(), "filings not committed");
            answer_all(batch.into_iter().map(|(_, a)| a), &e);
        }
    }
}

/// How writing a batch together failed.
enum Together {
    /// A statement failed and everything was taken back.
    Statements(ServiceError),
    /// The transaction could not begin or commit.
    Commit(DbErr),
}

/// The whole batch in one transaction and a few statements; nothing of it
/// is kept if any statement fails.
async fn write_together(
    db: &DatabaseConnection,
    filings: &[&Filing],
) -> Result<Vec<ticket::Model>, Together> {
    let txn = db.begin().await.map_err(Together::Commit)?;
    match write_filings(&txn, filings).await {
        Ok(rows) => {
            txn.commit().await.map_err(Together::Commit)?;
            Ok(rows)
        }
        Err(e) => {
            txn.rollback().await.map_err(Together::Commit)?;
            Err(Together::Statements(e))
        }
    }
}

/// Each filing of a batch in its own savepoint of one transaction.
async fn write_each(db: &DatabaseConnection, metrics: &Metrics, batch: Vec<(Filing, Answer)>) {
    let txn = match db.begin().await {
        Ok(t) => t,
        Err(e) => return answer_all(batch.into_iter().map(|(_, a)| a), &e),
    };
    let mut written = Vec::with_capacity(batch.len());
    for (filing, answer) in batch {
        let result = write_one(&txn, &filing).await;
        written.push((result, answer));
    }
    match txn.commit().await {
        Ok(()) => {
            metrics.filing_commits.inc();
            for (result, answer) in written {
                if result.is_ok() {
                    metrics.filings.inc();
                }
                let _gone = answer.send(result);
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, filings = written.len(), "filings not committed");
            answer_all(written.into_iter().map(|(_, a)| a), &e);
        }
    }
}

fn answer_all(answers: impl Iterator<Item = Answer>, e: &DbErr) {
    for answer in answers {
        let _gone = answer.send(Err(ServiceError::Db(DbErr::Custom(e.to_string()))));
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

    use super::*;
    use crate::domain::{Channel, RequestForm, Roles};
    use crate::server::auth::Caller;
    use crate::server::entity::{ticket_event, user};

    fn filing(
        caller: &Caller,
        requester: &user::Model,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Filing {
        Filing {
            caller: caller.clone(),
            kind: "esign_key".into(),
            unit: "IT".into(),
            unit_name: "Отдел информационных технологий".into(),
            requester: requester.clone(),
            form: RequestForm::Written,
            channel: Channel::Portal,
            subject: "Ключ ЭП".into(),
            description: String::new(),
            fields: "{}".into(),
            due_on: now.date_naive(),
            due_at: now,
            due_explanation: "{}".into(),
            now,
            year: 2026,
            files: Vec::new(),
            staff: std::sync::Arc::default(),
            submission: None,
        }
    }

    async fn person(
        db: &DatabaseConnection,
        login: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> user::Model {
        user::ActiveModel {
            login: Set(login.into()),
            full_name: Set(format!("{login} (ФИО)")),
            email: Set(format!("{login}@servicedesk.test")),
            phone: Set(String::new()),
            title: Set(String::new()),
            lang: Set("ru".into()),
            roles: Set("employee".into()),
            active: Set(true),
            created_at: Set(now),
            last_login_at: Set(None),
            mail_queue: Set(false),
            ..Default::default()
        }
        .insert(db)
        .await
        .expect("person")
    }

    fn caller_of(person: &user::Model) -> Caller {
        Caller {
            id: person.id,
            login: person.login.clone(),
            name: person.shown_name(),
            lang: crate::i18n::Lang::Ru,
            roles: Roles::new(Vec::new()),
            person: None,
            reference_versions: None,
        }
    }

    async fn scratch_db() -> (std::path::PathBuf, DatabaseConnection) {
        let file =
            std::env::temp_dir().join(format!("sd-filings-{}.db", uuid::Uuid::new_v4().simple()));
        let db = crate::server::db::connect_and_migrate(&format!(
            "sqlite://{}?mode=rwc",
            file.display()
        ))
        .await
        .expect("database");
        (file, db)
    }

    #[tokio::test]
    async fn a_batch_is_written_together_each_with_its_number_event_and_receipt() {
        use crate::server::entity::notification;
        use sea_orm::QueryOrder;
        let (file, db) = scratch_db().await;
        let now = chrono::Utc::now();
        let mut people = Vec::new();
        for login in ["ivanova", "petrov", "sidorova"] {
            people.push(person(&db, login, now).await);
        }
        let mut answers = Vec::new();
        let mut batch = Vec::new();
        // Arrival order: IT, AHO, IT; numbers per unit in arrival order.
        for (person, unit) in people.iter().zip(["IT", "AHO", "IT"]) {
            let caller = caller_of(person);
            let mut f = filing(&caller, person, now);
            f.unit = unit.into();
            let (answer, answered) = oneshot::channel();
            batch.push((f, answer));
            answers.push(answered);
        }
        let metrics = Metrics::new(Default::default());
        write_batch(&db, &metrics, batch).await;
        let mut rows = Vec::new();
        for answered in answers {
            rows.push(answered.await.expect("answered").expect("filed"));
        }
        let numbers: Vec<&str> = rows.iter().map(|r| r.number.as_str()).collect();
        assert_eq!(
            numbers,
            ["IT-2026-000001", "AHO-2026-000001", "IT-2026-000002"]
        );
        for (row, person) in rows.iter().zip(&people) {
            assert_eq!(row.requester_id, person.id, "each filer gets their own row");
        }
        assert_eq!(metrics.filing_commits.get(), 1, "one commit");
        assert_eq!(metrics.filing_retries.get(), 0, "written together");
        assert_eq!(metrics.filings.get(), 3);
        let events = ticket_event::Entity::find()
            .order_by_asc(ticket_event::Column::TicketId)
            .all(&db)
            .await
            .expect("events");
        let mut ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        assert_eq!(
            events.iter().map(|e| e.ticket_id).collect::<Vec<_>>(),
            ids,
            "one registration event each"
        );
        for e in &events {
            let row = rows.iter().find(|r| r.id == e.ticket_id).expect("row");
            assert!(
                e.data.contains(&row.number),
                "{} names {}",
                e.data,
                row.number
            );
        }
        let receipts = notification::Entity::find()
            .filter(notification::Column::Kind.eq("registered"))
            .all(&db)
            .await
            .expect("notices");
        assert_eq!(receipts.len(), 3);
        for (row, person) in rows.iter().zip(&people) {
            assert!(
                receipts
                    .iter()
                    .any(|n| n.user_id == person.id && n.ticket_id == Some(row.id)),
                "{} told of {}",
                person.login,
                row.number
            );
        }
        db.close().await.ok();
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
        }
    }

    #[tokio::test]
    async fn a_filing_that_fails_in_a_batch_takes_back_only_its_own_rows_and_number() {
        let (file, db) = scratch_db().await;
        let now = chrono::Utc::now();
        let person = person(&db, "ivanova", now).await;
        let caller = caller_of(&person);
        // The middle one names a requester that does not exist: its insert
        // breaks a foreign key after its number was taken.
        let mut ghost = person.clone();
        ghost.id = person.id + 1000;
        let mut answers = Vec::new();
        let mut batch = Vec::new();
        for requester in [&person, &ghost, &person] {
            let (answer, answered) = oneshot::channel();
            batch.push((filing(&caller, requester, now), answer));
            answers.push(answered);
        }
        let metrics = Metrics::new(Default::default());
        write_batch(&db, &metrics, batch).await;
        let mut results = Vec::new();
        for answered in answers {
            results.push(answered.await.expect("answered"));
        }
        let numbers: Vec<Option<String>> = results
            .iter()
            .map(|r| r.as_ref().ok().map(|t| t.number.clone()))
            .collect();
        assert_eq!(
            numbers,
            [
                Some("IT-2026-000001".to_string()),
                None,
                Some("IT-2026-000002".to_string())
            ],
            "the failed filing's number went back with it"
        );
        assert_eq!(ticket::Entity::find().count(&db).await.expect("count"), 2);
        assert_eq!(
            ticket_event::Entity::find()
                .count(&db)
                .await
                .expect("count"),
            2,
            "no event of the failed one"
        );
        assert_eq!(metrics.filing_commits.get(), 1, "one commit for the batch");
        assert_eq!(metrics.filing_retries.get(), 1, "written again one by one");
        assert_eq!(metrics.filings.get(), 2);

        // Alone (no savepoint): a failure takes back its number and rows too.
        for (requester, expected) in [(&ghost, None), (&person, Some("IT-2026-000003"))] {
            let (answer, answered) = oneshot::channel();
            write_batch(
                &db,
                &metrics,
                vec![(filing(&caller, requester, now), answer)],
            )
            .await;
            let result = answered.await.expect("answered");
            assert_eq!(
                result.as_ref().ok().map(|t| t.number.as_str()),
                expected,
                "{result:?}"
            );
        }
        assert_eq!(ticket::Entity::find().count(&db).await.expect("count"), 3);
        assert_eq!(
            ticket_event::Entity::find()
                .count(&db)
                .await
                .expect("count"),
            3
        );
        assert_eq!(metrics.filing_commits.get(), 2);
        assert_eq!(metrics.filings.get(), 3);
        db.close().await.ok();
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
        }
    }
}
