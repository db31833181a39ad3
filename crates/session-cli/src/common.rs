//! What every provider's commands share: the global options, credentials from the environment,
//! where the session is stored (`--store` or `--profile`), the options stored with a session, and
//! the session itself — always obtained through session-core's [`SessionManager`] on a
//! [`FileStore`], so the CLI has exactly the library's login, renewal, ban and store behaviour.
//!
//! Concurrent `sessions` processes on one store therefore share one login: the manager takes the
//! store's login lock, and a process that waited for it adopts the session the first one stored.

use std::ffi::OsString;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use serde_json::{Map, Value};
use session_core::http::HttpResponse;
use session_core::{
    Clock, Error, ErrorKind, Event, Expiry, FileStore, Lease, PersistedSession, RenewPolicy,
    Renewal, Result, SecretState, Session, SessionManager, SessionProvider, SessionStore,
    StoredRecord, SystemClock, from_unix_seconds, unix_seconds,
};

use crate::output::Report;
use crate::progress;

/// The longest rate-limit ban the CLI records from an upstream's `Retry-After`: an absurd value
/// (for example `9223372036854775807` seconds) is clamped to this and still recorded.
pub(crate) const MAX_BAN: Duration = Duration::from_secs(24 * 60 * 60);

/// The global options, checked.
#[derive(Debug, Default)]
pub(crate) struct Globals {
    /// `--base-url`.
    pub(crate) base_url: Option<String>,
    /// `--insecure-loopback`.
    pub(crate) insecure_loopback: bool,
    /// `--store`.
    pub(crate) store: Option<PathBuf>,
    /// `--profile`.
    pub(crate) profile: Option<String>,
    /// `--timeout`.
    pub(crate) timeout: Duration,
    /// `--ca-cert`.
    pub(crate) ca_cert: Option<PathBuf>,
    /// `--proxy`, else `HTTPS_PROXY` or `ALL_PROXY` (either case).
    pub(crate) proxy: Option<String>,
    /// `NO_PROXY` (either case): hosts reached directly although a proxy is set.
    pub(crate) no_proxy: Option<String>,
}

/// The proxy settings of the environment, as curl and most tools read them: `HTTPS_PROXY`, then
/// `ALL_PROXY`, each in upper or lower case; `NO_PROXY` likewise. Empty values are unset.
/// A variable that is not valid UTF-8 is a configuration error naming it.
pub(crate) fn proxy_from_env(flag: Option<String>) -> Result<(Option<String>, Option<String>)> {
    let var = |names: &[&'static str]| -> Result<Option<String>> {
        for name in names {
            if let Some(v) = env_opt("sessions", name)? {
                return Ok(Some(v));
            }
        }
        Ok(None)
    };
    let proxy = match flag {
        Some(p) => Some(p),
        None => var(&["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"])?,
    };
    Ok((proxy, var(&["NO_PROXY", "no_proxy"])?))
}

/// Applies the proxy settings in [`Globals`] to a provider builder (every builder has `proxy`
/// and `no_proxy` from `session_core::http_option_methods!`).
macro_rules! with_proxy {
    ($globals:expr, $builder:expr) => {{
        let mut builder = $builder;
        if let Some(proxy) = $globals.proxy.as_deref() {
            builder = builder.proxy(proxy);
        }
        if let Some(hosts) = $globals.no_proxy.as_deref() {
            builder = builder.no_proxy(hosts);
        }
        builder
    }};
}
pub(crate) use with_proxy;

impl Globals {
    /// The current time.
    pub(crate) fn now(&self) -> SystemTime {
        SystemClock.now()
    }

    /// The `--ca-cert` file's contents, if given. The file is checked by the provider's builder.
    pub(crate) fn ca_pem(&self, provider: &'static str) -> Result<Option<Vec<u8>>> {
        match &self.ca_cert {
            None => Ok(None),
            Some(path) => std::fs::read(path)
                .map(Some)
                .map_err(|_| Error::configuration(provider, "cannot read the --ca-cert file")),
        }
    }

    /// The base URL: `--base-url`, else `default`, else a configuration error. The URL is checked
    /// here (https, or http to a loopback host with `--insecure-loopback`) before anything else.
    pub(crate) fn base_url(&self, provider: &'static str, default: Option<&str>) -> Result<String> {
        let url = match (&self.base_url, default) {
            (Some(url), _) => url.clone(),
            (None, Some(d)) => d.to_owned(),
            (None, None) => {
                return Err(Error::configuration(
                    provider,
                    "--base-url is required for this provider",
                ));
            }
        };
        self.check_url(provider, &url)?;
        Ok(url)
    }

    /// Checks a URL against the transport rules.
    pub(crate) fn check_url(&self, provider: &'static str, url: &str) -> Result<()> {
        session_core::http::parse_base_url(provider, url, self.insecure_loopback).map(|_| ())
    }

