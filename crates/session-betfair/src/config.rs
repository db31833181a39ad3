//! Configuration: jurisdictions (hosts and session lifetimes), credentials and the provider builder.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use session_core::http::{HttpClient, HttpOptions};
use session_core::{AppKey, Error, Password, Result, SessionToken};

use crate::cert::ClientCertificate;
use crate::error::NAME;
use crate::provider::{BetfairProvider, Credentials, LoginKind};

session_core::secret_type! {
    /// A two-factor ("strong authentication") code, appended to the password on interactive login.
    pub struct TwoFactorCode;
}

/// A Betfair jurisdiction: which hosts to use and how long its sessions last.
///
/// The hosts come from one table, [`Jurisdiction::hosts`]:
///
/// | jurisdiction | identity (login, keepAlive, logout) | certificate login | Accounts API | session lifetime |
/// |---|---|---|---|---|
/// | `Global` (.com: UK, Ireland, most countries) | `https://identitysso.betfair.com/api/` | `https://identitysso-cert.betfair.com/api/` | `https://api.betfair.com/` | 12 h |
/// | `Italy` | `https://identitysso.betfair.it/api/` | `https://identitysso-cert.betfair.it/api/` | `https://api.betfair.com/` | 20 min |
/// | `Spain` | `https://identitysso.betfair.es/api/` | `https://identitysso-cert.betfair.es/api/` | `https://api.betfair.com/` | 20 min (unverified; by analogy with Italy) |
/// | `Romania` | `https://identitysso.betfair.ro/api/` | `https://identitysso-cert.betfair.ro/api/` | `https://api.betfair.com/` | 12 h |
/// | `Sweden` | `https://identitysso.betfair.se/api/` | `https://identitysso-cert.betfair.se/api/` | `https://api.betfair.com/` | 12 h |
/// | `Australia` | `https://identitysso.betfair.com.au/api/` | `https://identitysso-cert.betfair.com/api/` | `https://api.betfair.com/` | 12 h |
/// | `NewZealand` | `https://identitysso.betfair.com.au/api/` | `https://identitysso-cert.betfair.com/api/` | `https://api.betfair.com.au/` | 12 h |
///
/// Every host and the lifetime can be overridden: [`BetfairBuilder::identity_url`],
/// [`BetfairBuilder::cert_url`], [`BetfairBuilder::session_lifetime`] and
/// [`AccountsBuilder::api_url`](crate::AccountsBuilder::api_url).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Jurisdiction {
    /// betfair.com: the UK, Ireland and most other countries.
    #[default]
    Global,
    /// betfair.it.
    Italy,
    /// betfair.es.
    Spain,
    /// betfair.ro.
    Romania,
    /// betfair.se.
    Sweden,
    /// betfair.com.au, Australian customers: the Australian identity host, the .com API host.
    Australia,
    /// New Zealand customers: the Australian identity host and the Australian API host
    /// (`api.betfair.com.au`), which Betfair's API docs name for New Zealand customers.
    NewZealand,
}

/// The hosts one jurisdiction uses, as [`Jurisdiction::hosts`] lists them. Each is a base URL
/// ending in `/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct JurisdictionHosts {
    /// Interactive login, keepAlive and logout.
    pub identity: &'static str,
    /// Certificate (non-interactive) login.
    pub cert: &'static str,
    /// The API-NG host the Accounts API (vendor services) lives on.
    pub api: &'static str,
}

impl Jurisdiction {
    /// Every jurisdiction, in table order.
    pub const ALL: [Jurisdiction; 7] = [
        Self::Global,
        Self::Italy,
        Self::Spain,
        Self::Romania,
        Self::Sweden,
        Self::Australia,
        Self::NewZealand,
    ];

