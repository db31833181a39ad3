//! The global options, the proxy settings of the environment, and where a session is stored
//! (`--store`, or a `--profile` file under the state folder).

use super::*;

/// The global options, checked.
#[derive(Debug, Default)]
pub(crate) struct Globals {
    /// `--base-url`.
    pub(crate) base_url: Option<String>,
    /// `--insecure-loopback`.
    pub(crate) insecure_loopback: bool,
    /// `--store`.
    pub(crate) store: Option<PathBuf>,
    /// `--profile`.
    pub(crate) profile: Option<String>,
    /// `--timeout`.
    pub(crate) timeout: Duration,
    /// `--ca-cert`.
    pub(crate) ca_cert: Option<PathBuf>,
    /// `--proxy`, else `HTTPS_PROXY` or `ALL_PROXY` (either case).
    pub(crate) proxy: Option<String>,
    /// `NO_PROXY` (either case): hosts reached directly although a proxy is set.
    pub(crate) no_proxy: Option<String>,
}

/// The proxy settings of the environment, as curl and most tools read them: `HTTPS_PROXY`, then
/// `ALL_PROXY`, each in upper or lower case; `NO_PROXY` likewise. Empty values are unset.
/// A variable that is not valid UTF-8 is a configuration error naming it.
pub(crate) fn proxy_from_env(flag: Option<String>) -> Result<(Option<String>, Option<String>)> {
    let var = |names: &[&'static str]| -> Result<Option<String>> {
        for name in names {
            if let Some(v) = env_opt("sessions", name)? {
                return Ok(Some(v));
            }
        }
        Ok(None)
    };
    let proxy = match flag {
        Some(p) => Some(p),
        None => var(&["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"])?,
    };
    Ok((proxy, var(&["NO_PROXY", "no_proxy"])?))
}

/// Applies the HTTP settings in [`Globals`] — `--insecure-loopback`, `--timeout`, the proxy and
/// `--ca-cert` — to any provider builder (every builder has these setters from
/// `session_core::http_option_methods!`), naming `$provider` in a `--ca-cert` read error.
/// Evaluates to `Result<builder>`.
macro_rules! with_globals {
    ($globals:expr, $provider:expr, $builder:expr) => {{
        let globals: &$crate::common::Globals = $globals;
        let mut builder = $builder
            .allow_insecure_loopback(globals.insecure_loopback)
            .timeout(globals.timeout);
        if let Some(proxy) = globals.proxy.as_deref() {
            builder = builder.proxy(proxy);
        }
        if let Some(hosts) = globals.no_proxy.as_deref() {
            builder = builder.no_proxy(hosts);
        }
        globals.ca_pem($provider).map(|pem| match pem {
            Some(pem) => builder.add_root_pem(pem),
            None => builder,
        })
    }};
}
pub(crate) use with_globals;

impl Globals {
    /// The current time.
    pub(crate) fn now(&self) -> SystemTime {
        SystemClock.now()
    }

    /// The `--ca-cert` file's contents, if given. The file is checked by the provider's builder.
    pub(crate) fn ca_pem(&self, provider: &'static str) -> Result<Option<Vec<u8>>> {
        match &self.ca_cert {
            None => Ok(None),
            Some(path) => std::fs::read(path)
                .map(Some)
                .map_err(|_| Error::configuration(provider, "cannot read the --ca-cert file")),
        }
    }

    /// The base URL: `--base-url`, else `default`, else a configuration error. The URL is checked
    /// here (https, or http to a loopback host with `--insecure-loopback`) before anything else.
    pub(crate) fn base_url(&self, provider: &'static str, default: Option<&str>) -> Result<String> {
        let url = match (&self.base_url, default) {
            (Some(url), _) => url.clone(),
            (None, Some(d)) => d.to_owned(),
            (None, None) => {
                return Err(Error::configuration(
                    provider,
                    "--base-url is required for this provider",
                ));
            }
        };
        self.check_url(provider, &url)?;
        Ok(url)
    }

    /// Checks a URL against the transport rules.
    pub(crate) fn check_url(&self, provider: &'static str, url: &str) -> Result<()> {
        session_core::http::parse_base_url(provider, url, self.insecure_loopback).map(|_| ())
    }

    /// Where this provider's session is kept: `--store PATH`, or the `--profile` file under the
    /// state folder, or nowhere. With `create`, the profile folders are created (mode 0700) and
    /// the folder of a `--store` file must exist.
    pub(crate) fn store(&self, provider: &'static str, create: bool) -> Result<Option<FileStore>> {
        if let Some(path) = &self.store {
            if create {
                let folder = match path.parent() {
                    Some(p) if !p.as_os_str().is_empty() => p,
                    _ => Path::new("."),
                };
                if !folder.is_dir() {
                    return Err(Error::configuration(
                        provider,
                        "the folder of the --store file does not exist",
                    ));
                }
            }
            return Ok(Some(FileStore::new(path)));
        }
        let Some(name) = &self.profile else {
            return Ok(None);
        };
        check_profile_name(provider, name)?;
        let folder = profile_folder(provider)?;
        if create {
            create_private_dirs(&folder)
                .map_err(|_| Error::configuration(provider, "cannot create the profile folder"))?;
        }
        Ok(Some(FileStore::new(folder.join(format!("{name}.json")))))
    }

    /// The store, required by commands that use a stored session.
    pub(crate) fn required_store(&self, provider: &'static str) -> Result<FileStore> {
        self.store(provider, false)?.ok_or_else(|| {
            Error::configuration(
                provider,
                "--store or --profile is required for this command",
            )
            .with_code("NO_STORE")
        })
    }
}

/// The state folder: `$XDG_STATE_HOME` (when absolute), else `$HOME/.local/state`.
pub(crate) fn state_home() -> Option<PathBuf> {
    let absolute = |v: OsString| Some(PathBuf::from(v)).filter(|p| p.is_absolute());
    std::env::var_os("XDG_STATE_HOME")
        .and_then(absolute)
        .or_else(|| {
            std::env::var_os("HOME")
                .and_then(absolute)
                .map(|h| h.join(".local").join("state"))
        })
}

/// The folder of a provider's profiles: `<state>/sessions/<provider>`.
pub(crate) fn profile_folder(provider: &'static str) -> Result<PathBuf> {
    state_home()
        .map(|s| s.join("sessions").join(provider))
        .ok_or_else(|| {
            Error::configuration(
                provider,
                "--profile needs XDG_STATE_HOME or HOME to be set to an absolute path",
            )
        })
}

/// A profile name is 1 to 64 characters of `A-Z a-z 0-9 . _ -`, not starting with a dot: it
/// becomes a file name, so it can never name another folder.
pub(super) fn check_profile_name(provider: &'static str, name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(Error::configuration(
            provider,
            "a --profile name is 1 to 64 letters, digits, '.', '_' or '-', not starting with '.'",
        ))
    }
}

/// Creates `folder` and its missing parents with mode 0700.
fn create_private_dirs(folder: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(folder)
}
