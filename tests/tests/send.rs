//! `SessionManager::get()` (and `refresh()` and `logout()`) give a `Send` future for every
//! provider's manager, also when awaited inside another `async` block that must be `Send` (as an
//! `async_trait` method or a `tokio::spawn`ed task is): the form in which a future that holds a
//! borrowed `SessionManager<Arc<dyn SessionProvider<…>>>` across an await used to fail with
//! "implementation of `Send` is not general enough". A regression fails to compile.

use std::sync::Arc;

use session_core::SessionManager;

/// Compiles only for a `Send` value.
fn assert_send<T: Send>(_: &T) {}

/// Checks `get`, `refresh` and `logout` of a `SessionManager<$provider>`, each awaited directly and
/// inside an async block that borrows the manager.
macro_rules! send_futures {
    ($($provider:ty),+ $(,)?) => {$(
        let _ = |m: &SessionManager<$provider>| {
            assert_send(&m.get());
            assert_send(&m.refresh());
            assert_send(&m.logout());
            assert_send(&async move { m.get().await });
            assert_send(&async move { m.refresh().await });
            assert_send(&async move { m.logout().await });
            assert_send(&async move {
                let lease = m.get().await?;
                m.invalidate(&lease);
                m.get().await
            });
        };
    )+};
}

/// Every provider in the workspace, as itself and type-erased behind `Arc<dyn SessionProvider>`.
#[test]
fn every_manager_gives_send_futures() {
    type Dyn<S> = Arc<dyn session_core::SessionProvider<Session = S>>;
    send_futures!(
        session_core::StaticTokenProvider,
        Dyn<session_core::StaticToken>,
        session_core::oauth::ClientCredentialsProvider,
        Dyn<session_core::oauth::OAuthSession>,
        session_cas::CasProvider,
        Dyn<session_cas::CasSession>,
        session_betfair::BetfairProvider,
        Dyn<session_betfair::BetfairSession>,
        session_betfair::WebAppProvider,
        Dyn<session_betfair::WebAppSession>,
        session_seaware::SeawareProvider,
        Dyn<session_seaware::SeawareSession>,
        session_pagos::PagosProvider,
        Dyn<session_pagos::DedicatedSession>,
        session_pagos::TokenProvider,
        session_matchbook::MatchbookProvider,
        Dyn<session_matchbook::MatchbookSession>,
        session_pagos::BearerSource<session_core::StaticTokenProvider>,
    );
}

/// The calls built on `call_with_session` give `Send` futures too: the Pagos client's, and the
/// Betfair Accounts client's with each kind of session source.
#[test]
fn calls_that_recover_from_a_rejection_give_send_futures() {
    use session_betfair::{AccountsClient, BetfairSession, SubscriptionHistoryQuery};
    let _ = |client: &session_pagos::PagosClient| {
        assert_send(&async move { client.call("GetResult", serde_json::json!({})).await });
        assert_send(&async move { client.call_once("Save", serde_json::json!({})).await });
    };
    macro_rules! accounts {
        ($($source:ty),+ $(,)?) => {$(
            let _ = |client: &AccountsClient, source: &$source| {
                assert_send(&async move { client.get_vendor_client_id(source).await });
                let query = SubscriptionHistoryQuery::Customer {
                    application_key: None,
                };
                assert_send(&async move {
                    client
                        .get_application_subscription_history(source, &query)
                        .await
                });
            };
        )+};
    }
    accounts!(
        BetfairSession,
        session_core::Lease<BetfairSession>,
        SessionManager<session_betfair::BetfairProvider>,
        Arc<SessionManager<session_betfair::BetfairProvider>>,
        session_betfair::WebAppSession,
        SessionManager<session_betfair::WebAppProvider>,
        SessionManager<Arc<dyn session_core::SessionProvider<Session = BetfairSession>>>,
        dyn session_core::SessionSource<Session = BetfairSession>,
    );
}
