//! `sessions cas ...`: William Hill Sessions API v2 (`--flavor whapi`, the default) or an Apereo
//! CAS REST server (`--flavor apereo`).
//!
//! Credentials: `CAS_USERNAME`, `CAS_PASSWORD`, and for William Hill `CAS_API_KEY` and
//! `CAS_API_SECRET`. `--flavor` and `--territory` are stored with the session. `exec` gives its
//! child `CAS_TGT` and `CAS_BASE_URL`.

use session_cas::{ApiKeySecret, CasProvider, CasSession, Flavor, Territory};
use session_core::{Password, Result, UsernamePassword};

use crate::cli::{CasArgs, CasCommand, CasFlavor, CasTerritory};
use crate::common::{
    self, Account, Globals, LoginRule, Obtained, OptionSpec, SessionOptions, env_opt, env_required,
};
use crate::output::{Outcome, Report};

const NAME: &str = "cas";

/// The password variables `exec` keeps from its child.
const HIDDEN: [&str; 2] = ["CAS_PASSWORD", "CAS_API_SECRET"];

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
        CasCommand::Profiles => "profiles",
        CasCommand::Exec(_) => "exec",
    };
    Outcome {
        provider: NAME,
        command: command.to_owned(),
        result: execute(globals, args).await,
    }
}

fn flavor_name(f: CasFlavor) -> String {
    match f {
        CasFlavor::Whapi => "whapi",
        CasFlavor::Apereo => "apereo",
    }
    .to_owned()
}

fn territory_name(t: CasTerritory) -> String {
    match t {
        CasTerritory::Com => "COM",
        CasTerritory::Es => "ES",
        CasTerritory::It => "IT",
    }
    .to_owned()
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
        OptionSpec::new("flavor", args.flavor.map(flavor_name), Some("whapi")),
        OptionSpec::new("territory", args.territory.map(territory_name), None),
        // A plain login reuses a stored extended ticket; `--extended` never reuses a short one.
        OptionSpec::new("extended", extended.then(|| "true".to_owned()), None),
    ];
    let prepared = common::prepare(globals, NAME, login, specs).await?;
    let extended = prepared.options.get("extended") == Some("true");
    let provider = build(globals, &prepared.options, login, extended)?;
    let base = provider_base(globals, &prepared.options);
    let rule = if login {
        LoginRule::Allowed
    } else {
        LoginRule::Refused(common::needs_login(NAME))
    };
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

async fn execute(globals: &Globals, args: CasArgs) -> Result<Report> {
    match &args.command {
        CasCommand::Status => return common::status(globals, NAME).await,
        CasCommand::Profiles => return common::profiles(globals, NAME).await,
        _ => {}
    }
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
                .field("target", target.as_str());
            if *reveal {
                report = report.reveal("service_ticket", ticket.expose_secret());
            }
            Ok(report)
        }
        CasCommand::Logout => account.logout(globals.now()).await,
        CasCommand::Exec(exec) => {
            let code = common::exec(
                &account,
                |s: &CasSession| {
                    vec![
                        ("CAS_TGT", s.ticket().expose_secret().to_owned()),
                        ("CAS_BASE_URL", base),
                    ]
                },
                &HIDDEN,
                &exec.command,
            )
            .await?;
            Ok(Report::passthrough(code))
        }
        CasCommand::Status => common::status(globals, NAME).await,
        CasCommand::Profiles => common::profiles(globals, NAME).await,
    }
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
