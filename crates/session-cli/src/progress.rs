//! Progress on stderr for long waits (a login behind another process's lock, a slow upstream):
//! a spinner appears after a short delay, and only when stderr is a terminal, so scripts, pipes
//! and CI logs see nothing.

use std::future::Future;
use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long a wait runs before the spinner shows.
const DELAY: Duration = Duration::from_millis(400);

/// Runs `work`; if it takes longer than a moment and stderr is a terminal, shows `message`
/// with a spinner on stderr until it finishes.
pub(crate) async fn while_waiting<T>(message: &str, work: impl Future<Output = T>) -> T {
    if !std::io::stderr().is_terminal() {
        return work.await;
    }
    tokio::pin!(work);
    tokio::select! {
        out = &mut work => return out,
        () = tokio::time::sleep(DELAY) => {}
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
        bar.set_style(style);
    }
    bar.set_message(message.to_owned());
    bar.enable_steady_tick(Duration::from_millis(120));
    let out = work.await;
    bar.finish_and_clear();
    out
}
