//! OAuth 2 pieces shared by providers: token request builders for the password,
//! client-credentials, refresh-token and authorization-code grants (parameters in the query string
//! or the form body), lenient token-response parsing, RFC 6749 error parsing, an [`OAuthSession`],
//! and a ready [`ClientCredentialsProvider`].
//!
//! Leniency: `expires_in` may be a number or a string, `token_type` is compared
//! case-insensitively, camelCase keys (`accessToken`, `expiresIn`) are accepted, unknown fields are
//! ignored. `error_description` is never kept: some servers echo tokens in it.
//!
//! Error answers are recognised by their JSON shape ([`ErrorAnswer`]), not by their content type:
//! oauthlib sends some as `text/html`. Messages name the HTTP status; an `invalid_request` answer
//! to a request whose parameters were in the query string says to use [`Placement::Form`]; a 404 or
//! 405 without an error body means the token URL is wrong ([`ErrorKind::Configuration`]).

use std::fmt;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use http::{HeaderMap, Method};
use serde::{Deserialize, Deserializer};
use url::Url;

use crate::clock::{Clock, SystemClock};
use crate::error::{Error, ErrorKind, Result, UpstreamText};
use crate::http::{HttpClient, HttpResponse, finish, form_encode, request};
use crate::provider::{SessionProvider, sensitive_value};
use crate::secret::{AccessToken, ClientCredentials, Password, RefreshToken};
use crate::session::{Expiry, PersistedSession, RenewPolicy, SecretState, Session};
use crate::timing;
use std::sync::Arc;

/// Where token request parameters travel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Placement {
    /// In the URL's query string with an empty body (as Seaware documents it). URLs built this way
    /// hold secrets; this workspace never logs or displays them.
    Query,
    /// In an `application/x-www-form-urlencoded` body (RFC 6749's form).
    #[default]
    Form,
}

/// How the client authenticates to the token endpoint.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientAuth {
    /// `client_id` and `client_secret` as parameters (beside the grant's own).
    #[default]
    Params,
    /// HTTP Basic with the URL-encoded id and secret (RFC 6749 §2.3.1).
    Basic,
}

/// An OAuth grant and its parameters.
#[derive(Clone, Copy)]
#[non_exhaustive]
pub enum Grant<'a> {
    /// `grant_type=password`.
    Password {
        /// The resource owner's username.
        username: &'a str,
        /// The resource owner's password.
        password: &'a Password,
    },
    /// `grant_type=client_credentials`.
    ClientCredentials,
    /// `grant_type=refresh_token`.
    RefreshToken(&'a RefreshToken),
    /// `grant_type=authorization_code`.
    AuthorizationCode {
        /// The one-time code.
        code: &'a AccessToken,
        /// The redirect URI registered for the client, when the server wants it repeated.
        redirect_uri: Option<&'a str>,
    },
}

impl fmt::Debug for Grant<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.grant_type())
    }
}

impl Grant<'_> {
    /// The `grant_type` value.
    pub fn grant_type(&self) -> &'static str {
        match self {
            Self::Password { .. } => "password",
            Self::ClientCredentials => "client_credentials",
            Self::RefreshToken(_) => "refresh_token",
            Self::AuthorizationCode { .. } => "authorization_code",
        }
    }
}

/// A token request, built without I/O by [`TokenRequest::build`].
#[derive(Debug)]
#[non_exhaustive]
pub struct TokenRequest<'a> {
    /// The token endpoint.
    pub url: &'a Url,
    /// The grant.
    pub grant: Grant<'a>,
    /// The client's id and secret, when the server wants them.
    pub client: Option<&'a ClientCredentials>,
    /// How the client authenticates.
    pub client_auth: ClientAuth,
    /// The `scope` parameter.
    pub scope: Option<&'a str>,
    /// Where the parameters go.
    pub placement: Placement,
}

impl<'a> TokenRequest<'a> {
    /// A request for `grant` at `url`, parameters in the form body, no client, no scope.
    pub fn new(url: &'a Url, grant: Grant<'a>) -> Self {
        Self {
            url,
            grant,
            client: None,
            client_auth: ClientAuth::Params,
            scope: None,
            placement: Placement::Form,
        }
    }

