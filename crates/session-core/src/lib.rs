//! tmp
pub mod clock;
pub mod error;
pub mod http;
pub mod oauth;
pub mod provider;
pub mod secret;
pub mod session;
pub use clock::*;
pub use error::{Error, ErrorKind, HttpFailure, Result};
pub use provider::*;
pub use secret::*;
pub use session::*;
#[doc(hidden)]
pub mod __private {
    pub use secrecy::{ExposeSecret, SecretString};
    pub use serde;
}
