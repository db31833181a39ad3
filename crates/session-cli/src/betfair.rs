//! `sessions betfair ...`: Betfair identity SSO (interactive or certificate login, keepAlive,
//! logout) and the Accounts API vendor operations with the stored session.
//!
//! Credentials: `BETFAIR_APP_KEY`, `BETFAIR_USERNAME`, `BETFAIR_PASSWORD`, and for a PKCS#12
//! certificate `BETFAIR_P12_PASSWORD`. `--jurisdiction` is stored with the session. `exec` gives
//! its child `BETFAIR_SESSION_TOKEN` and `BETFAIR_APP_KEY`.

use std::time::SystemTime;

use serde_json::Value;
use session_betfair::{
    AccountsClient, BetfairProvider, BetfairSession, ClientCertificate, Jurisdiction, LoginMethod,
    OffsetDateTime, SubscriptionHistoryQuery, SubscriptionTokenRequest,
};
use session_core::{AppKey, Error, Password, Result};

use crate::cli::betfair::{BetfairArgs, BetfairCommand, VendorCommand};
use crate::common::{
    self, Account, Globals, LoginRule, Obtained, OptionSpec, env_opt, env_required,
};
use crate::output::Report;
use crate::registry::{Provider, answered_by_run};

const NAME: &str = "betfair";

/// The password variables `exec` keeps from its child.
const HIDDEN: [&str; 2] = ["BETFAIR_PASSWORD", "BETFAIR_P12_PASSWORD"];

/// `sessions betfair`, as registered in the table of providers.
pub(crate) struct Betfair;

impl Provider for Betfair {
    const NAME: &'static str = NAME;
    type Args = BetfairArgs;

    fn command(args: &BetfairArgs) -> &'static str {
        match &args.command {
            BetfairCommand::Login { .. } => "login",
            BetfairCommand::Status => "status",
            BetfairCommand::Keepalive => "keepalive",
            BetfairCommand::Logout => "logout",
            BetfairCommand::Vendor { command } => command.name(),
            BetfairCommand::Profiles => "profiles",
            BetfairCommand::Exec(_) => "exec",
        }
    }

    async fn execute(globals: &Globals, args: BetfairArgs) -> Result<Report> {
        let (account, j) = account(globals, &args).await?;
        match &args.command {
            BetfairCommand::Login { reveal, .. } => login(&account, *reveal).await,
            BetfairCommand::Keepalive => {
                let (lease, _) = account.renew().await?;
                let report = Report::new().expires_at(lease.expires_at());
                Ok(limited(report, &lease.session().inner))
            }
            BetfairCommand::Logout => account.logout(globals.now()).await,
            BetfairCommand::Vendor { command } => vendor(globals, &account, j, command).await,
            BetfairCommand::Exec(exec) => {
                let app_key = env_required(NAME, "BETFAIR_APP_KEY")?;
                let env = |s: &BetfairSession| {
                    let token = s.token().expose_secret().to_owned();
                    vec![
                        ("BETFAIR_SESSION_TOKEN", token),
                        ("BETFAIR_APP_KEY", app_key),
                    ]
                };
                common::exec(&account, env, &HIDDEN, &exec.command).await
            }
            BetfairCommand::Status | BetfairCommand::Profiles => Err(answered_by_run(NAME)),
        }
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
            let password =
                Password::new(env_opt(NAME, "BETFAIR_P12_PASSWORD")?.unwrap_or_default());
            ClientCertificate::from_pkcs12_file(p12, &password).map(Some)
        }
        (None, None, None, None) => Ok(None),
        _ => Err(Error::configuration(
            NAME,
            "use one of --cert with --key, --pem or --p12",
        )),
    }
}

fn jurisdiction(name: Option<&str>) -> Jurisdiction {
    match name {
        Some("italy") => Jurisdiction::Italy,
        Some("spain") => Jurisdiction::Spain,
        Some("romania") => Jurisdiction::Romania,
        Some("sweden") => Jurisdiction::Sweden,
        Some("australia") => Jurisdiction::Australia,
        Some("new-zealand") => Jurisdiction::NewZealand,
        _ => Jurisdiction::Global,
    }
}