    /// Where this provider's session is kept: `--store PATH`, or the `--profile` file under the
    /// state folder, or nowhere. With `create`, the profile folders are created (mode 0700) and
    /// the folder of a `--store` file must exist.
    pub(crate) fn store(&self, provider: &'static str, create: bool) -> Result<Option<FileStore>> {
        if let Some(path) = &self.store {
            if create {
                let folder = match path.parent() {
                    Some(p) if !p.as_os_str().is_empty() => p,
                    _ => Path::new("."),
                };
                if !folder.is_dir() {
                    return Err(Error::configuration(
                        provider,
                        "the folder of the --store file does not exist",
                    ));
                }
            }
            return Ok(Some(FileStore::new(path)));
        }
        let Some(name) = &self.profile else {
            return Ok(None);
        };
        check_profile_name(provider, name)?;
        let folder = profile_folder(provider)?;
        if create {
            create_private_dirs(&folder)
                .map_err(|_| Error::configuration(provider, "cannot create the profile folder"))?;
        }
        Ok(Some(FileStore::new(folder.join(format!("{name}.json")))))
    }

    /// The store, required by commands that use a stored session.
    pub(crate) fn required_store(&self, provider: &'static str) -> Result<FileStore> {
        self.store(provider, false)?.ok_or_else(|| {
            Error::configuration(
                provider,
                "--store or --profile is required for this command",
            )
            .with_code("NO_STORE")
        })
    }
}

/// The state folder: `$XDG_STATE_HOME` (when absolute), else `$HOME/.local/state`.
pub(crate) fn state_home() -> Option<PathBuf> {
    let absolute = |v: OsString| Some(PathBuf::from(v)).filter(|p| p.is_absolute());
    std::env::var_os("XDG_STATE_HOME")
        .and_then(absolute)
        .or_else(|| {
            std::env::var_os("HOME")
                .and_then(absolute)
                .map(|h| h.join(".local").join("state"))
        })
}

/// The folder of a provider's profiles: `<state>/sessions/<provider>`.
pub(crate) fn profile_folder(provider: &'static str) -> Result<PathBuf> {
    state_home()
        .map(|s| s.join("sessions").join(provider))
        .ok_or_else(|| {
            Error::configuration(
                provider,
                "--profile needs XDG_STATE_HOME or HOME to be set to an absolute path",
            )
        })
}

/// A profile name is 1 to 64 characters of `A-Z a-z 0-9 . _ -`, not starting with a dot: it
/// becomes a file name, so it can never name another folder.
fn check_profile_name(provider: &'static str, name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(Error::configuration(
            provider,
            "a --profile name is 1 to 64 letters, digits, '.', '_' or '-', not starting with '.'",
        ))
    }
}

/// Creates `folder` and its missing parents with mode 0700.
fn create_private_dirs(folder: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(folder)
}

/// An environment variable: `None` when unset or empty, an error naming it (never its value)
/// when it is not valid UTF-8.
pub(crate) fn env_opt(provider: &'static str, name: &'static str) -> Result<Option<String>> {
    env_value(provider, name, std::env::var_os(name))
}

/// [`env_opt`] on a given value (for tests with non-UTF-8 bytes).
pub(crate) fn env_value(
    provider: &'static str,
    name: &'static str,
    value: Option<OsString>,
) -> Result<Option<String>> {
    match value {
        None => Ok(None),
        Some(v) => match v.into_string() {
            Ok(s) if s.is_empty() => Ok(None),
            Ok(s) => Ok(Some(s)),
            Err(_) => Err(Error::configuration(
                provider,
                format!("environment variable {name} is not valid UTF-8"),
            )),
        },
    }
}

/// A credential variable. When it is missing and both stdin and stderr are terminals, it is
/// asked for without echo; otherwise (CI, pipes, tests) a missing variable is a configuration
/// error naming it.
pub(crate) fn env_required(provider: &'static str, name: &'static str) -> Result<String> {
    let missing =
        || Error::configuration(provider, format!("environment variable {name} is not set"));
    match env_opt(provider, name)? {
        Some(v) => Ok(v),
        None if std::io::stdin().is_terminal() && std::io::stderr().is_terminal() => {
            let answer = rpassword::prompt_password(format!("{provider}: {name}: "))
                .map_err(|_| missing())?;
            if answer.is_empty() {
                Err(missing())
            } else {
                Ok(answer)
            }
        }
        None => Err(missing()),
    }
}

/// An option that shapes the session (`--params`, `--jurisdiction`, ...), as a command got it.
pub(crate) struct OptionSpec {
    /// The option's name in the store and in messages (`params` for `--params`).
    pub(crate) name: &'static str,
    /// The value given on this command line (or by its environment variable), if any.
    pub(crate) given: Option<String>,
    /// The value when neither the command nor a stored session gives one.
    pub(crate) default: Option<&'static str>,
    /// Whether the value is secret (it is then never named in messages).
    pub(crate) secret: bool,
}

impl OptionSpec {
    /// A non-secret option.
    pub(crate) fn new(
        name: &'static str,
        given: Option<String>,
        default: Option<&'static str>,
    ) -> Self {
        Self {
            name,
            given,
            default,
            secret: false,
        }
    }

    /// A secret option.
    pub(crate) fn secret(name: &'static str, given: Option<String>) -> Self {
        Self {
            name,
            given,
            default: None,
            secret: true,
        }
    }
}

