//! The login lock a [`RedisSessionStore`](crate::RedisSessionStore) hands out: a plain key taken
//! with its fencing generation, extended and released by compare-and-set scripts.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use session_core::{Result, StoreLock};

use super::scripts::EXTEND;
use super::{Inner, millis};

/// A held login lock. [`release`](StoreLock::release) deletes it if it still holds this holder's
/// value (its generation and random token); dropping it unreleased releases it in the background
/// (inside a Tokio runtime), and a holder that dies loses it when its TTL ends.
pub(super) struct RedisLock {
    pub(super) inner: Arc<Inner>,
    pub(super) key: String,
    pub(super) value: String,
    pub(super) generation: u64,
    pub(super) released: bool,
}

#[async_trait]
impl StoreLock for RedisLock {
    fn generation(&self) -> u64 {
        self.generation
    }

    async fn extend(&self, ttl: Duration) -> Result<bool> {
        let (lk, value) = (self.key.as_str(), self.value.as_str());
        let ttl_ms = millis(ttl);
        let extended: i64 = self
            .inner
            .run(|mut c| async move {
                EXTEND
                    .key(lk)
                    .arg(value)
                    .arg(ttl_ms)
                    .invoke_async(&mut c)
                    .await
            })
            .await?;
        Ok(extended == 1)
    }

    async fn release(mut self: Box<Self>) -> Result<()> {
        self.released = true;
        self.inner.release(&self.key, &self.value).await
    }
}

impl Drop for RedisLock {
    fn drop(&mut self) {
        if self.released {
            return;
        }
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            let inner = self.inner.clone();
            let key = std::mem::take(&mut self.key);
            let value = std::mem::take(&mut self.value);
            rt.spawn(async move {
                let _ = inner.release(&key, &value).await;
            });
        }
    }
}
