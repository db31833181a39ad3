//! [`RedisSessionStore`]: session-core's [`SessionStore`] on Redis.
//!
//! One hash per account holds the generation (`g`) and the value (`v`: the record's JSON, or that
//! JSON sealed); every write and every delete is a Lua script that compares generations on the
//! server; the login lock is a plain key taken with `SET NX PX` and released by compare-and-delete.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use redis::RedisResult;
use session_core::{Clock, MAX_RECORD_BYTES, Result, SessionStore, StoreLock, StoredRecord};

use crate::backend::{Backend, Conn};
use crate::config::RedisStoreBuilder;
use crate::error::{configuration, from_redis, is_connection_failure, timed_out};
use crate::seal::{Sealer, is_sealed};

mod lock;
mod scripts;

use lock::RedisLock;
use scripts::{ACQUIRE, DELETE, LOAD, RELEASE, SAVE};

/// The largest stored value read: a record of [`MAX_RECORD_BYTES`] plus room for sealing.
const MAX_VALUE_BYTES: usize = MAX_RECORD_BYTES + 1024;

/// A [`SessionStore`] on Redis: many processes and hosts share one login per account.
///
/// Cheap to clone (clones share one connection). Build with [`RedisSessionStore::builder`]; hand
/// it to a manager with `SessionManager::builder(provider).store(Arc::new(store))`. See the
/// [crate docs](crate) for the key layout, TTLs, failover behaviour and security.
///
/// The connection is made on first use, so building a store succeeds while Redis is down (the
/// manager then logs in locally and reports the store as degraded). Use
/// [`RedisStoreBuilder::connect`] to fail at start-up instead.
#[derive(Clone)]
pub struct RedisSessionStore {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) backend: Backend,
    pub(crate) redacted_url: String,
    pub(crate) prefix: String,
    pub(crate) connect_timeout: Duration,
    pub(crate) command_timeout: Duration,
    pub(crate) lock_poll_interval: Duration,
    pub(crate) ttl_margin: Duration,
    pub(crate) max_key_ttl: Option<Duration>,
    pub(crate) sealer: Option<Sealer>,
    pub(crate) clock: Arc<dyn Clock>,
}

impl fmt::Debug for RedisSessionStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("RedisSessionStore")
            .field("url", &i.redacted_url)
            .field("cluster", &i.backend.is_cluster())
            .field("prefix", &i.prefix)
            .field("connect_timeout", &i.connect_timeout)
            .field("command_timeout", &i.command_timeout)
            .field("lock_poll_interval", &i.lock_poll_interval)
            .field("ttl_margin", &i.ttl_margin)
            .field("max_key_ttl", &i.max_key_ttl)
            .field(
                "encryption",
                &match &i.sealer {
                    Some(s) => format!("xchacha20poly1305 ({} keys)", s.key_count()),
                    None => "off".to_owned(),
                },
            )
            .finish()
    }
}

/// How long a record's key should live.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyTtl {
    /// No expiry (a session that never expires, no cap configured).
    Persist,
    /// This many milliseconds (at least 1).
    Millis(u64),
}

impl KeyTtl {
    fn as_arg(self) -> u64 {
        match self {
            Self::Persist => 0,
            Self::Millis(ms) => ms.max(1),
        }
    }
}

/// The longest TTL sent to Redis (100 years): Redis refuses an expiry past its clock's range.
const MAX_TTL_MS: u64 = 100 * 365 * 24 * 3600 * 1000;

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis())
        .unwrap_or(u64::MAX)
        .clamp(1, MAX_TTL_MS)
}

