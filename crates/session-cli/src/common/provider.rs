//! The provider and store as the CLI runs them: the session's options and login time added to
//! what is stored, bans clamped, logins refused where a command must not log in, deletes gated.

use super::*;

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
    pub(super) inner: P,
    pub(super) options: SessionOptions,
    pub(super) refusal: Option<Error>,
    /// The last rejection a renewal reported (Betfair's `NO_SESSION`, ...): a refused login after
    /// it reports that rejection rather than a generic one.
    pub(super) rejection: std::sync::Mutex<Option<Error>>,
}

impl<P> CliProvider<P> {
    /// The provider itself.
    pub(crate) fn inner(&self) -> &P {
        &self.inner
    }
}

pub(super) fn clamp_ban(e: Error) -> Error {
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
        Some(
            PersistedSession::writer()
                .field(WRAP, 1)
                .field("options", &self.options.0)
                .time("logged_in_at", session.logged_in_at)
                .secret("state", p.state.expose_secret())
                .finish(p.expires_at),
        )
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
pub(super) const STORE_LOCK_TTL: Duration = Duration::from_secs(30);

/// The command's [`FileStore`] as the manager sees it: deletes go through only while the CLI
/// allows them (`logout`). A session the upstream rejected therefore stays in the file, and every
/// later command reports the rejection the same way until `login` replaces it or `logout` removes
/// it — instead of depending on whether the manager's background delete ran before the process
/// exited.
pub(super) struct CliStore {
    pub(super) file: FileStore,
    pub(super) deletes: std::sync::atomic::AtomicBool,
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
