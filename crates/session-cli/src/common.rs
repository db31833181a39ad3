//! What every provider's commands share: global settings, credentials from the environment, the
//! session file (session-core's [`FileStore`] and [`StoredRecord`]: mode 0600, atomic replace,
//! remembered bans), the login guard and the `status` and `logout` flows.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use session_core::{
    Clock, Error, ErrorKind, FileStore, PersistedSession, Result, SessionProvider, SessionStore,
    StoredRecord, SystemClock,
};

use crate::output::Report;

/// How long a rate-limit ban without a `Retry-After` is remembered.
pub(crate) const DEFAULT_BAN: Duration = Duration::from_secs(60);

/// The global options, checked.
#[derive(Debug)]
pub(crate) struct Globals {
    /// `--base-url`.
    pub(crate) base_url: Option<String>,
    /// `--insecure-loopback`.
    pub(crate) insecure_loopback: bool,
    /// `--store`.
    pub(crate) store: Option<PathBuf>,
    /// `--timeout`.
    pub(crate) timeout: Duration,
    /// `--ca-cert`.
    pub(crate) ca_cert: Option<PathBuf>,
}

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

    /// The session file, required by commands that use a stored session.
    pub(crate) fn store(&self, provider: &'static str) -> Result<SessionFile> {
        self.store
            .as_deref()
            .map(SessionFile::new)
            .ok_or_else(|| Error::configuration(provider, "--store is required for this command"))
    }

    /// The session file, if `--store` was given.
    pub(crate) fn optional_store(&self) -> Option<SessionFile> {
        self.store.as_deref().map(SessionFile::new)
    }
}

