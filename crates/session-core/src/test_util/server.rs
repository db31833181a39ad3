//! A tiny loopback HTTP(S) server for simulators and tests.
//!
//! Providers' simulators are functions from [`SimRequest`] to [`SimResponse`] over shared state;
//! [`SimServer`] serves such a function on `127.0.0.1` on a free port, over plain HTTP or over TLS
//! (optionally requiring a client certificate), and stops when dropped.

use std::collections::HashMap;
use std::convert::Infallible;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// A request as a simulator sees it.
#[derive(Clone)]
pub struct SimRequest {
    /// The method.
    pub method: Method,
    /// The path, percent-encoded as sent.
    pub path: String,
    /// The raw query string, when present.
    pub query: Option<String>,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
    /// Whether the client presented a certificate (TLS servers only).
    pub client_cert: bool,
}

impl fmt::Debug for SimRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimRequest")
            .field("method", &self.method)
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

impl SimRequest {
    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The decoded query parameters.
    pub fn query_params(&self) -> HashMap<String, String> {
        url::form_urlencoded::parse(self.query.as_deref().unwrap_or("").as_bytes())
            .into_owned()
            .collect()
    }

    /// The decoded form-body parameters.
    pub fn form(&self) -> HashMap<String, String> {
        url::form_urlencoded::parse(&self.body)
            .into_owned()
            .collect()
    }

    /// The body as JSON, or `Value::Null` when it is not JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// The path split into percent-decoded segments.
    pub fn segments(&self) -> Vec<String> {
        self.path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(percent_decode)
            .collect()
    }
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// A simulator's answer.
#[derive(Clone, Debug)]
pub struct SimResponse {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
    /// A delay before the head is sent (to exercise timeouts).
    pub delay: Option<Duration>,
}

impl SimResponse {
    /// An empty response.
    pub fn status(status: u16) -> Self {
        Self {
            status: StatusCode::from_u16(status).expect("valid status"),
            headers: HeaderMap::new(),
            body: Bytes::new(),
            delay: None,
        }
    }

    /// A JSON response.
    pub fn json(status: u16, value: serde_json::Value) -> Self {
        Self::status(status)
            .header("content-type", "application/json")
            .body(value.to_string())
    }

    /// A plain-text response.
    pub fn text(status: u16, text: impl Into<String>) -> Self {
        Self::status(status)
            .header("content-type", "text/plain;charset=UTF-8")
            .body(text.into())
    }

    /// An HTML page (a gateway error page, say).
    pub fn html(status: u16, html: impl Into<String>) -> Self {
        Self::status(status)
            .header("content-type", "text/html")
            .body(html.into())
    }

    /// Adds a header.
    #[must_use]
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.insert(
            HeaderName::from_bytes(name.as_bytes()).expect("valid header name"),
            HeaderValue::from_str(value).expect("valid header value"),
        );
        self
    }

    /// Sets the body.
    #[must_use]
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// Delays the response.
    #[must_use]
    pub fn delayed(mut self, by: Duration) -> Self {
        self.delay = Some(by);
        self
    }
}

type Handler = Arc<dyn Fn(SimRequest) -> SimResponse + Send + Sync>;

/// A loopback server running a simulator's handler. Stops when dropped.
pub struct SimServer {
    addr: SocketAddr,
    tls: bool,
    stop: watch::Sender<bool>,
}

impl fmt::Debug for SimServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimServer")
            .field("addr", &self.addr)
            .finish()
    }
}

impl SimServer {
    /// Serves `handler` over plain HTTP on `127.0.0.1`.
    pub async fn start<F>(handler: F) -> std::io::Result<Self>
    where
        F: Fn(SimRequest) -> SimResponse + Send + Sync + 'static,
    {
        Self::serve(Arc::new(handler), None).await
    }

    /// Serves `handler` over TLS with `config` (which may require client certificates).
    pub async fn start_tls<F>(
        handler: F,
        config: Arc<rustls::ServerConfig>,
    ) -> std::io::Result<Self>
    where
        F: Fn(SimRequest) -> SimResponse + Send + Sync + 'static,
    {
        Self::serve(
            Arc::new(handler),
            Some(tokio_rustls::TlsAcceptor::from(config)),
        )
        .await
    }

