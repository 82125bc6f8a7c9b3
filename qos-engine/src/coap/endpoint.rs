//! The CoAP endpoint state machine: client and server roles over UDP.

use coap_codec::{
    tcp, Block, Code, Message, MessageBuilder, MessageType, OptionEntry, OptionNumber, OptionValue,
    Reaction,
};
use heapless::{Deque, Vec};

use super::blockwise::szx_size;
use super::config::{Config, Transport};
use super::observe::Freshness;
use super::reliability::{MessageIds, Retransmission, RetransmitAction, Token};
use super::types::{
    BodyPart, ConnectionEvent, Error, Event, Failure, Handle, ObserverGone, Rejection, Request,
    RequestId, Response, Stats, Transmit,
};
use crate::rng::Rng;
use crate::time::{Duration, Instant, Monotonic};

/// Options a message built by the endpoint can carry (the caller's plus the
/// endpoint's own Block1/Block2/Size/Observe/Request-Tag).
const OPTS: usize = 40;
/// Events the queue holds; inputs stop producing more when it is full.
const EVENTS: usize = 16;
/// Empty ACK / Reset messages waiting to be sent.
const CONTROL: usize = 8;
/// Message IDs remembered per CON notification for the earlier states it
/// went out with before a newer state replaced it (RFC 7641 §4.5.2).
const EARLIER_MIDS: usize = 8;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ExState {
    /// Waiting for NSTART room (RFC 7252 §4.7).
    Queued,
    /// CON sent, waiting for an ACK or response; `retx` is armed.
    Sending,
    /// Waiting for a separate or NON response until `deadline`.
    Waiting,
    /// 2.31 Continue received; waiting for `continue_upload`.
    UploadPaused,
    /// An established observation; `deadline` is the re-registration time.
    Observing,
}

#[derive(Clone, Copy, Debug)]
struct Upload {
    /// Body bytes the server has taken.
    acked: usize,
    /// Bytes in flight in the current block.
    sent: usize,
    szx: u8,
    total: usize,
    /// The current block has M = 1.
    more: bool,
}

/// An exchange the endpoint started by itself to fetch the rest of a
/// block-wise notification (RFC 7959 §2.6): a GET without Observe, with its
/// own token, whose blocks are reported under the observation's handle.
#[derive(Clone, Debug)]
struct Follow {
    /// The observation's exchange slot and generation.
    parent: usize,
    parent_gen: u32,
    /// The notification's Observe value, repeated on every block's event.
    observe: u32,
    /// The first block's ETag: "the reassembling client MUST compare the
    /// ETag Options" (RFC 7959 §2.6).
    etag: Option<Vec<u8, 8>>,
}

#[derive(Clone, Copy, Debug)]
struct ObserveClient {
    fresh: Freshness,
    established: bool,
    deregistering: bool,
}

struct Exchange<P, const M: usize> {
    gen: u32,
    seq: u64,
    peer: P,
    token: Token,
    confirmable: bool,
    state: ExState,
    mid: u16,
    msg: Vec<u8, M>,
    retx: Option<Retransmission>,
    tx: bool,
    deadline: Instant,
    /// When the message in flight was first sent, while nothing has come
    /// from the peer since (RFC 7252 §4.7 PROBING_RATE).
    unanswered_since: Option<Instant>,
    /// The Block2 number asked for by the message in flight.
    block2_num: u32,
    upload: Option<Upload>,
    observe: Option<ObserveClient>,
    follow: Option<Follow>,
}

