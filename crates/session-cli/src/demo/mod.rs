//! `sessions demo`: every provider's simulator started in this process, and each provider's full
//! lifecycle run through the real client code (provider + session manager): login, use,
//! renewal, rejection and transparent re-login, logout, plus a bad password and a rate-limit ban.
//!
//! Each provider gets a short table (step, result, time) on stdout; a progress line runs on
//! stderr meanwhile. The demo needs no credentials and no network beyond loopback, and exits 0
//! only if every step behaved as expected.
//!
//! Each provider gives its lifecycle and its simulator through [`Demo`], implemented in its
//! `demo/<name>.rs`; the list of providers is the table's (`crate::registry::demos`).

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "the demo prints its tables on stdout and its progress on stderr"
)]

mod betfair;
mod cas;
mod matchbook;
mod pagos;
mod seaware;

use std::future::Future;
use std::io::{IsTerminal, Write};
use std::time::Duration;

use serde_json::Value;
use session_core::{Clock, Error, ErrorKind, SystemClock};

use crate::cli::SimulateArgs;
use crate::output::{head, print_json};
use crate::simulate::Simulator;

/// A provider's part of `sessions demo` and `sessions simulate`, implemented by its marker type
/// (`crate::cas::Cas`, ...) in `demo/<name>.rs`.
pub(crate) trait Demo {
    /// Whether `sessions simulate` takes `--flavor` for this provider (CAS only).
    const TAKES_FLAVOR: bool = false;

    /// Starts the simulator `sessions simulate <name>` serves, with the test account of
    /// `--account` (see [`crate::simulate::account`]) or a built-in one.
    async fn simulate(args: &SimulateArgs) -> Result<Simulator, Error>;

    /// Runs the provider's lifecycle against its simulator, one step of `table` at a time:
    /// login, use, renewal, rejection and re-login, logout, a bad password and a ban.
    async fn lifecycle(table: &mut Table);
}

/// How long one provider's lifecycle may take before the demo gives up on it.
const PROVIDER_DEADLINE: Duration = Duration::from_secs(5);

/// How long the whole demo may take (it must finish in under 10 s).
const DEMO_DEADLINE: Duration = Duration::from_secs(9);

/// The request timeout of every demo client (the simulators answer in microseconds).
pub(crate) const REQUEST_TIMEOUT: Duration = Duration::from_secs(2);

/// What a step returns: a short description of what happened, or of what went wrong.
pub(crate) type StepResult = Result<String, String>;

/// Checks that `result` failed with `kind`; returns the description for the table.
pub(crate) fn expect_kind<T>(result: Result<T, Error>, kind: ErrorKind) -> StepResult {
    match result {
        Ok(_) => Err(format!("succeeded; expected {}", kind.as_str())),
        Err(e) if e.kind() == kind => Ok(format!("{} as expected", kind.as_str())),
        Err(e) => Err(format!(
            "{} ({e}); expected {}",
            e.kind().as_str(),
            kind.as_str()
        )),
    }
}

/// Turns a client error into a step failure.
pub(crate) fn failed(e: &Error) -> String {
    format!("{} ({e})", e.kind().as_str())
}

/// The `ban` step's check, after the simulator was told to rate-limit the next `what` (`login`,
/// `open`): the first `attempt` meets the ban, the second is refused locally, without a request
/// (the simulator's `requests` count does not move).
pub(crate) async fn expect_local_ban<T, Fut>(
    attempt: impl Fn() -> Fut,
    requests: impl Fn() -> usize,
    what: &str,
) -> StepResult
where
    Fut: Future<Output = Result<T, Error>>,
{
    let first = expect_kind(attempt().await, ErrorKind::RateLimited)?;
    let before = requests();
    expect_kind(attempt().await, ErrorKind::RateLimited)?;
    expect_count(&format!("{what}s during the ban"), requests(), before)?;
    Ok(format!("{first}; next {what} refused locally"))
}

