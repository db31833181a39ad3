//! `sessions betfair ...`: Betfair identity SSO (interactive or certificate login, keepAlive,
//! logout) and the Accounts API vendor operations with the stored session.
//!
//! Credentials: `BETFAIR_APP_KEY`, `BETFAIR_USERNAME`, `BETFAIR_PASSWORD`, and for a PKCS#12
//! certificate `BETFAIR_P12_PASSWORD`.

use std::time::SystemTime;

use serde_json::Value;
use session_betfair::{
    AccountsClient, BetfairProvider, BetfairSession, ClientCertificate, Jurisdiction, LoginMethod,
    OffsetDateTime, SubscriptionHistoryQuery, SubscriptionTokenRequest,
};
use session_core::{AppKey, Error, ErrorKind, Password, Renewal, Result, Session, SessionProvider};

use crate::cli::{BetfairArgs, BetfairCommand, BetfairJurisdiction, VendorCommand};
use crate::common::{self, Globals, env_opt, env_required};
use crate::output::{Outcome, Report};

const NAME: &str = "betfair";

/// Runs one `sessions betfair` command.
pub(crate) async fn run(globals: &Globals, args: BetfairArgs) -> Outcome {
    let command = match &args.command {
        BetfairCommand::Login { .. } => "login",
        BetfairCommand::Status => "status",
        BetfairCommand::Keepalive => "keepalive",
        BetfairCommand::Logout => "logout",
        BetfairCommand::Vendor { command } => command.name(),
    };
    Outcome {
        provider: NAME,
        command: command.to_owned(),
        result: execute(globals, args).await,
    }
}

/// The certificate the login options name, if any.
fn certificate(command: &BetfairCommand) -> Result<Option<ClientCertificate>> {
    let BetfairCommand::Login {
        cert,
        key,
        pem,
        p12,
        ..
    } = command
    else {
        return Ok(None);
    };
    match (cert, key, pem, p12) {
        (Some(cert), Some(key), None, None) => ClientCertificate::from_files(cert, key).map(Some),
        (None, None, Some(pem), None) => ClientCertificate::from_pem_file(pem).map(Some),
        (None, None, None, Some(p12)) => {
            let password = Password::new(env_opt("BETFAIR_P12_PASSWORD").unwrap_or_default());
            ClientCertificate::from_pkcs12_file(p12, &password).map(Some)
        }
        (None, None, None, None) => Ok(None),
        _ => Err(Error::configuration(
            NAME,
            "use one of --cert with --key, --pem or --p12",
        )),
    }
}

fn jurisdiction(j: BetfairJurisdiction) -> Jurisdiction {
    match j {
        BetfairJurisdiction::Global => Jurisdiction::Global,
        BetfairJurisdiction::Italy => Jurisdiction::Italy,
        BetfairJurisdiction::Spain => Jurisdiction::Spain,
        BetfairJurisdiction::Romania => Jurisdiction::Romania,
        BetfairJurisdiction::Sweden => Jurisdiction::Sweden,
        BetfairJurisdiction::Australia => Jurisdiction::Australia,
    }
}

fn build(globals: &Globals, args: &BetfairArgs) -> Result<BetfairProvider> {
    let base = match &globals.base_url {
        Some(url) => {
            globals.check_url(NAME, url)?;
            Some(format!("{}/api/", url.trim_end_matches('/')))
        }
        None => None,
    };
    let login = matches!(args.command, BetfairCommand::Login { .. });
    let app_key = env_required(NAME, "BETFAIR_APP_KEY")?;
    let username = env_required(NAME, "BETFAIR_USERNAME")?;
    let password = if login {
        env_required(NAME, "BETFAIR_PASSWORD")?
    } else {
        env_opt("BETFAIR_PASSWORD").unwrap_or_default()
    };
    let mut builder = BetfairProvider::builder(AppKey::new(app_key))
        .jurisdiction(jurisdiction(args.jurisdiction));
    builder = match certificate(&args.command)? {
        Some(cert) => builder.certificate(username, Password::new(password), cert),
        None => builder.interactive(username, Password::new(password)),
    };
    if let Some(base) = base {
        builder = builder.identity_url(base.clone()).cert_url(base);
    }
    builder = builder
        .allow_insecure_loopback(globals.insecure_loopback)
        .timeout(globals.timeout);
    if let Some(pem) = globals.ca_pem(NAME)? {
        builder = builder.add_root_pem(pem);
    }
    builder.build()
}

/// The session's expiry as the manager would compute it.
fn expiry(
    provider: &BetfairProvider,
    session: &BetfairSession,
    now: SystemTime,
) -> Option<SystemTime> {
    session.expiry().resolve(now, provider.policy().default_ttl)
}

fn limited(report: Report, session: &BetfairSession) -> Report {
    match session.limited_access() {
        Some(reason) => report.field("limited", true).field("reason", reason),
        None => report.field("limited", false),
    }
}

async fn execute(globals: &Globals, args: BetfairArgs) -> Result<Report> {
    match &args.command {
        BetfairCommand::Status => common::status(globals, NAME).await,
        BetfairCommand::Login { reveal, .. } => {
            login(globals, &build(globals, &args)?, *reveal).await
        }
        BetfairCommand::Keepalive => keepalive(globals, &build(globals, &args)?).await,
        BetfairCommand::Logout => {
            let provider = &build(globals, &args)?;
            let key = provider.store_key();
            common::logout(globals, NAME, &key, |persisted| async move {
                let session = provider.restore(&persisted)?;
                provider.logout(&session).await
            })
            .await
        }
        BetfairCommand::Vendor { command } => {
            vendor(globals, &build(globals, &args)?, args.jurisdiction, command).await
        }
    }
}

