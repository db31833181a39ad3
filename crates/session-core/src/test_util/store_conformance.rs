//! The store conformance suite: the contract of [`SessionStore`], checked
//! the same way for every store (memory, file, Redis single node and cluster).
//!
//! A store's tests implement [`StoreFixture`] and call [`run`]. The check with two writer
//! processes needs the test binary to spawn itself: call [`writer_child`] from a test of its own
//! (it returns `false` and does nothing unless this suite spawned the process) and pass that
//! test's full name to [`concurrent_writers_in_processes`].
//!
//! Every check panics with a message saying which rule was broken; none passes without talking to
//! the store.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::clock::{Clock, SystemClock};
use crate::error::ErrorKind;
use crate::session::{PersistedSession, SecretState};
use crate::store::{MAX_RECORD_BYTES, SessionStore, StoredRecord};

/// Environment variables of a spawned writer: the key and the number of rounds.
const CHILD_KEY: &str = "SESSION_STORE_CONFORMANCE_KEY";
const CHILD_ROUNDS: &str = "SESSION_STORE_CONFORMANCE_ROUNDS";

/// The provider name the suite's records carry.
pub const PROVIDER: &str = "store-conformance";

/// A secret the suite plants in corrupt records; it must never appear in an error.
const SENTINEL: &str = "CONFORMANCE-SECRET-7f3a";

/// A store under test.
#[async_trait]
pub trait StoreFixture: Send + Sync {
    /// A handle on the store that holds `key` (for a store of one record, such as a file, the
    /// store for that key). Each call may return a new handle, as another process would have;
    /// all handles for a key see the same record.
    fn handle(&self, key: &str) -> Arc<dyn SessionStore>;

    /// A key no other check or test uses, for the check called `name`.
    fn key(&self, name: &str) -> String;

    /// Whether a lock that is not extended is lost after its TTL while its holder lives (Redis,
    /// memory). A store whose locks last as long as their holder (the operating system's file
    /// locks) answers `false`.
    fn locks_expire(&self) -> bool;

    /// Replaces the stored record of `key` with `bytes`, behind the store's back, as a corrupt
    /// or hostile file or value would. `false` when the store has no such representation (the
    /// memory store keeps parsed records).
    async fn plant(&self, key: &str, bytes: &[u8]) -> bool;
}

