//! A tiny loopback HTTP(S) server for simulators and tests.
//!
//! Providers' simulators are functions from [`SimRequest`] to [`SimResponse`] over shared state;
//! [`SimServer`] serves such a function on `127.0.0.1` on a free port, over plain HTTP or over TLS
//! (optionally requiring a client certificate), and stops when dropped.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
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
    /// A request with `method` and `path` (which may carry a `?query`), no headers and no body:
    /// for unit tests of simulator code that runs without a server.
    pub fn new(method: Method, path: &str) -> Self {
        let (path, query) = match path.split_once('?') {
            Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
            None => (path.to_owned(), None),
        };
        Self {
            method,
            path,
            query,
            headers: HeaderMap::new(),
            body: Bytes::new(),
            client_cert: false,
        }
    }

    /// `METHOD /path?query` as sent (the path still percent-encoded). It may hold a ticket or a
    /// password sent in the query: for assertions, not for logs.
    pub fn line(&self) -> String {
        match &self.query {
            Some(q) => format!("{} {}?{q}", self.method, self.path),
            None => format!("{} {}", self.method, self.path),
        }
    }

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

/// How the server delivers a [`SimResponse`]: normally, or as one of the transport faults.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Delivery {
    #[default]
    Normal,
    /// No answer; the connection stays open until the client or the server ends it.
    Hang,
    /// The connection is closed without an answer.
    Drop,
    /// The head announces the whole body; half of it is sent, then the connection is closed.
    Truncate,
}

/// A simulator's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimResponse {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
    /// A delay before the head is sent (to exercise timeouts).
    pub delay: Option<Duration>,
    delivery: Delivery,
}

impl SimResponse {
    /// An empty response.
    pub fn status(status: u16) -> Self {
        Self {
            status: StatusCode::from_u16(status).expect("valid status"),
            headers: HeaderMap::new(),
            body: Bytes::new(),
            delay: None,
            delivery: Delivery::Normal,
        }
    }

    /// No answer at all: the server holds the connection open until the client gives up or the
    /// server stops ([`SimFault::Hang`](super::SimFault::Hang)).
    pub fn hang() -> Self {
        Self {
            delivery: Delivery::Hang,
            ..Self::status(200)
        }
    }

    /// The connection is closed without an answer ([`SimFault::Drop`](super::SimFault::Drop)).
    pub fn dropped() -> Self {
        Self {
            delivery: Delivery::Drop,
            ..Self::status(200)
        }
    }

    /// This answer with its body cut short: the head announces the whole body (at least one
    /// byte), half of it is sent and the connection is closed
    /// ([`SimFault::Truncated`](super::SimFault::Truncated)).
    #[must_use]
    pub fn truncated(mut self) -> Self {
        self.delivery = Delivery::Truncate;
        self
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
            deliver(resp).await
        }
    });
    let conn = hyper::server::conn::http1::Builder::new().serve_connection(io, service);
    tokio::select! {
        _ = conn => {}
        _ = stop.changed() => {}
    }
}

/// The body of a truncated answer: the bytes sent, then an error that makes the server close
/// the connection short of the announced length.
type SimBody = http_body_util::combinators::BoxBody<Bytes, std::io::Error>;

fn cut_short() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::ConnectionAborted,
        "simulated truncation",
    )
}

async fn deliver(resp: SimResponse) -> Result<hyper::Response<SimBody>, std::io::Error> {
    let body: SimBody = match resp.delivery {
        Delivery::Normal => Full::new(resp.body).map_err(|never| match never {}).boxed(),
        Delivery::Hang => std::future::pending().await,
        Delivery::Drop => {
            return Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionAborted,
                "simulated dropped connection",
            ));
        }
        Delivery::Truncate => {
            let announced = resp.body.len().max(1);
            let sent = resp.body.slice(..resp.body.len() / 2);
            let frames = cut_body(sent);
            let mut out = hyper::Response::new(frames);
            *out.status_mut() = resp.status;
            *out.headers_mut() = resp.headers;
            out.headers_mut()
                .insert(http::header::CONTENT_LENGTH, HeaderValue::from(announced));
            return Ok(out);
        }
    };
    let mut out = hyper::Response::new(body);
    *out.status_mut() = resp.status;
    *out.headers_mut() = resp.headers;
    Ok(out)
}

/// A body that yields `sent` (when not empty), waits a moment so the server flushes what it
/// has, and then fails.
fn cut_body(sent: Bytes) -> SimBody {
    Cut {
        sent: Some(sent).filter(|b| !b.is_empty()),
        pause: Box::pin(tokio::time::sleep(Duration::from_millis(50))),
    }
    .boxed()
}

/// The body of a truncated answer.
struct Cut {
    sent: Option<Bytes>,
    pause: std::pin::Pin<Box<tokio::time::Sleep>>,
}

impl hyper::body::Body for Cut {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, std::io::Error>>> {
        if let Some(data) = self.sent.take() {
            return std::task::Poll::Ready(Some(Ok(hyper::body::Frame::data(data))));
        }
        match self.pause.as_mut().poll(cx) {
            std::task::Poll::Pending => std::task::Poll::Pending,
            std::task::Poll::Ready(()) => std::task::Poll::Ready(Some(Err(cut_short()))),
        }
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
