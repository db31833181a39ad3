//! The simulator's Accounts API vendor services: subscription tokens (the 15,000-unactivated cap,
//! activation, cancellation, updates, expiry rounded up to midnight), history, vendor client ids,
//! affiliate relations, web-app authorisation codes (single use, 10 minutes on the injected
//! clock), access and refresh tokens, and revocation — over JSON-RPC and REST, with Betfair's
//! exception and framework-error envelopes.

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};
use session_core::test_util::{SimRequest, SimResponse};
use session_core::timing;
use time::OffsetDateTime;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;

use super::State;

/// Betfair's cap on unactivated subscription tokens.
pub(crate) const DEFAULT_UNACTIVATED_CAP: usize = 15_000;
/// How long a web-app authorisation code is valid.
pub(crate) const CODE_LIFETIME: Duration = Duration::from_secs(10 * 60);
/// The access-token lifetime (Betfair's example answer: 14,400 seconds).
pub(crate) const DEFAULT_ACCESS_TTL: Duration = Duration::from_secs(4 * 3600);
/// The longest client reference accepted.
const MAX_CLIENT_REF: usize = 255;

/// The prefix of every web-app secret the simulator issues (codes, access and refresh tokens).
pub const SIM_WEB_TOKEN_PREFIX: &str = "BFSIM-WEB-";

/// The vendor operations the simulator implements; other operations get the generic stand-in.
pub(crate) const VENDOR_OPS: &[&str] = &[
    "getApplicationSubscriptionToken",
    "activateApplicationSubscription",
    "cancelApplicationSubscription",
    "updateApplicationSubscription",
    "listApplicationSubscriptionTokens",
    "listAccountSubscriptionTokens",
    "getApplicationSubscriptionHistory",
    "getVendorClientId",
    "getVendorDetails",
    "token",
    "isAccountSubscribedToWebApp",
    "revokeAccessToWebApp",
    "listAuthorizedWebApps",
    "getAffiliateRelation",
    "getAuthorisationCode",
];

/// `AccountAPINGException` ids (`AANGX-00NN`), as the IDD numbers them.
const EXCEPTION_IDS: &[(&str, u8)] = &[
    ("INVALID_INPUT_DATA", 1),
    ("INVALID_SESSION_INFORMATION", 2),
    ("UNEXPECTED_ERROR", 3),
    ("INVALID_APP_KEY", 4),
    ("SERVICE_BUSY", 5),
    ("TIMEOUT_ERROR", 6),
    ("DUPLICATE_APP_NAME", 7),
    ("APP_KEY_CREATION_FAILED", 8),
    ("APP_CREATION_FAILED", 9),
    ("NO_SESSION", 10),
    ("NO_APP_KEY", 11),
    ("SUBSCRIPTION_EXPIRED", 12),
    ("INVALID_SUBSCRIPTION_TOKEN", 13),
    ("TOO_MANY_REQUESTS", 14),
    ("INVALID_CLIENT_REF", 15),
    ("WALLET_TRANSFER_ERROR", 16),
    ("INVALID_VENDOR_CLIENT_ID", 17),
    ("USER_NOT_SUBSCRIBED", 18),
    ("INVALID_SECRET", 19),
    ("INVALID_AUTH_CODE", 20),
    ("INVALID_GRANT_TYPE", 21),
];

/// A vendor application the simulator knows: its app key, the vendor account that owns it and,
/// for web apps, the vendor id and secret used with the `token` operation.
///
/// ```
/// use session_betfair::SimVendorApp;
/// let app = SimVendorApp::new("VENDOR-APP-KEY", "vendor")
///     .name("Acme Trader")
///     .web_app(4242, "vendor-secret")
///     .redirect_url("https://acme.example/callback");
/// # drop(app);
/// ```
#[derive(Clone)]
pub struct SimVendorApp {
    pub(crate) app_key: String,
    pub(crate) owner: String,
    pub(crate) name: String,
    pub(crate) version_id: i64,
    pub(crate) web: Option<(i64, String)>,
    pub(crate) redirect_url: Option<String>,
    pub(crate) subscription_required: bool,
}

impl fmt::Debug for SimVendorApp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimVendorApp")
            .field("owner", &self.owner)
            .field("name", &self.name)
            .field("vendor_id", &self.web.as_ref().map(|(id, _)| id))
            .field("subscription_required", &self.subscription_required)
            .finish_non_exhaustive()
    }
}

