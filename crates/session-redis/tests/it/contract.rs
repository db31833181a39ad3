//! The store conformance suite on a real `redis-server` and on a real local Redis Cluster (3
//! masters), two writer processes included; and the cluster surviving a master killed mid-run.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use session_core::SystemClock;
use session_core::test_util::StoreFixture;
use session_core::test_util::store_conformance;
use session_redis::{
    RedisSessionStore, SessionManager, SessionProvider, SessionStore, TestCluster, TestRedis,
};

use crate::support::{HttpLogin, LoginSim, within};

/// Where the fixture's stores live.
#[derive(Clone)]
struct Target {
    /// One URL for a single server; every node's URL for a cluster.
    urls: Vec<String>,
    cluster: bool,
    prefix: String,
}

impl Target {
    fn store(&self) -> RedisSessionStore {
        let mut b = RedisSessionStore::builder(self.urls[0].clone())
            .prefix(self.prefix.clone())
            .connect_timeout(Duration::from_millis(500))
            .command_timeout(Duration::from_secs(8))
            .lock_poll_interval(Duration::from_millis(10));
        if self.cluster {
            b = b.cluster();
            for url in &self.urls[1..] {
                b = b.cluster_node(url.clone());
            }
        }
        b.build().expect("store settings")
    }

    fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            (URLS, self.urls.join(",")),
            (CLUSTER, self.cluster.to_string()),
            (PREFIX, self.prefix.clone()),
        ]
    }

    fn from_env() -> Option<Self> {
        Some(Self {
            urls: std::env::var(URLS)
                .ok()?
                .split(',')
                .map(str::to_owned)
                .collect(),
            cluster: std::env::var(CLUSTER).ok()? == "true",
            prefix: std::env::var(PREFIX).ok()?,
        })
    }

    /// Writes `bytes` as the record of `key` behind the store's back (generation 1).
    async fn plant(&self, key: &str, bytes: &[u8]) {
        let record_key = self.store().record_key(key);
        let mut cmd = redis::cmd("HSET");
        cmd.arg(&record_key).arg("g").arg("1").arg("v").arg(bytes);
        if self.cluster {
            let mut c = redis::cluster::ClusterClient::new(self.urls.clone())
                .unwrap()
                .get_async_connection()
                .await
                .unwrap();
            let _: i64 = cmd.query_async(&mut c).await.unwrap();
        } else {
            let mut c = crate::support::raw(&self.urls[0]).await;
            let _: i64 = cmd.query_async(&mut c).await.unwrap();
        }
    }
}

const URLS: &str = "SESSION_REDIS_CONTRACT_URLS";
const CLUSTER: &str = "SESSION_REDIS_CONTRACT_CLUSTER";
const PREFIX: &str = "SESSION_REDIS_CONTRACT_PREFIX";
const ENTRY: &str = "contract::redis_writer_process";

#[async_trait]
impl StoreFixture for Target {
    fn handle(&self, _key: &str) -> Arc<dyn SessionStore> {
        Arc::new(self.store())
    }
    fn key(&self, name: &str) -> String {
        format!("acct-{name}")
    }
    fn locks_expire(&self) -> bool {
        true
    }
    async fn plant(&self, key: &str, bytes: &[u8]) -> bool {
        Target::plant(self, key, bytes).await;
        true
    }
}

/// The writer process of the two-process check (does nothing in a normal test run).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_writer_process() {
    let Some(target) = Target::from_env() else {
        return;
    };
    assert!(store_conformance::writer_child(|_| Arc::new(target.store())).await);
}

