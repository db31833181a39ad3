//! One account's session, run by a [`SessionManager`] on the command's store: login, load,
//! renew, write back and logout.

use super::*;

/// Whether a command may log in when there is no usable stored session.
pub(crate) enum LoginRule {
    /// It may (`login`, `exec`, a Seaware `refresh` falling back to a login).
    Allowed,
    /// It may not; this error is reported instead.
    Refused(Error),
}

impl LoginRule {
    /// [`LoginRule::Allowed`] for a command that logs in (`login`, `exec`), otherwise refused
    /// with [`needs_login`].
    pub(crate) fn when(login: bool, provider: &'static str) -> Self {
        if login {
            Self::Allowed
        } else {
            Self::Refused(needs_login(provider))
        }
    }
}

/// The error for a command that needs a live stored session and found none it could use.
pub(crate) fn needs_login(provider: &'static str) -> Error {
    Error::new(
        ErrorKind::SessionRejected,
        provider,
        "the stored session is no longer accepted; log in again",
    )
}

pub(super) fn no_session(provider: &'static str) -> Error {
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
    pub(super) name: &'static str,
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
