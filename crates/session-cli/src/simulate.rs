//! `sessions simulate <PROVIDER>`: serves that provider's simulator on loopback until interrupted,
//! so other tools (a Python bot, a test suite in another language, curl) can run against a
//! faithful local Betfair, CAS, Seaware or Pagos. It prints the base URL and the test
//! credentials (`--json`: one object), then serves until Ctrl-C.
//!
//! Each provider starts its own simulator ([`crate::demo::Demo::simulate`], returning a
//! [`Simulator`]); this module serves it. With `--port N` the simulator is reachable on
//! `127.0.0.1:N`: the CLI listens there and relays each connection to the simulator's own
//! loopback port.

#![allow(
    clippy::print_stdout,
    reason = "simulate prints the base URL and test credentials on stdout"
)]

#[cfg(feature = "demo")]
use serde_json::{Map, Value};
use session_core::Error;
#[cfg(feature = "demo")]
use session_core::Result;

use crate::cli::SimulateArgs;
use crate::output::{Outcome, Report};

/// Runs `sessions simulate`; returns the exit code.
pub(crate) async fn run(args: SimulateArgs, json: bool) -> u8 {
    let provider = args.provider.name();
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
pub(crate) fn account(
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

/// The error for a simulator that could not start listening.
#[cfg(feature = "demo")]
pub(crate) fn unavailable(provider: &'static str) -> impl Fn(std::io::Error) -> Error {
    move |_| {
        Error::new(
            session_core::ErrorKind::Unavailable,
            provider,
            "cannot start the simulator",
        )
    }
}

/// A started simulator and what `simulate` prints about it: its base URL, the variables (and
/// values) a client of it sets, and extra URLs (token endpoint, identity host).
#[cfg(feature = "demo")]
pub(crate) struct Simulator {
    base_url: String,
    env: Vec<(&'static str, String)>,
    urls: Vec<(&'static str, String)>,
    /// The simulator itself (and a relay), alive until `simulate` ends.
    keep: Vec<Box<dyn std::any::Any + Send>>,
}

#[cfg(feature = "demo")]
impl Simulator {
    /// A simulator serving at `base_url`, kept alive while `sessions simulate` runs.
    pub(crate) fn new(simulator: impl std::any::Any + Send, base_url: String) -> Self {
        Self {
            base_url,
            env: Vec::new(),
            urls: Vec::new(),
            keep: vec![Box::new(simulator)],
        }
    }

    /// A variable a client of the simulator sets, with its test value.
    pub(crate) fn env(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.env.push((name, value.into()));
        self
    }

    /// An extra URL (`token_url`, `identity_url`, ...).
    pub(crate) fn url(mut self, name: &'static str, url: String) -> Self {
        self.urls.push((name, url));
        self
    }

    /// The base URL.
    #[cfg(test)]
    pub(crate) fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The variables a client sets.
    #[cfg(test)]
    pub(crate) fn variables(&self) -> &[(&'static str, String)] {
        &self.env
    }
}

/// Starts `P`'s simulator with the options of `sessions simulate`.
#[cfg(feature = "demo")]
pub(crate) async fn start<P: crate::demo::Demo + crate::registry::Provider>(
    args: &SimulateArgs,
) -> Result<Simulator> {
    if args.flavor.is_some() && !P::TAKES_FLAVOR {
        return Err(Error::configuration(
            P::NAME,
            "--flavor is for the cas simulator",
        ));
    }
    P::simulate(args).await
}

#[cfg(feature = "demo")]
fn print_banner(provider: &'static str, banner: &Simulator, json: bool) {
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

    use session_core::{Error, Result};
    use tokio::net::{TcpListener, TcpStream};
    use url::Url;

    use super::print_banner;
    use crate::cli::SimulateArgs;

    pub(super) async fn serve(
        provider: &'static str,
        args: &SimulateArgs,
        json: bool,
    ) -> Result<()> {
        let mut banner = args.provider.start(args).await?;
        if let Some(port) = args.port {
            let target = port_of(&banner.base_url)
                .ok_or_else(|| Error::configuration(provider, "the simulator has no port"))?;
            let listener = TcpListener::bind(("127.0.0.1", port)).await.map_err(|_| {
                Error::configuration(provider, "cannot listen on that --port (in use?)")
            })?;
            let relay = tokio::spawn(relay(listener, target));
            banner.keep.push(Box::new(relay));
            banner.base_url = with_port(&banner.base_url, port);
            for (_, url) in &mut banner.urls {
                *url = with_port(url, port);
            }
        }
        print_banner(provider, &banner, json);
        let _ = tokio::signal::ctrl_c().await;
        drop(banner);
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