    /// The lowercase name (`"global"`, `"italy"`, ..., `"new_zealand"`), as [`FromStr`] accepts
    /// it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Global => "global",
            Self::Italy => "italy",
            Self::Spain => "spain",
            Self::Romania => "romania",
            Self::Sweden => "sweden",
            Self::Australia => "australia",
            Self::NewZealand => "new_zealand",
        }
    }

    /// The jurisdiction's hosts: the one table every default host comes from.
    ///
    /// Where the sources disagree: no Australian certificate host is documented, so Australia
    /// and New Zealand log in with a certificate on the .com host, as the most used client
    /// library does; the Accounts API is on `api.betfair.com` for every jurisdiction (Betfair
    /// documents this for Italy and Spain, which log in on their own identity hosts) except New
    /// Zealand, whose customers Betfair sends to `api.betfair.com.au` (betfairlightweight does
    /// the same; older clients used the .com.au API host for Australia too).
    pub fn hosts(self) -> JurisdictionHosts {
        let (identity, cert, api) = match self {
            Self::Global => (
                "https://identitysso.betfair.com/api/",
                "https://identitysso-cert.betfair.com/api/",
                "https://api.betfair.com/",
            ),
            Self::Italy => (
                "https://identitysso.betfair.it/api/",
                "https://identitysso-cert.betfair.it/api/",
                "https://api.betfair.com/",
            ),
            Self::Spain => (
                "https://identitysso.betfair.es/api/",
                "https://identitysso-cert.betfair.es/api/",
                "https://api.betfair.com/",
            ),
            Self::Romania => (
                "https://identitysso.betfair.ro/api/",
                "https://identitysso-cert.betfair.ro/api/",
                "https://api.betfair.com/",
            ),
            Self::Sweden => (
                "https://identitysso.betfair.se/api/",
                "https://identitysso-cert.betfair.se/api/",
                "https://api.betfair.com/",
            ),
            Self::Australia => (
                "https://identitysso.betfair.com.au/api/",
                "https://identitysso-cert.betfair.com/api/",
                "https://api.betfair.com/",
            ),
            Self::NewZealand => (
                "https://identitysso.betfair.com.au/api/",
                "https://identitysso-cert.betfair.com/api/",
                "https://api.betfair.com.au/",
            ),
        };
        JurisdictionHosts {
            identity,
            cert,
            api,
        }
    }

    /// The base URL of interactive login, keepAlive and logout (from [`Jurisdiction::hosts`]).
    pub fn identity_url(self) -> &'static str {
        self.hosts().identity
    }

    /// The base URL of certificate (non-interactive) login (from [`Jurisdiction::hosts`]).
    /// Override it with [`BetfairBuilder::cert_url`] if Betfair tells you otherwise.
    pub fn cert_url(self) -> &'static str {
        self.hosts().cert
    }

    /// The API-NG host the Accounts API lives on (from [`Jurisdiction::hosts`]); override it with
    /// [`AccountsBuilder::api_url`](crate::AccountsBuilder::api_url).
    pub fn api_url(self) -> &'static str {
        self.hosts().api
    }

    /// How long a session is assumed to live without a keepAlive. Conservative: Betfair says
    /// "up to 24 hours" for .com today, an earlier revision said 12 hours, and Italy is documented
    /// at 20 minutes.
    pub fn session_lifetime(self) -> Duration {
        match self {
            Self::Italy | Self::Spain => Duration::from_secs(20 * 60),
            Self::Global | Self::Romania | Self::Sweden | Self::Australia | Self::NewZealand => {
                Duration::from_secs(12 * 3600)
            }
        }
    }
}

impl fmt::Display for Jurisdiction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Jurisdiction {
    type Err = Error;

    /// Accepts the names from [`Jurisdiction::as_str`] and the country domains
    /// (`com`, `uk`, `it`, `es`, `ro`, `se`, `au`, `nz`), in any case; `new_zealand` may be
    /// spelled `new-zealand` or `newzealand`.
    fn from_str(s: &str) -> Result<Self> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "global" | "com" | "uk" | "ie" => Self::Global,
            "italy" | "it" => Self::Italy,
            "spain" | "es" => Self::Spain,
            "romania" | "ro" => Self::Romania,
            "sweden" | "se" => Self::Sweden,
            "australia" | "au" | "com.au" => Self::Australia,
            "new_zealand" | "new-zealand" | "newzealand" | "nz" => Self::NewZealand,
            _ => return Err(Error::configuration(NAME, "unknown jurisdiction")),
        })
    }
}

type TwoFactorFn = Arc<dyn Fn() -> Option<TwoFactorCode> + Send + Sync>;

/// Builds a [`BetfairProvider`]. Start with [`BetfairProvider::builder`].
pub struct BetfairBuilder {
    app_key: AppKey,
    jurisdiction: Jurisdiction,
    credentials: Option<(String, Password, LoginKindConfig)>,
    two_factor: Option<TwoFactorFn>,
    identity_url: Option<String>,
    cert_url: Option<String>,
    lifetime: Option<Duration>,
    keep_alive: Option<Option<Duration>>,
    http: HttpOptions,
    resume: Option<SessionToken>,
}

enum LoginKindConfig {
    Interactive,
    Certificate(ClientCertificate),
}

impl fmt::Debug for BetfairBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BetfairBuilder")
            .field("app_key", &self.app_key)
            .field("jurisdiction", &self.jurisdiction)
            .field(
                "username",
                &self.credentials.as_ref().map(|(u, _, _)| u.as_str()),
            )
            .field(
                "certificate",
                &matches!(
                    self.credentials,
                    Some((_, _, LoginKindConfig::Certificate(_)))
                ),
            )
            .field("two_factor", &self.two_factor.is_some())
            .field("resume_token", &self.resume.is_some())
            .finish_non_exhaustive()
    }
}

