//! How a provider plugs into `sessions`: the [`Provider`] trait its CLI module implements, and
//! what is derived from the one table of providers, [`crate::cli::with_providers`]: the
//! dispatch of a parsed command line, the simulators `sessions simulate` starts and the
//! lifecycles `sessions demo` runs.
//!
//! `status` and `profiles` read only the store, the same way for every provider, so [`run`]
//! answers them itself; a provider's [`Provider::execute`] handles the rest.

use session_core::Result;

use crate::cli::Providers;
use crate::common::{self, Globals};
use crate::output::{Outcome, Report};

/// A provider of the `sessions` binary, implemented by the marker type its CLI module defines
/// (`pub(crate) struct Cas;` in `src/cas.rs`) and registered by one line of
/// [`crate::cli::with_providers`]. Its `sessions demo` lifecycle and `sessions simulate`
/// simulator come from [`crate::demo::Demo`], implemented in `src/demo/<name>.rs`.
///
/// A login/check/logout provider `x` (see `src/seaware.rs` for a complete one) is, besides its
/// clap definition in `src/cli/x.rs`:
///
/// ```text
/// pub(crate) struct X;
///
/// impl Provider for X {
///     const NAME: &'static str = "x";
///     type Args = XArgs;
///
///     fn command(args: &XArgs) -> &'static str {
///         match &args.command {
///             XCommand::Login { .. } => "login",
///             XCommand::Status => "status",
///             ... one arm per command ...
///         }
///     }
///
///     async fn execute(globals: &Globals, args: XArgs) -> Result<Report> {
///         let login = matches!(args.command, XCommand::Login { .. } | XCommand::Exec(_));
///         let specs = vec![/* the options stored with the session */];
///         let prepared = common::prepare(globals, "x", login, specs).await?;
///         let provider = /* XProvider::builder(...), common::with_globals!, build() */;
///         let account = Account::new(prepared, provider, LoginRule::when(login, "x"));
///         match &args.command {
///             XCommand::Login { reveal } => { /* account.login(), a Report */ }
///             XCommand::Check => { /* account.renew() */ }
///             XCommand::Logout => account.logout(globals.now()).await,
///             XCommand::Exec(exec) => common::exec(&account, env, &HIDDEN, &exec.command).await,
///             XCommand::Status | XCommand::Profiles => Err(answered_by_run("x")),
///         }
///     }
/// }
/// ```
pub(crate) trait Provider {
    /// The provider's name, as in the table: the subcommand, the JSON `provider`, the profile
    /// folder, the prefix of its error messages.
    const NAME: &'static str;

    /// Its clap arguments (`cli::<name>::<Type>Args`), the value of its [`Providers`] variant.
    type Args;

    /// The JSON `command` of a parsed command line: the subcommand as typed (`login`,
    /// `vendor history`), or its canonical name for an alias (`open` for `login`). `status` and
    /// `profiles` must be named so: [`run`] answers them without calling [`Provider::execute`].
    fn command(args: &Self::Args) -> &'static str;

    /// Runs one command (never `status` or `profiles`) and returns its report.
    async fn execute(globals: &Globals, args: Self::Args) -> Result<Report>;
}

/// Runs one command of `P`: `status` and `profiles` with [`common::status`] and
/// [`common::profiles`], any other with [`Provider::execute`].
pub(crate) async fn run<P: Provider>(globals: &Globals, args: P::Args) -> Outcome {
    let command = P::command(&args);
    let result = match command {
        "status" => common::status(globals, P::NAME).await,
        "profiles" => common::profiles(globals, P::NAME).await,
        _ => P::execute(globals, args).await,
    };
    Outcome {
        provider: P::NAME,
        command: command.to_owned(),
        result,
    }
}

/// The error a provider's `execute` gives for `status` or `profiles`, which [`run`] answers
/// before calling it (so this is never reported; it keeps the provider's `match` exhaustive).
pub(crate) fn answered_by_run(provider: &'static str) -> session_core::Error {
    session_core::Error::configuration(provider, "this command reads only the store")
}

/// The words the command line accepts where a provider may stand: every provider and the other
/// commands (`usage_error` names the one it finds in its JSON error).
pub(crate) fn command_words() -> impl Iterator<Item = &'static str> {
    Providers::NAMES
        .iter()
        .copied()
        .chain(["demo", "simulate", "completions"])
}

/// Everything derived from the table, for each line `name: Type(Args)`.
macro_rules! derive_from_table {
    ($($name:ident: $Type:ident($Args:ident),)+) => {
        impl Providers {
            /// Runs the command with its provider.
            pub(crate) async fn run(self, globals: &Globals) -> Outcome {
                match self {
                    $(Self::$Type(args) => run::<crate::$name::$Type>(globals, args).await,)+
                }
            }
        }

        #[cfg(feature = "demo")]
        impl crate::cli::SimProvider {
            /// Starts the provider's simulator for `sessions simulate`.
            pub(crate) async fn start(
                self,
                args: &crate::cli::SimulateArgs,
            ) -> Result<crate::simulate::Simulator> {
                match self {
                    $(Self::$Type => crate::simulate::start::<crate::$name::$Type>(args).await,)+
                }
            }
        }

        /// Every provider's `sessions demo` lifecycle, in the table's order.
        #[cfg(feature = "demo")]
        pub(crate) fn demos() -> Vec<(&'static str, crate::demo::Runner)> {
            use crate::demo::Demo;
            vec![$((
                <crate::$name::$Type as Provider>::NAME,
                |t| Box::pin(<crate::$name::$Type as Demo>::lifecycle(t)),
            ),)+]
        }

        /// Each provider's [`Provider::NAME`], in the table's order (for the registration test).
        #[cfg(test)]
        const DECLARED_NAMES: &[&str] = &[$(<crate::$name::$Type as Provider>::NAME),+];
    };
}
crate::cli::with_providers!(derive_from_table);

#[cfg(test)]
mod tests;
