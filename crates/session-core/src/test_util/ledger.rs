//! The simulators' ledger: what a simulator counts, scripts and records, the same in every
//! provider crate.
//!
//! A [`Ledger`] holds, per operation of a simulator (`Op`, the simulator's own `SimOp` enum),
//! how many requests arrived, a FIFO queue of scripted [`SimFault`]s, and a log of the requests
//! themselves. A simulator's handler names the operation a request is for and calls
//! [`Ledger::answer`]; the simulator's `calls(op)`, `fail_next(op, fault)` and `requests()` are
//! one-line forwards to the ledger.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::hash::Hash;
use std::sync::{Mutex, MutexGuard};

use super::{NoFault, SimFault, SimRequest, SimResponse};

/// How many requests a ledger keeps by default (the oldest are forgotten first), so a simulator
/// serving for hours does not grow without bound.
pub const DEFAULT_LOG_CAPACITY: usize = 10_000;

/// One request a simulator saw, and the operation it was for.
///
/// The request keeps everything sent (headers, query, body), so tests can check the exact
/// request; its `Debug` shows only the operation, the method and the body's length, never a
/// path, query, header value or body, which may hold passwords or tickets.
#[derive(Clone)]
pub struct SimRecord<Op> {
    /// The operation the simulator counted the request under.
    pub op: Op,
    /// The request as received.
    pub request: SimRequest,
}

impl<Op: fmt::Debug> fmt::Debug for SimRecord<Op> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimRecord")
            .field("op", &self.op)
            .field("request", &self.request)
            .finish()
    }
}

struct Entries<Op, P> {
    calls: HashMap<Op, usize>,
    faults: HashMap<Op, VecDeque<SimFault<P>>>,
    log: VecDeque<SimRecord<Op>>,
}

/// Per-operation request counts, FIFO scripted faults and a request log.
///
/// A ledger holds, per operation of a simulator (`Op`, the simulator's own `SimOp` enum),
/// how many requests arrived, a FIFO queue of scripted [`SimFault`]s, and a log of the requests
/// themselves. A simulator's handler names the operation a request is for and calls
/// [`Ledger::answer`]; the simulator's `calls(op)`, `fail_next(op, fault)` and `requests()` are
/// one-line forwards to the ledger.
///
/// ```
/// use session_core::test_util::{Ledger, SimFault, SimRequest, SimResponse};
///
/// #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
/// enum Op { Login }
///
/// let ledger: Ledger<Op> = Ledger::new();
/// ledger.fail_next(Op::Login, SimFault::Status(503));
/// # let req = SimRequest::new(http::Method::POST, "/login");
/// let first = ledger.answer(Op::Login, &req, SimFault::response, || SimResponse::status(200));
/// let second = ledger.answer(Op::Login, &req, SimFault::response, || SimResponse::status(200));
/// assert_eq!((first.status.as_u16(), second.status.as_u16()), (503, 200));
/// assert_eq!(ledger.calls(Op::Login), 2);
/// ```
pub struct Ledger<Op, P = NoFault> {
    entries: Mutex<Entries<Op, P>>,
    capacity: usize,
}

impl<Op, P> fmt::Debug for Ledger<Op, P>
where
    Op: fmt::Debug + Copy + Eq + Hash,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = self.lock();
        f.debug_struct("Ledger")
            .field("calls", &e.calls)
            .field("logged", &e.log.len())
            .finish_non_exhaustive()
    }
}

impl<Op, P> Default for Ledger<Op, P>
where
    Op: Copy + Eq + Hash,
{
    fn default() -> Self {
        Self::new()
    }
}