    /// Builds the `POST` request.
    pub fn build(&self, provider: &'static str) -> Result<http::Request<Vec<u8>>> {
        let mut params: Vec<(&str, &str)> = Vec::with_capacity(7);
        match self.grant {
            Grant::Password { username, password } => {
                params.push(("username", username));
                params.push(("password", password.expose_secret()));
            }
            Grant::ClientCredentials => {}
            Grant::RefreshToken(token) => params.push(("refresh_token", token.expose_secret())),
            Grant::AuthorizationCode { code, redirect_uri } => {
                params.push(("code", code.expose_secret()));
                if let Some(uri) = redirect_uri {
                    params.push(("redirect_uri", uri));
                }
            }
        }
        let mut basic = None;
        if let Some(client) = self.client {
            match self.client_auth {
                ClientAuth::Params => {
                    params.push(("client_id", client.client_id.as_str()));
                    params.push(("client_secret", client.client_secret.expose_secret()));
                }
                ClientAuth::Basic => basic = Some(basic_auth_value(client)),
            }
        }
        params.push(("grant_type", self.grant.grant_type()));
        if let Some(scope) = self.scope {
            params.push(("scope", scope));
        }
        let encoded = form_encode(params.iter().copied());
        let (url, body) = match self.placement {
            Placement::Query => {
                let mut url = self.url.clone();
                let query = match url.query() {
                    Some(q) if !q.is_empty() => format!("{q}&{encoded}"),
                    _ => encoded,
                };
                url.set_query(Some(&query));
                (url, Vec::new())
            }
            Placement::Form => (self.url.clone(), encoded.into_bytes()),
        };
        let mut builder = request(Method::POST, &url);
        if self.placement == Placement::Form {
            builder = builder.header(
                http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            );
        }
        if let Some(value) = basic {
            let value = sensitive_value(&value)
                .ok_or_else(|| Error::configuration(provider, "invalid client credentials"))?;
            builder = builder.header(http::header::AUTHORIZATION, value);
        }
        finish(provider, builder, body)
    }
}

fn basic_auth_value(client: &ClientCredentials) -> String {
    let id = form_encode([("", client.client_id.as_str())]);
    let secret = form_encode([("", client.client_secret.expose_secret())]);
    let raw = format!("{}:{}", &id[1..], &secret[1..]);
    use base64::Engine as _;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw.as_bytes())
    )
}

/// Deserializes a number of seconds sent as a number or a string (`900`, `"900"`, `900.0`).
pub fn lenient_seconds<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum N {
        U(u64),
        F(f64),
        S(String),
    }
    Ok(match Option::<N>::deserialize(d)? {
        None => None,
        Some(N::U(n)) => Some(n),
        Some(N::F(f)) if f.is_finite() && f >= 0.0 => Some(f as u64),
        Some(N::F(_)) => None,
        Some(N::S(s)) => s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite() && *f >= 0.0)
            .map(|f| f as u64),
    })
}

/// A successful token response.
#[derive(Deserialize)]
#[non_exhaustive]
pub struct TokenResponse {
    /// The access token.
    #[serde(alias = "accessToken")]
    pub access_token: AccessToken,
    /// The token type, lowercased (`"bearer"`); empty when absent.
    #[serde(default, alias = "tokenType", deserialize_with = "lowercase")]
    pub token_type: String,
    /// The refresh token, when issued.
    #[serde(default, alias = "refreshToken")]
    pub refresh_token: Option<RefreshToken>,
    /// Seconds until the access token expires, when given.
    #[serde(default, alias = "expiresIn", deserialize_with = "lenient_seconds")]
    pub expires_in: Option<u64>,
    /// The granted scope, when given.
    #[serde(default)]
    pub scope: Option<String>,
}

fn lowercase<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?
        .unwrap_or_default()
        .to_ascii_lowercase())
}

impl fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenResponse")
            .field("access_token", &self.access_token)
            .field("token_type", &UpstreamText::code(&self.token_type))
            .field("refresh_token", &self.refresh_token)
            .field("expires_in", &self.expires_in)
            .field("scope", &self.scope.as_deref().map(UpstreamText::words))
            .finish()
    }
}

/// An RFC 6749 §5.2 error answer (`{"error": "invalid_grant", ...}`), recognised by its JSON shape
/// whatever the status and the content type: oauthlib, for one, sends some of its error answers as
/// `text/html`. A real HTML page is never one.
///
/// `error_description` is kept only so that a provider can classify an answer by it (a locked
/// account, say); it is never displayed, logged or put in an [`Error`], because some servers echo
/// tokens in it, and `Debug` redacts it.
#[derive(Deserialize)]
pub struct ErrorAnswer {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

impl fmt::Debug for ErrorAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ErrorAnswer")
            .field("error", &self.error)
            .field("error_description", &"[REDACTED]")
            .finish()
    }
}

