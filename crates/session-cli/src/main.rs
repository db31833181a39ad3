//! `sessions`: log in to CAS, Betfair, Seaware, Pagos and Matchbook from the command line, keep the session
//! alive, inspect it and log out — without ever printing a password, secret, token, ticket or
//! session id unless `--reveal` asks for the one the command created.
//!
//! ```text
//! sessions <PROVIDER> <COMMAND> [OPTIONS]      options may go anywhere on the line
//! sessions <PROVIDER> exec -- CMD ARGS...      run CMD with the session in its environment
//! sessions simulate <PROVIDER> [--port N]      serve a provider's simulator on loopback
//! sessions completions <SHELL>                 print a shell completion script
//! sessions demo
//! ```
//!
//! Credentials come from environment variables (or a hidden prompt on a terminal). `--json`
//! prints exactly one JSON object on stdout. Exit codes: 0 ok, 2 usage or configuration, 3
//! invalid credentials, 4 account restricted, 5 rate limited, 6 session rejected, 7 timeout or
//! unavailable, 8 unexpected response; `exec` exits with its child's code. See the crate README
//! for the full contract.

#![allow(
    clippy::print_stderr,
    reason = "a command-line tool reports start-up failures on stderr"
)]

mod betfair;
mod cas;
mod cli;
mod common;
#[cfg(feature = "demo")]
mod demo;
mod logging;
mod matchbook;
mod output;
mod pagos;
mod progress;
mod registry;
mod seaware;
mod simulate;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use crate::cli::{Cli, ProviderCommand, Shell};
use crate::common::Globals;

fn main() -> ExitCode {
    let argv: Vec<OsString> = std::env::args_os().collect();
    let cli = match Cli::try_parse_from(&argv) {
        Ok(cli) => cli,
        Err(e) => return usage_error(&argv, &e),
    };
    logging::init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(_) => {
            eprintln!("sessions: cannot start the async runtime");
            return ExitCode::from(7);
        }
    };
    let code = runtime.block_on(run(cli));
    // Do not wait for background tasks (simulators, timers) beyond a moment.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    ExitCode::from(code)
}

/// A command line clap refused. `--help` and `--version` print as usual; with `--json` anywhere
/// before `--`, the error is one JSON object on stdout (kind `configuration`, exit 2).
fn usage_error(argv: &[OsString], e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind as K;
    let wants_json = argv
        .iter()
        .skip(1)
        .take_while(|a| *a != "--")
        .any(|a| a == "--json");
    let informational = matches!(
        e.kind(),
        K::DisplayHelp | K::DisplayVersion | K::DisplayHelpOnMissingArgumentOrSubcommand
    );
    if !wants_json || informational {
        e.exit();
    }
    let provider = argv
        .iter()
        .skip(1)
        .filter_map(|a| a.to_str())
        .find_map(|a| registry::command_words().find(|w| *w == a));
    let rendered = e.render().to_string();
    let message = rendered
        .lines()
        .find(|l| l.starts_with("error:"))
        .unwrap_or("invalid command line");
    output::usage_error_json(provider, message.trim_start_matches("error:").trim());
    ExitCode::from(2)
}

async fn run(cli: Cli) -> u8 {
    let json = cli.json;
    let (proxy, no_proxy) = match common::proxy_from_env(cli.proxy) {
        Ok(p) => p,
        Err(e) => {
            return output::Outcome {
                provider: "sessions",
                command: String::new(),
                result: Err(e),
            }
            .emit(json);
        }
    };
    let globals = Globals {
        base_url: cli.base_url,
        insecure_loopback: cli.insecure_loopback,
        store: cli.store,
        profile: cli.profile,
        timeout: cli.timeout,
        ca_cert: cli.ca_cert,
        proxy,
        no_proxy,
    };
    let outcome = match cli.provider {
        ProviderCommand::Provider(provider) => provider.run(&globals).await,
        ProviderCommand::Demo => return run_demo(json).await,
        ProviderCommand::Simulate(args) => return simulate::run(args, json).await,
        ProviderCommand::Completions { shell } => return completions(shell),
    };
    outcome.emit(json)
}

/// `sessions completions <SHELL>`: the completion script on stdout.
fn completions(shell: Shell) -> u8 {
    use clap_complete::Shell as S;
    let shell = match shell {
        Shell::Bash => S::Bash,
        Shell::Zsh => S::Zsh,
        Shell::Fish => S::Fish,
        Shell::Powershell => S::PowerShell,
        Shell::Elvish => S::Elvish,
    };
    let mut command = Cli::command();
    clap_complete::generate(shell, &mut command, "sessions", &mut std::io::stdout());
    output::EXIT_OK
}

#[cfg(feature = "demo")]
async fn run_demo(json: bool) -> u8 {
    demo::run(json).await
}

#[cfg(not(feature = "demo"))]
async fn run_demo(json: bool) -> u8 {
    output::Outcome {
        provider: "demo",
        command: "demo".to_owned(),
        result: Err(session_core::Error::configuration(
            "demo",
            "this build has no simulators (built without the `demo` feature)",
        )),
    }
    .emit(json)
}
