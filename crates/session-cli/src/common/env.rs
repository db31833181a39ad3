//! Values from the environment: optional variables, and credentials asked for on a terminal.

use super::*;

/// An environment variable: `None` when unset or empty, an error naming it (never its value)
/// when it is not valid UTF-8.
pub(crate) fn env_opt(provider: &'static str, name: &'static str) -> Result<Option<String>> {
    env_value(provider, name, std::env::var_os(name))
}

/// [`env_opt`] on a given value (for tests with non-UTF-8 bytes).
pub(crate) fn env_value(
    provider: &'static str,
    name: &'static str,
    value: Option<OsString>,
) -> Result<Option<String>> {
    match value {
        None => Ok(None),
        Some(v) => match v.into_string() {
            Ok(s) if s.is_empty() => Ok(None),
            Ok(s) => Ok(Some(s)),
            Err(_) => Err(Error::configuration(
                provider,
                format!("environment variable {name} is not valid UTF-8"),
            )),
        },
    }
}

/// A credential variable. When it is missing and both stdin and stderr are terminals, it is
/// asked for without echo; otherwise (CI, pipes, tests) a missing variable is a configuration
/// error naming it.
pub(crate) fn env_required(provider: &'static str, name: &'static str) -> Result<String> {
    let missing =
        || Error::configuration(provider, format!("environment variable {name} is not set"));
    match env_opt(provider, name)? {
        Some(v) => Ok(v),
        None if std::io::stdin().is_terminal() && std::io::stderr().is_terminal() => {
            let answer = rpassword::prompt_password(format!("{provider}: {name}: "))
                .map_err(|_| missing())?;
            if answer.is_empty() {
                Err(missing())
            } else {
                Ok(answer)
            }
        }
        None => Err(missing()),
    }
}
