//! The directory adapter (LDAP): finds a user with the service account,
//! checks the password by binding as the found entry, and reads groups.

use std::time::Duration;

use ldap3::{LdapConnAsync, LdapConnSettings, LdapError, Scope, SearchEntry, ldap_escape};

use super::config::DirectoryConfig;
use crate::domain::{Role, Roles};

/// A person as the directory describes them.
#[derive(Debug, Clone, PartialEq)]
pub struct DirectoryUser {
    pub login: String,
    pub dn: String,
    pub full_name: String,
    pub email: String,
    pub phone: String,
    pub title: String,
    pub roles: Roles,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DirectoryError {
    /// Unknown login, wrong password, disabled account: one answer for all.
    #[error("wrong login or password")]
    BadCredentials,
    #[error("empty password")]
    EmptyPassword,
    #[error("directory unavailable: {0}")]
    Unavailable(String),
}

const RC_INVALID_CREDENTIALS: u32 = 49;
const ATTRS: [&str; 6] = [
    "uid",
    "cn",
    "displayName",
    "mail",
    "telephoneNumber",
    "title",
];

/// The shortest text the person lookup searches for.
pub const PEOPLE_MIN_CHARS: usize = 2;
/// The most entries the person lookup reads from the directory.
const PEOPLE_READ: usize = 50;

/// A directory entry as a person; `login` stands in when it has no uid.
fn person(entry: SearchEntry, login: &str, roles: Roles) -> DirectoryUser {
    let uid = first(&entry, "uid");
    let login = if uid.is_empty() {
        login.to_lowercase()
    } else {
        uid.to_lowercase()
    };
    // The name people see: the display name, else the common name (cn
    // is often the login itself), else the login.
    let full_name = ["displayName", "cn"]
        .into_iter()
        .map(|a| first(&entry, a))
        .find(|n| !n.trim().is_empty())
        .unwrap_or_else(|| login.clone());
    DirectoryUser {
        login,
        full_name,
        email: first(&entry, "mail"),
        phone: first(&entry, "telephoneNumber"),
        title: first(&entry, "title"),
        dn: entry.dn,
        roles,
    }
}

pub struct Directory {
    config: DirectoryConfig,
    /// Calls that could not reach or bind (for `/metrics`).
    errors: prometheus_client::metrics::counter::Counter,
}

fn unavailable(e: LdapError) -> DirectoryError {
    DirectoryError::Unavailable(e.to_string())
}

fn first(entry: &SearchEntry, attr: &str) -> String {
    entry
        .attrs
        .get(attr)
        .and_then(|v| v.first())
        .cloned()
        .unwrap_or_default()
}

impl Directory {
    pub fn new(config: DirectoryConfig) -> Self {
        Directory {
            config,
            errors: Default::default(),
        }
    }

    /// The count of calls that could not reach or bind the directory.
    pub fn error_counter(&self) -> prometheus_client::metrics::counter::Counter {
        self.errors.clone()
    }

    fn counted<T>(&self, result: Result<T, DirectoryError>) -> Result<T, DirectoryError> {
        if matches!(result, Err(DirectoryError::Unavailable(_))) {
            self.errors.inc();
        }
        result
    }

    async fn connect(&self) -> Result<ldap3::Ldap, DirectoryError> {
        let timeout = Duration::from_secs(self.config.timeout_secs.max(1));
        let settings = LdapConnSettings::new()
            .set_conn_timeout(timeout)
            .set_starttls(self.config.starttls && self.config.url.starts_with("ldap://"));
        let (conn, mut ldap) = LdapConnAsync::with_settings(settings, &self.config.url)
            .await
            .map_err(unavailable)?;
        ldap3::drive!(conn);
        ldap.with_timeout(timeout);
        Ok(ldap)
    }

    async fn bind_service(&self, ldap: &mut ldap3::Ldap) -> Result<(), DirectoryError> {
        ldap.simple_bind(&self.config.bind_dn, &self.config.bind_password)
            .await
            .and_then(|r| r.success())
            .map(|_| ())
            .map_err(|e| DirectoryError::Unavailable(format!("service bind: {e}")))
    }

    /// Whether the directory answers the service account's bind now.
    pub async fn reachable(&self) -> Result<(), DirectoryError> {
        self.counted(self.reach().await)
    }

    async fn reach(&self) -> Result<(), DirectoryError> {
        let mut ldap = self.connect().await?;
        let bound = self.bind_service(&mut ldap).await;
        let _ = ldap.unbind().await;
        bound
    }

    /// Finds an enabled account by login; `None` when there is none.
    async fn find(
        &self,
        ldap: &mut ldap3::Ldap,
        login: &str,
    ) -> Result<Option<SearchEntry>, DirectoryError> {
        let filter = self
            .config
            .user_filter
            .replace("{login}", &ldap_escape(login));
        let (entries, _) = ldap
            .search(
                &self.config.user_base,
                Scope::Subtree,
                &filter,
                ATTRS.to_vec(),
            )
            .await
            .and_then(|r| r.success())
            .map_err(unavailable)?;
        // Anything but exactly one match is treated as no match.
        if entries.len() != 1 {
            return Ok(None);
        }
        Ok(entries.into_iter().next().map(SearchEntry::construct))
    }

