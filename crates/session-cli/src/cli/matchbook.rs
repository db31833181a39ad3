//! `sessions matchbook ...`: the clap definition of the Matchbook commands.

use clap::{Args, Subcommand};

use super::ExecArgs;

/// The credential variables, shown in `sessions matchbook --help`.
pub(crate) const MATCHBOOK_ENV: &str = "Environment:
  MATCHBOOK_USERNAME, MATCHBOOK_PASSWORD
                                  the account (a missing one is prompted for on a terminal)
  MATCHBOOK_MFA_CODE              the one-time code, for accounts with multi-factor login
exec gives the child: MATCHBOOK_SESSION_TOKEN, MATCHBOOK_BASE_URL
The base URL defaults to https://api.matchbook.com.";

/// What `sessions simulate --help` says of the Matchbook simulator.
pub(crate) const SIMULATE_HELP: &str = "Matchbook exchange sessions";

/// Matchbook exchange sessions (session-token).
#[derive(Debug, Args)]
#[command(after_help = MATCHBOOK_ENV)]
pub(crate) struct MatchbookArgs {
    /// The command.
    #[command(subcommand)]
    pub(crate) command: MatchbookCommand,
}

/// Matchbook commands.
#[derive(Debug, Subcommand)]
pub(crate) enum MatchbookCommand {
    /// Log in and report; with a store, a live stored session is reused.
    Login {
        /// Add the session token to the output as "token".
        #[arg(long)]
        reveal: bool,
    },
    /// Report the stored session (expiry, age) without any network call.
    Status,
    /// Check the stored session upstream, which moves its assumed expiry (never logs in).
    Check,
    /// End the stored session upstream and delete the store file.
    Logout,
    /// List the stored profiles of this provider and their expiry (no secrets).
    Profiles,
    /// Run a command with the session in its environment (MATCHBOOK_SESSION_TOKEN,
    /// MATCHBOOK_BASE_URL).
    Exec(ExecArgs),
}
