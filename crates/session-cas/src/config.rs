//! Configuration: which CAS flavor to speak, where, as whom, and how long tickets live; the
//! builder and its checks.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use session_core::http::HttpOptions;
use session_core::{ApiKeySecret, Error, Result, UsernamePassword};

use crate::error::NAME;
use crate::provider::{CasProvider, Inner};

/// The idle timeout of a normal ticket: 7,200 s (2 hours) without use.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(7_200);
/// The hard cap of a normal ticket: 28,000 s. William Hill's docs say "28,000 seconds
/// (8 hours)"; 8 hours would be 28,800 s (Apereo's default). The smaller value is used.
pub const DEFAULT_MAX_LIFETIME: Duration = Duration::from_secs(28_000);
/// The lifetime of an extended (William Hill) ticket: 60 days, without idle expiry.
pub const DEFAULT_EXTENDED_LIFETIME: Duration = Duration::from_secs(60 * 24 * 3_600);

/// Which protocol the server speaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Flavor {
    /// William Hill Sessions API v2 (`{base}` is for example `https://sandbox.whapi.com/v2/sessions`):
    /// JSON bodies, `apiKey`/`apiSecret` headers, login answered with 200 and JSON.
    #[default]
    WhApi,
    /// Apereo (Jasig) CAS REST protocol (`{base}` is the CAS prefix, for example
    /// `https://cas.example.org/cas`): form bodies, login answered with 201 and `Location`.
    Apereo,
}

impl Flavor {
    /// `"wh_api"` or `"apereo"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::WhApi => "wh_api",
            Self::Apereo => "apereo",
        }
    }
}

impl fmt::Display for Flavor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// William Hill's optional `territory` header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Territory {
    /// `COM`.
    Com,
    /// `ES` (Spain).
    Es,
    /// `IT` (Italy).
    It,
}

impl Territory {
    /// The header value: `COM`, `ES` or `IT`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Com => "COM",
            Self::Es => "ES",
            Self::It => "IT",
        }
    }
}

/// How the `extended` login field is encoded (William Hill's spec types it as a boolean but
/// describes the values `Y`/`N`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ExtendedEncoding {
    /// JSON `true` / `false` (the v2 schema).
    #[default]
    Boolean,
    /// JSON `"Y"` / `"N"` (the v2 description and the v1 API).
    YesNo,
}

/// Where the `extended` login flag travels. William Hill's overview says "set the query parameter
/// extended to Y"; its v2 schema puts `extended` in the JSON body. The default sends both, so that
/// either reading is satisfied.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ExtendedPlacement {
    /// The body field (always, `false` for a normal ticket) and, for an extended ticket, the query
    /// parameter `extended=Y` too.
    #[default]
    QueryAndBody,
    /// Only the body field, as the v2 schema has it.
    Body,
    /// Only the query parameter `extended=Y` for an extended ticket, as the overview has it; the
    /// body has no `extended` field.
    Query,
}

/// William Hill's `fields` / `include` / `exclude` query lists (comma-separated on the wire).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct FieldSelection {
    /// An absolute list of fields to return (`fields=`).
    pub fields: Vec<String>,
    /// Fields to return in addition to the default ones (`include=`).
    pub include: Vec<String>,
    /// Default fields to leave out (`exclude=`).
    pub exclude: Vec<String>,
}

impl FieldSelection {
    /// An empty selection: no query parameters.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the absolute field list.
    #[must_use]
    pub fn fields<I, S>(mut self, fields: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.fields = fields.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the fields to add.
    #[must_use]
    pub fn include<I, S>(mut self, fields: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.include = fields.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the fields to leave out.
    #[must_use]
    pub fn exclude<I, S>(mut self, fields: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.exclude = fields.into_iter().map(Into::into).collect();
        self
    }

    /// Whether no list is set.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.include.is_empty() && self.exclude.is_empty()
    }
}

/// How long tickets live, as tracked locally.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Lifetimes {
    /// A normal ticket dies after this long without a successful use.
    pub idle_timeout: Duration,
    /// A normal ticket dies this long after it was issued, however it is used (further capped by
    /// the server's `expiryDateTime` when given).
    pub max_lifetime: Duration,
    /// An extended ticket dies this long after it was issued; it has no idle timeout.
    pub extended_lifetime: Duration,
}

impl Lifetimes {
    /// Sets [`Lifetimes::idle_timeout`].
    #[must_use]
    pub fn with_idle_timeout(mut self, d: Duration) -> Self {
        self.idle_timeout = d;
        self
    }

    /// Sets [`Lifetimes::max_lifetime`].
    #[must_use]
    pub fn with_max_lifetime(mut self, d: Duration) -> Self {
        self.max_lifetime = d;
        self
    }

    /// Sets [`Lifetimes::extended_lifetime`].
    #[must_use]
    pub fn with_extended_lifetime(mut self, d: Duration) -> Self {
        self.extended_lifetime = d;
        self
    }
}

