//! `sessions pagos ...`: Pagos SpreadsheetWEB dedicated sessions (`open`/`login`,
//! `close`/`logout`, `status`).
//!
//! Credentials: `PAGOS_TOKEN` (a static bearer), or `PAGOS_CLIENT_ID` and `PAGOS_CLIENT_SECRET`
//! with `--token-url`; the application key comes from `--application-key` or
//! `PAGOS_APPLICATION_KEY`. The application key and `--token-url` are stored with the session.
//! `exec` gives its child `PAGOS_SESSION_ID`, `PAGOS_APPLICATION_KEY` and `PAGOS_BASE_URL`.
//!
//! `session-pagos` does not write dedicated sessions to stores and cannot rebuild one from a
//! stored `SessionId`, so [`PagosCli`] — the provider the session manager runs here — stores the
//! id itself (with the client-credentials token that opened the session) and sends
//! `CloseDedicatedSession` for a stored session with session-core's HTTP client, following the
//! provider's rules: a refused token is renewed and the close retried once; a static token is not
//! renewable; `Success: false` without `InvalidToken` means the session is already closed.

use std::time::SystemTime;

use async_trait::async_trait;
use http::Method;
use http::header::{AUTHORIZATION, CONTENT_TYPE};
use serde_json::Value;
use session_core::http::{HttpClient, HttpOptions, HttpResponse, finish, join_segments, request};
use session_core::{
    AccessToken, AppKey, ClientCredentials, ClientSecret, Clock, Error, ErrorKind, Expiry,
    PersistedSession, RenewPolicy, Result, Session, SessionId, SessionProvider, SystemClock,
    sensitive_value,
};
use session_pagos::{DedicatedSession, PagosProvider, TokenSource};

use crate::cli::pagos::{PagosArgs, PagosCommand};
use crate::common::{
    self, Account, Globals, LoginRule, Obtained, OptionSpec, env_opt, env_required,
};
use crate::output::Report;
use crate::registry::{Provider, answered_by_run};

const NAME: &str = "pagos";

/// The secret variables `exec` keeps from its child.
const HIDDEN: [&str; 2] = ["PAGOS_CLIENT_SECRET", "PAGOS_TOKEN"];

/// `sessions pagos`, as registered in the table of providers.
pub(crate) struct Pagos;

impl Provider for Pagos {
    const NAME: &'static str = NAME;
    type Args = PagosArgs;

    /// The JSON `command` is `open` or `close` whichever spelling was typed.
    fn command(args: &PagosArgs) -> &'static str {
        match &args.command {
            PagosCommand::Open { .. } => "open",
            PagosCommand::Status => "status",
            PagosCommand::Close => "close",
            PagosCommand::Profiles => "profiles",
            PagosCommand::Exec(_) => "exec",
        }
    }

    async fn execute(globals: &Globals, args: PagosArgs) -> Result<Report> {
        let (account, application_key) = account(globals, &args).await?;
        match &args.command {
            PagosCommand::Open { reveal } => {
                let (lease, obtained) = account.login().await?;
                let mut report = Report::new()
                    .expires_at(lease.expires_at())
                    .field("stored", account.has_store())
                    .field("reused", obtained == Obtained::Reused);
                if *reveal {
                    let id = lease.session().inner.session_id().expose_secret();
                    report = report.reveal("session_id", id);
                }
                Ok(report)
            }
            PagosCommand::Close => account.logout(globals.now()).await,
            PagosCommand::Exec(exec) => {
                let base = globals.base_url.clone().unwrap_or_default();
                let env = |s: &PagosSession| {
                    let id = s.session_id().expose_secret().to_owned();
                    let key = application_key.expose_secret().to_owned();
                    vec![
                        ("PAGOS_SESSION_ID", id),
                        ("PAGOS_APPLICATION_KEY", key),
                        ("PAGOS_BASE_URL", base),
                    ]
                };
                common::exec(&account, env, &HIDDEN, &exec.command).await
            }
            PagosCommand::Status | PagosCommand::Profiles => Err(answered_by_run(NAME)),
        }
    }
}

/// The application key: `--application-key`, else `PAGOS_APPLICATION_KEY`.
fn given_application_key(args: &PagosArgs) -> Result<Option<String>> {
    match args.application_key.clone().filter(|k| !k.is_empty()) {
        Some(k) => Ok(Some(k)),
        None => env_opt(NAME, "PAGOS_APPLICATION_KEY"),
    }
}

