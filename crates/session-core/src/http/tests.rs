//! Unit tests of the URL rules, the options and the response checks.

use super::*;

#[test]
fn https_is_accepted_and_http_only_for_loopback_with_opt_out() {
    let ok = |u: &str, allow| parse_base_url("p", u, allow).map(|_| ());
    assert!(ok("https://api.example.com/v2", false).is_ok());
    assert_eq!(
        ok("http://api.example.com", false).unwrap_err().kind(),
        ErrorKind::Configuration
    );
    assert_eq!(
        ok("http://api.example.com", true).unwrap_err().kind(),
        ErrorKind::Configuration
    );
    assert!(ok("http://127.0.0.1:8080", false).is_err());
    assert!(ok("http://127.0.0.1:8080", true).is_ok());
    assert!(ok("http://127.8.9.10", true).is_ok());
    assert!(ok("http://[::1]:9", true).is_ok());
    assert!(ok("http://localhost:9", true).is_ok());
    assert!(ok("http://localhost.evil.com", true).is_err());
    assert!(ok("ftp://x", true).is_err());
    let e = ok("https://user:pw@api.example.com", false).unwrap_err();
    assert!(!e.to_string().contains("pw"));
}

#[test]
fn options_apply_the_loopback_opt_out_and_reject_bad_roots() {
    let strict = HttpOptions::default();
    assert!(strict.base_url("p", "http://127.0.0.1:1").is_err());
    let loose = HttpOptions {
        allow_insecure_loopback: true,
        ..HttpOptions::default()
    };
    assert!(loose.base_url("p", "http://127.0.0.1:1").is_ok());
    assert!(loose.base_url("p", "http://example.com").is_err());
    let bad = HttpOptions {
        root_pems: vec![b"not a pem".to_vec()],
        ..HttpOptions::default()
    };
    assert_eq!(
        bad.client("p").unwrap_err().kind(),
        ErrorKind::Configuration
    );
}

#[test]
fn base_dirs_refuse_query_and_fragment_and_keep_the_last_segment() {
    let o = HttpOptions {
        allow_insecure_loopback: true,
        ..HttpOptions::default()
    };
    let dir = |u: &str| o.base_dir("p", u).map(|u| u.to_string());
    assert_eq!(
        dir("http://127.0.0.1:9/api").unwrap(),
        "http://127.0.0.1:9/api/"
    );
    assert_eq!(
        dir("http://127.0.0.1:9/api/").unwrap(),
        "http://127.0.0.1:9/api/"
    );
    assert_eq!(dir("http://127.0.0.1:9").unwrap(), "http://127.0.0.1:9/");
    assert_eq!(
        dir("https://h.example/b\u{e4}se").unwrap(),
        "https://h.example/b%C3%A4se/"
    );
    for bad in [
        "https://h.example/api?x=1",
        "https://h.example/api#f",
        "http://h.example/api",
        "https://u:secret@h.example/",
        "not a url",
    ] {
        let e = dir(bad).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Configuration, "{bad}");
        assert!(!e.to_string().contains("secret"));
    }
}

#[test]
fn user_agents_are_checked_header_values() {
    let with = |agent: &str| HttpOptions {
        user_agent: Some(agent.to_owned()),
        ..HttpOptions::default()
    };
    assert!(
        with("my-app/1.2 (+https://example.com)")
            .builder("p")
            .is_ok()
    );
    for bad in ["", "  ", "line\r\nX-Injected: 1", "nul\0byte"] {
        let e = with(bad).builder("p").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Configuration, "{bad:?}");
        assert!(!e.to_string().contains("Injected"));
    }
}

#[test]
fn join_percent_encodes_each_segment() {
    let base = Url::parse("https://h/v2/sessions/").unwrap();
    let url = join_segments(&base, &["tickets", "TGT-1/x?y"]);
    assert_eq!(url.as_str(), "https://h/v2/sessions/tickets/TGT-1%2Fx%3Fy");
}

