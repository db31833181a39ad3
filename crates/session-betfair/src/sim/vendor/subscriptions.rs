//! The subscription-token operations: issuing, activating, cancelling, updating and listing
//! tokens, and subscription history.

use super::*;

fn sub_json(s: &Sub, now: SystemTime, vendor_client_id: Option<&String>) -> Value {
    let mut v = json!({
        "subscriptionToken": s.token,
        "createdDateTime": stamp(s.created),
        "subscriptionStatus": s.status(now),
    });
    let obj = v.as_object_mut().expect("an object");
    let mut put = |k: &str, val: Value| {
        if !val.is_null() {
            obj.insert(k.to_owned(), val);
        }
    };
    put("expiryDateTime", opt_stamp(s.expiry));
    if s.status(now) == "EXPIRED" {
        put("expiredDateTime", opt_stamp(s.expiry));
    }
    put("activationDateTime", opt_stamp(s.activated));
    put("cancellationDateTime", opt_stamp(s.cancelled));
    put(
        "clientReference",
        s.client_reference
            .clone()
            .map_or(Value::Null, Value::String),
    );
    put(
        "vendorClientId",
        vendor_client_id.cloned().map_or(Value::Null, Value::String),
    );
    v
}

fn token_info_json(s: &Sub, now: SystemTime) -> Value {
    let mut v = json!({
        "subscriptionToken": s.token,
        "subscriptionStatus": s.status(now),
    });
    let obj = v.as_object_mut().expect("an object");
    for (k, t) in [
        ("activatedDateTime", s.activated),
        ("expiryDateTime", s.expiry),
        ("cancellationDateTime", s.cancelled),
    ] {
        if let Some(t) = t {
            obj.insert(k.to_owned(), stamp(t));
        }
    }
    if s.status(now) == "EXPIRED"
        && let Some(t) = s.expiry
    {
        obj.insert("expiredDateTime".to_owned(), stamp(t));
    }
    v
}

fn history(st: &State, now: SystemTime, customer: &str, app_key: &str) -> Value {
    Value::Array(
        st.vendor
            .subs
            .iter()
            .filter(|s| s.app_key == app_key && s.customer.as_deref() == Some(customer))
            .map(|s| {
                let mut v = sub_json(s, now, None);
                if let Some(obj) = v.as_object_mut() {
                    obj.remove("vendorClientId");
                }
                v
            })
            .collect(),
    )
}

/// `getApplicationSubscriptionToken`: issues a new subscription token for the caller's own vendor
/// app (within the unactivated cap).
pub(super) fn get_application_subscription_token(
    st: &mut State,
    now: SystemTime,
    req: &SimRequest,
    p: &Value,
) -> Answer {
    let who = tri!(caller(st, req, now));
    let app = tri!(owned_app(st, req, &who.user));
    let days = match p.get("subscriptionLength") {
        None | Some(Value::Null) => None,
        Some(_) => match p_i64(p, "subscriptionLength") {
            Some(d) if d >= 1 => Some(d),
            _ => return exception("INVALID_INPUT_DATA"),
        },
    };
    let reference = p_str(p, "clientReference").map(str::to_owned);
    if reference
        .as_ref()
        .is_some_and(|r| r.is_empty() || r.chars().count() > MAX_CLIENT_REF)
    {
        return exception("INVALID_CLIENT_REF");
    }
    if st.vendor.unactivated(&app.app_key, now) >= st.vendor.cap {
        return exception("TOO_MANY_REQUESTS");
    }
    Answer::Ok(json!(st.vendor.new_sub(&app.app_key, now, days, reference)))
}

/// `activateApplicationSubscription`: activates a subscription token for the calling customer and
/// creates their vendor client id.
pub(super) fn activate_application_subscription(
    st: &mut State,
    now: SystemTime,
    req: &SimRequest,
    p: &Value,
) -> Answer {
    let who = tri!(caller(st, req, now));
    let Some(token) = p_str(p, "subscriptionToken") else {
        return missing();
    };
    let Some(index) = st.vendor.subs.iter().position(|s| s.token == token) else {
        return exception("INVALID_SUBSCRIPTION_TOKEN");
    };
    let sub = &st.vendor.subs[index];
    match sub.status(now) {
        "CANCELLED" => return exception("INVALID_SUBSCRIPTION_TOKEN"),
        "EXPIRED" => return exception("SUBSCRIPTION_EXPIRED"),
        "ACTIVATED" if sub.customer.as_deref() != Some(who.user.as_str()) => {
            return exception("INVALID_SUBSCRIPTION_TOKEN");
        }
        "ACTIVATED" => return Answer::Ok(json!("SUCCESS")),
        _ => {}
    }
    let app_key = sub.app_key.clone();
    let owner = st
        .vendor
        .app(&app_key)
        .map(|a| a.owner.clone())
        .unwrap_or_default();
    let sub = &mut st.vendor.subs[index];
    sub.activated = Some(now);
    sub.customer = Some(who.user.clone());
    st.vendor.client_id(&who.user, &owner);
    Answer::Ok(json!("SUCCESS"))
}

