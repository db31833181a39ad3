//! The command line: `sessions [GLOBAL OPTIONS] <PROVIDER> [PROVIDER OPTIONS] <COMMAND>
//! [COMMAND OPTIONS]`, and `sessions demo`.
//!
//! Global options go before the provider, provider options between the provider and the command,
//! command options after the command. Credentials never appear here: they come from environment
//! variables only.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Log in to CAS, Betfair, Seaware and Pagos; keep the session alive, inspect it, log out.
///
/// Credentials come from environment variables only (never flags, never printed).
#[derive(Debug, Parser)]
#[command(name = "sessions", version, about, long_about = None)]
pub(crate) struct Cli {
    /// Base of the provider's endpoints (overrides --jurisdiction for betfair).
    #[arg(long, value_name = "URL")]
    pub(crate) base_url: Option<String>,

    /// Allow http:// when the host is 127.0.0.0/8, ::1 or localhost (never for other hosts).
    #[arg(long)]
    pub(crate) insecure_loopback: bool,

    /// Session file: login writes it (mode 0600), later commands read it, logout deletes it.
    #[arg(long, value_name = "PATH")]
    pub(crate) store: Option<PathBuf>,

    /// Print exactly one JSON object on stdout.
    #[arg(long)]
    pub(crate) json: bool,

    /// Whole-request timeout in seconds.
    #[arg(long, value_name = "SECS", default_value = "30", value_parser = parse_timeout)]
    pub(crate) timeout: Duration,

    /// Also trust this PEM root certificate, in addition to the system roots.
    #[arg(long, value_name = "PATH")]
    pub(crate) ca_cert: Option<PathBuf>,

    /// The provider (or `demo`).
    #[command(subcommand)]
    pub(crate) provider: ProviderCommand,
}

fn parse_timeout(s: &str) -> Result<Duration, String> {
    let secs: f64 = s
        .trim()
        .parse()
        .map_err(|_| "expected a number of seconds".to_owned())?;
    if !secs.is_finite() || secs <= 0.0 || secs > 86_400.0 {
        return Err("expected a number of seconds above 0 and at most 86400".to_owned());
    }
    Ok(Duration::from_secs_f64(secs))
}

/// The provider, or the demo.
#[derive(Debug, Subcommand)]
pub(crate) enum ProviderCommand {
    /// William Hill Sessions API v2, or an Apereo CAS REST server (--flavor apereo).
    Cas(CasArgs),
    /// Betfair identity SSO (interactive or certificate login, keepAlive, logout).
    Betfair(BetfairArgs),
    /// Seaware SwOTA OAuth sessions.
    Seaware(SeawareArgs),
    /// Pagos SpreadsheetWEB dedicated sessions.
    Pagos(PagosArgs),
    /// Run every provider's full lifecycle against embedded simulators (no credentials, no
    /// network beyond loopback).
    Demo,
}

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

/// `sessions cas ...`.
#[derive(Debug, Args)]
pub(crate) struct CasArgs {
    /// Protocol flavor.
    #[arg(long, value_enum, default_value = "whapi", ignore_case = true)]
    pub(crate) flavor: CasFlavor,

    /// William Hill territory (sent as the `territory` header).
    #[arg(long, value_enum, ignore_case = true)]
    pub(crate) territory: Option<CasTerritory>,

    /// The command.
    #[command(subcommand)]
    pub(crate) command: CasCommand,
}

/// CAS commands.
#[derive(Debug, Subcommand)]
pub(crate) enum CasCommand {
    /// Log in (create a ticket-granting ticket) and report.
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
}

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

/// `sessions betfair ...`.
#[derive(Debug, Args)]
pub(crate) struct BetfairArgs {
    /// Jurisdiction: picks Betfair's hosts unless --base-url is given.
    #[arg(long, value_enum, default_value = "global", ignore_case = true)]
    pub(crate) jurisdiction: BetfairJurisdiction,

    /// The command.
    #[command(subcommand)]
    pub(crate) command: BetfairCommand,
}

