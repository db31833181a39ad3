//! Overhead of `SessionMiddleware` over raw reqwest with the header set by hand, against the same
//! loopback server in the same run (target: within 3 %).
#![allow(missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use session_core::middleware::SessionMiddleware;
use session_core::test_util::{SimResponse, SimServer};
use session_core::{AccessToken, SessionManager, StaticToken, StaticTokenProvider};

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let server = rt
        .block_on(SimServer::start(|req| {
            if req.header("authorization") == Some("Bearer bench-token") {
                SimResponse::json(200, serde_json::json!({"ok": true, "items": [1, 2, 3]}))
            } else {
                SimResponse::json(401, serde_json::json!({"error": "unauthorized"}))
            }
        }))
        .unwrap();
    let url = server.url("/data");
    let raw = session_core::test_util::reqwest_client();
    let manager = SessionManager::new(StaticTokenProvider::new(
        "bench",
        StaticToken::bearer(AccessToken::new("bench-token")),
    ));
    let wrapped = reqwest_middleware::ClientBuilder::new(session_core::test_util::reqwest_client())
        .with(SessionMiddleware::new(manager))
        .build();

    let mut group = c.benchmark_group("request");
    group.bench_function("raw_reqwest_header_by_hand", |b| {
        b.to_async(&rt).iter(|| async {
            let resp = raw
                .get(&url)
                .header("authorization", "Bearer bench-token")
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 200);
            resp.bytes().await.unwrap()
        });
    });
    let empty_chain =
        reqwest_middleware::ClientBuilder::new(session_core::test_util::reqwest_client()).build();
    group.bench_function("empty_middleware_chain_header_by_hand", |b| {
        b.to_async(&rt).iter(|| async {
            let resp = empty_chain
                .get(&url)
                .header("authorization", "Bearer bench-token")
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 200);
            resp.bytes().await.unwrap()
        });
    });
    group.bench_function("session_middleware", |b| {
        b.to_async(&rt).iter(|| async {
            let resp = wrapped.get(&url).send().await.unwrap();
            assert_eq!(resp.status(), 200);
            resp.bytes().await.unwrap()
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