/// `cancelApplicationSubscription`: cancels one of the vendor app's subscription tokens.
pub(super) fn cancel_application_subscription(
    st: &mut State,
    now: SystemTime,
    req: &SimRequest,
    p: &Value,
) -> Answer {
    let who = tri!(caller(st, req, now));
    let app = tri!(owned_app(st, req, &who.user));
    let Some(token) = p_str(p, "subscriptionToken") else {
        return missing();
    };
    match st
        .vendor
        .subs
        .iter_mut()
        .find(|s| s.token == token && s.app_key == app.app_key)
    {
        Some(sub) => {
            if sub.cancelled.is_none() {
                sub.cancelled = Some(now);
            }
            Answer::Ok(json!("SUCCESS"))
        }
        None => exception("INVALID_SUBSCRIPTION_TOKEN"),
    }
}

/// `updateApplicationSubscription`: replaces a customer's live subscriptions with a new activated
/// one of the given length.
pub(super) fn update_application_subscription(
    st: &mut State,
    now: SystemTime,
    req: &SimRequest,
    p: &Value,
) -> Answer {
    let who = tri!(caller(st, req, now));
    let app = tri!(owned_app(st, req, &who.user));
    let (Some(id), Some(days)) = (p_str(p, "vendorClientId"), p_i64(p, "subscriptionLength"))
    else {
        return missing();
    };
    if days < 1 {
        return exception("INVALID_INPUT_DATA");
    }
    let Some(customer) = st.vendor.customer_of(&app.owner, id) else {
        return exception("INVALID_VENDOR_CLIENT_ID");
    };
    for s in st.vendor.subs.iter_mut().filter(|s| {
        s.app_key == app.app_key
            && s.customer.as_deref() == Some(customer.as_str())
            && matches!(s.status(now), "ACTIVATED" | "UNACTIVATED")
    }) {
        s.cancelled = Some(now);
    }
    let token = st.vendor.new_sub(&app.app_key, now, Some(days), None);
    if let Some(sub) = st.vendor.subs.last_mut() {
        sub.activated = Some(now);
        sub.customer = Some(customer);
    }
    Answer::Ok(json!(token))
}

/// `listApplicationSubscriptionTokens`: lists the vendor app's subscription tokens, optionally by
/// status.
pub(super) fn list_application_subscription_tokens(
    st: &State,
    now: SystemTime,
    req: &SimRequest,
    p: &Value,
) -> Answer {
    let who = tri!(caller(st, req, now));
    let app = tri!(owned_app(st, req, &who.user));
    let filter = p_str(p, "subscriptionStatus")
        .map(str::to_ascii_uppercase)
        .filter(|f| f != "ALL");
    let items: Vec<Value> = st
        .vendor
        .subs
        .iter()
        .filter(|s| s.app_key == app.app_key)
        .filter(|s| filter.as_deref().is_none_or(|f| s.status(now) == f))
        .map(|s| {
            let id = s
                .customer
                .as_ref()
                .and_then(|c| st.vendor.client_ids.get(&(c.clone(), app.owner.clone())));
            sub_json(s, now, id)
        })
        .collect();
    Answer::Ok(Value::Array(items))
}

/// `listAccountSubscriptionTokens`: lists the calling customer's subscription tokens, grouped by
/// application.
pub(super) fn list_account_subscription_tokens(
    st: &State,
    now: SystemTime,
    req: &SimRequest,
) -> Answer {
    let who = tri!(caller(st, req, now));
    let mut out = Vec::new();
    for app in &st.vendor.apps {
        let tokens: Vec<Value> = st
            .vendor
            .subs
            .iter()
            .filter(|s| {
                s.app_key == app.app_key && s.customer.as_deref() == Some(who.user.as_str())
            })
            .map(|s| token_info_json(s, now))
            .collect();
        if !tokens.is_empty() {
            out.push(json!({
                "subscriptionTokens": tokens,
                "applicationName": app.name,
                "applicationVersionId": app.version_id.to_string(),
            }));
        }
    }
    Answer::Ok(Value::Array(out))
}

/// `getApplicationSubscriptionHistory`: a customer's subscription history, in the vendor's form
/// (with `X-Application`) or the customer's.
pub(super) fn get_application_subscription_history(
    st: &State,
    now: SystemTime,
    req: &SimRequest,
    p: &Value,
) -> Answer {
    let who = tri!(caller(st, req, now));
    if req.header("x-application").is_some() {
        // The header's presence makes this the vendor's form.
        let app = tri!(owned_app(st, req, &who.user));
        let Some(id) = p_str(p, "vendorClientId") else {
            return exception("INVALID_INPUT_DATA");
        };
        let Some(customer) = st.vendor.customer_of(&app.owner, id) else {
            return exception("INVALID_VENDOR_CLIENT_ID");
        };
        Answer::Ok(history(st, now, &customer, &app.app_key))
    } else {
        let Some(key) = p_str(p, "applicationKey") else {
            return exception("INVALID_INPUT_DATA");
        };
        if st.vendor.app(key).is_none() {
            return exception("INVALID_APP_KEY");
        }
        Answer::Ok(history(st, now, &who.user, key))
    }
}