    async fn roles_of(&self, ldap: &mut ldap3::Ldap, dn: &str) -> Result<Roles, DirectoryError> {
        let filter = self.config.group_filter.replace("{dn}", &ldap_escape(dn));
        let (groups, _) = ldap
            .search(&self.config.group_base, Scope::Subtree, &filter, vec!["cn"])
            .await
            .and_then(|r| r.success())
            .map_err(unavailable)?;
        let mut roles = Vec::new();
        for group in groups.into_iter().map(SearchEntry::construct) {
            let key = group.dn.to_ascii_lowercase();
            for (group_dn, names) in &self.config.roles {
                if group_dn.to_ascii_lowercase() == key {
                    roles.extend(names.iter().filter_map(|n| Role::parse(n)));
                }
            }
        }
        Ok(Roles::new(roles))
    }

    async fn describe(
        &self,
        ldap: &mut ldap3::Ldap,
        entry: SearchEntry,
        login: &str,
    ) -> Result<DirectoryUser, DirectoryError> {
        let roles = self.roles_of(ldap, &entry.dn).await?;
        Ok(person(entry, login, roles))
    }

    /// Checks a login and password and returns the person with their roles.
    pub async fn authenticate(
        &self,
        login: &str,
        password: &str,
    ) -> Result<DirectoryUser, DirectoryError> {
        self.counted(self.check_password(login, password).await)
    }

    async fn check_password(
        &self,
        login: &str,
        password: &str,
    ) -> Result<DirectoryUser, DirectoryError> {
        if password.is_empty() {
            return Err(DirectoryError::EmptyPassword);
        }
        let login = login.trim();
        if login.is_empty() || login.len() > 100 {
            return Err(DirectoryError::BadCredentials);
        }
        let mut ldap = self.connect().await?;
        self.bind_service(&mut ldap).await?;
        let Some(entry) = self.find(&mut ldap, login).await? else {
            let _ = ldap.unbind().await;
            return Err(DirectoryError::BadCredentials);
        };
        let bound = ldap
            .simple_bind(&entry.dn, password)
            .await
            .map_err(unavailable)?;
        if bound.rc == RC_INVALID_CREDENTIALS {
            let _ = ldap.unbind().await;
            return Err(DirectoryError::BadCredentials);
        }
        bound.success().map_err(unavailable)?;
        // Group membership is read with the service account's rights.
        self.bind_service(&mut ldap).await?;
        let user = self.describe(&mut ldap, entry, login).await;
        let _ = ldap.unbind().await;
        user
    }

    /// People whose login starts with `text`, or whose name holds it, at
    /// most `limit` of them by name (the person lookup). Roles are not read.
    pub async fn search(
        &self,
        text: &str,
        limit: usize,
    ) -> Result<Vec<DirectoryUser>, DirectoryError> {
        self.counted(self.search_people(text, limit).await)
    }

    async fn search_people(
        &self,
        text: &str,
        limit: usize,
    ) -> Result<Vec<DirectoryUser>, DirectoryError> {
        let text = text.trim();
        if text.chars().count() < PEOPLE_MIN_CHARS || text.len() > 100 {
            return Ok(Vec::new());
        }
        let filter = self
            .config
            .people_filter
            .replace("{text}", &ldap_escape(text));
        let mut ldap = self.connect().await?;
        self.bind_service(&mut ldap).await?;
        let attrs = ATTRS.to_vec();
        let found = ldap
            .with_search_options(ldap3::SearchOptions::new().sizelimit(PEOPLE_READ as i32))
            .search(&self.config.user_base, Scope::Subtree, &filter, attrs)
            .await;
        let _ = ldap.unbind().await;
        // Past the size limit the server says so; what came is enough.
        let entries = match found {
            Ok(r) => r.0,
            Err(e) => return Err(unavailable(e)),
        };
        let mut people: Vec<DirectoryUser> = entries
            .into_iter()
            .map(SearchEntry::construct)
            .map(|entry| person(entry, "", Roles::new(Vec::new())))
            .filter(|p| !p.login.is_empty())
            .collect();
        people.sort_by(|a, b| a.full_name.cmp(&b.full_name));
        people.truncate(limit);
        Ok(people)
    }

    /// Looks a person up without a password (registering a request on their behalf).
    pub async fn lookup(&self, login: &str) -> Result<Option<DirectoryUser>, DirectoryError> {
        self.counted(self.find_person(login).await)
    }

    async fn find_person(&self, login: &str) -> Result<Option<DirectoryUser>, DirectoryError> {
        let login = login.trim();
        if login.is_empty() || login.len() > 100 {
            return Ok(None);
        }
        let mut ldap = self.connect().await?;
        self.bind_service(&mut ldap).await?;
        let user = match self.find(&mut ldap, login).await? {
            Some(entry) => Some(self.describe(&mut ldap, entry, login).await?),
            None => None,
        };
        let _ = ldap.unbind().await;
        Ok(user)
    }
}
