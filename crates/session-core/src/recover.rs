//! Calls made with a session that recover once from a rejection: [`SessionSource`] (where a call
//! takes its session from), [`Sourced`] (the session one attempt is sent with) and [`Recovery`]
//! with its closure form [`call_with_session`] (the rule).
//!
//! The rule and an example are on [`call_with_session`].

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;

use crate::error::{Error, ErrorKind, Result};
use crate::manager::{Lease, SessionManager};
use crate::provider::SessionProvider;
use crate::session::Session;

/// The session one attempt of a call is sent with, handed out by a [`SessionSource`], and the
/// manager's [`Lease`] it came from, if any (so that a rejection invalidates exactly it).
pub struct Sourced<S> {
    session: Arc<S>,
    lease: Option<Lease<S>>,
}

impl<S> Sourced<S> {
    /// A session that no manager hands out (a rejection cannot be followed by a different one).
    pub fn new(session: Arc<S>) -> Self {
        Self {
            session,
            lease: None,
        }
    }

    /// The session of a manager's lease.
    pub fn from_lease(lease: Lease<S>) -> Self {
        Self {
            session: lease.session().clone(),
            lease: Some(lease),
        }
    }

    /// The session.
    pub fn session(&self) -> &S {
        &self.session
    }

    /// The session, shared.
    pub fn shared(&self) -> &Arc<S> {
        &self.session
    }

    /// The lease the session came from, when a manager handed it out.
    pub fn lease(&self) -> Option<&Lease<S>> {
        self.lease.as_ref()
    }
}

impl<S> Clone for Sourced<S> {
    fn clone(&self) -> Self {
        Self {
            session: self.session.clone(),
            lease: self.lease.clone(),
        }
    }
}

impl<S> fmt::Debug for Sourced<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sourced")
            .field("lease", &self.lease)
            .finish_non_exhaustive()
    }
}

/// Where a call takes its session from, and whom it tells when the upstream rejected it.
///
/// Implemented for a [`SessionManager`] (a rejection invalidates the lease the call was sent with,
/// and a fresh session can be had), a [`Lease`] (the session as it is: a rejection is final), and
/// references and `Arc`s of sources; provider crates implement it for their session types. The
/// session type is the source's own, so a caller reads it without a downcast.
#[async_trait]
pub trait SessionSource: Send + Sync {
    /// The session this source hands out.
    type Session: Session;

    /// The session to send now.
    async fn acquire(&self) -> Result<Sourced<Self::Session>>;

    /// The upstream rejected `rejected`'s session. Returns whether a later
    /// [`acquire`](Self::acquire) can give a different session (so that a resend makes sense).
    /// The default: `false`.
    fn reject(&self, rejected: &Sourced<Self::Session>) -> bool {
        let _ = rejected;
        false
    }

    /// The name errors about this source's sessions carry (a provider name). The default:
    /// `"session"`.
    fn name(&self) -> &'static str {
        "session"
    }
}

#[async_trait]
impl<P: SessionProvider> SessionSource for SessionManager<P> {
    type Session = P::Session;

    async fn acquire(&self) -> Result<Sourced<P::Session>> {
        Ok(Sourced::from_lease(self.get().await?))
    }

    /// Invalidates the lease the rejected session came from (a no-op when the manager already
    /// holds a newer session) and returns `true`: the next [`acquire`](SessionSource::acquire)
    /// gets the newer session or logs in. A session that did not come from a manager: `false`.
    fn reject(&self, rejected: &Sourced<P::Session>) -> bool {
        match rejected.lease() {
            Some(lease) => {
                self.invalidate(lease);
                true
            }
            None => false,
        }
    }

    fn name(&self) -> &'static str {
        self.provider().name()
    }
}

#[async_trait]
impl<S: Session> SessionSource for Lease<S> {
    type Session = S;

    async fn acquire(&self) -> Result<Sourced<S>> {
        Ok(Sourced::new(self.session().clone()))
    }
}

#[async_trait]
impl<T: SessionSource + ?Sized> SessionSource for Arc<T> {
    type Session = T::Session;

    async fn acquire(&self) -> Result<Sourced<T::Session>> {
        (**self).acquire().await
    }

    fn reject(&self, rejected: &Sourced<T::Session>) -> bool {
        (**self).reject(rejected)
    }

    fn name(&self) -> &'static str {
        (**self).name()
    }
}

#[async_trait]
impl<T: SessionSource + ?Sized> SessionSource for &T {
    type Session = T::Session;