async fn run_suite(target: &Target) {
    store_conformance::run(target).await;
    let env = target.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    store_conformance::concurrent_writers_in_processes(target, ENTRY, &env).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_single_redis_keeps_the_store_contract() {
    let redis = TestRedis::start();
    let prefix = redis.prefix("contract");
    let target = Target {
        urls: vec![redis.url().to_owned()],
        cluster: false,
        prefix: prefix.to_string(),
    };
    run_suite(&target).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_cluster_keeps_the_store_contract() {
    let cluster = TestCluster::start(3, 0);
    let target = Target {
        urls: cluster.urls(),
        cluster: true,
        prefix: TestRedis::unique_prefix("cluster-contract"),
    };
    assert!(target.store().is_cluster());
    run_suite(&target).await;
    // The suite's keys were spread over the masters: the cluster really routed them.
    let masters: std::collections::BTreeSet<u16> = ["round-trip", "generations", "ban", "delete"]
        .iter()
        .filter_map(|name| cluster.master_of(&target.store().record_key(&target.key(name))))
        .collect();
    assert!(masters.len() >= 2, "keys on {masters:?}");
}

fn manager(target: &Target, sim: &LoginSim) -> SessionManager<HttpLogin> {
    let clock = Arc::new(SystemClock);
    SessionManager::builder(HttpLogin::new(&sim.url(), clock.clone()))
        .clock(clock.clone())
        .store(Arc::new(target.store()))
        .store_timeout(Duration::from_secs(10))
        .build()
}

/// Sixteen managers start cold on one account through the cluster: one login.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixteen_cold_managers_on_a_cluster_log_in_once() {
    let cluster = TestCluster::start(3, 0);
    let sim = LoginSim::start(Duration::from_millis(100)).await;
    let target = Target {
        urls: cluster.urls(),
        cluster: true,
        prefix: TestRedis::unique_prefix("cluster-cold"),
    };
    let managers: Vec<_> = (0..16).map(|_| manager(&target, &sim)).collect();
    let tasks: Vec<_> = managers
        .iter()
        .cloned()
        .map(|m| tokio::spawn(async move { m.get().await.map(|l| l.serial) }))
        .collect();
    let mut serials = Vec::new();
    for t in tasks {
        serials.push(t.await.unwrap().unwrap());
    }
    assert_eq!(sim.logins(), 1);
    assert!(serials.iter().all(|s| *s == serials[0]));
    let key = managers[0].provider().store_key();
    let store = target.store();
    let record_master = cluster.master_of(&store.record_key(&key));
    assert!(record_master.is_some());
    assert_eq!(record_master, cluster.master_of(&store.lock_key(&key)));
    assert_eq!(record_master, cluster.master_of(&store.fence_key(&key)));
}

/// The master holding the account's slot is killed while cold managers keep arriving: its replica
/// takes over, every manager still gets the one stored session (no second login), and the fence
/// counter carried over, so the next lock issues a newer generation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_master_killed_mid_run_loses_no_session_and_doubles_none() {
    let cluster = TestCluster::start(3, 1);
    let sim = LoginSim::start(Duration::from_millis(50)).await;
    let target = Target {
        urls: cluster.urls(),
        cluster: true,
        prefix: TestRedis::unique_prefix("cluster-failover"),
    };
    let first = manager(&target, &sim);
    let lease = first.get().await.unwrap();
    assert_eq!(sim.logins(), 1);
    let key = first.provider().store_key();
    let store = target.store();
    let master = cluster
        .master_of(&store.record_key(&key))
        .expect("a master serves the account");
    // The session and the fence counter reached the replica before the crash.
    let mut c = crate::support::raw(&format!("redis://127.0.0.1:{master}/")).await;
    let mut caught_up = false;
    for _ in 0..100 {
        let info: String = redis::cmd("INFO")
            .arg("replication")
            .query_async(&mut c)
            .await
            .unwrap();
        let field = |name: &str| -> Option<u64> {
            info.lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().parse().ok())
        };
        let replica = info
            .lines()
            .find_map(|l| l.strip_prefix("slave0:"))
            .and_then(|v| v.split(',').find_map(|kv| kv.strip_prefix("offset=")))
            .and_then(|v| v.parse::<u64>().ok());
        if let (Some(master), Some(replica)) = (field("master_repl_offset:"), replica)
            && replica >= master
        {
            caught_up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(caught_up, "the replica caught up with the master");

    let arrivals = tokio::spawn({
        let target = target.clone();
        let sim_url = sim.url();
        async move {
            let mut serials = Vec::new();
            for _ in 0..12 {
                let clock = Arc::new(SystemClock);
                let m = SessionManager::builder(HttpLogin::new(&sim_url, clock.clone()))
                    .clock(clock.clone())
                    .store(Arc::new(target.store()))
                    .store_timeout(Duration::from_secs(10))
                    .build();
                let lease = m.get().await.map(|l| l.serial);
                serials.push(lease);
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            serials
        }
    });
    tokio::time::sleep(Duration::from_millis(600)).await;
    cluster.kill(master);
    let serials = within(
        Duration::from_secs(60),
        "managers across the failover",
        arrivals,
    )
    .await
    .unwrap();
    for s in &serials {
        assert_eq!(s.as_ref().ok(), Some(&lease.serial), "{serials:?}");
    }
    assert_eq!(sim.logins(), 1, "no manager logged in again");
    assert_ne!(cluster.master_of(&store.record_key(&key)), Some(master));
    let next = store.lock(&key, Duration::from_secs(5)).await.unwrap();
    assert!(
        next.generation() > lease.generation(),
        "the fence counter survived the failover"
    );
    next.release().await.unwrap();
}

/// The account's slot moves to another master while the store is in use: during the move the
/// cluster answers `ASK` or `TRYAGAIN`, after it `MOVED`; a manager restores the session, a lock
/// and a fenced write complete, no second login happens and the fence counter moves with the slot.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_accounts_slot_moving_to_another_master_loses_nothing() {
    let cluster = TestCluster::start(3, 0);
    let sim = LoginSim::start(Duration::from_millis(50)).await;
    let target = Target {
        urls: cluster.urls(),
        cluster: true,
        prefix: TestRedis::unique_prefix("cluster-reshard"),
    };
    let first = manager(&target, &sim);
    let lease = first.get().await.unwrap();
    let key = first.provider().store_key();
    // A handle connected before the move: it must follow the redirections.
    let store = target.store();
    let warm = store.lock(&key, Duration::from_secs(5)).await.unwrap();
    let before = warm.generation();
    warm.release().await.unwrap();
    let record_key = store.record_key(&key);

    let migration = cluster.begin_migration(&record_key);
    let during = tokio::spawn({
        let (target, store, key, sim_url) = (target.clone(), store.clone(), key.clone(), sim.url());
        async move {
            let clock = Arc::new(SystemClock);
            let m = SessionManager::builder(HttpLogin::new(&sim_url, clock.clone()))
                .clock(clock)
                .store(Arc::new(target.store()))
                .store_timeout(Duration::from_secs(10))
                .build();
            let serial = m.get().await.map(|l| l.serial);
            let lock = store.lock(&key, Duration::from_secs(5)).await.unwrap();
            let g = lock.generation();
            let mut record = store.load(&key).await.unwrap().expect("the stored session");
            record.generation = g;
            let written = store.save(&key, &record, g).await.unwrap();
            lock.release().await.unwrap();
            (serial, g, written)
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    // The lock script touches the lock (not on the source) and the fence counter (on it): the
    // source answers TRYAGAIN until the keys have moved, and the client keeps retrying.
    assert!(
        !during.is_finished(),
        "the lock waits while the slot's keys are split"
    );
    cluster.finish_migration(&migration);
    let (serial, during_generation, written) =
        within(Duration::from_secs(20), "store use across the move", during)
            .await
            .unwrap();
    assert_eq!(serial.ok(), Some(lease.serial), "restored, not logged in");
    assert!(written, "the fenced write went through");
    assert!(during_generation > before);
    assert_eq!(cluster.master_of(&record_key), Some(migration.to));
    assert_eq!(
        cluster.master_of(&store.fence_key(&key)),
        Some(migration.to)
    );

    let after = manager(&target, &sim);
    assert_eq!(after.get().await.unwrap().serial, lease.serial);
    assert_eq!(sim.logins(), 1, "no login across the move");
    let next = store.lock(&key, Duration::from_secs(5)).await.unwrap();
    assert!(
        next.generation() > during_generation,
        "the fence counter moved with the slot"
    );
    next.release().await.unwrap();
}