impl SimVendorApp {
    /// A vendor app with `app_key`, owned by the account `owner`. Customers logging in with this
    /// key need an activated subscription (until then they get `PENDING_AUTH`).
    pub fn new(app_key: &str, owner: &str) -> Self {
        Self {
            app_key: app_key.to_owned(),
            owner: owner.to_owned(),
            name: "Simulated Vendor App".to_owned(),
            version_id: 1,
            web: None,
            redirect_url: None,
            subscription_required: true,
        }
    }

    /// The application's (and vendor's) display name.
    #[must_use]
    pub fn name(mut self, name: &str) -> Self {
        self.name = name.to_owned();
        self
    }

    /// The application version id (default 1).
    #[must_use]
    pub fn version_id(mut self, id: i64) -> Self {
        self.version_id = id;
        self
    }

    /// Makes it a web app with `vendor_id` (`client_id`) and `vendor_secret` (`client_secret`).
    #[must_use]
    pub fn web_app(mut self, vendor_id: i64, vendor_secret: &str) -> Self {
        self.web = Some((vendor_id, vendor_secret.to_owned()));
        self
    }

    /// The web app's redirect URL.
    #[must_use]
    pub fn redirect_url(mut self, url: &str) -> Self {
        self.redirect_url = Some(url.to_owned());
        self
    }

    /// Whether customers need an activated subscription to log in with this key (default
    /// `true`).
    #[must_use]
    pub fn subscription_required(mut self, required: bool) -> Self {
        self.subscription_required = required;
        self
    }

    fn vendor_id(&self) -> Option<i64> {
        self.web.as_ref().map(|(id, _)| *id)
    }
}

pub(crate) struct Sub {
    pub(crate) token: String,
    pub(crate) app_key: String,
    created: SystemTime,
    expiry: Option<SystemTime>,
    activated: Option<SystemTime>,
    cancelled: Option<SystemTime>,
    pub(crate) customer: Option<String>,
    client_reference: Option<String>,
}

impl Sub {
    pub(crate) fn status(&self, now: SystemTime) -> &'static str {
        if self.cancelled.is_some() {
            "CANCELLED"
        } else if self.expiry.is_some_and(|e| e <= now) {
            "EXPIRED"
        } else if self.activated.is_some() {
            "ACTIVATED"
        } else {
            "UNACTIVATED"
        }
    }
}

struct Code {
    customer: String,
    vendor_id: i64,
    issued: SystemTime,
}

struct Access {
    customer: String,
    vendor_id: i64,
    expires_at: SystemTime,
}

pub(crate) struct VendorState {
    pub(crate) apps: Vec<SimVendorApp>,
    pub(crate) subs: Vec<Sub>,
    pub(crate) client_ids: HashMap<(String, String), String>,
    codes: HashMap<String, Code>,
    grants: HashMap<(String, i64), String>,
    refresh: HashMap<String, (String, i64)>,
    access: HashMap<String, Access>,
    pub(crate) affiliated: HashSet<String>,
    pub(crate) cap: usize,
    pub(crate) access_ttl: Duration,
    pub(crate) scripted: HashMap<String, VecDeque<String>>,
    pub(crate) calls: HashMap<String, usize>,
    next: u64,
    next_token: u64,
}

impl VendorState {
    pub(crate) fn new(apps: Vec<SimVendorApp>, cap: usize, access_ttl: Duration) -> Self {
        Self {
            apps,
            subs: Vec::new(),
            client_ids: HashMap::new(),
            codes: HashMap::new(),
            grants: HashMap::new(),
            refresh: HashMap::new(),
            access: HashMap::new(),
            affiliated: HashSet::new(),
            cap,
            access_ttl,
            scripted: HashMap::new(),
            calls: HashMap::new(),
            next: 0,
            next_token: 0,
        }
    }

    fn app(&self, app_key: &str) -> Option<&SimVendorApp> {
        self.apps.iter().find(|a| a.app_key == app_key)
    }

    fn web_app(&self, vendor_id: i64) -> Option<&SimVendorApp> {
        self.apps.iter().find(|a| a.vendor_id() == Some(vendor_id))
    }

    fn secret(&mut self, kind: &str) -> String {
        self.next += 1;
        format!(
            "{SIM_WEB_TOKEN_PREFIX}{kind}-{:06}-{:08x}",
            self.next,
            super::mix(self.next)
        )
    }

