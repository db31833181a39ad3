//! Requests and responses of the Accounts API, as pure functions (no I/O).
//!
//! Every call is a `POST` with `Content-Type: application/json` and `Accept: application/json`.
//! JSON-RPC posts `{"jsonrpc":"2.0","method":"AccountAPING/v1.0/<op>","params":{...},"id":N}` to
//! `{api}/exchange/account/json-rpc/v1`; REST posts the params object to
//! `{api}/exchange/account/rest/v1.0/<op>/`. The caller's session adds `X-Authentication` (or
//! `Authorization: BEARER` for a web-app session) and, when the operation needs it,
//! `X-Application` — both marked sensitive.
//!
//! Answers: a JSON-RPC `result` or `error`; a REST body or a fault (`faultcode`, `faultstring`,
//! `detail`), which is read whatever the HTTP status, since faults have been seen on HTTP 200.

use http::Method;
use http::header::{ACCEPT, CONTENT_TYPE};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use session_core::http::{HttpResponse, finish, join_segments, request};
use session_core::{Error, ErrorKind, HttpFailure, Result};
use url::Url;

use crate::error::{NAME, accounts_code_kind, accounts_message, framework_kind};
use crate::vendor::{
    AccountsAuth, AccountsException, AccountsFault, AccountsTransport, FrameworkFault,
};

const JSON: &str = "application/json";

/// An Accounts API operation: its name, whether it sends `X-Application`, and whether it is an
/// idempotent read (retried once with a fresh session after a rejection).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Op {
    /// The operation's name (`getVendorClientId`).
    pub(crate) name: &'static str,
    /// Whether `X-Application` is sent.
    pub(crate) app_key: bool,
    /// Whether the call may be repeated after a session rejection.
    pub(crate) idempotent: bool,
}

const fn op(name: &'static str, app_key: bool, idempotent: bool) -> Op {
    Op {
        name,
        app_key,
        idempotent,
    }
}

/// Vendor: both headers; creates a token, never repeated.
pub(crate) const GET_APPLICATION_SUBSCRIPTION_TOKEN: Op =
    op("getApplicationSubscriptionToken", true, false);
/// Customer: `X-Authentication` only; never repeated.
pub(crate) const ACTIVATE_APPLICATION_SUBSCRIPTION: Op =
    op("activateApplicationSubscription", false, false);
/// Vendor: both headers; a write.
pub(crate) const CANCEL_APPLICATION_SUBSCRIPTION: Op =
    op("cancelApplicationSubscription", true, false);
/// Vendor: both headers; creates a token.
pub(crate) const UPDATE_APPLICATION_SUBSCRIPTION: Op =
    op("updateApplicationSubscription", true, false);
/// Vendor: both headers; a read.
pub(crate) const LIST_APPLICATION_SUBSCRIPTION_TOKENS: Op =
    op("listApplicationSubscriptionTokens", true, true);
/// Customer: both headers; a read.
pub(crate) const LIST_ACCOUNT_SUBSCRIPTION_TOKENS: Op =
    op("listAccountSubscriptionTokens", true, true);
/// Vendor form (both headers, `vendorClientId`); a read.
pub(crate) const SUBSCRIPTION_HISTORY_VENDOR: Op =
    op("getApplicationSubscriptionHistory", true, true);
/// Customer form (`X-Authentication` only, `applicationKey` in the body); a read.
pub(crate) const SUBSCRIPTION_HISTORY_CUSTOMER: Op =
    op("getApplicationSubscriptionHistory", false, true);
/// Customer: both headers (the app key names the vendor); a read that creates the id once.
pub(crate) const GET_VENDOR_CLIENT_ID: Op = op("getVendorClientId", true, true);
/// Both headers; a read.
pub(crate) const GET_VENDOR_DETAILS: Op = op("getVendorDetails", true, true);
/// Vendor: both headers; issues tokens, never repeated.
pub(crate) const TOKEN: Op = op("token", true, false);
/// Customer: both headers; a read.
pub(crate) const IS_ACCOUNT_SUBSCRIBED_TO_WEB_APP: Op =
    op("isAccountSubscribedToWebApp", true, true);
/// Customer: both headers; a write.
pub(crate) const REVOKE_ACCESS_TO_WEB_APP: Op = op("revokeAccessToWebApp", true, false);
/// Customer: both headers; a read.
pub(crate) const LIST_AUTHORIZED_WEB_APPS: Op = op("listAuthorizedWebApps", true, true);
/// Vendor: both headers; a read.
pub(crate) const GET_AFFILIATE_RELATION: Op = op("getAffiliateRelation", true, true);
/// Customer: both headers; issues a single-use code, never repeated.
pub(crate) const GET_AUTHORISATION_CODE: Op = op("getAuthorisationCode", true, false);

/// The JSON-RPC method name of `op`.
pub(crate) fn method(op: &str) -> String {
    format!("AccountAPING/v1.0/{op}")
}

