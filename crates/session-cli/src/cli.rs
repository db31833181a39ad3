//! The command line: `sessions [OPTIONS] <PROVIDER> [PROVIDER OPTIONS] <COMMAND> [COMMAND
//! OPTIONS]`, plus `sessions demo`, `sessions simulate <PROVIDER>` and `sessions completions
//! <SHELL>`.
//!
//! Global options (`--json`, `--store`, `--profile`, ...) are accepted anywhere on the line, and
//! provider options anywhere after the provider, as `gh` and `aws` accept theirs. Credentials never
//! appear here: they come from environment variables (or a hidden prompt on a terminal).
//!
//! This module depends on `clap` only: `cargo xtask man` compiles it into the man-page generator.

use std::ffi::OsString;
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
    #[arg(long, value_name = "URL", global = true)]
    pub(crate) base_url: Option<String>,

    /// Allow http:// when the host is 127.0.0.0/8, ::1 or localhost (never for other hosts).
    #[arg(long, global = true)]
    pub(crate) insecure_loopback: bool,

    /// Session file: login writes it (mode 0600), later commands read it, logout deletes it.
    #[arg(long, value_name = "PATH", global = true, conflicts_with = "profile")]
    pub(crate) store: Option<PathBuf>,

    /// Keep the session in the named profile: $XDG_STATE_HOME/sessions/PROVIDER/NAME.json
    /// (default ~/.local/state/sessions/...).
    #[arg(long, value_name = "NAME", global = true)]
    pub(crate) profile: Option<String>,

    /// Print exactly one JSON object on stdout.
    #[arg(long, global = true)]
    pub(crate) json: bool,

    /// Whole-request timeout in seconds.
    #[arg(long, value_name = "SECS", default_value = "30", value_parser = parse_timeout, global = true)]
    pub(crate) timeout: Duration,

    /// Also trust this PEM root certificate, in addition to the built-in roots.
    #[arg(long, value_name = "PATH", global = true)]
    pub(crate) ca_cert: Option<PathBuf>,

    /// Send requests through this http:// or https:// proxy (default: $HTTPS_PROXY, then
    /// $ALL_PROXY; hosts in $NO_PROXY and loopback hosts are reached directly).
    #[arg(long, value_name = "URL", global = true)]
    pub(crate) proxy: Option<String>,

    /// The provider, or another command.
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

/// The credential variables of each provider, shown in its `--help`.
pub(crate) const CAS_ENV: &str = "Environment:
  CAS_USERNAME, CAS_PASSWORD      the account (a missing one is prompted for on a terminal)
  CAS_API_KEY, CAS_API_SECRET     William Hill API credentials (--flavor whapi)
exec gives the child: CAS_TGT (the ticket-granting ticket), CAS_BASE_URL";

/// The credential variables of Betfair.
pub(crate) const BETFAIR_ENV: &str = "Environment:
  BETFAIR_APP_KEY                 the application key
  BETFAIR_USERNAME, BETFAIR_PASSWORD
                                  the account (a missing one is prompted for on a terminal)
  BETFAIR_P12_PASSWORD            the password of a --p12 certificate file
exec gives the child: BETFAIR_SESSION_TOKEN, BETFAIR_APP_KEY";

/// The credential variables of Seaware.
pub(crate) const SEAWARE_ENV: &str = "Environment:
  SEAWARE_USERNAME, SEAWARE_PASSWORD
                                  the account (a missing one is prompted for on a terminal)
  SEAWARE_CLIENT_ID               the OAuth client id (default ota)
  SEAWARE_CLIENT_SECRET           the OAuth client secret, if the client has one
exec gives the child: SEAWARE_ACCESS_TOKEN, SEAWARE_BASE_URL";

/// The credential variables of Pagos.
pub(crate) const PAGOS_ENV: &str = "Environment:
  PAGOS_TOKEN                     a static bearer token (without --token-url)
  PAGOS_CLIENT_ID, PAGOS_CLIENT_SECRET
                                  OAuth client credentials (with --token-url)
  PAGOS_APPLICATION_KEY           the application key (or --application-key)
exec gives the child: PAGOS_SESSION_ID, PAGOS_APPLICATION_KEY, PAGOS_BASE_URL";