impl BetfairBuilder {
    pub(crate) fn new(app_key: AppKey) -> Self {
        Self {
            app_key,
            jurisdiction: Jurisdiction::Global,
            credentials: None,
            two_factor: None,
            identity_url: None,
            cert_url: None,
            lifetime: None,
            keep_alive: None,
            http: HttpOptions::default(),
            resume: None,
        }
    }

    /// The jurisdiction (default [`Jurisdiction::Global`]): picks the hosts and the session
    /// lifetime unless they are overridden.
    #[must_use]
    pub fn jurisdiction(mut self, jurisdiction: Jurisdiction) -> Self {
        self.jurisdiction = jurisdiction;
        self
    }

    /// Logs in with the interactive API endpoint (`POST {identity}/login`).
    #[must_use]
    pub fn interactive(
        mut self,
        username: impl Into<String>,
        password: impl Into<Password>,
    ) -> Self {
        self.credentials = Some((
            username.into(),
            password.into(),
            LoginKindConfig::Interactive,
        ));
        self
    }

    /// Logs in with a client certificate (`POST {identity-cert}/certlogin` over mutual TLS), the
    /// method Betfair recommends for bots. Load the certificate with [`ClientCertificate`].
    #[must_use]
    pub fn certificate(
        mut self,
        username: impl Into<String>,
        password: impl Into<Password>,
        certificate: ClientCertificate,
    ) -> Self {
        self.credentials = Some((
            username.into(),
            password.into(),
            LoginKindConfig::Certificate(certificate),
        ));
        self
    }

    /// Appends this two-factor code to the password on every interactive login. Codes change
    /// every few seconds, so this suits a single login; see
    /// [`two_factor_source`](Self::two_factor_source) for a code generator. Certificate login
    /// does not use two-factor codes.
    #[must_use]
    pub fn two_factor_code(mut self, code: TwoFactorCode) -> Self {
        self.two_factor = Some(Arc::new(move || Some(code.clone())));
        self
    }

    /// Asks `source` for a fresh two-factor code before each interactive login (`None`: send
    /// the password alone).
    #[must_use]
    pub fn two_factor_source(
        mut self,
        source: impl Fn() -> Option<TwoFactorCode> + Send + Sync + 'static,
    ) -> Self {
        self.two_factor = Some(Arc::new(source));
        self
    }

    /// Overrides the identity base URL (interactive login, keepAlive, logout), for example
    /// `https://identitysso.betfair.com/api/`, or a simulator's URL in tests.
    #[must_use]
    pub fn identity_url(mut self, url: impl Into<String>) -> Self {
        self.identity_url = Some(url.into());
        self
    }

    /// Overrides the certificate-login base URL, for example
    /// `https://identitysso-cert.betfair.com/api/`.
    #[must_use]
    pub fn cert_url(mut self, url: impl Into<String>) -> Self {
        self.cert_url = Some(url.into());
        self
    }