    async fn acquire(&self) -> Result<Sourced<T::Session>> {
        (**self).acquire().await
    }

    fn reject(&self, rejected: &Sourced<T::Session>) -> bool {
        (**self).reject(rejected)
    }

    fn name(&self) -> &'static str {
        (**self).name()
    }
}

/// Whether a call may be sent a second time after the upstream rejected its session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Resend {
    /// Once, with a fresh session: for calls that are safe to repeat.
    Once,
    /// Never: the rejection is the call's result (the session is still reported to the source,
    /// so the next call gets a fresh one).
    Never,
}

impl Resend {
    /// [`Once`](Self::Once) when `repeatable`, else [`Never`](Self::Never).
    pub fn when(repeatable: bool) -> Self {
        if repeatable { Self::Once } else { Self::Never }
    }
}

/// What one attempt of a call gave.
#[derive(Debug)]
pub enum Attempt<T> {
    /// The upstream did not reject the session: the call's result.
    Done(T),
    /// The upstream rejected the session; the error is the call's result unless it is resent.
    Rejected(Error),
}

/// Where a [`Recovery`] stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    /// No session handed out yet.
    First,
    /// The first attempt's session is out.
    SentFirst,
    /// The first attempt was rejected; the resend may go.
    Resend,
    /// The resend's session is out.
    SentResend,
    /// No attempt is left.
    Over,
}

/// The recovery rule of one call, as a value: [`session`](Self::session) gives the session for
/// the next attempt, [`rejected`](Self::rejected) reports that the upstream rejected it and says
/// whether to send again. At most two attempts, the second only with [`Resend::Once`] and a
/// source that can give a different session.
///
/// For callers whose attempts cannot be one closure (the middleware's attempts borrow the
/// request's extensions); otherwise use [`call_with_session`].
///
/// ```
/// # use session_core::{AccessToken, Resend, Recovery, SessionManager, StaticToken, provider_fn};
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> session_core::Result<()> {
/// # let manager = SessionManager::new(provider_fn("api", || async {
/// #     Ok(StaticToken::bearer(AccessToken::new("token")))
/// # }));
/// let mut recovery = Recovery::new(&manager, Resend::Once);
/// let answer = loop {
///     let session = recovery.session().await?;
///     let rejected = false; // send with `session.session()` and judge the answer
///     if !rejected {
///         break "answer";
///     }
///     if !recovery.rejected() {
///         return Err(session_core::Error::new(
///             session_core::ErrorKind::SessionRejected,
///             "api",
///             "session rejected",
///         ));
///     }
/// };
/// # let _ = answer; Ok(()) }
/// ```
pub struct Recovery<'a, Src: SessionSource + ?Sized> {
    source: &'a Src,
    resend: Resend,
    step: Step,
    current: Option<Sourced<Src::Session>>,
    /// The rejected session, held until the resend's session is acquired: a session whose drop
    /// does work (Pagos closes a dedicated session with the then current token) is released only
    /// once its replacement exists.
    rejected: Option<Sourced<Src::Session>>,
}

impl<Src: SessionSource + ?Sized> fmt::Debug for Recovery<'_, Src> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recovery")
            .field("source", &self.source.name())
            .field("resend", &self.resend)
            .field("step", &self.step)
            .field("current", &self.current)
            .field("rejected", &self.rejected)
            .finish()
    }
}

impl<'a, Src: SessionSource + ?Sized> Recovery<'a, Src> {
    /// The rule for one call with sessions from `source`.
    pub fn new(source: &'a Src, resend: Resend) -> Self {
        Self {
            source,
            resend,
            step: Step::First,
            current: None,
            rejected: None,
        }
    }

