//! One fault vocabulary for every simulator: [`SimFault`] names the failures every upstream can
//! show (a status, a rate limit, an outage, a gateway or login page, a malformed or truncated
//! body, a slow, hanging or dropped connection) and carries the failures only one upstream has
//! as [`SimFault::Provider`].
//!
//! A simulator scripts faults through its [`Ledger`](super::Ledger) and renders them: the
//! transport faults (delay, hang, drop, truncation) the same way everywhere, the content faults
//! with its upstream's own bodies where the upstream has them ([`SimFault::render`] gives the
//! plain rendering the others fall back to).

use std::fmt;
use std::time::Duration;

use super::SimResponse;

/// A provider-specific fault type for simulators that have none: it has no values, so
/// `SimFault<NoFault>` holds only the common faults.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NoFault {}

/// A scripted failure, answered instead of (or, for [`Delay`](SimFault::Delay) and
/// [`Truncated`](SimFault::Truncated), on top of) a simulator's normal answer.
///
/// `P` is the simulator's own fault type (William Hill error codes, Betfair login statuses,
/// Pagos's `InvalidToken` answer …); simulators without one use [`NoFault`].
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SimFault<P = NoFault> {
    /// This HTTP status, with the upstream's usual error body for it (the plain rendering: an
    /// empty body).
    Status(u16),
    /// Exactly this response (status, headers, body): for a body or header no other fault
    /// names.
    Response(SimResponse),
    /// HTTP 429, with `Retry-After` in whole seconds (rounded up) when given.
    RateLimited {
        /// How long the client should wait; `None` sends no `Retry-After`.
        retry_after: Option<Duration>,
    },
    /// The upstream is down: a 5xx with the upstream's usual body (the plain rendering: 503
    /// with a small JSON body).
    Unavailable,
    /// HTTP 502 with an HTML page, as a gateway in front of the upstream answers.
    GatewayPage,
    /// HTTP 200 with an HTML page (a login page or a captive portal instead of the API).
    HtmlPage,
    /// HTTP 200 labelled `application/json` with a body that is not JSON.
    Malformed,
    /// The normal answer after this delay (to exercise timeouts).
    Delay(Duration),
    /// No answer at all: the connection stays open until the client gives up or the simulator
    /// stops.
    Hang,
    /// The connection is closed without an answer.
    Drop,
    /// The normal answer's head, announcing the whole body, then half of the body and a closed
    /// connection.
    Truncated,
    /// A failure only this upstream has.
    Provider(P),
}

impl<P: fmt::Debug> fmt::Debug for SimFault<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Status(code) => f.debug_tuple("Status").field(code).finish(),
            // A scripted response's body is the test's own text; only its status is shown.
            Self::Response(r) => f.debug_tuple("Response").field(&r.status).finish(),
            Self::RateLimited { retry_after } => f
                .debug_struct("RateLimited")
                .field("retry_after", retry_after)
                .finish(),
            Self::Unavailable => f.write_str("Unavailable"),
            Self::GatewayPage => f.write_str("GatewayPage"),
            Self::HtmlPage => f.write_str("HtmlPage"),
            Self::Malformed => f.write_str("Malformed"),
            Self::Delay(d) => f.debug_tuple("Delay").field(d).finish(),
            Self::Hang => f.write_str("Hang"),
            Self::Drop => f.write_str("Drop"),
            Self::Truncated => f.write_str("Truncated"),
            Self::Provider(p) => f.debug_tuple("Provider").field(p).finish(),
        }
    }
}

/// The `Retry-After` value for `d`: whole seconds, rounded up, at least one.
pub fn retry_after_secs(d: Duration) -> u64 {
    let secs = d.as_secs();
    let up = if d.subsec_nanos() > 0 {
        secs.saturating_add(1)
    } else {
        secs
    };
    up.max(1)
}

impl<P> SimFault<P> {
    /// The plain rendering of this fault; `provider` renders [`SimFault::Provider`].
    ///
    /// [`Delay`](SimFault::Delay) and [`Truncated`](SimFault::Truncated) change the normal
    /// answer, which only [`Ledger::answer`](super::Ledger::answer) has: rendered alone, the
    /// first is an empty 200 after the delay and the second an empty 200 whose head announces a
    /// body that never comes.
    pub fn render(self, provider: impl FnOnce(P) -> SimResponse) -> SimResponse {
        match self {
            Self::Status(code) => SimResponse::status(code),
            Self::Response(r) => r,
            Self::RateLimited { retry_after } => {
                let r = SimResponse::json(429, serde_json::json!({ "error": "too_many_requests" }));
                match retry_after {
                    Some(d) => r.header("retry-after", &retry_after_secs(d).to_string()),
                    None => r,
                }
            }
            Self::Unavailable => {
                SimResponse::json(503, serde_json::json!({ "error": "unavailable" }))
            }
            Self::GatewayPage => SimResponse::html(
                502,
                "<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>",
            ),
            Self::HtmlPage => SimResponse::html(
                200,
                "<!DOCTYPE html><html><body><h1>Service Unavailable</h1></body></html>",
            ),
            Self::Malformed => SimResponse::status(200)
                .header("content-type", "application/json")
                .body("this is not json"),
            Self::Delay(d) => SimResponse::status(200).delayed(d),
            Self::Hang => SimResponse::hang(),
            Self::Drop => SimResponse::dropped(),
            Self::Truncated => SimResponse::status(200).truncated(),
            Self::Provider(p) => provider(p),
        }
    }
}

impl SimFault<NoFault> {
    /// The plain rendering of a fault of a simulator without provider-specific faults.
    pub fn response(self) -> SimResponse {
        self.render(|never| match never {})
    }
}