/// The options stored with a session, resolved for one command.
#[derive(Clone, Debug, Default)]
pub(crate) struct SessionOptions(Map<String, Value>);

impl SessionOptions {
    /// Resolves each option: the value given on the command line, else the stored session's, else
    /// the default. A given value that differs from the stored session's is a configuration error
    /// (exit 2), never a silent switch.
    pub(crate) fn resolve(
        provider: &'static str,
        stored: Option<&Map<String, Value>>,
        specs: Vec<OptionSpec>,
    ) -> Result<Self> {
        let mut out = Map::new();
        for spec in specs {
            let kept = stored
                .and_then(|m| m.get(spec.name))
                .map(|v| v.as_str().map(str::to_owned));
            let value = match (spec.given, kept) {
                (Some(given), Some(kept)) if kept.as_deref() != Some(given.as_str()) => {
                    let message = if spec.secret {
                        format!(
                            "--{} differs from the one the stored session was made with; log out first or use another --profile",
                            spec.name.replace('_', "-")
                        )
                    } else {
                        format!(
                            "--{} {given} conflicts with the stored session's {}; log out first or use another --profile",
                            spec.name.replace('_', "-"),
                            kept.as_deref().unwrap_or("(none)")
                        )
                    };
                    return Err(
                        Error::configuration(provider, message).with_code("OPTION_CONFLICT")
                    );
                }
                (Some(given), _) => Some(given),
                (None, Some(kept)) => kept,
                (None, None) => spec.default.map(str::to_owned),
            };
            out.insert(
                spec.name.to_owned(),
                value.map_or(Value::Null, Value::String),
            );
        }
        Ok(Self(out))
    }

    /// An option's value.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).and_then(Value::as_str)
    }
}

/// The state the CLI stores: the provider's own state, the session's options and its login time,
/// so later commands reuse the options and `status` reports the age since the login.
const WRAP: &str = "sessions_cli";

struct Unwrapped {
    state: SecretState,
    options: Option<Map<String, Value>>,
    logged_in_at: Option<SystemTime>,
}

fn unwrap_state(state: &SecretState) -> Unwrapped {
    let plain = || Unwrapped {
        state: state.clone(),
        options: None,
        logged_in_at: None,
    };
    let Ok(Value::Object(mut v)) = serde_json::from_str::<Value>(state.expose_secret()) else {
        return plain();
    };
    if !v.contains_key(WRAP) {
        return plain();
    }
    let Some(Value::String(inner)) = v.remove("state") else {
        return plain();
    };
    Unwrapped {
        state: SecretState::new(inner),
        options: match v.remove("options") {
            Some(Value::Object(m)) => Some(m),
            _ => None,
        },
        logged_in_at: v
            .get("logged_in_at")
            .and_then(Value::as_i64)
            .map(from_unix_seconds),
    }
}

/// The options a stored record's session was made with, if it has any.
pub(crate) fn stored_options(record: Option<&StoredRecord>) -> Option<Map<String, Value>> {
    unwrap_state(&record?.session.as_ref()?.state).options
}

/// A provider's session with the time of the login that created it.
pub(crate) struct CliSession<S> {
    /// The provider's session.
    pub(crate) inner: S,
    /// When the login happened (`None` for a session stored by an older version).
    pub(crate) logged_in_at: Option<SystemTime>,
}

impl<S: Session> Session for CliSession<S> {
    fn expiry(&self) -> Expiry {
        self.inner.expiry()
    }

    fn authenticate(&self, headers: &mut http::HeaderMap) {
        self.inner.authenticate(headers);
    }
}

/// A provider as the CLI runs it: the provider itself, with the session's options and login time
/// added to what it stores, absurd rate-limit windows clamped to [`MAX_BAN`], and logins refused
/// (with a given error) for commands that must not log in.
pub(crate) struct CliProvider<P> {
    inner: P,
    options: SessionOptions,
    refusal: Option<Error>,
    /// The last rejection a renewal reported (Betfair's `NO_SESSION`, ...): a refused login after
    /// it reports that rejection rather than a generic one.
    rejection: std::sync::Mutex<Option<Error>>,
}

impl<P> CliProvider<P> {
    /// The provider itself.
    pub(crate) fn inner(&self) -> &P {
        &self.inner
    }
}

fn clamp_ban(e: Error) -> Error {
    match e.retry_after() {
        Some(after) if after > MAX_BAN => e.with_retry_after(MAX_BAN),
        _ => e,
    }
}

#[async_trait]
impl<P: SessionProvider> SessionProvider for CliProvider<P> {
    type Session = CliSession<P::Session>;

