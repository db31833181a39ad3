//! `sessions cas ...`: William Hill Sessions API v2 (`--flavor whapi`, the default) or an Apereo
//! CAS REST server (`--flavor apereo`).
//!
//! Credentials: `CAS_USERNAME`, `CAS_PASSWORD`, and for William Hill `CAS_API_KEY` and
//! `CAS_API_SECRET`. `--flavor` and `--territory` are stored with the session. `exec` gives its
//! child `CAS_TGT` and `CAS_BASE_URL`.

use session_cas::{ApiKeySecret, CasProvider, CasSession, Flavor, Territory};
use session_core::{Password, Result, UsernamePassword};

use crate::cli::cas::{CasArgs, CasCommand};
use crate::common::{
    self, Account, Globals, LoginRule, Obtained, OptionSpec, SessionOptions, env_opt, env_required,
};
use crate::output::Report;
use crate::registry::{Provider, answered_by_run};

const NAME: &str = "cas";

/// The password variables `exec` keeps from its child.
const HIDDEN: [&str; 2] = ["CAS_PASSWORD", "CAS_API_SECRET"];

/// The documented William Hill Sessions API base.
pub(crate) const DEFAULT_WHAPI_BASE: &str = "https://sandbox.whapi.com/v2/sessions";

/// `sessions cas`, as registered in the table of providers.
pub(crate) struct Cas;

impl Provider for Cas {
    const NAME: &'static str = NAME;
    type Args = CasArgs;

    fn command(args: &CasArgs) -> &'static str {
        match &args.command {
            CasCommand::Login { .. } => "login",
            CasCommand::Status => "status",
            CasCommand::Validate => "validate",
            CasCommand::ServiceTicket { .. } => "service-ticket",
            CasCommand::Logout => "logout",
            CasCommand::Profiles => "profiles",
            CasCommand::Exec(_) => "exec",
        }
    }

    async fn execute(globals: &Globals, args: CasArgs) -> Result<Report> {
        let (account, base) = account(globals, &args).await?;
        match &args.command {
            CasCommand::Login { reveal, .. } => login(&account, *reveal).await,
            CasCommand::Validate => {
                let (lease, _) = account.renew().await?;
                Ok(Report::new()
                    .expires_at(Some(lease.session().inner.deadline()))
                    .field("valid", true))
            }
            CasCommand::ServiceTicket { target, reveal } => {
                service_ticket(&account, target, *reveal).await
            }
            CasCommand::Logout => account.logout(globals.now()).await,
            CasCommand::Exec(exec) => {
                let env = |s: &CasSession| {
                    vec![
                        ("CAS_TGT", s.ticket().expose_secret().to_owned()),
                        ("CAS_BASE_URL", base),
                    ]
                };
                common::exec(&account, env, &HIDDEN, &exec.command).await
            }
            CasCommand::Status | CasCommand::Profiles => Err(answered_by_run(NAME)),
        }
    }
}

fn build(
    globals: &Globals,
    options: &SessionOptions,
    login: bool,
    extended: bool,
) -> Result<CasProvider> {
    let flavor = match options.get("flavor") {
        Some("apereo") => Flavor::Apereo,
        _ => Flavor::WhApi,
    };
    let default = match flavor {
        Flavor::Apereo => None,
        _ => Some(DEFAULT_WHAPI_BASE),
    };
    let base = globals.base_url(NAME, default)?;
    let username = env_required(NAME, "CAS_USERNAME")?;
    let password = if login {
        env_required(NAME, "CAS_PASSWORD")?
    } else {
        env_opt(NAME, "CAS_PASSWORD")?.unwrap_or_default()
    };
    let mut config = CasProvider::builder(
        base,
        UsernamePassword::new(username, Password::new(password)),
    )
    .flavor(flavor);
    config = common::with_globals!(globals, NAME, config)?;
    if flavor == Flavor::WhApi {
        let key = env_required(NAME, "CAS_API_KEY")?;
        let secret = env_required(NAME, "CAS_API_SECRET")?;
        config = config.api_credentials(ApiKeySecret::new(key, secret));
    }
    match options.get("territory") {
        Some("COM") => config = config.territory(Territory::Com),
        Some("ES") => config = config.territory(Territory::Es),
        Some("IT") => config = config.territory(Territory::It),
        _ => {}
    }
    if extended {
        config = config.extended(true);
    }
    config.build()
}

async fn account(globals: &Globals, args: &CasArgs) -> Result<(Account<CasProvider>, String)> {
    let (login, extended) = match &args.command {
        CasCommand::Login { extended, .. } => (true, *extended),
        CasCommand::Exec(_) => (true, false),
        _ => (false, false),
    };
    let specs = vec![
        OptionSpec::new("flavor", common::value_name(args.flavor), Some("whapi")),
        OptionSpec::new("territory", common::value_name(args.territory), None),
        // A plain login reuses a stored extended ticket; `--extended` never reuses a short one.
        OptionSpec::new("extended", extended.then(|| "true".to_owned()), None),
    ];
    let prepared = common::prepare(globals, NAME, login, specs).await?;
    let extended = prepared.options.get("extended") == Some("true");
    let provider = build(globals, &prepared.options, login, extended)?;
    let base = provider_base(globals, &prepared.options);
    let rule = LoginRule::when(login, NAME);
    Ok((Account::new(prepared, provider, rule), base))
}

/// The base URL the provider was built with (for `exec`'s `CAS_BASE_URL`).
fn provider_base(globals: &Globals, options: &SessionOptions) -> String {
    match (&globals.base_url, options.get("flavor")) {
        (Some(url), _) => url.clone(),
        (None, Some("apereo")) => String::new(),
        (None, _) => DEFAULT_WHAPI_BASE.to_owned(),
    }
}

async fn service_ticket(
    account: &Account<CasProvider>,
    target: &str,
    reveal: bool,
) -> Result<Report> {
    let lease = account.session().await?;
    let session = &lease.session().inner;
    let ticket = account
        .provider()
        .inner()
        .service_ticket(session, target)
        .await?;
    account.save_used(&lease).await?;
    let mut report = Report::new()
        .expires_at(Some(session.deadline()))
        .field("target", target);
    if reveal {
        report = report.reveal("service_ticket", ticket.expose_secret());
    }
    Ok(report)
}

async fn login(account: &Account<CasProvider>, reveal: bool) -> Result<Report> {
    let (lease, obtained) = account.login().await?;
    let session = &lease.session().inner;
    let mut report = Report::new()
        .expires_at(Some(session.deadline()))
        .field("extended", session.is_extended())
        .field("stored", account.has_store())
        .field("reused", obtained == Obtained::Reused);
    if session.temporary_password() {
        report = report.field("temporary_password", true);
    }
    if reveal {
        report = report.reveal("token", session.ticket().expose_secret());
    }
    Ok(report)
}
