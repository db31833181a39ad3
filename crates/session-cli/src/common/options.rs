//! The options that shape a session, resolved against the stored session, and the wrapper the
//! CLI stores around a provider's state.

use super::*;

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

/// The name clap gives a value (`form` for `--params form`, `COM` for `--territory com`): the
/// form an option is stored in with the session.
pub(crate) fn value_name<V: clap::ValueEnum>(value: Option<V>) -> Option<String> {
    value
        .and_then(|v| v.to_possible_value())
        .map(|p| p.get_name().to_owned())
}

/// The options stored with a session, resolved for one command.
#[derive(Clone, Debug, Default)]
pub(crate) struct SessionOptions(pub(super) Map<String, Value>);

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
pub(super) const WRAP: &str = "sessions_cli";

pub(super) struct Unwrapped {
    pub(super) state: SecretState,
    pub(super) options: Option<Map<String, Value>>,
    pub(super) logged_in_at: Option<SystemTime>,
}

pub(super) fn unwrap_state(state: &SecretState) -> Unwrapped {
    let plain = || Unwrapped {
        state: state.clone(),
        options: None,
        logged_in_at: None,
    };
    let Ok(mut v) = StateReader::parse("sessions", state) else {
        return plain();
    };
    if !v.has(WRAP) {
        return plain();
    }
    let Ok(Some(inner)) = v.opt_secret::<SecretState>("state") else {
        return plain();
    };
    Unwrapped {
        state: inner,
        options: v.field("options").ok().flatten(),
        logged_in_at: v.opt_time("logged_in_at").ok().flatten(),
    }
}

/// The options a stored record's session was made with, if it has any.
pub(crate) fn stored_options(record: Option<&StoredRecord>) -> Option<Map<String, Value>> {
    unwrap_state(&record?.session.as_ref()?.state).options
}