    /// A fresh `ABCD-EFGH-IJKL` token: the counter times a constant coprime with 26, modulo
    /// 26^12, in base 26 — unique for every counter value.
    fn subscription_token(&mut self) -> String {
        const SPACE: u128 = 95_428_956_661_682_176; // 26^12
        self.next_token += 1;
        let mut x = (u128::from(self.next_token) * 7_919_000_000_007) % SPACE;
        let mut letters = Vec::with_capacity(14);
        for i in 0..12 {
            if i == 4 || i == 8 {
                letters.push(b'-');
            }
            letters.push(b'A' + (x % 26) as u8);
            x /= 26;
        }
        String::from_utf8(letters).unwrap_or_default()
    }

    pub(crate) fn new_sub(
        &mut self,
        app_key: &str,
        now: SystemTime,
        days: Option<i64>,
        client_reference: Option<String>,
    ) -> String {
        let token = self.subscription_token();
        self.subs.push(Sub {
            token: token.clone(),
            app_key: app_key.to_owned(),
            created: now,
            expiry: days.map(|d| expiry_after(now, d)),
            activated: None,
            cancelled: None,
            customer: None,
            client_reference,
        });
        token
    }

    pub(crate) fn unactivated(&self, app_key: &str, now: SystemTime) -> usize {
        self.subs
            .iter()
            .filter(|s| s.app_key == app_key && s.status(now) == "UNACTIVATED")
            .count()
    }

    /// Whether `customer` logging in with `app_key` must activate a subscription first.
    pub(crate) fn pending(&self, app_key: &str, customer: &str, now: SystemTime) -> bool {
        let Some(app) = self.app(app_key) else {
            return false;
        };
        app.subscription_required
            && app.owner != customer
            && !self.subs.iter().any(|s| {
                s.app_key == app_key
                    && s.customer.as_deref() == Some(customer)
                    && s.status(now) == "ACTIVATED"
            })
    }

    /// Whether `key` is a vendor app key the simulator knows.
    pub(crate) fn knows_key(&self, key: &str) -> bool {
        self.app(key).is_some()
    }

    fn client_id(&mut self, customer: &str, owner: &str) -> String {
        let key = (customer.to_owned(), owner.to_owned());
        if let Some(id) = self.client_ids.get(&key) {
            return id.clone();
        }
        self.next += 1;
        let id = format!("{}", 456_000 + self.next);
        self.client_ids.insert(key, id.clone());
        id
    }

    fn customer_of(&self, owner: &str, vendor_client_id: &str) -> Option<String> {
        self.client_ids
            .iter()
            .find(|((_, o), id)| o == owner && id.as_str() == vendor_client_id)
            .map(|((c, _), _)| c.clone())
    }

    pub(crate) fn issue_code(&mut self, customer: &str, vendor_id: i64, now: SystemTime) -> String {
        let code = self.secret("CODE");
        self.codes.insert(
            code.clone(),
            Code {
                customer: customer.to_owned(),
                vendor_id,
                issued: now,
            },
        );
        code
    }

    pub(crate) fn expire_access_tokens(&mut self) {
        self.access.clear();
    }

    pub(crate) fn has_grant(&self, customer: &str, vendor_id: i64) -> bool {
        self.grants.contains_key(&(customer.to_owned(), vendor_id))
    }
}

/// `created + days`, rounded up to the next midnight (UTC).
fn expiry_after(created: SystemTime, days: i64) -> SystemTime {
    let days = u64::try_from(days).unwrap_or(0);
    let raw = timing::after(created, Duration::from_secs(days.saturating_mul(86_400)));
    let secs = raw
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let rem = secs % 86_400;
    if rem == 0 {
        raw
    } else {
        timing::after(
            SystemTime::UNIX_EPOCH,
            Duration::from_secs(secs.saturating_add(86_400 - rem)),
        )
    }
}

const STAMP: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

/// A timestamp as Betfair writes it (`2014-10-07T10:55:42.000Z`).
pub(crate) fn stamp(t: SystemTime) -> Value {
    let dt = OffsetDateTime::from(t);
    json!(dt.format(STAMP).unwrap_or_default())
}

fn opt_stamp(t: Option<SystemTime>) -> Value {
    t.map_or(Value::Null, stamp)
}

/// What an operation answers.
pub(crate) enum Answer {
    Ok(Value),
    Exception(String),
    Framework {
        rpc: i64,
        dsc: &'static str,
        status: u16,
    },
}

