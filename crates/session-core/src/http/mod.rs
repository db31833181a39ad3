//! HTTP rules shared by every provider.
//!
//! One client factory ([`HttpClient::builder`]) sets connect, read and total timeouts, never
//! follows redirects, accepts only `https://` (with an explicit opt-out that is honoured only for
//! loopback hosts), caps response bodies and sends `Accept: application/json` unless the request
//! says otherwise. Providers build requests as plain [`http::Request`]s in pure functions and parse
//! [`HttpResponse`]s; the I/O in between is [`HttpClient::send`].
//!
//! The transport is one `reqwest` client per provider, configured here: the TLS backend chosen by
//! Cargo feature ([`TlsBackend`]: rustls with `aws-lc-rs` by default, rustls with `ring`, or
//! native-tls), the backend's default roots plus any
//! [`add_root_pem`](HttpClientBuilder::add_root_pem), an optional client certificate, no proxy
//! unless one is set ([`HttpClientBuilder::proxy`]; loopback hosts are always reached directly),
//! no redirects and no decompression unless asked for ([`HttpClientBuilder::gzip`]). A client of
//! your own can be used instead ([`HttpClientBuilder::reqwest_client`]). Nothing here logs a URL,
//! a header or a body, and no error carries one: `reqwest` errors are classified and dropped,
//! never displayed, because they quote the URL, and URLs here can hold CAS tickets or a
//! documented query-string password.
//!
//! # TLS backends and roots
//!
//! | backend (feature) | implementation | crypto | default roots |
//! |---|---|---|---|
//! | `rustls` (default) | rustls | `aws-lc-rs`, as `reqwest`'s own default | the operating system's, through `rustls-platform-verifier` |
//! | `rustls-ring` | rustls | `ring` | the operating system's, through `rustls-platform-verifier` |
//! | `native-tls` | OpenSSL / Secure Transport / SChannel | the platform's | the platform library's trust store |
//!
//! The rustls backends give `reqwest` a complete `rustls::ClientConfig` built with an explicit
//! crypto provider: this crate never reads or installs a process-wide default provider, and it
//! enables only the provider feature you chose.

use std::error::Error as StdError;
use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::header::{ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER, USER_AGENT};
use http::{HeaderMap, HeaderValue, Request, StatusCode, Uri};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use serde::de::DeserializeOwned;
use url::Url;

use crate::error::{Error, ErrorKind, HttpFailure, Result};
use crate::timing;
pub use crate::tls::TlsBackend;
/// The `reqwest` this crate is built on, for [`HttpClientBuilder::reqwest_client`] without a
/// dependency of your own (or to check yours is the same major version).
pub use reqwest;

mod builder;
mod client;
mod options;
mod response;
mod rules;
#[cfg(test)]
mod tests;

pub use builder::HttpClientBuilder;
use client::ClientInner;
pub use client::HttpClient;
pub use options::HttpOptions;
pub use response::HttpResponse;
use rules::uri_is_loopback;
pub use rules::{check_url, finish, form_encode, join_segments, parse_base_url, request};

/// Hosts that never go through a proxy: every loopback name and address.
const LOOPBACK_NO_PROXY: &str = "localhost,127.0.0.0/8,::1";

/// The default cap on a response body: 1 MiB, far above any session API's answer.
pub const DEFAULT_MAX_BODY: usize = 1024 * 1024;
