//! The Accounts API's failure answers: [`AccountsException`], [`FrameworkFault`] and
//! [`AccountsFault`], and [`accounts_fault`] to find one in an [`Error`].

use super::*;

/// An `AccountAPINGException` (or `APINGException`) answer, as Betfair sent it. Every field is a
/// code or an identifier; `errorDetails` (free text) is deliberately not kept.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AccountsException {
    /// `AccountAPINGException` (or `APINGException`).
    pub exception_name: String,
    /// The code the kind is keyed on (`INVALID_SESSION_INFORMATION`, `TOO_MANY_REQUESTS`, ...).
    pub error_code: String,
    /// Betfair's request id, for support tickets. Not secret.
    pub request_uuid: Option<String>,
    /// The JSON-RPC `message` or REST `faultstring` (`AANGX-0002`); informational only.
    pub reference: Option<String>,
    /// The JSON-RPC error code (`-32099`), when the answer was JSON-RPC.
    pub json_rpc_code: Option<i64>,
    /// The HTTP status the fault came with (faults have been seen on 200).
    pub http_status: u16,
}

impl AccountsException {
    /// The kind [`error_code`](Self::error_code) maps to
    /// ([`ErrorKind::UnexpectedResponse`] for an unknown code).
    pub fn kind(&self) -> ErrorKind {
        accounts_code_kind(&self.error_code).unwrap_or(ErrorKind::UnexpectedResponse)
    }
}

/// A framework-level error: a JSON-RPC error without exception data (`-32700`, `-32601`,
/// `-32602`, `-32603`, usually with a `DSC-xxxx` message) or a REST fault with an empty `detail`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FrameworkFault {
    /// The JSON-RPC error code, for JSON-RPC answers.
    pub json_rpc_code: Option<i64>,
    /// The `DSC-xxxx` code, when given.
    pub dsc_code: Option<String>,
    /// The REST `faultcode` (`Client` / `Server`), for REST answers.
    pub fault_code: Option<String>,
    /// The HTTP status.
    pub http_status: u16,
}

impl FrameworkFault {
    /// The kind this fault maps to.
    pub fn kind(&self) -> ErrorKind {
        framework_kind(self.dsc_code.as_deref(), self.json_rpc_code)
    }
}

/// What an Accounts API call failed with. Attached as the [`source`](StdError::source) of the
/// returned [`Error`]; get it back with [`accounts_fault`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AccountsFault {
    /// The operation threw an exception.
    Exception(AccountsException),
    /// The API framework refused the request.
    Framework(FrameworkFault),
}

impl AccountsFault {
    /// The kind this fault maps to.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Exception(e) => e.kind(),
            Self::Framework(f) => f.kind(),
        }
    }

    /// Betfair's request id, for support.
    pub fn request_uuid(&self) -> Option<&str> {
        match self {
            Self::Exception(e) => e.request_uuid.as_deref(),
            Self::Framework(_) => None,
        }
    }
}

impl fmt::Display for AccountsFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Exception(e) => {
                write!(f, "{} {}", e.exception_name, e.error_code)?;
                if let Some(uuid) = &e.request_uuid {
                    write!(f, " (request {uuid})")?;
                }
                Ok(())
            }
            Self::Framework(x) => {
                f.write_str("framework error")?;
                if let Some(dsc) = &x.dsc_code {
                    write!(f, " {dsc}")?;
                }
                if let Some(code) = x.json_rpc_code {
                    write!(f, " (json-rpc {code})")?;
                }
                Ok(())
            }
        }
    }
}

impl StdError for AccountsFault {}

/// The Accounts API fault behind `error`, if it came from one (with the exception's
/// `requestUUID` for support tickets).
///
/// ```
/// fn support_reference(e: &session_betfair::Error) -> Option<String> {
///     session_betfair::accounts_fault(e)?.request_uuid().map(str::to_owned)
/// }
/// # let e = session_betfair::Error::configuration("betfair", "x");
/// # assert_eq!(support_reference(&e), None);
/// ```
pub fn accounts_fault(error: &Error) -> Option<&AccountsFault> {
    StdError::source(error)?.downcast_ref::<AccountsFault>()
}