/// The key TTL for `record` at `now`: a little below the session's remaining life (by `margin`,
/// but never more than a tenth of that life), or until a ban ends, whichever is later; capped by
/// `cap`. A record with nothing left to keep gets 1 ms.
pub(crate) fn key_ttl(
    record: &StoredRecord,
    now: SystemTime,
    margin: Duration,
    cap: Option<Duration>,
) -> KeyTtl {
    let left = |t: SystemTime| t.duration_since(now).unwrap_or(Duration::ZERO);
    let session = record.session.as_ref().map(|s| match s.expires_at {
        None => None,
        Some(t) => {
            let life = left(t);
            Some(life.saturating_sub(margin.min(life / 10)))
        }
    });
    let ban = record.banned_until.map(left);
    let ttl = match (session, ban) {
        (Some(None), _) => None,
        (Some(Some(s)), Some(b)) => Some(s.max(b)),
        (Some(Some(s)), None) => Some(s),
        (None, Some(b)) => Some(b),
        (None, None) => Some(Duration::ZERO),
    };
    match (ttl, cap) {
        (None, None) => KeyTtl::Persist,
        (None, Some(c)) => KeyTtl::Millis(millis(c)),
        (Some(t), Some(c)) => KeyTtl::Millis(millis(t.min(c))),
        (Some(t), None) => KeyTtl::Millis(millis(t)),
    }
}

/// The associated data a sealed value is bound to: its Redis key and generation.
fn aad(record_key: &str, generation: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(record_key.len() + generation.len() + 20);
    out.extend_from_slice(b"session-redis/v1\0");
    out.extend_from_slice(record_key.as_bytes());
    out.push(0);
    out.extend_from_slice(generation.as_bytes());
    out
}

/// A random lock token (not a secret: it only tells holders apart).
fn lock_token() -> String {
    format!("{:032x}", fastrand::u128(..))
}

impl RedisSessionStore {
    /// Starts building a store for `url` (`redis://[user[:password]@]host[:port][/db]` or
    /// `redis+unix:///path/to/socket`). Nothing is checked or connected until
    /// [`build`](RedisStoreBuilder::build) or [`connect`](RedisStoreBuilder::connect).
    pub fn builder(url: impl Into<String>) -> RedisStoreBuilder {
        RedisStoreBuilder::new(url.into())
    }

    pub(crate) fn from_inner(inner: Inner) -> Self {
        Self {
            inner: Arc::new(inner),
        }
    }

    /// The key prefix.
    pub fn prefix(&self) -> &str {
        &self.inner.prefix
    }

    /// The Redis key of the record for a provider's store key: `<prefix>{<store_key>}:session`.
    /// The braces are a Redis Cluster hash tag: an account's keys share one slot.
    pub fn record_key(&self, store_key: &str) -> String {
        format!("{}{{{store_key}}}:session", self.inner.prefix)
    }

    /// The Redis key of the login lock for a provider's store key: `<prefix>{<store_key>}:lock`.
    pub fn lock_key(&self, store_key: &str) -> String {
        format!("{}{{{store_key}}}:lock", self.inner.prefix)
    }

    /// The Redis key of the fencing counter for a provider's store key:
    /// `<prefix>{<store_key>}:fence`. Each lock taken increments it; it has no TTL.
    pub fn fence_key(&self, store_key: &str) -> String {
        format!("{}{{{store_key}}}:fence", self.inner.prefix)
    }

    /// Whether this store talks to a Redis Cluster.
    pub fn is_cluster(&self) -> bool {
        self.inner.backend.is_cluster()
    }

    /// Checks that Redis answers (`PING`), within the command timeout.
    pub async fn ping(&self) -> Result<()> {
        let _: String = self
            .inner
            .run(|mut c| async move { redis::cmd("PING").query_async(&mut c).await })
            .await?;
        Ok(())
    }
}

impl Inner {
    /// Runs one store operation: at most two attempts (the second only after a refused or dropped
    /// connection, while the connection reconnects), all within the command timeout. A cluster
    /// connection also follows redirections and retries on its own, within the same bound.
    async fn run<T, F, Fut>(&self, op: F) -> Result<T>
    where
        F: Fn(Conn) -> Fut,
        Fut: Future<Output = RedisResult<T>>,
    {
        let attempt = async {
            let conn = self.backend.connection().await?;
            match op(conn.clone()).await {
                Ok(v) => Ok(v),
                Err(e) if is_connection_failure(&e) => op(conn).await.map_err(|e| from_redis(&e)),
                Err(e) => Err(from_redis(&e)),
            }
        };
        match tokio::time::timeout(self.command_timeout, attempt).await {
            Ok(result) => result,
            Err(_) => Err(timed_out()),
        }
    }