    fn name(&self) -> &'static str {
        self.inner.name()
    }

    async fn login(&self) -> Result<Self::Session> {
        if let Some(e) = &self.refusal {
            let rejection = self
                .rejection
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone();
            return Err(rejection.unwrap_or_else(|| e.clone()));
        }
        let inner = self.inner.login().await.map_err(clamp_ban)?;
        Ok(CliSession {
            inner,
            logged_in_at: Some(SystemClock.now()),
        })
    }

    async fn renew(&self, session: &Self::Session) -> Result<Renewal<Self::Session>> {
        let renewed = self.inner.renew(&session.inner).await.map_err(clamp_ban);
        if let Err(e) = &renewed
            && e.kind() == ErrorKind::SessionRejected
        {
            *self.rejection.lock().unwrap_or_else(|p| p.into_inner()) = Some(e.clone());
        }
        Ok(match renewed? {
            Renewal::Renewed(inner) => Renewal::Renewed(CliSession {
                inner,
                logged_in_at: session.logged_in_at,
            }),
            Renewal::Extended(e) => Renewal::Extended(e),
            // Unsupported, or a kind of renewal this tool does not know.
            _ => Renewal::Unsupported,
        })
    }

    async fn logout(&self, session: &Self::Session) -> Result<()> {
        self.inner.logout(&session.inner).await
    }

    fn policy(&self) -> RenewPolicy {
        self.inner.policy()
    }

    fn store_key(&self) -> String {
        self.inner.store_key()
    }

    fn persist(&self, session: &Self::Session) -> Option<PersistedSession> {
        let p = self.inner.persist(&session.inner)?;
        let state = serde_json::json!({
            WRAP: 1,
            "options": self.options.0,
            "logged_in_at": session.logged_in_at.map(unix_seconds),
            "state": p.state.expose_secret(),
        });
        Some(PersistedSession::new(
            SecretState::new(state.to_string()),
            p.expires_at,
        ))
    }

    fn restore(&self, persisted: &PersistedSession) -> Result<Self::Session> {
        let u = unwrap_state(&persisted.state);
        let inner = self
            .inner
            .restore(&PersistedSession::new(u.state, persisted.expires_at))?;
        Ok(CliSession {
            inner,
            logged_in_at: u.logged_in_at,
        })
    }

    fn validate_restored(&self) -> bool {
        self.inner.validate_restored()
    }

    fn is_rejection(&self, response: &HttpResponse) -> bool {
        self.inner.is_rejection(response)
    }
}

/// How long the lock taken to write back a used session lives if the process dies meanwhile.
const STORE_LOCK_TTL: Duration = Duration::from_secs(30);

/// The command's [`FileStore`] as the manager sees it: deletes go through only while the CLI
/// allows them (`logout`). A session the upstream rejected therefore stays in the file, and every
/// later command reports the rejection the same way until `login` replaces it or `logout` removes
/// it — instead of depending on whether the manager's background delete ran before the process
/// exited.
struct CliStore {
    file: FileStore,
    deletes: std::sync::atomic::AtomicBool,
}

#[async_trait]
impl SessionStore for CliStore {
    async fn load(&self, key: &str) -> Result<Option<StoredRecord>> {
        self.file.load(key).await
    }

    async fn save(&self, key: &str, record: &StoredRecord, fence: u64) -> Result<bool> {
        self.file.save(key, record, fence).await
    }

    async fn delete(&self, key: &str, generation: Option<u64>) -> Result<()> {
        if self.deletes.load(std::sync::atomic::Ordering::Acquire) {
            self.file.delete(key, generation).await
        } else {
            Ok(())
        }
    }

    async fn lock(&self, key: &str, ttl: Duration) -> Result<Box<dyn session_core::StoreLock>> {
        self.file.lock(key, ttl).await
    }
}

/// Whether a command may log in when there is no usable stored session.
pub(crate) enum LoginRule {
    /// It may (`login`, `exec`, a Seaware `refresh` falling back to a login).
    Allowed,
    /// It may not; this error is reported instead.
    Refused(Error),
}

/// The error for a command that needs a live stored session and found none it could use.
pub(crate) fn needs_login(provider: &'static str) -> Error {
    Error::new(
        ErrorKind::SessionRejected,
        provider,
        "the stored session is no longer accepted; log in again",
    )
}

fn no_session(provider: &'static str) -> Error {
    Error::configuration(
        provider,
        "no stored session; log in with --store or --profile first",
    )
    .with_code("NO_SESSION")
}

/// Which store a command resolved and what it held, before the provider is built: the provider
/// depends on the options stored with the session.
pub(crate) struct Prepared {
    /// The store, if any.
    pub(crate) store: Option<FileStore>,
    /// The record it held.
    pub(crate) record: Option<StoredRecord>,
    /// The session's options, resolved.
    pub(crate) options: SessionOptions,
}

/// Resolves the store (`create` for commands that write a new session) and the session's options.
pub(crate) async fn prepare(
    globals: &Globals,
    provider: &'static str,
    create: bool,
    specs: Vec<OptionSpec>,
) -> Result<Prepared> {
    let store = globals.store(provider, create)?;
    let record = match &store {
        Some(s) => s.load("").await?,
        None => None,
    };
    let same = record.as_ref().filter(|r| r.provider == provider);
    let options = SessionOptions::resolve(provider, stored_options(same).as_ref(), specs)?;
    Ok(Prepared {
        store,
        record,
        options,
    })
}

