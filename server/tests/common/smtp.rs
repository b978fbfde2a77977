//! A real SMTP server process on loopback (aiosmtpd, installed by `make
//! test`) delivering into a Maildir, and the app state that sends to it.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};

use app::server::AppState;
use app::server::config::{SmtpConfig, SmtpSecurity};

/// The Python that has the test servers (aiosmtpd, moto), installed by
/// `make test`.
pub fn test_python() -> String {
    std::env::var("SD_TEST_SMTP_PYTHON").unwrap_or_else(|_| {
        format!(
            "{}/.cache/servicedesk-tools/py/bin/python3",
            std::env::var("HOME").unwrap_or_default()
        )
    })
}

/// A real SMTP server process delivering into a Maildir.
pub struct SmtpServer {
    child: Child,
    pub port: u16,
    pub maildir: PathBuf,
    _dir: tempfile::TempDir,
}

impl SmtpServer {
    // The child is killed and waited for in `Drop`, which clippy cannot see.
    #[allow(clippy::zombie_processes)]
    pub fn start() -> SmtpServer {
        let python = test_python();
        let dir = tempfile::tempdir().expect("tempdir");
        let maildir = dir.path().join("mail");
        let port = super::node::free_port();
        let child = Command::new(&python)
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(&maildir)
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start aiosmtpd with {python} (run `make test`, which installs it): {e}"
                )
            });
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return SmtpServer {
                    child,
                    port,
                    maildir,
                    _dir: dir,
                };
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("aiosmtpd did not answer on port {port}");
    }

    /// (to, subject, text body) of every message received.
    pub fn messages(&self) -> Vec<(String, String, String)> {
        let mut out = Vec::new();
        for sub in ["new", "cur"] {
            let Ok(entries) = std::fs::read_dir(self.maildir.join(sub)) else {
                continue;
            };
            for entry in entries.flatten() {
                out.push(parse(&entry.path()));
            }
        }
        out.sort();
        out
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn parse(path: &Path) -> (String, String, String) {
    let raw = std::fs::read(path).expect("message");
    let message = mail_parser::MessageParser::default()
        .parse(&raw)
        .expect("parsable");
    let to = message
        .to()
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .unwrap_or_default()
        .to_string();
    let subject = message.subject().unwrap_or_default().to_string();
    let body = message
        .body_text(0)
        .map(|b| b.to_string())
        .unwrap_or_default();
    (to, subject, body)
}

pub fn with_smtp(state: &AppState, port: u16) -> AppState {
    let mut config = (*state.config).clone();
    config.smtp = Some(SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        from: "Служба поддержки <servicedesk@servicedesk.test>".into(),
        security: SmtpSecurity::None,
        username: String::new(),
        password: String::new(),
        timeout_secs: 5,
    });
    let mut s = AppState::new(state.db.clone(), config);
    s.clock = state.clock.clone();
    s
}