/// The URL an operation is posted to.
pub(crate) fn endpoint(api: &Url, transport: AccountsTransport, op: &str) -> Url {
    match transport {
        AccountsTransport::JsonRpc => {
            join_segments(api, &["exchange", "account", "json-rpc", "v1"])
        }
        // The trailing empty segment gives the documented trailing slash.
        AccountsTransport::Rest => {
            join_segments(api, &["exchange", "account", "rest", "v1.0", op, ""])
        }
    }
}

#[derive(Serialize)]
struct Envelope<'a, P> {
    jsonrpc: &'static str,
    method: &'a str,
    params: &'a P,
    id: u64,
}

/// The request body: the JSON-RPC envelope, or the bare params for REST.
pub(crate) fn body<P: Serialize>(
    transport: AccountsTransport,
    op: &str,
    params: &P,
    id: u64,
) -> Result<Vec<u8>> {
    let bytes = match transport {
        AccountsTransport::JsonRpc => serde_json::to_vec(&Envelope {
            jsonrpc: "2.0",
            method: &method(op),
            params,
            id,
        }),
        AccountsTransport::Rest => serde_json::to_vec(params),
    };
    bytes.map_err(|_| Error::configuration(NAME, "request parameters could not be encoded"))
}

/// Builds the `POST` for `op` with `params`, authenticated by `auth`.
pub(crate) fn accounts_request<P: Serialize>(
    api: &Url,
    transport: AccountsTransport,
    op: Op,
    params: &P,
    id: u64,
    auth: &dyn AccountsAuth,
) -> Result<http::Request<Vec<u8>>> {
    let url = endpoint(api, transport, op.name);
    let builder = request(Method::POST, &url)
        .header(CONTENT_TYPE, JSON)
        .header(ACCEPT, JSON);
    let mut req = finish(NAME, builder, body(transport, op.name, params, id)?)?;
    auth.accounts_headers(req.headers_mut(), op.app_key);
    Ok(req)
}

/// Keeps a server-sent identifier only when it looks like one (letters, digits, `_-.:`), so a
/// fault never carries free text into an error.
fn code_like(value: &str) -> Option<String> {
    let value = value.trim();
    let ok = !value.is_empty()
        && value.len() <= 128
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':'));
    ok.then(|| value.to_owned())
}

fn str_field(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).and_then(code_like)
}

/// Finds the exception object in a JSON-RPC `error.data` or a REST `detail`:
/// `{"exceptionname":"AccountAPINGException","AccountAPINGException":{"errorCode":...}}`, or a
/// bare `{"errorCode":...}`.
fn exception_in(container: &Value) -> Option<(String, &Value)> {
    let obj = container.as_object()?;
    if obj.contains_key("errorCode") {
        let name = str_field(container, "exceptionname")
            .unwrap_or_else(|| "AccountAPINGException".to_owned());
        return Some((name, container));
    }
    if let Some(name) = obj.get("exceptionname").and_then(Value::as_str)
        && let Some(inner) = obj.get(name)
        && inner.get("errorCode").is_some()
    {
        return Some((code_like(name)?, inner));
    }
    obj.iter()
        .find(|(_, inner)| inner.get("errorCode").is_some())
        .and_then(|(name, inner)| Some((code_like(name)?, inner)))
}

fn exception(
    name: String,
    inner: &Value,
    reference: Option<String>,
    json_rpc_code: Option<i64>,
    http_status: u16,
) -> Option<AccountsFault> {
    Some(AccountsFault::Exception(AccountsException {
        exception_name: name,
        error_code: str_field(inner, "errorCode")?,
        request_uuid: str_field(inner, "requestUUID"),
        reference,
        json_rpc_code,
        http_status,
    }))
}

/// The fault in an answer body, if it is one: a JSON-RPC `error` or a REST fault.
pub(crate) fn fault_in(body: &Value, http_status: u16) -> Option<AccountsFault> {
    if let Some(error) = body.get("error").filter(|e| e.is_object()) {
        let code = error.get("code").and_then(Value::as_i64);
        let message = str_field(error, "message");
        if let Some(data) = error.get("data")
            && let Some((name, inner)) = exception_in(data)
            && let Some(fault) = exception(name, inner, message.clone(), code, http_status)
        {
            return Some(fault);
        }
        return Some(AccountsFault::Framework(FrameworkFault {
            json_rpc_code: code,
            dsc_code: message.filter(|m| m.to_ascii_uppercase().starts_with("DSC-")),
            fault_code: None,
            http_status,
        }));
    }
    if body.get("faultcode").is_some() || body.get("faultstring").is_some() {
        let faultstring = str_field(body, "faultstring");
        if let Some(detail) = body.get("detail")
            && let Some((name, inner)) = exception_in(detail)
            && let Some(fault) = exception(name, inner, faultstring.clone(), None, http_status)
        {
            return Some(fault);
        }
        return Some(AccountsFault::Framework(FrameworkFault {
            json_rpc_code: None,
            dsc_code: faultstring.filter(|m| m.to_ascii_uppercase().starts_with("DSC-")),
            fault_code: str_field(body, "faultcode"),
            http_status,
        }));
    }
    None
}

