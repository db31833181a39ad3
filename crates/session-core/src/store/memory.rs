//! [`MemoryStore`]: a store in this process's memory, with the same lock, expiry and fencing
//! rules as the shared stores.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use tokio::sync::Notify;

use super::{SessionStore, StoreLock, StoredRecord};
use crate::clock::{Clock, SystemClock};
use crate::error::Result;

/// A store in this process's memory: sessions survive a manager being rebuilt and are shared by
/// managers holding the same store (clones share it).
///
/// Its lock behaves like a shared store's: it issues a new generation each time it is taken, is
/// lost when its TTL ends without [`StoreLock::extend`], and a write whose generation is no longer
/// the newest is refused.
#[derive(Clone, Default)]
pub struct MemoryStore {
    inner: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    slots: Mutex<HashMap<String, Slot>>,
    /// Woken whenever a lock is released.
    released: Notify,
}

#[derive(Default)]
struct Slot {
    record: Option<StoredRecord>,
    /// The newest generation issued for this key.
    issued: u64,
    holder: Option<Holder>,
}

struct Holder {
    generation: u64,
    until: SystemTime,
}

/// `now + ttl`, or the end of year 9999 for a TTL beyond it.
fn deadline(now: SystemTime, ttl: Duration) -> SystemTime {
    crate::timing::after(now, ttl)
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self
            .inner
            .slots
            .lock()
            .map(|s| s.values().filter(|s| s.record.is_some()).count())
            .unwrap_or(0);
        f.debug_struct("MemoryStore").field("records", &n).finish()
    }
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Shared {
    fn slots(&self) -> MutexGuard<'_, HashMap<String, Slot>> {
        self.slots.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Releases `key`'s lock if `generation` still holds it.
    fn release(&self, key: &str, generation: u64) {
        let mut slots = self.slots();
        if let Some(slot) = slots.get_mut(key)
            && slot
                .holder
                .as_ref()
                .is_some_and(|h| h.generation == generation)
        {
            slot.holder = None;
            drop(slots);
            self.released.notify_waiters();
        }
    }
}

struct MemoryLock {
    store: Arc<Shared>,
    key: String,
    generation: u64,
}

#[async_trait]
impl StoreLock for MemoryLock {
    fn generation(&self) -> u64 {
        self.generation
    }

    async fn extend(&self, ttl: Duration) -> Result<bool> {
        let mut slots = self.store.slots();
        let now = SystemClock.now();
        let Some(holder) = slots.get_mut(&self.key).and_then(|s| s.holder.as_mut()) else {
            return Ok(false);
        };
        if holder.generation != self.generation || holder.until <= now {
            return Ok(false);
        }
        holder.until = deadline(now, ttl);
        Ok(true)
    }

    async fn release(self: Box<Self>) -> Result<()> {
        // Dropping releases.
        Ok(())
    }
}

impl Drop for MemoryLock {
    fn drop(&mut self) {
        self.store.release(&self.key, self.generation);
    }
}

#[async_trait]
impl SessionStore for MemoryStore {
    async fn load(&self, key: &str) -> Result<Option<StoredRecord>> {
        Ok(self.inner.slots().get(key).and_then(|s| s.record.clone()))
    }

    async fn save(&self, key: &str, record: &StoredRecord, fence: u64) -> Result<bool> {
        record.to_bounded_json()?;
        let mut slots = self.inner.slots();
        let slot = slots.entry(key.to_owned()).or_default();
        if fence != slot.issued
            || slot
                .record
                .as_ref()
                .is_some_and(|r| r.generation > record.generation)
        {
            return Ok(false);
        }
        slot.record = Some(record.clone());
        Ok(true)
    }

    async fn delete(&self, key: &str, generation: Option<u64>) -> Result<()> {
        let mut slots = self.inner.slots();
        if let Some(slot) = slots.get_mut(key)
            && slot
                .record
                .as_ref()
                .is_some_and(|r| generation.is_none_or(|g| g == r.generation))
        {
            slot.record = None;
        }
        Ok(())
    }

    async fn lock(&self, key: &str, ttl: Duration) -> Result<Box<dyn StoreLock>> {
        loop {
            let released = self.inner.released.notified();
            let mut released = std::pin::pin!(released);
            released.as_mut().enable();
            let wait = {
                let mut slots = self.inner.slots();
                let slot = slots.entry(key.to_owned()).or_default();
                let now = SystemClock.now();
                match &slot.holder {
                    Some(h) if h.until > now => h.until.duration_since(now).unwrap_or_default(),
                    _ => {
                        slot.issued += 1;
                        slot.holder = Some(Holder {
                            generation: slot.issued,
                            until: deadline(now, ttl),
                        });
                        return Ok(Box::new(MemoryLock {
                            store: self.inner.clone(),
                            key: key.to_owned(),
                            generation: slot.issued,
                        }));
                    }
                }
            };
            tokio::select! {
                () = released => {}
                () = tokio::time::sleep(wait) => {}
            }
        }
    }
}
