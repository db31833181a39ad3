//! `sessions betfair ...`: the clap definition of the Betfair commands and their options.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

use super::ExecArgs;

/// The credential variables, shown in `sessions betfair --help`.
pub(crate) const BETFAIR_ENV: &str = "Environment:
  BETFAIR_APP_KEY                 the application key
  BETFAIR_USERNAME, BETFAIR_PASSWORD
                                  the account (a missing one is prompted for on a terminal)
  BETFAIR_P12_PASSWORD            the password of a --p12 certificate file
exec gives the child: BETFAIR_SESSION_TOKEN, BETFAIR_APP_KEY";

/// What `sessions simulate --help` says of the Betfair simulator.
pub(crate) const SIMULATE_HELP: &str = "Betfair identity SSO and the Accounts API";

/// Betfair jurisdiction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum BetfairJurisdiction {
    /// betfair.com.
    Global,
    /// betfair.it.
    Italy,
    /// betfair.es.
    Spain,
    /// betfair.ro.
    Romania,
    /// betfair.se.
    Sweden,
    /// betfair.com.au, Australian customers.
    Australia,
    /// New Zealand customers (the .com.au identity and API hosts).
    #[value(name = "new-zealand", alias = "nz")]
    NewZealand,
}

/// Betfair identity SSO (interactive or certificate login, keepAlive, logout).
#[derive(Debug, Args)]
#[command(after_help = BETFAIR_ENV)]
pub(crate) struct BetfairArgs {
    /// Jurisdiction: picks Betfair's hosts unless --base-url is given [default: global; stored
    /// with the session].
    #[arg(long, value_enum, ignore_case = true, global = true)]
    pub(crate) jurisdiction: Option<BetfairJurisdiction>,

    /// The command.
    #[command(subcommand)]
    pub(crate) command: BetfairCommand,
}

/// Betfair commands.
#[derive(Debug, Subcommand)]
pub(crate) enum BetfairCommand {
    /// Log in (interactive, or certificate login over mutual TLS with --cert/--pem/--p12); with a
    /// store, a live stored session is reused.
    Login {
        /// Client certificate file (PEM or DER); needs --key.
        #[arg(long, value_name = "CRT", requires = "key", conflicts_with_all = ["pem", "p12"])]
        cert: Option<PathBuf>,
        /// Private key file for --cert.
        #[arg(long, value_name = "KEY", requires = "cert")]
        key: Option<PathBuf>,
        /// One PEM file holding the certificate and its key.
        #[arg(long, value_name = "PEM", conflicts_with = "p12")]
        pem: Option<PathBuf>,
        /// A PKCS#12 file (password from env BETFAIR_P12_PASSWORD).
        #[arg(long, value_name = "P12")]
        p12: Option<PathBuf>,
        /// Add the session token to the output as "token".
        #[arg(long)]
        reveal: bool,
    },
    /// Report the stored session (expiry, age) without any network call.
    Status,
    /// Extend the stored session (keepAlive).
    Keepalive,
    /// End the stored session upstream and delete the store file.
    Logout,
    /// Accounts API vendor operations with the stored session.
    Vendor {
        /// The vendor operation.
        #[command(subcommand)]
        command: VendorCommand,
    },
    /// List the stored profiles of this provider and their expiry (no secrets).
    Profiles,
    /// Run a command with the session in its environment (BETFAIR_SESSION_TOKEN,
    /// BETFAIR_APP_KEY).
    Exec(ExecArgs),
}
/// Betfair vendor operations (Accounts API), with the stored session: the vendor's for
/// `subscription-token` and `history --vendor-client-id`, the customer's otherwise.
#[derive(Debug, Subcommand)]
pub(crate) enum VendorCommand {
    /// Create a subscription token for a customer (vendor session).
    SubscriptionToken {
        /// Subscription length in days.
        #[arg(long, value_name = "N")]
        days: Option<u32>,
        /// The vendor's client reference.
        #[arg(long, value_name = "S")]
        client_ref: Option<String>,
        /// Add the new subscription token to the output as "subscription_token".
        #[arg(long)]
        reveal: bool,
    },
    /// Activate an application subscription (customer session).
    Activate {
        /// The subscription token to activate.
        #[arg(long, value_name = "T")]
        subscription_token: String,
    },
    /// A customer's subscription history: by the vendor with --vendor-client-id, otherwise by
    /// the customer (for the app key given with --app-key-in-body, or the session's own).
    History {
        /// The customer's vendor client id (vendor session).
        #[arg(long, value_name = "ID", conflicts_with = "app_key_in_body")]
        vendor_client_id: Option<String>,
        /// The vendor's application key, sent in the request body (customer session).
        #[arg(long, value_name = "K")]
        app_key_in_body: Option<String>,
    },
    /// The customer's vendor client id for the session's app key (customer session).
    ClientId,
}

impl VendorCommand {
    /// The command as typed (`vendor subscription-token`, ...).
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Self::SubscriptionToken { .. } => "vendor subscription-token",
            Self::Activate { .. } => "vendor activate",
            Self::History { .. } => "vendor history",
            Self::ClientId => "vendor client-id",
        }
    }
}
