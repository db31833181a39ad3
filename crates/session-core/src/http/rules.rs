//! URL rules (`https://` only, `http://` only to loopback with the opt-out, no credentials in a
//! base URL, percent-encoded path segments) and the helpers that build a request.

use super::*;

/// Checks that `url` may be used: `https://`, or `http://` to a loopback host when
/// `allow_insecure_loopback` is set. Providers call this when they are built, so a bad base URL
/// fails at configuration time.
pub fn check_url(provider: &'static str, url: &Url, allow_insecure_loopback: bool) -> Result<()> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if allow_insecure_loopback && is_loopback(url) => Ok(()),
        "http" if allow_insecure_loopback => Err(Error::configuration(
            provider,
            "http:// is allowed only for loopback hosts",
        )),
        "http" => Err(Error::configuration(
            provider,
            "http:// is refused; use https:// (loopback hosts may opt out)",
        )),
        _ => Err(Error::configuration(provider, "unsupported url scheme")),
    }
}

/// Parses a base URL and checks it with [`check_url`]. The parse error is not echoed (a URL may
/// hold credentials).
pub fn parse_base_url(
    provider: &'static str,
    url: &str,
    allow_insecure_loopback: bool,
) -> Result<Url> {
    let url = Url::parse(url).map_err(|_| Error::configuration(provider, "invalid base url"))?;
    if url.cannot_be_a_base() || url.host().is_none() {
        return Err(Error::configuration(provider, "invalid base url"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::configuration(
            provider,
            "base url must not contain credentials",
        ));
    }
    check_url(provider, &url, allow_insecure_loopback)?;
    Ok(url)
}

/// Appends path segments to a base URL, percent-encoding each segment (so a ticket containing `/`
/// or `?` stays one segment).
pub fn join_segments(base: &Url, segments: &[&str]) -> Url {
    let mut url = base.clone();
    {
        let mut path = url
            .path_segments_mut()
            .expect("base urls are checked to be bases");
        path.pop_if_empty();
        for s in segments {
            path.push(s);
        }
    }
    url
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

pub(super) fn uri_is_loopback(uri: &Uri) -> bool {
    match uri.host() {
        Some(h) if h.eq_ignore_ascii_case("localhost") => true,
        Some(h) => h
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .map(|ip| ip.is_loopback())
            .unwrap_or(false),
        None => false,
    }
}

/// Encodes `pairs` as `application/x-www-form-urlencoded`.
pub fn form_encode<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

/// Starts a request with the given method and URL.
pub fn request(method: http::Method, url: &Url) -> http::request::Builder {
    Request::builder().method(method).uri(url.as_str())
}

/// Finishes a request builder, turning a builder error (an invalid header value) into a
/// configuration error that does not echo the value.
pub fn finish(
    provider: &'static str,
    builder: http::request::Builder,
    body: Vec<u8>,
) -> Result<Request<Vec<u8>>> {
    builder
        .body(body)
        .map_err(|_| Error::configuration(provider, "invalid request header value"))
}