impl ErrorAnswer {
    /// The error answer `response` carries, when its body is a JSON object with a string `error`.
    pub fn read(response: &HttpResponse) -> Option<Self> {
        // Serde reads a struct from an array too; an error answer is an object.
        let body = response.body();
        let first = body.iter().find(|b| !b.is_ascii_whitespace());
        if first != Some(&b'{') {
            return None;
        }
        serde_json::from_slice::<Self>(body)
            .ok()
            .filter(|a| !a.error.trim().is_empty())
    }

    /// The `error` code (`invalid_grant`, `invalid_client`, ...).
    pub fn code(&self) -> &str {
        &self.error
    }

    /// The `error_description`, for classification only: it may hold secrets, so never display it.
    pub fn description(&self) -> Option<&str> {
        self.error_description.as_deref()
    }

    /// The error for this answer received in `response`: `kind` with the fixed `message` followed
    /// by the HTTP status, the code, the response's `Retry-After`, and, for an `invalid_request`
    /// answer to a request whose parameters were in the query string, the advice to send them in
    /// the form body instead (oauthlib-based servers refuse query parameters on a token `POST`).
    pub fn to_error(
        &self,
        response: &HttpResponse,
        kind: ErrorKind,
        message: &'static str,
        placement: Placement,
    ) -> Error {
        let status = response.status().as_u16();
        let mut text = format!("{message} (http {status})");
        if self.error == "invalid_request" && placement == Placement::Query {
            text.push_str(
                "; the server may refuse query parameters: use the form placement \
                 (Placement::Form, --params form)",
            );
        }
        let mut e = Error::new(kind, response.provider(), text)
            .with_code(&self.error)
            .with_http_failure(crate::error::HttpFailure::Status(status));
        if let Some(after) = response.retry_after() {
            e = e.with_retry_after(after);
        }
        e
    }
}

/// The [`ErrorKind`] for an RFC 6749 error code, given the grant that was attempted:
/// `invalid_grant` means bad credentials for a password grant, but a dead refresh token (session
/// rejected) for a refresh grant, and `invalid_client` means bad credentials for the
/// client-credentials grant but a configuration error otherwise.
pub fn error_kind(code: &str, grant_type: &str) -> ErrorKind {
    match code {
        "invalid_grant" if grant_type == "refresh_token" => ErrorKind::SessionRejected,
        "invalid_grant" => ErrorKind::InvalidCredentials,
        // With the client-credentials grant the client's id and secret are the credentials.
        "invalid_client" if grant_type == "client_credentials" => ErrorKind::InvalidCredentials,
        "invalid_client"
        | "unauthorized_client"
        | "unsupported_grant_type"
        | "invalid_scope"
        | "invalid_request"
        | "unsupported_response_type" => ErrorKind::Configuration,
        "invalid_token" => ErrorKind::SessionRejected,
        "access_denied" => ErrorKind::AccountRestricted,
        "temporarily_unavailable" | "server_error" => ErrorKind::Unavailable,
        "slow_down" => ErrorKind::RateLimited,
        _ => ErrorKind::UnexpectedResponse,
    }
}

/// Parses a token endpoint's response to `grant_type` sent with the parameters in the form body;
/// see [`parse_token_response_placed`].
pub fn parse_token_response(response: &HttpResponse, grant_type: &str) -> Result<TokenResponse> {
    parse_token_response_placed(response, grant_type, Placement::Form)
}