    /// The session for the current attempt: acquired from the source for the first attempt and
    /// for the resend, the same one again when asked twice for one attempt. After the last
    /// attempt was rejected it is a [`SessionRejected`](ErrorKind::SessionRejected) error and
    /// the source is not asked.
    ///
    /// The future is `Send`, also for type-erased managers (see [`SessionManager::get`]).
    #[expect(
        clippy::manual_async_fn,
        reason = "the future declares `Send` so callers need not infer it"
    )]
    pub fn session(&mut self) -> impl Future<Output = Result<Sourced<Src::Session>>> + Send {
        async move {
            let next = match self.step {
                Step::First => Step::SentFirst,
                Step::Resend => Step::SentResend,
                Step::SentFirst | Step::SentResend => {
                    if let Some(current) = &self.current {
                        return Ok(current.clone());
                    }
                    self.step
                }
                Step::Over => {
                    return Err(Error::new(
                        ErrorKind::SessionRejected,
                        self.source.name(),
                        "session rejected; the call is not sent again",
                    ));
                }
            };
            let sourced = self.source.acquire().await?;
            self.current = Some(sourced.clone());
            self.rejected = None;
            self.step = next;
            Ok(sourced)
        }
    }

    /// Reports that the upstream rejected the current attempt's session: the source is told (a
    /// manager invalidates exactly that lease). Returns whether to send again — only after the
    /// first attempt, with [`Resend::Once`], and when the source can give a different session.
    /// Without a session out (nothing sent, or already reported) it does nothing and returns
    /// `false`.
    pub fn rejected(&mut self) -> bool {
        let Some(current) = self.current.take() else {
            return false;
        };
        let fresh = self.source.reject(&current);
        let again = self.step == Step::SentFirst && self.resend == Resend::Once && fresh;
        self.step = if again { Step::Resend } else { Step::Over };
        if again {
            self.rejected = Some(current);
        }
        again
    }

    /// Whether the current (or next) attempt is the resend.
    pub fn is_resend(&self) -> bool {
        matches!(self.step, Step::Resend | Step::SentResend)
    }
}

/// Calls `attempt` with a session from `source` and recovers once from a rejection: an
/// [`Attempt::Rejected`] answer is reported to the source, and with [`Resend::Once`] and a
/// source that can give a different session `attempt` is called once more with a fresh one (the
/// rejected session is released once the fresh one is acquired); otherwise, or when the resend is rejected too, the rejection's error is the
/// result. Errors from the source (a failed login) and from `attempt` are returned as they are.
///
/// `attempt` makes one attempt; it gets the session by value, so its future can own it. The
/// returned future is `Send`, also for type-erased managers (see [`SessionManager::get`]).
///
/// The rule every client in this workspace follows — the `SessionMiddleware` (feature
/// `middleware`), the Pagos client, the Betfair Accounts client:
///
/// 1. Send the call with the source's session.
/// 2. When the upstream says the session was rejected, tell the source. A [`SessionManager`]
///    drops its cached session only if it is still the one this call was sent with
///    ([`SessionManager::invalidate`]), so a caller rejected with an old session never drops a
///    fresh one another caller installed, and any number of callers rejected together cause one
///    re-login (the manager's single flight).
/// 3. When the call may be repeated ([`Resend::Once`]) and the source can give a different
///    session, send it **once** more with a fresh one. A rejection of the resend is final: the
///    caller's typed error, never a loop.
///
/// ```
/// use session_core::{
///     AccessToken, Attempt, ErrorKind, Resend, SessionManager, StaticToken, call_with_session,
///     provider_fn,
/// };
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> session_core::Result<()> {
/// let manager = SessionManager::new(provider_fn("api", || async {
///     Ok(StaticToken::bearer(AccessToken::new("token")))
/// }));
/// let answer = call_with_session(&manager, Resend::Once, |session| async move {
///     // Build the request with `session.session()`, send it, and judge the answer:
///     let rejected = false;
///     Ok(if rejected {
///         Attempt::Rejected(session_core::Error::new(
///             ErrorKind::SessionRejected,
///             "api",
///             "session rejected",
///         ))
///     } else {
///         Attempt::Done(42)
///     })
/// })
/// .await?;
/// assert_eq!(answer, 42);
/// # Ok(()) }
/// ```
#[expect(
    clippy::manual_async_fn,
    reason = "the future declares `Send` so callers need not infer it"
)]
pub fn call_with_session<'a, Src, T, F, Fut>(
    source: &'a Src,
    resend: Resend,
    mut attempt: F,
) -> impl Future<Output = Result<T>> + Send + 'a
where
    Src: SessionSource + ?Sized,
    F: FnMut(Sourced<Src::Session>) -> Fut + Send + 'a,
    Fut: Future<Output = Result<Attempt<T>>> + Send + 'a,
    T: Send + 'a,
{
    async move {
        let mut recovery = Recovery::new(source, resend);
        loop {
            let session = recovery.session().await?;
            match attempt(session).await? {
                Attempt::Done(answer) => return Ok(answer),
                Attempt::Rejected(e) => {
                    if !recovery.rejected() {
                        return Err(e);
                    }
                    tracing::debug!(provider = source.name(), "session rejected; resending once");
                }
            }
        }
    }
}
