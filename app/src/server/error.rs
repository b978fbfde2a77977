//! Service errors and their single conversion to the wire error, the one
//! place where unexpected failures are logged with their cause.

use crate::wire::AppError;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// A rule or access failure, already worded for the client.
    #[error(transparent)]
    App(#[from] AppError),
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
    #[error("directory: {0}")]
    Directory(String),
    #[error("file storage: {0}")]
    Io(#[from] std::io::Error),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// The object store did not answer or refused.
    #[error("object store: {0}")]
    Storage(String),
}

impl From<ServiceError> for AppError {
    fn from(err: ServiceError) -> Self {
        match err {
            ServiceError::App(app) => app,
            ServiceError::Directory(detail) => {
                tracing::warn!(%detail, "directory unavailable");
                AppError::DirectoryUnavailable
            }
            ServiceError::Storage(detail) => {
                tracing::warn!(%detail, "object store unavailable");
                AppError::StorageUnavailable
            }
            // Written while someone removed it: gone, as a read would say.
            ServiceError::Db(sea_orm::DbErr::RecordNotUpdated) => AppError::NotFound,
            // A rule the database holds (a unique index or a check): two
            // people did the same thing at once and the second one lost.
            ServiceError::Db(db)
                if matches!(
                    db.sql_err(),
                    Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
                ) =>
            {
                tracing::info!(error = %db, "refused by a unique rule of the database");
                AppError::Conflict {
                    reason: "duplicate".into(),
                }
            }
            other => {
                tracing::error!(error = %other, cause = ?other, "unexpected failure");
                AppError::Internal
            }
        }
    }
}

impl From<crate::domain::lifecycle::Refusal> for ServiceError {
    fn from(r: crate::domain::lifecycle::Refusal) -> Self {
        ServiceError::App(r.into())
    }
}

impl From<sea_orm::TransactionError<ServiceError>> for ServiceError {
    fn from(err: sea_orm::TransactionError<ServiceError>) -> Self {
        match err {
            sea_orm::TransactionError::Connection(db) => ServiceError::Db(db),
            sea_orm::TransactionError::Transaction(e) => e,
        }
    }
}

pub type ServiceResult<T> = Result<T, ServiceError>;
