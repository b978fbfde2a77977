//! The `users` table.

use sea_orm::entity::prelude::*;

/// Reads from packed rows (`server::packed`).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub login: String,
    pub full_name: String,
    pub email: String,
    pub phone: String,
    pub title: String,
    pub lang: String,
    /// Role texts separated by spaces, see `domain::Role::to_text`.
    pub roles: String,
    #[serde(deserialize_with = "crate::server::packed::flag")]
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub last_login_at: Option<DateTimeUtc>,
    /// Whether notices about the unit's queue also come by e-mail.
    #[serde(deserialize_with = "crate::server::packed::flag")]
    pub mail_queue: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The name to show: the full name, or the login when the directory
    /// gave none.
    pub fn shown_name(&self) -> String {
        shown_name(&self.full_name, &self.login)
    }
}

/// A full name, or the login when the name is blank.
pub fn shown_name(full_name: &str, login: &str) -> String {
    if full_name.trim().is_empty() {
        login.to_string()
    } else {
        full_name.to_string()
    }
}