/// One account's session, run by a [`SessionManager`] on the command's store.
pub(crate) struct Account<P: SessionProvider> {
    name: &'static str,
    manager: SessionManager<CliProvider<P>>,
    cli_store: Option<std::sync::Arc<CliStore>>,
    store: Option<FileStore>,
    record: Option<StoredRecord>,
    /// An upstream code for a ban the manager refuses locally (Betfair's
    /// `TEMPORARY_BAN_TOO_MANY_REQUESTS`), so the local refusal reads like the upstream's.
    ban_code: Option<&'static str>,
}

/// Whether `events` include a new login (not a session adopted from the store).
fn logged_in(events: &[Event]) -> bool {
    events.iter().any(|e| {
        matches!(
            e,
            Event::Acquired {
                restored: false,
                ..
            }
        )
    })
}

/// How a session was obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Obtained {
    /// Adopted from the store.
    Reused,
    /// By a new login.
    LoggedIn,
    /// By a renewal.
    Renewed,
}

impl<P: SessionProvider> Account<P> {
    /// The account for `provider`, managed on the prepared store.
    pub(crate) fn new(prepared: Prepared, provider: P, rule: LoginRule) -> Self {
        let name = provider.name();
        let cli = CliProvider {
            inner: provider,
            options: prepared.options,
            refusal: match rule {
                LoginRule::Allowed => None,
                LoginRule::Refused(e) => Some(e),
            },
            rejection: std::sync::Mutex::new(None),
        };
        let store = prepared.store.as_ref().map(|file| {
            std::sync::Arc::new(CliStore {
                file: file.clone(),
                deletes: std::sync::atomic::AtomicBool::new(false),
            })
        });
        let mut builder = SessionManager::builder(cli)
            // Waiting for another process's login is part of this command.
            .store_timeout(Duration::from_secs(30))
            .lock_ttl(Duration::from_secs(60));
        if let Some(store) = &store {
            builder = builder.store(store.clone());
        }
        Self {
            name,
            manager: builder.build(),
            cli_store: store,
            store: prepared.store,
            record: prepared.record,
            ban_code: None,
        }
    }

    /// Names the upstream code of a rate-limit ban, added to the manager's local refusals.
    pub(crate) fn ban_code(mut self, code: &'static str) -> Self {
        self.ban_code = Some(code);
        self
    }

    /// The provider.
    pub(crate) fn provider(&self) -> std::sync::Arc<CliProvider<P>> {
        self.manager.provider()
    }

    /// Whether a store is used.
    pub(crate) fn has_store(&self) -> bool {
        self.store.is_some()
    }

    fn fix(&self, e: Error) -> Error {
        match self.ban_code {
            Some(code) if e.kind() == ErrorKind::RateLimited && e.code().is_none() => {
                e.with_code(code)
            }
            _ => e,
        }
    }

    /// Runs `f` on the manager, watching its events; shows progress on a terminal if it takes a
    /// while (waiting for another process's login, a slow upstream).
    async fn watched<F, Fut, T>(&self, what: &str, f: F) -> Result<(T, Vec<Event>)>
    where
        F: FnOnce(SessionManager<CliProvider<P>>) -> Fut,
        Fut: std::future::Future<Output = Result<T>>,
    {
        let mut events = self.manager.subscribe();
        let result =
            progress::while_waiting(&format!("{}: {what}", self.name), f(self.manager.clone()))
                .await
                .map_err(|e| self.fix(e))?;
        let mut seen = Vec::new();
        while let Ok(e) = events.try_recv() {
            seen.push(e);
        }
        Ok((result, seen))
    }

    /// `login`: a live stored session of this account is reused; otherwise one login, shared with
    /// concurrent processes on the same store. A stored session of another account or provider
    /// is replaced, as a login always replaced the file.
    pub(crate) async fn login(&self) -> Result<(Lease<CliSession<P::Session>>, Obtained)> {
        if let (Some(store), Some(record)) = (&self.store, &self.record) {
            let key = self.provider().store_key();
            if record.key != key || record.provider != self.name {
                store.delete(&record.key, None).await?;
            }
        }
        let (lease, events) = self
            .watched("logging in", |m| async move { m.get().await })
            .await?;
        let obtained = if logged_in(&events) {
            Obtained::LoggedIn
        } else {
            Obtained::Reused
        };
        Ok((lease, obtained))
    }

    /// The stored record, checked to hold a session of this provider.
    fn stored_record(&self) -> Result<&StoredRecord> {
        if self.store.is_none() {
            return Err(Error::configuration(
                self.name,
                "--store or --profile is required for this command",
            )
            .with_code("NO_STORE"));
        }
        let record = self.record.as_ref().ok_or_else(|| no_session(self.name))?;
        if record.provider != self.name {
            return Err(Error::configuration(
                self.name,
                "the stored session belongs to another provider",
            ));
        }
        if record.key != self.provider().store_key() {
            return Err(Error::configuration(
                self.name,
                "the stored session belongs to another account or server",
            ));
        }
        if record.session.is_none() {
            return Err(no_session(self.name));
        }
        Ok(record)
    }

