//! A CoAP client and server over a seeded lossy [`Link`], on virtual time:
//! the deterministic simulation harness used by the tests, the benches and
//! `mqcoap demo`.
//!
//! The server side runs a small resource store (GET, PUT, POST, DELETE,
//! block-wise bodies both ways, observable resources); the client side
//! reassembles block-wise responses, feeds Block1 uploads, and records each
//! exchange's outcome. [`Counters`] say what happened.
//!
//! ```
//! use qos_engine::coap::sim::{Outcome, Pair};
//! use qos_engine::coap::Request;
//! use qos_engine::sim::datagram::LinkConfig;
//! use coap_codec::Code;
//!
//! let mut pair = Pair::<4, 32>::new(7, LinkConfig::lossy(20, 10));
//! pair.put_resource("big", vec![7u8; 5000]);
//! let opts = Pair::<4, 32>::path("big");
//! let h = pair.request(&Request::get(&opts)).unwrap();
//! pair.run_until_settled();
//! match pair.outcome(h) {
//!     Some(Outcome::Completed { code, body }) => {
//!         assert_eq!(*code, Code::CONTENT);
//!         assert_eq!(body.len(), 5000);
//!     }
//!     other => assert!(matches!(other, Some(Outcome::Failed(_))), "{other:?}"),
//! }
//! ```

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use coap_codec::{Code, OptionEntry, OptionNumber, OptionValue};

use super::{Config, Endpoint, Event, Failure, Handle, Request, RequestId, Response};
use crate::sim::datagram::{Link, LinkConfig};
use crate::time::{Duration, Instant};

/// The two ends of a [`Pair`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Side {
    /// The requesting end.
    Client,
    /// The resource-serving end.
    Server,
}

impl Side {
    fn other(self) -> Side {
        match self {
            Side::Client => Side::Server,
            Side::Server => Side::Client,
        }
    }
}

/// How a client exchange ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The response arrived: its code and the whole (reassembled) body.
    Completed {
        /// Response code.
        code: Code,
        /// The body, all blocks joined.
        body: Vec<u8>,
    },
    /// The endpoint reported a failure.
    Failed(Failure),
}

/// A notification the client application received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    /// The observation.
    pub handle: Handle,
    /// Its Observe value.
    pub observe: u32,
    /// Its payload.
    pub payload: Vec<u8>,
    /// When it was delivered.
    pub at: Instant,
}

/// A request the server application received (once per request, however
/// often the network duplicated it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivered {
    /// Method.
    pub method: Code,
    /// Uri-Path segments joined by `/`.
    pub path: String,
    /// The whole body (Block1 blocks joined).
    pub body: Vec<u8>,
    /// When the (last block of the) request was delivered.
    pub at: Instant,
}

/// What happened in a [`Pair`] run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// Requests started by the client application.
    pub requests: u64,
    /// Requests delivered to the server application (whole bodies).
    pub delivered: u64,
    /// Responses completed at the client application.
    pub completed: u64,
    /// Duplicates suppressed by either endpoint (RFC 7252 §4.5).
    pub duplicates_suppressed: u64,
    /// Retransmissions by either endpoint.
    pub retransmissions: u64,
    /// Client exchanges that failed.
    pub failures: u64,
    /// Notifications delivered to the client application.
    pub notifications: u64,
    /// Datagrams the link lost.
    pub lost: u64,
    /// Datagrams the link duplicated.
    pub duplicated: u64,
    /// Virtual time elapsed, in microseconds.
    pub virtual_time_us: u64,
}

/// A request the server application answers later: (when, id, method,
/// path, body, Observe).
type Pending = (Instant, RequestId, Code, String, Vec<u8>, Option<u32>);