#[test]
fn json_errors_are_distinct_and_never_echo_the_body() {
    #[derive(serde::Deserialize, Debug)]
    struct T {
        #[allow(dead_code)]
        a: u32,
    }
    let html = HttpResponse::new(
        "p",
        StatusCode::OK,
        HeaderMap::new(),
        "<!DOCTYPE html><p>secret</p>",
    );
    let e = html.json::<T>().unwrap_err();
    assert_eq!(
        (e.kind(), e.http_failure()),
        (ErrorKind::Unavailable, Some(HttpFailure::GatewayPage))
    );

    let trunc = HttpResponse::json_body("p", 200, r#"{"a": 1, "b": "secret"#);
    let e = trunc.json::<T>().unwrap_err();
    assert_eq!(
        (e.kind(), e.http_failure()),
        (ErrorKind::Unavailable, Some(HttpFailure::TruncatedBody))
    );

    let bad = HttpResponse::json_body("p", 200, r#"{"a": "secret"}"#);
    let e = bad.json::<T>().unwrap_err();
    assert_eq!(
        (e.kind(), e.http_failure()),
        (
            ErrorKind::UnexpectedResponse,
            Some(HttpFailure::MalformedBody)
        )
    );
    for e in [
        html.json::<T>().unwrap_err(),
        trunc.json::<T>().unwrap_err(),
        bad.json::<T>().unwrap_err(),
    ] {
        assert!(!format!("{e} {e:?}").contains("secret"));
    }
}

#[test]
fn unexpected_status_maps_429_and_5xx() {
    let mut h = HeaderMap::new();
    h.insert(RETRY_AFTER, HeaderValue::from_static("120"));
    let r = HttpResponse::new("p", StatusCode::TOO_MANY_REQUESTS, h, "");
    let e = r.unexpected_status();
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert_eq!(e.retry_after(), Some(Duration::from_secs(120)));
    let r = HttpResponse::json_body("p", 503, "{}");
    assert_eq!(r.unexpected_status().kind(), ErrorKind::Unavailable);
    let r = HttpResponse::json_body("p", 418, "{}");
    assert_eq!(
        r.unexpected_status().http_failure(),
        Some(HttpFailure::Status(418))
    );
}

fn labelled(status: u16, content_type: &'static str, body: &'static str) -> HttpResponse {
    let mut h = HeaderMap::new();
    h.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    HttpResponse::new("p", StatusCode::from_u16(status).unwrap(), h, body)
}

#[test]
fn a_json_document_labelled_html_is_not_a_gateway_page() {
    let oauthlib = labelled(
        400,
        "text/html; charset=utf-8",
        r#"{"error": "invalid_request", "error_description": "URL query parameters are not allowed"}"#,
    );
    assert!(!oauthlib.is_html());
    assert!(oauthlib.is_json_document());
    let array = labelled(200, "text/html", " [1, 2] ");
    assert!(!array.is_html());
    // And a JSON success labelled HTML parses.
    let v: Vec<u8> = array.json().unwrap();
    assert_eq!(v, [1, 2]);
    // A real page is still a page, labelled or not, and so is non-JSON text labelled HTML.
    for page in [
        labelled(404, "text/html", "<!DOCTYPE html><title>Not Found</title>"),
        labelled(
            404,
            "application/json",
            "  <HTML><body>Not Found</body></HTML>",
        ),
        labelled(502, "text/html", "Bad Gateway"),
        labelled(502, "text/html", r#"{"error": "cut"#),
        labelled(200, "text/html", ""),
    ] {
        assert!(page.is_html(), "{:?}", std::str::from_utf8(page.body()));
    }
    // Invalid UTF-8 labelled HTML is a page, not a JSON document.
    let bytes = HttpResponse::new(
        "p",
        StatusCode::OK,
        labelled(200, "text/html", "").headers().clone(),
        vec![0xff, 0xfe, b'{'],
    );
    assert!(bytes.is_html() && !bytes.is_json_document());
}

#[test]
fn missing_endpoint_is_configuration_for_404_and_405_only() {
    for (status, body) in [
        (404, "<!DOCTYPE html><h1>Not Found</h1>"),
        (405, ""),
        (404, r#"{"timestamp":1,"status":404,"error":"Not Found"}"#),
    ] {
        let e = labelled(status, "text/html", body)
            .missing_endpoint("cas rest")
            .unwrap();
        assert_eq!(e.kind(), ErrorKind::Configuration);
        assert_eq!(e.http_failure(), Some(HttpFailure::Status(status)));
        assert_eq!(
            e.to_string(),
            format!("p: no cas rest endpoint at the base url (http {status})")
        );
    }
    for status in [400, 401, 403, 410, 500, 200] {
        assert!(
            labelled(status, "text/html", "")
                .missing_endpoint("x")
                .is_none()
        );
    }
}

#[test]
fn unexpected_status_names_the_status() {
    assert_eq!(
        labelled(418, "application/json", "{}")
            .unexpected_status()
            .to_string(),
        "p: unexpected status (http 418)"
    );
    assert_eq!(
        labelled(503, "application/json", "{}")
            .unexpected_status()
            .to_string(),
        "p: upstream unavailable (http 503)"
    );
}

#[test]
fn retry_after_reads_every_form_and_clamps_absurd_values() {
    let with = |pairs: &[(&'static str, &'static str)]| {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        HttpResponse::new("p", StatusCode::TOO_MANY_REQUESTS, h, "")
    };
    let huge = with(&[("retry-after", "9223372036854775807")]);
    assert_eq!(
        huge.retry_after(),
        Some(Duration::from_secs(i64::MAX.unsigned_abs()))
    );
    // The error carries at most a day, whatever the header said.
    assert_eq!(
        huge.unexpected_status().retry_after(),
        Some(timing::MAX_BAN)
    );
    let beyond_u64 = with(&[("retry-after", "99999999999999999999999999")]);
    assert_eq!(
        beyond_u64.unexpected_status().retry_after(),
        Some(timing::MAX_BAN)
    );
    let date = with(&[
        ("retry-after", "Wed, 21 Oct 2015 07:30:00 GMT"),
        ("date", "Wed, 21 Oct 2015 07:28:00 GMT"),
    ]);
    assert_eq!(date.retry_after(), Some(Duration::from_secs(120)));
    let past = with(&[
        ("retry-after", "Wed, 21 Oct 2015 07:00:00 GMT"),
        ("date", "Wed, 21 Oct 2015 07:28:00 GMT"),
    ]);
    assert_eq!(past.retry_after(), Some(Duration::ZERO));
    for bad in ["-5", "1e9", "soon", "", "12 34", "\u{e9}"] {
        let r = with(&[("retry-after", "x")]);
        let mut r = r;
        r.headers.insert(
            RETRY_AFTER,
            HeaderValue::from_bytes(bad.as_bytes()).unwrap_or(HeaderValue::from_static("x")),
        );
        assert_eq!(r.retry_after(), None, "{bad}");
    }
    let mut invalid_utf8 = with(&[]);
    invalid_utf8
        .headers
        .insert(RETRY_AFTER, HeaderValue::from_bytes(b"\xff\xfe").unwrap());
    assert_eq!(invalid_utf8.retry_after(), None);
}

#[test]
fn form_encoding_escapes_reserved_characters() {
    assert_eq!(
        form_encode([("password", "a&b=c+d e\u{e9}")]),
        "password=a%26b%3Dc%2Bd+e%C3%A9"
    );
}
