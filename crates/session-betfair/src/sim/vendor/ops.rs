//! Operation dispatch and what every operation shares: the caller (a session token or a web-app
//! bearer token), the vendor app named by `X-Application`, and parameter access.

use super::*;

pub(super) struct Caller {
    pub(super) user: String,
}

pub(super) fn caller(st: &State, req: &SimRequest, now: SystemTime) -> Result<Caller, Answer> {
    if let Some(token) = req.header("x-authentication").filter(|t| !t.is_empty()) {
        return match st.sessions.get(token) {
            Some(s) if s.expires_at > now => Ok(Caller {
                user: s.username.clone(),
            }),
            _ => Err(exception("INVALID_SESSION_INFORMATION")),
        };
    }
    if let Some(auth) = req.header("authorization") {
        let token = auth
            .split_once(' ')
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t.trim())
            .unwrap_or("");
        return match st.vendor.access.get(token) {
            Some(a) if a.expires_at > now => Ok(Caller {
                user: a.customer.clone(),
            }),
            _ => Err(exception("INVALID_SESSION_INFORMATION")),
        };
    }
    Err(exception("NO_SESSION"))
}

/// The vendor app named by `X-Application`, which `user` must own.
pub(super) fn owned_app(st: &State, req: &SimRequest, user: &str) -> Result<SimVendorApp, Answer> {
    let key = req
        .header("x-application")
        .filter(|k| !k.is_empty())
        .ok_or_else(|| exception("NO_APP_KEY"))?;
    match st.vendor.app(key) {
        Some(app) if app.owner == user => Ok(app.clone()),
        _ => Err(exception("INVALID_APP_KEY")),
    }
}

/// The vendor app named by `X-Application` (any caller).
pub(super) fn named_app(st: &State, req: &SimRequest) -> Result<SimVendorApp, Answer> {
    let key = req
        .header("x-application")
        .filter(|k| !k.is_empty())
        .ok_or_else(|| exception("NO_APP_KEY"))?;
    st.vendor
        .app(key)
        .cloned()
        .ok_or_else(|| exception("INVALID_APP_KEY"))
}

pub(super) fn p_str<'a>(params: &'a Value, key: &str) -> Option<&'a str> {
    params.get(key).and_then(Value::as_str)
}

pub(super) fn p_i64(params: &Value, key: &str) -> Option<i64> {
    let v = params.get(key)?;
    v.as_i64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
}

/// Answers one operation: a short dispatch to the function implementing it.
pub(super) fn operation(
    st: &mut State,
    now: SystemTime,
    req: &SimRequest,
    op: AccountsOp,
    p: &Value,
) -> Answer {
    use AccountsOp as O;
    match op {
        O::GetApplicationSubscriptionToken => {
            subscriptions::get_application_subscription_token(st, now, req, p)
        }
        O::ActivateApplicationSubscription => {
            subscriptions::activate_application_subscription(st, now, req, p)
        }
        O::CancelApplicationSubscription => {
            subscriptions::cancel_application_subscription(st, now, req, p)
        }
        O::UpdateApplicationSubscription => {
            subscriptions::update_application_subscription(st, now, req, p)
        }
        O::ListApplicationSubscriptionTokens => {
            subscriptions::list_application_subscription_tokens(st, now, req, p)
        }
        O::ListAccountSubscriptionTokens => {
            subscriptions::list_account_subscription_tokens(st, now, req)
        }
        O::GetApplicationSubscriptionHistory => {
            subscriptions::get_application_subscription_history(st, now, req, p)
        }
        O::GetVendorClientId => webapps::get_vendor_client_id(st, now, req),
        O::GetVendorDetails => webapps::get_vendor_details(st, now, req, p),
        O::Token => webapps::token(st, now, req, p),
        O::IsAccountSubscribedToWebApp => {
            webapps::is_account_subscribed_to_web_app(st, now, req, p)
        }
        O::RevokeAccessToWebApp => webapps::revoke_access_to_web_app(st, now, req, p),
        O::ListAuthorizedWebApps => webapps::list_authorized_web_apps(st, now, req),
        O::GetAffiliateRelation => webapps::get_affiliate_relation(st, now, req, p),
        O::GetAuthorisationCode => webapps::get_authorisation_code(st, now, req, p),
    }
}
