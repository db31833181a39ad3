//! [`Gateway`]: a second managed session, for a gateway in front of an upstream, that travels in
//! a header of its own.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use http::{HeaderMap, HeaderName};

use crate::error::{Error, Result};
use crate::manager::SessionManager;
use crate::provider::SessionProvider;
use crate::session::Session;

/// A gateway's managed session, type-erased: its name and the headers it authenticates with.
#[async_trait]
trait GatewaySource: Send + Sync {
    fn name(&self) -> &'static str;
    async fn headers(&self) -> Result<HeaderMap>;
}

#[async_trait]
impl<P: SessionProvider> GatewaySource for SessionManager<P> {
    fn name(&self) -> &'static str {
        self.provider().name()
    }

    async fn headers(&self) -> Result<HeaderMap> {
        let lease = self.get().await?;
        let mut headers = HeaderMap::new();
        Session::authenticate(&*lease, &mut headers);
        Ok(headers)
    }
}

/// A gateway bearer in front of an upstream (for example an Auth0 client-credentials token in
/// front of Seaware), managed as its own session and sent in its own header.
///
/// The gateway session's `Authorization` value is moved to [`header`](Gateway::header); any other
/// header it sets is sent as is. Every value is marked sensitive. A provider that adds these
/// headers to its requests decides which of them may collide with its own.
///
/// ```
/// # use session_core::{Gateway, SessionManager, StaticToken, StaticTokenProvider, AccessToken};
/// let gateway_session = SessionManager::new(StaticTokenProvider::new(
///     "auth0",
///     StaticToken::bearer(AccessToken::new("gateway-token")),
/// ));
/// let gateway = Gateway::new(gateway_session, http::HeaderName::from_static("x-gateway-authorization"));
/// # let _ = gateway;
/// ```
#[derive(Clone)]
pub struct Gateway {
    source: Arc<dyn GatewaySource>,
    header: HeaderName,
}

impl fmt::Debug for Gateway {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gateway")
            .field("provider", &self.source.name())
            .field("header", &self.header)
            .finish()
    }
}

impl Gateway {
    /// The session managed by `manager` authenticates to the gateway; its `Authorization` value is
    /// sent in `header`.
    pub fn new<P: SessionProvider>(manager: SessionManager<P>, header: HeaderName) -> Self {
        Self {
            source: Arc::new(manager),
            header,
        }
    }

    /// The header the gateway credential travels in.
    pub fn header(&self) -> &HeaderName {
        &self.header
    }

    /// The gateway's headers for one request, from its (managed, cached) session. A failed
    /// login of the gateway session is returned as it is (it names the gateway's provider); a
    /// session that sets the target header twice (its `Authorization` and the target itself) is
    /// a [`Configuration`](crate::ErrorKind::Configuration) error.
    pub async fn headers(&self) -> Result<HeaderMap> {
        let mut out = HeaderMap::new();
        let produced = self.source.headers().await?;
        for (name, value) in &produced {
            let target = if name == http::header::AUTHORIZATION {
                self.header.clone()
            } else {
                name.clone()
            };
            if target == self.header && out.contains_key(&self.header) {
                return Err(Error::configuration(
                    self.source.name(),
                    "the gateway session sets its target header twice",
                ));
            }
            let mut value = value.clone();
            value.set_sensitive(true);
            out.append(target, value);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AccessToken, ErrorKind, StaticToken, StaticTokenProvider, provider_fn};
    use http::HeaderValue;

    fn header() -> HeaderName {
        HeaderName::from_static("x-gateway-authorization")
    }

    /// A session that sets `Authorization` and the headers given.
    #[derive(Clone)]
    struct Headers(Vec<(&'static str, &'static str)>);

    impl Session for Headers {
        fn expiry(&self) -> crate::Expiry {
            crate::Expiry::Never
        }
        fn authenticate(&self, headers: &mut HeaderMap) {
            headers.insert(
                http::header::AUTHORIZATION,
                HeaderValue::from_static("Bearer GW-SENTINEL"),
            );
            for (name, value) in &self.0 {
                headers.append(*name, HeaderValue::from_static(value));
            }
        }
    }

    fn gateway(extra: Vec<(&'static str, &'static str)>) -> Gateway {
        let session = Headers(extra);
        Gateway::new(
            SessionManager::new(provider_fn("auth0", move || {
                let session = session.clone();
                async move { Ok(session) }
            })),
            header(),
        )
    }

    #[tokio::test]
    async fn authorization_moves_to_the_target_header_marked_sensitive() {
        let headers = gateway(vec![("x-tenant", "t1")]).headers().await.unwrap();
        assert_eq!(headers.len(), 2);
        assert!(headers.get(http::header::AUTHORIZATION).is_none());
        let moved = &headers[header()];
        assert_eq!(moved, "Bearer GW-SENTINEL");
        assert!(moved.is_sensitive());
        assert_eq!(headers["x-tenant"], "t1");
        assert!(headers["x-tenant"].is_sensitive());
    }

    #[tokio::test]
    async fn a_session_setting_the_target_header_itself_is_a_configuration_error() {
        let e = gateway(vec![("x-gateway-authorization", "second")])
            .headers()
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Configuration);
        assert_eq!(e.provider(), "auth0");
        assert!(!e.to_string().contains("GW-SENTINEL"));
        assert!(!e.to_string().contains("second"));
    }

    #[tokio::test]
    async fn a_failed_gateway_login_is_returned_as_it_is() {
        let gateway = Gateway::new(
            SessionManager::new(provider_fn("auth0", || async {
                Err::<StaticToken, _>(Error::new(
                    ErrorKind::InvalidCredentials,
                    "auth0",
                    "client rejected",
                ))
            })),
            header(),
        );
        let e = gateway.headers().await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidCredentials);
        assert_eq!(e.provider(), "auth0");
    }

    #[test]
    fn debug_names_the_provider_and_header_only() {
        let gateway = Gateway::new(
            SessionManager::new(StaticTokenProvider::new(
                "auth0",
                StaticToken::bearer(AccessToken::new("GW-SENTINEL")),
            )),
            header(),
        );
        let debug = format!("{gateway:?}");
        assert!(debug.contains("auth0") && debug.contains("x-gateway-authorization"));
        assert!(!debug.contains("GW-SENTINEL"));
        assert_eq!(gateway.header(), &header());
    }
}
