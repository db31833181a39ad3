//! The store's operations against a real Redis: records, fencing, TTLs, sealing, the lock, errors.

use std::time::{Duration, SystemTime};

use redis::AsyncCommands;
use session_core::test_util::ManualClock;
use session_core::{PersistedSession, SecretState};
use session_redis::{
    EncryptionKey, ErrorKind, RedisSessionStore, SessionStore, StoredRecord, TestRedis,
};

use crate::support::{raw, save, store, within};

const KEY: &str = "simhttp:http://127.0.0.1:1/:account-1";

fn record(generation: u64, clock: &ManualClock, token: &str) -> StoredRecord {
    StoredRecord::new(
        KEY,
        "simhttp",
        generation,
        Some(PersistedSession::new(
            SecretState::new(serde_json::json!({ "token": token }).to_string()),
            Some(session_core::timing::after(
                clock.now(),
                Duration::from_secs(900),
            )),
        )),
        None,
    )
}

fn token_of(r: &StoredRecord) -> String {
    let state = r.session.as_ref().unwrap().state.expose_secret();
    serde_json::from_str::<serde_json::Value>(state).unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_record_loads_back_with_generation_session_and_expiry() {
    let redis = TestRedis::start();
    let clock = ManualClock::new();
    let prefix = redis.prefix("roundtrip");
    let s = store(&redis, &prefix, clock.shared());
    assert!(s.load(KEY).await.unwrap().is_none());
    assert!(save(&s, KEY, &record(3, &clock, "T-1")).await.unwrap());
    let back = s.load(KEY).await.unwrap().unwrap();
    assert_eq!(back.generation, 3);
    assert_eq!(back.provider, "simhttp");
    assert_eq!(back.key, KEY);
    assert_eq!(token_of(&back), "T-1");
    assert_eq!(
        back.session.unwrap().expires_at,
        Some(clock.now() + Duration::from_secs(900))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stored_hash_carries_generation_provider_and_expiry() {
    let redis = TestRedis::start();
    let clock = ManualClock::new();
    let prefix = redis.prefix("layout");
    let s = store(&redis, &prefix, clock.shared());
    save(&s, KEY, &record(7, &clock, "T-7")).await.unwrap();
    let mut c = raw(redis.url()).await;
    let record_key = format!("{prefix}{{{KEY}}}:session");
    assert_eq!(s.record_key(KEY), record_key);
    let g: String = c.hget(&record_key, "g").await.unwrap();
    assert_eq!(g, "7");
    let v: String = c.hget(&record_key, "v").await.unwrap();
    let json: serde_json::Value = serde_json::from_str(&v).unwrap();
    assert_eq!(json["provider"], "simhttp");
    assert_eq!(json["generation"], 7);
    assert_eq!(json["key"], KEY);
    assert!(json["expires_at"].as_i64().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_generation_write_is_rejected_and_an_equal_one_replaces() {
    let redis = TestRedis::start();
    let clock = ManualClock::new();
    let prefix = redis.prefix("fence");
    // Two handles, as two processes would have.
    let a = store(&redis, &prefix, clock.shared());
    let b = store(&redis, &prefix, clock.shared());
    assert!(save(&a, KEY, &record(5, &clock, "NEW")).await.unwrap());
    assert!(
        !save(&b, KEY, &record(4, &clock, "SLOW")).await.unwrap(),
        "an older generation must be refused"
    );
    let stored = a.load(KEY).await.unwrap().unwrap();
    assert_eq!(stored.generation, 5);
    assert_eq!(token_of(&stored), "NEW");
    assert!(save(&b, KEY, &record(5, &clock, "EXTENDED")).await.unwrap());
    assert_eq!(token_of(&a.load(KEY).await.unwrap().unwrap()), "EXTENDED");
    assert!(save(&b, KEY, &record(6, &clock, "NEWER")).await.unwrap());
    assert_eq!(a.load(KEY).await.unwrap().unwrap().generation, 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generations_beyond_double_precision_are_compared_exactly() {
    let redis = TestRedis::start();
    let clock = ManualClock::new();
    let prefix = redis.prefix("big");
    let s = store(&redis, &prefix, clock.shared());
    let big = (1u64 << 60) + 1;
    assert!(save(&s, KEY, &record(big, &clock, "A")).await.unwrap());
    assert!(!save(&s, KEY, &record(big - 1, &clock, "B")).await.unwrap());
    assert!(save(&s, KEY, &record(u64::MAX, &clock, "C")).await.unwrap());
    assert!(
        !save(&s, KEY, &record(u64::MAX - 1, &clock, "D"))
            .await
            .unwrap()
    );
    assert!(!save(&s, KEY, &record(9, &clock, "E")).await.unwrap());
    assert_eq!(s.load(KEY).await.unwrap().unwrap().generation, u64::MAX);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_removes_only_the_generation_it_saw() {
    let redis = TestRedis::start();
    let clock = ManualClock::new();
    let prefix = redis.prefix("delete");
    let s = store(&redis, &prefix, clock.shared());
    save(&s, KEY, &record(2, &clock, "T")).await.unwrap();
    s.delete(KEY, Some(1)).await.unwrap();
    assert!(
        s.load(KEY).await.unwrap().is_some(),
        "another generation must survive"
    );
    s.delete(KEY, Some(2)).await.unwrap();
    assert!(s.load(KEY).await.unwrap().is_none());
    save(&s, KEY, &record(9, &clock, "T")).await.unwrap();
    s.delete(KEY, None).await.unwrap();
    assert!(s.load(KEY).await.unwrap().is_none());
    s.delete(KEY, Some(9)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_key_expires_a_little_before_the_session() {
    let redis = TestRedis::start();
    let clock = ManualClock::new();
    let prefix = redis.prefix("ttl");
    let s = store(&redis, &prefix, clock.shared());
    save(&s, KEY, &record(1, &clock, "T")).await.unwrap();
    let mut c = raw(redis.url()).await;
    let pttl: i64 = c.pttl(s.record_key(KEY)).await.unwrap();
    assert!(
        (890_000..=895_000).contains(&pttl),
        "900 s session, 5 s margin: got {pttl} ms"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ban_record_lives_until_the_ban_ends() {
    let redis = TestRedis::start();
    let clock = ManualClock::new();
    let prefix = redis.prefix("ban");
    let s = store(&redis, &prefix, clock.shared());
    let ban = StoredRecord::new(
        KEY,
        "simhttp",
        0,
        None,
        Some(session_core::timing::after(
            clock.now(),
            Duration::from_secs(1200),
        )),
    );
    assert!(save(&s, KEY, &ban).await.unwrap());
    let mut c = raw(redis.url()).await;
    let pttl: i64 = c.pttl(s.record_key(KEY)).await.unwrap();
    assert!((1_195_000..=1_200_000).contains(&pttl), "got {pttl} ms");
    let back = s.load(KEY).await.unwrap().unwrap();
    assert!(back.session.is_none());
    assert_eq!(back.banned_until, ban.banned_until);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sealed_values_hide_the_token_and_open_with_the_key() {
    let redis = TestRedis::start();
    let clock = ManualClock::new();
    let prefix = redis.prefix("sealed");
    let key = EncryptionKey::from_bytes([42; 32]);
    let s = sealed_store(&redis, &prefix, &clock, key.clone());
    save(&s, KEY, &record(1, &clock, "TOKEN-SEALED-SENTINEL"))
        .await
        .unwrap();
    let mut c = raw(redis.url()).await;
    let v: Vec<u8> = c.hget(s.record_key(KEY), "v").await.unwrap();
    assert!(v.starts_with(b"srs1"));
    let text = String::from_utf8_lossy(&v);
    assert!(!text.contains("TOKEN-SEALED-SENTINEL"));
    assert!(!text.contains("simhttp"));
    let back = s.load(KEY).await.unwrap().unwrap();
    assert_eq!(token_of(&back), "TOKEN-SEALED-SENTINEL");

    // After a key rotation the old key still opens the value.
    let rotated = RedisSessionStore::builder(redis.url())
        .prefix(&prefix)
        .clock(clock.shared())
        .encryption_key(EncryptionKey::from_bytes([43; 32]))
        .previous_encryption_key(key)
        .build()
        .unwrap();
    assert_eq!(
        token_of(&rotated.load(KEY).await.unwrap().unwrap()),
        "TOKEN-SEALED-SENTINEL"
    );
}

fn sealed_store(
    redis: &TestRedis,
    prefix: &str,
    clock: &ManualClock,
    key: EncryptionKey,
) -> RedisSessionStore {
    RedisSessionStore::builder(redis.url())
        .prefix(prefix)
        .clock(clock.shared())
        .encryption_key(key)
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unopenable_values_are_typed_errors_not_panics() {
    let redis = TestRedis::start();
    let clock = ManualClock::new();
    let prefix = redis.prefix("badvalue");
    let sealed = sealed_store(&redis, &prefix, &clock, EncryptionKey::from_bytes([1; 32]));
    save(&sealed, KEY, &record(1, &clock, "T")).await.unwrap();

    let wrong = sealed_store(&redis, &prefix, &clock, EncryptionKey::from_bytes([2; 32]));
    let e = wrong.load(KEY).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    assert_eq!(e.provider(), "redis");

    let plain = store(&redis, &prefix, clock.shared());
    assert_eq!(
        plain.load(KEY).await.unwrap_err().kind(),
        ErrorKind::Configuration,
        "a sealed value without a key"
    );

    save(&plain, KEY, &record(2, &clock, "T")).await.unwrap();
    assert_eq!(
        sealed.load(KEY).await.unwrap_err().kind(),
        ErrorKind::Configuration,
        "a plain value with a key configured"
    );

    let mut c = raw(redis.url()).await;
    let rk = plain.record_key(KEY);
    for (g, v) in [
        ("2", &b"{not json"[..]),
        ("x", &b"{}"[..]),
        ("3", &b"srs1-short"[..]),
    ] {
        let _: () = c
            .hset_multiple(&rk, &[("g", g.as_bytes()), ("v", v)])
            .await
            .unwrap();
        assert_eq!(
            plain.load(KEY).await.unwrap_err().kind(),
            ErrorKind::Configuration
        );
    }
    // A value whose generation field disagrees with its content.
    let good = record(4, &clock, "T").to_json();
    let _: () = c
        .hset_multiple(&rk, &[("g", "5"), ("v", good.expose_secret())])
        .await
        .unwrap();
    assert_eq!(
        plain.load(KEY).await.unwrap_err().kind(),
        ErrorKind::Configuration
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_of_another_type_is_a_configuration_error() {
    let redis = TestRedis::start();
    let clock = ManualClock::new();
    let prefix = redis.prefix("wrongtype");
    let s = store(&redis, &prefix, clock.shared());
    let mut c = raw(redis.url()).await;
    let _: () = c.set(s.record_key(KEY), "a string").await.unwrap();
    let e = s.load(KEY).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    assert_eq!(e.code(), Some("WRONGTYPE"));
    let e = save(&s, KEY, &record(1, &clock, "T")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_lock_waits_until_the_first_is_released() {
    let redis = TestRedis::start();
    let clock = ManualClock::new();
    let prefix = redis.prefix("lock");
    let a = store(&redis, &prefix, clock.shared());
    let b = store(&redis, &prefix, clock.shared());
    let held = a.lock(KEY, Duration::from_secs(10)).await.unwrap();
    let mut c = raw(redis.url()).await;
    let pttl: i64 = c.pttl(a.lock_key(KEY)).await.unwrap();
    assert!((9_000..=10_000).contains(&pttl), "lock ttl {pttl} ms");
    let waiting = tokio::spawn(async move {
        let lock = b.lock(KEY, Duration::from_secs(10)).await;
        lock.map(|_| ())
    });
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert!(!waiting.is_finished(), "the second holder must wait");
    held.release().await.unwrap();
    within(Duration::from_secs(2), "taking the released lock", waiting)
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_holder_whose_lock_expired_cannot_release_the_next_holders_lock() {
    let redis = TestRedis::start();
    let clock = ManualClock::new();
    let prefix = redis.prefix("lock-expired");
    let a = store(&redis, &prefix, clock.shared());
    let b = store(&redis, &prefix, clock.shared());
    let first = a.lock(KEY, Duration::from_millis(100)).await.unwrap();
    let second = within(
        Duration::from_secs(2),
        "taking an expired lock",
        b.lock(KEY, Duration::from_secs(10)),
    )
    .await
    .unwrap();
    first.release().await.unwrap();
    let mut c = raw(redis.url()).await;
    let exists: bool = c.exists(a.lock_key(KEY)).await.unwrap();
    assert!(
        exists,
        "compare-and-delete must leave the new holder's lock"
    );
    second.release().await.unwrap();
    let exists: bool = c.exists(a.lock_key(KEY)).await.unwrap();
    assert!(!exists);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_lock_is_released_in_the_background() {
    let redis = TestRedis::start();
    let clock = ManualClock::new();
    let prefix = redis.prefix("lock-drop");
    let s = store(&redis, &prefix, clock.shared());
    drop(s.lock(KEY, Duration::from_secs(30)).await.unwrap());
    within(
        Duration::from_secs(2),
        "taking a dropped lock",
        s.lock(KEY, Duration::from_secs(30)),
    )
    .await
    .unwrap()
    .release()
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ping_answers_and_connect_checks_the_server() {
    let redis = TestRedis::start();
    let s = RedisSessionStore::builder(redis.url())
        .connect()
        .await
        .unwrap();
    s.ping().await.unwrap();
    assert_eq!(s.prefix(), session_redis::DEFAULT_PREFIX);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_port_fails_quickly_as_unavailable() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("redis://127.0.0.1:{port}/");
    let e = within(
        Duration::from_secs(2),
        "connecting to a closed port",
        RedisSessionStore::builder(&url).connect(),
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    let s = crate::support::store_at(&url, "p:", ManualClock::new().shared());
    for _ in 0..3 {
        let e = within(Duration::from_secs(2), "load", s.load(KEY))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unavailable);
        let e = within(
            Duration::from_secs(2),
            "lock",
            s.lock(KEY, Duration::from_secs(1)),
        )
        .await
        .err()
        .unwrap();
        assert_eq!(e.kind(), ErrorKind::Unavailable);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_session_is_stored_with_the_shortest_ttl() {
    let redis = TestRedis::start();
    let clock = ManualClock::new();
    let prefix = redis.prefix("expired");
    let s = store(&redis, &prefix, clock.shared());
    let mut r = record(1, &clock, "T");
    r.session.as_mut().unwrap().expires_at = Some(SystemTime::UNIX_EPOCH);
    assert!(save(&s, KEY, &r).await.unwrap());
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(s.load(KEY).await.unwrap().is_none());
}
