//! The endpoint's public vocabulary: commands' arguments, events, errors,
//! transmits and counters.

use coap_codec::{Block, Code, ErrorKind, OptionEntry};

/// A client-side exchange (request, block-wise transfer or observation),
/// returned by [`Endpoint::request`](super::Endpoint::request) and
/// [`Endpoint::observe`](super::Endpoint::observe). Stale handles are
/// detected: a handle whose exchange ended is never confused with a new one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Handle {
    pub(crate) slot: u16,
    pub(crate) gen: u32,
}

/// A request delivered to the server application by [`Event::Request`],
/// answered with [`Endpoint::respond`](super::Endpoint::respond).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RequestId {
    pub(crate) slot: u16,
    pub(crate) gen: u32,
}

/// Bytes to send: [`Endpoint::poll_transmit`](super::Endpoint::poll_transmit)
/// wrote `len` bytes at the start of the caller's buffer, for `peer`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transmit<P> {
    /// Destination.
    pub peer: P,
    /// Bytes written into the caller's buffer.
    pub len: usize,
}

/// A request to send (client role).
///
/// ```
/// use qos_engine::coap::Request;
/// use coap_codec::{Code, OptionEntry, OptionNumber, OptionValue};
/// let opts = [OptionEntry { number: OptionNumber::URI_PATH, value: OptionValue::Bytes(b"test") }];
/// let req = Request::get(&opts).non();
/// assert_eq!(req.method, Code::GET);
/// assert!(!req.confirmable);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request<'a> {
    /// Method code (GET, POST, PUT, DELETE, FETCH, PATCH, iPATCH).
    pub method: Code,
    /// Confirmable (retransmitted until acknowledged) or Non-confirmable.
    pub confirmable: bool,
    /// Token to use; `None` generates a fresh random one (`Config::token_len`).
    pub token: Option<&'a [u8]>,
    /// Options (Uri-Path, Content-Format, …), any order. Block1, Block2,
    /// Size1 and Observe are managed by the endpoint and must not be given.
    pub options: &'a [OptionEntry<'a>],
    /// The request body. A body larger than one block is sent block-wise
    /// (RFC 7959 Block1); the endpoint then asks for the rest of it with
    /// [`Event::UploadContinue`].
    pub payload: &'a [u8],
    /// Block size exponent to use: for a body, the Block1 size; for a
    /// request without one, early Block2 negotiation (RFC 7959 §2.4). `None`:
    /// the largest that fits (`Config::max_szx`).
    pub block_szx: Option<u8>,
}

impl<'a> Request<'a> {
    /// A Confirmable request with `method`, `options` and no body.
    pub const fn new(method: Code, options: &'a [OptionEntry<'a>]) -> Self {
        Request {
            method,
            confirmable: true,
            token: None,
            options,
            payload: &[],
            block_szx: None,
        }
    }
    /// A Confirmable GET.
    pub const fn get(options: &'a [OptionEntry<'a>]) -> Self {
        Self::new(Code::GET, options)
    }
    /// A Confirmable POST with a body.
    pub const fn post(options: &'a [OptionEntry<'a>], payload: &'a [u8]) -> Self {
        Self::new(Code::POST, options).payload(payload)
    }
    /// A Confirmable PUT with a body.
    pub const fn put(options: &'a [OptionEntry<'a>], payload: &'a [u8]) -> Self {
        Self::new(Code::PUT, options).payload(payload)
    }
    /// A Confirmable DELETE.
    pub const fn delete(options: &'a [OptionEntry<'a>]) -> Self {
        Self::new(Code::DELETE, options)
    }
    /// The same request, Non-confirmable.
    pub const fn non(mut self) -> Self {
        self.confirmable = false;
        self
    }
    /// The same request with this body.
    pub const fn payload(mut self, payload: &'a [u8]) -> Self {
        self.payload = payload;
        self
    }
    /// The same request with this token.
    pub const fn token(mut self, token: &'a [u8]) -> Self {
        self.token = Some(token);
        self
    }
    /// The same request with this block size exponent.
    pub const fn block_szx(mut self, szx: u8) -> Self {
        self.block_szx = Some(szx);
        self
    }
}

/// A response to send (server role): [`Endpoint::respond`](super::Endpoint::respond),
/// notifications.
///
/// ```
/// use qos_engine::coap::Response;
/// use coap_codec::Code;
/// let r = Response::new(Code::CONTENT, b"22.5 C");
/// assert!(r.confirmable);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Response<'a> {
    /// Response code.
    pub code: Code,
    /// Options, any order. Block1/Block2/Size2/Observe are managed by the endpoint.
    pub options: &'a [OptionEntry<'a>],
    /// The whole representation: a body larger than one block is served
    /// block-wise (RFC 7959 Block2), the block the client asked for.
    pub payload: &'a [u8],
    /// For a separate response (after an Empty ACK): Confirmable (default) or
    /// Non-confirmable. A response to a NON request is always NON.
    pub confirmable: bool,
}