/// Parses a token endpoint's response to `grant_type` whose parameters were sent as `placement`:
/// a 2xx token body; an RFC 6749 error body of any status and content type
/// ([`ErrorAnswer`], mapped by [`error_kind`]); a 404 or 405 as a wrong token URL
/// ([`ErrorKind::Configuration`]); the core's mapping for anything else. 429 is always
/// [`ErrorKind::RateLimited`].
pub fn parse_token_response_placed(
    response: &HttpResponse,
    grant_type: &str,
    placement: Placement,
) -> Result<TokenResponse> {
    if response.status().is_success() {
        return response.json::<TokenResponse>();
    }
    if response.status() == http::StatusCode::TOO_MANY_REQUESTS {
        return Err(response.unexpected_status());
    }
    let missing = response.missing_endpoint("oauth token");
    if let Some(answer) = ErrorAnswer::read(response)
        // A framework's own 404 body (`{"status":404,"error":"Not Found"}`) is no OAuth answer.
        && (error_kind(answer.code(), grant_type) != ErrorKind::UnexpectedResponse
            || missing.is_none())
    {
        let kind = error_kind(answer.code(), grant_type);
        let message = match kind {
            ErrorKind::InvalidCredentials => "login rejected",
            ErrorKind::SessionRejected => "token rejected",
            ErrorKind::Configuration => "token request refused",
            ErrorKind::AccountRestricted => "access denied",
            ErrorKind::RateLimited => "rate limited",
            ErrorKind::Unavailable => "token endpoint unavailable",
            _ => "token request failed",
        };
        return Err(answer.to_error(response, kind, message, placement));
    }
    Err(missing.unwrap_or_else(|| response.unexpected_status()))
}

/// An OAuth bearer session: access token, optional refresh token, expiry.
#[derive(Clone)]
#[non_exhaustive]
pub struct OAuthSession {
    /// The access token.
    pub access_token: AccessToken,
    /// The refresh token, when one was issued.
    pub refresh_token: Option<RefreshToken>,
    /// The granted scope, when given.
    pub scope: Option<String>,
    /// When the access token expires.
    pub expiry: Expiry,
}

impl OAuthSession {
    /// A session from its parts.
    pub fn new(
        access_token: AccessToken,
        refresh_token: Option<RefreshToken>,
        scope: Option<String>,
        expiry: Expiry,
    ) -> Self {
        Self {
            access_token,
            refresh_token,
            scope,
            expiry,
        }
    }

    /// Builds a session from a token response received at `now`; `default_ttl` applies when the
    /// response has no `expires_in`.
    pub fn from_response(response: TokenResponse, now: SystemTime, default_ttl: Duration) -> Self {
        let ttl = response.expires_in.map_or(default_ttl, timing::secs_u64);
        Self {
            access_token: response.access_token,
            refresh_token: response.refresh_token,
            scope: response.scope,
            expiry: Expiry::after(now, ttl),
        }
    }

    /// Serializes for a session store.
    pub fn persist(&self) -> PersistedSession {
        let state = serde_json::json!({
            "access_token": self.access_token.expose_secret(),
            "refresh_token": self.refresh_token.as_ref().map(|t| t.expose_secret()),
            "scope": self.scope,
        });
        let expires_at = self.expiry.at();
        PersistedSession {
            state: SecretState::new(state.to_string()),
            expires_at,
        }
    }

    /// Rebuilds a session stored by [`OAuthSession::persist`].
    pub fn restore(provider: &'static str, persisted: &PersistedSession) -> Result<Self> {
        #[derive(Deserialize)]
        struct Stored {
            access_token: AccessToken,
            refresh_token: Option<RefreshToken>,
            scope: Option<String>,
        }
        let stored: Stored = serde_json::from_str(persisted.state.expose_secret())
            .map_err(|_| Error::configuration(provider, "unreadable stored session"))?;
        Ok(Self {
            access_token: stored.access_token,
            refresh_token: stored.refresh_token,
            scope: stored.scope,
            expiry: persisted.expires_at.map_or(Expiry::Never, Expiry::At),
        })
    }
}

impl fmt::Debug for OAuthSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthSession")
            .field("access_token", &self.access_token)
            .field("refresh_token", &self.refresh_token)
            .field("scope", &self.scope.as_deref().map(UpstreamText::words))
            .field("expiry", &self.expiry)
            .finish()
    }
}

impl Session for OAuthSession {
    fn expiry(&self) -> Expiry {
        self.expiry
    }

    fn authenticate(&self, headers: &mut HeaderMap) {
        if let Some(v) = sensitive_value(&format!("Bearer {}", self.access_token.expose_secret())) {
            headers.insert(http::header::AUTHORIZATION, v);
        }
    }
}

/// Obtains bearer tokens with the client-credentials grant (for example the Pagos token source).
#[derive(Clone)]
pub struct ClientCredentialsProvider {
    name: &'static str,
    http: HttpClient,
    token_url: Url,
    client: ClientCredentials,
    client_auth: ClientAuth,
    scope: Option<String>,
    policy: RenewPolicy,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for ClientCredentialsProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentialsProvider")
            .field("name", &self.name)
            .field("client", &self.client)
            .field("scope", &self.scope.as_deref().map(UpstreamText::words))
            .finish_non_exhaustive()
    }
}

