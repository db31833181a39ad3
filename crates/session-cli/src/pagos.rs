//! `sessions pagos ...`: Pagos SpreadsheetWEB dedicated sessions (`open`/`login`,
//! `close`/`logout`, `status`).
//!
//! Credentials: `PAGOS_TOKEN` (a static bearer), or `PAGOS_CLIENT_ID` and `PAGOS_CLIENT_SECRET`
//! with `--token-url`; the application key comes from `--application-key` or
//! `PAGOS_APPLICATION_KEY`.
//!
//! `session-pagos` does not write dedicated sessions to stores and cannot rebuild one from a
//! stored `SessionId`, so this module stores the id itself (with the client-credentials token
//! that opened the session) and sends `CloseDedicatedSession` with session-core's HTTP client,
//! following the provider's rules: a refused token is renewed and the close retried once; a
//! static token is not renewable; `Success: false` without `InvalidToken` means the session is
//! already closed.

use std::time::SystemTime;

use http::Method;
use http::header::{AUTHORIZATION, CONTENT_TYPE};
use serde_json::Value;
use session_core::http::{HttpClient, HttpResponse, finish, join_segments, request};
use session_core::{
    AccessToken, AppKey, ClientCredentials, ClientSecret, Error, ErrorKind, PersistedSession,
    Result, SecretState, Session, SessionProvider, from_unix_seconds, sensitive_value,
    unix_seconds,
};
use session_pagos::{DedicatedSession, PagosConfig, PagosProvider, TokenSource};

use crate::cli::{PagosArgs, PagosCommand};
use crate::common::{self, Globals, env_opt, env_required};
use crate::output::{Outcome, Report};

const NAME: &str = "pagos";

/// Runs one `sessions pagos` command. The JSON `command` is `open` or `close` whichever
/// spelling was typed.
pub(crate) async fn run(globals: &Globals, args: PagosArgs) -> Outcome {
    let command = match &args.command {
        PagosCommand::Open { .. } => "open",
        PagosCommand::Status => "status",
        PagosCommand::Close => "close",
    };
    Outcome {
        provider: NAME,
        command: command.to_owned(),
        result: execute(globals, args).await,
    }
}

/// The provider and the application key it was built with.
fn build(globals: &Globals, args: &PagosArgs) -> Result<(PagosProvider, AppKey)> {
    let base = globals.base_url(NAME, None)?;
    if let Some(url) = &args.token_url {
        globals.check_url(NAME, url)?;
    }
    let application_key = args
        .application_key
        .clone()
        .filter(|k| !k.is_empty())
        .or_else(|| env_opt("PAGOS_APPLICATION_KEY"))
        .map(AppKey::new)
        .ok_or_else(|| {
            Error::configuration(
                NAME,
                "--application-key or environment variable PAGOS_APPLICATION_KEY is required",
            )
        })?;
    let source = match &args.token_url {
        Some(url) => {
            let id = env_required(NAME, "PAGOS_CLIENT_ID")?;
            let secret = ClientSecret::new(env_required(NAME, "PAGOS_CLIENT_SECRET")?);
            TokenSource::client_credentials(url.clone(), ClientCredentials::new(id, secret))
        }
        None => TokenSource::fixed(AccessToken::new(env_required(NAME, "PAGOS_TOKEN")?)),
    };
    let mut config = PagosConfig::new(base, application_key.clone(), source)
        .allow_insecure_loopback(globals.insecure_loopback)
        .timeout(globals.timeout)
        // The CLI process ends right after `open`: the session must outlive it.
        .close_on_drop(None);
    if let Some(pem) = globals.ca_pem(NAME)? {
        config = config.add_root_pem(&pem);
    }
    Ok((config.build()?, application_key))
}

/// The stored form of a dedicated session: its id, and the renewable token that opened it.
fn persist(session: &DedicatedSession, expires_at: Option<SystemTime>) -> PersistedSession {
    let token = session.token();
    let (bearer, bearer_expires) = if token.is_renewable() {
        (
            Some(token.token().expose_secret()),
            token.expires_at().map(unix_seconds),
        )
    } else {
        (None, None)
    };
    let state = serde_json::json!({
        "v": 1,
        "session_id": session.session_id().expose_secret(),
        "token": bearer,
        "token_expires_at": bearer_expires,
    });
    PersistedSession::new(SecretState::new(state.to_string()), expires_at)
}

