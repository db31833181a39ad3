//! `sessions simulate <PROVIDER>`: serves that provider's simulator on loopback until interrupted,
//! so other tools (a Python bot, a test suite in another language, curl) can run against a
//! faithful local Betfair, CAS, Seaware or Pagos. It prints the base URL and the test
//! credentials (`--json`: one object), then serves until Ctrl-C.
//!
//! With `--port N` the simulator is reachable on `127.0.0.1:N`: the CLI listens there and relays
//! each connection to the simulator's own loopback port.

#![allow(
    clippy::print_stdout,
    reason = "simulate prints the base URL and test credentials on stdout"
)]

#[cfg(feature = "demo")]
use serde_json::{Map, Value};
use session_core::Error;
#[cfg(feature = "demo")]
use session_core::Result;

use crate::cli::{SimProvider, SimulateArgs};
use crate::output::{Outcome, Report};

/// Runs `sessions simulate`; returns the exit code.
pub(crate) async fn run(args: SimulateArgs, json: bool) -> u8 {
    let provider = match args.provider {
        SimProvider::Cas => "cas",
        SimProvider::Betfair => "betfair",
        SimProvider::Seaware => "seaware",
        SimProvider::Pagos => "pagos",
    };
    match imp::serve(provider, &args, json).await {
        Ok(()) => crate::output::EXIT_OK,
        Err(e) => Outcome {
            provider,
            command: "simulate".to_owned(),
            result: Err::<Report, Error>(e),
        }
        .emit(json),
    }
}

/// The `user:pass` of `--account`, or the default.
#[cfg(feature = "demo")]
fn account(
    provider: &'static str,
    given: Option<&str>,
    default: (&str, &str),
) -> Result<(String, String)> {
    match given {
        None => Ok((default.0.to_owned(), default.1.to_owned())),
        Some(s) => match s.split_once(':') {
            Some((u, p)) if !u.is_empty() && !p.is_empty() => Ok((u.to_owned(), p.to_owned())),
            _ => Err(Error::configuration(
                provider,
                "--account must be user:pass with both parts non-empty",
            )),
        },
    }
}

/// What `simulate` prints once the simulator is up.
#[cfg(feature = "demo")]
struct Banner {
    base_url: String,
    /// The variables (and values) a client of the simulator sets.
    env: Vec<(&'static str, String)>,
    /// Extra URLs (token endpoint, API base).
    urls: Vec<(&'static str, String)>,
}

#[cfg(feature = "demo")]
fn print_banner(provider: &'static str, banner: &Banner, json: bool) {
    if json {
        let mut m = crate::output::head(Value::from(provider), Value::from("simulate"), true);
        m.insert(
            "base_url".to_owned(),
            Value::String(banner.base_url.clone()),
        );
        for (k, v) in &banner.urls {
            m.insert((*k).to_owned(), Value::String(v.clone()));
        }
        let env: Map<String, Value> = banner
            .env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Value::String(v.clone())))
            .collect();
        m.insert("credentials".to_owned(), Value::Object(env));
        crate::output::print_json(m);
    } else {
        println!("{provider} simulator listening; press Ctrl-C to stop");
        println!("  {:<24} {}", "base_url", banner.base_url);
        for (k, v) in &banner.urls {
            println!("  {k:<24} {v}");
        }
        println!("test credentials (simulator only):");
        for (k, v) in &banner.env {
            println!("  export {k}={v}");
        }
    }
}

#[cfg(feature = "demo")]
mod imp {
    use std::time::Duration;

    use session_betfair::BetfairSim;
    use session_cas::{CasSim, Flavor};
    use session_core::{Error, Result};
    use session_pagos::PagosSim;
    use session_seaware::SeawareSim;
    use tokio::net::{TcpListener, TcpStream};
    use url::Url;

    use super::{Banner, account, print_banner};
    use crate::cli::{CasFlavor, SimProvider, SimulateArgs};

    const APP_KEY: &str = "sim-app-key";
    const API_KEY: &str = "sim-api-key";
    const API_SECRET: &str = "sim-api-secret";
    const PAGOS_APP: &str = "sim-application-key";
    const PAGOS_TOKEN: &str = "sim-static-token";

    fn unavailable(provider: &'static str) -> impl Fn(std::io::Error) -> Error {
        move |_| {
            Error::new(
                session_core::ErrorKind::Unavailable,
                provider,
                "cannot start the simulator",
            )
        }
    }

