//! `sessions seaware ...`: the clap definition of the Seaware commands and their options.

use clap::{Args, Subcommand, ValueEnum};

use super::ExecArgs;

/// The credential variables, shown in `sessions seaware --help`.
pub(crate) const SEAWARE_ENV: &str = "Environment:
  SEAWARE_USERNAME, SEAWARE_PASSWORD
                                  the account (a missing one is prompted for on a terminal)
  SEAWARE_CLIENT_ID               the OAuth client id (default ota)
  SEAWARE_CLIENT_SECRET           the OAuth client secret, if the client has one
exec gives the child: SEAWARE_ACCESS_TOKEN, SEAWARE_BASE_URL";

/// What `sessions simulate --help` says of the Seaware simulator.
pub(crate) const SIMULATE_HELP: &str = "Seaware SwOTA OAuth";

/// Where Seaware token parameters go.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum SeawareParams {
    /// In the query string (the documented form).
    Query,
    /// In a form-encoded body.
    Form,
}

/// Seaware SwOTA OAuth sessions.
#[derive(Debug, Args)]
#[command(after_help = SEAWARE_ENV)]
pub(crate) struct SeawareArgs {
    /// Session scope [default: travelagent; stored with the session].
    #[arg(long, value_name = "S", global = true)]
    pub(crate) scope: Option<String>,

    /// Where token parameters go, login and refresh [default: query; stored with the session].
    #[arg(long, value_enum, ignore_case = true, global = true)]
    pub(crate) params: Option<SeawareParams>,

    /// The command.
    #[command(subcommand)]
    pub(crate) command: SeawareCommand,
}

/// Seaware commands.
#[derive(Debug, Subcommand)]
pub(crate) enum SeawareCommand {
    /// Log in (password grant) and report; with a store, a live stored session is reused.
    Login {
        /// Add the access token to the output as "token".
        #[arg(long)]
        reveal: bool,
    },
    /// Report the stored session (expiry, age) without any network call.
    Status,
    /// Refresh the stored session (falls back to one full login when refused).
    Refresh,
    /// End the stored session upstream and delete the store file.
    Logout,
    /// List the stored profiles of this provider and their expiry (no secrets).
    Profiles,
    /// Run a command with the session in its environment (SEAWARE_ACCESS_TOKEN,
    /// SEAWARE_BASE_URL).
    Exec(ExecArgs),
}
