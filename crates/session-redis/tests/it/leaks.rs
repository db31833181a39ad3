//! Nothing secret — the session token, the Redis password — reaches `Debug`, errors or logs.

use std::sync::Arc;
use std::time::Duration;

use redis::AsyncCommands;
use session_core::test_util::{ManualClock, assert_debug_clean, assert_error_clean, capture_logs};
use session_redis::{
    EncryptionKey, ErrorKind, Password, RedisSessionStore, SessionManager, SessionProvider,
    SessionStore, TestRedis,
};

use crate::support::{HttpLogin, LoginSim, TOKEN_SENTINEL, raw, store_at, within};

const REDIS_PW: &str = "REDIS-PW-SENTINEL-41d2";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_token_or_redis_password_reaches_debug_errors_or_logs() {
    let logs = capture_logs();
    let secrets = [TOKEN_SENTINEL, REDIS_PW];
    let redis = TestRedis::spawn_with_password(REDIS_PW);
    let port = redis.port().unwrap();
    let sim = LoginSim::start(Duration::ZERO).await;
    let clock = ManualClock::new();
    let prefix = redis.prefix("leaks");

    // Password in the URL.
    let builder = RedisSessionStore::builder(redis.url())
        .prefix(&prefix)
        .clock(clock.shared())
        .encryption_key(EncryptionKey::from_bytes([5; 32]));
    assert_debug_clean(&builder, &secrets);
    let url_store = builder.build().unwrap();
    assert_debug_clean(&url_store, &secrets);
    assert!(format!("{url_store:?}").contains(":***@127.0.0.1"));

    let m = SessionManager::builder(HttpLogin::new(&sim.url(), clock.shared()))
        .clock(clock.shared())
        .store(Arc::new(url_store.clone()))
        .build();
    let lease = m.get().await.unwrap();
    assert!(lease.token.expose_secret().starts_with(TOKEN_SENTINEL));
    assert_debug_clean(&m, &secrets);
    assert_debug_clean(&lease, &secrets);
    assert_debug_clean(&*lease, &secrets);
    assert_debug_clean(&m.health(), &secrets);

    // Password from a secret, not in the URL; the restored session and record stay redacted.
    let plain_url = format!("redis://127.0.0.1:{port}/");
    let secret_store = RedisSessionStore::builder(&plain_url)
        .password(Password::new(REDIS_PW))
        .prefix(&prefix)
        .clock(clock.shared())
        .encryption_key(EncryptionKey::from_bytes([5; 32]))
        .build()
        .unwrap();
    assert_debug_clean(&secret_store, &secrets);
    let record = secret_store
        .load(&m.provider().store_key())
        .await
        .unwrap()
        .unwrap();
    assert_debug_clean(&record, &secrets);

    // The sealed value in Redis does not show the token.
    let mut c = raw(redis.url()).await;
    let v: Vec<u8> = c
        .hget(url_store.record_key(&m.provider().store_key()), "v")
        .await
        .unwrap();
    assert!(!String::from_utf8_lossy(&v).contains(TOKEN_SENTINEL));

    // Errors: a wrong password, no password, a wrong encryption key, a closed port.
    let wrong = store_at(
        &format!("redis://:WRONG-{REDIS_PW}@127.0.0.1:{port}/"),
        &prefix,
        clock.shared(),
    );
    let e = wrong.load("k").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    assert_error_clean(&e, &secrets);
    assert_debug_clean(&wrong, &secrets);

    let none = store_at(&plain_url, &prefix, clock.shared());
    let e = none.load("k").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    assert_eq!(e.code(), Some("NOAUTH"));
    assert_error_clean(&e, &secrets);

    let wrong_key = RedisSessionStore::builder(redis.url())
        .prefix(&prefix)
        .encryption_key(EncryptionKey::from_bytes([6; 32]))
        .build()
        .unwrap();
    let e = wrong_key.load(&m.provider().store_key()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    assert_error_clean(&e, &secrets);

    // An outage: the manager's warning and events stay clean too.
    redis.kill();
    assert!(m.invalidate(&lease));
    let e = within(
        Duration::from_secs(2),
        "load while down",
        url_store.load("k"),
    )
    .await
    .unwrap_err();
    assert_error_clean(&e, &secrets);
    let again = within(Duration::from_secs(5), "get() while down", m.get())
        .await
        .unwrap();
    assert_debug_clean(&again, &secrets);
    assert!(m.health().store_degraded);

    logs.assert_clean(&secrets);
    assert!(
        logs.output().contains("session store unavailable"),
        "the capture must have seen the manager's outage warning"
    );
}
