//! A Redis [`SessionStore`] for `session-core`: one login shared by many processes and hosts.
//!
//! Bots, workers and serverless functions that each log in get rate-limited or warned (Betfair
//! allows 100 logins a minute, then bans the account for 20 minutes). Give every process's
//! [`SessionManager`] the same [`RedisSessionStore`] and a fleet holds **one session per
//! account**: the first process to need a session logs in under a Redis lock and stores it; the
//! others wait for the lock, find the stored session and use it without logging in.
//!
//! This crate is not a provider: it is the store. Use it with any provider crate
//! (`session-betfair`, `session-cas`, ...) or your own `SessionProvider`. A provider shares its
//! sessions when it implements `store_key` (the account), `persist` and `restore`; the workspace's
//! provider crates do. With a provider that does not persist, the lock still serializes logins
//! across processes, but each process logs in once.
//!
//! # Quick start
//! ```no_run
//! use std::sync::Arc;
//! use std::time::Duration;
//! use session_core::{provider_fn, AccessToken, Clock, Expiry, StaticToken, SystemClock};
//! use session_redis::{EncryptionKey, Password, RedisSessionStore, SessionManager};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> session_redis::Result<()> {
//! // The store: where the shared session lives. `connect` fails fast if Redis is unreachable;
//! // `build` would defer connecting to the first use.
//! let store = RedisSessionStore::builder("redis://cache.internal:6379/0")
//!     .password(Password::new(std::env::var("REDIS_PASSWORD").unwrap_or_default()))
//!     .prefix("prod:sessions:")
//!     .command_timeout(Duration::from_millis(500))
//!     // Optional: seal stored sessions (every process needs the same key).
//!     .encryption_key(EncryptionKey::from_hex(&std::env::var("SESSION_KEY").unwrap_or_default())?)
//!     .connect()
//!     .await?;
//!
//! // Any provider; here a closure. Real ones come from the provider crates, whose `store_key`
//! // (provider, base URL, account) and `persist`/`restore` make sessions shareable.
//! let provider = provider_fn("example", || async {
//!     let expires = Expiry::after(SystemClock.now(), Duration::from_secs(900));
//!     Ok(StaticToken::bearer(AccessToken::new("token-from-login")).with_expiry(expires))
//! });
//! let manager = SessionManager::builder(provider)
//!     .store(Arc::new(store))
//!     .store_timeout(Duration::from_secs(1))
//!     .build();
//!
//! // Every process does this; across the fleet, one of them logs in.
//! let lease = manager.get().await?;
//! # let _ = lease;
//! if manager.health().store_degraded {
//!     // Redis failed on the last store operation: this process is logging in on its own.
//! }
//! # Ok(()) }
//! ```
//!
//! # Deployment guide
//!
//! ## Key layout
//! For a provider whose `store_key()` is `K` (provider name, base URL and account, e.g.
//! `betfair:https://identitysso.betfair.com/api/:alice`) and the prefix `P` (default
//! `session-clients:`):
//!
//! | key | type | content | TTL |
//! |---|---|---|---|
//! | `P` `{` `K` `}:session` | hash | `g`: the generation (decimal); `v`: the record — JSON with key, provider, generation, expiry, the provider's persisted session and any ban; or that JSON sealed | a little below the session's expiry; for a ban record, until the ban ends |
//! | `P` `{` `K` `}:lock` | string | `<generation> <token>`: the fencing generation and a random token of the process holding the login lock | the manager's `lock_ttl` (default 30 s), extended while the holder's login runs |
//! | `P` `{` `K` `}:fence` | string | the last fencing generation issued for the account (a counter) | none |
//!
//! [`RedisSessionStore::record_key`], [`RedisSessionStore::lock_key`] and
//! [`RedisSessionStore::fence_key`] give the exact names. The braces are a Redis Cluster hash
//! tag: the three keys of an account share one slot, so every script runs on one node.
//! Nothing else is written. Use one prefix per environment; every process that should share a
//! session needs the same prefix (and the same encryption key).
//!
//! ## TTLs
//! - A session's key expires [`ttl_margin`](RedisStoreBuilder::ttl_margin) (default 5 s, at most
//!   a tenth of the remaining life) before the session does, so no process adopts a session in its
//!   last moments and Redis cleans up after itself. TTLs are computed with the store's
//!   [`clock`](RedisStoreBuilder::clock) from the session's wall-clock expiry, so hosts need
//!   roughly synchronized clocks (NTP), as they do for the expiry itself.
//! - A session that never expires gets no TTL, unless [`max_key_ttl`](RedisStoreBuilder::max_key_ttl) caps it.
//! - A rate-limit ban is stored as a record without a session whose key lives until the ban ends:
//!   every process refuses to log in during the ban, without a request.
//! - The lock lives for the manager's `lock_ttl` and is extended every third of it while its
//!   holder's login or renewal runs: a holder that crashes blocks the others for at most that long.
//!
//! ## The lock is for efficiency, the generation for correctness
//! - **Login lock**: before logging in, a manager takes `P{K}:lock` with one script that
//!   increments `P{K}:fence` and sets the lock (`PX`) to the new generation and a random token,
//!   then reads the record again (another process may have just logged in) and adopts it
//!   if it is usable. Waiters poll every [`lock_poll_interval`](RedisStoreBuilder::lock_poll_interval)
//!   (25 ms plus jitter); when the holder releases (a compare-and-delete script that deletes the
//!   lock only if it still holds the holder's token), the next waiter reads the stored session and
//!   uses it. The manager bounds the wait by its `lock_wait` (default 60 s) plus `store_timeout`. Renewals take the same
//!   lock: after taking it, a manager adopts a record that another process renewed (a newer
//!   generation) or extended (the same generation with a later deadline) instead of renewing
//!   again, so a rotating refresh token is spent once.
//! - A lock can be lost — its holder stalls past the TTL, Redis fails over to a replica that never
//!   saw it — and then two processes may log in. That costs a login, nothing more, because of the
//!   fence:
//! - **Fencing token**: the generation the lock script returns is issued by Redis, so it grows
//!   across every process. Every write is a Lua script that names its writer's generation and is
//!   refused unless that is still the newest one issued (nobody took the lock since) and the
//!   stored record is not newer; an equal record generation is accepted (a renewal that extends
//!   the same session). A process whose write is refused adopts the stored session. Invalidation
//!   deletes only the generation the process saw, so it cannot delete a session another process
//!   stored meanwhile. Generations are compared exactly as decimal strings.
//!
//! ## What happens when Redis fails
//! Every store operation is bounded by [`command_timeout`](RedisStoreBuilder::command_timeout)
//! (default 1 s, reconnecting included) and fails with `Unavailable` (refused, reset, unreachable)
//! or `Timeout` (no answer); the manager bounds it again by its own `store_timeout`. Then the
//! manager:
//! - keeps serving the session it holds (a fresh cached session needs no store at all: `get()`
//!   does not touch Redis);
//! - logs in on its own with local single flight (one login per process, not per caller) when it
//!   needs a session;
//! - reports `Health::store_degraded = true` and sends [`Event::StoreUnavailable`] (and logs a
//!   warning once per outage).
//!
//! The connection is re-established in the background; the first operation that succeeds clears
//! `store_degraded`, and the next login or renewal stores its session again.
//! After a **failover** to a replica, the newest writes may be missing: the worst case is one
//! extra login per account, and a replica that still has an older record cannot overwrite a newer
//! one held by a process (the fence applies on the next write). Scripts are sent by hash and
//! loaded again automatically on a server that lost them (`NOSCRIPT`).
//!
//! ## Sizing and topology
//! `command_timeout` below the manager's `store_timeout` (default 2 s); the manager's `lock_ttl`
//! short enough that a crashed holder does not block the fleet for long (the manager extends it
//! while a login runs, so it need not exceed the slowest login) and its `lock_wait` above the
//! slowest login; `connect_timeout` short (default 1 s). A store is tied to
//! the Tokio runtime it is first used on; build one per runtime.
//!
//! The store talks to one Redis endpoint — a single server, or a primary behind a stable address
//! that moves on failover (Sentinel-managed DNS or proxy, a managed service's primary endpoint) —
//! or to a **Redis Cluster** (or Valkey cluster): [`RedisStoreBuilder::cluster`] treats the URL as
//! a seed node ([`RedisStoreBuilder::cluster_node`] adds more). The cluster connection follows
//! `MOVED` and `ASK` redirections during resharding and refreshes its slot map when a replica takes
//! over a failed master, retrying within the `command_timeout`; give that timeout a few seconds on
//! a cluster so an operation outlasts a failover (the cluster's `cluster-node-timeout` plus the
//! election). Persistence (RDB/AOF) is optional: a restarted
//! empty Redis costs one login per account.
//!
//! # Security
//! - **Stored values**: by default the record is stored as JSON, session token included: Redis is
//!   inside the trust boundary (like the process memory that holds the same token). With an
//!   [`EncryptionKey`] ([`encryption_key`](RedisStoreBuilder::encryption_key)) values are sealed
//!   with XChaCha20-Poly1305 from RustCrypto's `chacha20poly1305`, bound to their key and
//!   generation (a value moved to another account's key does not open). A wrong key or a corrupt
//!   value is an error of kind `Configuration`, never a panic; plain values are refused when a
//!   key is set. Rotate with [`previous_encryption_key`](RedisStoreBuilder::previous_encryption_key).
//! - **Connection password**: pass it with [`password`](RedisStoreBuilder::password) (a redacted
//!   [`Password`]) or in the URL. `Debug` of the store and of the builder shows the URL with the
//!   password replaced by `***` and without its query; errors never contain the URL.
//! - **Transport**: with the `tls` feature, `rediss://` uses rustls (`aws-lc-rs`, through
//!   rustls' process-wide default provider, which the Redis client reads: if your graph also
//!   compiles `ring`, for example through a provider crate's `rustls-ring` feature, install one
//!   provider at start-up) with the webpki roots,
//!   or only the roots you give (`RedisStoreBuilder::add_root_pem`, for a private CA), and can
//!   present a client certificate (`RedisStoreBuilder::client_identity_pem`). Unverified TLS
//!   (`#insecure`) is refused. Plain `redis://` sends the password in clear: use it on loopback
//!   or a private network only.
//! - **Errors and logs**: errors are fixed messages with the server's error code at most (see
//!   the table below); this crate logs no key, value, token or URL.
//! - **Store keys** are not secret but name accounts; restrict who can read the Redis database.
//!
//! # Errors
//! Every error's provider is [`NAME`] (`"redis"`).
//!
//! | failure | [`ErrorKind`] |
//! |---|---|
//! | an operation did not finish within `command_timeout`; a socket timeout | `Timeout` |
//! | connection refused, reset or dropped; other I/O failures | `Unavailable` |
//! | `LOADING`, `MASTERDOWN`, `TRYAGAIN`, `CLUSTERDOWN`, `READONLY`, `OOM`, `BUSY` | `Unavailable` (code kept) |
//! | `NOAUTH`, `WRONGPASS`, `NOPERM`, authentication refused | `Configuration` |
//! | `WRONGTYPE` (a key under the prefix holds another type) | `Configuration` |
//! | a bad URL or setting; a value that cannot be opened or parsed | `Configuration` |
//! | anything else | `UnexpectedResponse` |
//!
//! # Features
//! - `tls`: `rediss://` with rustls; see Security.
//! - `test-util`: `TestRedis`, a throw-away `redis-server` on loopback (or the server at
//!   `REDIS_URL`) for your tests, with kill, restart, pause and a TLS mode; `TestPrefix`, a
//!   per-test key prefix cleaned up on drop; and `TestCluster`, a local Redis Cluster
//!   (`redis-server --cluster-enabled yes` nodes joined by `redis-cli --cluster create`).
//!
//! # Tests
//! This crate's tests run against a real `redis-server` (never a mock): `REDIS_URL` when set,
//! else `redis-server` from `PATH`. Without either they fail, saying what to install;
//! `cargo xtask test` installs the package when it can.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod backend;
mod config;
mod error;
mod seal;
mod store;
#[cfg(feature = "test-util")]
mod test_cluster;
#[cfg(feature = "test-util")]
mod test_support;

pub use config::{DEFAULT_PREFIX, RedisStoreBuilder};
pub use error::NAME;
pub use seal::EncryptionKey;
pub use store::RedisSessionStore;
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub use test_cluster::{Migration, TestCluster};
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub use test_support::{TestPrefix, TestRedis};

pub use session_core::{
    Clock, Error, ErrorKind, Event, Health, Lease, ManagerBuilder, Password, Result,
    SessionManager, SessionProvider, SessionStore, StoreLock, StoredRecord, SystemClock,
};

/// The README's examples, compiled as doctests so the quick start stays true.
#[cfg(doctest)]
#[doc(test(attr(deny(warnings), allow(dead_code))))]
#[doc = include_str!("../README.md")]
mod readme {}
