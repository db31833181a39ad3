//! Writing and reading a provider's stored session state: [`StateWriter`] writes the fields of a
//! session as one JSON object, [`StateReader`] reads them back with typed, checked access, and
//! [`PersistedSession::expiry`] turns the stored deadline back into an [`Expiry`].
//!
//! A provider's [`persist`](crate::SessionProvider::persist) and
//! [`restore`](crate::SessionProvider::restore) then shrink to field lists:
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use session_core::{Expiry, PersistedSession, Result, SessionToken};
//!
//! struct MySession { token: SessionToken, limited: Option<String>, expiry: Expiry }
//!
//! fn persist(s: &MySession) -> PersistedSession {
//!     PersistedSession::writer()
//!         .secret("token", s.token.expose_secret())
//!         .field("limited", &s.limited)
//!         .finish(s.expiry.deadline())
//! }
//!
//! fn restore(p: &PersistedSession) -> Result<MySession> {
//!     let mut r = p.reader("mine")?;
//!     Ok(MySession {
//!         token: r.secret("token")?,
//!         limited: r.field("limited")?,
//!         expiry: p.expiry(),
//!     })
//! }
//!
//! let s = MySession {
//!     token: SessionToken::new("T"),
//!     limited: None,
//!     expiry: Expiry::after(SystemTime::UNIX_EPOCH, Duration::from_secs(60)),
//! };
//! let back = restore(&persist(&s)).unwrap();
//! assert_eq!(back.token.expose_secret(), "T");
//! assert_eq!(back.expiry, s.expiry);
//! ```
//!
//! A store's record may be corrupt or written by someone hostile: every read here returns a
//! [`Configuration`](crate::ErrorKind::Configuration) error for a missing, wrongly typed or
//! out-of-range field, never panics, and never quotes the stored value. Times are Unix seconds
//! read as `i64` and clamped by [`timing::from_unix_seconds`]; lifetimes are whole seconds
//! saturated by [`timing::secs_u64`].

use std::time::{Duration, SystemTime};

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::session::{Expiry, PersistedSession, SecretState};
use crate::timing;

/// Writes a session's state as one JSON object, field by field. Start with
/// [`PersistedSession::writer`], end with [`finish`](Self::finish).
#[derive(Default)]
pub struct StateWriter {
    map: Map<String, Value>,
}

impl std::fmt::Debug for StateWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The values may be secrets; only the names are shown.
        f.debug_struct("StateWriter")
            .field("fields", &self.map.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl StateWriter {
    /// An empty state.
    pub fn new() -> Self {
        Self::default()
    }

    /// A plain (not secret) field: a string, number, boolean, `Option` or any other
    /// `Serialize` value. A value that cannot be written as JSON (a map with non-string keys)
    /// is written as `null`, which [`StateReader`] reads as missing.
    #[must_use]
    pub fn field(mut self, name: &str, value: impl Serialize) -> Self {
        let value = serde_json::to_value(value).unwrap_or(Value::Null);
        self.map.insert(name.to_owned(), value);
        self
    }

    /// A secret field (a token, ticket or session id), given exposed: `None` writes `null`.
    /// The same as [`field`](Self::field), named apart so every secret written is easy to find.
    #[must_use]
    pub fn secret<'a>(self, name: &str, value: impl Into<Option<&'a str>>) -> Self {
        self.field(name, value.into())
    }

    /// A wall-clock time, as Unix seconds (read back with [`StateReader::time`]).
    #[must_use]
    pub fn time(self, name: &str, time: impl Into<Option<SystemTime>>) -> Self {
        self.field(name, time.into().map(timing::unix_seconds))
    }

    /// A lifetime, as whole seconds (read back with [`StateReader::secs`]).
    #[must_use]
    pub fn secs(self, name: &str, duration: impl Into<Option<Duration>>) -> Self {
        self.field(name, duration.into().map(|d| d.as_secs()))
    }

    /// The persisted session: this state and the session's deadline (`None`: never, or not
    /// known; pass [`Expiry::deadline`]).
    pub fn finish(self, expires_at: Option<SystemTime>) -> PersistedSession {
        PersistedSession::new(
            SecretState::new(Value::Object(self.map).to_string()),
            expires_at,
        )
    }
}

/// Reads a stored session state written by [`StateWriter`] (or by hand, as one JSON object),
/// taking each field once. Every error is a
/// [`Configuration`](crate::ErrorKind::Configuration) error of the provider that asked, naming
/// the field, never its value. Start with [`PersistedSession::reader`].
pub struct StateReader {
    provider: &'static str,
    map: Map<String, Value>,
}