/// A client and a server endpoint joined by a seeded [`Link`].
///
/// `N`, `D`, `M` are the endpoints' capacities (see [`Endpoint`]).
pub struct Pair<const N: usize = 4, const D: usize = 16, const M: usize = 1152> {
    /// The client endpoint.
    pub client: Box<Endpoint<Side, N, D, M>>,
    /// The server endpoint.
    pub server: Box<Endpoint<Side, N, D, M>>,
    /// The link between them.
    pub link: Link<Side>,
    /// Virtual now.
    pub now: Instant,
    start: Instant,
    /// Server resources by path.
    pub resources: BTreeMap<String, Vec<u8>>,
    observable: BTreeMap<String, u16>,
    uploads_rx: BTreeMap<String, Vec<u8>>,
    uploads_tx: BTreeMap<Handle, Vec<u8>>,
    echo: Vec<u8>,
    downloads: BTreeMap<Handle, Vec<u8>>,
    outcomes: BTreeMap<Handle, Outcome>,
    /// Requests delivered to the server application, in order.
    pub delivered: Vec<Delivered>,
    /// Notifications delivered to the client application, in order.
    pub notifications: Vec<Notification>,
    /// When each failed exchange failed, and when it started.
    pub failure_times: Vec<(Handle, Instant, Instant)>,
    started: BTreeMap<Handle, Instant>,
    /// Every datagram the client sent: (instant, bytes). Filled only while
    /// `trace` is set.
    pub client_sent: Vec<(Instant, Vec<u8>)>,
    /// Record `client_sent`.
    pub trace: bool,
    /// Server application: respond to requests (false: leave them
    /// unanswered, to exercise separate responses and timeouts).
    pub server_responds: bool,
    /// Server application: delay before it responds (0: at once, piggybacked).
    pub server_delay: Duration,
    pending: Vec<Pending>,
    buf: Vec<u8>,
}

impl<const N: usize, const D: usize, const M: usize> Pair<N, D, M> {
    /// A pair whose every random choice (endpoints' and link's) follows from `seed`.
    pub fn new(seed: u64, link: LinkConfig) -> Self {
        let cfg = |s: u64| Config {
            seed: s,
            ..Config::default()
        };
        Self::with_configs(
            seed,
            link,
            cfg(seed.wrapping_mul(3) ^ 1),
            cfg(seed.wrapping_mul(5) ^ 2),
        )
    }

    /// A pair with explicit endpoint configurations.
    pub fn with_configs(seed: u64, link: LinkConfig, client: Config, server: Config) -> Self {
        let now = Instant::ZERO;
        Pair {
            client: Box::new(Endpoint::new(client, now)),
            server: Box::new(Endpoint::new(server, now)),
            link: Link::new(link, seed),
            now,
            start: now,
            resources: BTreeMap::new(),
            observable: BTreeMap::new(),
            uploads_rx: BTreeMap::new(),
            uploads_tx: BTreeMap::new(),
            echo: Vec::new(),
            downloads: BTreeMap::new(),
            outcomes: BTreeMap::new(),
            delivered: Vec::new(),
            notifications: Vec::new(),
            failure_times: Vec::new(),
            started: BTreeMap::new(),
            client_sent: Vec::new(),
            trace: false,
            server_responds: true,
            server_delay: Duration::ZERO,
            pending: Vec::new(),
            buf: vec![0; M],
        }
    }

