//! Resuming and sharing sessions through stores.

use std::sync::Arc;
use std::time::Duration;

use session_core::test_util::{FakeProvider, ManualClock};
use session_core::{ErrorKind, Event, FileStore, MemoryStore, SessionManager, SessionStore};

fn temp_path(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("session-core-it-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("session.json");
    let _ = std::fs::remove_file(&path);
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_resumes_a_stored_unexpired_session_instead_of_logging_in() {
    let clock = ManualClock::new();
    let store: Arc<dyn SessionStore> = Arc::new(MemoryStore::new());
    let provider = FakeProvider::new(clock.shared(), Duration::from_secs(900));
    let first = SessionManager::builder(provider.clone())
        .clock(clock.shared())
        .store(store.clone())
        .build();
    let lease = first.get().await.unwrap();
    drop(first);

    let second = SessionManager::builder(provider.clone())
        .clock(clock.shared())
        .store(store.clone())
        .build();
    let mut events = second.subscribe();
    let resumed = second.get().await.unwrap();
    assert_eq!(provider.logins(), 1);
    assert_eq!(resumed.token.expose_secret(), lease.token.expose_secret());
    assert_eq!(resumed.generation(), lease.generation());
    assert_eq!(
        events.try_recv().unwrap(),
        Event::Acquired {
            generation: 1,
            restored: true
        }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_stored_session_is_not_resumed() {
    let clock = ManualClock::new();
    let store: Arc<dyn SessionStore> = Arc::new(MemoryStore::new());
    let provider = FakeProvider::new(clock.shared(), Duration::from_secs(900));
    let first = SessionManager::builder(provider.clone())
        .clock(clock.shared())
        .store(store.clone())
        .build();
    first.get().await.unwrap();
    clock.advance(Duration::from_secs(1000));
    let second = SessionManager::builder(provider.clone())
        .clock(clock.shared())
        .store(store)
        .build();
    assert_eq!(second.get().await.unwrap().serial, 2);
    assert_eq!(provider.logins(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_session_refuses_to_load_into_another_provider() {
    let path = temp_path("other");
    let clock = ManualClock::new();
    let fake = FakeProvider::new(clock.shared(), Duration::from_secs(900));
    let m = SessionManager::builder(fake)
        .clock(clock.shared())
        .store(Arc::new(FileStore::new(&path)))
        .build();
    m.get().await.unwrap();

    let other = session_core::StaticTokenProvider::new(
        "other",
        session_core::StaticToken::bearer(session_core::AccessToken::new("x")),
    );
    let m2 = SessionManager::builder(other)
        .clock(clock.shared())
        .store(Arc::new(FileStore::new(&path)))
        .build();
    let e = m2.get().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    assert!(e.to_string().contains("another provider"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_managers_with_separate_file_store_handles_cause_one_login() {
    let path = temp_path("shared");
    let clock = ManualClock::new();
    let provider = FakeProvider::new(clock.shared(), Duration::from_secs(900));
    provider.close_gate();
    let a = SessionManager::builder(provider.clone())
        .clock(clock.shared())
        .store(Arc::new(FileStore::new(&path)))
        .build();
    let b = SessionManager::builder(provider.clone())
        .clock(clock.shared())
        .store(Arc::new(FileStore::new(&path)))
        .build();
    let mut tasks = Vec::new();
    for i in 0..40 {
        let m = if i % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move { m.get().await.map(|l| l.serial) }));
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    provider.open_gate();
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap(), 1);
    }
    assert_eq!(
        provider.logins(),
        1,
        "the second manager must take the first one's session"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalidation_is_not_undone_by_the_store() {
    let clock = ManualClock::new();
    let store: Arc<dyn SessionStore> = Arc::new(MemoryStore::new());
    let provider = FakeProvider::new(clock.shared(), Duration::from_secs(900));
    let m = SessionManager::builder(provider.clone())
        .clock(clock.shared())
        .store(store)
        .build();
    let lease = m.get().await.unwrap();
    assert!(m.invalidate(&lease));
    assert_eq!(
        m.get().await.unwrap().serial,
        2,
        "the rejected session must not come back from the store"
    );
    assert_eq!(provider.logins(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ban_is_remembered_in_the_store_across_managers() {
    let path = temp_path("ban");
    let clock = ManualClock::new();
    let provider = FakeProvider::new(clock.shared(), Duration::from_secs(900));
    provider.fail_logins(1, ErrorKind::RateLimited, Some(Duration::from_secs(1200)));
    let a = SessionManager::builder(provider.clone())
        .clock(clock.shared())
        .store(Arc::new(FileStore::new(&path)))
        .build();
    assert_eq!(a.get().await.unwrap_err().kind(), ErrorKind::RateLimited);
    drop(a);
    let b = SessionManager::builder(provider.clone())
        .clock(clock.shared())
        .store(Arc::new(FileStore::new(&path)))
        .build();
    let e = b.get().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert_eq!(
        provider.logins(),
        1,
        "a fresh manager learns the ban from the store and sends nothing"
    );
    clock.advance(Duration::from_secs(1201));
    assert!(b.get().await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unwritable_store_degrades_to_local_login() {
    let clock = ManualClock::new();
    let provider = FakeProvider::new(clock.shared(), Duration::from_secs(900));
    let store = FileStore::new("/proc/definitely/not/writable/session.json");
    let m = SessionManager::builder(provider.clone())
        .clock(clock.shared())
        .store(Arc::new(store))
        .build();
    let mut events = m.subscribe();
    assert!(m.get().await.is_ok());
    assert!(m.health().store_degraded);
    let mut saw = false;
    while let Ok(e) = events.try_recv() {
        saw |= matches!(e, Event::StoreUnavailable { .. });
    }
    assert!(saw);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restored_session_is_validated_once_when_the_provider_asks() {
    let clock = ManualClock::new();
    let store: Arc<dyn SessionStore> = Arc::new(MemoryStore::new());
    let provider = FakeProvider::new(clock.shared(), Duration::from_secs(900))
        .with_renewal(session_core::test_util::FakeRenewal::Extend)
        .with_validate_restored(true);
    let first = SessionManager::builder(provider.clone())
        .clock(clock.shared())
        .store(store.clone())
        .build();
    first.get().await.unwrap();
    drop(first);

    // Accepted upstream: one renewal, no login.
    let second = SessionManager::builder(provider.clone())
        .clock(clock.shared())
        .store(store.clone())
        .build();
    assert_eq!(second.get().await.unwrap().serial, 1);
    assert_eq!((provider.logins(), provider.renewals()), (1, 1));
    drop(second);

    // Ended elsewhere: the renewal says so, and the manager logs in instead of using it.
    provider.fail_renewals(1, ErrorKind::SessionRejected);
    let third = SessionManager::builder(provider.clone())
        .clock(clock.shared())
        .store(store)
        .build();
    assert_eq!(third.get().await.unwrap().serial, 2);
    assert_eq!((provider.logins(), provider.renewals()), (2, 2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_process_logs_in_with_a_generation_newer_than_the_stored_one() {
    let clock = ManualClock::new();
    let store = MemoryStore::new();
    let provider = FakeProvider::new(clock.shared(), Duration::from_secs(900));
    // Another process left generation 7 behind, now expired.
    let m = SessionManager::builder(provider.clone())
        .clock(clock.shared())
        .store(Arc::new(store.clone()))
        .build();
    m.get().await.unwrap();
    let mut record = store.load("fake").await.unwrap().unwrap();
    record.generation = 7;
    let lock = store.lock("fake", Duration::from_secs(5)).await.unwrap();
    assert!(
        store
            .save("fake", &record, lock.generation())
            .await
            .unwrap()
    );
    lock.release().await.unwrap();
    clock.advance(Duration::from_secs(1000));

    let fresh = SessionManager::builder(provider.clone())
        .clock(clock.shared())
        .store(Arc::new(store.clone()))
        .build();
    let lease = fresh.get().await.unwrap();
    assert_eq!(lease.generation(), 8);
    assert_eq!(
        store.load("fake").await.unwrap().unwrap().generation,
        8,
        "the new session was stored"
    );
}

/// Two managers sharing a stored session that renews into a new token (a rotating refresh token,
/// say): the renewal runs under the store's lock, and the second manager adopts the first one's
/// renewed session instead of renewing the old one again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_managers_renewing_one_stored_session_renew_once() {
    let path = temp_path("renew-once");
    let clock = ManualClock::new();
    let provider = FakeProvider::new(clock.shared(), Duration::from_secs(900))
        .with_renewal(session_core::test_util::FakeRenewal::NewToken);
    let manager = || {
        SessionManager::builder(provider.clone())
            .clock(clock.shared())
            .store(Arc::new(FileStore::new(&path)))
            .build()
    };
    let (a, b) = (manager(), manager());
    assert_eq!(a.get().await.unwrap().serial, 1);
    assert_eq!(b.get().await.unwrap().serial, 1);
    assert_eq!(provider.logins(), 1);

    // Past the renewal point (900 s minus a 60–70 s buffer), before expiry.
    clock.advance(Duration::from_secs(845));
    let mut tasks = Vec::new();
    for i in 0..20 {
        let m = if i % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move { m.get().await.map(|l| l.serial) }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap(), 2);
    }
    assert_eq!(provider.renewals(), 1, "one renewal for both managers");
    assert_eq!(provider.logins(), 1);
    assert_eq!(
        a.cached().unwrap().generation(),
        b.cached().unwrap().generation()
    );
}

/// A session that another manager extended (a keep-alive that keeps the token) is adopted with
/// its later deadline, without a second keep-alive request; the stored deadline is the manager's,
/// which the session object itself does not know about.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_extended_by_another_manager_is_adopted_without_a_request() {
    let path = temp_path("extended");
    let clock = ManualClock::new();
    let provider = FakeProvider::new(clock.shared(), Duration::from_secs(900))
        .with_renewal(session_core::test_util::FakeRenewal::Extend)
        .with_policy(
            session_core::RenewPolicy::default().with_keep_alive(Some(Duration::from_secs(300))),
        );
    let manager = || {
        SessionManager::builder(provider.clone())
            .clock(clock.shared())
            .store(Arc::new(FileStore::new(&path)))
            .build()
    };
    let (a, b) = (manager(), manager());
    let first = a.get().await.unwrap();
    b.get().await.unwrap();

    clock.advance(Duration::from_secs(845));
    let extended = a.get().await.unwrap();
    assert_eq!(provider.renewals(), 1);
    assert!(extended.expires_at() > first.expires_at());
    assert_eq!(extended.generation(), first.generation());

    let adopted = b.get().await.unwrap();
    assert_eq!(provider.renewals(), 1, "b adopts a's extension");
    assert_eq!(adopted.expires_at(), extended.expires_at());
    assert_eq!(adopted.token.expose_secret(), first.token.expose_secret());
    // The keep-alive cadence restarts from the adoption, as after a renewal of its own.
    assert_eq!(
        b.health().next_renewal,
        Some(clock.now() + Duration::from_secs(300))
    );

    // A fresh process resumes it with the extended deadline too.
    clock.advance(Duration::from_secs(100));
    let c = manager();
    let resumed = c.get().await.unwrap();
    assert_eq!(resumed.expires_at(), extended.expires_at());
    assert_eq!(provider.logins(), 1);
}

/// A store whose lock fails on demand; everything else is a [`MemoryStore`].
struct UnlockableStore {
    inner: MemoryStore,
    refuse_locks: std::sync::atomic::AtomicBool,
}

#[async_trait::async_trait]
impl SessionStore for UnlockableStore {
    async fn load(&self, key: &str) -> session_core::Result<Option<session_core::StoredRecord>> {
        self.inner.load(key).await
    }
    async fn save(
        &self,
        key: &str,
        record: &session_core::StoredRecord,
        fence: u64,
    ) -> session_core::Result<bool> {
        self.inner.save(key, record, fence).await
    }
    async fn delete(&self, key: &str, generation: Option<u64>) -> session_core::Result<()> {
        self.inner.delete(key, generation).await
    }
    async fn lock(
        &self,
        key: &str,
        ttl: Duration,
    ) -> session_core::Result<Box<dyn session_core::StoreLock>> {
        if self.refuse_locks.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(session_core::Error::new(
                ErrorKind::Unavailable,
                "store",
                "lock refused",
            ));
        }
        self.inner.lock(key, ttl).await
    }
}

/// When the store cannot lock, a renewal still happens, locally.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renewal_goes_ahead_when_the_store_cannot_lock() {
    let clock = ManualClock::new();
    let provider = FakeProvider::new(clock.shared(), Duration::from_secs(900))
        .with_renewal(session_core::test_util::FakeRenewal::NewToken);
    let store = Arc::new(UnlockableStore {
        inner: MemoryStore::new(),
        refuse_locks: Default::default(),
    });
    let m = SessionManager::builder(provider.clone())
        .clock(clock.shared())
        .store(store.clone())
        .build();
    m.get().await.unwrap();
    store
        .refuse_locks
        .store(true, std::sync::atomic::Ordering::SeqCst);
    clock.advance(Duration::from_secs(845));
    let mut events = m.subscribe();
    assert_eq!(m.get().await.unwrap().serial, 2);
    assert_eq!(provider.renewals(), 1);
    let mut saw_unavailable = false;
    while let Ok(e) = events.try_recv() {
        saw_unavailable |= matches!(e, Event::StoreUnavailable { .. });
    }
    assert!(saw_unavailable);
    // Without a lock the write cannot be fenced, so the store keeps the first session.
    let key = session_core::SessionProvider::store_key(&provider);
    let stored = store.inner.load(&key).await.unwrap().unwrap();
    assert_eq!(stored.generation, 1);
    assert_eq!(m.cached().unwrap().generation(), 2);
}