/// The provider and the application key it was built with.
fn build(
    globals: &Globals,
    application_key: Option<&str>,
    token_url: Option<&str>,
) -> Result<(PagosProvider, AppKey)> {
    let base = globals.base_url(NAME, None)?;
    if let Some(url) = token_url {
        globals.check_url(NAME, url)?;
    }
    let application_key = application_key.map(AppKey::new).ok_or_else(|| {
        Error::configuration(
            NAME,
            "--application-key or environment variable PAGOS_APPLICATION_KEY is required",
        )
    })?;
    let source = match token_url {
        Some(url) => {
            let id = env_required(NAME, "PAGOS_CLIENT_ID")?;
            let secret = ClientSecret::new(env_required(NAME, "PAGOS_CLIENT_SECRET")?);
            TokenSource::client_credentials(url.to_owned(), ClientCredentials::new(id, secret))
        }
        None => TokenSource::fixed(AccessToken::new(env_required(NAME, "PAGOS_TOKEN")?)),
    };
    let config = PagosProvider::builder(base, application_key.clone(), source)
        // The CLI process ends right after `open`: the session must outlive it.
        .close_on_drop(None);
    let provider = common::with_globals!(globals, NAME, config)?.build()?;
    Ok((provider, application_key))
}

/// A dedicated session as the CLI holds it: just opened, or read back from the store.
pub(crate) enum PagosSession {
    /// Opened by this process.
    Open {
        /// The session.
        session: DedicatedSession,
        /// Its deadline, as computed when it was opened.
        expires_at: Option<SystemTime>,
    },
    /// Read from the store.
    Stored {
        /// The SessionId.
        session_id: SessionId,
        /// The renewable token that opened it, if still fresh.
        token: Option<AccessToken>,
        /// Its deadline.
        expires_at: Option<SystemTime>,
    },
}

impl PagosSession {
    fn session_id(&self) -> &SessionId {
        match self {
            Self::Open { session, .. } => session.session_id(),
            Self::Stored { session_id, .. } => session_id,
        }
    }
}

impl Session for PagosSession {
    fn expiry(&self) -> Expiry {
        match self {
            Self::Open { session, .. } => session.expiry(),
            Self::Stored { expires_at, .. } => expires_at.map_or(Expiry::Never, Expiry::At),
        }
    }

    fn authenticate(&self, headers: &mut http::HeaderMap) {
        if let Self::Open { session, .. } = self {
            session.authenticate(headers);
        }
    }
}

/// The Pagos provider as the CLI runs it: opens with [`PagosProvider`], stores the session's id
/// and token, and closes a stored session itself.
pub(crate) struct PagosCli {
    provider: PagosProvider,
    application_key: AppKey,
    http: HttpClient,
}

#[async_trait]
impl SessionProvider for PagosCli {
    type Session = PagosSession;

    fn name(&self) -> &'static str {
        NAME
    }

    async fn login(&self) -> Result<PagosSession> {
        let session = self.provider.login().await?;
        let expires_at = session
            .expiry()
            .resolve(SystemClock.now(), self.provider.policy().default_ttl);
        Ok(PagosSession::Open {
            session,
            expires_at,
        })
    }

    async fn logout(&self, session: &PagosSession) -> Result<()> {
        match session {
            PagosSession::Open { session, .. } => self.provider.logout(session).await,
            PagosSession::Stored {
                session_id, token, ..
            } => {
                Closer {
                    http: self.http.clone(),
                    provider: self.provider.clone(),
                    application_key: self.application_key.clone(),
                    session_id: session_id.clone(),
                }
                .close(token.clone())
                .await
            }
        }
    }

    fn policy(&self) -> RenewPolicy {
        self.provider.policy()
    }

    fn store_key(&self) -> String {
        self.provider.store_key()
    }

    fn persist(&self, session: &PagosSession) -> Option<PersistedSession> {
        match session {
            PagosSession::Open {
                session,
                expires_at,
            } => Some(persist(session, *expires_at)),
            PagosSession::Stored {
                session_id,
                token,
                expires_at,
            } => Some(persist_parts(
                session_id.expose_secret(),
                token.as_ref().map(|t| t.expose_secret()),
                None,
                *expires_at,
            )),
        }
    }

    fn restore(&self, persisted: &PersistedSession) -> Result<PagosSession> {
        let stored = restore(persisted, SystemClock.now())?;
        Ok(PagosSession::Stored {
            session_id: stored.session_id,
            token: stored.token,
            expires_at: persisted.expires_at,
        })
    }
}

