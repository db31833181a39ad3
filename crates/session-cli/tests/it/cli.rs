//! The command line itself: usage errors, option positions, the transport rules
//! (`http://` only to loopback hosts), timeouts, unreachable servers, redirects, and exit codes.

use std::time::Duration;

use session_core::test_util::{SimResponse, SimServer};

use crate::support::{TempDir, sessions};

#[tokio::test(flavor = "multi_thread")]
async fn usage_errors_exit_2() {
    for args in [
        vec![],
        vec!["nosuchprovider", "login"],
        vec!["cas"],
        vec!["cas", "nosuchcommand"],
        vec!["betfair", "login", "--cert", "a.crt"],
        vec!["betfair", "login", "--pem", "a.pem", "--p12", "a.p12"],
        vec!["cas", "--flavor", "kerberos", "status"],
        vec!["betfair", "--jurisdiction", "mars", "status"],
        vec!["seaware", "--params", "header", "status"],
        vec!["--timeout", "soon", "cas", "status"],
        vec!["cas", "service-ticket"],
        vec!["betfair", "vendor", "activate"],
    ] {
        let run = sessions().args(&args).run().await;
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(!run.stderr.is_empty(), "{args:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn help_and_version_exit_0() {
    let run = sessions().args(["--help"]).run().await;
    run.code(0);
    for word in [
        "cas",
        "betfair",
        "seaware",
        "pagos",
        "matchbook",
        "demo",
        "--store",
        "--json",
    ] {
        assert!(run.stdout.contains(word), "{word}: {}", run.stdout);
    }
    sessions().args(["--version"]).run().await.code(0);
    let run = sessions().args(["pagos", "--help"]).run().await;
    run.code(0);
    assert!(run.stdout.contains("--application-key"));
}

#[tokio::test(flavor = "multi_thread")]
async fn http_to_a_non_loopback_host_is_refused_even_with_insecure_loopback() {
    let env = [
        ("CAS_USERNAME", "u"),
        ("CAS_PASSWORD", "p"),
        ("CAS_API_KEY", "k"),
        ("CAS_API_SECRET", "s"),
        ("BETFAIR_APP_KEY", "k"),
        ("BETFAIR_USERNAME", "u"),
        ("BETFAIR_PASSWORD", "p"),
        ("SEAWARE_USERNAME", "u"),
        ("SEAWARE_PASSWORD", "p"),
        ("PAGOS_TOKEN", "t"),
        ("PAGOS_APPLICATION_KEY", "a"),
    ];
    for url in [
        "http://example.com",
        "http://10.1.2.3:8080",
        "http://[2001:db8::1]/x",
    ] {
        for (provider, command) in [
            ("cas", "login"),
            ("betfair", "login"),
            ("seaware", "login"),
            ("pagos", "open"),
        ] {
            for loopback in [true, false] {
                let mut c = sessions().args(["--json", "--base-url", url]);
                if loopback {
                    c = c.args(["--insecure-loopback"]);
                }
                let e = c.args([provider, command]).envs(&env).run().await.fails(
                    provider,
                    command,
                    "configuration",
                );
                assert!(e["message"].as_str().unwrap().contains("http://"), "{e}");
            }
        }
    }
    // A plain-http Pagos token URL is refused the same way.
    sessions()
        .args([
            "--json",
            "--insecure-loopback",
            "--base-url",
            "http://127.0.0.1:9",
        ])
        .args(["pagos", "--token-url", "http://example.com/token", "open"])
        .envs(&[
            ("PAGOS_APPLICATION_KEY", "a"),
            ("PAGOS_CLIENT_ID", "c"),
            ("PAGOS_CLIENT_SECRET", "s"),
        ])
        .run()
        .await
        .fails("pagos", "open", "configuration");
}

#[tokio::test(flavor = "multi_thread")]
async fn http_to_loopback_needs_the_opt_out() {
    let e = sessions()
        .args(["--json", "--base-url", "http://127.0.0.1:9"])
        .args(["seaware", "login"])
        .envs(&[("SEAWARE_USERNAME", "u"), ("SEAWARE_PASSWORD", "p")])
        .run()
        .await
        .fails("seaware", "login", "configuration");
    assert!(e["message"].as_str().unwrap().contains("http://"), "{e}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_server_is_unavailable() {
    // Bind and drop a listener to find a closed loopback port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    sessions()
        .args(["--json", "--insecure-loopback", "--base-url"])
        .args([format!("http://127.0.0.1:{port}")])
        .args(["seaware", "login"])
        .envs(&[("SEAWARE_USERNAME", "u"), ("SEAWARE_PASSWORD", "p")])
        .run()
        .await
        .fails("seaware", "login", "unavailable");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_server_is_a_timeout() {
    let server = SimServer::start(|_| {
        SimResponse::json(200, serde_json::json!({})).delayed(Duration::from_secs(5))
    })
    .await
    .unwrap();
    sessions()
        .args([
            "--json",
            "--insecure-loopback",
            "--timeout",
            "0.5",
            "--base-url",
        ])
        .args([server.base_url()])
        .args(["seaware", "login"])
        .envs(&[("SEAWARE_USERNAME", "u"), ("SEAWARE_PASSWORD", "p")])
        .run()
        .await
        .fails("seaware", "login", "timeout");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_redirect_is_not_followed_and_is_unexpected_response() {
    let server = SimServer::start(|_| {
        SimResponse::status(302).header("location", "https://login.example.com/")
    })
    .await
    .unwrap();
    sessions()
        .args(["--json", "--insecure-loopback", "--base-url"])
        .args([server.base_url()])
        .args(["betfair", "login"])
        .envs(&[
            ("BETFAIR_APP_KEY", "k"),
            ("BETFAIR_USERNAME", "u"),
            ("BETFAIR_PASSWORD", "p"),
        ])
        .run()
        .await
        .fails("betfair", "login", "unexpected_response");
}

#[tokio::test(flavor = "multi_thread")]
async fn status_and_logout_need_a_store() {
    for (provider, command) in [
        ("cas", "status"),
        ("betfair", "status"),
        ("seaware", "status"),
        ("pagos", "status"),
    ] {
        sessions()
            .args(["--json", provider, command])
            .run()
            .await
            .fails(provider, command, "configuration");
    }
    sessions()
        .args(["--json", "--base-url", "https://sso.example.com"])
        .args(["betfair", "logout"])
        .envs(&[("BETFAIR_APP_KEY", "k"), ("BETFAIR_USERNAME", "u")])
        .run()
        .await
        .fails("betfair", "logout", "configuration");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreadable_ca_certificate_is_configuration() {
    let dir = TempDir::new("cli-ca");
    sessions()
        .args(["--json", "--ca-cert"])
        .args([dir.path("nope.pem").display().to_string()])
        .args(["--base-url", "https://calc.example.com"])
        .args(["pagos", "--application-key", "a", "open"])
        .env("PAGOS_TOKEN", "t")
        .run()
        .await
        .fails("pagos", "open", "configuration");
}

#[tokio::test(flavor = "multi_thread")]
async fn without_json_success_goes_to_stdout_and_failure_to_stderr() {
    let sim = crate::seaware::sim().await;
    let run = sessions()
        .args(["--insecure-loopback", "--base-url", &sim.base_url()])
        .args(["seaware", "login"])
        .envs(&[
            ("SEAWARE_USERNAME", crate::seaware::USER),
            ("SEAWARE_PASSWORD", crate::seaware::PASSWORD),
            ("SEAWARE_CLIENT_SECRET", crate::seaware::CLIENT_SECRET),
        ])
        .run()
        .await;
    run.code(0).clean(&crate::seaware::secrets());
    assert!(
        run.stdout.starts_with("seaware login: ok"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("expires_at"));
    let run = sessions()
        .args(["--insecure-loopback", "--base-url", &sim.base_url()])
        .args(["seaware", "login"])
        .envs(&[
            ("SEAWARE_USERNAME", crate::seaware::USER),
            ("SEAWARE_PASSWORD", "PW-SENTINEL-nojson-wrong"),
            ("SEAWARE_CLIENT_SECRET", crate::seaware::CLIENT_SECRET),
        ])
        .run()
        .await;
    run.code(3).clean(&["PW-SENTINEL-nojson-wrong"]);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(run.stderr.contains("invalid_credentials"), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn completions_are_generated_for_every_shell() {
    for (shell, marker) in [
        ("bash", "complete"),
        ("zsh", "#compdef sessions"),
        ("fish", "complete -c sessions"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion"),
    ] {
        let run = sessions().args(["completions", shell]).run().await;
        run.code(0);
        assert!(
            run.stdout.contains(marker),
            "{shell}: {}",
            &run.stdout[..run.stdout.len().min(300)]
        );
        for word in ["betfair", "keepalive", "profile"] {
            assert!(run.stdout.contains(word), "{shell} completes {word}");
        }
    }
    let run = sessions().args(["completions", "tcsh"]).run().await;
    assert_eq!(run.code, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn with_json_usage_errors_are_one_json_object() {
    for args in [
        vec!["--json", "cas", "nosuchcommand"],
        vec!["betfair", "login", "--cert", "a.crt", "--json"],
        vec!["--json", "--timeout", "soon", "cas", "status"],
        vec!["--json"],
    ] {
        let run = sessions().args(&args).run().await;
        run.code(2);
        let v = run.json();
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            ["schema", "provider", "command", "ok", "error"],
            "{args:?}: {v}"
        );
        assert_eq!(v["schema"], 1);
        assert_eq!(v["ok"], false);
        let error_keys: Vec<&String> = v["error"].as_object().unwrap().keys().collect();
        assert_eq!(error_keys, ["kind", "code", "message"], "{v}");
        assert_eq!(v["error"]["kind"], "configuration");
        assert_eq!(v["error"]["code"], "USAGE");
        let message = v["error"]["message"].as_str().unwrap();
        assert!(!message.is_empty() && !message.contains('\n'), "{v}");
    }
    let v = sessions()
        .args(["--json", "cas", "nosuchcommand"])
        .run()
        .await
        .json();
    assert_eq!(v["provider"], "cas");
    // `--json` after `--` belongs to exec's child, so this is an ordinary usage error.
    let run = sessions().args(["cas", "exec", "--", "--json"]).run().await;
    assert!(run.stdout.is_empty() || run.json()["ok"] == false);
}

#[tokio::test(flavor = "multi_thread")]
async fn output_carries_the_schema_version_first() {
    let dir = crate::support::TempDir::new("schema");
    let v = sessions()
        .args(["--json", "cas", "status"])
        .args(dir.store())
        .run()
        .await
        .fails("cas", "status", "configuration");
    assert_eq!(v["code"], "NO_SESSION");
    let run = sessions()
        .args(["--json", "cas", "status"])
        .args(dir.store())
        .run()
        .await;
    assert!(
        run.stdout
            .starts_with(r#"{"schema":1,"provider":"cas","command":"status","ok":false"#),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn stored_expiries_beyond_rfc3339_are_clamped_not_panicking() {
    let dir = crate::support::TempDir::new("far-expiry");
    for (expires_at, shown) in [
        (400_000_000_000_i64, "9999-12-31T23:59:59Z"),
        (253_402_300_800, "9999-12-31T23:59:59Z"),
        (-100_000_000_000, "0000-01-01T00:00:00Z"),
        (-1, "1969-12-31T23:59:59Z"),
        (i64::MAX, "9999-12-31T23:59:59Z"),
        (i64::MIN, "0000-01-01T00:00:00Z"),
    ] {
        let record = serde_json::json!({
            "version": 1, "key": "cas:whapi:https://x/:u", "provider": "cas", "generation": 1,
            "expires_at": expires_at, "state": "{}", "banned_until": null,
        });
        std::fs::write(dir.store_path(), record.to_string()).unwrap();
        // Stores readable by others are refused; a store file is private.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.store_path(), std::fs::Permissions::from_mode(0o600))
                .unwrap();
        }
        let run = sessions()
            .args(["--json", "cas", "status"])
            .args(dir.store())
            .run()
            .await;
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
        let v = run.ok("cas", "status");
        assert_eq!(v["expires_at"], shown, "{v}");
        assert_eq!(v["expired"], expires_at < 0, "{v}");
        let text = sessions()
            .args(["cas", "status"])
            .args(dir.store())
            .run()
            .await;
        text.code(0);
        assert!(text.stdout.contains(shown), "{}", text.stdout);
    }
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_non_utf8_credential_is_reported_as_such() {
    use std::os::unix::ffi::OsStringExt;
    let e = sessions()
        .args([
            "--json",
            "--insecure-loopback",
            "--base-url",
            "http://127.0.0.1:9",
            "betfair",
            "login",
        ])
        .env("BETFAIR_APP_KEY", "k")
        .env("BETFAIR_USERNAME", "u")
        .env_os(
            "BETFAIR_PASSWORD",
            std::ffi::OsString::from_vec(vec![b'p', 0xff, 0xfe]),
        )
        .run()
        .await
        .fails("betfair", "login", "configuration");
    let message = e["message"].as_str().unwrap();
    assert!(
        message.contains("BETFAIR_PASSWORD is not valid UTF-8"),
        "{message}"
    );
    assert!(!message.contains("not set"), "{message}");
}

#[tokio::test(flavor = "multi_thread")]
async fn rust_log_trace_prints_one_format_for_tracing_and_log_records() {
    let sim = crate::seaware::sim().await;
    let run = crate::seaware::cmd(&sim, None, &["login"])
        .env("RUST_LOG", "trace")
        .run()
        .await;
    run.code(0).clean(&crate::seaware::secrets());
    let lines: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert!(!lines.is_empty());
    for line in &lines {
        let stamp = line.split(' ').next().unwrap_or_default();
        assert!(
            crate::support::is_rfc3339_utc(stamp),
            "every diagnostic line has the tracing format: {line:?}"
        );
    }
    // reqwest logs through `log`; its records arrive under their own target.
    assert!(
        lines.iter().any(|l| l.contains("reqwest::")),
        "log records are bridged: {}",
        run.stderr
    );
}

/// A stand-in HTTP proxy on loopback: records the first line of every request and answers 502.
async fn recording_proxy() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let log = log.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let n = sock.read(&mut buf).await.unwrap_or(0);
                let head = String::from_utf8_lossy(&buf[..n]);
                log.lock()
                    .unwrap()
                    .push(head.lines().next().unwrap_or("").to_owned());
                let _ = sock
                    .write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n")
                    .await;
            });
        }
    });
    (url, seen)
}

const BETFAIR_ENV: &[(&str, &str)] = &[
    ("BETFAIR_APP_KEY", "APP-KEY"),
    ("BETFAIR_USERNAME", "user"),
    ("BETFAIR_PASSWORD", "PROXY-TEST-PASSWORD"),
];

/// `--proxy` and the conventional `HTTPS_PROXY` / `ALL_PROXY` / `NO_PROXY` route requests for a
/// non-loopback host through the proxy (a `CONNECT` to the host; never the password, which
/// travels inside the tunnel); `NO_PROXY` and loopback hosts go direct; a bad proxy URL is a
/// configuration error before anything is sent.
#[tokio::test(flavor = "multi_thread")]
async fn proxies_come_from_the_flag_or_the_environment() {
    let (proxy, seen) = recording_proxy().await;
    let base = ["--base-url", "https://identitysso.example.test"];
    let connect = "CONNECT identitysso.example.test:443 HTTP/1.1";

    let run = sessions()
        .args(["--json", "--proxy", &proxy])
        .args(base)
        .args(["betfair", "login"])
        .envs(BETFAIR_ENV)
        .run()
        .await;
    run.code(7).clean(&["PROXY-TEST-PASSWORD"]);
    assert_eq!(seen.lock().unwrap().as_slice(), [connect]);

    for var in ["HTTPS_PROXY", "https_proxy", "ALL_PROXY"] {
        let run = sessions()
            .args(["--json"])
            .args(base)
            .args(["betfair", "login"])
            .envs(BETFAIR_ENV)
            .env(var, &proxy)
            .run()
            .await;
        run.code(7);
    }
    assert_eq!(seen.lock().unwrap().len(), 4, "{:?}", seen.lock().unwrap());

    // NO_PROXY: direct (and so a DNS failure here), the proxy sees nothing.
    let run = sessions()
        .args(["--json"])
        .args(base)
        .args(["betfair", "login"])
        .envs(BETFAIR_ENV)
        .env("HTTPS_PROXY", &proxy)
        .env("NO_PROXY", ".example.test")
        .run()
        .await;
    run.code(7);
    assert_eq!(seen.lock().unwrap().len(), 4);

    // A proxy URL that is not http(s):// is refused before any request.
    let run = sessions()
        .args(["--json", "--proxy", "ftp://127.0.0.1:1"])
        .args(base)
        .args(["betfair", "login"])
        .envs(BETFAIR_ENV)
        .run()
        .await;
    run.code(2);
    assert_eq!(seen.lock().unwrap().len(), 4);
}

/// Loopback targets are always reached directly, whatever the proxy settings say.
#[tokio::test(flavor = "multi_thread")]
async fn loopback_targets_bypass_the_proxy() {
    let (proxy, seen) = recording_proxy().await;
    let sim = crate::betfair::sim().await;
    let run = crate::betfair::cmd(&crate::betfair::base(&sim), None, &["login"])
        .env("HTTPS_PROXY", &proxy)
        .run()
        .await;
    run.code(0);
    assert!(
        seen.lock().unwrap().is_empty(),
        "{:?}",
        seen.lock().unwrap()
    );
}
