//! Configuration: the builder, the MFA code source and the defaults.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use session_core::http::HttpOptions;
use session_core::{Error, Password, RenewPolicy, Result, UsernamePassword};

use crate::error::NAME;
use crate::provider::{Inner, MatchbookProvider};
use crate::wire;

/// Matchbook's production API (Matchbook has no sandbox).
pub const DEFAULT_BASE_URL: &str = "https://api.matchbook.com";

/// The session lifetime assumed from login or from the last successful check: Matchbook says
/// "about six hours" and sends no expiry.
pub const DEFAULT_TTL: Duration = Duration::from_secs(6 * 60 * 60);

session_core::secret_type! {
    /// A one-time multi-factor code, sent as `mfa-code` with a login.
    pub struct MfaCode;
}

/// Where a login takes its MFA code from: called once per login request; `None` sends none.
pub type MfaSource = Arc<dyn Fn() -> Option<MfaCode> + Send + Sync>;

/// Builds a [`MatchbookProvider`]. Start with [`MatchbookProvider::builder`].
///
/// Renewal defaults: [`DEFAULT_TTL`] from login or a successful check, renewed 10 minutes (plus
/// up to 60 s of jitter) before it.
pub struct MatchbookBuilder {
    base_url: String,
    credentials: Option<UsernamePassword>,
    mfa: Option<MfaSource>,
    policy: RenewPolicy,
    http: HttpOptions,
}

impl fmt::Debug for MatchbookBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MatchbookBuilder")
            .field("credentials", &self.credentials)
            .field("mfa", &self.mfa.is_some())
            .field("policy", &self.policy)
            .field("http", &self.http)
            .finish_non_exhaustive()
    }
}

impl MatchbookBuilder {
    pub(crate) fn new(base_url: String) -> Self {
        Self {
            base_url,
            credentials: None,
            mfa: None,
            policy: RenewPolicy::default()
                .with_default_ttl(DEFAULT_TTL)
                .with_buffer(Duration::from_secs(10 * 60))
                .with_jitter(Duration::from_secs(60)),
            http: HttpOptions::default(),
        }
    }

    /// The account's username and password (required).
    #[must_use]
    pub fn credentials(
        mut self,
        username: impl Into<String>,
        password: impl Into<Password>,
    ) -> Self {
        self.credentials = Some(UsernamePassword::new(username, password));
        self
    }

    /// Sends this MFA code with every login (for a code read once, such as
    /// `MATCHBOOK_MFA_CODE`; codes usually change, see [`mfa_source`](Self::mfa_source)).
    #[must_use]
    pub fn mfa_code(self, code: impl Into<MfaCode>) -> Self {
        let code = code.into();
        self.mfa_source(move || Some(code.clone()))
    }

    /// Asks `source` for an MFA code before every login (a TOTP generator, a prompt).
    #[must_use]
    pub fn mfa_source(
        mut self,
        source: impl Fn() -> Option<MfaCode> + Send + Sync + 'static,
    ) -> Self {
        self.mfa = Some(Arc::new(source));
        self
    }

    session_core::renew_policy_methods!();
    session_core::http_option_methods!();

    /// Checks the configuration and builds the provider.
    ///
    /// Fails with [`Configuration`](session_core::ErrorKind::Configuration) for an invalid base
    /// URL, `http://` (unless loopback and
    /// [`allow_insecure_loopback`](Self::allow_insecure_loopback)), missing credentials or an
    /// unusable root certificate.
    pub fn build(self) -> Result<MatchbookProvider> {
        let base_url = self.http.base_dir(NAME, &self.base_url)?;
        let credentials = match self.credentials {
            Some(c) if !c.username.is_empty() => c,
            _ => {
                return Err(Error::configuration(
                    NAME,
                    "username and password are required",
                ));
            }
        };
        Ok(MatchbookProvider::from_inner(Inner {
            session_url: wire::session_url(&base_url),
            base_url,
            credentials,
            mfa: self.mfa,
            policy: self.policy,
            http: self.http.client(NAME)?,
            clock: self.http.clock.clone(),
        }))
    }
}