    /// The live stored session (checked upstream first where the provider asks for that).
    pub(crate) async fn session(&self) -> Result<Lease<CliSession<P::Session>>> {
        self.stored_record()?;
        let (lease, _) = self
            .watched("loading the session", |m| async move { m.get().await })
            .await?;
        Ok(lease)
    }

    /// Renews the stored session now: keepAlive, refresh or revalidation. A session the provider
    /// already checked while loading it (Betfair's keepAlive) is not renewed twice. A refused
    /// renewal logs in again when the command's [`LoginRule`] allows it.
    pub(crate) async fn renew(&self) -> Result<(Lease<CliSession<P::Session>>, Obtained)> {
        self.stored_record()?;
        let (lease, events) = self
            .watched("loading the session", |m| async move { m.get().await })
            .await?;
        if logged_in(&events) {
            return Ok((lease, Obtained::LoggedIn));
        }
        if self.provider().validate_restored() {
            return Ok((lease, Obtained::Renewed));
        }
        let (lease, events) = self
            .watched("renewing", |m| async move { m.refresh().await })
            .await?;
        if logged_in(&events) {
            return Ok((lease, Obtained::LoggedIn));
        }
        if events.iter().any(|e| matches!(e, Event::Renewed { .. })) {
            return Ok((lease, Obtained::Renewed));
        }
        // The provider cannot renew (and the manager handed back the stored session): renewing
        // means one new login.
        self.manager.invalidate(&lease);
        let (lease, _) = self
            .watched("logging in", |m| async move { m.get().await })
            .await?;
        Ok((lease, Obtained::LoggedIn))
    }

    /// Writes back a session whose deadline moved by use (a CAS ticket's idle deadline), in place
    /// of the stored one (same generation).
    pub(crate) async fn save_used(&self, lease: &Lease<CliSession<P::Session>>) -> Result<()> {
        let Some(store) = &self.store else {
            return Ok(());
        };
        let Some(session) = self.provider().persist(lease.session()) else {
            return Ok(());
        };
        let record = StoredRecord::new(
            self.provider().store_key(),
            self.name,
            lease.generation(),
            Some(session),
            None,
        );
        // Writes are fenced: take the lock for a generation the store accepts, as the manager
        // does.
        let lock = store.lock(&record.key, STORE_LOCK_TTL).await?;
        let saved = store.save(&record.key, &record, lock.generation()).await;
        let released = lock.release().await;
        saved.and(released)
    }

    /// `logout`: ends the stored session upstream and deletes it. Nothing stored, or a session
    /// already expired, is success with `ended: false`. A ban-only record (the manager stores a
    /// ban without a session) stays, so the ban stays remembered.
    pub(crate) async fn logout(&self, now: SystemTime) -> Result<Report> {
        let store = match &self.store {
            Some(s) => s,
            None => {
                return Err(Error::configuration(
                    self.name,
                    "--store or --profile is required for this command",
                )
                .with_code("NO_STORE"));
            }
        };
        let Some(record) = self.record.as_ref().filter(|r| r.session.is_some()) else {
            return Ok(Report::new().field("ended", false));
        };
        self.stored_record()?;
        let expired = record
            .session
            .as_ref()
            .and_then(|s| s.expires_at)
            .is_some_and(|t| t <= now);
        if expired {
            store.delete(&record.key, Some(record.generation)).await?;
            return Ok(Report::new().field("ended", false));
        }
        let adopted = self.manager.get().await.map_err(|e| self.fix(e));
        match adopted {
            Ok(_) => {
                self.allow_deletes();
                self.manager.logout().await?;
                Ok(Report::new().field("ended", true))
            }
            // The upstream already forgot it: nothing left to end.
            Err(e) if e.kind() == ErrorKind::SessionRejected => {
                store.delete(&record.key, None).await?;
                Ok(Report::new().field("ended", false))
            }
            Err(e) => Err(e),
        }
    }

    fn allow_deletes(&self) {
        if let Some(s) = &self.cli_store {
            s.deletes.store(true, std::sync::atomic::Ordering::Release);
        }
    }

    /// Logs the session out when no store keeps it (after `exec` without a store).
    pub(crate) async fn end_unstored(&self) -> Result<()> {
        if self.store.is_none() {
            self.manager.logout().await?;
        }
        Ok(())
    }

    /// Starts renewing the session in the background (while `exec`'s child runs).
    pub(crate) fn keep_alive(&self) -> session_core::KeepAlive {
        self.manager.spawn_keep_alive()
    }
}

/// `status`: the stored session's expiry and age, without any network call.
pub(crate) async fn status(globals: &Globals, provider: &'static str) -> Result<Report> {
    let store = globals.required_store(provider)?;
    let record = store.load("").await?.ok_or_else(|| no_session(provider))?;
    if record.provider != provider {
        return Err(Error::configuration(
            provider,
            "the stored session belongs to another provider",
        ));
    }
    let session = record
        .session
        .as_ref()
        .ok_or_else(|| no_session(provider))?;
    let now = globals.now();
    let expires_at = session.expires_at;
    let expired = expires_at.is_some_and(|t| t <= now);
    let expires_in = expires_at.map(|t| match t.duration_since(now) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(_) => 0,
    });
    let logged_in_at = unwrap_state(&session.state).logged_in_at.or_else(|| {
        std::fs::metadata(store.path())
            .and_then(|m| m.modified())
            .ok()
    });
    let age = logged_in_at.map(|t| now.duration_since(t).unwrap_or_default().as_secs());
    let banned_until = record.banned_until.filter(|t| *t > now);
    Ok(Report::new()
        .expires_at(expires_at)
        .field("expired", expired)
        .field("expires_in_secs", expires_in)
        .field("age_secs", age)
        .field("account", record.key.clone())
        .field("banned_until", crate::output::time_value(banned_until)))
}

