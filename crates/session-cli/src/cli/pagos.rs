//! `sessions pagos ...`: the clap definition of the Pagos commands and their options.

use clap::{Args, Subcommand};

use super::ExecArgs;

/// The credential variables, shown in `sessions pagos --help`.
pub(crate) const PAGOS_ENV: &str = "Environment:
  PAGOS_TOKEN                     a static bearer token (without --token-url)
  PAGOS_CLIENT_ID, PAGOS_CLIENT_SECRET
                                  OAuth client credentials (with --token-url)
  PAGOS_APPLICATION_KEY           the application key (or --application-key)
exec gives the child: PAGOS_SESSION_ID, PAGOS_APPLICATION_KEY, PAGOS_BASE_URL";

/// What `sessions simulate --help` says of the Pagos simulator.
pub(crate) const SIMULATE_HELP: &str = "Pagos SpreadsheetWEB";

/// Pagos SpreadsheetWEB dedicated sessions.
#[derive(Debug, Args)]
#[command(after_help = PAGOS_ENV)]
pub(crate) struct PagosArgs {
    /// The web service application key, or env PAGOS_APPLICATION_KEY [stored with the session].
    #[arg(long, value_name = "K", global = true)]
    pub(crate) application_key: Option<String>,

    /// OAuth client-credentials token endpoint (with PAGOS_CLIENT_ID and PAGOS_CLIENT_SECRET);
    /// without it PAGOS_TOKEN is used as a static bearer [stored with the session].
    #[arg(long, value_name = "URL", global = true)]
    pub(crate) token_url: Option<String>,

    /// The command.
    #[command(subcommand)]
    pub(crate) command: PagosCommand,
}

/// Pagos commands.
#[derive(Debug, Subcommand)]
pub(crate) enum PagosCommand {
    /// Open a dedicated session (OpenDedicatedSession) and report; with a store, a live stored
    /// session is reused.
    #[command(alias = "login")]
    Open {
        /// Add the SessionId to the output as "session_id".
        #[arg(long)]
        reveal: bool,
    },
    /// Report the stored session (expiry, age) without any network call.
    Status,
    /// Close the stored session (CloseDedicatedSession) and delete the store file.
    #[command(alias = "logout")]
    Close,
    /// List the stored profiles of this provider and their expiry (no secrets).
    Profiles,
    /// Run a command with the session in its environment (PAGOS_SESSION_ID,
    /// PAGOS_APPLICATION_KEY, PAGOS_BASE_URL).
    Exec(ExecArgs),
}