/// The stored form of a dedicated session: its id, and the renewable token that opened it.
fn persist(session: &DedicatedSession, expires_at: Option<SystemTime>) -> PersistedSession {
    let token = session.token();
    let renewable = token.is_renewable();
    persist_parts(
        session.session_id().expose_secret(),
        renewable.then(|| token.token().expose_secret()),
        token.expires_at().filter(|_| renewable),
        expires_at,
    )
}

fn persist_parts(
    session_id: &str,
    bearer: Option<&str>,
    bearer_expires: Option<SystemTime>,
    expires_at: Option<SystemTime>,
) -> PersistedSession {
    PersistedSession::writer()
        .field("v", 1)
        .secret("session_id", session_id)
        .secret("token", bearer)
        .time("token_expires_at", bearer_expires)
        .finish(expires_at)
}

/// What `persist` wrote.
struct Stored {
    session_id: SessionId,
    token: Option<AccessToken>,
}

/// Reads what `persist` wrote. The token is dropped, not refused, when it has expired or its
/// fields are unreadable: the session id alone still lets `close` try the static token.
fn restore(persisted: &PersistedSession, now: SystemTime) -> Result<Stored> {
    let mut s = persisted.reader(NAME)?;
    let session_id = s.secret("session_id")?;
    let fresh = s
        .opt_time("token_expires_at")
        .ok()
        .flatten()
        .is_none_or(|t| t > now);
    let token = s.opt_secret("token").ok().flatten().filter(|_| fresh);
    Ok(Stored { session_id, token })
}

/// What a `CloseDedicatedSession` reply means.
enum Closed {
    /// Closed now, or already gone.
    Done,
    /// The bearer token was refused.
    TokenRejected,
}

fn flag(v: &Value, names: [&str; 2]) -> bool {
    names.iter().filter_map(|n| v.get(*n)).any(|x| match x {
        Value::Bool(b) => *b,
        Value::String(s) => s.trim().eq_ignore_ascii_case("true") || s.trim() == "1",
        Value::Number(n) => n.as_u64() == Some(1),
        _ => false,
    })
}

fn parse_close(response: &HttpResponse) -> Result<Closed> {
    if response.status() == http::StatusCode::UNAUTHORIZED {
        return Ok(Closed::TokenRejected);
    }
    if !response.status().is_success() {
        return Err(response.unexpected_status());
    }
    let reply: Value = response.json()?;
    if flag(&reply, ["Success", "success"]) {
        Ok(Closed::Done)
    } else if flag(&reply, ["InvalidToken", "invalidToken"]) {
        Ok(Closed::TokenRejected)
    } else {
        tracing::debug!(provider = NAME, "dedicated session was already closed");
        Ok(Closed::Done)
    }
}

fn token_rejected() -> Error {
    Error::new(ErrorKind::SessionRejected, NAME, "bearer token rejected").with_code("INVALID_TOKEN")
}

struct Closer {
    http: HttpClient,
    provider: PagosProvider,
    application_key: AppKey,
    session_id: SessionId,
}

impl Closer {
    async fn close_once(&self, token: &AccessToken) -> Result<Closed> {
        let url = join_segments(
            self.provider.base_url(),
            &["Api", "Applications", "CloseDedicatedSession"],
        );
        let mut builder = request(Method::POST, &url).header(CONTENT_TYPE, "application/json");
        if let Some(value) = sensitive_value(&format!("Bearer {}", token.expose_secret())) {
            builder = builder.header(AUTHORIZATION, value);
        }
        let body = serde_json::json!({
            "ApplicationKey": self.application_key.expose_secret(),
            "SessionId": self.session_id.expose_secret(),
        });
        let request = finish(NAME, builder, body.to_string().into_bytes())?;
        parse_close(&self.http.send(request).await?)
    }

