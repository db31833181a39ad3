//! Eight managers (standing in for eight processes), each with its own Redis store handle, ask
//! for a session at once: one login happens, the others take the stored session. Run with
//!
//! ```text
//! REDIS_URL=redis://127.0.0.1:6379/ cargo run -p session-redis --example shared_login
//! ```
//!
//! It uses the key prefix `session-redis-example:` and deletes its record at the end. Nothing
//! secret is printed.
#![allow(clippy::print_stdout)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use session_core::{
    AccessToken, Clock, Expiry, PersistedSession, Session, StaticToken, SystemClock,
};
use session_redis::{RedisSessionStore, Result, SessionManager, SessionProvider, SessionStore};

/// A provider whose login takes 200 ms and counts itself. What makes its sessions shareable:
/// a `store_key` naming the account, and `persist`/`restore`.
#[derive(Clone)]
struct Demo {
    logins: Arc<AtomicUsize>,
}

#[async_trait]
impl SessionProvider for Demo {
    type Session = StaticToken;

    fn name(&self) -> &'static str {
        "demo"
    }

    async fn login(&self) -> Result<StaticToken> {
        let n = self.logins.fetch_add(1, Ordering::SeqCst) + 1;
        tokio::time::sleep(Duration::from_millis(200)).await;
        let expires = Expiry::after(SystemClock.now(), Duration::from_secs(900));
        Ok(StaticToken::bearer(AccessToken::new(format!("demo-token-{n}"))).with_expiry(expires))
    }

    fn store_key(&self) -> String {
        "demo:https://api.example.com:alice".into()
    }

    fn persist(&self, session: &StaticToken) -> Option<PersistedSession> {
        Some(
            PersistedSession::writer()
                .secret("token", session.token().expose_secret())
                .finish(session.expiry().deadline()),
        )
    }

    fn restore(&self, persisted: &PersistedSession) -> Result<StaticToken> {
        let mut state = persisted.reader("demo")?;
        Ok(StaticToken::bearer(state.secret::<AccessToken>("token")?)
            .with_expiry(persisted.expiry()))
    }
}

#[tokio::main]
async fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/".into());
    let provider = Demo {
        logins: Arc::new(AtomicUsize::new(0)),
    };

    let mut managers = Vec::new();
    for _ in 0..8 {
        let store = RedisSessionStore::builder(&url)
            .prefix("session-redis-example:")
            .connect()
            .await?;
        managers.push(
            SessionManager::builder(provider.clone())
                .store(Arc::new(store))
                .build(),
        );
    }

    let tasks: Vec<_> = managers
        .iter()
        .map(|m| {
            let m = m.clone();
            tokio::spawn(async move { m.get().await.map(|lease| lease.generation()) })
        })
        .collect();
    for t in tasks {
        t.await??;
    }
    println!(
        "8 managers, {} login(s); store degraded: {}",
        provider.logins.load(Ordering::SeqCst),
        managers.iter().any(|m| m.health().store_degraded)
    );

    let cleanup = RedisSessionStore::builder(&url)
        .prefix("session-redis-example:")
        .build()?;
    cleanup.delete(&provider.store_key(), None).await?;
    Ok(())
}