impl<'a> Response<'a> {
    /// A response with `code` and `payload`, no options.
    pub const fn new(code: Code, payload: &'a [u8]) -> Self {
        Response {
            code,
            options: &[],
            payload,
            confirmable: true,
        }
    }
    /// The same response with these options.
    pub const fn options(mut self, options: &'a [OptionEntry<'a>]) -> Self {
        self.options = options;
        self
    }
    /// The same response, sent Non-confirmable if it ends up separate.
    pub const fn non(mut self) -> Self {
        self.confirmable = false;
        self
    }
}

/// Where a block sits in a block-wise body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BodyPart {
    /// Byte offset of this block's payload in the whole body.
    pub offset: usize,
    /// More blocks follow.
    pub more: bool,
    /// The whole body's size if the peer announced it (Size1 / Size2).
    pub total: Option<u32>,
}

/// Why a client exchange failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// No ACK or response before the last retransmission timed out
    /// (RFC 7252 §4.2) — at most MAX_TRANSMIT_WAIT after the first send.
    Timeout,
    /// The peer rejected the request with a Reset (RFC 7252 §4.2).
    Reset,
    /// Acknowledged (or sent NON) but no response within `Config::response_timeout`.
    ResponseTimeout,
    /// The response could not be accepted: an unrecognized critical option
    /// (RFC 7252 §5.4.1) or a block-wise answer that does not fit the
    /// transfer (RFC 7959 §2).
    BadResponse,
    /// The exchange could not continue: the request to send next (next
    /// block, re-registration) did not fit in a message.
    Internal,
}

/// Why a server forgot an observer (RFC 7641 §3.6, §4.2, §4.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObserverGone {
    /// GET with Observe = 1 ("deregister").
    Deregistered,
    /// The client answered a notification with a Reset.
    Reset,
    /// A Confirmable notification was never acknowledged.
    Timeout,
    /// A non-2.xx notification ended the observation (RFC 7641 §4.2).
    Ended,
}

/// Why a datagram was rejected or dropped. Every case is the RFC's answer
/// (a Reset, 4.02, silence) already taken by the endpoint; the event is for
/// logging and metrics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rejection {
    /// The codec rejected the datagram (RFC 7252 §3/§4.2/§4.3).
    Malformed(ErrorKind),
    /// An unrecognized critical option (RFC 7252 §5.4.1); the number.
    UnrecognizedCriticalOption(u16),
    /// A response or notification for no exchange of ours (RFC 7252 §4.2:
    /// "lacks context"): answered with a Reset (CON/NON) or ignored (ACK).
    Unexpected,
    /// A message type/code combination RFC 7252 §4.2/§4.3 rejects (a request
    /// in an ACK, a non-empty Reset, an Empty CON ping, …).
    Invalid,
    /// No room to keep track of it (deduplication or event queue full, or a
    /// previous message not yet polled); dropped so the peer retransmits.
    Busy,
    /// Larger than the endpoint's message size `M`.
    TooLarge,
}

/// Something the application must know.
///
/// Events that carry a received message ([`Event::Request`],
/// [`Event::Response`]) leave it readable through
/// [`Endpoint::message`](super::Endpoint::message) until the next
/// `handle_datagram`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event<P> {
    /// A request for the server application; answer it with
    /// [`Endpoint::respond`](super::Endpoint::respond) (or
    /// [`Endpoint::accept`](super::Endpoint::accept) first to send an Empty
    /// ACK). Each request reaches the application once (RFC 7252 §4.5).
    Request {
        /// Identifies the request for `respond`.
        id: RequestId,
        /// Sender.
        peer: P,
        /// Code of the request method.
        method: Code,
        /// For a Block1 transfer, where this block's payload goes. Blocks
        /// arrive in order; intermediate blocks (`more`) were already answered
        /// 2.31 Continue by the endpoint: respond only to the last one.
        block1: Option<BodyPart>,
        /// The Block2 option the client sent (the block it asks for); the
        /// endpoint cuts that block out of the whole body given to `respond`.
        block2: Option<Block>,
        /// The Observe option: 0 = register, 1 = deregister (RFC 7641 §2).
        observe: Option<u32>,
    },
    /// A response (or notification) for a client exchange.
    Response {
        /// The exchange.
        handle: Handle,
        /// Sender.
        peer: P,
        /// Response code.
        code: Code,
        /// For a Block2 transfer, where this payload goes; blocks arrive in
        /// order and the endpoint fetches the next one by itself (for a
        /// block-wise notification too, RFC 7959 §2.6: its later blocks
        /// carry the notification's `observe` value).
        part: Option<BodyPart>,
        /// For an observation, the notification's Observe value; only fresher
        /// notifications than any before are delivered (RFC 7641 §3.4).
        observe: Option<u32>,
        /// The exchange is over (no more events for this handle).
        last: bool,
    },
    /// A Block1 upload was acknowledged up to `offset` (2.31 Continue): call
    /// [`Endpoint::continue_upload`](super::Endpoint::continue_upload) with
    /// the body to send the next block.
    UploadContinue {
        /// The exchange.
        handle: Handle,
        /// Bytes of the body the server has taken.
        offset: usize,
    },
    /// A client exchange failed; the handle is dead.
    Failed {
        /// The exchange.
        handle: Handle,
        /// What happened.
        reason: Failure,
    },
    /// A Confirmable separate response was never acknowledged or was reset.
    ResponseFailed {
        /// The client it was for.
        peer: P,
        /// What happened.
        reason: Failure,
    },
    /// The server forgot an observer.
    ObserverRemoved {
        /// The resource tag given to `register_observer`.
        resource: u16,
        /// The observer.
        peer: P,
        /// Why.
        reason: ObserverGone,
    },
    /// RFC 8323 reliable transport only: something happened on the
    /// connection (signaling, 7.01–7.05).
    Connection {
        /// The peer at the other end of the connection.
        peer: P,
        /// What happened.
        signal: ConnectionEvent,
    },
    /// A datagram was rejected (already answered as the RFC says).
    Rejected {
        /// Sender.
        peer: P,
        /// Why.
        reason: Rejection,
    },
}