    /// Closes with the stored token (if any), then with the token source's, renewing a refused
    /// renewable token once.
    async fn close(&self, stored_token: Option<AccessToken>) -> Result<()> {
        if let Some(token) = stored_token {
            match self.close_once(&token).await? {
                Closed::Done => return Ok(()),
                Closed::TokenRejected => {
                    tracing::debug!(provider = NAME, "stored token refused; using a new one");
                }
            }
            let (token, _, _) = self.current_token().await?;
            return match self.close_once(&token).await? {
                Closed::Done => Ok(()),
                Closed::TokenRejected => Err(token_rejected()),
            };
        }
        let (token, renewable, generation) = self.current_token().await?;
        match self.close_once(&token).await? {
            Closed::Done => return Ok(()),
            Closed::TokenRejected => {}
        }
        self.forget_token(generation);
        if !renewable {
            return Err(token_rejected());
        }
        let (token, _, _) = self.current_token().await?;
        match self.close_once(&token).await? {
            Closed::Done => Ok(()),
            Closed::TokenRejected => Err(token_rejected()),
        }
    }

    /// Drops the token source's cached token if it is still the refused one.
    fn forget_token(&self, generation: u64) {
        let tokens = self.provider.token_manager();
        if let Some(current) = tokens.cached()
            && current.generation() == generation
        {
            tokens.invalidate(&current);
        }
    }

    /// The token source's current token, whether it can be renewed, and its generation. The
    /// lease itself is not held across the close request.
    async fn current_token(&self) -> Result<(AccessToken, bool, u64)> {
        let lease = self.provider.token_manager().get().await?;
        Ok((
            lease.token().clone(),
            lease.is_renewable(),
            lease.generation(),
        ))
    }
}

/// The client `close` sends with: the HTTP options the provider's builder gets, in the core
/// options type.
struct CloseHttp {
    http: HttpOptions,
}

impl CloseHttp {
    session_core::http_option_methods!(http);
}

fn http_client(globals: &Globals) -> Result<HttpClient> {
    let options = CloseHttp {
        http: HttpOptions::new(),
    };
    common::with_globals!(globals, NAME, options)?
        .http
        .client(NAME)
}

async fn account(globals: &Globals, args: &PagosArgs) -> Result<(Account<PagosCli>, AppKey)> {
    let login = matches!(
        args.command,
        PagosCommand::Open { .. } | PagosCommand::Exec(_)
    );
    let specs = vec![
        OptionSpec::secret("application_key", given_application_key(args)?),
        OptionSpec::new("token_url", args.token_url.clone(), None),
    ];
    let prepared = common::prepare(globals, NAME, login, specs).await?;
    let (provider, application_key) = build(
        globals,
        prepared.options.get("application_key"),
        prepared.options.get("token_url"),
    )?;
    let cli = PagosCli {
        provider,
        application_key: application_key.clone(),
        http: http_client(globals)?,
    };
    let rule = LoginRule::when(login, NAME);
    Ok((Account::new(prepared, cli, rule), application_key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use session_core::SecretState;

    #[test]
    fn close_replies_are_read_leniently() {
        let reply = |body: &str| HttpResponse::json_body(NAME, 200, body.to_owned());
        assert!(matches!(
            parse_close(&reply(r#"{"Success":true}"#)).unwrap(),
            Closed::Done
        ));
        assert!(matches!(
            parse_close(&reply(r#"{"success":"true"}"#)).unwrap(),
            Closed::Done
        ));
        assert!(matches!(
            parse_close(&reply(r#"{"Success":false,"InvalidToken":true}"#)).unwrap(),
            Closed::TokenRejected
        ));
        assert!(matches!(
            parse_close(&reply(r#"{"Success":false,"Messages":["gone"]}"#)).unwrap(),
            Closed::Done
        ));
        assert!(matches!(
            parse_close(&HttpResponse::json_body(NAME, 401, "{}")).unwrap(),
            Closed::TokenRejected
        ));
        assert_eq!(
            parse_close(&HttpResponse::json_body(NAME, 503, "{}"))
                .err()
                .map(|e| e.kind()),
            Some(ErrorKind::Unavailable)
        );
    }

    #[test]
    fn stored_state_round_trips_and_drops_expired_tokens() {
        let now = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(2_000_000_000);
        let state = serde_json::json!({
            "v": 1, "session_id": "5e551d00-0000-4000-8000-000000000001",
            "token": "TOK", "token_expires_at": 1_000,
        });
        let p = PersistedSession::new(SecretState::new(state.to_string()), None);
        let s = restore(&p, now).unwrap();
        assert!(s.token.is_none());
        assert_eq!(
            s.session_id.expose_secret(),
            "5e551d00-0000-4000-8000-000000000001"
        );
        let bad = PersistedSession::new(SecretState::new("{}"), None);
        assert_eq!(
            restore(&bad, now).err().map(|e| e.kind()),
            Some(ErrorKind::Configuration)
        );
    }
}