    async fn release(&self, lock_key: &str, value: &str) -> Result<()> {
        let _: i64 = self
            .run(|mut c| async move { RELEASE.key(lock_key).arg(value).invoke_async(&mut c).await })
            .await?;
        Ok(())
    }
}

#[async_trait]
impl SessionStore for RedisSessionStore {
    async fn load(&self, key: &str) -> Result<Option<StoredRecord>> {
        let record_key = self.record_key(key);
        let rk = record_key.as_str();
        let mut reply: Vec<Vec<u8>> = self
            .inner
            .run(
                |mut c| async move { LOAD.key(rk).arg(MAX_VALUE_BYTES).invoke_async(&mut c).await },
            )
            .await?;
        let value = match reply.len() {
            0 => return Ok(None),
            1 => return Err(configuration("stored session record is larger than 1 MiB")),
            _ => reply.swap_remove(1),
        };
        let generation = String::from_utf8(reply.swap_remove(0))
            .map_err(|_| configuration("unreadable stored session"))?;
        let unreadable = || configuration("unreadable stored session");
        let stored_generation: u64 = generation.parse().map_err(|_| unreadable())?;
        let json = match (&self.inner.sealer, is_sealed(&value)) {
            (Some(sealer), true) => sealer.open(&value, &aad(rk, &generation))?,
            (None, true) => {
                return Err(configuration(
                    "stored session is sealed but no encryption key is configured",
                ));
            }
            (Some(_), false) => {
                return Err(configuration(
                    "stored session is not sealed but an encryption key is configured",
                ));
            }
            (None, false) => String::from_utf8(value)
                .map(session_core::SecretState::new)
                .map_err(|_| unreadable())?,
        };
        let record = StoredRecord::from_json(json.expose_secret()).map_err(|_| unreadable())?;
        if record.generation != stored_generation {
            return Err(configuration("stored session is inconsistent"));
        }
        Ok(Some(record))
    }

    async fn save(&self, key: &str, record: &StoredRecord, fence: u64) -> Result<bool> {
        let record_key = self.record_key(key);
        let rk = record_key.as_str();
        let fence_key = self.fence_key(key);
        let fk = fence_key.as_str();
        let fence = fence.to_string();
        let f = fence.as_str();
        let generation = record.generation.to_string();
        let g = generation.as_str();
        let ttl = key_ttl(
            record,
            self.inner.clock.now(),
            self.inner.ttl_margin,
            self.inner.max_key_ttl,
        )
        .as_arg();
        let json = record.to_bounded_json()?;
        let sealed = match &self.inner.sealer {
            Some(sealer) => Some(sealer.seal(json.expose_secret().as_bytes(), &aad(rk, g))?),
            None => None,
        };
        let value: &[u8] = match &sealed {
            Some(v) => v,
            None => json.expose_secret().as_bytes(),
        };
        let written: i64 = self
            .inner
            .run(|mut c| async move {
                SAVE.key(rk)
                    .key(fk)
                    .arg(g)
                    .arg(value)
                    .arg(ttl)
                    .arg(f)
                    .invoke_async(&mut c)
                    .await
            })
            .await?;
        if written == 0 {
            tracing::debug!(
                store = "redis",
                generation = record.generation,
                "stale or unfenced session write refused"
            );
        }
        Ok(written == 1)
    }

    async fn delete(&self, key: &str, generation: Option<u64>) -> Result<()> {
        let record_key = self.record_key(key);
        let rk = record_key.as_str();
        let generation = generation.map(|g| g.to_string()).unwrap_or_default();
        let g = generation.as_str();
        let _: i64 = self
            .inner
            .run(|mut c| async move { DELETE.key(rk).arg(g).invoke_async(&mut c).await })
            .await?;
        Ok(())
    }

