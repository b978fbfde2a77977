//! Sign-in throttling: wrong passwords for one login from one address slow
//! down and then lock that pair; many wrong passwords from one address for
//! any logins (password spraying) lock the address. One directory bind at a
//! time per login, and a cap on binds at once for the whole instance.
//!
//! The counts live in this instance's memory: several instances each keep
//! their own, which multiplies an attacker's budget by their number but
//! keeps sign-in free of database writes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use tokio::sync::{OwnedMutexGuard, OwnedSemaphorePermit, Semaphore};

use crate::wire::AppError;

/// Failures of one login from one address before each next try waits.
pub const DELAY_AFTER: u32 = 5;
/// Failures of one login from one address that lock the pair.
pub const LOCK_AFTER: u32 = 20;
/// Failures from one address, any logins, that lock the address.
pub const ADDRESS_LOCK_AFTER: u32 = 100;
/// How long a lock lasts; failures older than this are forgotten.
pub const LOCK_MINUTES: i64 = 15;
/// The longest growing delay, in seconds.
const DELAY_MAX_SECS: i64 = 60;
/// Directory binds at once for the whole instance.
pub const BINDS_AT_ONCE: usize = 8;
/// Past this many remembered pairs, forgotten ones are swept out.
const SWEEP_ABOVE: usize = 10_000;

#[derive(Clone, Copy)]
struct Record {
    failures: u32,
    last: DateTime<Utc>,
    blocked_until: Option<DateTime<Utc>>,
}

pub struct SignInGuard {
    records: Mutex<HashMap<Key, Record>>,
    logins: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    binds: Arc<Semaphore>,
}

#[derive(Clone, PartialEq, Eq, Hash)]
enum Key {
    Pair(String, String),
    Address(String),
}

/// Held while one sign-in talks to the directory.
pub struct BindTurn {
    _login: OwnedMutexGuard<()>,
    _slot: OwnedSemaphorePermit,
}

impl Default for SignInGuard {
    fn default() -> Self {
        SignInGuard {
            records: Mutex::new(HashMap::new()),
            logins: Mutex::new(HashMap::new()),
            binds: Arc::new(Semaphore::new(BINDS_AT_ONCE)),
        }
    }
}

/// The longest login the directory accepts; longer ones never bind.
pub const LOGIN_MAX: usize = 100;

/// A login as a key: trimmed, lower-case, at most [`LOGIN_MAX`] characters,
/// so a guesser cannot make the tables hold long strings.
fn login_key(login: &str) -> String {
    login
        .trim()
        .chars()
        .take(LOGIN_MAX)
        .collect::<String>()
        .to_lowercase()
}

fn pair(login: &str, address: &str) -> Key {
    Key::Pair(login_key(login), address.to_string())
}