/// `profiles`: every stored profile of `provider`, with its account and expiry; no secrets.
pub(crate) async fn profiles(globals: &Globals, provider: &'static str) -> Result<Report> {
    let folder = profile_folder(provider)?;
    let mut names: Vec<String> = match std::fs::read_dir(&folder) {
        Ok(entries) => entries
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .filter_map(|e| e.file_name().into_string().ok())
            .filter_map(|n| n.strip_suffix(".json").map(str::to_owned))
            .filter(|n| check_profile_name(provider, n).is_ok())
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(_) => {
            return Err(Error::configuration(
                provider,
                "cannot read the profile folder",
            ));
        }
    };
    names.sort();
    let now = globals.now();
    let mut list = Vec::with_capacity(names.len());
    for name in names {
        let store = FileStore::new(folder.join(format!("{name}.json")));
        let mut entry = Map::new();
        entry.insert("name".to_owned(), Value::String(name));
        match store.load("").await {
            Ok(Some(record)) => {
                let expires_at = record.session.as_ref().and_then(|s| s.expires_at);
                let live = record.session.is_some() && expires_at.is_none_or(|t| t > now);
                entry.insert("account".to_owned(), Value::String(record.key.clone()));
                entry.insert(
                    "has_session".to_owned(),
                    Value::Bool(record.session.is_some()),
                );
                entry.insert(
                    "expires_at".to_owned(),
                    crate::output::time_value(expires_at),
                );
                entry.insert("expired".to_owned(), Value::Bool(!live));
                entry.insert(
                    "banned_until".to_owned(),
                    crate::output::time_value(record.banned_until.filter(|t| *t > now)),
                );
            }
            Ok(None) => {
                entry.insert("has_session".to_owned(), Value::Bool(false));
            }
            Err(_) => {
                entry.insert("unreadable".to_owned(), Value::Bool(true));
            }
        }
        list.push(Value::Object(entry));
    }
    Ok(Report::new()
        .field("folder", folder.display().to_string())
        .field("count", list.len())
        .field("profiles", Value::Array(list)))
}

