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
    StateReader, StoredRecord, SystemClock,
};

use crate::output::Report;
use crate::progress;

mod account;
mod commands;
mod env;
mod globals;
mod options;
mod provider;
#[cfg(test)]
mod tests;

use account::no_session;
pub(crate) use account::{Account, LoginRule, Obtained, prepare};
pub(crate) use commands::{exec, profiles, status};
pub(crate) use env::{env_opt, env_required};
use globals::check_profile_name;
pub(crate) use globals::{Globals, profile_folder, proxy_from_env, with_globals};
pub(crate) use options::{OptionSpec, SessionOptions, stored_options, value_name};
use options::{WRAP, unwrap_state};
pub(crate) use provider::{CliProvider, CliSession};
use provider::{CliStore, STORE_LOCK_TTL};

/// The longest rate-limit ban the CLI records from an upstream's `Retry-After`: an absurd value
/// (for example `9223372036854775807` seconds) is clamped to this and still recorded.
pub(crate) const MAX_BAN: Duration = Duration::from_secs(24 * 60 * 60);
