//! Unit tests of option resolution, environment values, profile names, the stored wrapper,
//! ban clamping and exit codes.

use super::commands::exit_status_code;
use super::env::env_value;
use super::provider::clamp_ban;
use super::*;
use session_core::from_unix_seconds;

fn specs(given: Option<&str>) -> Vec<OptionSpec> {
    vec![OptionSpec::new(
        "params",
        given.map(str::to_owned),
        Some("query"),
    )]
}

#[test]
fn options_come_from_the_command_then_the_store_then_the_default() {
    let none = SessionOptions::resolve("seaware", None, specs(None)).unwrap();
    assert_eq!(none.get("params"), Some("query"));
    let mut stored = Map::new();
    stored.insert("params".into(), Value::String("form".into()));
    let kept = SessionOptions::resolve("seaware", Some(&stored), specs(None)).unwrap();
    assert_eq!(kept.get("params"), Some("form"));
    let same = SessionOptions::resolve("seaware", Some(&stored), specs(Some("form"))).unwrap();
    assert_eq!(same.get("params"), Some("form"));
    let e = SessionOptions::resolve("seaware", Some(&stored), specs(Some("query"))).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    assert_eq!(e.code(), Some("OPTION_CONFLICT"));
    assert!(e.to_string().contains("--params query conflicts"), "{e}");
}

#[test]
fn a_secret_option_in_conflict_is_not_named() {
    let mut stored = Map::new();
    stored.insert("application_key".into(), Value::String("KEY-ONE".into()));
    let e = SessionOptions::resolve(
        "pagos",
        Some(&stored),
        vec![OptionSpec::secret(
            "application_key",
            Some("KEY-TWO".into()),
        )],
    )
    .unwrap_err();
    let text = e.to_string();
    assert!(
        !text.contains("KEY-ONE") && !text.contains("KEY-TWO"),
        "{text}"
    );
    assert!(text.contains("--application-key differs"), "{text}");
}

#[test]
fn a_stored_null_means_the_option_was_not_used() {
    let mut stored = Map::new();
    stored.insert("token_url".into(), Value::Null);
    let kept = SessionOptions::resolve(
        "pagos",
        Some(&stored),
        vec![OptionSpec::new("token_url", None, None)],
    )
    .unwrap();
    assert_eq!(kept.get("token_url"), None);
    let e = SessionOptions::resolve(
        "pagos",
        Some(&stored),
        vec![OptionSpec::new("token_url", Some("https://t".into()), None)],
    )
    .unwrap_err();
    assert_eq!(e.code(), Some("OPTION_CONFLICT"));
}

#[cfg(unix)]
#[test]
fn non_utf8_variables_are_reported_as_such() {
    use std::os::unix::ffi::OsStringExt;
    let bytes = OsString::from_vec(vec![b'p', 0xff, 0xfe, b'w']);
    let e = env_value("cas", "CAS_PASSWORD", Some(bytes)).unwrap_err();
    let text = e.to_string();
    assert!(text.contains("CAS_PASSWORD is not valid UTF-8"), "{text}");
    assert!(!text.contains("not set"), "{text}");
    assert_eq!(env_value("cas", "X", Some(OsString::new())).unwrap(), None);
    assert_eq!(env_value("cas", "X", None).unwrap(), None);
}

#[test]
fn profile_names_cannot_leave_their_folder() {
    for bad in [
        "",
        ".hidden",
        "../x",
        "a/b",
        "a\\b",
        "é",
        &"x".repeat(65),
        "a b",
    ] {
        assert!(check_profile_name("cas", bad).is_err(), "{bad:?}");
    }
    for good in ["default", "work-2", "alice_smith.prod"] {
        assert!(check_profile_name("cas", good).is_ok(), "{good:?}");
    }
}

#[test]
fn wrapped_state_round_trips_and_plain_state_is_read_as_before() {
    let plain = SecretState::new(r#"{"token":"T"}"#);
    let u = unwrap_state(&plain);
    assert_eq!(u.state.expose_secret(), r#"{"token":"T"}"#);
    assert!(u.options.is_none() && u.logged_in_at.is_none());
    let wrapped = SecretState::new(
        serde_json::json!({WRAP: 1, "options": {"params": "form"}, "logged_in_at": 1000, "state": "{\"token\":\"T\"}"})
            .to_string(),
    );
    let u = unwrap_state(&wrapped);
    assert_eq!(u.state.expose_secret(), r#"{"token":"T"}"#);
    assert_eq!(u.options.unwrap()["params"], "form");
    assert_eq!(u.logged_in_at, Some(from_unix_seconds(1000)));
}

#[test]
fn absurd_retry_after_is_clamped_to_the_ceiling() {
    let e = Error::new(ErrorKind::RateLimited, "betfair", "slow down")
        .with_retry_after(Duration::from_secs(u64::MAX));
    assert_eq!(clamp_ban(e).retry_after(), Some(MAX_BAN));
    let e = Error::new(ErrorKind::RateLimited, "betfair", "slow down")
        .with_retry_after(Duration::from_secs(5));
    assert_eq!(clamp_ban(e).retry_after(), Some(Duration::from_secs(5)));
}

#[test]
fn child_exit_codes_pass_through() {
    assert_eq!(exit_status_code(None), 1);
}
