//! One typed configuration, read once at start-up: defaults, then an optional
//! TOML file (`SD_CONFIG`), then environment variables. Secrets never print.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use serde::Deserialize;

#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `sqlite://data/servicedesk.db?mode=rwc` or `postgres://…`.
    pub database_url: String,
    /// Where attachments are stored (outside the web root).
    pub data_dir: PathBuf,
    /// Lifetime of a sign-in session, in hours.
    pub session_hours: i64,
    /// Largest accepted attachment, in bytes.
    pub upload_max_bytes: u64,
    /// Offset of the body's local time from UTC, in hours (Moscow: 3).
    pub utc_offset_hours: i32,
    /// Mark cookies `Secure`: set when the app is served over HTTPS.
    pub secure_cookies: bool,
    /// File the demo requests at start-up when the database has none (`make run`).
    pub demo_data: bool,
    pub directory: DirectoryConfig,
}

#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DirectoryConfig {
    pub url: String,
    /// The service account that looks users up.
    pub bind_dn: String,
    pub bind_password: String,
    pub user_base: String,
    /// `{login}` is replaced by the escaped login.
    pub user_filter: String,
    pub group_base: String,
    /// `{dn}` is replaced by the escaped user DN.
    pub group_filter: String,
    pub timeout_secs: u64,
    /// Group DN → roles (`employee`, `executor:IT`, `head:IT`, `admin`).
    pub roles: BTreeMap<String, Vec<String>>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: "sqlite://data/servicedesk.db?mode=rwc".into(),
            data_dir: PathBuf::from("data"),
            session_hours: 12,
            upload_max_bytes: 10 * 1024 * 1024,
            utc_offset_hours: 3,
            secure_cookies: false,
            demo_data: false,
            directory: DirectoryConfig::default(),
        }
    }
}

impl Default for DirectoryConfig {
    fn default() -> Self {
        let group = |cn: &str| format!("cn={cn},ou=groups,dc=servicedesk,dc=test");
        let roles = [
            ("employees", "employee"),
            ("it-executors", "executor:IT"),
            ("it-heads", "head:IT"),
            ("aho-executors", "executor:AHO"),
            ("aho-heads", "head:AHO"),
            ("buh-executors", "executor:BUH"),
            ("buh-heads", "head:BUH"),
            ("admins", "admin"),
        ]
        .into_iter()
        .map(|(cn, role)| (group(cn), vec![role.to_string()]))
        .collect();
        DirectoryConfig {
            url: "ldap://127.0.0.1:3389".into(),
            bind_dn: "cn=servicedesk,ou=services,dc=servicedesk,dc=test".into(),
            bind_password: "service-secret".into(),
            user_base: "ou=people,dc=servicedesk,dc=test".into(),
            user_filter: "(&(objectClass=inetOrgPerson)(uid={login})(!(employeeType=disabled)))"
                .into(),
            group_base: "ou=groups,dc=servicedesk,dc=test".into(),
            group_filter: "(&(objectClass=groupOfNames)(member={dn}))".into(),
            timeout_secs: 5,
            roles,
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &redact_url(&self.database_url))
            .field("data_dir", &self.data_dir)
            .field("session_hours", &self.session_hours)
            .field("upload_max_bytes", &self.upload_max_bytes)
            .field("utc_offset_hours", &self.utc_offset_hours)
            .field("secure_cookies", &self.secure_cookies)
            .field("directory.url", &self.directory.url)
            .field("directory.bind_dn", &self.directory.bind_dn)
            .finish_non_exhaustive()
    }
}

/// Hides a password in `scheme://user:password@host/…`.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read configuration file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("configuration file {path}: {source}")]
    Parse {
        path: String,
        source: toml::de::Error,
    },
    #[error("environment variable {name}: {reason}")]
    Env { name: String, reason: String },
}

impl Config {
    /// Defaults, then `SD_CONFIG` (TOML), then environment variables.
    pub fn load() -> Result<Config, ConfigError> {
        let mut config = match std::env::var("SD_CONFIG") {
            Ok(path) if !path.is_empty() => {
                let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
                    path: path.clone(),
                    source,
                })?;
                toml::from_str(&text).map_err(|source| ConfigError::Parse { path, source })?
            }
            _ => Config::default(),
        };
        config.apply_env(|name| std::env::var(name).ok())?;
        Ok(config)
    }

    /// Overrides from environment variables; `get` is injectable for tests.
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        fn parse<T: std::str::FromStr>(name: &str, value: String) -> Result<T, ConfigError> {
            value.parse().map_err(|_| ConfigError::Env {
                name: name.into(),
                reason: format!("cannot parse {value:?}"),
            })
        }
        if let Some(v) = get("DATABASE_URL").or_else(|| get("SD_DATABASE_URL")) {
            self.database_url = v;
        }
        if let Some(v) = get("SD_DATA_DIR") {
            self.data_dir = v.into();
        }
        if let Some(v) = get("SD_SESSION_HOURS") {
            self.session_hours = parse("SD_SESSION_HOURS", v)?;
        }
        if let Some(v) = get("SD_UPLOAD_MAX_BYTES") {
            self.upload_max_bytes = parse("SD_UPLOAD_MAX_BYTES", v)?;
        }
        if let Some(v) = get("SD_UTC_OFFSET_HOURS") {
            self.utc_offset_hours = parse("SD_UTC_OFFSET_HOURS", v)?;
        }
        if let Some(v) = get("SD_SECURE_COOKIES") {
            self.secure_cookies = parse("SD_SECURE_COOKIES", v)?;
        }
        if let Some(v) = get("SD_DEMO_DATA") {
            self.demo_data = parse("SD_DEMO_DATA", v)?;
        }
        if let Some(v) = get("SD_LDAP_URL") {
            self.directory.url = v;
        }
        if let Some(v) = get("SD_LDAP_BIND_DN") {
            self.directory.bind_dn = v;
        }
        if let Some(v) = get("SD_LDAP_BIND_PASSWORD") {
            self.directory.bind_password = v;
        }
        Ok(())
    }

    pub fn utc_offset(&self) -> chrono::FixedOffset {
        chrono::FixedOffset::east_opt(self.utc_offset_hours * 3600)
            .unwrap_or_else(|| chrono::FixedOffset::east_opt(3 * 3600).unwrap_or(chrono::Utc.fix()))
    }
}

use chrono::Offset;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_overrides_defaults_and_bad_numbers_are_named() {
        let mut c = Config::default();
        c.apply_env(|n| match n {
            "DATABASE_URL" => Some("postgres://u:secret@127.0.0.1/db".into()),
            "SD_LDAP_URL" => Some("ldap://127.0.0.1:4000".into()),
            _ => None,
        })
        .expect("env");
        assert_eq!(c.directory.url, "ldap://127.0.0.1:4000");
        assert!(!format!("{c:?}").contains("secret"));
        let err = c
            .apply_env(|n| (n == "SD_SESSION_HOURS").then(|| "twelve".into()))
            .expect_err("invalid");
        assert!(err.to_string().contains("SD_SESSION_HOURS"));
    }

    #[test]
    fn a_configuration_file_may_set_only_some_keys() {
        let c: Config =
            toml::from_str("session_hours = 8\n[directory]\nurl = \"ldap://dir:389\"\n")
                .expect("toml");
        assert_eq!(c.session_hours, 8);
        assert_eq!(c.directory.url, "ldap://dir:389");
        assert_eq!(c.directory.bind_dn, DirectoryConfig::default().bind_dn);
        assert!(toml::from_str::<Config>("sesion_hours = 8").is_err());
    }
}
