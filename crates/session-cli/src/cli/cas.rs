//! `sessions cas ...`: the clap definition of the CAS commands and their options.

use clap::{Args, Subcommand, ValueEnum};

use super::ExecArgs;

pub(crate) const CAS_ENV: &str = "Environment:
  CAS_USERNAME, CAS_PASSWORD      the account (a missing one is prompted for on a terminal)
  CAS_API_KEY, CAS_API_SECRET     William Hill API credentials (--flavor whapi)
exec gives the child: CAS_TGT (the ticket-granting ticket), CAS_BASE_URL";

/// What `sessions simulate --help` says of the CAS simulator.
pub(crate) const SIMULATE_HELP: &str =
    "William Hill Sessions API v2 (use `--flavor apereo` for an Apereo CAS server)";

/// CAS protocol flavor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum CasFlavor {
    /// William Hill Sessions API v2.
    Whapi,
    /// Apereo CAS REST protocol.
    Apereo,
}

/// William Hill territory header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "UPPER")]
pub(crate) enum CasTerritory {
    /// COM.
    Com,
    /// ES (Spain).
    Es,
    /// IT (Italy).
    It,
}

/// William Hill Sessions API v2, or an Apereo CAS REST server (--flavor apereo).
#[derive(Debug, Args)]
#[command(after_help = CAS_ENV)]
pub(crate) struct CasArgs {
    /// Protocol flavor [default: whapi; stored with the session].
    #[arg(long, value_enum, ignore_case = true, global = true)]
    pub(crate) flavor: Option<CasFlavor>,

    /// William Hill territory, sent as the `territory` header [stored with the session].
    #[arg(long, value_enum, ignore_case = true, global = true)]
    pub(crate) territory: Option<CasTerritory>,

    /// The command.
    #[command(subcommand)]
    pub(crate) command: CasCommand,
}

/// CAS commands.
#[derive(Debug, Subcommand)]
pub(crate) enum CasCommand {
    /// Log in (create a ticket-granting ticket) and report; with a store, a live stored session
    /// is reused.
    Login {
        /// Ask for an extended (60-day) William Hill ticket.
        #[arg(long)]
        extended: bool,
        /// Add the ticket-granting ticket to the output as "token".
        #[arg(long)]
        reveal: bool,
    },
    /// Report the stored session (expiry, age) without any network call.
    Status,
    /// Check with the server that the stored ticket is still valid (counts as use).
    Validate,
    /// Mint a one-time service ticket for a CAS-enabled service.
    ServiceTicket {
        /// The service URL.
        #[arg(long, value_name = "URL")]
        target: String,
        /// Add the service ticket to the output as "service_ticket".
        #[arg(long)]
        reveal: bool,
    },
    /// End the stored session upstream and delete the store file.
    Logout,
    /// List the stored profiles of this provider and their expiry (no secrets).
    Profiles,
    /// Run a command with the session in its environment (CAS_TGT, CAS_BASE_URL).
    Exec(ExecArgs),
}