/// What `persist` wrote.
struct Stored {
    session_id: session_core::SessionId,
    token: Option<AccessToken>,
}

fn restore(persisted: &PersistedSession, now: SystemTime) -> Result<Stored> {
    let bad = || Error::configuration(NAME, "unreadable stored session");
    let v: Value = serde_json::from_str(persisted.state.expose_secret()).map_err(|_| bad())?;
    let session_id = v
        .get("session_id")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(bad)?;
    let fresh = v
        .get("token_expires_at")
        .and_then(Value::as_i64)
        .is_none_or(|t| from_unix_seconds(t) > now);
    let token = v
        .get("token")
        .and_then(Value::as_str)
        .filter(|t| fresh && !t.is_empty())
        .map(AccessToken::new);
    Ok(Stored {
        session_id: session_core::SessionId::new(session_id),
        token,
    })
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

struct Closer<'a> {
    http: HttpClient,
    provider: &'a PagosProvider,
    application_key: &'a AppKey,
    session_id: &'a session_core::SessionId,
}

impl Closer<'_> {
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
        let tokens = self.provider.token_manager();
        if let Some(token) = stored_token {
            match self.close_once(&token).await? {
                Closed::Done => return Ok(()),
                Closed::TokenRejected => {
                    tracing::debug!(provider = NAME, "stored token refused; using a new one");
                }
            }
            let lease = tokens.get().await?;
            return match self.close_once(lease.token()).await? {
                Closed::Done => Ok(()),
                Closed::TokenRejected => Err(token_rejected()),
            };
        }
        let lease = tokens.get().await?;
        match self.close_once(lease.token()).await? {
            Closed::Done => return Ok(()),
            Closed::TokenRejected => {}
        }
        tokens.invalidate(&lease);
        if !lease.is_renewable() {
            return Err(token_rejected());
        }
        let lease = tokens.get().await?;
        match self.close_once(lease.token()).await? {
            Closed::Done => Ok(()),
            Closed::TokenRejected => Err(token_rejected()),
        }
    }
}

fn http_client(globals: &Globals) -> Result<HttpClient> {
    let mut builder = HttpClient::builder(NAME)
        .allow_insecure_loopback(globals.insecure_loopback)
        .timeout(globals.timeout)
        .read_timeout(globals.timeout);
    if let Some(pem) = globals.ca_pem(NAME)? {
        builder = builder.add_root_pem(&pem)?;
    }
    builder.build()
}

async fn execute(globals: &Globals, args: PagosArgs) -> Result<Report> {
    match &args.command {
        PagosCommand::Status => common::status(globals, NAME).await,
        PagosCommand::Open { reveal } => {
            let (provider, _) = build(globals, &args)?;
            open(globals, &provider, *reveal).await
        }
        PagosCommand::Close => {
            let (provider, application_key) = build(globals, &args)?;
            let key = provider.store_key();
            let http = http_client(globals)?;
            let now = globals.now();
            let provider = &provider;
            let application_key = &application_key;
            common::logout(globals, NAME, &key, |persisted| async move {
                let stored = restore(&persisted, now)?;
                Closer {
                    http,
                    provider,
                    application_key,
                    session_id: &stored.session_id,
                }
                .close(stored.token)
                .await
            })
            .await
        }
    }
}

/// `open`: opens a dedicated session and stores its id.
async fn open(globals: &Globals, provider: &PagosProvider, reveal: bool) -> Result<Report> {
    let (session, previous) = common::guarded_login(globals, provider).await?;
    let expires_at = session
        .expiry()
        .resolve(globals.now(), provider.policy().default_ttl);
    let stored = common::store_login(
        globals,
        NAME,
        provider.store_key(),
        Some(persist(&session, expires_at)),
        previous.as_ref(),
    )
    .await?;
    let mut report = Report::new().expires_at(expires_at).field("stored", stored);
    if reveal {
        report = report.reveal("session_id", session.session_id().expose_secret());
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

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
