//! A customer's interactive login with a vendor's app key: [`CustomerLogin`], pending activation
//! included.

use super::*;

/// How a customer's interactive login with a vendor's app key ended.
#[derive(Debug)]
#[non_exhaustive]
pub enum CustomerLogin {
    /// A normal session: the customer's subscription is active (or none is needed).
    Active(BetfairSession),
    /// Betfair answered `PENDING_AUTH`: the session may only activate a subscription. Call
    /// [`AccountsClient::activate_application_subscription`] with it, then log in again.
    PendingActivation(BetfairSession),
}

impl CustomerLogin {
    /// The session, either way.
    pub fn session(&self) -> &BetfairSession {
        match self {
            Self::Active(s) | Self::PendingActivation(s) => s,
        }
    }

    /// The session, either way.
    pub fn into_session(self) -> BetfairSession {
        match self {
            Self::Active(s) | Self::PendingActivation(s) => s,
        }
    }

    /// Whether the subscription still has to be activated.
    pub fn is_pending_activation(&self) -> bool {
        matches!(self, Self::PendingActivation(_))
    }
}

impl BetfairSession {
    /// Whether the login answered `PENDING_AUTH`: the customer has not activated a subscription
    /// to the (vendor's) app key yet. Such a session may activate one; then log in again.
    pub fn is_pending_activation(&self) -> bool {
        self.limited_access()
            .is_some_and(|r| r.eq_ignore_ascii_case("PENDING_AUTH"))
    }
}

impl BetfairProvider {
    /// Logs a customer in (one login, without a manager) and tells a `PENDING_AUTH` answer apart:
    /// with a vendor's app key, a customer without an activated subscription gets a session that
    /// can only activate one.
    #[tracing::instrument(name = "betfair.customer_login", skip_all, fields(provider = NAME))]
    pub async fn customer_login(&self) -> Result<CustomerLogin> {
        let session = SessionProvider::login(self).await?;
        Ok(if session.is_pending_activation() {
            CustomerLogin::PendingActivation(session)
        } else {
            CustomerLogin::Active(session)
        })
    }
}