async fn login(globals: &Globals, provider: &BetfairProvider, reveal: bool) -> Result<Report> {
    let (session, previous) = common::guarded_login(globals, provider).await?;
    let stored = common::store_login(
        globals,
        NAME,
        provider.store_key(),
        provider.persist(&session),
        previous.as_ref(),
    )
    .await?;
    let method = match session.method() {
        LoginMethod::Certificate => "certificate",
        LoginMethod::Interactive => "interactive",
        _ => "resumed",
    };
    let report = Report::new().expires_at(expiry(provider, &session, globals.now()));
    let mut report = limited(report, &session)
        .field("method", method)
        .field("stored", stored);
    if reveal {
        report = report.reveal("token", session.token().expose_secret());
    }
    Ok(report)
}

/// `keepalive`: extends the stored session and stores its new expiry.
async fn keepalive(globals: &Globals, provider: &BetfairProvider) -> Result<Report> {
    let file = globals.store(NAME)?;
    let (record, persisted) =
        common::usable_record(NAME, &provider.store_key(), file.load().await?)?;
    let session = provider.restore(&persisted)?;
    let now = globals.now();
    let (session, expires_at) = match provider.renew(&session).await? {
        Renewal::Extended(e) => (session, e.resolve(now, provider.policy().default_ttl)),
        Renewal::Renewed(s) => {
            let at = expiry(provider, &s, now);
            (s, at)
        }
        // Unsupported, or a renewal this tool does not know.
        _ => {
            return Err(Error::new(
                ErrorKind::UnexpectedResponse,
                NAME,
                "keepalive is not supported",
            ));
        }
    };
    if let Some(mut p) = provider.persist(&session) {
        p.expires_at = expires_at;
        file.save_renewed(&record, p).await?;
    }
    Ok(limited(Report::new().expires_at(expires_at), &session))
}

/// The Accounts API client: `{base}/exchange/account/json-rpc/v1` with `--base-url`, otherwise
/// the jurisdiction's API host.
fn accounts_client(globals: &Globals, j: BetfairJurisdiction) -> Result<AccountsClient> {
    let mut builder = AccountsClient::builder()
        .jurisdiction(jurisdiction(j))
        .allow_insecure_loopback(globals.insecure_loopback)
        .timeout(globals.timeout);
    if let Some(url) = &globals.base_url {
        builder = builder.api_url(url.clone());
    }
    if let Some(pem) = globals.ca_pem(NAME)? {
        builder = builder.add_root_pem(pem);
    }
    builder.build()
}

fn odt(t: Option<OffsetDateTime>) -> Value {
    crate::output::time_value(t.map(SystemTime::from))
}

/// `vendor ...`: one Accounts API vendor operation with the stored session.
async fn vendor(
    globals: &Globals,
    provider: &BetfairProvider,
    j: BetfairJurisdiction,
    command: &VendorCommand,
) -> Result<Report> {
    let file = globals.store(NAME)?;
    let (_, persisted) = common::usable_record(NAME, &provider.store_key(), file.load().await?)?;
    let session = provider.restore(&persisted)?;
    let client = accounts_client(globals, j)?;
    let report = Report::new().expires_at(persisted.expires_at);
    match command {
        VendorCommand::SubscriptionToken {
            days,
            client_ref,
            reveal,
        } => {
            let mut request = SubscriptionTokenRequest::new();
            if let Some(days) = days {
                request = request.length_days(*days);
            }
            if let Some(reference) = client_ref {
                request = request.client_reference(reference.clone());
            }
            let token = client
                .get_application_subscription_token(&session, &request)
                .await?;
            let mut report = report
                .field("days", *days)
                .field("client_ref", client_ref.clone());
            if *reveal {
                report = report.reveal("subscription_token", token.expose_secret());
            }
            Ok(report)
        }
        VendorCommand::Activate { subscription_token } => {
            let token = session_betfair::SubscriptionToken::new(subscription_token.clone());
            let status = client
                .activate_application_subscription(&session, &token)
                .await?;
            Ok(report.field("status", status.as_str()))
        }
        VendorCommand::History {
            vendor_client_id,
            app_key_in_body,
        } => {
            let query = match (vendor_client_id, app_key_in_body) {
                (Some(id), _) => SubscriptionHistoryQuery::vendor(id.clone()),
                (None, Some(key)) => SubscriptionHistoryQuery::customer(AppKey::new(key.clone())),
                (None, None) => SubscriptionHistoryQuery::customer_own_app(),
            };
            let history = client
                .get_application_subscription_history(&session, &query)
                .await?;
            // Subscription tokens are secrets: the history shows their state, not the tokens.
            let items: Vec<Value> = history
                .iter()
                .map(|h| {
                    serde_json::json!({
                        "status": h.subscription_status.as_ref().map(|s| s.as_str()),
                        "client_reference": h.client_reference,
                        "created_at": odt(h.created_date_time),
                        "activated_at": odt(h.activation_date_time),
                        "expires_at": odt(h.expiry_date_time),
                        "expired_at": odt(h.expired_date_time),
                        "cancelled_at": odt(h.cancellation_date_time),
                    })
                })
                .collect();
            Ok(report
                .field("count", items.len())
                .field("subscriptions", Value::Array(items)))
        }
        VendorCommand::ClientId => {
            let id = client.get_vendor_client_id(&session).await?;
            Ok(report.field("vendor_client_id", id))
        }
    }
}
