//! Diagnostics on stderr, filtered by `RUST_LOG` (`warn` when unset): `tracing` events through a
//! `tracing-subscriber` formatter, and `log` records through a small logger, so that a leak test
//! running with `RUST_LOG=trace` sees everything the libraries emit.
//!
//! The filter takes `tracing`'s target syntax (`trace`, `session_core=debug,warn`, ...).

#![allow(
    clippy::print_stderr,
    reason = "the log logger writes its records to stderr"
)]

use std::str::FromStr;

use tracing::level_filters::LevelFilter;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Installs the `tracing` subscriber and the `log` logger. Call once, first thing.
pub(crate) fn init() {
    let spec = std::env::var("RUST_LOG").unwrap_or_default();
    let targets = if spec.trim().is_empty() {
        Targets::new().with_default(LevelFilter::WARN)
    } else {
        Targets::from_str(&spec).unwrap_or_else(|_| Targets::new().with_default(LevelFilter::WARN))
    };
    let level = targets.default_level().unwrap_or(LevelFilter::WARN);
    let max = targets
        .iter()
        .map(|(_, l)| l)
        .chain(std::iter::once(level))
        .max()
        .unwrap_or(level);
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_target(true);
    let _ = tracing_subscriber::registry()
        .with(layer)
        .with(targets)
        .try_init();
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(to_log(max));
    }
}

fn to_log(level: LevelFilter) -> log::LevelFilter {
    match level {
        LevelFilter::OFF => log::LevelFilter::Off,
        LevelFilter::ERROR => log::LevelFilter::Error,
        LevelFilter::WARN => log::LevelFilter::Warn,
        LevelFilter::INFO => log::LevelFilter::Info,
        LevelFilter::DEBUG => log::LevelFilter::Debug,
        _ => log::LevelFilter::Trace,
    }
}

struct StderrLogger;

static LOGGER: StderrLogger = StderrLogger;

impl log::Log for StderrLogger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            eprintln!(
                "{:>5} {}: {}",
                record.level(),
                record.target(),
                record.args()
            );
        }
    }

    fn flush(&self) {}
}