/// The variables `exec` puts into its child's environment: secrets and plain values.
pub(crate) type ChildEnv = Vec<(&'static str, String)>;

/// `exec -- CMD ARGS...`: runs the command with the session in its environment (and without the
/// provider's password variables), keeps the session alive while it runs, and returns its exit
/// code (128 + signal when a signal ended it, 127 when it could not be started). Without a store
/// the session is logged out after the child exits.
pub(crate) async fn exec<P: SessionProvider>(
    account: &Account<P>,
    env: impl FnOnce(&P::Session) -> ChildEnv,
    hide: &[&str],
    command: &[OsString],
) -> Result<u8> {
    let (lease, _) = account.login().await?;
    let Some((program, args)) = command.split_first() else {
        return Err(Error::configuration(
            account.name,
            "exec needs a command after --",
        ));
    };
    let mut child = tokio::process::Command::new(program);
    child.args(args);
    for name in hide {
        child.env_remove(name);
    }
    for (name, value) in env(&lease.session().inner) {
        child.env(name, value);
    }
    drop(lease);
    // The supervisor starts only once the child runs: started earlier, it could log in again
    // between the logout below and its own end.
    let code = match child.spawn() {
        Err(e) => {
            tracing::debug!(provider = account.name, error = %e.kind(), "exec could not start the command");
            let code = if e.kind() == std::io::ErrorKind::NotFound {
                127
            } else {
                126
            };
            let _ = account.end_unstored().await;
            return Err(
                Error::configuration(account.name, "exec could not start the command").with_code(
                    if code == 127 {
                        "COMMAND_NOT_FOUND"
                    } else {
                        "COMMAND_NOT_STARTED"
                    },
                ),
            );
        }
        Ok(mut running) => {
            let keep_alive = account.keep_alive();
            let code = loop {
                tokio::select! {
                    status = running.wait() => break exit_status_code(status.ok()),
                    // Ctrl-C reaches the child too (same process group); wait for it to end.
                    _ = tokio::signal::ctrl_c() => {}
                }
            };
            keep_alive.shutdown().await;
            code
        }
    };
    account.end_unstored().await?;
    Ok(code)
}

fn exit_status_code(status: Option<std::process::ExitStatus>) -> u8 {
    let Some(status) = status else { return 1 };
    if let Some(code) = status.code() {
        return u8::try_from(code & 0xff).unwrap_or(1);
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return u8::try_from(signal & 0x7f).map_or(1, |s| s.saturating_add(128));
        }
    }
    1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn specs(given: Option<&str>) -> Vec<OptionSpec> {
        vec![OptionSpec::new(
            "params",
            given.map(str::to_owned),
            Some("query"),
        )]
    }

    #[test]
    fn options_come_from_the_command_then_the_store_then_the_default() {
        let none = SessionOptions::resolve("seaware", None, specs(None)).unwrap();
        assert_eq!(none.get("params"), Some("query"));
        let mut stored = Map::new();
        stored.insert("params".into(), Value::String("form".into()));
        let kept = SessionOptions::resolve("seaware", Some(&stored), specs(None)).unwrap();
        assert_eq!(kept.get("params"), Some("form"));
        let same = SessionOptions::resolve("seaware", Some(&stored), specs(Some("form"))).unwrap();
        assert_eq!(same.get("params"), Some("form"));
        let e =
            SessionOptions::resolve("seaware", Some(&stored), specs(Some("query"))).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Configuration);
        assert_eq!(e.code(), Some("OPTION_CONFLICT"));
        assert!(e.to_string().contains("--params query conflicts"), "{e}");
    }

    #[test]
    fn a_secret_option_in_conflict_is_not_named() {
        let mut stored = Map::new();
        stored.insert("application_key".into(), Value::String("KEY-ONE".into()));
        let e = SessionOptions::resolve(
            "pagos",
            Some(&stored),
            vec![OptionSpec::secret(
                "application_key",
                Some("KEY-TWO".into()),
            )],
        )
        .unwrap_err();
        let text = e.to_string();
        assert!(
            !text.contains("KEY-ONE") && !text.contains("KEY-TWO"),
            "{text}"
        );
        assert!(text.contains("--application-key differs"), "{text}");
    }

    #[test]
    fn a_stored_null_means_the_option_was_not_used() {
        let mut stored = Map::new();
        stored.insert("token_url".into(), Value::Null);
        let kept = SessionOptions::resolve(
            "pagos",
            Some(&stored),
            vec![OptionSpec::new("token_url", None, None)],
        )
        .unwrap();
        assert_eq!(kept.get("token_url"), None);
        let e = SessionOptions::resolve(
            "pagos",
            Some(&stored),
            vec![OptionSpec::new("token_url", Some("https://t".into()), None)],
        )
        .unwrap_err();
        assert_eq!(e.code(), Some("OPTION_CONFLICT"));
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_variables_are_reported_as_such() {
        use std::os::unix::ffi::OsStringExt;
        let bytes = OsString::from_vec(vec![b'p', 0xff, 0xfe, b'w']);
        let e = env_value("cas", "CAS_PASSWORD", Some(bytes)).unwrap_err();
        let text = e.to_string();
        assert!(text.contains("CAS_PASSWORD is not valid UTF-8"), "{text}");
        assert!(!text.contains("not set"), "{text}");
        assert_eq!(env_value("cas", "X", Some(OsString::new())).unwrap(), None);
        assert_eq!(env_value("cas", "X", None).unwrap(), None);
    }

    #[test]
    fn profile_names_cannot_leave_their_folder() {
        for bad in [
            "",
            ".hidden",
            "../x",
            "a/b",
            "a\\b",
            "é",
            &"x".repeat(65),
            "a b",
        ] {
            assert!(check_profile_name("cas", bad).is_err(), "{bad:?}");
        }
        for good in ["default", "work-2", "alice_smith.prod"] {
            assert!(check_profile_name("cas", good).is_ok(), "{good:?}");
        }
    }

    #[test]
    fn wrapped_state_round_trips_and_plain_state_is_read_as_before() {
        let plain = SecretState::new(r#"{"token":"T"}"#);
        let u = unwrap_state(&plain);
        assert_eq!(u.state.expose_secret(), r#"{"token":"T"}"#);
        assert!(u.options.is_none() && u.logged_in_at.is_none());
        let wrapped = SecretState::new(
            serde_json::json!({WRAP: 1, "options": {"params": "form"}, "logged_in_at": 1000, "state": "{\"token\":\"T\"}"})
                .to_string(),
        );
        let u = unwrap_state(&wrapped);
        assert_eq!(u.state.expose_secret(), r#"{"token":"T"}"#);
        assert_eq!(u.options.unwrap()["params"], "form");
        assert_eq!(u.logged_in_at, Some(from_unix_seconds(1000)));
    }

    #[test]
    fn absurd_retry_after_is_clamped_to_the_ceiling() {
        let e = Error::new(ErrorKind::RateLimited, "betfair", "slow down")
            .with_retry_after(Duration::from_secs(u64::MAX));
        assert_eq!(clamp_ban(e).retry_after(), Some(MAX_BAN));
        let e = Error::new(ErrorKind::RateLimited, "betfair", "slow down")
            .with_retry_after(Duration::from_secs(5));
        assert_eq!(clamp_ban(e).retry_after(), Some(Duration::from_secs(5)));
    }

    #[test]
    fn child_exit_codes_pass_through() {
        assert_eq!(exit_status_code(None), 1);
    }
}