/// A record holding the counter `n`, as the suite writes it.
pub fn record(key: &str, generation: u64, n: u64) -> StoredRecord {
    StoredRecord {
        key: key.to_owned(),
        provider: PROVIDER.to_owned(),
        generation,
        session: Some(PersistedSession {
            state: SecretState::new(format!(r#"{{"n":{n}}}"#)),
            expires_at: Some(crate::timing::after(
                SystemClock.now(),
                Duration::from_secs(3600),
            )),
        }),
        banned_until: None,
    }
}

/// The counter of a record written by [`record`].
pub fn counter(record: &StoredRecord) -> u64 {
    let session = record.session.as_ref().expect("the record holds a session");
    let value: serde_json::Value =
        serde_json::from_str(session.state.expose_secret()).expect("the suite's own state");
    value["n"].as_u64().expect("a counter")
}

/// Runs every check of the suite.
pub async fn run(fixture: &dyn StoreFixture) {
    round_trip(fixture).await;
    compare_and_set_by_generation(fixture).await;
    generations_increase(fixture).await;
    lock_exclusivity(fixture).await;
    lock_expiry(fixture).await;
    ban_records(fixture).await;
    delete_by_generation(fixture).await;
    corrupted_records(fixture).await;
    oversized_records(fixture).await;
    concurrent_writers_in_tasks(fixture).await;
}

const TTL: Duration = Duration::from_secs(10);

/// A record written under a lock reads back field for field.
pub async fn round_trip(fixture: &dyn StoreFixture) {
    let key = fixture.key("round-trip");
    let store = fixture.handle(&key);
    assert!(
        store.load(&key).await.unwrap().is_none(),
        "a new key is empty"
    );
    let lock = store.lock(&key, TTL).await.unwrap();
    let mut written = record(&key, lock.generation(), 41);
    // Non-ASCII survives.
    written.session.as_mut().unwrap().state = SecretState::new(r#"{"n":41,"who":"ünïcødé ✓"}"#);
    assert!(
        store.save(&key, &written, lock.generation()).await.unwrap(),
        "the lock holder's write is accepted"
    );
    lock.release().await.unwrap();
    let read = fixture
        .handle(&key)
        .load(&key)
        .await
        .unwrap()
        .expect("stored");
    assert_eq!(read.key, key);
    assert_eq!(read.provider, PROVIDER);
    assert_eq!(read.generation, written.generation);
    let (a, b) = (read.session.unwrap(), written.session.unwrap());
    assert_eq!(a.state.expose_secret(), b.state.expose_secret());
    assert_eq!(
        a.expires_at.map(crate::clock::unix_seconds),
        b.expires_at.map(crate::clock::unix_seconds)
    );
    assert!(read.banned_until.is_none());
}

/// Writes are fenced: a stale lock's write, and a record older than the stored one, are refused;
/// the newest lock may write the same generation again (an extension) or a newer one.
pub async fn compare_and_set_by_generation(fixture: &dyn StoreFixture) {
    let key = fixture.key("compare-and-set");
    let (a, b) = (fixture.handle(&key), fixture.handle(&key));
    let first = a.lock(&key, TTL).await.unwrap();
    let g1 = first.generation();
    assert!(a.save(&key, &record(&key, g1, 1), g1).await.unwrap());
    first.release().await.unwrap();

    let second = b.lock(&key, TTL).await.unwrap();
    let g2 = second.generation();
    assert!(g2 > g1, "each lock issues a newer generation");
    assert!(
        !a.save(&key, &record(&key, g2, 99), g1).await.unwrap(),
        "a write under a released lock's generation is refused"
    );
    assert!(
        !b.save(&key, &record(&key, g2, 99), g2 + 1).await.unwrap(),
        "a write under a generation the store never issued is refused"
    );
    assert!(
        !b.save(&key, &record(&key, g1.saturating_sub(1), 99), g2)
            .await
            .unwrap(),
        "a record older than the stored one is refused"
    );
    assert!(
        b.save(&key, &record(&key, g1, 2), g2).await.unwrap(),
        "the same generation again (an extension) is accepted"
    );
    assert!(b.save(&key, &record(&key, g2, 3), g2).await.unwrap());
    assert!(
        !b.save(&key, &record(&key, g1, 4), g2).await.unwrap(),
        "once a newer record is stored, the older generation is refused"
    );
    second.release().await.unwrap();
    let stored = a.load(&key).await.unwrap().unwrap();
    assert_eq!((stored.generation, counter(&stored)), (g2, 3));
}

/// Generations increase strictly across handles and survive the record being deleted.
pub async fn generations_increase(fixture: &dyn StoreFixture) {
    let key = fixture.key("generations");
    let mut last = 0;
    for round in 0..6u64 {
        let store = fixture.handle(&key);
        let lock = store.lock(&key, TTL).await.unwrap();
        let g = lock.generation();
        assert!(g > last, "generation {g} after {last}");
        last = g;
        assert!(store.save(&key, &record(&key, g, round), g).await.unwrap());
        lock.release().await.unwrap();
        if round % 2 == 1 {
            store.delete(&key, None).await.unwrap();
            assert!(store.load(&key).await.unwrap().is_none());
        }
    }
}

/// One holder at a time; the next one gets the lock once it is released.
pub async fn lock_exclusivity(fixture: &dyn StoreFixture) {
    let key = fixture.key("exclusive");
    let (a, b) = (fixture.handle(&key), fixture.handle(&key));
    let held = a.lock(&key, TTL).await.unwrap();
    let waiting = tokio::time::timeout(Duration::from_millis(300), b.lock(&key, TTL)).await;
    assert!(waiting.is_err(), "a second holder must wait");
    assert!(held.extend(TTL).await.unwrap(), "a held lock extends");
    let g = held.generation();
    held.release().await.unwrap();
    let next = tokio::time::timeout(Duration::from_secs(5), b.lock(&key, TTL))
        .await
        .expect("the lock is free after release")
        .unwrap();
    assert!(next.generation() > g);
    // Dropping a lock releases it too.
    drop(next);
    let again = tokio::time::timeout(Duration::from_secs(5), a.lock(&key, TTL))
        .await
        .expect("a dropped lock is released")
        .unwrap();
    again.release().await.unwrap();
    // Extreme TTLs are accepted, not a panic or a server error.
    let forever = a.lock(&key, Duration::MAX).await.unwrap();
    assert!(forever.extend(Duration::MAX).await.unwrap());
    forever.release().await.unwrap();
    let zero = a.lock(&key, Duration::ZERO).await.unwrap();
    let g = zero.generation();
    zero.release().await.unwrap();
    let after = tokio::time::timeout(Duration::from_secs(5), b.lock(&key, TTL))
        .await
        .expect("free after a zero-TTL lock")
        .unwrap();
    assert!(after.generation() > g);
    after.release().await.unwrap();
}

/// A lock that is not extended expires after its TTL (where locks expire), and its holder's
/// write is then refused once another holder took it; extending keeps it.
pub async fn lock_expiry(fixture: &dyn StoreFixture) {
    let key = fixture.key("expiry");
    let (a, b) = (fixture.handle(&key), fixture.handle(&key));
    if !fixture.locks_expire() {
        let held = a.lock(&key, Duration::from_millis(100)).await.unwrap();
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert!(
            tokio::time::timeout(Duration::from_millis(200), b.lock(&key, TTL))
                .await
                .is_err(),
            "a lock that lasts as long as its holder does not expire"
        );
        assert!(held.extend(TTL).await.unwrap());
        return;
    }
    let short = Duration::from_millis(300);
    // Extended in time, the lock is kept past its first TTL.
    let kept = a.lock(&key, short).await.unwrap();
    for _ in 0..4 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(kept.extend(short).await.unwrap(), "extended in time");
    }
    assert!(
        tokio::time::timeout(Duration::from_millis(100), b.lock(&key, TTL))
            .await
            .is_err(),
        "an extended lock is still held"
    );
    let stale_generation = kept.generation();
    // Not extended, it expires, and the next holder gets a newer generation.
    let next = tokio::time::timeout(Duration::from_secs(5), b.lock(&key, TTL))
        .await
        .expect("an expired lock can be taken")
        .unwrap();
    assert!(next.generation() > stale_generation);
    assert!(
        !kept.extend(short).await.unwrap(),
        "a lost lock does not extend"
    );
    assert!(
        !a.save(&key, &record(&key, stale_generation, 1), stale_generation)
            .await
            .unwrap(),
        "the write of a holder whose lock expired is refused"
    );
    let g = next.generation();
    assert!(b.save(&key, &record(&key, g, 2), g).await.unwrap());
    // The stale holder's release does not release the new holder's lock.
    kept.release().await.unwrap();
    assert!(
        tokio::time::timeout(Duration::from_millis(200), a.lock(&key, TTL))
            .await
            .is_err(),
        "a stale release leaves the new holder's lock alone"
    );
    next.release().await.unwrap();
}

/// A ban record (no session) reads back with its end.
pub async fn ban_records(fixture: &dyn StoreFixture) {
    let key = fixture.key("ban");
    let store = fixture.handle(&key);
    let until = crate::timing::after(SystemClock.now(), Duration::from_secs(1200));
    let lock = store.lock(&key, TTL).await.unwrap();
    let ban = StoredRecord {
        key: key.clone(),
        provider: PROVIDER.to_owned(),
        generation: lock.generation(),
        session: None,
        banned_until: Some(until),
    };
    assert!(store.save(&key, &ban, lock.generation()).await.unwrap());
    lock.release().await.unwrap();
    let read = fixture
        .handle(&key)
        .load(&key)
        .await
        .unwrap()
        .expect("stored");
    assert!(read.session.is_none());
    assert_eq!(
        read.banned_until.map(crate::clock::unix_seconds),
        Some(crate::clock::unix_seconds(until))
    );
}

/// A delete names the generation it saw and removes nothing else.
pub async fn delete_by_generation(fixture: &dyn StoreFixture) {
    let key = fixture.key("delete");
    let store = fixture.handle(&key);
    let lock = store.lock(&key, TTL).await.unwrap();
    let g = lock.generation();
    assert!(store.save(&key, &record(&key, g, 1), g).await.unwrap());
    lock.release().await.unwrap();
    store.delete(&key, Some(g.saturating_sub(1))).await.unwrap();
    store.delete(&key, Some(g + 1)).await.unwrap();
    assert!(
        store.load(&key).await.unwrap().is_some(),
        "another generation's delete leaves the record"
    );
    fixture.handle(&key).delete(&key, Some(g)).await.unwrap();
    assert!(store.load(&key).await.unwrap().is_none());
    // Deleting nothing is fine, and any-generation deletes whatever is there.
    store.delete(&key, Some(g)).await.unwrap();
    let lock = store.lock(&key, TTL).await.unwrap();
    let g = lock.generation();
    assert!(store.save(&key, &record(&key, g, 1), g).await.unwrap());
    lock.release().await.unwrap();
    store.delete(&key, None).await.unwrap();
    assert!(store.load(&key).await.unwrap().is_none());
}

/// Corrupt content is an error of kind `Configuration` that never quotes it, and a fenced write
/// replaces it.
pub async fn corrupted_records(fixture: &dyn StoreFixture) {
    let key = fixture.key("corrupt");
    let store = fixture.handle(&key);
    let cases: [Vec<u8>; 4] = [
        format!(r#"{{"key": "{SENTINEL}", "generation": "#).into_bytes(),
        b"\xff\xfe\x00 not utf-8".to_vec(),
        br#"{"key":"k","provider":"p","generation":-1}"#.to_vec(),
        br#"{"key":"k","provider":"p","generation":18446744073709551616}"#.to_vec(),
    ];
    for bytes in cases {
        if !fixture.plant(&key, &bytes).await {
            return;
        }
        let e = store
            .load(&key)
            .await
            .expect_err("corrupt content must not load");
        assert_eq!(e.kind(), ErrorKind::Configuration, "{e}");
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains(SENTINEL), "the error quotes the content");
    }
    let lock = store.lock(&key, TTL).await.unwrap();
    let g = lock.generation();
    assert!(
        store.save(&key, &record(&key, g, 5), g).await.unwrap(),
        "a fenced write replaces a corrupt record"
    );
    lock.release().await.unwrap();
    assert_eq!(counter(&store.load(&key).await.unwrap().unwrap()), 5);
}

/// A record larger than [`MAX_RECORD_BYTES`] is refused on write and on read, with an error of
/// kind `Configuration`, and the stored record is left as it was.
pub async fn oversized_records(fixture: &dyn StoreFixture) {
    let key = fixture.key("oversized");
    let store = fixture.handle(&key);
    let lock = store.lock(&key, TTL).await.unwrap();
    let g = lock.generation();
    assert!(store.save(&key, &record(&key, g, 1), g).await.unwrap());
    let mut big = record(&key, g, 2);
    big.session.as_mut().unwrap().state = SecretState::new(format!(
        r#"{{"n":2,"pad":"{}"}}"#,
        "x".repeat(MAX_RECORD_BYTES)
    ));
    let e = store
        .save(&key, &big, g)
        .await
        .expect_err("an oversized record must be refused");
    assert_eq!(e.kind(), ErrorKind::Configuration);
    lock.release().await.unwrap();
    assert_eq!(counter(&store.load(&key).await.unwrap().unwrap()), 1);
    let planted = big.to_json();
    if fixture
        .plant(&key, planted.expose_secret().as_bytes())
        .await
    {
        let e = store
            .load(&key)
            .await
            .expect_err("an oversized stored record must not load");
        assert_eq!(e.kind(), ErrorKind::Configuration);
    }
}

/// Each writer takes the lock, reads the counter, writes it plus one under its generation and
/// releases, `rounds` times. Returns an error naming the broken rule.
pub async fn writer_rounds(
    store: &dyn SessionStore,
    key: &str,
    rounds: u32,
) -> std::result::Result<(), String> {
    for _ in 0..rounds {
        let lock = store.lock(key, TTL).await.map_err(|e| e.to_string())?;
        let g = lock.generation();
        let current = store.load(key).await.map_err(|e| e.to_string())?;
        let (n, stored_generation) = current
            .as_ref()
            .map_or((0, 0), |r| (counter(r), r.generation));
        if stored_generation >= g {
            return Err(format!(
                "lock generation {g} is not newer than the stored {stored_generation}"
            ));
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
        let written = store
            .save(key, &record(key, g, n + 1), g)
            .await
            .map_err(|e| e.to_string())?;
        if !written {
            return Err(format!("the holder of generation {g} was refused"));
        }
        lock.release().await.map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Two writers in this process, on two handles: no update is lost.
pub async fn concurrent_writers_in_tasks(fixture: &dyn StoreFixture) {
    let key = fixture.key("writers-tasks");
    let rounds: u32 = 15;
    let (a, b) = (fixture.handle(&key), fixture.handle(&key));
    let (ka, kb) = (key.clone(), key.clone());
    let first = tokio::spawn(async move { writer_rounds(&*a, &ka, rounds).await });
    let second = tokio::spawn(async move { writer_rounds(&*b, &kb, rounds).await });
    first.await.unwrap().unwrap();
    second.await.unwrap().unwrap();
    let stored = fixture.handle(&key).load(&key).await.unwrap().unwrap();
    assert_eq!(
        counter(&stored),
        2 * u64::from(rounds),
        "an update was lost"
    );
}

/// Two writer processes (this test binary, running the test named `entry`, which calls
/// [`writer_child`]), each given `env` so it can open the same store: no update is lost and
/// neither is ever refused while it holds the lock.
pub async fn concurrent_writers_in_processes(
    fixture: &dyn StoreFixture,
    entry: &str,
    env: &[(&str, &str)],
) {
    let key = fixture.key("writers-processes");
    let rounds: u32 = 25;
    let spawn = || -> Child {
        let exe = std::env::current_exe().expect("the test binary's path");
        let mut cmd = Command::new(exe);
        cmd.args(["--exact", entry, "--nocapture", "--test-threads", "1"])
            .env(CHILD_KEY, &key)
            .env(CHILD_ROUNDS, rounds.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.spawn().expect("spawn a writer process")
    };
    let children = [spawn(), spawn()];
    for child in children {
        let out = tokio::task::spawn_blocking(move || child.wait_with_output())
            .await
            .unwrap()
            .expect("the writer process ran");
        assert!(
            out.status.success(),
            "a writer process failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let stored = fixture.handle(&key).load(&key).await.unwrap().unwrap();
    assert_eq!(
        counter(&stored),
        2 * u64::from(rounds),
        "an update was lost between processes"
    );
}

/// The child side of [`concurrent_writers_in_processes`]: when this process was spawned as a
/// writer, runs its rounds on `store(key)` and returns `true` (panicking on a broken rule);
/// otherwise returns `false` without calling `store`.
pub async fn writer_child(store: impl FnOnce(&str) -> Arc<dyn SessionStore>) -> bool {
    let (Ok(key), Ok(rounds)) = (std::env::var(CHILD_KEY), std::env::var(CHILD_ROUNDS)) else {
        return false;
    };
    let rounds: u32 = rounds.parse().expect("rounds");
    let store = store(&key);
    if let Err(e) = writer_rounds(&*store, &key, rounds).await {
        panic!("{e}");
    }
    true
}
