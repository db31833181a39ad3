//! `sessions`: log in to CAS, Betfair, Seaware and Pagos from the command line, keep the session
//! alive, inspect it and log out — without ever printing a password, secret, token, ticket or
//! session id unless `--reveal` asks for the one the command created.
//!
//! ```text
//! sessions [GLOBAL OPTIONS] <PROVIDER> [PROVIDER OPTIONS] <COMMAND> [COMMAND OPTIONS]
//! sessions demo
//! ```
//!
//! Credentials come from environment variables only. `--json` prints exactly one JSON object on
//! stdout. Exit codes: 0 ok, 2 usage or configuration, 3 invalid credentials, 4 account
//! restricted, 5 rate limited, 6 session rejected, 7 timeout or unavailable, 8 unexpected
//! response. See the crate README for the full contract.

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
mod output;
mod pagos;
mod seaware;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, ProviderCommand};
use crate::common::Globals;

fn main() -> ExitCode {
    let cli = Cli::parse();
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

async fn run(cli: Cli) -> u8 {
    let json = cli.json;
    let globals = Globals {
        base_url: cli.base_url,
        insecure_loopback: cli.insecure_loopback,
        store: cli.store,
        timeout: cli.timeout,
        ca_cert: cli.ca_cert,
    };
    let outcome = match cli.provider {
        ProviderCommand::Cas(args) => cas::run(&globals, args).await,
        ProviderCommand::Betfair(args) => betfair::run(&globals, args).await,
        ProviderCommand::Seaware(args) => seaware::run(&globals, args).await,
        ProviderCommand::Pagos(args) => pagos::run(&globals, args).await,
        ProviderCommand::Demo => return run_demo(json).await,
    };
    outcome.emit(json)
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