impl ClientCredentialsProvider {
    /// A provider named `name` posting `client` to `token_url` (checked with the client's rules when
    /// sent). The id and secret go in the form body; see
    /// [`with_client_auth`](Self::with_client_auth).
    pub fn new(
        name: &'static str,
        http: HttpClient,
        token_url: Url,
        client: ClientCredentials,
    ) -> Self {
        Self {
            name,
            http,
            token_url,
            client,
            client_auth: ClientAuth::Params,
            scope: None,
            policy: RenewPolicy::default().with_default_ttl(Duration::from_secs(3600)),
            clock: Arc::new(SystemClock),
        }
    }

    /// Sends the client credentials as HTTP Basic instead of form parameters.
    #[must_use]
    pub fn with_client_auth(mut self, auth: ClientAuth) -> Self {
        self.client_auth = auth;
        self
    }

    /// Requests `scope`.
    #[must_use]
    pub fn with_scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// Uses `clock` to compute expiry.
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Sets the renewal policy (the default assumes one hour when `expires_in` is missing).
    #[must_use]
    pub fn with_policy(mut self, policy: RenewPolicy) -> Self {
        self.policy = policy;
        self
    }
}

#[async_trait]
impl SessionProvider for ClientCredentialsProvider {
    type Session = OAuthSession;