/// The store, the session's options and the account for this command.
async fn account(
    globals: &Globals,
    args: &BetfairArgs,
) -> Result<(Account<BetfairProvider>, Jurisdiction)> {
    let login = matches!(
        args.command,
        BetfairCommand::Login { .. } | BetfairCommand::Exec(_)
    );
    let specs = vec![OptionSpec::new(
        "jurisdiction",
        common::value_name(args.jurisdiction),
        Some("global"),
    )];
    let prepared = common::prepare(globals, NAME, login, specs).await?;
    let j = jurisdiction(prepared.options.get("jurisdiction"));
    let provider = build(globals, &args.command, j, login)?;
    let account = Account::new(prepared, provider, LoginRule::when(login, NAME));
    Ok((account.ban_code("TEMPORARY_BAN_TOO_MANY_REQUESTS"), j))
}

fn build(
    globals: &Globals,
    command: &BetfairCommand,
    j: Jurisdiction,
    login: bool,
) -> Result<BetfairProvider> {
    let base = match &globals.base_url {
        Some(url) => {
            globals.check_url(NAME, url)?;
            Some(format!("{}/api/", url.trim_end_matches('/')))
        }
        None => None,
    };
    let app_key = env_required(NAME, "BETFAIR_APP_KEY")?;
    let username = env_required(NAME, "BETFAIR_USERNAME")?;
    let password = if login {
        env_required(NAME, "BETFAIR_PASSWORD")?
    } else {
        env_opt(NAME, "BETFAIR_PASSWORD")?.unwrap_or_default()
    };
    let mut builder = BetfairProvider::builder(AppKey::new(app_key)).jurisdiction(j);
    builder = match certificate(command)? {
        Some(cert) => builder.certificate(username, Password::new(password), cert),
        None => builder.interactive(username, Password::new(password)),
    };
    if let Some(base) = base {
        builder = builder.identity_url(base.clone()).cert_url(base);
    }
    common::with_globals!(globals, NAME, builder)?.build()
}

fn limited(report: Report, session: &BetfairSession) -> Report {
    match session.limited_access() {
        Some(reason) => report.field("limited", true).field("reason", reason),
        None => report.field("limited", false),
    }
}

async fn login(account: &Account<BetfairProvider>, reveal: bool) -> Result<Report> {
    let (lease, obtained) = account.login().await?;
    let session = &lease.session().inner;
    let method = match session.method() {
        LoginMethod::Certificate => "certificate",
        LoginMethod::Interactive => "interactive",
        _ => "resumed",
    };
    let report = Report::new().expires_at(lease.expires_at());
    let mut report = limited(report, session)
        .field("method", method)
        .field("stored", account.has_store())
        .field("reused", obtained == Obtained::Reused);
    if reveal {
        report = report.reveal("token", session.token().expose_secret());
    }
    Ok(report)
}

/// The Accounts API client: `{base}/exchange/account/json-rpc/v1` with `--base-url`, otherwise
/// the jurisdiction's API host.
fn accounts_client(globals: &Globals, j: Jurisdiction) -> Result<AccountsClient> {
    let mut builder =
        common::with_globals!(globals, NAME, AccountsClient::builder())?.jurisdiction(j);
    if let Some(url) = &globals.base_url {
        builder = builder.api_url(url.clone());
    }
    builder.build()
}

fn odt(t: Option<OffsetDateTime>) -> Value {
    crate::output::time_value(t.map(SystemTime::from))
}

/// `vendor ...`: one Accounts API vendor operation with the stored session.
async fn vendor(
    globals: &Globals,
    account: &Account<BetfairProvider>,
    j: Jurisdiction,
    command: &VendorCommand,
) -> Result<Report> {
    let lease = account.session().await?;
    let session = &lease.session().inner;
    let client = accounts_client(globals, j)?;
    let report = Report::new().expires_at(lease.expires_at());
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
                .get_application_subscription_token(session, &request)
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
                .activate_application_subscription(session, &token)
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
                .get_application_subscription_history(session, &query)
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
            let id = client.get_vendor_client_id(session).await?;
            Ok(report.field("vendor_client_id", id))
        }
    }
}
