//! Every provider crate re-exports the same `session-core` items (through
//! `session_core::prelude`, checked here too) — the very same types, not
//! look-alikes — so `cargo add session-<provider>` is enough and helpers written against one
//! provider's re-exports accept another's. A missing or different re-export fails to compile.

use std::marker::PhantomData as P;

use session_core::StaticToken;

/// Compiles only when both markers name the same type.
fn same<T: ?Sized>(_: P<T>, _: P<T>) {}

macro_rules! surface {
    ($name:ident, $($krate:ident)::+) => {
        #[test]
        fn $name() {
            same(P::<$($krate)::+::Error>, P::<session_core::Error>);
            same(P::<$($krate)::+::ErrorKind>, P::<session_core::ErrorKind>);
            same(P::<$($krate)::+::HttpFailure>, P::<session_core::HttpFailure>);
            same(P::<$($krate)::+::Result<()>>, P::<session_core::Result<()>>);
            same(P::<$($krate)::+::Event>, P::<session_core::Event>);
            same(P::<$($krate)::+::Health>, P::<session_core::Health>);
            same(P::<$($krate)::+::KeepAlive>, P::<session_core::KeepAlive>);
            same(
                P::<$($krate)::+::LogoutOnDrop<session_core::StaticTokenProvider>>,
                P::<session_core::LogoutOnDrop<session_core::StaticTokenProvider>>,
            );
            same(P::<$($krate)::+::Expiry>, P::<session_core::Expiry>);
            same(P::<$($krate)::+::RenewPolicy>, P::<session_core::RenewPolicy>);
            same(
                P::<$($krate)::+::Renewal<StaticToken>>,
                P::<session_core::Renewal<StaticToken>>,
            );
            same(
                P::<$($krate)::+::Lease<StaticToken>>,
                P::<session_core::Lease<StaticToken>>,
            );
            same(
                P::<$($krate)::+::SessionManager<session_core::StaticTokenProvider>>,
                P::<session_core::SessionManager<session_core::StaticTokenProvider>>,
            );
            same(
                P::<$($krate)::+::ManagerBuilder<session_core::StaticTokenProvider>>,
                P::<session_core::ManagerBuilder<session_core::StaticTokenProvider>>,
            );
            same(P::<dyn $($krate)::+::Session>, P::<dyn session_core::Session>);
            same(
                P::<dyn $($krate)::+::SessionProvider<Session = StaticToken>>,
                P::<dyn session_core::SessionProvider<Session = StaticToken>>,
            );
            same(P::<dyn $($krate)::+::Clock>, P::<dyn session_core::Clock>);
            same(P::<$($krate)::+::SystemClock>, P::<session_core::SystemClock>);
            same(
                P::<dyn $($krate)::+::SessionStore>,
                P::<dyn session_core::SessionStore>,
            );
            same(P::<$($krate)::+::MemoryStore>, P::<session_core::MemoryStore>);
            same(P::<$($krate)::+::FileStore>, P::<session_core::FileStore>);
            same(P::<$($krate)::+::HeaderMap>, P::<session_core::HeaderMap>);
            same(P::<$($krate)::+::TlsBackend>, P::<session_core::http::TlsBackend>);
            same(
                P::<$($krate)::+::PersistedSession>,
                P::<session_core::PersistedSession>,
            );
            same(
                P::<$($krate)::+::HttpResponse>,
                P::<session_core::http::HttpResponse>,
            );
            same(
                P::<$($krate)::+::BlockingManager<session_core::StaticTokenProvider>>,
                P::<session_core::blocking::BlockingManager<session_core::StaticTokenProvider>>,
            );
            same(
                P::<$($krate)::+::BlockingKeepAlive>,
                P::<session_core::blocking::BlockingKeepAlive>,
            );
        }
    };
}

surface!(cas_reexports_the_core_surface, session_cas);
surface!(betfair_reexports_the_core_surface, session_betfair);
surface!(seaware_reexports_the_core_surface, session_seaware);
surface!(pagos_reexports_the_core_surface, session_pagos);
surface!(matchbook_reexports_the_core_surface, session_matchbook);
surface!(the_core_prelude_is_that_surface, session_core::prelude);