impl Default for Lifetimes {
    fn default() -> Self {
        Self {
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            max_lifetime: DEFAULT_MAX_LIFETIME,
            extended_lifetime: DEFAULT_EXTENDED_LIFETIME,
        }
    }
}

/// Builds a [`CasProvider`]. Start with [`CasProvider::builder`], chain the setters, then call
/// [`build`](Self::build), which checks everything.
///
/// ```
/// use session_cas::{ApiKeySecret, CasProvider, Territory, UsernamePassword};
/// let provider = CasProvider::builder(
///     "https://sandbox.whapi.com/v2/sessions",
///     UsernamePassword::new("punter_01", "hunter22"),
/// )
/// .api_credentials(ApiKeySecret::new("l7xxAPIKEYxxxxxxxxxxxx", "APISECRETxxxxxxxxxxxx"))
/// .territory(Territory::Com)
/// .build()
/// .expect("valid configuration");
/// # let _ = provider;
/// ```
#[derive(Clone)]
pub struct CasBuilder {
    base_url: String,
    settings: Settings,
    api: Option<ApiKeySecret>,
    keep_alive: Option<Option<Duration>>,
    http: HttpOptions,
}

/// The options the provider keeps as they were configured (checked by [`CasBuilder::build`]).
#[derive(Clone)]
pub(crate) struct Settings {
    pub(crate) flavor: Flavor,
    pub(crate) credentials: UsernamePassword,
    pub(crate) territory: Option<Territory>,
    pub(crate) language_as_per_territory: Option<bool>,
    pub(crate) extended: bool,
    pub(crate) extended_encoding: ExtendedEncoding,
    pub(crate) extended_placement: ExtendedPlacement,
    pub(crate) login_fields: FieldSelection,
    pub(crate) service_ticket_fields: FieldSelection,
    pub(crate) lifetimes: Lifetimes,
    pub(crate) renew_service: Option<String>,
}

impl fmt::Debug for CasBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A base URL with user info is refused at build time; never print one.
        let base_url = if self.base_url.contains('@') {
            "[redacted]"
        } else {
            self.base_url.as_str()
        };
        f.debug_struct("CasBuilder")
            .field("base_url", &base_url)
            .field("flavor", &self.settings.flavor)
            .field("credentials", &self.settings.credentials)
            .field("api", &self.api)
            .field("territory", &self.settings.territory)
            .field(
                "language_as_per_territory",
                &self.settings.language_as_per_territory,
            )
            .field("extended", &self.settings.extended)
            .field("extended_encoding", &self.settings.extended_encoding)
            .field("extended_placement", &self.settings.extended_placement)
            .field("login_fields", &self.settings.login_fields)
            .field(
                "service_ticket_fields",
                &self.settings.service_ticket_fields,
            )
            .field("lifetimes", &self.settings.lifetimes)
            .field("keep_alive", &self.keep_alive)
            .field("renew_service", &self.settings.renew_service.is_some())
            .field("http", &self.http)
            .finish_non_exhaustive()
    }
}

impl CasBuilder {
    pub(crate) fn new(base_url: String, credentials: UsernamePassword) -> Self {
        Self {
            base_url,
            settings: Settings {
                flavor: Flavor::default(),
                credentials,
                territory: None,
                language_as_per_territory: None,
                extended: false,
                extended_encoding: ExtendedEncoding::default(),
                extended_placement: ExtendedPlacement::default(),
                login_fields: FieldSelection::default(),
                service_ticket_fields: FieldSelection::default(),
                lifetimes: Lifetimes::default(),
                renew_service: None,
            },
            api: None,
            keep_alive: None,
            http: HttpOptions::default(),
        }
    }

    /// Logs in as `credentials` instead of those given to [`CasProvider::builder`](crate::CasProvider::builder).
    #[must_use]
    pub fn credentials(mut self, credentials: UsernamePassword) -> Self {
        self.settings.credentials = credentials;
        self
    }

    /// The protocol flavor (default [`Flavor::WhApi`]).
    #[must_use]
    pub fn flavor(mut self, flavor: Flavor) -> Self {
        self.settings.flavor = flavor;
        self
    }

    /// William Hill's application credentials, sent as the `apiKey` and `apiSecret` headers on
    /// every call. Required for [`Flavor::WhApi`].
    #[must_use]
    pub fn api_credentials(mut self, api: ApiKeySecret) -> Self {
        self.api = Some(api);
        self
    }

    /// William Hill's `territory` header (not sent by default).
    #[must_use]
    pub fn territory(mut self, territory: Territory) -> Self {
        self.settings.territory = Some(territory);
        self
    }

    /// William Hill's `languageAsPerTerritory` query flag on every call (not sent by default;
    /// the server's default is `true`).
    #[must_use]
    pub fn language_as_per_territory(mut self, value: bool) -> Self {
        self.settings.language_as_per_territory = Some(value);
        self
    }