/// The provider, or another command.
#[derive(Debug, Subcommand)]
pub(crate) enum ProviderCommand {
    /// William Hill Sessions API v2, or an Apereo CAS REST server (--flavor apereo).
    #[command(after_help = CAS_ENV)]
    Cas(CasArgs),
    /// Betfair identity SSO (interactive or certificate login, keepAlive, logout).
    #[command(after_help = BETFAIR_ENV)]
    Betfair(BetfairArgs),
    /// Seaware SwOTA OAuth sessions.
    #[command(after_help = SEAWARE_ENV)]
    Seaware(SeawareArgs),
    /// Pagos SpreadsheetWEB dedicated sessions.
    #[command(after_help = PAGOS_ENV)]
    Pagos(PagosArgs),
    /// Run every provider's full lifecycle against embedded simulators (no credentials, no
    /// network beyond loopback).
    Demo,
    /// Serve a provider's simulator on loopback until interrupted (Ctrl-C), for other tools and
    /// test suites; prints its base URL and test credentials.
    Simulate(SimulateArgs),
    /// Print a shell completion script on stdout.
    Completions {
        /// The shell.
        #[arg(value_enum, ignore_case = true)]
        shell: Shell,
    },
}

/// A shell `sessions completions` writes a script for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Shell {
    /// Bash.
    Bash,
    /// Zsh.
    Zsh,
    /// Fish.
    Fish,
    /// PowerShell.
    Powershell,
    /// Elvish.
    Elvish,
}

/// A provider whose simulator `sessions simulate` serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum SimProvider {
    /// William Hill Sessions API v2 (use `--flavor apereo` for an Apereo CAS server).
    Cas,
    /// Betfair identity SSO and the Accounts API.
    Betfair,
    /// Seaware SwOTA OAuth.
    Seaware,
    /// Pagos SpreadsheetWEB.
    Pagos,
}

/// `sessions simulate ...`.
#[derive(Debug, Args)]
pub(crate) struct SimulateArgs {
    /// The provider to simulate.
    #[arg(value_enum, ignore_case = true)]
    pub(crate) provider: SimProvider,

    /// Loopback port to listen on (default: a free port).
    #[arg(long, value_name = "N")]
    pub(crate) port: Option<u16>,

    /// The test account, as user:pass (default: a built-in account, printed at start).
    #[arg(long, value_name = "USER:PASS")]
    pub(crate) account: Option<String>,

    /// CAS only: the protocol flavor to simulate.
    #[arg(long, value_enum, ignore_case = true)]
    pub(crate) flavor: Option<CasFlavor>,
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

/// `exec -- CMD ARGS...`: the command to run with the session in its environment.
#[derive(Debug, Args)]
pub(crate) struct ExecArgs {
    /// The command and its arguments, after `--`.
    #[arg(last = true, required = true, value_name = "CMD")]
    pub(crate) command: Vec<OsString>,
}

/// `sessions cas ...`.
#[derive(Debug, Args)]
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

/// `sessions pagos ...`.
#[derive(Debug, Args)]
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
        assert_eq!(cas.flavor, Some(CasFlavor::Apereo));
        assert!(matches!(cas.command, CasCommand::ServiceTicket { .. }));
    }

    #[test]
    fn global_and_provider_options_are_accepted_anywhere() {
        let cli = Cli::try_parse_from(["sessions", "betfair", "status", "--json"]).unwrap();
        assert!(cli.json);
        let cli = Cli::try_parse_from([
            "sessions",
            "seaware",
            "refresh",
            "--params",
            "form",
            "--store",
            "s.json",
            "--timeout",
            "3",
        ])
        .unwrap();
        assert_eq!(cli.store, Some(PathBuf::from("s.json")));
        assert_eq!(cli.timeout, Duration::from_secs(3));
        let ProviderCommand::Seaware(s) = cli.provider else {
            panic!("seaware expected")
        };
        assert_eq!(s.params, Some(SeawareParams::Form));
        assert!(
            Cli::try_parse_from([
                "sessions",
                "cas",
                "status",
                "--store",
                "a",
                "--profile",
                "b"
            ])
            .is_err(),
            "--store and --profile exclude each other"
        );
    }

    #[test]
    fn exec_takes_the_command_after_a_double_dash() {
        let cli =
            Cli::try_parse_from(["sessions", "betfair", "exec", "--", "curl", "-s", "--json"])
                .unwrap();
        assert!(!cli.json, "options after -- belong to the child");
        let ProviderCommand::Betfair(b) = cli.provider else {
            panic!("betfair expected")
        };
        let BetfairCommand::Exec(e) = b.command else {
            panic!("exec expected")
        };
        assert_eq!(e.command, ["curl", "-s", "--json"]);
        assert!(Cli::try_parse_from(["sessions", "betfair", "exec"]).is_err());
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