    /// Serves `handler` over TLS with `tls` when given, otherwise over plain HTTP: what a
    /// simulator builder's `tls` option starts.
    pub async fn start_on<F>(
        handler: F,
        tls: Option<Arc<rustls::ServerConfig>>,
    ) -> std::io::Result<Self>
    where
        F: Fn(SimRequest) -> SimResponse + Send + Sync + 'static,
    {
        Self::serve(Arc::new(handler), tls.map(tokio_rustls::TlsAcceptor::from)).await
    }

    async fn serve(
        handler: Handler,
        tls: Option<tokio_rustls::TlsAcceptor>,
    ) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let (stop, mut stopped) = watch::channel(false);
        let is_tls = tls.is_some();
        tokio::spawn(async move {
            loop {
                let accepted = tokio::select! {
                    a = listener.accept() => a,
                    _ = stopped.changed() => break,
                };
                let Ok((stream, _)) = accepted else { continue };
                let handler = handler.clone();
                let tls = tls.clone();
                let mut stop_conn = stopped.clone();
                tokio::spawn(async move {
                    match tls {
                        None => {
                            serve_conn(TokioIo::new(stream), handler, false, &mut stop_conn).await
                        }
                        Some(acceptor) => {
                            let Ok(stream) = acceptor.accept(stream).await else {
                                return;
                            };
                            let has_cert = stream
                                .get_ref()
                                .1
                                .peer_certificates()
                                .is_some_and(|c| !c.is_empty());
                            serve_conn(TokioIo::new(stream), handler, has_cert, &mut stop_conn)
                                .await;
                        }
                    }
                });
            }
        });
        Ok(Self {
            addr,
            tls: is_tls,
            stop,
        })
    }

    /// The socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` (or `https://localhost:PORT` for TLS servers, matching a
    /// certificate issued for `localhost`).
    pub fn base_url(&self) -> String {
        if self.tls {
            format!("https://localhost:{}", self.addr.port())
        } else {
            format!("http://127.0.0.1:{}", self.addr.port())
        }
    }

    /// `base_url()` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url(), path)
    }
}

impl Drop for SimServer {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

async fn serve_conn<I>(io: I, handler: Handler, client_cert: bool, stop: &mut watch::Receiver<bool>)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
        let handler = handler.clone();
        async move {
            let (parts, body) = req.into_parts();
            let body = body
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            let sim = SimRequest {
                method: parts.method,
                path: parts.uri.path().to_owned(),
                query: parts.uri.query().map(str::to_owned),
                headers: parts.headers,
                body,
                client_cert,
            };
            let resp = handler(sim);
            if let Some(d) = resp.delay {
                tokio::time::sleep(d).await;
            }
            let mut out = hyper::Response::new(Full::new(resp.body));
            *out.status_mut() = resp.status;
            *out.headers_mut() = resp.headers;
            Ok::<_, Infallible>(out)
        }
    });
    let conn = hyper::server::conn::http1::Builder::new().serve_connection(io, service);
    tokio::select! {
        _ = conn => {}
        _ = stop.changed() => {}
    }
}

/// Writes a simulator builder's `tls` option, for a builder with a field
/// `tls: Option<Arc<TlsServerConfig>>` that its `start` hands to [`SimServer::start_on`]. Invoke
/// it inside the builder's `impl` block: `session_core::sim_tls_option!();`.
#[macro_export]
macro_rules! sim_tls_option {
    () => {
        /// Serves over TLS with `config` (for example
        /// [`TestPki::server_config`]($crate::test_util::TestPki::server_config)) instead of plain
        /// HTTP; the base URL becomes `https://localhost:PORT`.
        #[must_use]
        pub fn tls(mut self, config: ::std::sync::Arc<$crate::test_util::TlsServerConfig>) -> Self {
            self.tls = Some(config);
            self
        }
    };
}