    /// Uri-Path options for a `/`-separated path (segments borrowed from `path`).
    pub fn path(path: &str) -> Vec<OptionEntry<'_>> {
        path.split('/')
            .filter(|s| !s.is_empty())
            .map(|s| OptionEntry {
                number: OptionNumber::URI_PATH,
                value: OptionValue::Bytes(s.as_bytes()),
            })
            .collect()
    }

    /// Creates or replaces a server resource.
    pub fn put_resource(&mut self, path: &str, body: Vec<u8>) {
        self.resources.insert(String::from(path), body);
    }

    /// Makes a resource observable under the tag `resource`.
    pub fn make_observable(&mut self, path: &str, resource: u16, body: Vec<u8>) {
        self.put_resource(path, body);
        self.observable.insert(String::from(path), resource);
    }

    /// The server application changes an observable resource and notifies
    /// its observers; returns how many were notified.
    pub fn change_resource(&mut self, path: &str, body: Vec<u8>, confirmable: bool) -> usize {
        self.resources.insert(String::from(path), body.clone());
        let Some(&res) = self.observable.get(path) else {
            return 0;
        };
        let tag = etag(&body);
        let opts = [OptionEntry {
            number: OptionNumber::ETAG,
            value: OptionValue::Bytes(&tag),
        }];
        let n = self
            .server
            .notify(
                self.now,
                res,
                &Response::new(Code::CONTENT, &body).options(&opts),
                confirmable,
            )
            .unwrap_or(0);
        self.drain(Side::Server);
        n
    }

    /// The client application sends a request (a large body goes Block1).
    pub fn request(&mut self, req: &Request<'_>) -> Result<Handle, super::Error> {
        let h = self.client.request(self.now, Side::Server, req)?;
        self.started_request(h, req.payload);
        Ok(h)
    }

    /// The client application registers an observation.
    pub fn observe(&mut self, req: &Request<'_>) -> Result<Handle, super::Error> {
        let h = self.client.observe(self.now, Side::Server, req)?;
        self.started_request(h, req.payload);
        Ok(h)
    }

    fn started_request(&mut self, h: Handle, body: &[u8]) {
        if body.len() > super::szx_size(6) || !body.is_empty() {
            self.uploads_tx.insert(h, body.to_vec());
        }
        self.started.insert(h, self.now);
        self.downloads.remove(&h);
        self.outcomes.remove(&h);
        self.drain(Side::Client);
    }

    /// How the exchange ended, if it did.
    pub fn outcome(&self, h: Handle) -> Option<&Outcome> {
        self.outcomes.get(&h)
    }

    /// The endpoint on `side`.
    pub fn endpoint(&mut self, side: Side) -> &mut Endpoint<Side, N, D, M> {
        match side {
            Side::Client => &mut self.client,
            Side::Server => &mut self.server,
        }
    }

    /// Counters so far.
    pub fn counters(&self) -> Counters {
        let (c, s, l) = (self.client.stats(), self.server.stats(), self.link.stats());
        Counters {
            requests: self.started.len() as u64,
            delivered: self.delivered.len() as u64,
            completed: self
                .outcomes
                .values()
                .filter(|o| matches!(o, Outcome::Completed { .. }))
                .count() as u64,
            duplicates_suppressed: c.duplicates_suppressed + s.duplicates_suppressed,
            retransmissions: c.retransmissions + s.retransmissions,
            failures: self
                .outcomes
                .values()
                .filter(|o| matches!(o, Outcome::Failed(_)))
                .count() as u64,
            notifications: self.notifications.len() as u64,
            lost: l.lost,
            duplicated: l.duplicated,
            virtual_time_us: self.now.saturating_duration_since(self.start).as_micros() as u64,
        }
    }

    /// The next instant anything happens (a delivery, a timer, a delayed
    /// server response).
    pub fn next_instant(&self) -> Option<Instant> {
        [
            self.link.next_delivery(),
            self.client.poll_timeout(),
            self.server.poll_timeout(),
            self.pending.iter().map(|p| p.0).min(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Advances to the next instant and processes everything due then.
    /// Returns `false` when nothing is left to happen.
    pub fn step(&mut self) -> bool {
        let Some(t) = self.next_instant() else {
            return false;
        };
        if t > self.now {
            self.now = t;
        }
        let now = self.now;
        while let Some(d) = self.link.poll_deliver(now) {
            self.endpoint(d.to).handle_datagram(now, d.from, &d.bytes);
            self.drain(d.to);
        }
        for side in [Side::Client, Side::Server] {
            if self.endpoint(side).poll_timeout().is_some_and(|t| t <= now) {
                self.endpoint(side).handle_timeout(now);
                self.drain(side);
            }
        }
        let due: Vec<_> = {
            let (due, rest) = core::mem::take(&mut self.pending)
                .into_iter()
                .partition(|p| p.0 <= now);
            self.pending = rest;
            due
        };
        for (_, id, method, path, body, observe) in due {
            self.serve(id, method, &path, &body, observe);
            self.drain(Side::Server);
        }
        true
    }

    /// Steps until `deadline` (or until nothing is left to happen).
    pub fn run_until(&mut self, deadline: Instant) {
        while self.next_instant().is_some_and(|t| t <= deadline) {
            self.step();
        }
        if self.now < deadline {
            self.now = deadline;
        }
    }

    /// Steps until every client exchange other than established
    /// observations has ended and the link is quiet (bounded by 10 virtual
    /// hours, so it always returns).
    pub fn run_until_settled(&mut self) {
        let limit = self.now + Duration::from_secs(36_000);
        while self.now < limit {
            let busy = self.started.keys().any(|h| {
                self.client.is_alive(*h)
                    && !self.outcomes.contains_key(h)
                    && !self.notifications.iter().any(|n| n.handle == *h)
            });
            if !busy && self.link.in_flight() == 0 && self.pending.is_empty() {
                return;
            }
            if !self.step() {
                return;
            }
        }
    }

    /// Drains one endpoint's transmits and events, playing its application.
    fn drain(&mut self, side: Side) {
        loop {
            let mut progressed = false;
            loop {
                let now = self.now;
                let mut buf = core::mem::take(&mut self.buf);
                let t = self.endpoint(side).poll_transmit(now, &mut buf);
                if let Some(t) = t {
                    if side == Side::Client && self.trace {
                        self.client_sent.push((now, buf[..t.len].to_vec()));
                    }
                    self.link.send(now, side, t.peer, &buf[..t.len]);
                    self.buf = buf;
                    progressed = true;
                } else {
                    self.buf = buf;
                    break;
                }
            }
            while let Some(ev) = self.endpoint(side).poll_event() {
                progressed = true;
                match side {
                    Side::Client => self.client_event(ev),
                    Side::Server => self.server_event(ev),
                }
            }
            if !progressed {
                break;
            }
        }
        let _ = side.other();
    }

    fn client_event(&mut self, ev: Event<Side>) {
        let now = self.now;
        match ev {
            Event::Response {
                handle,
                code,
                part,
                observe,
                last,
                ..
            } => {
                let payload = self
                    .client
                    .message()
                    .map(|m| m.payload().to_vec())
                    .unwrap_or_default();
                let body = self.downloads.entry(handle).or_default();
                match part {
                    Some(p) => {
                        body.truncate(p.offset);
                        body.extend_from_slice(&payload);
                    }
                    None => *body = payload,
                }
                // A block-wise notification counts once its last block is in
                // (the endpoint fetches the rest, RFC 7959 §2.6).
                let whole = part.is_none_or(|p| !p.more);
                if let (Some(v), true) = (observe, whole) {
                    self.notifications.push(Notification {
                        handle,
                        observe: v,
                        payload: body.clone(),
                        at: now,
                    });
                }
                if last || (observe.is_some() && whole) {
                    let body = if last {
                        self.downloads.remove(&handle).unwrap_or_default()
                    } else {
                        body.clone()
                    };
                    self.outcomes
                        .insert(handle, Outcome::Completed { code, body });
                    if last {
                        self.uploads_tx.remove(&handle);
                    }
                }
            }
            Event::UploadContinue { handle, .. } => {
                if let Some(body) = self.uploads_tx.get(&handle) {
                    let body = body.clone();
                    let _ = self.client.continue_upload(now, handle, &body);
                }
            }
            Event::Failed { handle, reason } => {
                let started = self.started.get(&handle).copied().unwrap_or(now);
                self.failure_times.push((handle, started, now));
                self.outcomes.insert(handle, Outcome::Failed(reason));
                self.uploads_tx.remove(&handle);
            }
            _ => {}
        }
    }

    fn server_event(&mut self, ev: Event<Side>) {
        let Event::Request {
            id,
            method,
            block1,
            observe,
            ..
        } = ev
        else {
            return;
        };
        let Some(msg) = self.server.message() else {
            return;
        };
        let mut path = String::new();
        for seg in msg.options_of(OptionNumber::URI_PATH) {
            if !path.is_empty() {
                path.push('/');
            }
            path.push_str(core::str::from_utf8(seg.value).unwrap_or("?"));
        }
        let payload = msg.payload().to_vec();
        let body = match block1 {
            Some(part) => {
                let acc = self.uploads_rx.entry(path.clone()).or_default();
                acc.truncate(part.offset);
                acc.extend_from_slice(&payload);
                if part.more {
                    return;
                }
                self.uploads_rx.remove(&path).unwrap_or_default()
            }
            None => payload,
        };
        let block2_followup = matches!(ev, Event::Request { block2: Some(b), .. } if b.num() > 0);
        let body = if block2_followup && method == Code::POST && path == "echo" {
            // The rest of a two-way transfer's response (RFC 7959 §3.3).
            self.echo.clone()
        } else {
            body
        };
        if !block2_followup {
            self.delivered.push(Delivered {
                method,
                path: path.clone(),
                body: body.clone(),
                at: self.now,
            });
        }
        if !self.server_responds {
            return;
        }
        if self.server_delay > Duration::ZERO {
            self.server.accept(self.now, id).ok();
            self.pending.push((
                self.now + self.server_delay,
                id,
                method,
                path,
                body,
                observe,
            ));
            return;
        }
        self.serve(id, method, &path, &body, observe);
    }

    /// The resource store's answer.
    fn serve(
        &mut self,
        id: RequestId,
        method: Code,
        path: &str,
        body: &[u8],
        observe: Option<u32>,
    ) {
        let now = self.now;
        let (code, out): (Code, Vec<u8>) = match method {
            Code::GET => match self.resources.get(path) {
                Some(b) => (Code::CONTENT, b.clone()),
                None => (Code::NOT_FOUND, Vec::new()),
            },
            Code::PUT => {
                let existed = self
                    .resources
                    .insert(String::from(path), body.to_vec())
                    .is_some();
                (
                    if existed {
                        Code::CHANGED
                    } else {
                        Code::CREATED
                    },
                    Vec::new(),
                )
            }
            // POST to "echo" answers with the body (two-way block-wise).
            Code::POST if path == "echo" => {
                self.echo = body.to_vec();
                (Code::CHANGED, body.to_vec())
            }
            Code::POST => {
                self.resources.insert(String::from(path), body.to_vec());
                (Code::CREATED, Vec::new())
            }
            Code::DELETE => {
                self.resources.remove(path);
                if let Some(&res) = self.observable.get(path) {
                    let _ =
                        self.server
                            .notify(now, res, &Response::new(Code::NOT_FOUND, b""), false);
                }
                (Code::DELETED, Vec::new())
            }
            _ => (Code::METHOD_NOT_ALLOWED, Vec::new()),
        };
        // Observable resources carry an ETag so that the blocks of a
        // block-wise notification can be told apart by version (RFC 7959 §2.6).
        let tag = etag(&out);
        let opts = [OptionEntry {
            number: OptionNumber::ETAG,
            value: OptionValue::Bytes(&tag),
        }];
        let mut resp = Response::new(code, &out);
        if method == Code::GET && code == Code::CONTENT && self.observable.contains_key(path) {
            resp = resp.options(&opts);
        }
        match (observe, self.observable.get(path)) {
            (Some(0), Some(&res)) if method == Code::GET => {
                let _ = self.server.register_observer(now, id, res, &resp);
            }
            _ => {
                let _ = self.server.respond(now, id, &resp);
            }
        }
    }
}

/// A 4-byte ETag for a representation (FNV-1a).
fn etag(body: &[u8]) -> [u8; 4] {
    let mut h: u32 = 0x811c_9dc5;
    for b in body {
        h = (h ^ u32::from(*b)).wrapping_mul(0x0100_0193);
    }
    h.to_be_bytes()
}