    /// Asks William Hill for an extended ticket: 60 days, no idle timeout (meant for mobile
    /// applications). Not available with [`Flavor::Apereo`].
    #[must_use]
    pub fn extended(mut self, extended: bool) -> Self {
        self.settings.extended = extended;
        self
    }

    /// How the `extended` field is encoded (default JSON boolean).
    #[must_use]
    pub fn extended_encoding(mut self, encoding: ExtendedEncoding) -> Self {
        self.settings.extended_encoding = encoding;
        self
    }

    /// Where the `extended` flag is sent (default [`ExtendedPlacement::QueryAndBody`]: the query
    /// parameter `extended=Y` for an extended ticket, and the body field always).
    #[must_use]
    pub fn extended_placement(mut self, placement: ExtendedPlacement) -> Self {
        self.settings.extended_placement = placement;
        self
    }

    /// `fields` / `include` / `exclude` lists for the William Hill login call.
    #[must_use]
    pub fn login_fields(mut self, selection: FieldSelection) -> Self {
        self.settings.login_fields = selection;
        self
    }

    /// `fields` / `include` / `exclude` lists for the William Hill service-ticket call.
    #[must_use]
    pub fn service_ticket_fields(mut self, selection: FieldSelection) -> Self {
        self.settings.service_ticket_fields = selection;
        self
    }

    /// Local lifetime tracking (defaults: 7,200 s idle, 28,000 s hard cap, 60 days extended).
    #[must_use]
    pub fn lifetimes(mut self, lifetimes: Lifetimes) -> Self {
        self.settings.lifetimes = lifetimes;
        self
    }

    /// The idle timeout of normal tickets (default 7,200 s).
    #[must_use]
    pub fn idle_timeout(mut self, d: Duration) -> Self {
        self.settings.lifetimes.idle_timeout = d;
        self
    }

    /// The hard cap of normal tickets (default 28,000 s).
    #[must_use]
    pub fn max_lifetime(mut self, d: Duration) -> Self {
        self.settings.lifetimes.max_lifetime = d;
        self
    }

    /// The lifetime of extended tickets (default 60 days).
    #[must_use]
    pub fn extended_lifetime(mut self, d: Duration) -> Self {
        self.settings.lifetimes.extended_lifetime = d;
        self
    }

    /// How often the manager's keep-alive supervisor validates the ticket. Default: half the
    /// idle timeout for normal tickets, never for extended ones. `None` turns it off.
    #[must_use]
    pub fn keep_alive(mut self, every: Option<Duration>) -> Self {
        self.keep_alive = Some(every);
        self
    }

    /// Renew by minting (and discarding) a service ticket for this service URL instead of
    /// validating the ticket. Apereo's sliding expiration counts a service-ticket grant as use,
    /// while a status read may not refresh the idle timer; use this when the server's idle
    /// timeout must really be pushed back. The URL must be a registered CAS service.
    #[must_use]
    pub fn renew_service(mut self, service: impl Into<String>) -> Self {
        self.settings.renew_service = Some(service.into());
        self
    }

    session_core::http_option_methods!();

    /// Checks the configuration and builds the provider. No request is made. Fails with
    /// [`ErrorKind::Configuration`](session_core::ErrorKind::Configuration) for a bad base URL,
    /// missing or empty William Hill API credentials, `extended` with Apereo, a zero lifetime,
    /// an empty username, or an unusable certificate or proxy.
    pub fn build(self) -> Result<CasProvider> {
        let base = self.http.base_url(NAME, &self.base_url)?;
        let api = match (self.settings.flavor, self.api) {
            (Flavor::WhApi, None) => {
                return Err(Error::configuration(
                    NAME,
                    "the william hill flavor needs api credentials (apiKey and apiSecret)",
                ));
            }
            (Flavor::WhApi, Some(api)) if api.key.is_empty() || api.secret.is_empty() => {
                return Err(Error::configuration(NAME, "empty api credentials"));
            }
            (_, api) => api.map(Arc::new),
        };
        if self.settings.flavor == Flavor::Apereo && self.settings.extended {
            return Err(Error::configuration(
                NAME,
                "extended tickets are a william hill feature; not available with apereo",
            ));
        }
        let l = self.settings.lifetimes;
        if l.idle_timeout.is_zero() || l.max_lifetime.is_zero() || l.extended_lifetime.is_zero() {
            return Err(Error::configuration(
                NAME,
                "ticket lifetimes must be positive",
            ));
        }
        if self.settings.credentials.username.is_empty() {
            return Err(Error::configuration(NAME, "empty username"));
        }
        let http = self.http.client(NAME)?;
        let keep_alive = self.keep_alive.unwrap_or(if self.settings.extended {
            None
        } else {
            Some(l.idle_timeout / 2)
        });
        Ok(CasProvider::from_inner(Inner {
            settings: self.settings,
            base,
            api,
            keep_alive,
            clock: self.http.clock.clone(),
            http,
        }))
    }
}
