//! An S3-compatible object store process on loopback (moto's server,
//! installed by `make test`) with one bucket, and the file store that
//! talks to it.

use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};

use app::server::config::ObjectStoreConfig;
use app::server::files::FileStore;

/// A real S3 server process with a fresh bucket.
pub struct S3Server {
    child: Child,
    pub port: u16,
    pub bucket: String,
}

/// One plain HTTP/1.1 exchange; the status code and the body.
fn http(port: u16, method: &str, target: &str) -> (u16, String) {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    write!(
        stream,
        "{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

impl S3Server {
    // The child is killed and waited for in `Drop`, which clippy cannot see.
    #[allow(clippy::zombie_processes)]
    pub fn start() -> S3Server {
        let python = super::smtp::test_python();
        let port = super::node::free_port();
        let child = Command::new(&python)
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p"])
            .arg(port.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start moto with {python} (run `make test`, which installs it): {e}")
            });
        let bucket = "servicedesk-files".to_string();
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                let (status, body) = http(port, "PUT", &format!("/{bucket}"));
                assert_eq!(status, 200, "bucket not made: {body}");
                return S3Server {
                    child,
                    port,
                    bucket,
                };
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("moto did not answer on port {port}");
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn config(&self, prefix: &str) -> ObjectStoreConfig {
        ObjectStoreConfig {
            bucket: self.bucket.clone(),
            endpoint: Some(self.endpoint()),
            region: "us-east-1".into(),
            access_key_id: "servicedesk".into(),
            secret_access_key: "test-secret".into(),
            prefix: prefix.into(),
        }
    }

    /// The file store of an app state that uses this bucket.
    pub fn store(&self, prefix: &str) -> FileStore {
        FileStore::objects(&self.config(prefix)).expect("object store")
    }

    /// The environment of a node that uses this bucket.
    pub fn env(&self, prefix: &str) -> Vec<(String, String)> {
        vec![
            ("SD_S3_BUCKET".into(), self.bucket.clone()),
            ("SD_S3_ENDPOINT".into(), self.endpoint()),
            ("SD_S3_ACCESS_KEY_ID".into(), "servicedesk".into()),
            ("SD_S3_SECRET_ACCESS_KEY".into(), "test-secret".into()),
            ("SD_S3_PREFIX".into(), prefix.into()),
        ]
    }

    /// Every key in the bucket, in order, as the store's own listing gives.
    pub fn keys(&self) -> Vec<String> {
        let (status, body) = http(self.port, "GET", &format!("/{}?list-type=2", self.bucket));
        assert_eq!(status, 200, "{body}");
        let mut keys: Vec<String> = body
            .split("<Key>")
            .skip(1)
            .filter_map(|s| s.split_once("</Key>").map(|(k, _)| k.to_string()))
            .collect();
        keys.sort();
        keys
    }

    /// Stops the store (it answers no more).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.stop();
    }
}
