//! `sessions seaware ...`: Seaware SwOTA OAuth sessions (password-grant login, refresh with one
//! login as fallback, logout).
//!
//! Credentials: `SEAWARE_USERNAME`, `SEAWARE_PASSWORD`, `SEAWARE_CLIENT_ID` (default `ota`),
//! `SEAWARE_CLIENT_SECRET`.

use session_core::oauth::Placement;
use session_core::{ClientSecret, Error, ErrorKind, Password, Renewal, Result, SessionProvider};
use session_seaware::{DEFAULT_CLIENT_ID, SeawareProvider, SeawareSession};

use crate::cli::{SeawareArgs, SeawareCommand, SeawareParams};
use crate::common::{self, Globals, env_opt, env_required};
use crate::output::{Outcome, Report};

const NAME: &str = "seaware";

/// Runs one `sessions seaware` command.
pub(crate) async fn run(globals: &Globals, args: SeawareArgs) -> Outcome {
    let command = match &args.command {
        SeawareCommand::Login { .. } => "login",
        SeawareCommand::Status => "status",
        SeawareCommand::Refresh => "refresh",
        SeawareCommand::Logout => "logout",
    };
    Outcome {
        provider: NAME,
        command: command.to_owned(),
        result: execute(globals, args).await,
    }
}

fn build(globals: &Globals, args: &SeawareArgs) -> Result<SeawareProvider> {
    let base = globals.base_url(NAME, None)?;
    let username = env_required(NAME, "SEAWARE_USERNAME")?;
    let password = match args.command {
        SeawareCommand::Login { .. } => env_required(NAME, "SEAWARE_PASSWORD")?,
        _ => env_opt("SEAWARE_PASSWORD").unwrap_or_default(),
    };
    let client_id = env_opt("SEAWARE_CLIENT_ID").unwrap_or_else(|| DEFAULT_CLIENT_ID.to_owned());
    let mut builder = SeawareProvider::builder(base)
        .credentials(username, Password::new(password))
        .client_id(client_id)
        .scope(args.scope.clone())
        .placement(match args.params {
            SeawareParams::Query => Placement::Query,
            SeawareParams::Form => Placement::Form,
        })
        .allow_insecure_loopback(globals.insecure_loopback)
        .timeout(globals.timeout);
    if let Some(secret) = env_opt("SEAWARE_CLIENT_SECRET") {
        builder = builder.client_secret(ClientSecret::new(secret));
    }
    if let Some(pem) = globals.ca_pem(NAME)? {
        builder = builder.add_root_pem(pem);
    }
    builder.build()
}

/// Logs in, stores the session and reports it.
async fn login(
    globals: &Globals,
    provider: &SeawareProvider,
    reveal: bool,
) -> Result<(Report, SeawareSession)> {
    let (session, previous) = common::guarded_login(globals, provider).await?;
    let persisted = provider.persist(&session);
    let expires_at = common::persisted_expiry(persisted.as_ref());
    let stored = common::store_login(
        globals,
        NAME,
        provider.store_key(),
        persisted,
        previous.as_ref(),
    )
    .await?;
    let mut report = Report::new()
        .expires_at(expires_at)
        .field("scope", session.scope())
        .field("stored", stored);
    if reveal && let Some(token) = session.access_token() {
        report = report.reveal("token", token.expose_secret());
    }
    Ok((report, session))
}

async fn execute(globals: &Globals, args: SeawareArgs) -> Result<Report> {
    match &args.command {
        SeawareCommand::Status => common::status(globals, NAME).await,
        SeawareCommand::Login { reveal } => {
            Ok(login(globals, &build(globals, &args)?, *reveal).await?.0)
        }
        SeawareCommand::Refresh => refresh(globals, &build(globals, &args)?).await,
        SeawareCommand::Logout => {
            let provider = &build(globals, &args)?;
            let key = provider.store_key();
            common::logout(globals, NAME, &key, |persisted| async move {
                let session = provider.restore(&persisted)?;
                provider.logout(&session).await
            })
            .await
        }
    }
}

/// `refresh`: the refresh-token grant, or one full login when Seaware refuses it.
async fn refresh(globals: &Globals, provider: &SeawareProvider) -> Result<Report> {
    let file = globals.store(NAME)?;
    let (record, persisted) =
        common::usable_record(NAME, &provider.store_key(), file.load().await?)?;
    let session = provider.restore(&persisted)?;
    let renewed = match provider.renew(&session).await {
        Ok(Renewal::Renewed(s)) => Some(s),
        // Not something Seaware does; keep the session.
        Ok(Renewal::Extended(_)) => Some(session),
        // Unsupported, or a renewal this tool does not know: keep nothing.
        Ok(_) => None,
        Err(e) if e.kind() == ErrorKind::SessionRejected => {
            tracing::debug!(provider = NAME, "refresh refused; logging in once");
            None
        }
        Err(e) => return Err(e),
    };
    if let Some(session) = renewed {
        let persisted = provider.persist(&session);
        let expires_at = common::persisted_expiry(persisted.as_ref());
        if let Some(p) = persisted {
            file.save_renewed(&record, p).await?;
        }
        return Ok(Report::new()
            .expires_at(expires_at)
            .field("renewed_by", "refresh"));
    }
    if env_opt("SEAWARE_PASSWORD").is_none() {
        return Err(Error::configuration(
            NAME,
            "the refresh was refused and SEAWARE_PASSWORD is not set to log in again",
        ));
    }
    let (report, _) = login(globals, provider, false).await?;
    Ok(report.field("renewed_by", "login"))
}