/// An environment variable, or `None` when unset or empty.
pub(crate) fn env_opt(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// An environment variable, or a configuration error naming it (never its value).
pub(crate) fn env_required(provider: &'static str, name: &'static str) -> Result<String> {
    env_opt(name).ok_or_else(|| {
        Error::configuration(provider, format!("environment variable {name} is not set"))
    })
}

/// The session file (`--store`).
#[derive(Debug)]
pub(crate) struct SessionFile {
    store: FileStore,
}

impl SessionFile {
    fn new(path: &Path) -> Self {
        Self {
            store: FileStore::new(path),
        }
    }

    fn path(&self) -> &Path {
        self.store.path()
    }

    /// Checks, before a login, that the file can be written: its folder exists.
    fn check_writable(&self, provider: &'static str) -> Result<()> {
        let folder = match self.path().parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        if folder.is_dir() {
            Ok(())
        } else {
            Err(Error::configuration(
                provider,
                "the folder of the --store file does not exist",
            ))
        }
    }

    /// The stored record, if the file exists.
    pub(crate) async fn load(&self) -> Result<Option<StoredRecord>> {
        self.store.load("").await
    }

    /// When the file was last written (the login time, since renewals keep it).
    fn written_at(&self) -> Option<SystemTime> {
        std::fs::metadata(self.path())
            .and_then(|m| m.modified())
            .ok()
    }

    fn set_written_at(&self, t: SystemTime) {
        if let Ok(file) = std::fs::File::options().write(true).open(self.path()) {
            let _ = file.set_modified(t);
        }
    }

    /// Writes `record`. With `keep_age`, the file keeps its modification time, which `status`
    /// reports as the session's age (a renewal does not make a session younger).
    async fn write(&self, record: &StoredRecord, keep_age: bool) -> Result<()> {
        let written_at = if keep_age { self.written_at() } else { None };
        self.store.save(&record.key, record).await?;
        if let Some(t) = written_at {
            self.set_written_at(t);
        }
        Ok(())
    }

    /// Stores a new session (after a login), replacing whatever the file held.
    pub(crate) async fn save_new(
        &self,
        provider: &'static str,
        key: String,
        session: PersistedSession,
        previous: Option<&StoredRecord>,
    ) -> Result<()> {
        let record = StoredRecord::new(
            key,
            provider.to_owned(),
            previous.map_or(0, |r| r.generation) + 1,
            Some(session),
            None,
        );
        self.write(&record, false).await
    }

    /// Stores a renewed session in place of `previous` (same account).
    pub(crate) async fn save_renewed(
        &self,
        previous: &StoredRecord,
        session: PersistedSession,
    ) -> Result<()> {
        let mut record = previous.clone();
        record.session = Some(session);
        record.generation = previous.generation + 1;
        self.write(&record, true).await
    }

    /// Remembers a rate-limit ban for `key` until `until`, keeping a stored session of the same
    /// account.
    async fn save_ban(
        &self,
        provider: &'static str,
        key: &str,
        until: SystemTime,
        previous: Option<&StoredRecord>,
    ) -> Result<()> {
        let same = previous.filter(|r| r.key == key && r.provider == provider);
        let record = StoredRecord::new(
            key.to_owned(),
            provider.to_owned(),
            previous.map_or(0, |r| r.generation),
            same.and_then(|r| r.session.clone()),
            Some(until),
        );
        self.write(&record, same.is_some_and(|r| r.session.is_some()))
            .await
    }

    /// Deletes the session. An active ban stays remembered (the file then holds only the ban).
    pub(crate) async fn delete(&self, record: &StoredRecord, now: SystemTime) -> Result<()> {
        if record.banned_until.is_some_and(|t| t > now) {
            let mut ban_only = record.clone();
            ban_only.session = None;
            ban_only.generation = record.generation + 1;
            return self.write(&ban_only, false).await;
        }
        self.store.delete(&record.key, None).await
    }

    /// Seconds since the session was stored by its login.
    fn age(&self, now: SystemTime) -> Option<u64> {
        self.written_at()
            .map(|t| now.duration_since(t).unwrap_or_default().as_secs())
    }
}

/// The stored record for a command that needs a session: present, of this provider, for this
/// account (`key`), and holding a session.
pub(crate) fn usable_record(
    provider: &'static str,
    key: &str,
    record: Option<StoredRecord>,
) -> Result<(StoredRecord, PersistedSession)> {
    let record = record.ok_or_else(|| no_session(provider))?;
    if record.provider != provider {
        return Err(Error::configuration(
            provider,
            "the stored session belongs to another provider",
        ));
    }
    if record.key != key {
        return Err(Error::configuration(
            provider,
            "the stored session belongs to another account or server",
        ));
    }
    let session = record.session.clone().ok_or_else(|| no_session(provider))?;
    Ok((record, session))
}

fn no_session(provider: &'static str) -> Error {
    Error::configuration(provider, "no stored session; log in with --store first")
}

/// The login guard: a ban remembered in the store for this account refuses the login locally,
/// without a request.
pub(crate) fn check_ban(
    provider: &'static str,
    key: &str,
    record: Option<&StoredRecord>,
    now: SystemTime,
) -> Result<()> {
    let Some(record) = record else { return Ok(()) };
    if record.key != key || record.provider != provider {
        return Ok(());
    }
    match record.banned_until {
        Some(until) if until > now => {
            let mut e = Error::new(
                ErrorKind::RateLimited,
                provider,
                "login refused locally during a rate-limit ban remembered in the store",
            )
            .with_retry_after(until.duration_since(now).unwrap_or_default());
            if provider == "betfair" {
                e = e.with_code("TEMPORARY_BAN_TOO_MANY_REQUESTS");
            }
            Err(e)
        }
        _ => Ok(()),
    }
}

/// Runs `login` behind the store's ban guard, and remembers a new ban in the store.
/// Returns the login's result and the record the file held before.
pub(crate) async fn guarded_login<P: SessionProvider>(
    globals: &Globals,
    provider: &P,
) -> Result<(P::Session, Option<StoredRecord>)> {
    let name = provider.name();
    let key = provider.store_key();
    let file = globals.optional_store();
    let previous = match &file {
        Some(f) => {
            f.check_writable(name)?;
            f.load().await?
        }
        None => None,
    };
    check_ban(name, &key, previous.as_ref(), globals.now())?;
    match provider.login().await {
        Ok(session) => Ok((session, previous)),
        Err(e) => {
            if e.kind() == ErrorKind::RateLimited
                && let Some(f) = &file
            {
                let until = globals.now() + e.retry_after().unwrap_or(DEFAULT_BAN);
                if let Err(store_error) = f.save_ban(name, &key, until, previous.as_ref()).await {
                    tracing::warn!(provider = name, kind = %store_error.kind(), "could not remember the ban in the store");
                }
            }
            Err(e)
        }
    }
}

/// Stores a freshly logged-in session when `--store` was given.
pub(crate) async fn store_login(
    globals: &Globals,
    provider: &'static str,
    key: String,
    session: Option<PersistedSession>,
    previous: Option<&StoredRecord>,
) -> Result<bool> {
    let Some(file) = globals.optional_store() else {
        return Ok(false);
    };
    let Some(session) = session else {
        return Err(Error::configuration(
            provider,
            "this session cannot be stored",
        ));
    };
    file.save_new(provider, key, session, previous).await?;
    Ok(true)
}

/// `status`: the stored session's expiry and age, without any network call.
pub(crate) async fn status(globals: &Globals, provider: &'static str) -> Result<Report> {
    let file = globals.store(provider)?;
    let record = file.load().await?.ok_or_else(|| no_session(provider))?;
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
    let banned_until = record.banned_until.filter(|t| *t > now);
    Ok(Report::new()
        .expires_at(expires_at)
        .field("expired", expired)
        .field("expires_in_secs", expires_in)
        .field("age_secs", file.age(now))
        .field("account", record.key.clone())
        .field("banned_until", crate::output::time_value(banned_until)))
}

/// `logout`: ends the stored session with `end` and deletes it from the file. Nothing stored is
/// success (an already-dead session).
pub(crate) async fn logout<F, Fut>(
    globals: &Globals,
    provider: &'static str,
    key: &str,
    end: F,
) -> Result<Report>
where
    F: FnOnce(PersistedSession) -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    let file = globals.store(provider)?;
    let record = file.load().await?;
    let Some(record) = record.filter(|r| r.session.is_some()) else {
        return Ok(Report::new().field("ended", false));
    };
    let (record, session) = usable_record(provider, key, Some(record))?;
    end(session).await?;
    file.delete(&record, globals.now()).await?;
    Ok(Report::new().field("ended", true))
}

