//! Diagnostics on stderr, filtered by `RUST_LOG` (`warn` when unset): `tracing` events through a
//! `tracing-subscriber` formatter, and `log` records (reqwest's, for example) turned into
//! `tracing` events by `tracing-log`, so `RUST_LOG=trace` prints everything in one format and a
//! leak test sees everything the libraries emit.
//!
//! The filter takes `tracing`'s target syntax (`trace`, `session_core=debug,warn`, ...).

use std::str::FromStr;

use tracing::level_filters::LevelFilter;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Installs the `tracing` subscriber and the `log` bridge. Call once, first thing.
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
    let _ = tracing_log::LogTracer::init_with_filter(to_log(max));
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
