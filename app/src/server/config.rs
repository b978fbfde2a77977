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
    /// A session unused this long ends, in minutes.
    pub session_idle_minutes: i64,
    /// Largest accepted attachment, in bytes.
    pub upload_max_bytes: u64,
    /// The body's time zone (IANA name).
    pub time_zone: String,
    /// Working hours, `HH:MM`: start, end, and end on shortened days.
    pub work_start: String,
    pub work_end: String,
    pub shortened_end: String,
    /// Mark cookies `Secure`: set when the app is served over HTTPS.
    pub secure_cookies: bool,
    /// The address people open, e.g. `https://sd.example.gov.ru`: a browser's
    /// form post must come from it. Unset: from the host the request names.
    pub public_origin: Option<String>,
    /// Behind a reverse proxy: the header it writes the client's address
    /// into (`X-Forwarded-For`, `X-Real-IP`); sign-in throttling counts by
    /// it. Unset: the connecting address (set it behind a proxy, or every
    /// client shares the proxy's count).
    pub client_ip_header: Option<String>,
    /// File the demo requests at start-up when the database has none (`make run`).
    pub demo_data: bool,
    /// For tests and demonstrations only: the clock starts at this moment
    /// (RFC 3339) and runs on from there.
    pub clock_start: Option<String>,
    pub directory: DirectoryConfig,
    /// Outgoing mail; without a host, mail waits in the outbox.
    pub smtp: Option<SmtpConfig>,
    /// Run the scheduled jobs (digests, control, overdue notices, mail) in this instance.
    pub jobs: bool,
    /// Stored files in an S3-compatible object store; without it, in the
    /// database.
    pub object_store: Option<ObjectStoreConfig>,
}

/// An S3-compatible bucket (Amazon S3, MinIO, Ceph RGW, Yandex Object
/// Storage, …) that every node reaches.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectStoreConfig {
    pub bucket: String,
    /// The store's address, e.g. `https://storage.example.gov.ru`; unset:
    /// Amazon S3 of the region. `http://` is allowed (a store on the same
    /// network).
    #[serde(default)]
    pub endpoint: Option<String>,
    #[serde(default = "default_region")]
    pub region: String,
    #[serde(default)]
    pub access_key_id: String,
    #[serde(default)]
    pub secret_access_key: String,
    /// Keys start with this (e.g. `servicedesk/`), so one bucket may hold
    /// other things too.
    #[serde(default)]
    pub prefix: String,
}

fn default_region() -> String {
    "us-east-1".into()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    /// Plain SMTP (a relay on the same host or network).
    None,
    Starttls,
    /// SMTP over TLS (port 465).
    Tls,
}

#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    #[serde(default = "default_smtp_port")]
    pub port: u16,
    /// The sender, e.g. `Служба поддержки <servicedesk@example.gov.ru>`.
    pub from: String,
    #[serde(default = "default_smtp_security")]
    pub security: SmtpSecurity,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub password: String,
    #[serde(default = "default_smtp_timeout")]
    pub timeout_secs: u64,
}

fn default_smtp_port() -> u16 {
    25
}

fn default_smtp_security() -> SmtpSecurity {
    SmtpSecurity::Starttls
}

