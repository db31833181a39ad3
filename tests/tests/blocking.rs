//! The blocking API over real HTTP: a synchronous Betfair login against the simulator, from
//! sixteen plain threads at once with no runtime of their own, makes one upstream login; a
//! logout reaches the simulator; a wrong password is reported and not retried.

use std::sync::{Arc, Barrier};

use session_betfair::{BetfairProvider, BetfairSim, BlockingManager, ErrorKind, Session, SimOp};

/// The simulator runs on its own runtime on a thread of its own; the test threads have none.
fn simulator() -> (BetfairSim, tokio::runtime::Runtime) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let sim = rt
        .block_on(BetfairSim::builder().account("alice", "pw").start())
        .expect("simulator");
    (sim, rt)
}

fn manager(sim: &BetfairSim, password: &str) -> BlockingManager<BetfairProvider> {
    BlockingManager::new(
        BetfairProvider::builder("APP-KEY")
            .interactive("alice", password)
            .identity_url(sim.identity_url())
            .allow_insecure_loopback(true)
            .build()
            .expect("provider"),
    )
}

#[test]
fn sixteen_threads_share_one_synchronous_login() {
    let (sim, _rt) = simulator();
    let manager = manager(&sim, "pw");
    let barrier = Arc::new(Barrier::new(16));
    let threads: Vec<_> = (0..16)
        .map(|_| {
            let m = manager.clone();
            let b = barrier.clone();
            std::thread::spawn(move || {
                b.wait();
                let lease = m.get().expect("login");
                let mut headers = http::HeaderMap::new();
                lease.authenticate(&mut headers);
                assert!(headers["x-authentication"].is_sensitive());
                lease.generation()
            })
        })
        .collect();
    let generations: Vec<u64> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert!(generations.iter().all(|g| *g == generations[0]));
    assert_eq!(sim.logins(), 1);
    manager.logout().expect("logout");
    assert_eq!(sim.calls(SimOp::Logout), 1);
    assert_eq!(sim.active_sessions(), 0);
}

#[test]
fn a_wrong_password_is_reported_and_not_retried() {
    let (sim, _rt) = simulator();
    let manager = manager(&sim, "wrong");
    for _ in 0..3 {
        let e = manager.get().expect_err("bad password");
        assert_eq!(e.kind(), ErrorKind::InvalidCredentials);
    }
    assert_eq!(sim.logins(), 1);
}