/// The `rejection → re-login` step's check, once the simulator has forgotten every session:
/// `call` (an upstream call with the managed session, giving its lease and whether the upstream
/// accepted it) is refused, the lease is invalidated, and the next `call` logs in once more
/// (`logins` reaches 2) and is accepted. `noun` is what the session is called (`ticket`).
pub(crate) async fn expect_relogin<P, Fut>(
    manager: &session_core::SessionManager<P>,
    call: impl Fn() -> Fut,
    logins: impl Fn() -> usize,
    noun: &str,
    done: &str,
) -> StepResult
where
    P: session_core::SessionProvider,
    Fut: Future<Output = Result<(session_core::Lease<P::Session>, bool), Error>>,
{
    let (lease, accepted) = call().await.map_err(|e| failed(&e))?;
    if accepted {
        return Err(format!("a forgotten {noun} was accepted"));
    }
    manager.invalidate(&lease);
    let (_, accepted) = call().await.map_err(|e| failed(&e))?;
    if !accepted {
        return Err(format!("the new {noun} was refused"));
    }
    expect_count("logins", logins(), 2)?;
    Ok(done.to_owned())
}

/// Checks a simulator counter.
pub(crate) fn expect_count(what: &str, got: usize, want: usize) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what}: {got} requests, expected {want}"))
    }
}

struct Row {
    step: &'static str,
    result: StepResult,
    elapsed: Duration,
}

/// Runs and records one provider's steps, and shows progress.
pub(crate) struct Table {
    provider: &'static str,
    detail: String,
    rows: Vec<Row>,
    progress: Progress,
}

impl Table {
    fn new(provider: &'static str, progress: Progress) -> Self {
        Self {
            provider,
            detail: String::new(),
            rows: Vec::new(),
            progress,
        }
    }

    /// A note shown under the provider's name (for example the simulator's address).
    pub(crate) fn detail(&mut self, detail: impl Into<String>) {
        self.detail = detail.into();
    }

    /// Runs one step and records its outcome and duration.
    pub(crate) async fn step<F>(&mut self, step: &'static str, f: F) -> bool
    where
        F: Future<Output = StepResult>,
    {
        self.progress.show(self.provider, step);
        let started = SystemClock.now();
        let result = f.await;
        let elapsed = SystemClock
            .now()
            .duration_since(started)
            .unwrap_or_default();
        let ok = result.is_ok();
        self.rows.push(Row {
            step,
            result,
            elapsed,
        });
        ok
    }

    fn fail(&mut self, step: &'static str, why: String) {
        self.rows.push(Row {
            step,
            result: Err(why),
            elapsed: Duration::ZERO,
        });
    }

    fn passed(&self) -> bool {
        !self.rows.is_empty() && self.rows.iter().all(|r| r.result.is_ok())
    }

    fn print(&self) {
        let status = if self.passed() { "ok" } else { "FAILED" };
        println!("{} — {status} ({})", self.provider, self.detail);
        println!("  {:<24} {:<58} {:>8}", "step", "result", "time");
        for row in &self.rows {
            let text = match &row.result {
                Ok(s) => format!("ok: {s}"),
                Err(s) => format!("FAILED: {s}"),
            };
            println!(
                "  {:<24} {:<58} {:>8}",
                row.step,
                text,
                format_elapsed(row.elapsed)
            );
        }
        println!();
    }

    fn json(&self) -> Value {
        let steps: Vec<Value> = self
            .rows
            .iter()
            .map(|r| {
                let (ok, text) = match &r.result {
                    Ok(s) => (true, s.clone()),
                    Err(s) => (false, s.clone()),
                };
                serde_json::json!({
                    "step": r.step,
                    "ok": ok,
                    "result": text,
                    "ms": u64::try_from(r.elapsed.as_millis()).unwrap_or(u64::MAX),
                })
            })
            .collect();
        serde_json::json!({
            "provider": self.provider,
            "ok": self.passed(),
            "steps": steps,
        })
    }
}

fn format_elapsed(d: Duration) -> String {
    if d < Duration::from_millis(1) {
        format!("{} µs", d.as_micros())
    } else {
        format!("{} ms", d.as_millis())
    }
}

/// The progress line on stderr: rewritten in place on a terminal, one line per provider
/// otherwise.
#[derive(Clone, Copy)]
pub(crate) struct Progress {
    tty: bool,
    index: usize,
    total: usize,
}

impl Progress {
    fn show(&self, provider: &str, step: &str) {
        let mut err = std::io::stderr().lock();
        if self.tty {
            let _ = write!(
                err,
                "\r\x1b[2K[{}/{}] {provider}: {step} …",
                self.index, self.total
            );
            let _ = err.flush();
        }
    }

