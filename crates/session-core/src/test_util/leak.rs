//! The leak harness: captures everything logged through `tracing` and `log` at TRACE level and
//! checks text, errors and `Debug` output for sentinel secrets.

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::sync::{Arc, Mutex, OnceLock};

use tracing_subscriber::layer::{Layer, SubscriberExt};

/// Captured log output of the whole test process.
#[derive(Clone, Default)]
pub struct LogCapture {
    buf: Arc<Mutex<Vec<u8>>>,
}

impl fmt::Debug for LogCapture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogCapture")
            .field("bytes", &self.len())
            .finish()
    }
}

impl LogCapture {
    /// Everything captured so far.
    pub fn output(&self) -> String {
        String::from_utf8_lossy(&self.buf.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
    }

    /// Bytes captured so far.
    pub fn len(&self) -> usize {
        self.buf.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Whether nothing was captured.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Panics if any of `secrets` appears in the captured output.
    pub fn assert_clean(&self, secrets: &[impl AsRef<str>]) {
        assert_no_secret("captured logs", &self.output(), secrets);
    }

    fn push(&self, bytes: &[u8]) {
        self.buf
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(bytes);
    }
}

struct Writer(LogCapture);

impl io::Write for Writer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.push(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

struct Logger(LogCapture);

impl log::Log for Logger {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        if is_test_upstream(record.target()) {
            return;
        }
        self.0
            .push(format!("{} {} {}\n", record.level(), record.target(), record.args()).as_bytes());
    }
    fn flush(&self) {}
}

/// Log targets of test upstreams (mock servers print the requests they receive, as a real server's
/// access log would); they are the server side, not the client under test, so they are not captured.
const TEST_UPSTREAM_TARGETS: &[&str] = &["httpmock"];

fn is_test_upstream(target: &str) -> bool {
    TEST_UPSTREAM_TARGETS
        .iter()
        .any(|t| target == *t || target.starts_with(&format!("{t}::")))
}

fn upstream_filter() -> tracing_subscriber::filter::Targets {
    TEST_UPSTREAM_TARGETS.iter().fold(
        tracing_subscriber::filter::Targets::new().with_default(tracing::Level::TRACE),
        |f, t| f.with_target(*t, tracing_subscriber::filter::LevelFilter::OFF),
    )
}

/// Installs (once per process) a global `tracing` subscriber and a `log` logger, both at TRACE,
/// writing into one buffer, and returns it. Span fields are recorded too, and every span is kept
/// for [`captured_spans`]. Records from test
/// upstreams (`httpmock`'s server) are left out: they are the server's view of the request.
pub fn capture_logs() -> LogCapture {
    static CAPTURE: OnceLock<LogCapture> = OnceLock::new();
    CAPTURE
        .get_or_init(|| {
            let capture = LogCapture::default();
            let writer = capture.clone();
            let layer = tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(move || Writer(writer.clone()))
                .with_filter(upstream_filter());
            let subscriber = tracing_subscriber::registry()
                .with(layer)
                .with(SpanRecorder.with_filter(upstream_filter()));
            let _ = tracing::subscriber::set_global_default(subscriber);
            if log::set_boxed_logger(Box::new(Logger(capture.clone()))).is_ok() {
                log::set_max_level(log::LevelFilter::Trace);
            }
            capture
        })
        .clone()
}

/// Panics if any of `secrets` appears in `text`; `label` says where the text came from.
pub fn assert_no_secret(label: &str, text: &str, secrets: &[impl AsRef<str>]) {
    for secret in secrets {
        let secret = secret.as_ref();
        if secret.is_empty() {
            continue;
        }
        assert!(
            !text.contains(secret),
            "secret leaked into {label} (secret of {} chars)",
            secret.len()
        );
    }
}

/// Panics if an error's `Display`, `Debug` or any error in its `source()` chain shows a secret.
pub fn assert_error_clean(error: &(dyn StdError + 'static), secrets: &[impl AsRef<str>]) {
    let mut current: Option<&(dyn StdError + 'static)> = Some(error);
    while let Some(e) = current {
        assert_no_secret("an error's Display", &e.to_string(), secrets);
        assert_no_secret("an error's Debug", &format!("{e:?}"), secrets);
        assert_no_secret("an error's alternate Debug", &format!("{e:#?}"), secrets);
        current = e.source();
    }
}

/// Panics if a value's `Debug` (plain or alternate) shows a secret.
pub fn assert_debug_clean(value: &dyn fmt::Debug, secrets: &[impl AsRef<str>]) {
    assert_no_secret("Debug output", &format!("{value:?}"), secrets);
    assert_no_secret("alternate Debug output", &format!("{value:#?}"), secrets);
}

/// A span recorded while [`capture_logs`] was installed: its name, its parent's name and the
/// fields recorded on it so far (at creation or later), as text. Spans are kept from the moment
/// they are created, so a span that is still open (a parent of a task that lives on) is seen too.
#[derive(Clone, Debug)]
pub struct RecordedSpan {
    /// The span's name (`session.login`).
    pub name: &'static str,
    /// The parent span's name, if it had one.
    pub parent: Option<&'static str>,
    /// Every recorded field, as `(name, value)`.
    pub fields: Vec<(String, String)>,
}

impl RecordedSpan {
    /// The value recorded for `field`, if any (the latest, when it was recorded twice).
    pub fn field(&self, field: &str) -> Option<&str> {
        self.fields
            .iter()
            .rev()
            .find(|(k, _)| k == field)
            .map(|(_, v)| v.as_str())
    }
}

type SharedSpan = Arc<Mutex<RecordedSpan>>;

fn recorded_spans() -> &'static Mutex<Vec<SharedSpan>> {
    static SPANS: OnceLock<Mutex<Vec<SharedSpan>>> = OnceLock::new();
    SPANS.get_or_init(Mutex::default)
}

/// Every span created since [`capture_logs`] was first called, in the whole process, with the
/// fields recorded on it so far.
pub fn captured_spans() -> Vec<RecordedSpan> {
    recorded_spans()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .map(|s| s.lock().unwrap_or_else(|p| p.into_inner()).clone())
        .collect()
}

#[derive(Default)]
struct Fields(Vec<(String, String)>);

impl tracing::field::Visit for Fields {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn fmt::Debug) {
        self.0.push((field.name().to_owned(), format!("{value:?}")));
    }

    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.push((field.name().to_owned(), value.to_owned()));
    }
}

/// Keeps every span's name, parent and fields, updated as fields are recorded.
struct SpanRecorder;

impl<S> Layer<S> for SpanRecorder
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        id: &tracing::span::Id,
        ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        let Some(span) = ctx.span(id) else { return };
        let shared: SharedSpan = Arc::new(Mutex::new(RecordedSpan {
            name: span.name(),
            parent: span.parent().map(|p| p.name()),
            fields: fields.0,
        }));
        recorded_spans()
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(shared.clone());
        span.extensions_mut().insert(shared);
    }

    fn on_record(
        &self,
        id: &tracing::span::Id,
        values: &tracing::span::Record<'_>,
        ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        let Some(span) = ctx.span(id) else { return };
        let Some(shared) = span.extensions().get::<SharedSpan>().cloned() else {
            return;
        };
        let mut fields = Fields::default();
        values.record(&mut fields);
        shared
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .fields
            .extend(fields.0);
    }
}