impl<Op, P> Ledger<Op, P>
where
    Op: Copy + Eq + Hash,
{
    /// An empty ledger keeping the last [`DEFAULT_LOG_CAPACITY`] requests.
    pub fn new() -> Self {
        Self::with_log_capacity(DEFAULT_LOG_CAPACITY)
    }

    /// An empty ledger keeping the last `capacity` requests (0 keeps none; counts are kept
    /// either way).
    pub fn with_log_capacity(capacity: usize) -> Self {
        Self {
            entries: Mutex::new(Entries {
                calls: HashMap::new(),
                faults: HashMap::new(),
                log: VecDeque::new(),
            }),
            capacity,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Entries<Op, P>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Requests seen so far for `op`, scripted failures included.
    pub fn calls(&self, op: Op) -> usize {
        self.lock().calls.get(&op).copied().unwrap_or(0)
    }

    /// Requests seen so far for every operation together.
    pub fn total_calls(&self) -> usize {
        self.lock().calls.values().sum()
    }

    /// Answers the next request for `op` with `fault`. Faults queue up per operation and are
    /// played in the order given.
    pub fn fail_next(&self, op: Op, fault: SimFault<P>) {
        self.lock().faults.entry(op).or_default().push_back(fault);
    }

    /// Scripted faults for `op` not played yet.
    pub fn pending_faults(&self, op: Op) -> usize {
        self.lock().faults.get(&op).map_or(0, VecDeque::len)
    }

    /// The requests seen so far (the most recent ones, up to the log's capacity), oldest first.
    pub fn requests(&self) -> Vec<SimRecord<Op>> {
        self.lock().log.iter().cloned().collect()
    }

    /// Counts and logs a request for `op`, and takes the next fault scripted for it.
    pub fn record(&self, op: Op, request: &SimRequest) -> Option<SimFault<P>> {
        let mut e = self.lock();
        let n = e.calls.entry(op).or_insert(0);
        *n = n.saturating_add(1);
        if self.capacity > 0 {
            if e.log.len() >= self.capacity {
                e.log.pop_front();
            }
            e.log.push_back(SimRecord {
                op,
                request: request.clone(),
            });
        }
        e.faults.get_mut(&op).and_then(VecDeque::pop_front)
    }

    /// Counts and logs a request for `op`, then answers it: normally (`normal`) when no fault is
    /// scripted, otherwise with the fault. The transport faults are played here, the same for
    /// every simulator: [`Delay`](SimFault::Delay) delays the normal answer,
    /// [`Truncated`](SimFault::Truncated) cuts its body short, [`Hang`](SimFault::Hang) and
    /// [`Drop`](SimFault::Drop) answer nothing. Every other fault is answered by `render` (which
    /// may fall back to [`SimFault::render`]) and the normal answer is not computed, so a
    /// faulted request changes no simulator state.
    pub fn answer(
        &self,
        op: Op,
        request: &SimRequest,
        render: impl FnOnce(SimFault<P>) -> SimResponse,
        normal: impl FnOnce() -> SimResponse,
    ) -> SimResponse {
        self.answer_with(op, request, |fault| match fault {
            None => normal(),
            Some(fault) => render(fault),
        })
    }

    /// [`answer`](Self::answer) for simulators whose normal answer and fault rendering share
    /// mutable state: `respond` gets `None` to answer normally (also under a
    /// [`Delay`](SimFault::Delay) or [`Truncated`](SimFault::Truncated), which are applied to its
    /// answer) or the scripted content fault to render; [`Hang`](SimFault::Hang) and
    /// [`Drop`](SimFault::Drop) never reach it.
    pub fn answer_with(
        &self,
        op: Op,
        request: &SimRequest,
        respond: impl FnOnce(Option<SimFault<P>>) -> SimResponse,
    ) -> SimResponse {
        match self.record(op, request) {
            Some(SimFault::Delay(d)) => respond(None).delayed(d),
            Some(SimFault::Truncated) => respond(None).truncated(),
            Some(SimFault::Hang) => SimResponse::hang(),
            Some(SimFault::Drop) => SimResponse::dropped(),
            fault => respond(fault),
        }
    }
}
