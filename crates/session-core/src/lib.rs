//! tmp
mod clock;
mod error;
pub mod http;
mod manager;
pub mod oauth;
mod provider;
mod secret;
mod session;
mod store;
#[cfg(feature = "test-util")]
pub mod test_util;

pub use clock::{BoxFuture, Clock, SystemClock, Timer, from_unix_seconds, unix_seconds};
pub use error::{Error, ErrorKind, HttpFailure, Result};
pub use manager::{Event, Health, KeepAlive, Lease, ManagerBuilder, SessionManager};
pub use provider::{
    FnProvider, SessionProvider, StaticToken, StaticTokenProvider, provider_fn, sensitive_value,
};
pub use secret::{
    AccessToken, ApiKey, ApiKeySecret, ApiSecret, AppKey, ClientCredentials, ClientSecret,
    Password, RefreshToken, SessionId, SessionToken, Ticket, UsernamePassword,
};
pub use session::{Expiry, PersistedSession, RenewPolicy, Renewal, SecretState, Session};
pub use store::{FileStore, MemoryStore, SessionStore, StoreLock, StoredRecord};

#[doc(hidden)]
pub mod __private {
    pub use secrecy::{ExposeSecret, SecretString};
    pub use serde;
}
