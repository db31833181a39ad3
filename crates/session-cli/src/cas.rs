//! `sessions cas ...`: William Hill Sessions API v2 (`--flavor whapi`, the default) or an Apereo
//! CAS REST server (`--flavor apereo`).
//!
//! Credentials: `CAS_USERNAME`, `CAS_PASSWORD`, and for William Hill `CAS_API_KEY` and
//! `CAS_API_SECRET`.

use session_cas::{ApiKeySecret, CasConfig, CasProvider, CasSession, Flavor, Territory};
use session_core::{Password, Result, SessionProvider, UsernamePassword};

use crate::cli::{CasArgs, CasCommand, CasFlavor, CasTerritory};
use crate::common::{self, Globals, env_opt, env_required};
use crate::output::{Outcome, Report};

const NAME: &str = "cas";

/// The documented William Hill Sessions API base.
pub(crate) const DEFAULT_WHAPI_BASE: &str = "https://sandbox.whapi.com/v2/sessions";

/// Runs one `sessions cas` command.
pub(crate) async fn run(globals: &Globals, args: CasArgs) -> Outcome {
    let command = match &args.command {
        CasCommand::Login { .. } => "login",
        CasCommand::Status => "status",
        CasCommand::Validate => "validate",
        CasCommand::ServiceTicket { .. } => "service-ticket",
        CasCommand::Logout => "logout",
    };
    Outcome {
        provider: NAME,
        command: command.to_owned(),
        result: execute(globals, args).await,
    }
}

fn build(globals: &Globals, args: &CasArgs, login: bool, extended: bool) -> Result<CasProvider> {
    let default = match args.flavor {
        CasFlavor::Whapi => Some(DEFAULT_WHAPI_BASE),
        CasFlavor::Apereo => None,
    };
    let base = globals.base_url(NAME, default)?;
    let username = env_required(NAME, "CAS_USERNAME")?;
    let password = if login {
        env_required(NAME, "CAS_PASSWORD")?
    } else {
        env_opt("CAS_PASSWORD").unwrap_or_default()
    };
    let flavor = match args.flavor {
        CasFlavor::Whapi => Flavor::WhApi,
        CasFlavor::Apereo => Flavor::Apereo,
    };
    let mut config = CasConfig::new(
        base,
        UsernamePassword::new(username, Password::new(password)),
    )
    .flavor(flavor)
    .allow_insecure_loopback(globals.insecure_loopback)
    .timeout(globals.timeout);
    if flavor == Flavor::WhApi {
        let key = env_required(NAME, "CAS_API_KEY")?;
        let secret = env_required(NAME, "CAS_API_SECRET")?;
        config = config.api_credentials(ApiKeySecret::new(key, secret));
    }
    if let Some(territory) = args.territory {
        config = config.territory(match territory {
            CasTerritory::Com => Territory::Com,
            CasTerritory::Es => Territory::Es,
            CasTerritory::It => Territory::It,
        });
    }
    if extended {
        config = config.extended(true);
    }
    if let Some(pem) = globals.ca_pem(NAME)? {
        config = config.add_root_pem(pem);
    }
    config.build()
}

/// The stored session, restored for `provider`.
async fn stored(
    globals: &Globals,
    provider: &CasProvider,
) -> Result<(common::SessionFile, session_core::StoredRecord, CasSession)> {
    let file = globals.store(NAME)?;
    let (record, persisted) =
        common::usable_record(NAME, &provider.store_key(), file.load().await?)?;
    let session = provider.restore(&persisted)?;
    Ok((file, record, session))
}

/// Writes back a session whose idle deadline moved.
async fn save_used(
    file: &common::SessionFile,
    record: &session_core::StoredRecord,
    provider: &CasProvider,
    session: &CasSession,
) -> Result<()> {
    match provider.persist(session) {
        Some(persisted) => file.save_renewed(record, persisted).await,
        None => Ok(()),
    }
}

async fn execute(globals: &Globals, args: CasArgs) -> Result<Report> {
    match &args.command {
        CasCommand::Status => common::status(globals, NAME).await,
        CasCommand::Login { extended, reveal } => {
            login(globals, &build(globals, &args, true, *extended)?, *reveal).await
        }
        CasCommand::Validate => {
            let provider = build(globals, &args, false, false)?;
            let (file, record, session) = stored(globals, &provider).await?;
            provider.validate(&session).await?;
            save_used(&file, &record, &provider, &session).await?;
            Ok(Report::new()
                .expires_at(Some(session.deadline()))
                .field("valid", true))
        }
        CasCommand::ServiceTicket { target, reveal } => {
            let provider = build(globals, &args, false, false)?;
            let (file, record, session) = stored(globals, &provider).await?;
            let ticket = provider.service_ticket(&session, target).await?;
            save_used(&file, &record, &provider, &session).await?;
            let mut report = Report::new()
                .expires_at(Some(session.deadline()))
                .field("target", target.as_str());
            if *reveal {
                report = report.reveal("service_ticket", ticket.expose_secret());
            }
            Ok(report)
        }
        CasCommand::Logout => {
            let provider = &build(globals, &args, false, false)?;
            let key = provider.store_key();
            common::logout(globals, NAME, &key, |persisted| async move {
                let session = provider.restore(&persisted)?;
                provider.logout(&session).await
            })
            .await
        }
    }
}

async fn login(globals: &Globals, provider: &CasProvider, reveal: bool) -> Result<Report> {
    let (session, previous) = common::guarded_login(globals, provider).await?;
    let stored = common::store_login(
        globals,
        NAME,
        provider.store_key(),
        provider.persist(&session),
        previous.as_ref(),
    )
    .await?;
    let mut report = Report::new()
        .expires_at(Some(session.deadline()))
        .field("extended", session.is_extended())
        .field("stored", stored);
    if session.temporary_password() {
        report = report.field("temporary_password", true);
    }
    if reveal {
        report = report.reveal("token", session.ticket().expose_secret());
    }
    Ok(report)
}