    fn start(&self, provider: &str) {
        if !self.tty {
            eprintln!("demo [{}/{}] {provider} …", self.index, self.total);
        }
    }

    fn clear(&self) {
        if self.tty {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }
}

/// A provider's lifecycle, as `crate::registry::demos` lists it.
pub(crate) type Runner =
    for<'a> fn(&'a mut Table) -> std::pin::Pin<Box<dyn Future<Output = ()> + 'a>>;

/// Runs the demo and returns the exit code (0 only if every step behaved).
pub(crate) async fn run(json: bool) -> u8 {
    let runners = crate::registry::demos();
    let tty = std::io::stderr().is_terminal();
    let started = SystemClock.now();
    let mut tables = Vec::new();
    for (i, (name, runner)) in runners.iter().enumerate() {
        let progress = Progress {
            tty,
            index: i.saturating_add(1),
            total: runners.len(),
        };
        progress.start(name);
        let mut table = Table::new(name, progress);
        let spent = SystemClock
            .now()
            .duration_since(started)
            .unwrap_or_default();
        let budget = PROVIDER_DEADLINE.min(DEMO_DEADLINE.saturating_sub(spent));
        let finished = tokio::time::timeout(budget, runner(&mut table)).await;
        if finished.is_err() {
            table.fail("deadline", format!("did not finish within {budget:?}"));
        }
        progress.clear();
        if !json {
            table.print();
        }
        tables.push(table);
    }
    let elapsed = SystemClock
        .now()
        .duration_since(started)
        .unwrap_or_default();
    let steps: usize = tables.iter().map(|t| t.rows.len()).sum();
    let good: usize = tables
        .iter()
        .map(|t| t.rows.iter().filter(|r| r.result.is_ok()).count())
        .sum();
    let ok = tables.iter().all(Table::passed);
    if json {
        let providers: Vec<Value> = tables.iter().map(Table::json).collect();
        let mut m = head(Value::from("demo"), Value::from("demo"), ok);
        m.insert("steps".to_owned(), Value::from(steps));
        m.insert("passed".to_owned(), Value::from(good));
        m.insert(
            "ms".to_owned(),
            Value::from(u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)),
        );
        m.insert("providers".to_owned(), Value::Array(providers));
        print_json(m);
    } else {
        println!(
            "demo: {good}/{steps} steps behaved as expected in {:.2} s — {}",
            elapsed.as_secs_f64(),
            if ok { "all good" } else { "SOME STEPS FAILED" }
        );
    }
    if ok { 0 } else { 1 }
}

/// A clock for one provider's run: the simulator and the client share it, starting now.
pub(crate) fn clock() -> session_core::test_util::ManualClock {
    session_core::test_util::ManualClock::at(SystemClock.now())
}

/// The client for the demo's own "use" requests (requests a real application would make with
/// the session).
pub(crate) fn app_client(name: &'static str) -> Result<session_core::http::HttpClient, Error> {
    session_core::http::HttpClient::builder(name)
        .allow_insecure_loopback(true)
        .timeout(REQUEST_TIMEOUT)
        .read_timeout(REQUEST_TIMEOUT)
        .build()
}

/// Records a failure to start a simulator.
pub(crate) fn start_failed(table: &mut Table, e: impl std::fmt::Display) {
    table.fail("start simulator", format!("{e}"));
}
