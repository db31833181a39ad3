//! `sessions matchbook ...`: Matchbook exchange sessions (login with an optional MFA code,
//! check, logout).
//!
//! Credentials: `MATCHBOOK_USERNAME`, `MATCHBOOK_PASSWORD` and, for accounts with multi-factor
//! login, `MATCHBOOK_MFA_CODE`. `check` never logs in: a session Matchbook ended is reported as
//! rejected. `exec` gives its child `MATCHBOOK_SESSION_TOKEN` and `MATCHBOOK_BASE_URL`.

use session_core::{Password, Result};
use session_matchbook::{DEFAULT_BASE_URL, MatchbookProvider, MatchbookSession};

use crate::cli::matchbook::{MatchbookArgs, MatchbookCommand};
use crate::common::{self, Account, Globals, LoginRule, Obtained, env_opt, env_required};
use crate::output::Report;
use crate::registry::{Provider, answered_by_run};

const NAME: &str = "matchbook";

/// The secret variables `exec` keeps from its child.
const HIDDEN: [&str; 2] = ["MATCHBOOK_PASSWORD", "MATCHBOOK_MFA_CODE"];

/// `sessions matchbook`, as registered in the table of providers.
pub(crate) struct Matchbook;

impl Provider for Matchbook {
    const NAME: &'static str = NAME;
    type Args = MatchbookArgs;

    fn command(args: &MatchbookArgs) -> &'static str {
        match &args.command {
            MatchbookCommand::Login { .. } => "login",
            MatchbookCommand::Status => "status",
            MatchbookCommand::Check => "check",
            MatchbookCommand::Logout => "logout",
            MatchbookCommand::Profiles => "profiles",
            MatchbookCommand::Exec(_) => "exec",
        }
    }

    async fn execute(globals: &Globals, args: MatchbookArgs) -> Result<Report> {
        let login = matches!(
            args.command,
            MatchbookCommand::Login { .. } | MatchbookCommand::Exec(_)
        );
        let prepared = common::prepare(globals, NAME, login, Vec::new()).await?;
        let username = env_required(NAME, "MATCHBOOK_USERNAME")?;
        let password = if login {
            env_required(NAME, "MATCHBOOK_PASSWORD")?
        } else {
            String::new()
        };
        let base = globals.base_url(NAME, Some(DEFAULT_BASE_URL))?;
        let mut builder =
            MatchbookProvider::builder(base.clone()).credentials(username, Password::new(password));
        if let Some(code) = env_opt(NAME, "MATCHBOOK_MFA_CODE")? {
            builder = builder.mfa_code(code);
        }
        let provider = common::with_globals!(globals, NAME, builder)?.build()?;
        let account = Account::new(prepared, provider, LoginRule::when(login, NAME));
        match &args.command {
            MatchbookCommand::Login { reveal } => {
                let (lease, obtained) = account.login().await?;
                let session = &lease.session().inner;
                let mut report = Report::new()
                    .expires_at(lease.expires_at())
                    .field("user_id", session.user_id())
                    .field("stored", account.has_store())
                    .field("reused", obtained == Obtained::Reused);
                if *reveal {
                    report = report.reveal("token", session.token().expose_secret());
                }
                Ok(report)
            }
            MatchbookCommand::Check => {
                let (lease, _) = account.renew().await?;
                Ok(Report::new().expires_at(lease.expires_at()))
            }
            MatchbookCommand::Logout => account.logout(globals.now()).await,
            MatchbookCommand::Exec(exec) => {
                let env = |s: &MatchbookSession| {
                    vec![
                        (
                            "MATCHBOOK_SESSION_TOKEN",
                            s.token().expose_secret().to_owned(),
                        ),
                        ("MATCHBOOK_BASE_URL", base),
                    ]
                };
                common::exec(&account, env, &HIDDEN, &exec.command).await
            }
            MatchbookCommand::Status | MatchbookCommand::Profiles => Err(answered_by_run(NAME)),
        }
    }
}
