//! The metrics a manager records (feature `metrics`), read the way an operator reads them: a
//! Prometheus exporter (`metrics-exporter-prometheus`) serving on loopback, scraped over HTTP.
//! Its own test binary, because the recorder is process-wide.

use std::time::Duration;

use metrics_exporter_prometheus::PrometheusBuilder;
use session_core::test_util::{FakeProvider, FakeRenewal, ManualClock};
use session_core::{ErrorKind, MemoryStore, SessionManager};

async fn scrape(url: &str) -> String {
    session_core::test_util::reqwest_client()
        .get(url)
        .send()
        .await
        .expect("scrape")
        .text()
        .await
        .expect("body")
}

/// The value of the sample whose line starts with `series` (name and labels), if present.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(series) && l[series.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prometheus_scrape_shows_logins_failures_bans_renewals_and_store_operations() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    PrometheusBuilder::new()
        .with_http_listener(([127, 0, 0, 1], port))
        .install()
        .expect("exporter");
    let url = format!("http://127.0.0.1:{port}/metrics");

    let clock = ManualClock::new();
    let provider = FakeProvider::new(clock.shared(), Duration::from_secs(900))
        .with_renewal(FakeRenewal::NewToken);
    let manager = SessionManager::builder(provider.clone())
        .clock(clock.shared())
        .store(std::sync::Arc::new(MemoryStore::new()))
        .default_ban(Duration::from_secs(60))
        .build();

    // A ban: one failed login, then one refused locally.
    provider.fail_logins(1, ErrorKind::RateLimited, Some(Duration::from_secs(30)));
    manager.get().await.expect_err("rate limited");
    manager.get().await.expect_err("refused during the ban");
    clock.advance(Duration::from_secs(31));
    // A login, a renewal, an invalidation and the re-login after it.
    let lease = manager.get().await.expect("login");
    manager.refresh().await.expect("renewal");
    let lease2 = manager.get().await.expect("renewed");
    assert_ne!(lease.generation(), lease2.generation());
    assert!(manager.invalidate(&lease2));
    manager.get().await.expect("re-login");

    let text = scrape(&url).await;
    let p = r#"provider="fake""#;
    assert_eq!(
        sample(&text, &format!("session_logins_started_total{{{p}}}")),
        Some(3.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, &format!("session_logins_succeeded_total{{{p}}}")),
        Some(2.0)
    );
    assert_eq!(
        sample(
            &text,
            &format!(
                r#"session_logins_failed_total{{{p},kind="rate_limited",code="FAKE_FAILURE"}}"#
            )
        ),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, &format!("session_bans_total{{{p}}}")),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, &format!("session_ban_refusals_total{{{p}}}")),
        Some(1.0)
    );
    assert_eq!(
        sample(
            &text,
            &format!(r#"session_renewals_total{{{p},outcome="renewed"}}"#)
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, &format!("session_invalidations_total{{{p}}}")),
        Some(1.0)
    );
    assert_eq!(
        sample(
            &text,
            &format!("session_relogins_after_rejection_total{{{p}}}")
        ),
        Some(1.0)
    );
    assert!(
        sample(
            &text,
            &format!(r#"session_store_operations_total{{{p},op="save",outcome="ok"}}"#)
        )
        .is_some_and(|n| n >= 2.0),
        "{text}"
    );
    assert!(text.contains("session_login_duration_seconds"), "{text}");
    assert!(text.contains("session_renewal_duration_seconds"), "{text}");
    assert_eq!(
        sample(&text, &format!("session_expires_in_seconds{{{p}}}")),
        Some(900.0)
    );
    assert_eq!(
        sample(&text, &format!("session_consecutive_failures{{{p}}}")),
        Some(0.0)
    );

    // The cached path records nothing: a thousand cached gets leave the scrape unchanged.
    for _ in 0..1000 {
        manager.get().await.expect("cached");
    }
    // Families come out in any order; the lines must be the same.
    let sorted = |t: &str| {
        let mut lines: Vec<String> = t.lines().map(str::to_owned).collect();
        lines.sort();
        lines
    };
    assert_eq!(
        sorted(&scrape(&url).await),
        sorted(&text),
        "the cached get() path recorded metrics"
    );
    // No label carries anything but the provider, a kind, a code, an operation or an outcome.
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && l.contains('{'))
    {
        let labels = &line[line.find('{').unwrap() + 1..line.find('}').unwrap()];
        for label in labels.split(',') {
            let name = label.split('=').next().unwrap();
            assert!(
                [
                    "provider", "kind", "code", "op", "outcome", "quantile", "le"
                ]
                .contains(&name),
                "unexpected label {name} in {line}"
            );
        }
    }
}
