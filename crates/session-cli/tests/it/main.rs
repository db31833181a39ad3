//! Black-box tests of the `sessions` binary: every command of every provider against the
//! providers' simulators (started in this test process), every exit code, the `--json` shape,
//! secrets kept off stdout and stderr even with `RUST_LOG=trace`, the session file's rules,
//! and `sessions demo`.

mod betfair;
mod cas;
mod cli;
#[cfg(feature = "demo")]
mod demo;
mod exec;
mod leaks;
mod matchbook;
mod options;
mod pagos;
mod profiles;
#[cfg(feature = "demo")]
mod registry;
mod seaware;
mod shared;
#[cfg(feature = "demo")]
mod simulate;
mod store;
mod support;
