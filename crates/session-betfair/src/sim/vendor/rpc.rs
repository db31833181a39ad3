//! Routing of JSON-RPC and REST requests to the vendor operations, and the answers in Betfair's
//! envelopes: results, `AccountAPINGException`s and framework errors.

use session_core::test_util::Ledger;

use super::super::{BetfairFault, SimFault, SimOp};
use super::*;

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

pub(super) fn exception(code: &str) -> Answer {
    Answer::Exception(code.to_owned())
}

pub(super) fn missing() -> Answer {
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
    call: std::result::Result<(AccountsOp, Value), Answer>,
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
            let op = AccountsOp::from_name(method.strip_prefix("AccountAPING/v1.0/")?)?;
            let params = body.get("params").cloned().unwrap_or(json!({}));
            Some(Routed {
                json_rpc: true,
                id,
                call: Ok((op, params)),
            })
        }
        ["exchange", "account", "rest", "v1.0", name] => {
            let op = AccountsOp::from_name(name)?;
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
                call: Ok((op, params)),
            })
        }
        _ => None,
    }
}

/// Answers a routed request: counted and logged under its operation (a request whose body
/// could not be parsed, under [`SimOp::Api`]), then scripted or answered normally.
pub(crate) fn handle(
    st: &mut State,
    ledger: &Ledger<SimOp, BetfairFault>,
    now: SystemTime,
    req: &SimRequest,
    routed: Routed,
) -> SimResponse {
    let Routed { json_rpc, id, call } = routed;
    let (op, params) = match call {
        Ok(c) => c,
        Err(answer) => {
            return ledger.answer_with(SimOp::Api, req, |fault| match fault {
                None => respond(st, json_rpc, &id, answer),
                Some(f) => scripted(st, json_rpc, &id, f),
            });
        }
    };
    ledger.answer_with(SimOp::Accounts(op), req, |fault| {
        st.vendor
            .codes
            .retain(|_, c| timing::after(c.issued, CODE_LIFETIME) > now);
        st.vendor.access.retain(|_, a| a.expires_at > now);
        match fault {
            None => {
                let answer = operation(st, now, req, op, &params);
                respond(st, json_rpc, &id, answer)
            }
            Some(f) => scripted(st, json_rpc, &id, f),
        }
    })
}

/// A scripted fault: Betfair's faults as an `AccountAPINGException` in the request's envelope,
/// the common ones as the kit renders them.
fn scripted(st: &mut State, json_rpc: bool, id: &Value, fault: SimFault) -> SimResponse {
    fault.render(|f| respond(st, json_rpc, id, exception(f.code())))
}
