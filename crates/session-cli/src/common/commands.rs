//! The commands every provider shares: `status`, `profiles` and `exec`.

use super::*;

/// `status`: the stored session's expiry and age, without any network call.
pub(crate) async fn status(globals: &Globals, provider: &'static str) -> Result<Report> {
    let store = globals.required_store(provider)?;
    let record = store.load("").await?.ok_or_else(|| no_session(provider))?;
    if record.provider != provider {
        return Err(Error::configuration(
            provider,
            "the stored session belongs to another provider",
        ));
    }
    let session = record
        .session
        .as_ref()
        .ok_or_else(|| no_session(provider))?;
    let now = globals.now();
    let expires_at = session.expires_at;
    let expired = expires_at.is_some_and(|t| t <= now);
    let expires_in = expires_at.map(|t| match t.duration_since(now) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(_) => 0,
    });
    let logged_in_at = unwrap_state(&session.state).logged_in_at.or_else(|| {
        std::fs::metadata(store.path())
            .and_then(|m| m.modified())
            .ok()
    });
    let age = logged_in_at.map(|t| now.duration_since(t).unwrap_or_default().as_secs());
    let banned_until = record.banned_until.filter(|t| *t > now);
    Ok(Report::new()
        .expires_at(expires_at)
        .field("expired", expired)
        .field("expires_in_secs", expires_in)
        .field("age_secs", age)
        .field("account", record.key.clone())
        .field("banned_until", crate::output::time_value(banned_until)))
}

/// `profiles`: every stored profile of `provider`, with its account and expiry; no secrets.
pub(crate) async fn profiles(globals: &Globals, provider: &'static str) -> Result<Report> {
    let folder = profile_folder(provider)?;
    let mut names: Vec<String> = match std::fs::read_dir(&folder) {
        Ok(entries) => entries
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .filter_map(|e| e.file_name().into_string().ok())
            .filter_map(|n| n.strip_suffix(".json").map(str::to_owned))
            .filter(|n| check_profile_name(provider, n).is_ok())
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(_) => {
            return Err(Error::configuration(
                provider,
                "cannot read the profile folder",
            ));
        }
    };
    names.sort();
    let now = globals.now();
    let mut list = Vec::with_capacity(names.len());
    for name in names {
        let store = FileStore::new(folder.join(format!("{name}.json")));
        let mut entry = Map::new();
        entry.insert("name".to_owned(), Value::String(name));
        match store.load("").await {
            Ok(Some(record)) => {
                let expires_at = record.session.as_ref().and_then(|s| s.expires_at);
                let live = record.session.is_some() && expires_at.is_none_or(|t| t > now);
                entry.insert("account".to_owned(), Value::String(record.key.clone()));
                entry.insert(
                    "has_session".to_owned(),
                    Value::Bool(record.session.is_some()),
                );
                entry.insert(
                    "expires_at".to_owned(),
                    crate::output::time_value(expires_at),
                );
                entry.insert("expired".to_owned(), Value::Bool(!live));
                entry.insert(
                    "banned_until".to_owned(),
                    crate::output::time_value(record.banned_until.filter(|t| *t > now)),
                );
            }
            Ok(None) => {
                entry.insert("has_session".to_owned(), Value::Bool(false));
            }
            Err(_) => {
                entry.insert("unreadable".to_owned(), Value::Bool(true));
            }
        }
        list.push(Value::Object(entry));
    }
    Ok(Report::new()
        .field("folder", folder.display().to_string())
        .field("count", list.len())
        .field("profiles", Value::Array(list)))
}

/// The variables `exec` puts into its child's environment: secrets and plain values.
pub(crate) type ChildEnv = Vec<(&'static str, String)>;

/// `exec -- CMD ARGS...`: runs the command with the session in its environment (and without the
/// provider's password variables), keeps the session alive while it runs, and returns its exit
/// code (128 + signal when a signal ended it, 127 when it could not be started) as the report's
/// [`Report::passthrough`]. Without a store the session is logged out after the child exits.
pub(crate) async fn exec<P: SessionProvider>(
    account: &Account<P>,
    env: impl FnOnce(&P::Session) -> ChildEnv,
    hide: &[&str],
    command: &[OsString],
) -> Result<Report> {
    let (lease, _) = account.login().await?;
    let Some((program, args)) = command.split_first() else {
        return Err(Error::configuration(
            account.name,
            "exec needs a command after --",
        ));
    };
    let mut child = tokio::process::Command::new(program);
    child.args(args);
    for name in hide {
        child.env_remove(name);
    }
    for (name, value) in env(&lease.session().inner) {
        child.env(name, value);
    }
    drop(lease);
    // The supervisor starts only once the child runs: started earlier, it could log in again
    // between the logout below and its own end.
    let code = match child.spawn() {
        Err(e) => {
            tracing::debug!(provider = account.name, error = %e.kind(), "exec could not start the command");
            let code = if e.kind() == std::io::ErrorKind::NotFound {
                127
            } else {
                126
            };
            let _ = account.end_unstored().await;
            return Err(
                Error::configuration(account.name, "exec could not start the command").with_code(
                    if code == 127 {
                        "COMMAND_NOT_FOUND"
                    } else {
                        "COMMAND_NOT_STARTED"
                    },
                ),
            );
        }
        Ok(mut running) => {
            let keep_alive = account.keep_alive();
            let code = loop {
                tokio::select! {
                    status = running.wait() => break exit_status_code(status.ok()),
                    // Ctrl-C reaches the child too (same process group); wait for it to end.
                    _ = tokio::signal::ctrl_c() => {}
                }
            };
            keep_alive.shutdown().await;
            code
        }
    };
    account.end_unstored().await?;
    Ok(Report::passthrough(code))
}

pub(super) fn exit_status_code(status: Option<std::process::ExitStatus>) -> u8 {
    let Some(status) = status else { return 1 };
    if let Some(code) = status.code() {
        return u8::try_from(code & 0xff).unwrap_or(1);
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return u8::try_from(signal & 0x7f).map_or(1, |s| s.saturating_add(128));
        }
    }
    1
}
