//! The vendor and web-app operations: vendor client ids and details, the `token` operation
//! (authorisation-code and refresh-token grants), web-app grants and their revocation, affiliate
//! relations and authorisation codes.

use super::*;

fn vendor_details(app: &SimVendorApp) -> Value {
    let mut v = json!({ "appVersionId": app.version_id, "vendorName": app.name });
    if let Some(url) = &app.redirect_url {
        v["redirectUrl"] = json!(url);
    }
    v
}

/// `getVendorClientId`: the caller's vendor client id for the vendor owning the named app (created
/// on first use).
pub(super) fn get_vendor_client_id(st: &mut State, now: SystemTime, req: &SimRequest) -> Answer {
    let who = tri!(caller(st, req, now));
    let app = tri!(named_app(st, req));
    Answer::Ok(json!(st.vendor.client_id(&who.user, &app.owner)))
}

/// `getVendorDetails`: the name, version and redirect URL of a web app, by vendor id.
pub(super) fn get_vendor_details(
    st: &State,
    now: SystemTime,
    req: &SimRequest,
    p: &Value,
) -> Answer {
    tri!(caller(st, req, now));
    let Some(id) = p_i64(p, "vendorId") else {
        return missing();
    };
    match st.vendor.web_app(id) {
        Some(app) => Answer::Ok(vendor_details(app)),
        None => exception("INVALID_INPUT_DATA"),
    }
}

/// `token`: exchanges an authorisation code or a refresh token for an access token.
pub(super) fn token(st: &mut State, now: SystemTime, req: &SimRequest, p: &Value) -> Answer {
    let who = tri!(caller(st, req, now));
    let app = tri!(owned_app(st, req, &who.user));
    let (Some(client_id), Some(grant), Some(secret)) = (
        p_i64(p, "client_id"),
        p_str(p, "grant_type"),
        p_str(p, "client_secret"),
    ) else {
        return missing();
    };
    let Some((vendor_id, expected)) = app.web.clone() else {
        return exception("INVALID_INPUT_DATA");
    };
    if client_id != vendor_id {
        return exception("INVALID_INPUT_DATA");
    }
    if secret != expected {
        return exception("INVALID_SECRET");
    }
    let customer = match (grant, p_str(p, "code"), p_str(p, "refresh_token")) {
        ("AUTHORIZATION_CODE", Some(code), _) => match st.vendor.codes.remove(code) {
            Some(c) if c.vendor_id == vendor_id => c.customer,
            _ => return exception("INVALID_AUTH_CODE"),
        },
        ("REFRESH_TOKEN", _, Some(refresh)) => match st.vendor.refresh.get(refresh) {
            Some((c, v)) if *v == vendor_id => c.clone(),
            // A refresh token destroyed by revocation: Betfair answers UNEXPECTED_ERROR.
            _ => return exception("UNEXPECTED_ERROR"),
        },
        _ => return exception("INVALID_GRANT_TYPE"),
    };
    let key = (customer.clone(), vendor_id);
    let refresh = match st.vendor.grants.get(&key) {
        Some(r) => r.clone(),
        None => {
            let r = st.vendor.secret("REFRESH");
            st.vendor.grants.insert(key, r.clone());
            st.vendor
                .refresh
                .insert(r.clone(), (customer.clone(), vendor_id));
            r
        }
    };
    let access = st.vendor.secret("ACCESS");
    let ttl = st.vendor.access_ttl;
    st.vendor.access.insert(
        access.clone(),
        Access {
            customer: customer.clone(),
            vendor_id,
            expires_at: timing::after(now, ttl),
        },
    );
    let vendor_client_id = st.vendor.client_id(&customer, &app.owner);
    // As Betfair's documented example: snake_case throughout, `expires_in` as a string.
    Answer::Ok(json!({
        "access_token": access,
        "token_type": "BEARER",
        "expires_in": ttl.as_secs().to_string(),
        "refresh_token": refresh,
        "application_subscription": { "vendor_client_id": vendor_client_id },
    }))
}

/// `isAccountSubscribedToWebApp`: whether the caller has authorised a web app.
pub(super) fn is_account_subscribed_to_web_app(
    st: &State,
    now: SystemTime,
    req: &SimRequest,
    p: &Value,
) -> Answer {
    let who = tri!(caller(st, req, now));
    let Some(id) = p_i64(p, "vendorId") else {
        return missing();
    };
    Answer::Ok(json!(st.vendor.has_grant(&who.user, id)))
}

/// `revokeAccessToWebApp`: revokes the caller's grant to a web app: its refresh token and access
/// tokens.
pub(super) fn revoke_access_to_web_app(
    st: &mut State,
    now: SystemTime,
    req: &SimRequest,
    p: &Value,
) -> Answer {
    let who = tri!(caller(st, req, now));
    let Some(id) = p_i64(p, "vendorId") else {
        return missing();
    };
    if let Some(refresh) = st.vendor.grants.remove(&(who.user.clone(), id)) {
        st.vendor.refresh.remove(&refresh);
    }
    st.vendor
        .access
        .retain(|_, a| !(a.customer == who.user && a.vendor_id == id));
    Answer::Ok(json!("SUCCESS"))
}

/// `listAuthorizedWebApps`: the web apps the caller has authorised.
pub(super) fn list_authorized_web_apps(st: &State, now: SystemTime, req: &SimRequest) -> Answer {
    let who = tri!(caller(st, req, now));
    let apps: Vec<Value> = st
        .vendor
        .apps
        .iter()
        .filter(|a| {
            a.vendor_id()
                .is_some_and(|id| st.vendor.has_grant(&who.user, id))
        })
        .map(vendor_details)
        .collect();
    Answer::Ok(Value::Array(apps))
}

/// `getAffiliateRelation`: whether each vendor client id belongs to a customer affiliated with the
/// vendor.
pub(super) fn get_affiliate_relation(
    st: &State,
    now: SystemTime,
    req: &SimRequest,
    p: &Value,
) -> Answer {
    let who = tri!(caller(st, req, now));
    let app = tri!(owned_app(st, req, &who.user));
    let Some(ids) = p.get("vendorClientIds").and_then(Value::as_array) else {
        return missing();
    };
    let out: Vec<Value> = ids
        .iter()
        .filter_map(Value::as_str)
        .map(|id| {
            let status = match st.vendor.customer_of(&app.owner, id) {
                None => "INVALID_USER",
                Some(c) if st.vendor.affiliated.contains(&c) => "AFFILIATED",
                Some(_) => "NOT_AFFILIATED",
            };
            json!({ "vendorClientId": id, "status": status })
        })
        .collect();
    Answer::Ok(Value::Array(out))
}

/// `getAuthorisationCode`: issues a web-app authorisation code for the caller (single use, ten
/// minutes).
pub(super) fn get_authorisation_code(
    st: &mut State,
    now: SystemTime,
    req: &SimRequest,
    p: &Value,
) -> Answer {
    let who = tri!(caller(st, req, now));
    let Some(id) = p_i64(p, "vendorId") else {
        return missing();
    };
    let Some(redirect) = st.vendor.web_app(id).map(|a| a.redirect_url.clone()) else {
        return exception("INVALID_INPUT_DATA");
    };
    let code = st.vendor.issue_code(&who.user, id, now);
    Answer::Ok(json!({
        "authorisationCode": code,
        "redirectUrl": redirect.unwrap_or_default(),
    }))
}