fn exception(code: &str) -> Answer {
    Answer::Exception(code.to_owned())
}

fn missing() -> Answer {
    Answer::Framework {
        rpc: -32602,
        dsc: "DSC-0018",
        status: 400,
    }
}

fn respond(st: &mut State, json_rpc: bool, id: &Value, answer: Answer) -> SimResponse {
    match answer {
        Answer::Ok(result) if json_rpc => {
            SimResponse::json(200, json!({ "jsonrpc": "2.0", "result": result, "id": id }))
        }
        Answer::Ok(result) => SimResponse::json(200, result),
        Answer::Exception(code) => {
            st.vendor.next += 1;
            let number = EXCEPTION_IDS
                .iter()
                .find(|(c, _)| *c == code)
                .map_or(3, |(_, n)| *n);
            let reference = format!("AANGX-{number:04}");
            let exception = json!({
                "errorCode": code,
                "errorDetails": "",
                "requestUUID": format!("simang-{:06}-{:08x}", st.vendor.next, super::mix(st.vendor.next)),
            });
            let data = json!({
                "exceptionname": "AccountAPINGException",
                "AccountAPINGException": exception,
            });
            if json_rpc {
                SimResponse::json(
                    200,
                    json!({
                        "jsonrpc": "2.0",
                        "error": { "code": -32099, "message": reference, "data": data },
                        "id": id,
                    }),
                )
            } else {
                SimResponse::json(
                    400,
                    json!({ "faultcode": "Client", "faultstring": reference, "detail": data }),
                )
            }
        }
        Answer::Framework { rpc, dsc, status } => {
            if json_rpc {
                SimResponse::json(
                    200,
                    json!({
                        "jsonrpc": "2.0",
                        "error": { "code": rpc, "message": dsc },
                        "id": id,
                    }),
                )
            } else {
                SimResponse::json(
                    status,
                    json!({ "faultcode": "Client", "faultstring": dsc, "detail": {} }),
                )
            }
        }
    }
}

/// A request routed to the vendor services.
pub(crate) struct Routed {
    json_rpc: bool,
    id: Value,
    /// The operation and its params, or the framework error to answer.
    call: std::result::Result<(String, Value), Answer>,
}

fn framework_parse_error(json_rpc: bool, id: Value) -> Routed {
    Routed {
        json_rpc,
        id,
        call: Err(Answer::Framework {
            rpc: -32700,
            dsc: "DSC-0008",
            status: 400,
        }),
    }
}

/// Where a request goes: a vendor operation (or a framework error about one), or `None` for the
/// generic stand-in.
pub(crate) fn route(req: &SimRequest, segments: &[String]) -> Option<Routed> {
    let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
    match segs.as_slice() {
        ["exchange", "account", "json-rpc", "v1"] => {
            let body = req.json();
            let id = body.get("id").cloned().unwrap_or(json!(1));
            if !body.is_object() {
                return Some(framework_parse_error(true, id));
            }
            let method = body.get("method").and_then(Value::as_str).unwrap_or("");
            let op = method.strip_prefix("AccountAPING/v1.0/")?;
            if !VENDOR_OPS.contains(&op) {
                return None;
            }
            let params = body.get("params").cloned().unwrap_or(json!({}));
            Some(Routed {
                json_rpc: true,
                id,
                call: Ok((op.to_owned(), params)),
            })
        }
        ["exchange", "account", "rest", "v1.0", op] => {
            if !VENDOR_OPS.contains(op) {
                return None;
            }
            let params = if req.body.is_empty() {
                json!({})
            } else {
                match serde_json::from_slice::<Value>(&req.body) {
                    Ok(v) if v.is_object() => v,
                    _ => return Some(framework_parse_error(false, Value::Null)),
                }
            };
            Some(Routed {
                json_rpc: false,
                id: Value::Null,
                call: Ok(((*op).to_owned(), params)),
            })
        }
        _ => None,
    }
}

/// Answers a routed request.
pub(crate) fn handle(
    st: &mut State,
    now: SystemTime,
    req: &SimRequest,
    routed: Routed,
) -> SimResponse {
    let Routed { json_rpc, id, call } = routed;
    let (op, params) = match call {
        Ok(c) => c,
        Err(answer) => return respond(st, json_rpc, &id, answer),
    };
    *st.vendor.calls.entry(op.clone()).or_default() += 1;
    st.counts.accounts_calls += 1;
    st.vendor
        .codes
        .retain(|_, c| timing::after(c.issued, CODE_LIFETIME) > now);
    st.vendor.access.retain(|_, a| a.expires_at > now);
    let scripted = st
        .vendor
        .scripted
        .get_mut(&op)
        .and_then(VecDeque::pop_front);
    let answer = match scripted {
        Some(code) => Answer::Exception(code),
        None => operation(st, now, req, &op, &params),
    };
    respond(st, json_rpc, &id, answer)
}

