//! What every provider crate re-exports, so that `cargo add session-<provider>` is enough and
//! code written against one provider's re-exports accepts another's: one line,
//! `pub use session_core::prelude::*;`, in the provider's `lib.rs` (checked by the workspace's
//! surface test). Provider-specific credential types are re-exported beside it.

pub use crate::http::{HttpResponse, TlsBackend};
pub use crate::{
    Clock, Error, ErrorKind, Event, Expiry, FileStore, HeaderMap, Health, HttpFailure, KeepAlive,
    Lease, LogoutOnDrop, ManagerBuilder, MemoryStore, PersistedSession, RenewPolicy, Renewal,
    Result, Session, SessionManager, SessionProvider, SessionStore, SystemClock,
};

#[cfg(feature = "blocking")]
#[cfg_attr(docsrs, doc(cfg(feature = "blocking")))]
pub use crate::blocking::{BlockingKeepAlive, BlockingManager};
#[cfg(feature = "middleware")]
#[cfg_attr(docsrs, doc(cfg(feature = "middleware")))]
pub use crate::middleware::{Repeatable, SessionMiddleware};