    async fn lock(&self, key: &str, ttl: Duration) -> Result<Box<dyn StoreLock>> {
        let lock_key = self.lock_key(key);
        let fence_key = self.fence_key(key);
        let token = lock_token();
        let ttl_ms = millis(ttl);
        let (lk, fk, tk) = (lock_key.as_str(), fence_key.as_str(), token.as_str());
        let mut waited = false;
        loop {
            let acquired: Option<String> = self
                .inner
                .run(|mut c| async move {
                    ACQUIRE
                        .key(lk)
                        .key(fk)
                        .arg(tk)
                        .arg(ttl_ms)
                        .invoke_async(&mut c)
                        .await
                })
                .await?;
            if let Some(generation) = acquired {
                let generation: u64 = generation
                    .parse()
                    .map_err(|_| configuration("the fencing counter is not a number"))?;
                if waited {
                    tracing::debug!(store = "redis", "login lock acquired after waiting");
                }
                return Ok(Box::new(RedisLock {
                    inner: self.inner.clone(),
                    key: lock_key,
                    value: format!("{generation} {token}"),
                    generation,
                    released: false,
                }));
            }
            if !waited {
                tracing::debug!(store = "redis", "waiting for another holder's login lock");
                waited = true;
            }
            let poll = self.inner.lock_poll_interval;
            let jitter = poll.mul_f64(0.5 * fastrand::f64());
            tokio::time::sleep(poll.saturating_add(jitter)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use session_core::{PersistedSession, SecretState};

    fn t(secs: u64) -> SystemTime {
        session_core::timing::from_unix_seconds(1_900_000_000 + secs as i64)
    }

    fn record(expires: Option<SystemTime>, ban: Option<SystemTime>, session: bool) -> StoredRecord {
        StoredRecord::new(
            "k",
            "p",
            1,
            session.then(|| PersistedSession::new(SecretState::new("{}"), expires)),
            ban,
        )
    }

    const MARGIN: Duration = Duration::from_secs(5);

    #[test]
    fn a_session_key_lives_a_little_less_than_the_session() {
        let r = record(Some(t(900)), None, true);
        assert_eq!(key_ttl(&r, t(0), MARGIN, None), KeyTtl::Millis(895_000));
    }

    #[test]
    fn a_short_session_loses_at_most_a_tenth_of_its_life() {
        let r = record(Some(t(10)), None, true);
        assert_eq!(key_ttl(&r, t(0), MARGIN, None), KeyTtl::Millis(9_000));
    }

    #[test]
    fn a_ban_record_lives_until_the_ban_ends() {
        let r = record(None, Some(t(1200)), false);
        assert_eq!(key_ttl(&r, t(0), MARGIN, None), KeyTtl::Millis(1_200_000));
    }

    #[test]
    fn a_session_with_a_longer_ban_lives_until_the_ban_ends() {
        let r = record(Some(t(60)), Some(t(600)), true);
        assert_eq!(key_ttl(&r, t(0), MARGIN, None), KeyTtl::Millis(600_000));
    }

    #[test]
    fn a_never_expiring_session_persists_unless_capped() {
        let r = record(None, None, true);
        assert_eq!(key_ttl(&r, t(0), MARGIN, None), KeyTtl::Persist);
        assert_eq!(
            key_ttl(&r, t(0), MARGIN, Some(Duration::from_secs(3600))),
            KeyTtl::Millis(3_600_000)
        );
        let capped = record(Some(t(7200)), None, true);
        assert_eq!(
            key_ttl(&capped, t(0), MARGIN, Some(Duration::from_secs(60))),
            KeyTtl::Millis(60_000)
        );
    }

    #[test]
    fn an_expired_record_gets_the_shortest_ttl() {
        let r = record(Some(t(10)), Some(t(5)), true);
        assert_eq!(key_ttl(&r, t(100), MARGIN, None), KeyTtl::Millis(1));
        let empty = record(None, None, false);
        assert_eq!(key_ttl(&empty, t(0), MARGIN, None), KeyTtl::Millis(1));
        assert_eq!(KeyTtl::Persist.as_arg(), 0);
    }

    #[test]
    fn associated_data_binds_key_and_generation() {
        assert_ne!(aad("a", "12"), aad("a1", "2"));
        assert_ne!(aad("a", "1"), aad("a", "2"));
    }

    #[test]
    fn lock_tokens_are_distinct() {
        let a = lock_token();
        assert_eq!(a.len(), 32);
        assert_ne!(a, lock_token());
    }
}