/// Betfair commands.
#[derive(Debug, Subcommand)]
pub(crate) enum BetfairCommand {
    /// Log in (interactive, or certificate login over mutual TLS with --cert/--pem/--p12).
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

/// Where Seaware token parameters go.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum SeawareParams {
    /// In the query string (the documented form).
    Query,
    /// In a form-encoded body.
    Form,
}

/// `sessions seaware ...`.
#[derive(Debug, Args)]
pub(crate) struct SeawareArgs {
    /// Session scope.
    #[arg(long, value_name = "S", default_value = "travelagent")]
    pub(crate) scope: String,

    /// Where token parameters go (login and refresh).
    #[arg(long, value_enum, default_value = "query", ignore_case = true)]
    pub(crate) params: SeawareParams,

    /// The command.
    #[command(subcommand)]
    pub(crate) command: SeawareCommand,
}

/// Seaware commands.
#[derive(Debug, Subcommand)]
pub(crate) enum SeawareCommand {
    /// Log in (password grant) and report.
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
}

/// `sessions pagos ...`.
#[derive(Debug, Args)]
pub(crate) struct PagosArgs {
    /// The web service application key (or env PAGOS_APPLICATION_KEY).
    #[arg(long, value_name = "K")]
    pub(crate) application_key: Option<String>,

    /// OAuth client-credentials token endpoint (with PAGOS_CLIENT_ID and PAGOS_CLIENT_SECRET);
    /// without it PAGOS_TOKEN is used as a static bearer.
    #[arg(long, value_name = "URL")]
    pub(crate) token_url: Option<String>,

    /// The command.
    #[command(subcommand)]
    pub(crate) command: PagosCommand,
}

/// Pagos commands.
#[derive(Debug, Subcommand)]
pub(crate) enum PagosCommand {
    /// Open a dedicated session (OpenDedicatedSession) and report.
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
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn options_sit_at_their_positions() {
        let cli = Cli::try_parse_from([
            "sessions",
            "--json",
            "--timeout",
            "2.5",
            "cas",
            "--flavor",
            "apereo",
            "service-ticket",
            "--target",
            "https://svc",
        ])
        .unwrap();
        assert!(cli.json);
        assert_eq!(cli.timeout, Duration::from_millis(2500));
        let ProviderCommand::Cas(cas) = cli.provider else {
            panic!("cas expected")
        };
        assert_eq!(cas.flavor, CasFlavor::Apereo);
        assert!(matches!(cas.command, CasCommand::ServiceTicket { .. }));
        // A global option after the provider is not accepted.
        assert!(Cli::try_parse_from(["sessions", "cas", "--json", "status"]).is_err());
    }

    #[test]
    fn cert_needs_key_and_formats_exclude_each_other() {
        let parse = |args: &[&str]| {
            let mut all = vec!["sessions", "betfair", "login"];
            all.extend_from_slice(args);
            Cli::try_parse_from(all)
        };
        assert!(parse(&["--cert", "a.crt"]).is_err());
        assert!(parse(&["--cert", "a.crt", "--key", "a.key"]).is_ok());
        assert!(parse(&["--pem", "a.pem", "--p12", "a.p12"]).is_err());
        assert!(parse(&["--cert", "a.crt", "--key", "k", "--pem", "a.pem"]).is_err());
    }

    #[test]
    fn pagos_aliases_and_territories_parse() {
        let cli = Cli::try_parse_from(["sessions", "pagos", "login"]).unwrap();
        let ProviderCommand::Pagos(p) = cli.provider else {
            panic!("pagos expected")
        };
        assert!(matches!(p.command, PagosCommand::Open { .. }));
        let cli = Cli::try_parse_from(["sessions", "cas", "--territory", "ES", "status"]).unwrap();
        let ProviderCommand::Cas(c) = cli.provider else {
            panic!("cas expected")
        };
        assert_eq!(c.territory, Some(CasTerritory::Es));
        assert!(Cli::try_parse_from(["sessions", "--timeout", "0", "demo"]).is_err());
    }
}