/// The [`Error`] for a fault: the kind from the code tables, the code kept, the fault attached
/// as the source (reach it with [`accounts_fault`](crate::accounts_fault)).
pub(crate) fn fault_error(fault: AccountsFault) -> Error {
    match &fault {
        AccountsFault::Exception(e) => {
            let kind = accounts_code_kind(&e.error_code).unwrap_or(ErrorKind::UnexpectedResponse);
            let code = e.error_code.clone();
            Error::new(kind, NAME, accounts_message(kind))
                .with_code(code)
                .with_source(fault)
        }
        AccountsFault::Framework(f) => {
            let kind = framework_kind(f.dsc_code.as_deref(), f.json_rpc_code);
            let code = f
                .dsc_code
                .clone()
                .or_else(|| f.json_rpc_code.map(|c| c.to_string()))
                .or_else(|| f.fault_code.clone());
            let mut e = Error::new(kind, NAME, "accounts request rejected by the api framework");
            if let Some(code) = code {
                e = e.with_code(code);
            }
            e.with_source(fault)
        }
    }
}

fn malformed(response: &HttpResponse) -> Error {
    Error::new(
        ErrorKind::UnexpectedResponse,
        response.provider(),
        "malformed response body",
    )
    .with_http_failure(HttpFailure::MalformedBody)
}

/// Parses an Accounts API answer into `T`, or the error its fault (or status) stands for.
pub(crate) fn parse_answer<T: DeserializeOwned>(
    transport: AccountsTransport,
    response: &HttpResponse,
) -> Result<T> {
    let status = response.status().as_u16();
    if !response.status().is_success() {
        if !response.is_html()
            && let Ok(body) = serde_json::from_slice::<Value>(response.body())
            && let Some(fault) = fault_in(&body, status)
        {
            return Err(fault_error(fault));
        }
        // The Accounts API endpoints have fixed paths: a 404 or 405 means a wrong API host.
        return Err(response
            .missing_endpoint("betfair accounts api")
            .unwrap_or_else(|| response.unexpected_status()));
    }
    let body: Value = response.json()?;
    if let Some(fault) = fault_in(&body, status) {
        return Err(fault_error(fault));
    }
    let result = match transport {
        AccountsTransport::JsonRpc => match body {
            Value::Object(mut obj) => obj.remove("result").ok_or_else(|| malformed(response))?,
            _ => return Err(malformed(response)),
        },
        AccountsTransport::Rest => body,
    };
    serde_json::from_value(result).map_err(|_| malformed(response))
}

/// Whether `error` is a session rejection an idempotent call may be retried after
/// (`INVALID_SESSION_INFORMATION` or `NO_SESSION`).
pub(crate) fn is_rejection_error(error: &Error) -> bool {
    error.kind() == ErrorKind::SessionRejected
        && error.code().is_some_and(|c| {
            c.eq_ignore_ascii_case("INVALID_SESSION_INFORMATION")
                || c.eq_ignore_ascii_case("NO_SESSION")
        })
}

/// `getApplicationSubscriptionToken`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SubscriptionTokenParams<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) subscription_length: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) client_reference: Option<&'a str>,
}

/// `activateApplicationSubscription`, `cancelApplicationSubscription`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TokenParams<'a> {
    pub(crate) subscription_token: &'a str,
}

/// `updateApplicationSubscription`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UpdateParams<'a> {
    pub(crate) vendor_client_id: &'a str,
    pub(crate) subscription_length: u32,
}

/// `listApplicationSubscriptionTokens`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ListTokensParams<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) subscription_status: Option<&'a str>,
}

/// Operations without parameters.
#[derive(Serialize)]
pub(crate) struct NoParams {}

/// `getApplicationSubscriptionHistory`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct HistoryParams<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) vendor_client_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) application_key: Option<&'a str>,
}

/// `getVendorDetails`, `isAccountSubscribedToWebApp`, `getAuthorisationCode` (string id).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct VendorIdParams<'a> {
    pub(crate) vendor_id: &'a str,
}

/// `revokeAccessToWebApp` (the interface definition types this id as a long).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RevokeParams {
    pub(crate) vendor_id: i64,
}

/// `getAffiliateRelation`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AffiliateParams<'a> {
    pub(crate) vendor_client_ids: &'a [String],
}

/// `token` (snake_case on the wire).
#[derive(Serialize)]
pub(crate) struct TokenRequestParams<'a> {
    pub(crate) client_id: &'a str,
    pub(crate) grant_type: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) code: Option<&'a str>,
    pub(crate) client_secret: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) refresh_token: Option<&'a str>,
}

#[cfg(test)]
mod tests;