impl SignInGuard {
    fn records(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Record>> {
        self.records.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Refuses with the wait when the pair or the address is held back.
    pub fn check(&self, login: &str, address: &str, now: DateTime<Utc>) -> Result<(), AppError> {
        let records = self.records();
        let wait = [pair(login, address), Key::Address(address.to_string())]
            .iter()
            .filter_map(|k| records.get(k))
            .filter_map(|r| r.blocked_until)
            .filter(|until| *until > now)
            .max();
        match wait {
            Some(until) => Err(AppError::TooManyAttempts {
                retry_after_secs: u64::try_from((until - now).num_seconds().max(1)).unwrap_or(1),
            }),
            None => Ok(()),
        }
    }

    /// Counts a wrong password; returns the failures of the pair so far.
    pub fn failed(&self, login: &str, address: &str, now: DateTime<Utc>) -> u32 {
        let mut records = self.records();
        if records.len() > SWEEP_ABOVE {
            let forget = now - Duration::minutes(LOCK_MINUTES);
            records.retain(|_, r| r.last > forget || r.blocked_until.is_some_and(|u| u > now));
        }
        let mut count = |key: Key, delay_after: u32, lock_after: u32| {
            let r = records.entry(key).or_insert(Record {
                failures: 0,
                last: now,
                blocked_until: None,
            });
            if now - r.last > Duration::minutes(LOCK_MINUTES) {
                r.failures = 0;
            }
            r.failures += 1;
            r.last = now;
            r.blocked_until = if r.failures >= lock_after {
                Some(now + Duration::minutes(LOCK_MINUTES))
            } else if r.failures >= delay_after {
                // 1, 2, 4, … seconds, at most a minute.
                let step = (r.failures - delay_after).min(6);
                Some(now + Duration::seconds((1i64 << step).min(DELAY_MAX_SECS)))
            } else {
                None
            };
            r.failures
        };
        count(
            Key::Address(address.to_string()),
            ADDRESS_LOCK_AFTER / 4,
            ADDRESS_LOCK_AFTER,
        );
        count(pair(login, address), DELAY_AFTER, LOCK_AFTER)
    }

    /// A right password clears the pair (the address keeps its count).
    pub fn succeeded(&self, login: &str, address: &str) {
        self.records().remove(&pair(login, address));
    }

    /// Waits for this login's turn and a free directory slot.
    pub async fn turn(&self, login: &str) -> BindTurn {
        let lock = {
            let mut logins = self.logins.lock().unwrap_or_else(|e| e.into_inner());
            if logins.len() > SWEEP_ABOVE {
                logins.retain(|_, m| Arc::strong_count(m) > 1);
            }
            logins.entry(login_key(login)).or_default().clone()
        };
        let login = lock.lock_owned().await;
        let slot = self
            .binds
            .clone()
            .acquire_owned()
            .await
            .unwrap_or_else(|_| unreachable!("the semaphore is never closed"));
        BindTurn {
            _login: login,
            _slot: slot,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_790_000_000 + secs, 0).expect("time")
    }

    #[test]
    fn wrong_passwords_slow_down_then_lock_the_pair_only() {
        let g = SignInGuard::default();
        for i in 1..DELAY_AFTER {
            assert_eq!(g.failed("ivanova", "10.0.0.1", at(0)), i);
            assert!(g.check("ivanova", "10.0.0.1", at(0)).is_ok());
        }
        g.failed("ivanova", "10.0.0.1", at(0));
        assert_eq!(
            g.check("ivanova", "10.0.0.1", at(0)),
            Err(AppError::TooManyAttempts {
                retry_after_secs: 1
            })
        );
        assert!(
            g.check("ivanova", "10.0.0.1", at(1)).is_ok(),
            "the delay passes"
        );
        // Another address, another login: not held back.
        assert!(g.check("ivanova", "10.0.0.2", at(0)).is_ok());
        assert!(g.check("smirnov", "10.0.0.1", at(0)).is_ok());
        for _ in DELAY_AFTER..LOCK_AFTER {
            g.failed("IVANOVA ", "10.0.0.1", at(2));
        }
        assert_eq!(
            g.check("ivanova", "10.0.0.1", at(2)),
            Err(AppError::TooManyAttempts {
                retry_after_secs: 15 * 60
            })
        );
        assert!(
            g.check("ivanova", "10.0.0.1", at(2 + 15 * 60)).is_ok(),
            "the lock ends"
        );
        g.succeeded("ivanova", "10.0.0.1");
        g.failed("ivanova", "10.0.0.1", at(2000));
        assert!(
            g.check("ivanova", "10.0.0.1", at(2000)).is_ok(),
            "counted afresh"
        );
    }

    #[test]
    fn spraying_many_logins_from_one_address_locks_the_address() {
        let g = SignInGuard::default();
        for i in 0..ADDRESS_LOCK_AFTER {
            g.failed(&format!("user{i}"), "10.0.0.9", at(0));
        }
        assert!(matches!(
            g.check("someone", "10.0.0.9", at(0)),
            Err(AppError::TooManyAttempts { .. })
        ));
        assert!(g.check("someone", "10.0.0.10", at(0)).is_ok());
    }

    #[tokio::test]
    async fn one_bind_at_a_time_per_login() {
        let g = Arc::new(SignInGuard::default());
        let first = g.turn("ivanova").await;
        let g2 = g.clone();
        let second = tokio::spawn(async move {
            let _t = g2.turn("ivanova").await;
        });
        // Another login is not kept waiting.
        let _other = g.turn("smirnov").await;
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert!(!second.is_finished(), "waits for the first bind");
        drop(first);
        second.await.expect("then runs");
    }
}