impl<P, const M: usize> Exchange<P, M> {
    /// An exchange waiting for NSTART room, nothing sent yet.
    #[allow(clippy::too_many_arguments)]
    fn queued(
        gen: u32,
        seq: u64,
        peer: P,
        token: Token,
        confirmable: bool,
        mid: u16,
        msg: Vec<u8, M>,
        now: Instant,
    ) -> Self {
        Exchange {
            gen,
            seq,
            peer,
            token,
            confirmable,
            state: ExState::Queued,
            mid,
            msg,
            retx: None,
            tx: false,
            deadline: now,
            unanswered_since: None,
            block2_num: 0,
            upload: None,
            observe: None,
            follow: None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum InState {
    /// Delivered to the application, nothing sent yet; Empty ACK at `ack_at`.
    Delivered,
    /// Empty ACK sent; the response will be separate.
    Acked,
    /// Answered (or nothing more to do): only deduplication remains.
    Done,
}

struct Inbound<P, const M: usize> {
    gen: u32,
    /// Insertion order, for evicting the oldest entry first.
    order: u64,
    peer: P,
    mid: u16,
    con: bool,
    expires: Instant,
    state: InState,
    ack_at: Instant,
    token: Token,
    block2: Option<Block>,
    block1: Option<Block>,
    /// The reply to (re)send for this message: ACK, piggybacked response,
    /// or the NON response (sent once).
    reply: Vec<u8, M>,
    tx: bool,
}

struct Outgoing<P, const M: usize> {
    peer: P,
    mid: u16,
    msg: Vec<u8, M>,
    retx: Option<Retransmission>,
    tx: bool,
    observer: Option<usize>,
    /// `msg` went out at least once under `mid`.
    sent: bool,
    /// Message IDs of earlier states of this CON notification that went out
    /// before a newer state replaced them (oldest first). An ACK or Reset
    /// for one of them still answers this notification: the client cannot
    /// acknowledge a state it has not received yet.
    earlier: Vec<u16, EARLIER_MIDS>,
}

#[derive(Clone, Copy, Debug)]
struct Observer<P> {
    peer: P,
    token: Token,
    resource: u16,
    last_mid: u16,
    last_con: Option<Instant>,
    out: Option<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ConnState {
    Open,
    /// 7.04 Release sent or received (RFC 8323 §5.5).
    Released,
    /// 7.05 Abort sent or received (RFC 8323 §5.6).
    Aborted,
}

/// The RFC 8323 connection state (reliable transport only).
struct Conn<P> {
    peer: Option<P>,
    /// Our CSM went out (it is the first frame we send, §5.3).
    csm_sent: bool,
    /// The peer's CSM arrived (it must be its first frame, §5.3).
    peer_csm: bool,
    state: ConnState,
    /// Signaling frames to send: code and token.
    signals: Deque<(Code, Token), 4>,
    /// The Abort frame is out: nothing follows it.
    abort_sent: bool,
    /// Message IDs given to received frames on their way through the
    /// message layer (frames have none; never a duplicate).
    next_mid: u16,
}

#[derive(Clone, Copy, Debug)]
struct Assembly<P> {
    peer: P,
    key: u32,
    next: usize,
    expires: Instant,
}

/// A CoAP endpoint (RFC 7252 over UDP, with RFC 7959 block-wise transfers
/// and RFC 7641 Observe), client and server at once.
///
/// - `P`: the peer address type (`SocketAddr`, a smoltcp endpoint, an index…).
/// - `N`: client exchanges, server observers, server-originated messages in
///   flight and Block1 reassemblies in progress (each table `N` entries).
/// - `D`: deduplication entries (RFC 7252 §4.5): received CON and NON
///   messages remembered for EXCHANGE_LIFETIME / NON_LIFETIME.
/// - `M`: the largest message sent or received (RFC 7252 §4.6 recommends
///   1152 bytes).
///
/// Methods come in four groups: getters (`&self`), inputs (`handle_*`),
/// commands (`request`, `respond`, …) and outputs (`poll_*`). See the module
/// documentation for the driver loop.
pub struct Endpoint<P, const N: usize = 4, const D: usize = 16, const M: usize = 1152> {
    config: Config,
    clock: Monotonic,
    rng: Rng,
    mids: MessageIds,
    gen: u32,
    seq: u64,
    exchanges: [Option<Exchange<P, M>>; N],
    outgoing: [Option<Outgoing<P, M>>; N],
    observers: [Option<Observer<P>>; N],
    assemblies: [Option<Assembly<P>>; N],
    inbound: [Option<Inbound<P, M>>; D],
    control: Deque<(P, MessageType, u16), CONTROL>,
    events: Deque<Event<P>, EVENTS>,
    rx: Vec<u8, M>,
    rx_valid: bool,
    rx_unpolled: usize,
    observe_seq: u32,
    stats: Stats,
    /// Peers that let a Non-confirmable request go unanswered, and until when
    /// no new request goes to them (RFC 7252 §4.7 PROBING_RATE).
    quiet: Vec<(P, Instant), N>,
    conn: Conn<P>,
}

/// Block positions as `usize` (the codec's are u64/u32).
trait BlockExt {
    fn offset_usize(&self) -> usize;
    fn size_usize(&self) -> usize;
}

impl BlockExt for Block {
    fn offset_usize(&self) -> usize {
        usize::try_from(self.offset()).unwrap_or(usize::MAX)
    }
    fn size_usize(&self) -> usize {
        szx_size(self.szx())
    }
}

// ---------------------------------------------------------------------------
// Message encoding helpers (all through the codec's builder).

type Builder<'a> = MessageBuilder<'a, OPTS>;

fn put<'a>(b: &mut Builder<'a>, e: OptionEntry<'a>) -> Result<(), Error> {
    b.push(e).map_err(|_| Error::MessageTooLarge)
}

fn uint_opt(number: OptionNumber, v: u32) -> OptionEntry<'static> {
    OptionEntry {
        number,
        value: OptionValue::Uint(v),
    }
}

fn block_opt(
    number: OptionNumber,
    num: usize,
    more: bool,
    szx: u8,
) -> Result<OptionEntry<'static>, Error> {
    let num = u32::try_from(num).map_err(|_| Error::MessageTooLarge)?;
    let b = Block::new(num, more, szx).map_err(|_| Error::MessageTooLarge)?;
    Ok(uint_opt(number, b.to_uint()))
}

/// Writes the message into `out`, or leaves `out` untouched on error.
fn write_into<const M: usize, const K: usize>(
    b: &MessageBuilder<'_, K>,
    out: &mut Vec<u8, M>,
) -> Result<(), Error> {
    let n = b.encoded_len().map_err(|_| Error::MessageTooLarge)?;
    if n > M {
        return Err(Error::MessageTooLarge);
    }
    out.clear();
    out.resize(n, 0).map_err(|_| Error::MessageTooLarge)?;
    b.build(&mut out[..]).map_err(|_| Error::MessageTooLarge)?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn encode_request<const M: usize>(
    out: &mut Vec<u8, M>,
    confirmable: bool,
    mid: u16,
    token: &Token,
    method: Code,
    options: &[OptionEntry<'_>],
    extra: &[OptionEntry<'_>],
    payload: &[u8],
) -> Result<(), Error> {
    let ty = if confirmable {
        MessageType::Confirmable
    } else {
        MessageType::NonConfirmable
    };
    let mut b = Builder::with_capacity(ty, method, mid);
    b.token(token.as_bytes());
    for e in options.iter().chain(extra) {
        put(&mut b, *e)?;
    }
    b.payload(payload);
    write_into(&b, out)
}

/// Re-encodes a request we sent before (kept in `old`) with a new Message
/// ID, without the `strip` options, plus `extra`, with `payload`.
fn rebuild<const M: usize>(
    old: &[u8],
    out: &mut Vec<u8, M>,
    mid: u16,
    strip: &[OptionNumber],
    extra: &[OptionEntry<'_>],
    payload: &[u8],
) -> Result<(), Error> {
    rebuild_with_token(old, out, mid, None, strip, extra, payload)
}

/// [`rebuild`] with another token (`None`: keep the old one).
fn rebuild_with_token<const M: usize>(
    old: &[u8],
    out: &mut Vec<u8, M>,
    mid: u16,
    token: Option<&Token>,
    strip: &[OptionNumber],
    extra: &[OptionEntry<'_>],
    payload: &[u8],
) -> Result<(), Error> {
    let m = Message::parse(old).map_err(|_| Error::MessageTooLarge)?;
    let mut b = Builder::with_capacity(m.message_type(), m.code(), mid);
    b.token(token.map_or(m.token(), |t| t.as_bytes()));
    for o in m.options() {
        if !strip.contains(&o.number) {
            put(
                &mut b,
                OptionEntry {
                    number: o.number,
                    value: OptionValue::Bytes(o.value),
                },
            )?;
        }
    }
    for e in extra {
        put(&mut b, *e)?;
    }
    b.payload(payload);
    write_into(&b, out)
}

/// What the endpoint adds to a response it encodes.
#[derive(Clone, Copy)]
struct ResponseExtras {
    block2: Option<Block>,
    block1: Option<Block>,
    observe: Option<u32>,
    max_szx: u8,
}

/// Encodes a response; a body that does not fit (or a Block2 request) is
/// served block-wise: the block asked for, at the largest size that fits
/// (RFC 7959 §2.4: the server may answer with a smaller SZX).
fn encode_response<'a, const M: usize>(
    out: &mut Vec<u8, M>,
    ty: MessageType,
    mid: u16,
    token: &'a Token,
    resp: &Response<'a>,
    x: ResponseExtras,
) -> Result<(), Error> {
    fn base<'a>(
        b: &mut Builder<'a>,
        token: &'a Token,
        resp: &Response<'a>,
        x: ResponseExtras,
    ) -> Result<(), Error> {
        b.token(token.as_bytes());
        for e in resp.options {
            put(b, *e)?;
        }
        if let Some(b1) = x.block1 {
            put(b, uint_opt(OptionNumber::BLOCK1, b1.to_uint()))?;
        }
        if let Some(v) = x.observe {
            put(b, uint_opt(OptionNumber::OBSERVE, v & 0xFF_FFFF))?;
        }
        Ok(())
    }
    let body = resp.payload;
    if x.block2.is_none() {
        let mut b = Builder::with_capacity(ty, resp.code, mid);
        base(&mut b, token, resp, x)?;
        b.payload(body);
        match write_into(&b, out) {
            Ok(()) => return Ok(()),
            Err(_) if body.len() > 16 => {}
            Err(e) => return Err(e),
        }
    }
    let (mut szx, offset) = match x.block2 {
        Some(req) => (req.szx().min(x.max_szx), req.offset_usize()),
        None => (x.max_szx, 0),
    };
    if offset > 0 && offset >= body.len() {
        // RFC 7959 §2.2: a block beyond the end of the representation
        // cannot be served; answer 4.02 (Bad Option) for the Block2 option.
        let mut b = Builder::with_capacity(ty, Code::BAD_OPTION, mid);
        b.token(token.as_bytes());
        return write_into(&b, out);
    }
    loop {
        let size = szx_size(szx);
        let end = (offset + size).min(body.len());
        let more = end < body.len();
        let mut b = Builder::with_capacity(ty, resp.code, mid);
        base(&mut b, token, resp, x)?;
        put(
            &mut b,
            block_opt(OptionNumber::BLOCK2, offset / size, more, szx)?,
        )?;
        if offset == 0 {
            let total = u32::try_from(body.len()).map_err(|_| Error::MessageTooLarge)?;
            put(&mut b, uint_opt(OptionNumber::SIZE2, total))?;
        }
        b.payload(&body[offset..end]);
        match write_into(&b, out) {
            Ok(()) => return Ok(()),
            Err(_) if szx > 0 => szx -= 1,
            Err(e) => return Err(e),
        }
    }
}

/// FNV-1a over the options that identify a Block1 body's target resource
/// (RFC 7959 §2.5 matches blocks by endpoint and request URI; RFC 9175 adds
/// Request-Tag).
fn resource_key(m: &Message<'_>) -> u32 {
    let mut h: u32 = 0x811C_9DC5;
    for o in m.options() {
        let n = o.number;
        if n == OptionNumber::URI_HOST
            || n == OptionNumber::URI_PORT
            || n == OptionNumber::URI_PATH
            || n == OptionNumber::URI_QUERY
            || n == OptionNumber::REQUEST_TAG
        {
            for b in n.0.to_be_bytes().iter().chain(o.value) {
                h ^= u32::from(*b);
                h = h.wrapping_mul(0x0100_0193);
            }
            h ^= 0xFF;
            h = h.wrapping_mul(0x0100_0193);
        }
    }
    h ^ u32::from(m.code().0)
}

fn max_age(m: &Message<'_>, default: crate::time::Duration) -> crate::time::Duration {
    match m.uint_option(OptionNumber::MAX_AGE) {
        Ok(Some(s)) => crate::time::Duration::from_secs(u64::from(s)),
        _ => default,
    }
}

// ---------------------------------------------------------------------------

impl<P: Copy + Eq, const N: usize, const D: usize, const M: usize> Endpoint<P, N, D, M> {
    /// A new endpoint at time `now`. All randomness comes from
    /// `config.seed`; nothing is sent until a command asks for it.
    ///
    /// ```
    /// use qos_engine::coap::{Config, Endpoint};
    /// use qos_engine::Instant;
    /// let mut ep: Endpoint<u32> = Endpoint::new(Config::default(), Instant::ZERO);
    /// assert!(ep.poll_timeout().is_none());
    /// assert!(ep.poll_event().is_none());
    /// ```
    pub fn new(config: Config, now: Instant) -> Self {
        let mut rng = Rng::new(config.seed);
        let mids = MessageIds::new(&mut rng);
        Endpoint {
            config,
            clock: Monotonic::new(now),
            rng,
            mids,
            gen: 0,
            seq: 0,
            exchanges: core::array::from_fn(|_| None),
            outgoing: core::array::from_fn(|_| None),
            observers: [None; N],
            assemblies: [None; N],
            inbound: core::array::from_fn(|_| None),
            control: Deque::new(),
            events: Deque::new(),
            rx: Vec::new(),
            rx_valid: false,
            rx_unpolled: 0,
            observe_seq: 2,
            stats: Stats::default(),
            quiet: Vec::new(),
            conn: Conn {
                peer: None,
                csm_sent: false,
                peer_csm: false,
                state: ConnState::Open,
                signals: Deque::new(),
                abort_sent: false,
                next_mid: 0,
            },
        }
    }

    // ----- getters ---------------------------------------------------------

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Counters.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// The message of the latest [`Event::Request`] or [`Event::Response`]
    /// returned by [`poll_event`](Self::poll_event), as a validated codec
    /// view (options, payload); `None` after the next `handle_datagram`.
    pub fn message(&self) -> Option<Message<'_>> {
        if self.rx_valid && self.rx_unpolled == 0 {
            Message::parse(&self.rx).ok()
        } else {
            None
        }
    }

    /// Client exchanges in progress (including observations).
    pub fn exchanges_in_progress(&self) -> usize {
        self.exchanges.iter().flatten().count()
    }

    /// Observers registered on the server side.
    pub fn observer_count(&self) -> usize {
        self.observers.iter().flatten().count()
    }

    /// Whether `handle` names a live exchange.
    pub fn is_alive(&self, handle: Handle) -> bool {
        self.exchange_index(handle).is_ok()
    }

    // ----- inputs ----------------------------------------------------------

    /// A datagram from `peer` arrived at `now`.
    ///
    /// Every datagram gets the RFC's answer: duplicates are answered from the
    /// deduplication cache (RFC 7252 §4.5), malformed or unexpected messages
    /// get a Reset or silence (§4.2, §4.3), unrecognized critical options a
    /// 4.02 (§5.4.1). Never panics, whatever the bytes.
    pub fn handle_datagram(&mut self, now: Instant, peer: P, bytes: &[u8]) {
        if self.config.transport.is_reliable() {
            // A reliable connection takes bytes through `handle_stream`.
            self.stats.rejected += 1;
            return;
        }
        self.handle_message(now, peer, bytes);
    }

    fn handle_message(&mut self, now: Instant, peer: P, bytes: &[u8]) {
        let now = self.clock.observe(now);
        self.stats.received += 1;
        self.rx_valid = false;
        if self.rx_unpolled > 0 || self.events.len() + 2 > EVENTS {
            // The application has not drained the previous events: drop, the
            // peer retransmits (CON) or the message was best-effort (NON).
            self.stats.rejected += 1;
            return;
        }
        let msg = match Message::parse(bytes) {
            Ok(m) => m,
            Err(e) => {
                // RFC 7252 §4.2: a malformed CON is rejected with a Reset.
                // §4.3: rejecting a NON "MAY involve sending a matching Reset
                // message": we stay silent, as for ACK and RST.
                if let Reaction::Reset { message_id } = e.reaction() {
                    self.send_control(peer, MessageType::Reset, message_id)
                }
                self.reject(peer, Rejection::Malformed(e.kind));
                return;
            }
        };
        if bytes.len() > M {
            if msg.message_type() == MessageType::Confirmable {
                self.send_control(peer, MessageType::Reset, msg.message_id());
            }
            self.reject(peer, Rejection::TooLarge);
            return;
        }
        // RFC 7252 §4.7: PROBING_RATE limits sending to a peer "that does
        // not respond"; one that sends a well-formed message does.
        self.quiet.retain(|q| q.0 != peer);
        for ex in self.exchanges.iter_mut().flatten() {
            if ex.peer == peer {
                ex.unanswered_since = None;
            }
        }
        self.dispatch(now, peer, &msg, bytes);
        // An exchange that stopped being outstanding (an observation got
        // established, …) makes NSTART room for a queued one.
        self.promote(now);
    }

    fn dispatch(&mut self, now: Instant, peer: P, msg: &Message<'_>, bytes: &[u8]) {
        let msg = *msg;
        let code = msg.code();
        let ty = msg.message_type();
        match ty {
            MessageType::Acknowledgement | MessageType::Reset if code.is_request() => {
                // RFC 7252 §4.2: "Rejecting an Acknowledgement or Reset
                // message (including the case where the Acknowledgement
                // carries a request [...]) is effected by silently ignoring it."
                self.reject(peer, Rejection::Invalid);
            }
            MessageType::Reset if !code.is_empty() => self.reject(peer, Rejection::Invalid),
            MessageType::Reset => self.on_reset(now, peer, msg.message_id()),
            MessageType::Acknowledgement if code.is_empty() => {
                self.on_empty_ack(now, peer, msg.message_id())
            }
            MessageType::Acknowledgement if code.is_response() => {
                self.on_piggybacked(now, peer, &msg, bytes)
            }
            MessageType::Acknowledgement => self.reject(peer, Rejection::Invalid),
            MessageType::Confirmable | MessageType::NonConfirmable => {
                if code.is_empty() {
                    // RFC 7252 §4.2: an Empty CON is rejected with a Reset
                    // ("CoAP ping", §4.3); an Empty NON is a format error.
                    if ty == MessageType::Confirmable {
                        self.send_control(peer, MessageType::Reset, msg.message_id());
                    }
                    self.reject(peer, Rejection::Invalid);
                } else if code.is_request() {
                    self.on_request(now, peer, &msg, bytes);
                } else if code.is_response() {
                    self.on_separate(now, peer, &msg, bytes);
                } else {
                    // Reserved class or signaling code over UDP (§4.2, §4.3).
                    if ty == MessageType::Confirmable {
                        self.send_control(peer, MessageType::Reset, msg.message_id());
                    }
                    self.reject(peer, Rejection::Invalid);
                }
            }
        }
    }

    /// Time passed: retransmits, gives up (RFC 7252 §4.2), sends Empty ACKs
    /// for requests the application has not answered in time (§5.2.2),
    /// re-registers observations whose Max-Age ran out (RFC 7641 §3.3.1).
    /// Calling it before [`poll_timeout`](Self::poll_timeout) is a no-op.
    ///
    /// ```
    /// use qos_engine::coap::{Config, Endpoint, Event, Failure, Request};
    /// use qos_engine::{Duration, Instant};
    /// let mut c: Endpoint<u8> = Endpoint::new(Config::default(), Instant::ZERO);
    /// let h = c.request(Instant::ZERO, 9, &Request::get(&[])).unwrap();
    /// let mut buf = [0u8; 1152];
    /// let (mut now, mut sends) = (Instant::ZERO, 0);
    /// loop {
    ///     while c.poll_transmit(now, &mut buf).is_some() { sends += 1 }
    ///     let Some(t) = c.poll_timeout() else { break };
    ///     c.handle_timeout(t - Duration::from_millis(1)); // early: nothing happens
    ///     assert_eq!(c.poll_timeout(), Some(t));
    ///     now = t;
    ///     c.handle_timeout(now);
    /// }
    /// assert_eq!(sends, 5); // first transmission + MAX_RETRANSMIT
    /// assert_eq!(c.poll_event(), Some(Event::Failed { handle: h, reason: Failure::Timeout }));
    /// ```
    pub fn handle_timeout(&mut self, now: Instant) {
        let now = self.clock.observe(now);
        let params = self.config.params;
        for i in 0..N {
            if self.events.is_full() {
                return;
            }
            let Some(ex) = self.exchanges[i].as_mut() else {
                continue;
            };
            match ex.state {
                ExState::Queued => {}
                ExState::Sending => {
                    let Some(r) = ex.retx.as_mut() else { continue };
                    if r.deadline() > now {
                        continue;
                    }
                    match r.on_timeout(now, &params) {
                        RetransmitAction::Retransmit => {
                            ex.tx = true;
                            self.stats.retransmissions += 1;
                        }
                        RetransmitAction::GiveUp => self.fail(i, Failure::Timeout),
                    }
                }
                ExState::Waiting | ExState::UploadPaused => {
                    if ex.deadline <= now {
                        if let Some(sent_at) = ex.unanswered_since.filter(|_| !ex.confirmable) {
                            let (peer, len) = (ex.peer, ex.msg.len());
                            self.go_quiet(peer, sent_at, len, now);
                        }
                        self.fail(i, Failure::ResponseTimeout);
                    }
                }
                ExState::Observing => {
                    if ex.deadline <= now {
                        // RFC 7641 §3.3.1: "the client MAY [re-register] when
                        // Max-Age has expired" without a fresher notification.
                        if self.resend_observe(now, i, 0).is_err() {
                            self.fail(i, Failure::Internal);
                        }
                    }
                }
            }
        }
        for k in 0..N {
            if self.events.is_full() {
                return;
            }
            let Some(o) = self.outgoing[k].as_mut() else {
                continue;
            };
            let Some(r) = o.retx.as_mut() else { continue };
            if r.deadline() > now {
                continue;
            }
            match r.on_timeout(now, &params) {
                RetransmitAction::Retransmit => {
                    o.tx = true;
                    self.stats.retransmissions += 1;
                }
                RetransmitAction::GiveUp => {
                    let o = self.outgoing[k].take();
                    if let Some(o) = o {
                        match o.observer {
                            // RFC 7641 §4.5: an unacknowledged CON notification
                            // removes the client from the list of observers.
                            Some(ob) => self.remove_observer(ob, ObserverGone::Timeout),
                            None => self.push_event(Event::ResponseFailed {
                                peer: o.peer,
                                reason: Failure::Timeout,
                            }),
                        }
                    }
                }
            }
        }
        for e in self.inbound.iter_mut().flatten() {
            if e.state == InState::Delivered && e.con && e.ack_at <= now {
                // RFC 7252 §5.2.2: the server "cannot respond immediately":
                // an Empty ACK now, the response separately later.
                if write_into(&MessageBuilder::empty_ack(e.mid), &mut e.reply).is_ok() {
                    e.state = InState::Acked;
                    e.tx = true;
                }
            }
        }
        self.quiet.retain(|q| q.1 > now);
        self.promote(now);
    }

    /// RFC 7252 §4.7: the way a client stops expecting the response to a
    /// Non-confirmable request "MUST be chosen in such a way that an
    /// endpoint does not exceed an average data rate of PROBING_RATE in
    /// sending to another endpoint that does not respond". `peer` let `len`
    /// bytes sent at `sent_at` go unanswered: no new request goes to it
    /// before those bytes average out to PROBING_RATE, unless it sends
    /// something first.
    fn go_quiet(&mut self, peer: P, sent_at: Instant, len: usize, now: Instant) {
        if self.config.transport.is_reliable() {
            // TCP's own congestion control paces a connection.
            return;
        }
        let rate = u64::from(self.config.params.probing_rate.max(1));
        let millis = (len as u64).saturating_mul(1000) / rate;
        let until = sent_at + Duration::from_millis(millis);
        if until <= now {
            return;
        }
        self.stats.probing_holds += 1;
        if let Some(q) = self.quiet.iter_mut().find(|q| q.0 == peer) {
            q.1 = q.1.max(until);
        } else if self.quiet.push((peer, until)).is_err() {
            // Full: the entry that ends first makes room.
            if let Some(q) = self.quiet.iter_mut().min_by_key(|q| q.1) {
                *q = (peer, until);
            }
        }
    }

    // ----- outputs ---------------------------------------------------------

    /// The next datagram to send, written into `buf` (give at least `M`
    /// bytes; a message that does not fit is dropped, as if lost).
    ///
    /// With [`Transport::Reliable`] this is the next RFC 8323 frame (give
    /// `M + 2` bytes): the CSM first, then signaling, then messages; with
    /// [`Transport::WebSocket`] the next WebSocket message's payload.
    pub fn poll_transmit(&mut self, now: Instant, buf: &mut [u8]) -> Option<Transmit<P>> {
        if self.config.transport.is_reliable() {
            return self.poll_frame(now, buf);
        }
        self.poll_message(now, buf)
    }

    fn poll_message(&mut self, now: Instant, buf: &mut [u8]) -> Option<Transmit<P>> {
        let _ = self.clock.observe(now);
        while let Some((peer, ty, mid)) = self.control.pop_front() {
            let b = Builder::with_capacity(ty, Code::EMPTY, mid);
            if let Ok(len) = b.build(buf) {
                self.stats.transmitted += 1;
                return Some(Transmit { peer, len });
            }
        }
        for e in self.inbound.iter_mut().flatten() {
            if e.tx {
                e.tx = false;
                if let Some(t) = copy_out(&e.reply, e.peer, buf) {
                    self.stats.transmitted += 1;
                    return Some(t);
                }
            }
        }
        for ex in self.exchanges.iter_mut().flatten() {
            if ex.tx {
                ex.tx = false;
                if let Some(t) = copy_out(&ex.msg, ex.peer, buf) {
                    self.stats.transmitted += 1;
                    return Some(t);
                }
            }
        }
        for k in 0..N {
            let Some(o) = self.outgoing[k].as_mut() else {
                continue;
            };
            if o.tx {
                o.tx = false;
                o.sent = true;
                let t = copy_out(&o.msg, o.peer, buf);
                if o.retx.is_none() {
                    // NON: sent once, nothing to wait for.
                    self.outgoing[k] = None;
                }
                if let Some(t) = t {
                    self.stats.transmitted += 1;
                    return Some(t);
                }
            }
        }
        None
    }

    /// The next event for the application.
    pub fn poll_event(&mut self) -> Option<Event<P>> {
        let ev = self.events.pop_front()?;
        if matches!(ev, Event::Request { .. } | Event::Response { .. }) {
            self.rx_unpolled = self.rx_unpolled.saturating_sub(1);
        }
        Some(ev)
    }

    /// When [`handle_timeout`](Self::handle_timeout) must be called next
    /// (`None`: no timer is armed). May be in the past: call it at once.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let mut t: Option<Instant> = None;
        let mut at = |x: Instant| t = Some(t.map_or(x, |t| t.min(x)));
        for ex in self.exchanges.iter().flatten() {
            match ex.state {
                ExState::Queued => {}
                ExState::Sending => {
                    if let Some(r) = ex.retx {
                        at(r.deadline());
                    }
                }
                ExState::Waiting | ExState::UploadPaused | ExState::Observing => at(ex.deadline),
            }
        }
        for o in self.outgoing.iter().flatten() {
            if let Some(r) = o.retx {
                at(r.deadline());
            }
        }
        for e in self.inbound.iter().flatten() {
            if e.state == InState::Delivered && e.con {
                at(e.ack_at);
            }
        }
        for q in &self.quiet {
            at(q.1);
        }
        t
    }
}

fn copy_out<P: Copy>(msg: &[u8], peer: P, buf: &mut [u8]) -> Option<Transmit<P>> {
    let dst = buf.get_mut(..msg.len())?;
    dst.copy_from_slice(msg);
    Some(Transmit {
        peer,
        len: msg.len(),
    })
}

// ---------------------------------------------------------------------------
// Commands.

impl<P: Copy + Eq, const N: usize, const D: usize, const M: usize> Endpoint<P, N, D, M> {
    /// Sends a request to `peer` (client role). Confirmable requests are
    /// retransmitted (RFC 7252 §4.2) and fail with [`Failure::Timeout`] no
    /// later than MAX_TRANSMIT_WAIT; at most NSTART exchanges per peer are
    /// outstanding (§4.7), others wait their turn. A body larger than a block
    /// goes block-wise (RFC 7959 Block1); a large response is fetched block by
    /// block (Block2) and delivered in order.
    ///
    /// ```
    /// use qos_engine::coap::{Config, Endpoint, Request, Event};
    /// use qos_engine::Instant;
    /// use coap_codec::{OptionEntry, OptionNumber, OptionValue, Message};
    /// let mut client: Endpoint<u8> = Endpoint::new(Config::default(), Instant::ZERO);
    /// let path = [OptionEntry { number: OptionNumber::URI_PATH, value: OptionValue::Bytes(b"hello") }];
    /// let h = client.request(Instant::ZERO, 7, &Request::get(&path)).unwrap();
    /// let mut buf = [0u8; 1152];
    /// let t = client.poll_transmit(Instant::ZERO, &mut buf).unwrap();
    /// assert_eq!(t.peer, 7);
    /// let sent = Message::parse(&buf[..t.len]).unwrap();
    /// assert_eq!(sent.option(OptionNumber::URI_PATH).unwrap().value, b"hello");
    /// assert!(client.poll_timeout().is_some()); // the retransmission timer
    /// # let _ = h;
    /// ```
    pub fn request(&mut self, now: Instant, peer: P, req: &Request<'_>) -> Result<Handle, Error> {
        self.start(now, peer, req, false)
    }

    /// Registers an observation (RFC 7641 §3.1): a GET with Observe = 0.
    /// Notifications arrive as [`Event::Response`] with `observe` set, only
    /// ever fresher than the ones before (§3.4). Ends with
    /// [`deregister`](Self::deregister), [`cancel`](Self::cancel), a non-2.xx
    /// notification, or a failure.
    ///
    /// A notification larger than one block arrives as its first block
    /// (Block2 NUM 0, M = 1); the endpoint then fetches the rest by itself
    /// with GETs without Observe and with a token of their own (RFC 7959
    /// §2.6, §3.4), using a free exchange slot, and reports each block as
    /// an [`Event::Response`] for this handle with the same `observe` value
    /// and `part` offsets. Blocks of another version (a different ETag) or
    /// a failed fetch end the fetch and renew the registration, so the
    /// current state's first block comes again; a fresher notification
    /// supersedes a fetch in progress.
    pub fn observe(&mut self, now: Instant, peer: P, req: &Request<'_>) -> Result<Handle, Error> {
        self.start(now, peer, req, true)
    }

    /// Forgets a client exchange at once: no more retransmissions, no more
    /// events. For an observation this is the "reactive" cancellation of
    /// RFC 7641 §3.6: the next notification is answered with a Reset.
    pub fn cancel(&mut self, now: Instant, handle: Handle) -> Result<(), Error> {
        let now = self.clock.observe(now);
        let i = self.exchange_index(handle)?;
        self.exchanges[i] = None;
        self.drop_followers(i, handle.gen);
        self.promote(now);
        Ok(())
    }

    /// Deregisters an observation explicitly (RFC 7641 §3.6): a GET with
    /// Observe = 1 and the registration's token. No event for this handle
    /// follows; the exchange ends when the server answers (or gives up).
    pub fn deregister(&mut self, now: Instant, handle: Handle) -> Result<(), Error> {
        let now = self.clock.observe(now);
        let i = self.exchange_index(handle)?;
        let Some(ex) = self.exchanges[i].as_mut() else {
            return Err(Error::UnknownHandle);
        };
        let Some(o) = ex.observe.as_mut() else {
            return Err(Error::NotObserving);
        };
        if !o.established {
            self.exchanges[i] = None;
            self.drop_followers(i, handle.gen);
            self.promote(now);
            return Ok(());
        }
        // RFC 7641 §3.6: nothing more is delivered, the rest of a
        // block-wise notification included.
        self.drop_followers(i, handle.gen);
        self.resend_observe(now, i, 1)?;
        if let Some(o) = self.exchanges[i].as_mut().and_then(|e| e.observe.as_mut()) {
            o.deregistering = true;
        }
        Ok(())
    }

    /// Re-registers an established observation (RFC 7641 §3.3.1): a new GET
    /// with Observe = 0 and the same token.
    pub fn reregister(&mut self, now: Instant, handle: Handle) -> Result<(), Error> {
        let now = self.clock.observe(now);
        let i = self.exchange_index(handle)?;
        match self.exchanges[i].as_ref().and_then(|e| e.observe) {
            Some(o) if o.established && !o.deregistering => self.resend_observe(now, i, 0),
            _ => Err(Error::NotObserving),
        }
    }

    /// Sends the next block of a Block1 upload after
    /// [`Event::UploadContinue`]; `body` is the whole body given to
    /// [`request`](Self::request) (the endpoint keeps no copy of it).
    ///
    /// ```
    /// use qos_engine::coap::{Config, Endpoint, Event, Request, Response};
    /// use qos_engine::Instant;
    /// use coap_codec::Code;
    /// let t = Instant::ZERO;
    /// let mut client: Endpoint<u8> = Endpoint::new(Config { seed: 1, ..Config::default() }, t);
    /// let mut server: Endpoint<u8> = Endpoint::new(Config { seed: 2, ..Config::default() }, t);
    /// let body = [0xAB; 3000]; // three 1024-byte blocks
    /// let h = client.request(t, 2, &Request::put(&[], &body)).unwrap();
    /// let (mut buf, mut got) = ([0u8; 1152], Vec::new());
    /// loop {
    ///     let n = client.poll_transmit(t, &mut buf).unwrap().len;
    ///     server.handle_datagram(t, 1, &buf[..n]);
    ///     if let Some(Event::Request { id, block1: Some(part), .. }) = server.poll_event() {
    ///         got.extend_from_slice(server.message().unwrap().payload());
    ///         if !part.more {
    ///             server.respond(t, id, &Response::new(Code::CHANGED, b"")).unwrap();
    ///         } // intermediate blocks: the endpoint answered 2.31 Continue
    ///     }
    ///     let n = server.poll_transmit(t, &mut buf).unwrap().len;
    ///     client.handle_datagram(t, 2, &buf[..n]);
    ///     match client.poll_event() {
    ///         Some(Event::UploadContinue { handle, .. }) => client.continue_upload(t, handle, &body).unwrap(),
    ///         Some(Event::Response { code, .. }) => { assert_eq!(code, Code::CHANGED); break }
    ///         other => panic!("{other:?}"),
    ///     }
    /// }
    /// assert_eq!(got, body);
    /// # let _ = h;
    /// ```
    pub fn continue_upload(
        &mut self,
        now: Instant,
        handle: Handle,
        body: &[u8],
    ) -> Result<(), Error> {
        let now = self.clock.observe(now);
        let i = self.exchange_index(handle)?;
        let Some(ex) = self.exchanges[i].as_mut() else {
            return Err(Error::UnknownHandle);
        };
        let Some(mut up) = ex.upload else {
            return Err(Error::NotUploading);
        };
        if ex.state != ExState::UploadPaused || body.len() != up.total {
            return Err(Error::NotUploading);
        }
        let size = szx_size(up.szx);
        let off = up.acked;
        let end = (off + size).min(up.total);
        let more = end < up.total;
        let extra = [block_opt(OptionNumber::BLOCK1, off / size, more, up.szx)?];
        let mid = self.mids.next_id();
        let old = ex.msg.clone();
        rebuild(
            &old,
            &mut ex.msg,
            mid,
            &[
                OptionNumber::BLOCK1,
                OptionNumber::SIZE1,
                OptionNumber::BLOCK2,
                OptionNumber::OBSERVE,
            ],
            &extra,
            &body[off..end],
        )?;
        up.sent = end - off;
        up.more = more;
        ex.upload = Some(up);
        ex.mid = mid;
        self.transmit_exchange(now, i);
        Ok(())
    }

    /// Answers a request delivered by [`Event::Request`]. While the request
    /// is unacknowledged the response is piggybacked in the ACK (RFC 7252
    /// §5.2.1); after an Empty ACK it is a separate CON (or NON) response
    /// (§5.2.2); a NON request gets a NON response (§5.2.3). A body larger
    /// than a block is cut into the block the client asked for (RFC 7959).
    /// The response is remembered so a duplicate request gets it again
    /// without reaching the application (RFC 7252 §4.5).
    pub fn respond(
        &mut self,
        now: Instant,
        id: RequestId,
        resp: &Response<'_>,
    ) -> Result<(), Error> {
        let now = self.clock.observe(now);
        if !resp.code.is_response() {
            return Err(Error::InvalidCode);
        }
        let i = self.inbound_index(id)?;
        self.respond_at(now, i, resp, None)
    }

    /// Acknowledges a Confirmable request now with an Empty ACK; the
    /// response will be separate (RFC 7252 §5.2.2). A no-op for NON requests.
    pub fn accept(&mut self, now: Instant, id: RequestId) -> Result<(), Error> {
        let _ = self.clock.observe(now);
        let i = self.inbound_index(id)?;
        if let Some(e) = self.inbound[i].as_mut() {
            if e.con && e.state == InState::Delivered {
                write_into(&MessageBuilder::empty_ack(e.mid), &mut e.reply)?;
                e.state = InState::Acked;
                e.tx = true;
            }
        }
        Ok(())
    }

    /// Answers a registration request (GET with Observe = 0) and adds the
    /// client to the observers of `resource` (an application-chosen tag), or
    /// updates its entry if it is already there (RFC 7641 §4.1). Returns
    /// `Ok(false)` — the response sent without Observe, as §4.1 allows — when
    /// the response is not 2.xx or no observer slot is free.
    pub fn register_observer(
        &mut self,
        now: Instant,
        id: RequestId,
        resource: u16,
        resp: &Response<'_>,
    ) -> Result<bool, Error> {
        let now = self.clock.observe(now);
        if !resp.code.is_response() {
            return Err(Error::InvalidCode);
        }
        let i = self.inbound_index(id)?;
        let Some((peer, token)) = self.inbound[i].as_ref().map(|e| (e.peer, e.token)) else {
            return Err(Error::UnknownRequest);
        };
        let existing = self
            .observers
            .iter()
            .position(|o| o.is_some_and(|o| o.peer == peer && o.token == token));
        let slot = existing.or_else(|| self.observers.iter().position(Option::is_none));
        let (true, Some(slot)) = (resp.code.is_success(), slot) else {
            self.respond_at(now, i, resp, None)?;
            return Ok(false);
        };
        let seq = self.observe_seq;
        self.respond_at(now, i, resp, Some(seq))?;
        self.observe_seq = (seq + 1) & 0xFF_FFFF;
        let out = existing.and_then(|k| self.observers[k].and_then(|o| o.out));
        self.observers[slot] = Some(Observer {
            peer,
            token,
            resource,
            last_mid: 0,
            last_con: Some(now),
            out,
        });
        Ok(true)
    }

    /// Forgets every observer of `resource` without telling them (their next
    /// re-registration starts afresh); returns how many there were. To end
    /// observations visibly, [`notify`](Self::notify) a non-2.xx response.
    pub fn remove_observers(&mut self, resource: u16) -> usize {
        let mut n = 0;
        for k in 0..N {
            if self.observers[k].is_some_and(|o| o.resource == resource) {
                if let Some(s) = self.observers[k].and_then(|o| o.out) {
                    if self.outgoing[s]
                        .as_ref()
                        .is_some_and(|o| o.observer == Some(k))
                    {
                        self.outgoing[s] = None;
                    }
                }
                self.observers[k] = None;
                n += 1;
            }
        }
        n
    }

    /// Sends a notification of `resource`'s new state to every observer
    /// (RFC 7641 §4.2), with a fresh, increasing Observe value. Notifications
    /// are NON unless `confirmable`, except that each observer gets a CON at
    /// least every `Config::observe_con_interval` (§4.5). While a CON
    /// notification is still unacknowledged, the new state replaces it in
    /// the retransmission (§4.5.2) instead of a second one being sent. A
    /// non-2.xx `resp` ends the observations (§4.2). Returns how many
    /// observers were notified.
    ///
    /// ```
    /// use qos_engine::coap::{Config, Endpoint, Event, Request, Response};
    /// use qos_engine::Instant;
    /// use coap_codec::{Code, Message};
    /// let t = Instant::ZERO;
    /// let mut client: Endpoint<u8> = Endpoint::new(Config { seed: 1, ..Config::default() }, t);
    /// let mut server: Endpoint<u8> = Endpoint::new(Config { seed: 2, ..Config::default() }, t);
    /// let h = client.observe(t, 2, &Request::get(&[])).unwrap();
    /// let mut buf = [0u8; 1152];
    /// let n = client.poll_transmit(t, &mut buf).unwrap().len;
    /// server.handle_datagram(t, 1, &buf[..n]);
    /// let Some(Event::Request { id, observe: Some(0), .. }) = server.poll_event() else { panic!() };
    /// assert!(server.register_observer(t, id, 7, &Response::new(Code::CONTENT, b"20 C")).unwrap());
    /// assert_eq!(server.notify(t, 7, &Response::new(Code::CONTENT, b"21 C"), false), Ok(1));
    /// // The piggybacked registration response, then the NON notification.
    /// for expect in [&b"20 C"[..], b"21 C"] {
    ///     let n = server.poll_transmit(t, &mut buf).unwrap().len;
    ///     client.handle_datagram(t, 2, &buf[..n]);
    ///     let Some(Event::Response { handle, observe: Some(_), .. }) = client.poll_event() else { panic!() };
    ///     assert_eq!(handle, h);
    ///     assert_eq!(client.message().unwrap().payload(), expect);
    /// }
    /// ```
    pub fn notify(
        &mut self,
        now: Instant,
        resource: u16,
        resp: &Response<'_>,
        confirmable: bool,
    ) -> Result<usize, Error> {
        let now = self.clock.observe(now);
        if !resp.code.is_response() {
            return Err(Error::InvalidCode);
        }
        let success = resp.code.is_success();
        let seq = self.observe_seq;
        self.observe_seq = (seq + 1) & 0xFF_FFFF;
        let max_szx = self.config.szx();
        let mut count = 0;
        for k in 0..N {
            let Some(mut ob) = self.observers[k] else {
                continue;
            };
            if ob.resource != resource {
                continue;
            }
            let due = ob
                .last_con
                .is_none_or(|t| now >= t + self.config.observe_con_interval);
            // RFC 8323 §3: nothing is Confirmable on a reliable connection.
            let con = (confirmable || due) && self.config.transport == Transport::Udp;
            let x = ResponseExtras {
                block2: None,
                block1: None,
                observe: success.then_some(seq),
                max_szx,
            };
            let in_flight = ob.out.filter(|s| {
                self.outgoing[*s]
                    .as_ref()
                    .is_some_and(|o| o.observer == Some(k) && o.retx.is_some())
            });
            if let Some(slot) = in_flight {
                // RFC 7641 §4.5.2: a CON notification is in flight: the new
                // state takes its place, with a new Message ID, same
                // retransmission state. The old Message ID stays valid for
                // an ACK that is already on its way.
                let mid = self.mids.next_id();
                if let Some(o) = self.outgoing[slot].as_mut() {
                    encode_response(
                        &mut o.msg,
                        MessageType::Confirmable,
                        mid,
                        &ob.token,
                        resp,
                        x,
                    )?;
                    if o.sent {
                        if o.earlier.is_full() {
                            o.earlier.remove(0);
                        }
                        let _ = o.earlier.push(o.mid);
                    }
                    o.mid = mid;
                    o.sent = false;
                }
                ob.last_mid = mid;
            } else {
                let Some(slot) = self.outgoing.iter().position(Option::is_none) else {
                    continue;
                };
                let mid = self.mids.next_id();
                let ty = if con {
                    MessageType::Confirmable
                } else {
                    MessageType::NonConfirmable
                };
                let mut msg = Vec::new();
                encode_response(&mut msg, ty, mid, &ob.token, resp, x)?;
                let retx =
                    con.then(|| Retransmission::start(now, &self.config.params, &mut self.rng));
                self.outgoing[slot] = Some(Outgoing {
                    peer: ob.peer,
                    mid,
                    msg,
                    retx,
                    tx: true,
                    observer: if con && success { Some(k) } else { None },
                    sent: false,
                    earlier: Vec::new(),
                });
                ob.last_mid = mid;
                if con {
                    ob.out = Some(slot);
                    ob.last_con = Some(now);
                }
            }
            count += 1;
            self.observers[k] = Some(ob);
            if !success {
                if let Some(s) = ob.out {
                    if let Some(o) = self.outgoing[s].as_mut() {
                        o.observer = None;
                    }
                }
                self.observers[k] = None;
                self.push_event(Event::ObserverRemoved {
                    resource,
                    peer: ob.peer,
                    reason: ObserverGone::Ended,
                });
            }
        }
        Ok(count)
    }
}

// ---------------------------------------------------------------------------
// Internals.

impl<P: Copy + Eq, const N: usize, const D: usize, const M: usize> Endpoint<P, N, D, M> {
    fn next_gen(&mut self) -> u32 {
        self.gen = self.gen.wrapping_add(1);
        self.gen
    }

    fn push_event(&mut self, ev: Event<P>) {
        if self.events.push_back(ev).is_err() {
            // Inputs check for room before producing events; reaching this
            // means a bug, not a peer's doing: count it, never panic.
            self.stats.rejected += 1;
        }
    }

    fn reject(&mut self, peer: P, reason: Rejection) {
        self.stats.rejected += 1;
        self.push_event(Event::Rejected { peer, reason });
    }

    fn send_control(&mut self, peer: P, ty: MessageType, mid: u16) {
        // Best effort: if the queue is full the peer retransmits and gets
        // its answer then.
        let _ = self.control.push_back((peer, ty, mid));
    }

    fn exchange_index(&self, h: Handle) -> Result<usize, Error> {
        let i = usize::from(h.slot);
        match self.exchanges.get(i) {
            Some(Some(ex)) if ex.gen == h.gen => Ok(i),
            _ => Err(Error::UnknownHandle),
        }
    }

    fn inbound_index(&self, id: RequestId) -> Result<usize, Error> {
        let i = usize::from(id.slot);
        match self.inbound.get(i) {
            Some(Some(e)) if e.gen == id.gen && e.state != InState::Done => Ok(i),
            _ => Err(Error::UnknownRequest),
        }
    }

    fn outstanding(&self, peer: P) -> usize {
        self.exchanges
            .iter()
            .flatten()
            .filter(|e| {
                e.peer == peer
                    && matches!(
                        e.state,
                        ExState::Sending | ExState::Waiting | ExState::UploadPaused
                    )
            })
            .count()
    }

    fn token_in_use(&self, peer: P, token: &Token) -> bool {
        self.exchanges
            .iter()
            .flatten()
            .any(|e| e.peer == peer && e.token == *token)
    }

    fn start(
        &mut self,
        now: Instant,
        peer: P,
        req: &Request<'_>,
        observe: bool,
    ) -> Result<Handle, Error> {
        let now = self.clock.observe(now);
        if !req.method.is_request() {
            return Err(Error::InvalidCode);
        }
        let reliable = self.config.transport.is_reliable();
        if reliable {
            if self.conn.state != ConnState::Open || self.conn.peer.is_some_and(|p| p != peer) {
                return Err(Error::NotConnected);
            }
            self.conn.peer = Some(peer);
        }
        // RFC 8323 §3: no message types on a reliable connection: requests
        // go through the message layer as NON (no retransmission).
        let req = &Request {
            confirmable: req.confirmable && !reliable,
            ..*req
        };
        let slot = self
            .exchanges
            .iter()
            .position(Option::is_none)
            .ok_or(Error::NoCapacity)?;
        let token = match req.token {
            Some(t) => {
                let t = Token::new(t).ok_or(Error::TokenTooLong)?;
                if self.token_in_use(peer, &t) {
                    return Err(Error::TokenInUse);
                }
                t
            }
            None => {
                let mut rng = self.rng.clone();
                let mut t = Token::random(&mut rng, self.config.token_len());
                let mut tries = 0;
                while self.token_in_use(peer, &t) {
                    tries += 1;
                    if tries > 16 {
                        return Err(Error::TokenInUse);
                    }
                    t = Token::random(&mut rng, self.config.token_len());
                }
                self.rng = rng;
                t
            }
        };
        let max = self.config.szx();
        let szx_pref = req.block_szx.map_or(max, |s| s.min(max));
        let mut extra: Vec<OptionEntry<'static>, 4> = Vec::new();
        if observe {
            let _ = extra.push(uint_opt(OptionNumber::OBSERVE, 0));
        }
        if req.block_szx.is_some() && req.payload.is_empty() {
            // RFC 7959 §2.4 early negotiation: ask for block 0 of this size.
            let _ = extra.push(block_opt(OptionNumber::BLOCK2, 0, false, szx_pref)?);
        }
        let mid = self.mids.peek();
        let mut msg: Vec<u8, M> = Vec::new();
        let mut upload = None;
        let blockwise = req.block_szx.is_some() && req.payload.len() > szx_size(szx_pref);
        let plain = !blockwise
            && encode_request(
                &mut msg,
                req.confirmable,
                mid,
                &token,
                req.method,
                req.options,
                &extra,
                req.payload,
            )
            .is_ok();
        let mut tag = [0u8; 2];
        if !plain {
            if req.payload.is_empty() {
                return Err(Error::MessageTooLarge);
            }
            // RFC 9175 §3.3: concurrent Block1 bodies to the same peer are
            // told apart by a Request-Tag.
            if self
                .exchanges
                .iter()
                .flatten()
                .any(|e| e.peer == peer && e.upload.is_some())
            {
                tag = (self.gen as u16).wrapping_add(slot as u16).to_be_bytes();
                extra
                    .push(OptionEntry {
                        number: OptionNumber::REQUEST_TAG,
                        value: OptionValue::Bytes(&[]),
                    })
                    .map_err(|_| Error::MessageTooLarge)?;
            }
            let total = req.payload.len();
            let total32 = u32::try_from(total).map_err(|_| Error::MessageTooLarge)?;
            let mut szx = szx_pref;
            loop {
                let size = szx_size(szx);
                let end = size.min(total);
                let more = end < total;
                let mut all: Vec<OptionEntry<'_>, 6> = Vec::new();
                for e in &extra {
                    let e = if e.number == OptionNumber::REQUEST_TAG {
                        OptionEntry {
                            number: OptionNumber::REQUEST_TAG,
                            value: OptionValue::Bytes(&tag),
                        }
                    } else {
                        *e
                    };
                    let _ = all.push(e);
                }
                let _ = all.push(block_opt(OptionNumber::BLOCK1, 0, more, szx)?);
                let _ = all.push(uint_opt(OptionNumber::SIZE1, total32));
                match encode_request(
                    &mut msg,
                    req.confirmable,
                    mid,
                    &token,
                    req.method,
                    req.options,
                    &all,
                    &req.payload[..end],
                ) {
                    Ok(()) => {
                        upload = Some(Upload {
                            acked: 0,
                            sent: end,
                            szx,
                            total,
                            more,
                        });
                        break;
                    }
                    Err(_) if szx > 0 => szx -= 1,
                    Err(e) => return Err(e),
                }
            }
        }
        let _ = self.mids.next_id();
        let gen = self.next_gen();
        self.seq += 1;
        self.exchanges[slot] = Some(Exchange {
            upload,
            observe: observe.then_some(ObserveClient {
                fresh: Freshness::new(),
                established: false,
                deregistering: false,
            }),
            ..Exchange::queued(gen, self.seq, peer, token, req.confirmable, mid, msg, now)
        });
        self.promote(now);
        Ok(Handle {
            slot: slot as u16,
            gen,
        })
    }

    /// Starts queued exchanges while their peer has NSTART room (RFC 7252
    /// §4.7: "An endpoint SHOULD NOT have more than NSTART outstanding
    /// interactions with a given peer"), oldest first.
    fn promote(&mut self, now: Instant) {
        if self.config.transport.is_reliable() && self.conn.peer.is_none() {
            // Nothing goes out before the connection is opened.
            return;
        }
        let nstart = usize::from(self.config.params.nstart.max(1));
        loop {
            let next = self
                .exchanges
                .iter()
                .enumerate()
                .filter_map(|(i, e)| e.as_ref().map(|e| (i, e)))
                .filter(|(_, e)| e.state == ExState::Queued)
                .filter(|(_, e)| self.outstanding(e.peer) < nstart)
                .filter(|(_, e)| !self.quiet.iter().any(|q| q.0 == e.peer && q.1 > now))
                .min_by_key(|(_, e)| e.seq)
                .map(|(i, _)| i);
            let Some(i) = next else { return };
            self.transmit_exchange(now, i);
        }
    }

    /// Sends (or re-sends, after the message changed) an exchange's message.
    fn transmit_exchange(&mut self, now: Instant, i: usize) {
        let params = self.config.params;
        let timeout = self.config.response_timeout;
        let Some(ex) = self.exchanges[i].as_mut() else {
            return;
        };
        ex.tx = true;
        ex.unanswered_since = Some(now);
        if ex.confirmable {
            ex.state = ExState::Sending;
            ex.retx = Some(Retransmission::start(now, &params, &mut self.rng));
        } else {
            ex.state = ExState::Waiting;
            ex.retx = None;
            ex.deadline = now + timeout;
        }
    }

    fn fail(&mut self, i: usize, reason: Failure) {
        if let Some(ex) = self.exchanges[i].take() {
            self.stats.failures += 1;
            self.drop_followers(i, ex.gen);
            let deregistering = ex.observe.is_some_and(|o| o.deregistering);
            if let Some(f) = ex.follow {
                // The rest of a notification could not be fetched: the
                // observation goes on, and re-registering brings the current
                // state's first block again (RFC 7641 §3.3.1) — or ends in a
                // failure of the observation itself.
                let now = self.clock.get();
                if self.follow_parent_alive(&f) && self.resend_observe(now, f.parent, 0).is_err() {
                    self.fail(f.parent, Failure::Internal);
                }
            } else if !deregistering {
                self.push_event(Event::Failed {
                    handle: Handle {
                        slot: i as u16,
                        gen: ex.gen,
                    },
                    reason,
                });
            }
        }
        let now = self.clock.get();
        self.promote(now);
    }

    fn finish(&mut self, i: usize) {
        if let Some(ex) = self.exchanges[i].take() {
            self.drop_followers(i, ex.gen);
        }
        let now = self.clock.get();
        self.promote(now);
    }

    /// Ends (silently) the exchanges fetching the rest of a notification of
    /// the observation in slot `parent` with generation `gen`.
    fn drop_followers(&mut self, parent: usize, gen: u32) {
        for e in self.exchanges.iter_mut() {
            if e.as_ref()
                .and_then(|e| e.follow.as_ref())
                .is_some_and(|f| f.parent == parent && f.parent_gen == gen)
            {
                *e = None;
            }
        }
    }

    fn follow_parent_alive(&self, f: &Follow) -> bool {
        self.exchanges[f.parent].as_ref().is_some_and(|p| {
            p.gen == f.parent_gen && p.observe.is_some_and(|o| o.established && !o.deregistering)
        })
    }

    /// RFC 7959 §2.6: "When sending a 2.05 (Content) notification, the
    /// server only sends the first block of the representation. The client
    /// retrieves the rest of the representation as if it had caused this
    /// first response by a GET request, i.e., by using additional GET
    /// requests with Block2 Options containing NUM values greater than
    /// zero." Starts that GET (no Observe, a token of its own, RFC 7959
    /// §3.4) for the observation in slot `i`. Without a free exchange slot
    /// the application keeps just the first block.
    fn start_follow(
        &mut self,
        now: Instant,
        i: usize,
        observe: u32,
        b: Block,
        etag: Option<&[u8]>,
    ) {
        let Some(parent) = self.exchanges[i].as_ref() else {
            return;
        };
        let (peer, gen, confirmable) = (parent.peer, parent.gen, parent.confirmable);
        self.drop_followers(i, gen);
        let Some(slot) = self.exchanges.iter().position(Option::is_none) else {
            return;
        };
        let mut rng = self.rng.clone();
        let mut token = Token::random(&mut rng, self.config.token_len().max(1));
        let mut tries = 0;
        while self.token_in_use(peer, &token) {
            tries += 1;
            if tries > 16 {
                return;
            }
            token = Token::random(&mut rng, self.config.token_len().max(1));
        }
        self.rng = rng;
        let next = b.offset_usize() / szx_size(b.szx()) + 1;
        let Ok(extra) = block_opt(OptionNumber::BLOCK2, next, false, b.szx()) else {
            return;
        };
        let mid = self.mids.peek();
        let mut msg: Vec<u8, M> = Vec::new();
        let Some(parent) = self.exchanges[i].as_ref() else {
            return;
        };
        if rebuild_with_token(
            &parent.msg,
            &mut msg,
            mid,
            Some(&token),
            &[
                OptionNumber::OBSERVE,
                OptionNumber::BLOCK2,
                OptionNumber::BLOCK1,
                OptionNumber::SIZE1,
                OptionNumber::REQUEST_TAG,
            ],
            &[extra],
            &[],
        )
        .is_err()
        {
            return;
        }
        let _ = self.mids.next_id();
        let etag = etag.and_then(|e| Vec::from_slice(e).ok());
        let gen2 = self.next_gen();
        self.seq += 1;
        self.exchanges[slot] = Some(Exchange {
            block2_num: next as u32,
            follow: Some(Follow {
                parent: i,
                parent_gen: gen,
                observe,
                etag,
            }),
            ..Exchange::queued(gen2, self.seq, peer, token, confirmable, mid, msg, now)
        });
        self.promote(now);
    }

    /// Sends the observation's GET again with Observe = `value` (0:
    /// re-register, 1: deregister) and a new Message ID.
    fn resend_observe(&mut self, now: Instant, i: usize, value: u32) -> Result<(), Error> {
        let mid = self.mids.peek();
        let Some(ex) = self.exchanges[i].as_mut() else {
            return Err(Error::UnknownHandle);
        };
        let old = ex.msg.clone();
        rebuild(
            &old,
            &mut ex.msg,
            mid,
            &[
                OptionNumber::OBSERVE,
                OptionNumber::BLOCK2,
                OptionNumber::BLOCK1,
                OptionNumber::SIZE1,
            ],
            &[uint_opt(OptionNumber::OBSERVE, value)],
            &[],
        )?;
        let _ = self.mids.next_id();
        ex.mid = mid;
        ex.block2_num = 0;
        self.transmit_exchange(now, i);
        Ok(())
    }

    fn deliver(&mut self, bytes: &[u8], ev: Event<P>) {
        self.rx.clear();
        if self.rx.extend_from_slice(bytes).is_ok() {
            self.rx_valid = true;
            self.rx_unpolled += 1;
        }
        match ev {
            Event::Request { .. } => self.stats.requests_delivered += 1,
            Event::Response { .. } => self.stats.responses_delivered += 1,
            _ => {}
        }
        self.push_event(ev);
    }

    // ----- inbound deduplication (RFC 7252 §4.5) ---------------------------

    fn find_inbound(&self, now: Instant, peer: P, mid: u16) -> Option<usize> {
        self.inbound.iter().position(|e| {
            e.as_ref()
                .is_some_and(|e| e.peer == peer && e.mid == mid && e.expires > now)
        })
    }

    /// A slot for a new deduplication entry: a free or expired one, else the
    /// oldest answered one (counted as an eviction).
    fn alloc_inbound(
        &mut self,
        now: Instant,
        peer: P,
        mid: u16,
        con: bool,
        token: Token,
    ) -> Option<usize> {
        let free = self
            .inbound
            .iter()
            .position(|e| e.as_ref().is_none_or(|e| e.expires <= now && !e.tx));
        let slot = match free {
            Some(s) => s,
            None => {
                let s = self
                    .inbound
                    .iter()
                    .enumerate()
                    .filter_map(|(i, e)| e.as_ref().map(|e| (i, e)))
                    .filter(|(_, e)| e.state == InState::Done && !e.tx)
                    .min_by_key(|(_, e)| e.order)
                    .map(|(i, _)| i)?;
                self.stats.dedup_evictions += 1;
                s
            }
        };
        let lifetime = if con {
            self.config.params.exchange_lifetime()
        } else {
            self.config.params.non_lifetime()
        };
        let gen = self.next_gen();
        self.seq += 1;
        self.inbound[slot] = Some(Inbound {
            gen,
            order: self.seq,
            peer,
            mid,
            con,
            expires: now + lifetime,
            state: InState::Delivered,
            ack_at: now + self.config.piggyback_window,
            token,
            block2: None,
            block1: None,
            reply: Vec::new(),
            tx: false,
        });
        Some(slot)
    }

    /// A duplicate: "The recipient SHOULD acknowledge each duplicate copy of
    /// a Confirmable message using the same Acknowledgement or Reset message
    /// but SHOULD process any request or response in the message only once"
    /// (RFC 7252 §4.5); a duplicate NON is dropped.
    fn on_duplicate(&mut self, k: usize) {
        self.stats.duplicates_suppressed += 1;
        let Some(e) = self.inbound[k].as_mut() else {
            return;
        };
        if !e.con {
            return;
        }
        match e.state {
            InState::Delivered => {
                // Still with the application: acknowledge now, respond later.
                if write_into(&MessageBuilder::empty_ack(e.mid), &mut e.reply).is_ok() {
                    e.state = InState::Acked;
                    e.tx = true;
                }
            }
            InState::Acked | InState::Done => e.tx = !e.reply.is_empty(),
        }
    }

    fn respond_at(
        &mut self,
        now: Instant,
        i: usize,
        resp: &Response<'_>,
        observe: Option<u32>,
    ) -> Result<(), Error> {
        let max_szx = self.config.szx();
        let Some(e) = self.inbound[i].as_mut() else {
            return Err(Error::UnknownRequest);
        };
        let x = ResponseExtras {
            block2: e.block2,
            block1: e.block1,
            observe,
            max_szx,
        };
        match e.state {
            InState::Done => Err(Error::UnknownRequest),
            InState::Delivered => {
                if e.con {
                    encode_response(
                        &mut e.reply,
                        MessageType::Acknowledgement,
                        e.mid,
                        &e.token,
                        resp,
                        x,
                    )?;
                } else {
                    let mid = self.mids.peek();
                    encode_response(
                        &mut e.reply,
                        MessageType::NonConfirmable,
                        mid,
                        &e.token,
                        resp,
                        x,
                    )?;
                    let _ = self.mids.next_id();
                }
                e.tx = true;
                e.state = InState::Done;
                Ok(())
            }
            InState::Acked => {
                let slot = self
                    .outgoing
                    .iter()
                    .position(Option::is_none)
                    .ok_or(Error::NoCapacity)?;
                let ty = if resp.confirmable {
                    MessageType::Confirmable
                } else {
                    MessageType::NonConfirmable
                };
                let mid = self.mids.peek();
                let mut msg = Vec::new();
                encode_response(&mut msg, ty, mid, &e.token, resp, x)?;
                let _ = self.mids.next_id();
                e.state = InState::Done;
                let peer = e.peer;
                let retx = resp
                    .confirmable
                    .then(|| Retransmission::start(now, &self.config.params, &mut self.rng));
                self.outgoing[slot] = Some(Outgoing {
                    peer,
                    mid,
                    msg,
                    retx,
                    tx: true,
                    observer: None,
                    sent: false,
                    earlier: Vec::new(),
                });
                Ok(())
            }
        }
    }

    /// Answers a request ourselves (4.02, 4.08, 4.13, 2.31…): piggybacked
    /// for CON, NON for NON; the application never sees it.
    fn auto_reply(&mut self, i: usize, resp: &Response<'_>, block1: Option<Block>) {
        if let Some(e) = self.inbound[i].as_mut() {
            e.block1 = block1;
            e.block2 = None;
        }
        let now = self.clock.get();
        if self.respond_at(now, i, resp, None).is_err() {
            // Could not encode even a bare error: forget the entry so the
            // client's retransmission is processed afresh.
            self.inbound[i] = None;
        }
    }

    // ----- server role -----------------------------------------------------

    fn on_request(&mut self, now: Instant, peer: P, msg: &Message<'_>, bytes: &[u8]) {
        let con = msg.message_type() == MessageType::Confirmable;
        let mid = msg.message_id();
        if let Some(k) = self.find_inbound(now, peer, mid) {
            self.on_duplicate(k);
            return;
        }
        let Some(token) = Token::new(msg.token()) else {
            self.reject(peer, Rejection::Invalid);
            return;
        };
        let Some(i) = self.alloc_inbound(now, peer, mid, con, token) else {
            self.reject(peer, Rejection::Busy);
            return;
        };
        // RFC 7252 §5.4.1: "Unrecognized options of class 'critical' that
        // occur in a Confirmable request MUST cause the return of a 4.02 (Bad
        // Option) response." In a NON request: rejected (silently).
        if let Some(bad) = msg.unprocessable_critical(|n| n.info().is_some()) {
            if con {
                self.auto_reply(i, &Response::new(Code::BAD_OPTION, b""), None);
            } else if let Some(e) = self.inbound[i].as_mut() {
                e.state = InState::Done;
            }
            self.reject(peer, Rejection::UnrecognizedCriticalOption(bad.0));
            return;
        }
        let (block1, block2, observe) = match (msg.block1(), msg.block2(), msg.observe()) {
            (Ok(a), Ok(b), Ok(c)) => (a, b, c),
            _ => {
                // RFC 7959 §2.2: an invalid Block value (SZX 7, too long) is
                // "4.00 (Bad Request)".
                if con {
                    self.auto_reply(i, &Response::new(Code::BAD_REQUEST, b""), None);
                } else if let Some(e) = self.inbound[i].as_mut() {
                    e.state = InState::Done;
                }
                self.reject(peer, Rejection::Invalid);
                return;
            }
        };
        if let Some(e) = self.inbound[i].as_mut() {
            e.block2 = block2;
        }
        if observe == Some(1) {
            // RFC 7641 §3.6: a GET with Observe = 1 deregisters.
            if let Some(k) = self
                .observers
                .iter()
                .position(|o| o.is_some_and(|o| o.peer == peer && o.token == token))
            {
                self.remove_observer(k, ObserverGone::Deregistered);
            }
        }
        let mut part = None;
        if let Some(b1) = block1 {
            match self.assemble(now, peer, msg, b1) {
                Ok(p) => part = Some(p),
                Err(code) => {
                    let max = self.config.max_body;
                    let size1 = [uint_opt(OptionNumber::SIZE1, max)];
                    let mut r = Response::new(code, b"");
                    if code == Code::REQUEST_ENTITY_TOO_LARGE {
                        // RFC 7959 §2.9.3: 4.13 "SHOULD" carry Size1 with
                        // the largest body the server is able to accept.
                        r = r.options(&size1);
                    }
                    self.auto_reply(i, &r, None);
                    return;
                }
            }
            if let Some(e) = self.inbound[i].as_mut() {
                e.block1 = Some(b1);
            }
            if b1.more() {
                // RFC 7959 §2.3: intermediate blocks are answered 2.31
                // (Continue) with the Block1 option echoed.
                self.auto_reply(i, &Response::new(Code::CONTINUE, b""), Some(b1));
                let (id_gen, id_slot) = self.inbound[i]
                    .as_ref()
                    .map_or((0, 0), |e| (e.gen, i as u16));
                self.deliver(
                    bytes,
                    Event::Request {
                        id: RequestId {
                            slot: id_slot,
                            gen: id_gen,
                        },
                        peer,
                        method: msg.code(),
                        block1: part,
                        block2: None,
                        observe,
                    },
                );
                return;
            }
        }
        let gen = self.inbound[i].as_ref().map_or(0, |e| e.gen);
        self.deliver(
            bytes,
            Event::Request {
                id: RequestId {
                    slot: i as u16,
                    gen,
                },
                peer,
                method: msg.code(),
                block1: part,
                block2,
                observe,
            },
        );
    }

    /// Block1 reassembly bookkeeping (RFC 7959 §2.3, §2.9): blocks must come
    /// in order from offset 0; the body must fit `Config::max_body`.
    fn assemble(
        &mut self,
        now: Instant,
        peer: P,
        msg: &Message<'_>,
        b1: Block,
    ) -> Result<BodyPart, Code> {
        let key = resource_key(msg);
        let max = self.config.max_body as usize;
        let size1 = msg.uint_option(OptionNumber::SIZE1).ok().flatten();
        if size1.is_some_and(|s| s as usize > max) {
            return Err(Code::REQUEST_ENTITY_TOO_LARGE);
        }
        let offset = b1.offset_usize();
        let len = msg.payload().len();
        if offset.saturating_add(len) > max {
            return Err(Code::REQUEST_ENTITY_TOO_LARGE);
        }
        // "M set: the payload size MUST equal the block size" (RFC 7959 §2.2).
        if b1.more() && len != b1.size_usize() {
            return Err(Code::BAD_REQUEST);
        }
        let found = self
            .assemblies
            .iter()
            .position(|a| a.is_some_and(|a| a.peer == peer && a.key == key && a.expires > now));
        let slot = if offset == 0 {
            match found.or_else(|| {
                self.assemblies
                    .iter()
                    .position(|a| a.is_none_or(|a| a.expires <= now))
            }) {
                Some(s) => s,
                None => return Err(Code::SERVICE_UNAVAILABLE),
            }
        } else {
            match found {
                Some(s) if self.assemblies[s].is_some_and(|a| a.next == offset) => s,
                // RFC 7959 §2.9.2: "4.08 (Request Entity Incomplete) [...] the
                // server has not received the blocks of the request body that
                // it needs to proceed."
                _ => return Err(Code::REQUEST_ENTITY_INCOMPLETE),
            }
        };
        self.assemblies[slot] = if b1.more() {
            Some(Assembly {
                peer,
                key,
                next: offset + len,
                expires: now + self.config.params.exchange_lifetime(),
            })
        } else {
            None
        };
        Ok(BodyPart {
            offset,
            more: b1.more(),
            total: size1,
        })
    }

    fn remove_observer(&mut self, k: usize, reason: ObserverGone) {
        let Some(ob) = self.observers[k].take() else {
            return;
        };
        if let Some(s) = ob.out {
            if self.outgoing[s]
                .as_ref()
                .is_some_and(|o| o.observer == Some(k))
            {
                self.outgoing[s] = None;
            }
        }
        self.push_event(Event::ObserverRemoved {
            resource: ob.resource,
            peer: ob.peer,
            reason,
        });
    }

    // ----- client role and message-layer matching ---------------------------

    fn on_reset(&mut self, _now: Instant, peer: P, mid: u16) {
        // RFC 7252 §4.2: a Reset cancels the Confirmable message it matches.
        if let Some(i) = self.exchanges.iter().position(|e| {
            e.as_ref()
                .is_some_and(|e| e.peer == peer && e.mid == mid && e.state == ExState::Sending)
        }) {
            self.fail(i, Failure::Reset);
            return;
        }
        if let Some(k) = self.outgoing.iter().position(|o| {
            o.as_ref()
                .is_some_and(|o| o.peer == peer && (o.mid == mid || o.earlier.contains(&mid)))
        }) {
            if let Some(o) = self.outgoing[k].take() {
                match o.observer {
                    Some(ob) => self.remove_observer(ob, ObserverGone::Reset),
                    None => self.push_event(Event::ResponseFailed {
                        peer,
                        reason: Failure::Reset,
                    }),
                }
            }
            return;
        }
        // RFC 7641 §3.6: a Reset in reply to a (NON) notification removes
        // the observer.
        if let Some(k) = self
            .observers
            .iter()
            .position(|o| o.is_some_and(|o| o.peer == peer && o.last_mid == mid))
        {
            self.remove_observer(k, ObserverGone::Reset);
        }
        // Otherwise an unexpected Reset: silently ignored (RFC 7252 §4.2).
    }

    fn on_empty_ack(&mut self, now: Instant, peer: P, mid: u16) {
        if let Some(i) = self.exchanges.iter().position(|e| {
            e.as_ref()
                .is_some_and(|e| e.peer == peer && e.mid == mid && e.state == ExState::Sending)
        }) {
            let timeout = self.config.response_timeout;
            if let Some(ex) = self.exchanges[i].as_mut() {
                // RFC 7252 §5.2.2: the response comes separately; stop
                // retransmitting and wait for it.
                ex.retx = None;
                ex.state = ExState::Waiting;
                ex.deadline = now + timeout;
            }
            return;
        }
        if let Some(k) = self.outgoing.iter().position(|o| {
            o.as_ref()
                .is_some_and(|o| o.peer == peer && o.mid == mid && o.retx.is_some())
        }) {
            if let Some(o) = self.outgoing[k].take() {
                if let Some(ob) = o.observer.and_then(|ob| self.observers[ob].as_mut()) {
                    ob.out = None;
                }
            }
            return;
        }
        if let Some(o) = self
            .outgoing
            .iter_mut()
            .flatten()
            .find(|o| o.peer == peer && o.retx.is_some() && o.earlier.contains(&mid))
        {
            // RFC 7641 §4.5.2: the client acknowledged an earlier state of a
            // CON notification that a newer state has replaced since. That
            // exchange is complete (and the client reachable); the newer
            // state goes out now as the next CON notification, with a fresh
            // retransmission budget. Before this, such ACKs were ignored:
            // with the state changing more often than the round trip, no
            // ACK ever matched, the retransmissions ran out and the server
            // dropped an observer that was listening all along.
            o.earlier.clear();
            o.retx = Some(Retransmission::start(
                now,
                &self.config.params,
                &mut self.rng,
            ));
            if !o.sent {
                o.tx = true;
            }
        }
        // Otherwise an unexpected ACK: silently ignored (RFC 7252 §4.2).
    }

    fn on_piggybacked(&mut self, now: Instant, peer: P, msg: &Message<'_>, bytes: &[u8]) {
        let mid = msg.message_id();
        let Some(i) = self.exchanges.iter().position(|e| {
            e.as_ref().is_some_and(|e| {
                e.peer == peer
                    && e.mid == mid
                    && e.state == ExState::Sending
                    && e.token.as_bytes() == msg.token()
            })
        }) else {
            self.reject(peer, Rejection::Unexpected);
            return;
        };
        if let Some(bad) = msg.unprocessable_critical(|n| n.info().is_some()) {
            // RFC 7252 §5.4.1: in a piggybacked response an unrecognized
            // critical option rejects the response (an ACK is rejected by
            // ignoring it, §4.2).
            self.reject(peer, Rejection::UnrecognizedCriticalOption(bad.0));
            self.fail(i, Failure::BadResponse);
            return;
        }
        self.on_response(now, i, peer, msg, bytes);
    }

    fn on_separate(&mut self, now: Instant, peer: P, msg: &Message<'_>, bytes: &[u8]) {
        let con = msg.message_type() == MessageType::Confirmable;
        let mid = msg.message_id();
        if let Some(k) = self.find_inbound(now, peer, mid) {
            self.on_duplicate(k);
            return;
        }
        let i = self.exchanges.iter().position(|e| {
            e.as_ref().is_some_and(|e| {
                e.peer == peer && e.state != ExState::Queued && e.token.as_bytes() == msg.token()
            })
        });
        let Some(i) = i else {
            // RFC 7252 §4.2/§4.3: no context for this response: reject it
            // with a Reset (for an unwanted notification that is how the
            // server learns to stop, RFC 7641 §3.6).
            self.send_control(peer, MessageType::Reset, mid);
            self.reject(peer, Rejection::Unexpected);
            return;
        };
        if let Some(bad) = msg.unprocessable_critical(|n| n.info().is_some()) {
            self.send_control(peer, MessageType::Reset, mid);
            self.reject(peer, Rejection::UnrecognizedCriticalOption(bad.0));
            self.fail(i, Failure::BadResponse);
            return;
        }
        let Some(k) = self.alloc_inbound(now, peer, mid, con, Token::EMPTY) else {
            self.reject(peer, Rejection::Busy);
            return;
        };
        if let Some(e) = self.inbound[k].as_mut() {
            e.state = InState::Done;
            if con && write_into(&MessageBuilder::empty_ack(mid), &mut e.reply).is_ok() {
                e.tx = true;
            }
        }
        self.on_response(now, i, peer, msg, bytes);
    }

    /// A response matched exchange `i` (by Message ID for a piggybacked one,
    /// by token and peer for a separate one — RFC 7252 §5.3.2).
    fn on_response(&mut self, now: Instant, i: usize, peer: P, msg: &Message<'_>, bytes: &[u8]) {
        let code = msg.code();
        let obs = msg.observe().ok().flatten();
        let Ok(b2) = msg.block2() else {
            self.fail(i, Failure::BadResponse);
            return;
        };
        let b1 = msg.block1().ok().flatten();
        let size2 = msg.uint_option(OptionNumber::SIZE2).ok().flatten();
        let margin = self.config.reregister_margin;
        let default_age = self.config.default_max_age;
        let response_timeout = self.config.response_timeout;
        let etag: Option<Vec<u8, 8>> = msg
            .option(OptionNumber::ETAG)
            .and_then(|o| Vec::from_slice(o.value).ok());
        let Some(ex) = self.exchanges[i].as_mut() else {
            return;
        };
        // The rest of a block-wise notification is reported under the
        // observation's handle and Observe value (RFC 7959 §2.6).
        let follow = ex.follow.clone();
        let handle = match &follow {
            Some(f) => Handle {
                slot: f.parent as u16,
                gen: f.parent_gen,
            },
            None => Handle {
                slot: i as u16,
                gen: ex.gen,
            },
        };
        let follow_obs = follow.as_ref().map(|f| f.observe);
        // Any response ends the retransmission of the request (a separate
        // response before the ACK acknowledges it implicitly, §5.2.2) —
        // unless it turns out to be a stale one, which restores it.
        let saved_retx = ex.retx.take();
        let in_flight = matches!(ex.state, ExState::Sending | ExState::Waiting);

        if let Some(mut o) = ex.observe {
            if o.deregistering {
                // RFC 7641 §3.6: nothing is delivered after deregistration;
                // the final response (without Observe) ends the exchange.
                if obs.is_none() {
                    self.finish(i);
                } else if ex.state == ExState::Sending {
                    // A notification crossed the deregistration request: it
                    // was received, so wait (bounded) for its response.
                    ex.state = ExState::Waiting;
                    ex.deadline = now + response_timeout;
                }
                return;
            }
            if o.established || (obs.is_some() && code.is_success()) {
                let Some(v) = obs else {
                    // RFC 7641 §3.2: a response without Observe ends it.
                    self.deliver(
                        bytes,
                        Event::Response {
                            handle,
                            peer,
                            code,
                            part: None,
                            observe: None,
                            last: true,
                        },
                    );
                    self.finish(i);
                    return;
                };
                if in_flight {
                    ex.state = ExState::Observing;
                }
                if !o.fresh.accept(v, now) {
                    // RFC 7641 §3.4: not fresher than one already delivered.
                    ex.observe = Some(o);
                    if ex.state == ExState::Observing && in_flight {
                        ex.deadline = now + max_age(msg, default_age) + margin;
                    }
                    self.stats.stale_notifications += 1;
                    return;
                }
                o.established = true;
                ex.observe = Some(o);
                ex.state = ExState::Observing;
                ex.deadline = now + max_age(msg, default_age) + margin;
                let gen = ex.gen;
                let last = !code.is_success();
                // A fresher notification supersedes the rest of an older one.
                self.drop_followers(i, gen);
                let part = b2.map(|b| BodyPart {
                    offset: b.offset_usize(),
                    more: b.more(),
                    total: size2,
                });
                self.deliver(
                    bytes,
                    Event::Response {
                        handle,
                        peer,
                        code,
                        part,
                        observe: Some(v),
                        last,
                    },
                );
                if last {
                    // RFC 7641 §3.2: a non-2.xx notification ends it.
                    self.finish(i);
                } else if let Some(b) = b2.filter(|b| b.num() == 0 && b.more()) {
                    self.start_follow(now, i, v, b, etag.as_deref());
                }
                return;
            }
            // The server did not accept the registration: a plain response.
            ex.observe = None;
        }
        if !in_flight {
            // Observing exchanges were handled above; a paused upload has no
            // request in flight: anything here is a stale duplicate.
            return;
        }

        if let Some(mut up) = ex.upload {
            if code == Code::CONTINUE && up.more {
                // RFC 7959 §2.3: 2.31 acknowledges the block; the echoed
                // Block1 may carry a smaller SZX the server prefers (§2.4).
                let acked = match b1 {
                    Some(e) => (e.offset_usize() + e.size_usize()).min(up.acked + up.sent),
                    None => up.acked + up.sent,
                };
                if acked <= up.acked {
                    self.fail(i, Failure::BadResponse);
                    return;
                }
                up.acked = acked;
                if let Some(e) = b1 {
                    up.szx = up.szx.min(e.szx());
                }
                ex.upload = Some(up);
                ex.state = ExState::UploadPaused;
                ex.deadline = now + response_timeout;
                self.push_event(Event::UploadContinue {
                    handle,
                    offset: acked,
                });
                return;
            }
            ex.upload = None;
        }

        if let Some(f) = &follow {
            // RFC 7959 §2.6: "the reassembling client MUST compare the ETag
            // Options": a block of another representation (or an error, or
            // no block at all) means the state moved on; the follow-up ends
            // and the observation is renewed (see `fail`).
            let same = f.etag.is_none() || f.etag == etag;
            if !code.is_success() || b2.is_none_or(|b| b.num() == ex.block2_num && !same) {
                self.fail(i, Failure::BadResponse);
                return;
            }
        }
        if let Some(b) = b2 {
            if b.num() != ex.block2_num {
                // Not the block we asked for: a late duplicate (RFC 7959 §2.4).
                ex.retx = saved_retx;
                return;
            }
            let part = BodyPart {
                offset: b.offset_usize(),
                more: b.more(),
                total: size2,
            };
            if b.more() {
                // RFC 7959 §2.4: ask for the next block, at the server's size.
                let next = b.offset_usize() / szx_size(b.szx()) + 1;
                let mid = self.mids.peek();
                let old = ex.msg.clone();
                let extra = match block_opt(OptionNumber::BLOCK2, next, false, b.szx()) {
                    Ok(e) => e,
                    Err(_) => {
                        self.fail(i, Failure::BadResponse);
                        return;
                    }
                };
                let r = rebuild(
                    &old,
                    &mut ex.msg,
                    mid,
                    &[
                        OptionNumber::BLOCK1,
                        OptionNumber::SIZE1,
                        OptionNumber::BLOCK2,
                        OptionNumber::OBSERVE,
                        OptionNumber::REQUEST_TAG,
                    ],
                    &[extra],
                    &[],
                );
                if r.is_err() {
                    self.fail(i, Failure::Internal);
                    return;
                }
                let _ = self.mids.next_id();
                ex.mid = mid;
                ex.block2_num = next as u32;
                self.deliver(
                    bytes,
                    Event::Response {
                        handle,
                        peer,
                        code,
                        part: Some(part),
                        observe: follow_obs,
                        last: false,
                    },
                );
                self.transmit_exchange(now, i);
                return;
            }
            self.deliver(
                bytes,
                Event::Response {
                    handle,
                    peer,
                    code,
                    part: Some(part),
                    observe: follow_obs,
                    last: follow.is_none(),
                },
            );
            self.finish(i);
            return;
        }
        self.deliver(
            bytes,
            Event::Response {
                handle,
                peer,
                code,
                part: None,
                observe: None,
                last: true,
            },
        );
        self.finish(i);
    }
}

// ---------------------------------------------------------------------------
// RFC 8323: CoAP over reliable transports (TCP, TLS).
//
// Frames carry no type and no Message ID. Received requests and responses
// go through the message layer as NON messages with fresh Message IDs (so
// nothing is ever a duplicate, nothing is acknowledged or retransmitted);
// outgoing messages are built as before and re-framed, Empty ACK/RST
// dropped on the way out.

impl<P: Copy + Eq, const N: usize, const D: usize, const M: usize> Endpoint<P, N, D, M> {
    /// Opens the RFC 8323 connection to `peer` ([`Transport::Reliable`]):
    /// the next [`poll_transmit`](Self::poll_transmit) sends this endpoint's
    /// CSM — "each endpoint MUST send a CSM [...] as its first message"
    /// (RFC 8323 §5.3) — with Max-Message-Size (what fits in `M`) and
    /// Block-Wise-Transfer. Call it when the connection is established, on
    /// both sides (a first request or received frame opens it too).
    ///
    /// ```
    /// use qos_engine::coap::{Config, ConnectionEvent, Endpoint, Event, Transport};
    /// use qos_engine::Instant;
    /// let cfg = |seed| Config { seed, transport: Transport::Reliable, ..Config::default() };
    /// let t = Instant::ZERO;
    /// let mut client: Endpoint<u8> = Endpoint::new(cfg(1), t);
    /// let mut server: Endpoint<u8> = Endpoint::new(cfg(2), t);
    /// client.open(t, 2).unwrap();
    /// let mut buf = [0u8; 1154];
    /// let n = client.poll_transmit(t, &mut buf).unwrap().len;
    /// assert_eq!(buf[1], 0xe1); // 7.01 CSM
    /// assert_eq!(server.handle_stream(t, 1, &buf[..n]), n);
    /// let Some(Event::Connection { signal: ConnectionEvent::Csm { max_message_size, .. }, .. }) =
    ///     server.poll_event() else { panic!() };
    /// assert_eq!(max_message_size, 1152 - 8);
    /// let n = server.poll_transmit(t, &mut buf).unwrap().len; // the server's CSM
    /// assert_eq!(client.handle_stream(t, 2, &buf[..n]), n);
    /// ```
    pub fn open(&mut self, now: Instant, peer: P) -> Result<(), Error> {
        let _ = self.clock.observe(now);
        if !self.config.transport.is_reliable()
            || self.conn.state != ConnState::Open
            || self.conn.peer.is_some_and(|p| p != peer)
        {
            return Err(Error::NotConnected);
        }
        self.conn.peer = Some(peer);
        let now = self.clock.get();
        self.promote(now);
        Ok(())
    }

    /// With [`Transport::WebSocket`], `bytes` is one whole WebSocket binary
    /// message (RFC 8323 §4.2): the return is `bytes.len()` once taken, 0
    /// when events must be drained first.
    ///
    /// Feeds bytes received on the RFC 8323 connection from `peer`; returns
    /// how many were consumed (whole frames). Keep the rest and call again
    /// with more bytes appended — and, as after every input, drain events
    /// first: at most one request or response is taken per call, so a
    /// return short of `bytes.len()` with a whole frame left means "drain,
    /// then call again with the rest". [`message`](Self::message) shows a
    /// received request or response as a NON message with a Message ID the
    /// endpoint chose (frames have neither).
    ///
    /// A framing error, a frame larger than Max-Message-Size, or a first
    /// frame that is not a CSM (RFC 8323 §5.3: "Endpoints MUST treat a
    /// missing or invalid CSM as a connection error and abort the
    /// connection") aborts the connection: a 7.05 Abort goes out, the
    /// exchanges fail, [`ConnectionEvent::Aborted`] is reported, and every
    /// byte is consumed from then on.
    pub fn handle_stream(&mut self, now: Instant, peer: P, bytes: &[u8]) -> usize {
        if !self.config.transport.is_reliable() {
            return 0;
        }
        let now = self.clock.observe(now);
        if self.conn.peer.is_none() {
            self.conn.peer = Some(peer);
        }
        let limit = u32::try_from(M.saturating_sub(4)).unwrap_or(u32::MAX);
        let cfg = coap_codec::Config::default().max_frame_len(limit);
        if self.config.transport == Transport::WebSocket {
            if self.conn.state == ConnState::Aborted {
                return bytes.len();
            }
            if self.rx_unpolled > 0 || self.events.len() + 3 > EVENTS {
                return 0;
            }
            match tcp::parse_ws(bytes, &cfg) {
                Ok(frame) => self.on_frame(now, peer, &frame),
                Err(kind) => {
                    self.reject(peer, Rejection::Malformed(kind));
                    self.abort_connection(false);
                }
            }
            self.promote(now);
            return bytes.len();
        }
        let mut used = 0;
        while used < bytes.len() {
            if self.conn.state == ConnState::Aborted {
                return bytes.len();
            }
            if self.rx_unpolled > 0 || self.events.len() + 3 > EVENTS {
                break;
            }
            match tcp::parse(&bytes[used..], &cfg) {
                Ok(tcp::Status::Partial(_)) => break,
                Ok(tcp::Status::Complete((frame, n))) => {
                    used += n;
                    self.on_frame(now, peer, &frame);
                }
                Err(kind) => {
                    self.reject(peer, Rejection::Malformed(kind));
                    self.abort_connection(false);
                    return bytes.len();
                }
            }
        }
        self.promote(now);
        used
    }

    /// Sends a 7.02 Ping (RFC 8323 §5.4); the peer's Pong is reported as
    /// [`ConnectionEvent::Pong`].
    pub fn ping(&mut self, now: Instant) -> Result<(), Error> {
        let _ = self.clock.observe(now);
        self.signal(Code::PING)
    }

    /// Sends a 7.04 Release (RFC 8323 §5.5: the sender "intends to close
    /// the connection"): exchanges in progress fail, no new requests.
    pub fn release(&mut self, now: Instant) -> Result<(), Error> {
        let _ = self.clock.observe(now);
        self.signal(Code::RELEASE)?;
        self.conn.state = ConnState::Released;
        self.close_all();
        Ok(())
    }

    /// Sends a 7.05 Abort (RFC 8323 §5.6) and ends the connection at once.
    pub fn abort(&mut self, now: Instant) -> Result<(), Error> {
        let _ = self.clock.observe(now);
        if !self.config.transport.is_reliable() || self.conn.state == ConnState::Aborted {
            return Err(Error::NotConnected);
        }
        self.abort_connection(false);
        Ok(())
    }

    fn signal(&mut self, code: Code) -> Result<(), Error> {
        if !self.config.transport.is_reliable()
            || self.conn.state != ConnState::Open
            || self.conn.peer.is_none()
        {
            return Err(Error::NotConnected);
        }
        self.conn
            .signals
            .push_back((code, Token::EMPTY))
            .map_err(|_| Error::NoCapacity)
    }

    /// The Max-Message-Size this endpoint announces: a received frame must
    /// still fit in `M` once given the 4-byte UDP header inside.
    fn own_max_message_size(&self) -> u32 {
        u32::try_from(M.saturating_sub(8)).unwrap_or(u32::MAX)
    }

    fn abort_connection(&mut self, by_peer: bool) {
        if self.conn.state == ConnState::Aborted {
            return;
        }
        self.conn.state = ConnState::Aborted;
        self.conn.signals.clear();
        if by_peer {
            // Nothing is sent after the peer's Abort.
            self.conn.abort_sent = true;
        } else {
            let _ = self.conn.signals.push_back((Code::ABORT, Token::EMPTY));
        }
        self.close_all();
        if let Some(peer) = self.conn.peer {
            self.push_event(Event::Connection {
                peer,
                signal: ConnectionEvent::Aborted { by_peer },
            });
        }
    }

    /// The connection is going away: client exchanges fail (RFC 8323 has
    /// no Reset; a closed connection is its counterpart), observers and
    /// queued messages are forgotten.
    fn close_all(&mut self) {
        for i in 0..N {
            if self.exchanges[i]
                .as_ref()
                .is_some_and(|e| e.follow.is_none())
            {
                self.fail(i, Failure::Reset);
            }
        }
        self.exchanges = core::array::from_fn(|_| None);
        self.outgoing = core::array::from_fn(|_| None);
        self.observers = [None; N];
        self.control.clear();
        for e in self.inbound.iter_mut().flatten() {
            e.tx = false;
            e.state = InState::Done;
        }
    }

    fn on_frame(&mut self, now: Instant, peer: P, frame: &tcp::Frame<'_>) {
        let code = frame.code();
        if !self.conn.peer_csm && code != Code::CSM {
            // RFC 8323 §5.3: the CSM is the first message; without it the
            // connection is aborted.
            self.abort_connection(false);
            return;
        }
        if frame.is_signaling() {
            match code {
                Code::CSM => {
                    let Ok(mms) = frame.max_message_size() else {
                        self.abort_connection(false);
                        return;
                    };
                    // RFC 8323 §5.3.1: "The default value [...] is 1152".
                    let mms = mms.unwrap_or(1152);
                    self.conn.peer_csm = true;
                    // Blocks must fit the peer's limit with room for the
                    // header, token and options (RFC 8323 §5.3.1, RFC 7959).
                    let mut szx = self.config.szx();
                    while szx > 0 && szx_size(szx) + 128 > mms as usize {
                        szx -= 1;
                    }
                    self.config.max_szx = szx;
                    self.push_event(Event::Connection {
                        peer,
                        signal: ConnectionEvent::Csm {
                            max_message_size: mms,
                            block_wise: frame.block_wise_transfer(),
                        },
                    });
                }
                Code::PING => {
                    // RFC 8323 §5.4: "The receiver of a Ping message MUST
                    // send a Pong message with a Custody Option if..." — it
                    // answers with a Pong echoing the token.
                    let token = Token::new(frame.token()).unwrap_or(Token::EMPTY);
                    let _ = self.conn.signals.push_back((Code::PONG, token));
                }
                Code::PONG => self.push_event(Event::Connection {
                    peer,
                    signal: ConnectionEvent::Pong,
                }),
                Code::RELEASE => {
                    self.conn.state = ConnState::Released;
                    self.close_all();
                    self.push_event(Event::Connection {
                        peer,
                        signal: ConnectionEvent::Released,
                    });
                }
                Code::ABORT => self.abort_connection(true),
                // Unassigned signaling codes are ignored.
                _ => {}
            }
            return;
        }
        if self.conn.state != ConnState::Open {
            return;
        }
        // A request or response: through the message layer as a NON with a
        // Message ID of its own (a reliable transport has no duplicates).
        let mid = self.conn.next_mid;
        self.conn.next_mid = mid.wrapping_add(1);
        let mut b = Builder::with_capacity(MessageType::NonConfirmable, code, mid);
        b.token(frame.token());
        for o in frame.options() {
            b.option(o.number, o.value);
        }
        b.payload(frame.payload());
        let mut scratch = [0u8; M];
        match b.build(&mut scratch) {
            Ok(n) => self.handle_message(now, peer, &scratch[..n]),
            Err(_) => {
                self.reject(peer, Rejection::TooLarge);
                self.abort_connection(false);
            }
        }
    }

    /// RFC 8323 §3.2 (TCP/TLS) or §4.2 (WebSockets) framing.
    fn frame(&self, b: &Builder<'_>, buf: &mut [u8]) -> Result<usize, coap_codec::BuildError> {
        if self.config.transport == Transport::WebSocket {
            b.build_ws(buf)
        } else {
            b.build_tcp(buf)
        }
    }

    fn poll_frame(&mut self, now: Instant, buf: &mut [u8]) -> Option<Transmit<P>> {
        let peer = self.conn.peer?;
        if self.conn.abort_sent {
            return None;
        }
        if !self.conn.csm_sent {
            self.conn.csm_sent = true;
            let mut b = Builder::with_capacity(MessageType::Confirmable, Code::CSM, 0);
            b.uint_option(tcp::MAX_MESSAGE_SIZE, self.own_max_message_size());
            b.option(tcp::BLOCK_WISE_TRANSFER, &[]);
            if let Ok(len) = self.frame(&b, buf) {
                self.stats.transmitted += 1;
                return Some(Transmit { peer, len });
            }
        }
        if let Some((code, token)) = self.conn.signals.pop_front() {
            if code == Code::ABORT {
                self.conn.abort_sent = true;
            }
            let mut b = Builder::with_capacity(MessageType::Confirmable, code, 0);
            b.token(token.as_bytes());
            if let Ok(len) = self.frame(&b, buf) {
                self.stats.transmitted += 1;
                return Some(Transmit { peer, len });
            }
        }
        if self.conn.state == ConnState::Aborted {
            return None;
        }
        let mut scratch = [0u8; M];
        while let Some(t) = self.poll_message(now, &mut scratch) {
            let Ok(m) = Message::parse(&scratch[..t.len]) else {
                continue;
            };
            if m.code() == Code::EMPTY {
                // Empty ACK / RST: no such thing on a reliable connection.
                self.stats.transmitted = self.stats.transmitted.saturating_sub(1);
                continue;
            }
            let mut b = Builder::with_capacity(MessageType::Confirmable, m.code(), 0);
            b.token(m.token());
            for o in m.options() {
                b.option(o.number, o.value);
            }
            b.payload(m.payload());
            if let Ok(len) = self.frame(&b, buf) {
                return Some(Transmit { peer: t.peer, len });
            }
        }
        None
    }
}