    fn name(&self) -> &'static str {
        self.name
    }

    #[tracing::instrument(name = "oauth.client_credentials", skip_all, fields(provider = self.name))]
    async fn login(&self) -> Result<OAuthSession> {
        let mut req = TokenRequest::new(&self.token_url, Grant::ClientCredentials);
        req.client = Some(&self.client);
        req.client_auth = self.client_auth;
        req.scope = self.scope.as_deref();
        let response = self.http.send(req.build(self.name)?).await?;
        let token = parse_token_response(&response, "client_credentials")?;
        Ok(OAuthSession::from_response(
            token,
            self.clock.now(),
            self.policy.default_ttl,
        ))
    }

    fn policy(&self) -> RenewPolicy {
        self.policy
    }

    fn store_key(&self) -> String {
        format!("{}:{}:{}", self.name, self.token_url, self.client.client_id)
    }

    fn persist(&self, session: &OAuthSession) -> Option<PersistedSession> {
        Some(session.persist())
    }

    fn restore(&self, persisted: &PersistedSession) -> Result<OAuthSession> {
        OAuthSession::restore(self.name, persisted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absurd_expires_in_saturates_instead_of_panicking() {
        let now = timing::from_unix_seconds(1_893_456_000);
        for body in [
            r#"{"access_token":"A","expires_in":1e300}"#,
            r#"{"access_token":"A","expires_in":18446744073709551615}"#,
            r#"{"access_token":"A","expires_in":"1e300"}"#,
        ] {
            let r = HttpResponse::json_body("p", 200, body);
            let t = parse_token_response(&r, "password").unwrap();
            let s = OAuthSession::from_response(t, now, Duration::from_secs(60));
            assert_eq!(s.expiry, Expiry::At(timing::max_time()), "{body}");
        }
        let r = HttpResponse::json_body("p", 200, r#"{"access_token":"A","expires_in":-5}"#);
        let t = parse_token_response(&r, "password").unwrap();
        let s = OAuthSession::from_response(t, now, Duration::from_secs(60));
        assert_eq!(
            s.expiry,
            Expiry::At(timing::after(now, Duration::from_secs(60)))
        );
    }

    #[test]
    fn debug_shows_code_like_upstream_text_only() {
        let r = HttpResponse::json_body(
            "p",
            200,
            r#"{"access_token":"A","token_type":"SECRET ECHO","scope":"read write"}"#,
        );
        let t = parse_token_response(&r, "password").unwrap();
        let shown = format!("{t:?}");
        assert!(!shown.contains("secret echo"), "{shown}");
        assert!(shown.contains(r#"Some("read write")"#), "{shown}");
        let r = HttpResponse::json_body(
            "p",
            200,
            r#"{"access_token":"A","token_type":"bearer","scope":"https://x.example/?t=S3CR3T ok"}"#,
        );
        let t = parse_token_response(&r, "password").unwrap();
        let shown = format!("{t:?}");
        assert!(
            !shown.contains("S3CR3T") && shown.contains("\"bearer\""),
            "{shown}"
        );
    }

    fn url() -> Url {
        Url::parse("https://h/ota/oauth/token").unwrap()
    }

    #[test]
    fn password_grant_in_query_has_empty_body() {
        let u = url();
        let pw = Password::new("p&w=1 +");
        let client = ClientCredentials::new("ota", "cs");
        let mut r = TokenRequest::new(
            &u,
            Grant::Password {
                username: "ann",
                password: &pw,
            },
        );
        r.client = Some(&client);
        r.scope = Some("travelagent");
        r.placement = Placement::Query;
        let req = r.build("seaware").unwrap();
        assert_eq!(req.method(), Method::POST);
        assert_eq!(
            req.uri().to_string(),
            "https://h/ota/oauth/token?username=ann&password=p%26w%3D1+%2B&client_id=ota&client_secret=cs&grant_type=password&scope=travelagent"
        );
        assert!(req.body().is_empty());
        assert!(req.headers().get(http::header::CONTENT_TYPE).is_none());
    }

    #[test]
    fn client_credentials_in_form_body() {
        let u = url();
        let client = ClientCredentials::new("id 1", "s&2");
        let mut r = TokenRequest::new(&u, Grant::ClientCredentials);
        r.client = Some(&client);
        let req = r.build("pagos").unwrap();
        assert_eq!(req.uri().to_string(), "https://h/ota/oauth/token");
        assert_eq!(
            String::from_utf8(req.body().clone()).unwrap(),
            "client_id=id+1&client_secret=s%262&grant_type=client_credentials"
        );
        assert_eq!(
            req.headers()[http::header::CONTENT_TYPE],
            "application/x-www-form-urlencoded"
        );
    }

    #[test]
    fn basic_client_auth_is_sensitive() {
        let u = url();
        let client = ClientCredentials::new("Aladdin", "open sesame");
        let mut r = TokenRequest::new(&u, Grant::ClientCredentials);
        r.client = Some(&client);
        r.client_auth = ClientAuth::Basic;
        let req = r.build("p").unwrap();
        let v = &req.headers()[http::header::AUTHORIZATION];
        assert_eq!(v, "Basic QWxhZGRpbjpvcGVuK3Nlc2FtZQ==");
        assert!(v.is_sensitive());
    }

    #[test]
    fn token_response_is_lenient() {
        for body in [
            r#"{"access_token":"A","token_type":"bearer","refresh_token":"R","expires_in":900,"scope":"travelagent"}"#,
            r#"{"access_token":"A","token_type":"Bearer","refresh_token":"R","expires_in":"900","extra":1}"#,
            r#"{"accessToken":"A","tokenType":"BEARER","refreshToken":"R","expiresIn":900.0}"#,
        ] {
            let t =
                parse_token_response(&HttpResponse::json_body("p", 200, body), "password").unwrap();
            assert_eq!(t.access_token.expose_secret(), "A");
            assert_eq!(t.refresh_token.unwrap().expose_secret(), "R");
            assert_eq!(t.expires_in, Some(900));
            assert_eq!(t.token_type, "bearer");
        }
        let t = parse_token_response(
            &HttpResponse::json_body("p", 200, r#"{"access_token":"A"}"#),
            "password",
        )
        .unwrap();
        assert_eq!(t.expires_in, None);
    }

    #[test]
    fn rfc6749_errors_map_by_grant_and_drop_the_description() {
        let body =
            r#"{"error":"invalid_grant","error_description":"Bad credentials for TOKEN-SECRET"}"#;
        let e =
            parse_token_response(&HttpResponse::json_body("p", 400, body), "password").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidCredentials);
        assert_eq!(e.code(), Some("invalid_grant"));
        assert!(!format!("{e} {e:?}").contains("TOKEN-SECRET"));
        let e = parse_token_response(&HttpResponse::json_body("p", 400, body), "refresh_token")
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::SessionRejected);
        let e = parse_token_response(
            &HttpResponse::json_body("p", 401, r#"{"error":"invalid_client"}"#),
            "password",
        )
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Configuration);
        let e = parse_token_response(
            &HttpResponse::json_body("p", 401, r#"{"error":"invalid_token"}"#),
            "password",
        )
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::SessionRejected);
        let e = parse_token_response(&HttpResponse::json_body("p", 502, "not json"), "password")
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unavailable);
    }

    fn html_labelled(status: u16, body: &'static str) -> HttpResponse {
        let mut h = HeaderMap::new();
        h.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("text/html; charset=utf-8"),
        );
        HttpResponse::new("p", http::StatusCode::from_u16(status).unwrap(), h, body)
    }

    #[test]
    fn error_answers_are_read_by_shape_whatever_the_content_type() {
        // oauthlib's answer to a token request with query parameters.
        let r = html_labelled(
            400,
            r#"{"error": "invalid_request", "error_description": "URL query parameters are not allowed"}"#,
        );
        let e = parse_token_response_placed(&r, "password", Placement::Query).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Configuration);
        assert_eq!(e.code(), Some("invalid_request"));
        assert_eq!(e.http_failure(), Some(crate::HttpFailure::Status(400)));
        assert_eq!(
            e.to_string(),
            "p: token request refused (http 400); the server may refuse query parameters: use \
             the form placement (Placement::Form, --params form): invalid_request"
        );
        assert!(!format!("{e:?}").contains("URL query"));
        // The same answer to a form request has no advice about the placement.
        let e = parse_token_response_placed(&r, "password", Placement::Form).unwrap_err();
        assert_eq!(
            e.to_string(),
            "p: token request refused (http 400): invalid_request"
        );
        // Other codes to a query request carry no advice either.
        let r = html_labelled(401, r#"{"error":"invalid_client"}"#);
        let e =
            parse_token_response_placed(&r, "client_credentials", Placement::Query).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidCredentials);
        assert_eq!(
            e.to_string(),
            "p: login rejected (http 401): invalid_client"
        );
    }

    #[test]
    fn pages_and_odd_bodies_are_not_error_answers() {
        // A real "Not Found" page at the token URL is a wrong URL, not a gateway outage.
        let e = parse_token_response(
            &html_labelled(404, "<!DOCTYPE html><title>Not Found</title>"),
            "client_credentials",
        )
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Configuration);
        assert_eq!(
            e.to_string(),
            "p: no oauth token endpoint at the base url (http 404)"
        );
        let e = parse_token_response(
            &HttpResponse::json_body("p", 404, r#"{"status":404,"error":"Not Found"}"#),
            "client_credentials",
        )
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Configuration);
        let e = parse_token_response(&html_labelled(502, "<html>Bad Gateway</html>"), "password")
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unavailable);
        // JSON that is not an error answer: an empty code, a non-string code, an array.
        for body in [r#"{"error":""}"#, r#"{"error":7}"#, r#"["invalid_grant"]"#] {
            let e = parse_token_response(&HttpResponse::json_body("p", 400, body), "password")
                .unwrap_err();
            assert_eq!(e.kind(), ErrorKind::UnexpectedResponse, "{body}");
            assert_eq!(e.code(), None);
            assert_eq!(e.to_string(), "p: unexpected status (http 400)");
        }
        // A code that is not code-like is dropped from the error, and the description never shows.
        let e = parse_token_response(
            &HttpResponse::json_body(
                "p",
                400,
                r#"{"error":"invalid_grant TOKEN-SECRET","error_description":"TOKEN-SECRET"}"#,
            ),
            "password",
        )
        .unwrap_err();
        assert!(!format!("{e} {e:?}").contains("TOKEN-SECRET"));
        let answer = ErrorAnswer::read(&HttpResponse::json_body(
            "p",
            400,
            r#"{"error":"invalid_grant","error_description":"TOKEN-SECRET"}"#,
        ))
        .unwrap();
        assert_eq!(answer.description(), Some("TOKEN-SECRET"));
        assert!(!format!("{answer:?}").contains("TOKEN-SECRET"));
    }

    #[test]
    fn oauth_session_round_trips_through_persistence() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(2_000_000_000);
        let s = OAuthSession {
            access_token: AccessToken::new("A"),
            refresh_token: Some(RefreshToken::new("R")),
            scope: Some("s".into()),
            expiry: Expiry::At(t0),
        };
        let back = OAuthSession::restore("p", &s.persist()).unwrap();
        assert_eq!(back.access_token.expose_secret(), "A");
        assert_eq!(back.refresh_token.unwrap().expose_secret(), "R");
        assert_eq!(back.expiry, Expiry::At(t0));
        assert!(!format!("{:?}", s.persist()).contains("\"A\""));
    }
}
