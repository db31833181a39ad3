//! Parser entry points for the fuzz targets (feature `fuzzing`; not part of the public API).
#![allow(missing_docs, unreachable_pub)]

use session_core::fuzzing::{Outcome, response};

use crate::error::{self, Operation};
use crate::wire;

/// Feeds one fuzz input to every CAS parser: William Hill login, validate, service ticket and
/// logout; Apereo login, status, logout and service ticket; the failure tables; rejection
/// detection; and the date parsers on the body as text.
pub fn responses(data: &[u8]) -> Vec<String> {
    let r = response(crate::error::NAME, data);
    let mut out = Outcome::default();
    out.result(&wire::parse_wh_login(&r));
    out.result(&wire::parse_wh_validate(&r));
    out.result(&wire::parse_wh_logout(&r));
    out.result(&wire::parse_wh_service_ticket(&r));
    out.result(&wire::parse_apereo_login(&r));
    out.result(&wire::parse_apereo_status(&r));
    out.result(&wire::parse_apereo_logout(&r));
    out.result(&wire::parse_apereo_service_ticket(&r));
    for op in [
        Operation::Login,
        Operation::Validate,
        Operation::ServiceTicket,
        Operation::Logout,
    ] {
        out.debug(&error::wh_failure(op, &r));
        out.debug(&error::apereo_failure(op, &r));
    }
    out.debug(&error::is_rejection(&r));
    out.debug(&wire::server_date(&r));
    let text = String::from_utf8_lossy(r.body());
    out.debug(&wire::parse_iso_datetime(&text));
    out.debug(&wire::parse_http_date(&text));
    out.into_texts()
}
