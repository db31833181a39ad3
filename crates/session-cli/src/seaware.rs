//! `sessions seaware ...`: Seaware SwOTA OAuth sessions (password-grant login, refresh with one
//! login as fallback, logout).
//!
//! Credentials: `SEAWARE_USERNAME`, `SEAWARE_PASSWORD`, `SEAWARE_CLIENT_ID` (default `ota`),
//! `SEAWARE_CLIENT_SECRET`. `--scope` and `--params` are stored with the session, so a later
//! `refresh` sends the refresh token where the login sent its parameters. `exec` gives its child
//! `SEAWARE_ACCESS_TOKEN` and `SEAWARE_BASE_URL`.

use session_core::oauth::Placement;
use session_core::{ClientSecret, Error, Password, Result};
use session_seaware::{DEFAULT_CLIENT_ID, SeawareProvider, SeawareSession};

use crate::cli::seaware::{SeawareArgs, SeawareCommand};
use crate::common::{
    self, Account, Globals, LoginRule, Obtained, OptionSpec, SessionOptions, env_opt, env_required,
};
use crate::output::Report;
use crate::registry::{Provider, answered_by_run};

const NAME: &str = "seaware";

/// The password variables `exec` keeps from its child.
const HIDDEN: [&str; 2] = ["SEAWARE_PASSWORD", "SEAWARE_CLIENT_SECRET"];

/// `sessions seaware`, as registered in the table of providers.
pub(crate) struct Seaware;

impl Provider for Seaware {
    const NAME: &'static str = NAME;
    type Args = SeawareArgs;

    fn command(args: &SeawareArgs) -> &'static str {
        match &args.command {
            SeawareCommand::Login { .. } => "login",
            SeawareCommand::Status => "status",
            SeawareCommand::Refresh => "refresh",
            SeawareCommand::Logout => "logout",
            SeawareCommand::Profiles => "profiles",
            SeawareCommand::Exec(_) => "exec",
        }
    }

    async fn execute(globals: &Globals, args: SeawareArgs) -> Result<Report> {
        let account = account(globals, &args).await?;
        match &args.command {
            SeawareCommand::Login { reveal } => {
                let (lease, obtained) = account.login().await?;
                let session = &lease.session().inner;
                let mut report = Report::new()
                    .expires_at(lease.expires_at())
                    .field("scope", session.scope())
                    .field("stored", account.has_store())
                    .field("reused", obtained == Obtained::Reused);
                if *reveal && let Some(token) = session.access_token() {
                    report = report.reveal("token", token.expose_secret());
                }
                Ok(report)
            }
            SeawareCommand::Refresh => {
                let (lease, obtained) = account.renew().await?;
                let by = match obtained {
                    Obtained::LoggedIn => "login",
                    _ => "refresh",
                };
                Ok(Report::new()
                    .expires_at(lease.expires_at())
                    .field("renewed_by", by))
            }
            SeawareCommand::Logout => account.logout(globals.now()).await,
            SeawareCommand::Exec(exec) => {
                let base = globals.base_url.clone().unwrap_or_default();
                let env = |s: &SeawareSession| {
                    let token = s.access_token().map(|t| t.expose_secret().to_owned());
                    vec![
                        ("SEAWARE_ACCESS_TOKEN", token.unwrap_or_default()),
                        ("SEAWARE_BASE_URL", base),
                    ]
                };
                common::exec(&account, env, &HIDDEN, &exec.command).await
            }
            SeawareCommand::Status | SeawareCommand::Profiles => Err(answered_by_run(NAME)),
        }
    }
}

fn build(
    globals: &Globals,
    options: &SessionOptions,
    username: String,
    password: Option<String>,
) -> Result<SeawareProvider> {
    let base = globals.base_url(NAME, None)?;
    let client_id =
        env_opt(NAME, "SEAWARE_CLIENT_ID")?.unwrap_or_else(|| DEFAULT_CLIENT_ID.to_owned());
    let mut builder = SeawareProvider::builder(base)
        .credentials(username, Password::new(password.unwrap_or_default()))
        .client_id(client_id)
        .scope(options.get("scope").unwrap_or("travelagent").to_owned())
        .placement(match options.get("params") {
            Some("form") => Placement::Form,
            _ => Placement::Query,
        });
    builder = common::with_globals!(globals, NAME, builder)?;
    if let Some(secret) = env_opt(NAME, "SEAWARE_CLIENT_SECRET")? {
        builder = builder.client_secret(ClientSecret::new(secret));
    }
    builder.build()
}

async fn account(globals: &Globals, args: &SeawareArgs) -> Result<Account<SeawareProvider>> {
    let login = matches!(
        args.command,
        SeawareCommand::Login { .. } | SeawareCommand::Exec(_)
    );
    let refresh = matches!(args.command, SeawareCommand::Refresh);
    let specs = vec![
        OptionSpec::new("scope", args.scope.clone(), Some("travelagent")),
        OptionSpec::new("params", common::value_name(args.params), Some("query")),
    ];
    let prepared = common::prepare(globals, NAME, login, specs).await?;
    // The user name is asked for (or reported missing) before the password.
    let username = env_required(NAME, "SEAWARE_USERNAME")?;
    let (password, rule) = if login {
        (
            Some(env_required(NAME, "SEAWARE_PASSWORD")?),
            LoginRule::Allowed,
        )
    } else {
        match (refresh, env_opt(NAME, "SEAWARE_PASSWORD")?) {
            // A refused refresh falls back to one login.
            (true, Some(p)) => (Some(p), LoginRule::Allowed),
            (true, None) => (
                None,
                LoginRule::Refused(Error::configuration(
                    NAME,
                    "the refresh was refused and SEAWARE_PASSWORD is not set to log in again",
                )),
            ),
            (false, _) => (None, LoginRule::when(false, NAME)),
        }
    };
    let provider = build(globals, &prepared.options, username, password)?;
    Ok(Account::new(prepared, provider, rule))
}