fn default_smtp_timeout() -> u64 {
    10
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
    /// Finds people by part of their name or login (the person lookup);
    /// `{text}` is replaced by the escaped text typed.
    pub people_filter: String,
    pub group_base: String,
    /// `{dn}` is replaced by the escaped user DN.
    pub group_filter: String,
    pub timeout_secs: u64,
    /// Upgrade an `ldap://` connection with StartTLS before any bind, so
    /// passwords never cross in clear (`ldaps://` is TLS from the start).
    pub starttls: bool,
    /// Group DN → roles (`employee`, `executor:IT`, `head:IT`, `admin`).
    pub roles: BTreeMap<String, Vec<String>>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: "sqlite://data/servicedesk.db?mode=rwc".into(),
            data_dir: PathBuf::from("data"),
            session_hours: 12,
            session_idle_minutes: 120,
            upload_max_bytes: 10 * 1024 * 1024,
            time_zone: "Europe/Moscow".into(),
            work_start: "09:00".into(),
            work_end: "18:00".into(),
            shortened_end: "17:00".into(),
            secure_cookies: false,
            public_origin: None,
            client_ip_header: None,
            demo_data: false,
            clock_start: None,
            directory: DirectoryConfig::default(),
            smtp: None,
            jobs: true,
            object_store: None,
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
            people_filter: "(&(objectClass=inetOrgPerson)(!(employeeType=disabled))(|(uid={text}*)(sn={text}*)(cn=*{text}*)(displayName=*{text}*)))"
                .into(),
            group_base: "ou=groups,dc=servicedesk,dc=test".into(),
            group_filter: "(&(objectClass=groupOfNames)(member={dn}))".into(),
            timeout_secs: 5,
            starttls: false,
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
            .field("session_idle_minutes", &self.session_idle_minutes)
            .field("upload_max_bytes", &self.upload_max_bytes)
            .field("time_zone", &self.time_zone)
            .field(
                "working_hours",
                &(&self.work_start, &self.work_end, &self.shortened_end),
            )
            .field("secure_cookies", &self.secure_cookies)
            .field("public_origin", &self.public_origin)
            .field("client_ip_header", &self.client_ip_header)
            .field("directory.url", &self.directory.url)
            .field("directory.bind_dn", &self.directory.bind_dn)
            .field("directory.starttls", &self.directory.starttls)
            .field(
                "smtp.host",
                &self.smtp.as_ref().map(|s| format!("{}:{}", s.host, s.port)),
            )
            .field("jobs", &self.jobs)
            .field(
                "object_store",
                &self
                    .object_store
                    .as_ref()
                    .map(|o| (&o.endpoint, &o.bucket, &o.prefix)),
            )
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
    #[error("configuration {key}: {reason}")]
    Invalid { key: String, reason: String },
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
        config.validate()?;
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
        if let Some(v) = get("SD_SESSION_IDLE_MINUTES") {
            self.session_idle_minutes = parse("SD_SESSION_IDLE_MINUTES", v)?;
        }
        if let Some(v) = get("SD_UPLOAD_MAX_BYTES") {
            self.upload_max_bytes = parse("SD_UPLOAD_MAX_BYTES", v)?;
        }
        if let Some(v) = get("SD_TIME_ZONE") {
            self.time_zone = v;
        }
        if let Some(v) = get("SD_WORK_START") {
            self.work_start = v;
        }
        if let Some(v) = get("SD_WORK_END") {
            self.work_end = v;
        }
        if let Some(v) = get("SD_SHORTENED_END") {
            self.shortened_end = v;
        }
        if let Some(v) = get("SD_SECURE_COOKIES") {
            self.secure_cookies = parse("SD_SECURE_COOKIES", v)?;
        }
        if let Some(v) = get("SD_PUBLIC_ORIGIN").filter(|v| !v.is_empty()) {
            self.public_origin = Some(v.trim_end_matches('/').to_string());
        }
        if let Some(v) = get("SD_CLIENT_IP_HEADER").filter(|v| !v.is_empty()) {
            self.client_ip_header = Some(v);
        }
        if let Some(v) = get("SD_CLOCK_START").filter(|v| !v.is_empty()) {
            self.clock_start = Some(v);
        }
        if let Some(v) = get("SD_DEMO_DATA") {
            self.demo_data = parse("SD_DEMO_DATA", v)?;
        }
        if let Some(v) = get("SD_JOBS") {
            self.jobs = parse("SD_JOBS", v)?;
        }
        if let Some(host) = get("SD_SMTP_HOST").filter(|h| !h.is_empty()) {
            let port = get("SD_SMTP_PORT")
                .map(|v| parse("SD_SMTP_PORT", v))
                .transpose()?
                .unwrap_or(default_smtp_port());
            let security = match get("SD_SMTP_SECURITY").as_deref() {
                None => default_smtp_security(),
                Some("none") => SmtpSecurity::None,
                Some("starttls") => SmtpSecurity::Starttls,
                Some("tls") => SmtpSecurity::Tls,
                Some(other) => {
                    return Err(ConfigError::Env {
                        name: "SD_SMTP_SECURITY".into(),
                        reason: format!("{other:?} is not none, starttls or tls"),
                    });
                }
            };
            self.smtp = Some(SmtpConfig {
                host,
                port,
                from: get("SD_SMTP_FROM")
                    .unwrap_or_else(|| "Служба поддержки <servicedesk@localhost>".into()),
                security,
                username: get("SD_SMTP_USERNAME").unwrap_or_default(),
                password: get("SD_SMTP_PASSWORD").unwrap_or_default(),
                timeout_secs: default_smtp_timeout(),
            });
        }
        if let Some(bucket) = get("SD_S3_BUCKET").filter(|b| !b.is_empty()) {
            let non_empty = |name: &str| get(name).filter(|v| !v.is_empty());
            self.object_store = Some(ObjectStoreConfig {
                bucket,
                endpoint: non_empty("SD_S3_ENDPOINT"),
                region: non_empty("SD_S3_REGION").unwrap_or_else(default_region),
                access_key_id: get("SD_S3_ACCESS_KEY_ID").unwrap_or_default(),
                secret_access_key: get("SD_S3_SECRET_ACCESS_KEY").unwrap_or_default(),
                prefix: get("SD_S3_PREFIX").unwrap_or_default(),
            });
        }
        if let Some(v) = get("SD_LDAP_URL") {
            self.directory.url = v;
        }
        if let Some(v) = get("SD_LDAP_STARTTLS") {
            self.directory.starttls = parse("SD_LDAP_STARTTLS", v)?;
        }
        if let Some(v) = get("SD_LDAP_BIND_DN") {
            self.directory.bind_dn = v;
        }
        if let Some(v) = get("SD_LDAP_BIND_PASSWORD") {
            self.directory.bind_password = v;
        }
        Ok(())
    }

    /// The time zone, checked.
    pub fn tz(&self) -> Result<chrono_tz::Tz, ConfigError> {
        self.time_zone.parse().map_err(|_| ConfigError::Invalid {
            key: "time_zone".into(),
            reason: format!("unknown time zone {:?}", self.time_zone),
        })
    }

    /// Working hours, checked: start < shortened end <= end.
    pub fn working_hours(&self) -> Result<WorkingHours, ConfigError> {
        let time = |key: &str, v: &str| {
            NaiveTime::parse_from_str(v, "%H:%M").map_err(|_| ConfigError::Invalid {
                key: key.into(),
                reason: format!("{v:?} is not HH:MM"),
            })
        };
        let hours = WorkingHours {
            start: time("work_start", &self.work_start)?,
            end: time("work_end", &self.work_end)?,
            shortened_end: time("shortened_end", &self.shortened_end)?,
        };
        if !(hours.start < hours.shortened_end && hours.shortened_end <= hours.end) {
            return Err(ConfigError::Invalid {
                key: "work_start, shortened_end, work_end".into(),
                reason: "expected start < shortened end <= end".into(),
            });
        }
        Ok(hours)
    }

    /// The shifted start of the clock, if configured.
    pub fn clock_start(&self) -> Result<Option<chrono::DateTime<chrono::Utc>>, ConfigError> {
        self.clock_start
            .as_deref()
            .map(|v| {
                chrono::DateTime::parse_from_rfc3339(v)
                    .map(|t| t.with_timezone(&chrono::Utc))
                    .map_err(|_| ConfigError::Invalid {
                        key: "clock_start".into(),
                        reason: format!("{v:?} is not an RFC 3339 time"),
                    })
            })
            .transpose()
    }

    /// Checks the values that are parsed later.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if let Some(smtp) = &self.smtp {
            smtp.from
                .parse::<lettre::message::Mailbox>()
                .map_err(|_| ConfigError::Invalid {
                    key: "smtp.from".into(),
                    reason: format!("{:?} is not a mail address", smtp.from),
                })?;
        }
        if let Some(o) = &self.object_store {
            super::files::FileStore::objects(o).map_err(|e| ConfigError::Invalid {
                key: "object_store".into(),
                reason: e.to_string(),
            })?;
        }
        self.clock_start()?;
        self.tz()?;
        self.working_hours()?;
        Ok(())
    }
}

use crate::domain::calendar::WorkingHours;
use chrono::NaiveTime;

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

    #[test]
    fn time_zone_and_working_hours_are_checked() {
        assert!(Config::default().validate().is_ok());
        let bad_zone = Config {
            time_zone: "Mars/Olympus".into(),
            ..Config::default()
        };
        assert!(
            bad_zone
                .validate()
                .expect_err("zone")
                .to_string()
                .contains("time_zone")
        );
        let backwards = Config {
            work_end: "08:00".into(),
            ..Config::default()
        };
        assert!(backwards.validate().is_err());
        let nonsense = Config {
            work_start: "nine".into(),
            ..Config::default()
        };
        assert!(
            nonsense
                .validate()
                .expect_err("time")
                .to_string()
                .contains("work_start")
        );
    }
}