struct Caller {
    user: String,
}

fn caller(st: &State, req: &SimRequest, now: SystemTime) -> Result<Caller, Answer> {
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
fn owned_app(st: &State, req: &SimRequest, user: &str) -> Result<SimVendorApp, Answer> {
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
fn named_app(st: &State, req: &SimRequest) -> Result<SimVendorApp, Answer> {
    let key = req
        .header("x-application")
        .filter(|k| !k.is_empty())
        .ok_or_else(|| exception("NO_APP_KEY"))?;
    st.vendor
        .app(key)
        .cloned()
        .ok_or_else(|| exception("INVALID_APP_KEY"))
}

fn p_str<'a>(params: &'a Value, key: &str) -> Option<&'a str> {
    params.get(key).and_then(Value::as_str)
}

fn p_i64(params: &Value, key: &str) -> Option<i64> {
    let v = params.get(key)?;
    v.as_i64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
}

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

fn vendor_details(app: &SimVendorApp) -> Value {
    let mut v = json!({ "appVersionId": app.version_id, "vendorName": app.name });
    if let Some(url) = &app.redirect_url {
        v["redirectUrl"] = json!(url);
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

macro_rules! tri {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(answer) => return answer,
        }
    };
}

fn operation(st: &mut State, now: SystemTime, req: &SimRequest, op: &str, p: &Value) -> Answer {
    match op {
        "getApplicationSubscriptionToken" => {
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
        "activateApplicationSubscription" => {
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
        "cancelApplicationSubscription" => {
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
        "updateApplicationSubscription" => {
            let who = tri!(caller(st, req, now));
            let app = tri!(owned_app(st, req, &who.user));
            let (Some(id), Some(days)) =
                (p_str(p, "vendorClientId"), p_i64(p, "subscriptionLength"))
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
        "listApplicationSubscriptionTokens" => {
            let who = tri!(caller(st, req, now));
            let app = tri!(owned_app(st, req, &who.user));
            let filter = p_str(p, "subscriptionStatus")
                .map(str::to_ascii_uppercase)
                .filter(|f| f != "ALL");
            let items: Vec<Value> =
                st.vendor
                    .subs
                    .iter()
                    .filter(|s| s.app_key == app.app_key)
                    .filter(|s| filter.as_deref().is_none_or(|f| s.status(now) == f))
                    .map(|s| {
                        let id = s.customer.as_ref().and_then(|c| {
                            st.vendor.client_ids.get(&(c.clone(), app.owner.clone()))
                        });
                        sub_json(s, now, id)
                    })
                    .collect();
            Answer::Ok(Value::Array(items))
        }
        "listAccountSubscriptionTokens" => {
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
        "getApplicationSubscriptionHistory" => {
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
        "getVendorClientId" => {
            let who = tri!(caller(st, req, now));
            let app = tri!(named_app(st, req));
            Answer::Ok(json!(st.vendor.client_id(&who.user, &app.owner)))
        }
        "getVendorDetails" => {
            tri!(caller(st, req, now));
            let Some(id) = p_i64(p, "vendorId") else {
                return missing();
            };
            match st.vendor.web_app(id) {
                Some(app) => Answer::Ok(vendor_details(app)),
                None => exception("INVALID_INPUT_DATA"),
            }
        }
        "token" => token(st, now, req, p),
        "isAccountSubscribedToWebApp" => {
            let who = tri!(caller(st, req, now));
            let Some(id) = p_i64(p, "vendorId") else {
                return missing();
            };
            Answer::Ok(json!(st.vendor.has_grant(&who.user, id)))
        }
        "revokeAccessToWebApp" => {
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
        "listAuthorizedWebApps" => {
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
        "getAffiliateRelation" => {
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
        "getAuthorisationCode" => {
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
        _ => Answer::Framework {
            rpc: -32601,
            dsc: "DSC-0021",
            status: 404,
        },
    }
}

fn token(st: &mut State, now: SystemTime, req: &SimRequest, p: &Value) -> Answer {
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
