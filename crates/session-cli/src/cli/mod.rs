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

use clap::builder::PossibleValue;
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

pub(crate) mod betfair;
pub(crate) mod cas;
pub(crate) mod matchbook;
pub(crate) mod pagos;
pub(crate) mod seaware;

/// **The providers of `sessions`: one line each, in the order `--help`, `sessions demo` and
/// `sessions simulate --help` list them.** Everything the binary knows about its providers is
/// derived from this table: the clap subcommands ([`Providers`], flattened into
/// [`ProviderCommand`]), the values of `sessions simulate <PROVIDER>` ([`SimProvider`]), the
/// dispatch, the provider names `usage_error` recognises, the shell completions and man pages
/// (both made from the clap definition), the demo's list and the simulators `simulate` serves
/// (`crate::registry`, `crate::demo`).
///
/// A line is `name: Type(Args)`: `name` is the subcommand, the JSON `provider`, the profile
/// folder and the name of each of its modules; `Type` is the clap variant and the provider's
/// marker type (`crate::name::Type`); `Args` is its clap arguments (`cli::name::Args`). A new
/// provider `x` adds one line, `x: X(XArgs),`, and its three module files, each declared beside
/// its siblings (`pub(crate) mod x;` above, `mod x;` in `main.rs` and in `demo/mod.rs`); the
/// compiler rejects a line whose modules, types or impls are missing:
///
/// - `src/cli/x.rs` (clap only, so `cargo xtask man` compiles it): `pub(crate) struct XArgs`
///   (`#[derive(Args)]`; its doc comment is the provider's one-line `about`, and
///   `#[command(after_help = X_ENV)]` lists its environment variables), its command enum, and
///   `pub(crate) const SIMULATE_HELP: &str` (its line in `sessions simulate --help`);
/// - `src/x.rs`: `pub(crate) struct X;` and `impl registry::Provider for X` (its name, `Args`,
///   the JSON name of each command, and `execute`);
/// - `src/demo/x.rs`: `impl demo::Demo for X` (its `sessions demo` lifecycle and the simulator
///   `sessions simulate x` serves);
/// - and, outside the source, the crate in `Cargo.toml` (the dependency and its TLS and
///   `test-util` features) and its black-box tests in `tests/it/`.
///
/// `registry::tests` checks that every line reaches `--help`, the demo and `simulate`.
macro_rules! with_providers {
    ($then:ident) => {
        $then! {
            cas: Cas(CasArgs),
            betfair: Betfair(BetfairArgs),
            seaware: Seaware(SeawareArgs),
            pagos: Pagos(PagosArgs),
            matchbook: Matchbook(MatchbookArgs),
        }
    };
}
pub(crate) use with_providers;

/// Defines [`Providers`] and [`SimProvider`] from the table.
macro_rules! define_commands {
    ($($name:ident: $Type:ident($Args:ident),)+) => {
        /// A provider's command line: one variant per line of [`with_providers`], each holding
        /// that provider's clap arguments.
        #[derive(Debug, Subcommand)]
        pub(crate) enum Providers {
            $(
                #[doc = concat!("`sessions ", stringify!($name), " ...`.")]
                #[command(name = stringify!($name))]
                $Type($name::$Args),
            )+
        }

        impl Providers {
            /// Every provider's name, in the table's order.
            pub(crate) const NAMES: &'static [&'static str] = &[$(stringify!($name)),+];
        }

        /// A provider whose simulator `sessions simulate` serves: one per line of
        /// [`with_providers`].
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub(crate) enum SimProvider {
            $(
                #[doc = concat!("`sessions simulate ", stringify!($name), "`.")]
                $Type,
            )+
        }

        impl SimProvider {
            /// The provider's name.
            pub(crate) fn name(self) -> &'static str {
                match self {
                    $(Self::$Type => stringify!($name),)+
                }
            }
        }

        impl ValueEnum for SimProvider {
            fn value_variants<'a>() -> &'a [Self] {
                &[$(Self::$Type),+]
            }

            fn to_possible_value(&self) -> Option<PossibleValue> {
                Some(match self {
                    $(Self::$Type => PossibleValue::new(stringify!($name)).help($name::SIMULATE_HELP),)+
                })
            }
        }
    };
}
with_providers!(define_commands);

/// The provider, or another command.
#[derive(Debug, Subcommand)]
pub(crate) enum ProviderCommand {
    /// A provider's command.
    #[command(flatten)]
    Provider(Providers),
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
    pub(crate) flavor: Option<cas::CasFlavor>,
}

/// `exec -- CMD ARGS...`: the command to run with the session in its environment.
#[derive(Debug, Args)]
pub(crate) struct ExecArgs {
    /// The command and its arguments, after `--`.
    #[arg(last = true, required = true, value_name = "CMD")]
    pub(crate) command: Vec<OsString>,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::betfair::*;
    use super::cas::*;
    use super::pagos::*;
    use super::seaware::*;
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
        let ProviderCommand::Provider(Providers::Cas(cas)) = cli.provider else {
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
        let ProviderCommand::Provider(Providers::Seaware(s)) = cli.provider else {
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
        let ProviderCommand::Provider(Providers::Betfair(b)) = cli.provider else {
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
        let ProviderCommand::Provider(Providers::Pagos(p)) = cli.provider else {
            panic!("pagos expected")
        };
        assert!(matches!(p.command, PagosCommand::Open { .. }));
        let cli = Cli::try_parse_from(["sessions", "cas", "--territory", "ES", "status"]).unwrap();
        let ProviderCommand::Provider(Providers::Cas(c)) = cli.provider else {
            panic!("cas expected")
        };
        assert_eq!(c.territory, Some(CasTerritory::Es));
        assert!(Cli::try_parse_from(["sessions", "--timeout", "0", "demo"]).is_err());
    }
}