/// What happened on an RFC 8323 connection ([`Event::Connection`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnectionEvent {
    /// The peer's Capabilities and Settings Message (7.01, RFC 8323 §5.3):
    /// the largest message it accepts and whether it offers block-wise
    /// transfers. Blocks sent from now on fit `max_message_size`.
    Csm {
        /// Max-Message-Size (default 1152 when absent, §5.3.1).
        max_message_size: u32,
        /// Block-Wise-Transfer was present (§5.3.2).
        block_wise: bool,
    },
    /// The answer to [`Endpoint::ping`](super::Endpoint::ping) (7.03 Pong, §5.4).
    Pong,
    /// The peer announced it is closing the connection (7.04 Release,
    /// §5.5); exchanges in progress failed with [`Failure::Reset`].
    Released,
    /// The connection ended with an Abort (7.05, §5.6): sent by the peer
    /// (`by_peer`) or by this endpoint because of a framing error or a
    /// missing CSM. Exchanges in progress failed with [`Failure::Reset`];
    /// nothing more is sent or accepted.
    Aborted {
        /// The peer sent the Abort.
        by_peer: bool,
    },
}

/// Caller misuse or exhausted capacity. The endpoint's state is unchanged
/// when a command returns one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// No free slot (exchanges `N`, observers `N`, outgoing messages `N`).
    NoCapacity,
    /// The handle's exchange is over (or never existed).
    UnknownHandle,
    /// The request id is not awaiting a response.
    UnknownRequest,
    /// The message does not fit in `M` bytes (or the builder's option room).
    MessageTooLarge,
    /// A token longer than 8 bytes (RFC 7252 §3).
    TokenTooLong,
    /// The token is already used by another exchange with that peer
    /// (RFC 7252 §5.3.1: tokens must tell concurrent requests apart).
    TokenInUse,
    /// The command needs an observation (deregister, reregister).
    NotObserving,
    /// `continue_upload` without a paused upload, or with a shorter body.
    NotUploading,
    /// The code is not a request method (or not a response code).
    InvalidCode,
    /// RFC 8323 reliable transport: the connection was released or aborted,
    /// or the command needs the other transport.
    NotConnected,
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Error::NoCapacity => "no free slot",
            Error::NotConnected => "connection released or aborted, or wrong transport",
            Error::UnknownHandle => "unknown or finished exchange",
            Error::UnknownRequest => "request is not awaiting a response",
            Error::MessageTooLarge => "message does not fit",
            Error::TokenTooLong => "token longer than 8 bytes (RFC 7252 §3)",
            Error::TokenInUse => "token in use with this peer (RFC 7252 §5.3.1)",
            Error::NotObserving => "exchange is not an observation",
            Error::NotUploading => "no block-wise upload waiting for data",
            Error::InvalidCode => "code not valid here",
        })
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Error {}

/// Counters of what the endpoint did (monotonic).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Datagrams written by `poll_transmit`.
    pub transmitted: u64,
    /// Of which retransmissions of Confirmable messages.
    pub retransmissions: u64,
    /// Datagrams handed to `handle_datagram`.
    pub received: u64,
    /// Duplicates suppressed (RFC 7252 §4.5): CON answered from the cache,
    /// NON dropped.
    pub duplicates_suppressed: u64,
    /// Requests delivered to the server application.
    pub requests_delivered: u64,
    /// Responses and notifications delivered to the client application.
    pub responses_delivered: u64,
    /// Notifications dropped as not fresher (RFC 7641 §3.4).
    pub stale_notifications: u64,
    /// Client exchanges that failed.
    pub failures: u64,
    /// Datagrams rejected (see [`Rejection`]).
    pub rejected: u64,
    /// Deduplication entries evicted before their lifetime ended because the
    /// table was full.
    pub dedup_evictions: u64,
    /// Non-confirmable requests that went unanswered and held back the next
    /// request to their peer to keep within PROBING_RATE (RFC 7252 §4.7).
    pub probing_holds: u64,
}