    pub(super) async fn serve(
        provider: &'static str,
        args: &SimulateArgs,
        json: bool,
    ) -> Result<()> {
        if args.flavor.is_some() && args.provider != SimProvider::Cas {
            return Err(Error::configuration(
                provider,
                "--flavor is for the cas simulator",
            ));
        }
        // The simulators stay alive in these bindings until the end of this function.
        let mut keep: Vec<Box<dyn std::any::Any + Send>> = Vec::new();
        let mut banner = match args.provider {
            SimProvider::Betfair => {
                let (user, pass) = account(
                    provider,
                    args.account.as_deref(),
                    ("sim_user", "sim-password"),
                )?;
                let sim = BetfairSim::builder()
                    .account(&user, &pass)
                    .app_key(APP_KEY)
                    .start()
                    .await?;
                let base = sim.api_url().trim_end_matches('/').to_owned();
                let banner = Banner {
                    base_url: base,
                    env: vec![
                        ("BETFAIR_APP_KEY", APP_KEY.to_owned()),
                        ("BETFAIR_USERNAME", user),
                        ("BETFAIR_PASSWORD", pass),
                    ],
                    urls: vec![("identity_url", sim.identity_url())],
                };
                keep.push(Box::new(sim));
                banner
            }
            SimProvider::Cas => {
                let flavor = match args.flavor {
                    Some(CasFlavor::Apereo) => Flavor::Apereo,
                    _ => Flavor::WhApi,
                };
                let (user, pass) = account(
                    provider,
                    args.account.as_deref(),
                    ("sim_user", "sim-password"),
                )?;
                let sim = CasSim::builder(flavor)
                    .user(&user, &pass)
                    .api_credentials(API_KEY, API_SECRET)
                    .start()
                    .await
                    .map_err(unavailable(provider))?;
                let mut env = vec![("CAS_USERNAME", user), ("CAS_PASSWORD", pass)];
                if flavor == Flavor::WhApi {
                    env.push(("CAS_API_KEY", API_KEY.to_owned()));
                    env.push(("CAS_API_SECRET", API_SECRET.to_owned()));
                }
                let banner = Banner {
                    base_url: sim.base_url(),
                    env,
                    urls: Vec::new(),
                };
                keep.push(Box::new(sim));
                banner
            }
            SimProvider::Seaware => {
                let (user, pass) = account(
                    provider,
                    args.account.as_deref(),
                    ("sim_agent", "sim-password"),
                )?;
                let sim = SeawareSim::builder()
                    .user(user.clone(), pass.clone())
                    .start()
                    .await
                    .map_err(unavailable(provider))?;
                let banner = Banner {
                    base_url: sim.base_url(),
                    env: vec![
                        ("SEAWARE_USERNAME", user),
                        ("SEAWARE_PASSWORD", pass),
                        (
                            "SEAWARE_CLIENT_ID",
                            session_seaware::DEFAULT_CLIENT_ID.to_owned(),
                        ),
                        (
                            "SEAWARE_CLIENT_SECRET",
                            session_seaware::DEFAULT_CLIENT_SECRET.to_owned(),
                        ),
                    ],
                    urls: Vec::new(),
                };
                keep.push(Box::new(sim));
                banner
            }
            SimProvider::Pagos => {
                let (id, secret) = account(
                    provider,
                    args.account.as_deref(),
                    ("sim-client", "sim-client-secret"),
                )?;
                let sim = PagosSim::builder()
                    .client(id.clone(), secret.clone())
                    .application(PAGOS_APP)
                    .static_token(PAGOS_TOKEN)
                    .start()
                    .await
                    .map_err(unavailable(provider))?;
                let banner = Banner {
                    base_url: sim.base_url(),
                    env: vec![
                        ("PAGOS_APPLICATION_KEY", PAGOS_APP.to_owned()),
                        ("PAGOS_TOKEN", PAGOS_TOKEN.to_owned()),
                        ("PAGOS_CLIENT_ID", id),
                        ("PAGOS_CLIENT_SECRET", secret),
                    ],
                    urls: vec![("token_url", sim.token_url())],
                };
                keep.push(Box::new(sim));
                banner
            }
        };
        if let Some(port) = args.port {
            let target = port_of(&banner.base_url)
                .ok_or_else(|| Error::configuration(provider, "the simulator has no port"))?;
            let listener = TcpListener::bind(("127.0.0.1", port)).await.map_err(|_| {
                Error::configuration(provider, "cannot listen on that --port (in use?)")
            })?;
            let relay = tokio::spawn(relay(listener, target));
            keep.push(Box::new(relay));
            banner.base_url = with_port(&banner.base_url, port);
            for (_, url) in &mut banner.urls {
                *url = with_port(url, port);
            }
        }
        print_banner(provider, &banner, json);
        let _ = tokio::signal::ctrl_c().await;
        drop(keep);
        // Let open connections see the simulator go.
        tokio::time::sleep(Duration::from_millis(10)).await;
        Ok(())
    }

    fn port_of(url: &str) -> Option<u16> {
        Url::parse(url).ok()?.port_or_known_default()
    }

    fn with_port(url: &str, port: u16) -> String {
        match Url::parse(url) {
            Ok(mut u) => {
                let trailing = url.ends_with('/');
                let _ = u.set_port(Some(port));
                let s = u.to_string();
                if trailing || !s.ends_with('/') {
                    s
                } else {
                    s.trim_end_matches('/').to_owned()
                }
            }
            Err(_) => url.to_owned(),
        }
    }

    /// Relays every connection on `listener` to the simulator on `127.0.0.1:target`.
    async fn relay(listener: TcpListener, target: u16) {
        while let Ok((mut inbound, _)) = listener.accept().await {
            tokio::spawn(async move {
                if let Ok(mut outbound) = TcpStream::connect(("127.0.0.1", target)).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    }
}

#[cfg(not(feature = "demo"))]
mod imp {
    use session_core::{Error, Result};

    use crate::cli::SimulateArgs;

    pub(super) async fn serve(
        provider: &'static str,
        _args: &SimulateArgs,
        _json: bool,
    ) -> Result<()> {
        Err(Error::configuration(
            provider,
            "this build has no simulators (built without the `demo` feature)",
        ))
    }
}

#[cfg(all(test, feature = "demo"))]
mod tests {
    use super::*;

    #[test]
    fn accounts_are_user_colon_pass() {
        assert_eq!(
            account("cas", Some("alice:s3:cret"), ("u", "p")).unwrap(),
            ("alice".to_owned(), "s3:cret".to_owned())
        );
        assert_eq!(
            account("cas", None, ("u", "p")).unwrap(),
            ("u".to_owned(), "p".to_owned())
        );
        for bad in ["alice", ":pw", "alice:", ""] {
            assert!(account("cas", Some(bad), ("u", "p")).is_err(), "{bad:?}");
        }
    }
}