    /// How long a session lives without a keepAlive (default: the jurisdiction's
    /// [`session_lifetime`](Jurisdiction::session_lifetime)). The keep-alive cadence defaults to
    /// half of it.
    #[must_use]
    pub fn session_lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = Some(lifetime);
        self
    }

    /// How often the manager's keep-alive supervisor sends a keepAlive (default: half the session
    /// lifetime; `None`: only before expiry).
    #[must_use]
    pub fn keep_alive(mut self, every: Option<Duration>) -> Self {
        self.keep_alive = Some(every);
        self
    }

    session_core::http_option_methods!();

    /// Resumes a stored session token instead of logging in: the provider's first
    /// [`login`](session_core::SessionProvider::login) validates it with one keepAlive and, if
    /// Betfair no longer accepts it, logs in with the credentials (when configured). For
    /// short-lived processes that must not log in on every invocation.
    #[must_use]
    pub fn resume_token(mut self, token: SessionToken) -> Self {
        self.resume = Some(token);
        self
    }

    fn http(&self, identity: Option<&ClientCertificate>) -> Result<HttpClient> {
        let mut b = self.http.builder(NAME)?;
        if identity.is_some() && self.http.client.is_some() {
            return Err(Error::configuration(
                NAME,
                "certificate login builds its own client with the certificate; an own http client cannot carry it",
            ));
        }
        if let Some(cert) = identity {
            let (chain, key) = cert.der();
            b = b.client_identity_der(chain, key);
            return b.build().map_err(|_| {
                Error::configuration(
                    NAME,
                    format!(
                        "client certificate and private key do not form a usable pair: {}",
                        cert.source()
                    ),
                )
            });
        }
        b.build()
    }

    /// Checks the URLs and certificate and builds the provider. No request is made.
    pub fn build(self) -> Result<BetfairProvider> {
        if self.app_key.is_empty() {
            return Err(Error::configuration(NAME, "the app key is empty"));
        }
        if session_core::sensitive_value(self.app_key.expose_secret()).is_none() {
            return Err(Error::configuration(
                NAME,
                "the app key is not a valid header value",
            ));
        }
        let identity_url = self.http.base_dir(
            NAME,
            self.identity_url
                .as_deref()
                .unwrap_or(self.jurisdiction.identity_url()),
        )?;
        let cert_url = self.http.base_dir(
            NAME,
            self.cert_url
                .as_deref()
                .unwrap_or(self.jurisdiction.cert_url()),
        )?;
        let lifetime = self
            .lifetime
            .unwrap_or_else(|| self.jurisdiction.session_lifetime());
        if lifetime < Duration::from_secs(2) {
            return Err(Error::configuration(
                NAME,
                "the session lifetime must be at least 2 seconds",
            ));
        }
        let keep_alive = self.keep_alive.unwrap_or(Some(lifetime / 2));
        let http = self.http(None)?;
        let credentials = match &self.credentials {
            None => None,
            Some((username, password, kind)) => {
                if username.trim().is_empty() {
                    return Err(Error::configuration(NAME, "the username is empty"));
                }
                let kind = match kind {
                    LoginKindConfig::Interactive => LoginKind::Interactive {
                        two_factor: self.two_factor.clone(),
                    },
                    LoginKindConfig::Certificate(cert) => LoginKind::Certificate {
                        http: self.http(Some(cert))?,
                        source: cert.source().to_owned(),
                    },
                };
                Some(Credentials {
                    username: username.clone(),
                    password: password.clone(),
                    kind,
                })
            }
        };
        if credentials.is_none() && self.resume.is_none() {
            return Err(Error::configuration(
                NAME,
                "configure credentials (interactive or certificate) or a token to resume",
            ));
        }
        Ok(BetfairProvider::from_inner(crate::provider::Inner {
            app_key: self.app_key,
            jurisdiction: self.jurisdiction,
            credentials,
            identity_url,
            cert_url,
            lifetime,
            keep_alive,
            clock: self.http.clock.clone(),
            http,
            resume: self.resume,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(url: &str, allow_insecure_loopback: bool) -> Result<url::Url> {
        let mut options = HttpOptions::new();
        options.allow_insecure_loopback = allow_insecure_loopback;
        options.base_dir(NAME, url)
    }

    #[test]
    fn every_jurisdiction_has_https_hosts_and_a_lifetime() {
        for j in Jurisdiction::ALL {
            for u in [j.identity_url(), j.cert_url()] {
                let url = base(u, false).unwrap();
                assert_eq!(url.scheme(), "https");
                assert_eq!(url.path(), "/api/");
            }
            assert!(j.cert_url().contains("identitysso-cert."));
            assert!(!j.identity_url().contains("-cert"));
            assert_eq!(j.as_str().parse::<Jurisdiction>().unwrap(), j);
        }
        assert_eq!(
            Jurisdiction::Global.session_lifetime(),
            Duration::from_secs(43_200)
        );
        assert_eq!(
            Jurisdiction::Italy.session_lifetime(),
            Duration::from_secs(1200)
        );
        for nz in ["NZ", "new-zealand", "New_Zealand", "newzealand"] {
            assert_eq!(
                nz.parse::<Jurisdiction>().unwrap(),
                Jurisdiction::NewZealand
            );
        }
        assert_eq!(
            "au".parse::<Jurisdiction>().unwrap(),
            Jurisdiction::Australia
        );
        // New Zealand differs from Australia only in its Accounts API host.
        let (au, nz) = (
            Jurisdiction::Australia.hosts(),
            Jurisdiction::NewZealand.hosts(),
        );
        assert_eq!((au.identity, au.cert), (nz.identity, nz.cert));
        assert_eq!(au.api, "https://api.betfair.com/");
        assert_eq!(nz.api, "https://api.betfair.com.au/");
        for j in Jurisdiction::ALL {
            let api = base(j.api_url(), false).unwrap();
            assert_eq!((api.scheme(), api.path()), ("https", "/"));
            if j != Jurisdiction::NewZealand {
                assert_eq!(j.api_url(), "https://api.betfair.com/", "{j}");
            }
        }
        assert!("mars".parse::<Jurisdiction>().is_err());
    }

    #[test]
    fn base_urls_get_a_trailing_slash() {
        assert_eq!(
            base("http://127.0.0.1:9/api", true).unwrap().as_str(),
            "http://127.0.0.1:9/api/"
        );
        assert_eq!(
            base("http://127.0.0.1:9", true).unwrap().as_str(),
            "http://127.0.0.1:9/"
        );
        assert!(base("https://h/api?x=1", false).is_err());
        assert!(base("http://h.example/api", true).is_err());
    }
}