/// A stored session's expiry, as a provider's `persist` computed it.
pub(crate) fn persisted_expiry(p: Option<&PersistedSession>) -> Option<SystemTime> {
    p.and_then(|p| p.expires_at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(key: &str, banned_until: Option<SystemTime>) -> StoredRecord {
        StoredRecord::new(key.to_owned(), "betfair".to_owned(), 1, None, banned_until)
    }

    #[test]
    fn a_remembered_ban_refuses_only_its_own_account_inside_the_window() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let later = now + Duration::from_secs(60);
        let r = record("betfair:x:alice", Some(later));
        let e = check_ban("betfair", "betfair:x:alice", Some(&r), now).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::RateLimited);
        assert_eq!(e.code(), Some("TEMPORARY_BAN_TOO_MANY_REQUESTS"));
        assert_eq!(e.retry_after(), Some(Duration::from_secs(60)));
        assert!(check_ban("betfair", "betfair:x:bob", Some(&r), now).is_ok());
        assert!(check_ban("betfair", "betfair:x:alice", Some(&r), later).is_ok());
        assert!(check_ban("cas", "betfair:x:alice", Some(&r), now).is_ok());
    }

    #[test]
    fn usable_record_checks_provider_key_and_session() {
        let e = usable_record("betfair", "k", None).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Configuration);
        let e = usable_record("cas", "k", Some(record("k", None))).unwrap_err();
        assert!(e.to_string().contains("another provider"));
        let e = usable_record("betfair", "other", Some(record("k", None))).unwrap_err();
        assert!(e.to_string().contains("another account"));
        let e = usable_record("betfair", "k", Some(record("k", None))).unwrap_err();
        assert!(e.to_string().contains("no stored session"));
    }
}