impl std::fmt::Debug for StateReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StateReader")
            .field("provider", &self.provider)
            .field("fields", &self.map.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl StateReader {
    /// Parses `state`, which must be one JSON object.
    pub fn parse(provider: &'static str, state: &SecretState) -> Result<Self> {
        match serde_json::from_str::<Value>(state.expose_secret()) {
            Ok(Value::Object(map)) => Ok(Self { provider, map }),
            _ => Err(Error::configuration(provider, "unreadable stored session")),
        }
    }

    fn unreadable(&self, name: &str) -> Error {
        Error::configuration(
            self.provider,
            format!("unreadable stored session: bad field {}", printable(name)),
        )
    }

    fn take(&mut self, name: &str) -> Value {
        self.map.remove(name).unwrap_or(Value::Null)
    }

    /// Whether the state has the field `name` (even as `null`).
    pub fn has(&self, name: &str) -> bool {
        self.map.contains_key(name)
    }

    /// Takes the field `name` as any `Deserialize` type. A missing field reads as `null`, so an
    /// `Option` field may be absent and a required one may not.
    pub fn field<T: DeserializeOwned>(&mut self, name: &str) -> Result<T> {
        let value = self.take(name);
        serde_json::from_value(value).map_err(|_| self.unreadable(name))
    }

    /// Takes a required secret (a token, ticket or session id): a string that is not blank.
    pub fn secret<T: From<String>>(&mut self, name: &str) -> Result<T> {
        match self.opt_secret(name)? {
            Some(secret) => Ok(secret),
            None => Err(Error::configuration(
                self.provider,
                format!("stored session has no {}", printable(name)),
            )),
        }
    }

    /// Takes an optional secret: `None` when missing, `null` or blank; an error when it is not
    /// a string.
    pub fn opt_secret<T: From<String>>(&mut self, name: &str) -> Result<Option<T>> {
        match self.take(name) {
            Value::Null => Ok(None),
            Value::String(s) if s.trim().is_empty() => Ok(None),
            // The string moves into the secret type; it is not copied.
            Value::String(s) => Ok(Some(T::from(s))),
            _ => Err(self.unreadable(name)),
        }
    }

    /// Takes a required time written by [`StateWriter::time`]: whole Unix seconds in the `i64`
    /// range, clamped to years 0 to 9999 ([`timing::from_unix_seconds`]).
    pub fn time(&mut self, name: &str) -> Result<SystemTime> {
        self.opt_time(name)?.ok_or_else(|| self.unreadable(name))
    }

    /// Takes an optional time: `None` when missing or `null`, an error when it is not an
    /// integer in the `i64` range.
    pub fn opt_time(&mut self, name: &str) -> Result<Option<SystemTime>> {
        match self.take(name) {
            Value::Null => Ok(None),
            Value::Number(n) => n
                .as_i64()
                .map(|secs| Some(timing::from_unix_seconds(secs)))
                .ok_or_else(|| self.unreadable(name)),
            _ => Err(self.unreadable(name)),
        }
    }

    /// Takes an optional lifetime written by [`StateWriter::secs`]: `None` when missing or
    /// `null`, an error when it is not a non-negative integer; huge values saturate
    /// ([`timing::secs_u64`]).
    pub fn secs(&mut self, name: &str) -> Result<Option<Duration>> {
        match self.take(name) {
            Value::Null => Ok(None),
            Value::Number(n) => n
                .as_u64()
                .map(|secs| Some(timing::secs_u64(secs)))
                .ok_or_else(|| self.unreadable(name)),
            _ => Err(self.unreadable(name)),
        }
    }
}

/// A field name as it may appear in an error: the names are the provider's own constants, but
/// a message stays one printable line whatever it is given.
fn printable(name: &str) -> String {
    name.chars().filter(|c| !c.is_control()).take(64).collect()
}

impl PersistedSession {
    /// A writer for a new persisted session's state.
    pub fn writer() -> StateWriter {
        StateWriter::new()
    }

    /// A reader of this session's state, for `provider`'s errors.
    pub fn reader(&self, provider: &'static str) -> Result<StateReader> {
        StateReader::parse(provider, &self.state)
    }

    /// The stored expiry: [`Expiry::At`] the stored deadline, [`Expiry::Never`] without one.
    pub fn expiry(&self) -> Expiry {
        self.expires_at.map_or(Expiry::Never, Expiry::At)
    }

    /// The stored expiry, or `fallback` when no deadline was stored (a provider that assumes a
    /// lifetime from the moment of restoring).
    pub fn expiry_or(&self, fallback: impl FnOnce() -> Expiry) -> Expiry {
        self.expires_at.map_or_else(fallback, Expiry::At)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::secret::{SessionToken, Ticket};

    fn reader(json: &str) -> Result<StateReader> {
        PersistedSession::new(SecretState::new(json), None).reader("p")
    }

    #[test]
    fn written_fields_read_back_typed() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let p = PersistedSession::writer()
            .field("v", 1)
            .secret("token", "TOK-\u{1F511}-ключ")
            .secret("none", None)
            .field("limited", Some("KYC"))
            .field("flag", true)
            .time("issued_at", t)
            .time("never", None)
            .secs("idle", Duration::from_secs(7_200))
            .finish(Some(t));
        assert!(!format!("{p:?}").contains("TOK-"));
        let mut r = p.reader("p").unwrap();
        assert!(r.has("v") && r.has("none") && !r.has("absent"));
        assert_eq!(r.field::<u8>("v").unwrap(), 1);
        let token: SessionToken = r.secret("token").unwrap();
        assert_eq!(token.expose_secret(), "TOK-\u{1F511}-ключ");
        assert!(r.opt_secret::<SessionToken>("none").unwrap().is_none());
        assert_eq!(
            r.field::<Option<String>>("limited").unwrap().as_deref(),
            Some("KYC")
        );
        assert!(r.field::<bool>("flag").unwrap());
        assert_eq!(r.time("issued_at").unwrap(), t);
        assert_eq!(r.opt_time("never").unwrap(), None);
        assert_eq!(r.secs("idle").unwrap(), Some(Duration::from_secs(7_200)));
        assert_eq!(p.expiry(), Expiry::At(t));
        assert_eq!(p.expiry_or(|| Expiry::Unknown), Expiry::At(t));
        let open = PersistedSession::new(SecretState::new("{}"), None);
        assert_eq!(open.expiry(), Expiry::Never);
        assert_eq!(open.expiry_or(|| Expiry::Unknown), Expiry::Unknown);
        // Each field is taken once.
        assert!(r.secret::<SessionToken>("token").is_err());
    }

    /// Corrupt and hostile records: every read is a typed configuration error (or a clamped
    /// value), none panics, none quotes the stored value.
    #[test]
    fn hostile_records_are_typed_errors_never_panics() {
        for bad in [
            "",
            "not json",
            "[1,2]",
            "\"a string\"",
            "null",
            "42",
            "{\"unterminated\": ",
            "\u{feff}{}",
            &"[".repeat(10_000),
            &format!("{}{}", "{\"a\":".repeat(5_000), "}".repeat(5_000)),
        ] {
            let e = reader(bad).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Configuration, "{bad:.20}");
        }
        let mut r = reader(
            r#"{"ticket": 5, "blank": "  ", "arr": ["SECRET-IN-ARRAY"], "obj": {"k": "SECRET-IN-OBJ"},
                "t_float": 1e300, "t_big": 18446744073709551616, "t_u64": 18446744073709551615,
                "t_str": "1700000000", "t_neg": -9223372036854775808, "t_max": 9223372036854775807,
                "s_neg": -1, "s_float": 1.5, "s_huge": 18446744073709551615, "s_str": "60",
                "flag": "true", "n": -1, "ключ": "значение", "nul": "a\u0000b"}"#,
        )
        .unwrap();
        let kind = |e: Error| {
            let shown = format!("{e} {e:?}");
            assert!(!shown.contains("SECRET"), "{shown}");
            e.kind()
        };
        let cfg = Some(ErrorKind::Configuration);
        assert_eq!(r.secret::<Ticket>("ticket").err().map(kind), cfg);
        assert_eq!(r.secret::<Ticket>("blank").err().map(kind), cfg);
        assert_eq!(r.secret::<Ticket>("missing").err().map(kind), cfg);
        assert_eq!(r.secret::<Ticket>("arr").err().map(kind), cfg);
        assert_eq!(r.opt_secret::<Ticket>("obj").err().map(kind), cfg);
        assert_eq!(r.time("t_float").err().map(kind), cfg);
        assert_eq!(r.time("t_big").err().map(kind), cfg);
        assert_eq!(r.time("t_u64").err().map(kind), cfg);
        assert_eq!(r.time("t_str").err().map(kind), cfg);
        assert_eq!(r.time("missing").err().map(kind), cfg);
        // In range for i64: clamped to years 0 and 9999.
        assert_eq!(
            r.time("t_neg").unwrap(),
            timing::from_unix_seconds(timing::MIN_UNIX_SECONDS)
        );
        assert_eq!(r.time("t_max").unwrap(), timing::max_time());
        assert_eq!(r.secs("s_neg").err().map(kind), cfg);
        assert_eq!(r.secs("s_float").err().map(kind), cfg);
        assert_eq!(r.secs("s_str").err().map(kind), cfg);
        assert_eq!(r.secs("s_huge").unwrap(), Some(timing::MAX_LIFETIME));
        assert_eq!(r.field::<bool>("flag").err().map(kind), cfg);
        assert_eq!(r.field::<u32>("n").err().map(kind), cfg);
        assert_eq!(r.field::<bool>("missing").err().map(kind), cfg);
        assert_eq!(r.field::<String>("ключ").unwrap(), "значение");
        let nul: SessionToken = r.secret("nul").unwrap();
        assert_eq!(nul.expose_secret(), "a\0b");
        // A field name with control characters stays one line in the message.
        let e = r.time("line\r\nbreak").unwrap_err();
        assert!(!e.to_string().contains('\n'));
    }
}
