//! RFC 8323 reliable transport mode (`Transport::Reliable`): CSM exchange,
//! requests and responses without types, Message IDs or retransmission,
//! Ping/Pong, Release and Abort.

use coap_codec::{tcp, Code, OptionEntry, OptionNumber, OptionValue};
use qos_engine::coap::{
    Config, ConnectionEvent, Endpoint, Error, Event, Failure, Request, Response, Transport,
};
use qos_engine::{Instant, Rng};

type Ep = Endpoint<u8, 4, 16, 1152>;
const CLIENT: u8 = 1;
const SERVER: u8 = 2;

fn endpoint(seed: u64) -> Ep {
    Endpoint::new(
        Config {
            seed,
            transport: Transport::Reliable,
            ..Config::default()
        },
        Instant::ZERO,
    )
}

/// Two endpoints and the bytes in flight each way (a TCP connection).
struct Conn {
    c: Ep,
    s: Ep,
    to_s: Vec<u8>,
    to_c: Vec<u8>,
    /// Every frame each side sent, in order.
    c_frames: Vec<Vec<u8>>,
    s_frames: Vec<Vec<u8>>,
    c_events: Vec<(Event<u8>, Vec<u8>)>,
    s_events: Vec<(Event<u8>, Vec<u8>)>,
    now: Instant,
    /// Bytes arrived at each side but not consumed yet.
    rx_s: Vec<u8>,
    rx_c: Vec<u8>,
    /// When set, the network hands over 1–7 bytes at a time.
    chunks: Option<Rng>,
}

impl Conn {
    fn new() -> Self {
        Conn {
            c: endpoint(1),
            s: endpoint(2),
            to_s: Vec::new(),
            to_c: Vec::new(),
            c_frames: Vec::new(),
            s_frames: Vec::new(),
            c_events: Vec::new(),
            s_events: Vec::new(),
            now: Instant::ZERO,
            rx_s: Vec::new(),
            rx_c: Vec::new(),
            chunks: None,
        }
    }

    fn open(&mut self) {
        self.c.open(self.now, SERVER).unwrap();
        self.s.open(self.now, CLIENT).unwrap();
        self.pump(|_, _| {});
    }

    /// Moves bytes both ways until nothing moves; `serve` answers requests.
    fn pump(&mut self, mut serve: impl FnMut(&mut Ep, Event<u8>)) {
        let mut buf = [0u8; 1154];
        for _ in 0..100_000 {
            let mut moved = false;
            while let Some(t) = self.c.poll_transmit(self.now, &mut buf) {
                assert_eq!(t.peer, SERVER);
                self.to_s.extend_from_slice(&buf[..t.len]);
                self.c_frames.push(buf[..t.len].to_vec());
                moved = true;
            }
            while let Some(t) = self.s.poll_transmit(self.now, &mut buf) {
                assert_eq!(t.peer, CLIENT);
                self.to_c.extend_from_slice(&buf[..t.len]);
                self.s_frames.push(buf[..t.len].to_vec());
                moved = true;
            }
            let k = self.chunk(self.to_s.len());
            self.rx_s.extend(self.to_s.drain(..k));
            moved |= k > 0;
            if !self.rx_s.is_empty() {
                let n = self.s.handle_stream(self.now, CLIENT, &self.rx_s);
                self.rx_s.drain(..n);
                moved |= n > 0;
            }
            while let Some(ev) = self.s.poll_event() {
                let body = self
                    .s
                    .message()
                    .map(|m| m.payload().to_vec())
                    .unwrap_or_default();
                self.s_events.push((ev, body));
                serve(&mut self.s, ev);
                moved = true;
            }
            let k = self.chunk(self.to_c.len());
            self.rx_c.extend(self.to_c.drain(..k));
            moved |= k > 0;
            if !self.rx_c.is_empty() {
                let n = self.c.handle_stream(self.now, SERVER, &self.rx_c);
                self.rx_c.drain(..n);
                moved |= n > 0;
            }
            while let Some(ev) = self.c.poll_event() {
                let body = self
                    .c
                    .message()
                    .map(|m| m.payload().to_vec())
                    .unwrap_or_default();
                self.c_events.push((ev, body));
                moved = true;
            }
            if !moved {
                return;
            }
        }
        panic!("the connection never went quiet");
    }

    /// How many of `len` waiting bytes the network hands over now.
    fn chunk(&mut self, len: usize) -> usize {
        match self.chunks.as_mut() {
            Some(rng) => len.min(1 + rng.below(7) as usize),
            None => len,
        }
    }
}

fn frame(bytes: &[u8]) -> tcp::Frame<'_> {
    match tcp::parse(bytes, &coap_codec::Config::default().max_frame_len(65_536)).unwrap() {
        tcp::Status::Complete((f, n)) => {
            assert_eq!(n, bytes.len(), "one frame per transmit");
            f
        }
        tcp::Status::Partial(_) => panic!("partial frame"),
    }
}

fn path() -> [OptionEntry<'static>; 1] {
    [OptionEntry {
        number: OptionNumber::URI_PATH,
        value: OptionValue::Bytes(b"temp"),
    }]
}

#[test]
fn rfc8323_5_3_both_sides_send_csm_first_with_max_message_size_and_block_wise() {
    let mut k = Conn::new();
    k.open();
    for frames in [&k.c_frames, &k.s_frames] {
        assert_eq!(frames.len(), 1);
        let f = frame(&frames[0]);
        assert_eq!(f.code(), Code::CSM);
        assert_eq!(f.max_message_size().unwrap(), Some(1152 - 8));
        assert!(f.block_wise_transfer());
    }
    for events in [&k.c_events, &k.s_events] {
        assert!(matches!(
            events[..],
            [(
                Event::Connection {
                    signal: ConnectionEvent::Csm {
                        max_message_size: 1144,
                        block_wise: true
                    },
                    ..
                },
                _
            )]
        ));
    }
}

#[test]
fn rfc8323_3_request_and_response_are_frames_without_type_or_message_id() {
    let mut k = Conn::new();
    k.open();
    let opts = path();
    let h = k.c.request(k.now, SERVER, &Request::get(&opts)).unwrap();
    k.pump(|s, ev| {
        if let Event::Request { id, .. } = ev {
            s.respond(Instant::ZERO, id, &Response::new(Code::CONTENT, b"21.5 C"))
                .unwrap();
        }
    });
    let get = frame(&k.c_frames[1]);
    assert_eq!(get.code(), Code::GET);
    assert_eq!(get.options().next().unwrap().value, b"temp");
    // RFC 8323 §3.2: Len | TKL, Code, Token, Options — nothing else.
    let tkl = usize::from(k.c_frames[1][0] & 0x0f);
    assert_eq!(k.c_frames[1].len(), 2 + tkl + 5);
    let resp = frame(&k.s_frames[1]);
    assert_eq!(resp.code(), Code::CONTENT);
    assert_eq!(resp.token(), get.token());
    assert_eq!(resp.payload(), b"21.5 C");
    // No Empty ACK or anything else on the wire: exactly CSM + one message each way.
    assert_eq!((k.c_frames.len(), k.s_frames.len()), (2, 2));
    let (ev, body) = k.c_events.last().unwrap();
    assert!(
        matches!(ev, Event::Response { handle, code: Code::CONTENT, last: true, .. } if *handle == h)
    );
    assert_eq!(body, b"21.5 C");
}

#[test]
fn rfc8323_2_no_retransmission_only_a_response_timeout() {
    let mut c = endpoint(1);
    c.open(Instant::ZERO, SERVER).unwrap();
    let opts = path();
    let h = c
        .request(Instant::ZERO, SERVER, &Request::get(&opts))
        .unwrap();
    let mut buf = [0u8; 1154];
    let mut sent = 0;
    while c.poll_transmit(Instant::ZERO, &mut buf).is_some() {
        sent += 1;
    }
    assert_eq!(sent, 2, "CSM and the GET");
    // The server never answers: nothing is ever sent again.
    let mut now = Instant::ZERO;
    while let Some(t) = c.poll_timeout() {
        now = t;
        c.handle_timeout(now);
        assert!(
            c.poll_transmit(now, &mut buf).is_none(),
            "retransmitted at {now:?}"
        );
    }
    assert_eq!(c.stats().retransmissions, 0);
    assert_eq!(
        c.poll_event(),
        Some(Event::Failed {
            handle: h,
            reason: Failure::ResponseTimeout
        })
    );
    assert_eq!(now, Instant::ZERO + Config::default().response_timeout);
}

#[test]
fn rfc8323_5_4_ping_is_answered_with_pong() {
    let mut k = Conn::new();
    k.open();
    k.c.ping(k.now).unwrap();
    k.pump(|_, _| {});
    assert_eq!(frame(&k.c_frames[1]).code(), Code::PING);
    assert_eq!(frame(&k.s_frames[1]).code(), Code::PONG);
    assert!(matches!(
        k.c_events.last(),
        Some((
            Event::Connection {
                signal: ConnectionEvent::Pong,
                peer: SERVER
            },
            _
        ))
    ));
}

#[test]
fn rfc8323_5_6_bad_frame_aborts_the_connection_and_fails_exchanges() {
    let mut k = Conn::new();
    k.open();
    let opts = path();
    let h = k.c.request(k.now, SERVER, &Request::get(&opts)).unwrap();
    let mut buf = [0u8; 1154];
    while k.c.poll_transmit(k.now, &mut buf).is_some() {} // the GET is "in flight"
                                                          // TKL 15 is reserved (RFC 8323 §3.2 / RFC 8974): a framing error.
    let bad = [0x0f, 0x01];
    assert_eq!(k.s.handle_stream(k.now, CLIENT, &bad), bad.len());
    assert_eq!(
        k.s.poll_event()
            .map(|e| matches!(e, Event::Rejected { .. })),
        Some(true)
    );
    assert_eq!(
        k.s.poll_event(),
        Some(Event::Connection {
            peer: CLIENT,
            signal: ConnectionEvent::Aborted { by_peer: false }
        })
    );
    let n = k.s.poll_transmit(k.now, &mut buf).unwrap().len;
    assert_eq!(frame(&buf[..n]).code(), Code::ABORT);
    assert!(
        k.s.poll_transmit(k.now, &mut buf).is_none(),
        "nothing after Abort"
    );
    // Everything after is swallowed.
    assert_eq!(k.s.handle_stream(k.now, CLIENT, &[0x00, 0xe2]), 2);
    assert!(k.s.poll_event().is_none());
    // The client sees the Abort: its request fails, the connection is over.
    assert_eq!(k.c.handle_stream(k.now, SERVER, &buf[..n]), n);
    assert_eq!(
        k.c.poll_event(),
        Some(Event::Failed {
            handle: h,
            reason: Failure::Reset
        })
    );
    assert_eq!(
        k.c.poll_event(),
        Some(Event::Connection {
            peer: SERVER,
            signal: ConnectionEvent::Aborted { by_peer: true }
        })
    );
    assert!(
        k.c.poll_transmit(k.now, &mut buf).is_none(),
        "no Abort answers an Abort"
    );
    assert_eq!(
        k.c.request(k.now, SERVER, &Request::get(&opts)),
        Err(Error::NotConnected)
    );
}

#[test]
fn rfc8323_5_3_first_frame_not_csm_aborts() {
    let mut s = endpoint(2);
    s.open(Instant::ZERO, CLIENT).unwrap();
    // A GET (Len 0, TKL 0, code 0.01) before any CSM.
    assert_eq!(s.handle_stream(Instant::ZERO, CLIENT, &[0x00, 0x01]), 2);
    assert_eq!(
        s.poll_event(),
        Some(Event::Connection {
            peer: CLIENT,
            signal: ConnectionEvent::Aborted { by_peer: false }
        })
    );
    let mut buf = [0u8; 1154];
    let codes: Vec<Code> = std::iter::from_fn(|| {
        s.poll_transmit(Instant::ZERO, &mut buf)
            .map(|t| frame(&buf[..t.len]).code())
    })
    .collect();
    assert_eq!(codes, [Code::CSM, Code::ABORT]);
}

#[test]
fn rfc8323_5_5_release_ends_exchanges_and_new_requests() {
    let mut k = Conn::new();
    k.open();
    let opts = path();
    let h = k.c.request(k.now, SERVER, &Request::get(&opts)).unwrap();
    let mut buf = [0u8; 1154];
    while k.c.poll_transmit(k.now, &mut buf).is_some() {}
    k.s.release(k.now).unwrap();
    let n = k.s.poll_transmit(k.now, &mut buf).unwrap().len;
    assert_eq!(frame(&buf[..n]).code(), Code::RELEASE);
    assert_eq!(k.c.handle_stream(k.now, SERVER, &buf[..n]), n);
    assert_eq!(
        k.c.poll_event(),
        Some(Event::Failed {
            handle: h,
            reason: Failure::Reset
        })
    );
    assert_eq!(
        k.c.poll_event(),
        Some(Event::Connection {
            peer: SERVER,
            signal: ConnectionEvent::Released
        })
    );
    assert_eq!(
        k.c.request(k.now, SERVER, &Request::get(&opts)),
        Err(Error::NotConnected)
    );
    assert_eq!(k.s.ping(k.now), Err(Error::NotConnected));
}

#[test]
fn rfc8323_with_rfc7959_large_response_goes_block_wise_and_observe_notifies() {
    let mut k = Conn::new();
    k.open();
    let body: Vec<u8> = (0..5000u32).map(|i| (i * 7) as u8).collect();
    let opts = path();
    let h = k.c.observe(k.now, SERVER, &Request::get(&opts)).unwrap();
    let b = body.clone();
    k.pump(|s, ev| {
        if let Event::Request { id, observe, .. } = ev {
            let resp = Response::new(Code::CONTENT, &b);
            if observe == Some(0) {
                assert!(s.register_observer(Instant::ZERO, id, 1, &resp).unwrap());
            } else {
                s.respond(Instant::ZERO, id, &resp).unwrap();
            }
        }
    });
    let mut got = Vec::new();
    for (ev, payload) in &k.c_events {
        if let Event::Response {
            handle,
            part: Some(p),
            ..
        } = ev
        {
            assert_eq!(*handle, h);
            got.truncate(p.offset);
            got.extend_from_slice(payload);
        }
    }
    assert_eq!(got, body, "the whole body, block by block");
    // A notification: a frame, no Confirmable retransmission machinery.
    let before = k.s_frames.len();
    assert_eq!(
        k.s.notify(k.now, 1, &Response::new(Code::CONTENT, b"small"), true),
        Ok(1)
    );
    k.pump(|_, _| {});
    assert_eq!(k.s_frames.len(), before + 1);
    assert!(k.s.poll_timeout().is_none(), "no retransmission timer");
    let (ev, payload) = k.c_events.last().unwrap();
    assert!(matches!(ev, Event::Response { handle, observe: Some(_), .. } if *handle == h));
    assert_eq!(payload, b"small");
}

/// A byte stream may be cut anywhere: fed 1–7 bytes at a time, over 200
/// seeds, a block-wise GET of a random body arrives whole and nothing is
/// rejected.
#[test]
fn rfc8323_3_2_frames_split_anywhere_in_the_stream_reassemble() {
    for seed in 0..200u64 {
        let mut k = Conn::new();
        k.chunks = Some(Rng::new(seed));
        let len = Rng::new(seed ^ 0xF00).below(4000) as usize;
        let body: Vec<u8> = (0..len).map(|i| (i as u64 ^ seed) as u8).collect();
        k.open();
        let opts = path();
        let h = k.c.request(k.now, SERVER, &Request::get(&opts)).unwrap();
        let b = body.clone();
        k.pump(|s, ev| {
            if let Event::Request { id, .. } = ev {
                s.respond(Instant::ZERO, id, &Response::new(Code::CONTENT, &b))
                    .unwrap();
            }
        });
        let mut got = Vec::new();
        let mut done = false;
        for (ev, payload) in &k.c_events {
            if let Event::Response {
                handle, part, last, ..
            } = ev
            {
                assert_eq!(*handle, h);
                got.truncate(part.map_or(0, |p| p.offset));
                got.extend_from_slice(payload);
                done |= *last;
            }
        }
        assert!(done, "seed {seed}");
        assert_eq!(got, body, "seed {seed}");
        assert!(k.rx_c.is_empty() && k.rx_s.is_empty());
        assert_eq!(
            k.c.stats().rejected + k.s.stats().rejected,
            0,
            "seed {seed}"
        );
    }
}

/// RFC 8323 §4: over WebSockets each CoAP message is one WebSocket binary
/// message whose Len nibble is 0 (§4.2); the same CSM, request/response and
/// Ping/Pong; a message with a non-zero Len aborts.
#[test]
fn rfc8323_4_2_websocket_messages_have_no_length_and_carry_the_same_exchange() {
    let ws = |seed| {
        Ep::new(
            Config {
                seed,
                transport: Transport::WebSocket,
                ..Config::default()
            },
            Instant::ZERO,
        )
    };
    let (mut c, mut s) = (ws(1), ws(2));
    let t = Instant::ZERO;
    c.open(t, SERVER).unwrap();
    s.open(t, CLIENT).unwrap();
    let opts = path();
    let h = c.request(t, SERVER, &Request::get(&opts)).unwrap();
    c.ping(t).unwrap();
    let mut buf = [0u8; 1154];
    let mut wire: Vec<(u8, Vec<u8>)> = Vec::new(); // (to, one WebSocket message)
    let mut c_events = Vec::new();
    for _ in 0..20 {
        while let Some(m) = c.poll_transmit(t, &mut buf) {
            wire.push((SERVER, buf[..m.len].to_vec()));
        }
        while let Some(m) = s.poll_transmit(t, &mut buf) {
            wire.push((CLIENT, buf[..m.len].to_vec()));
        }
        for (to, msg) in std::mem::take(&mut wire) {
            assert_eq!(msg[0] >> 4, 0, "Len nibble 0 over WebSockets");
            let cfg = coap_codec::Config::default();
            let code = tcp::parse_ws(&msg, &cfg).unwrap().code();
            if to == SERVER {
                assert_eq!(s.handle_stream(t, CLIENT, &msg), msg.len(), "{code}");
                while let Some(ev) = s.poll_event() {
                    if let Event::Request { id, .. } = ev {
                        s.respond(t, id, &Response::new(Code::CONTENT, b"ws"))
                            .unwrap();
                    }
                }
            } else {
                assert_eq!(c.handle_stream(t, SERVER, &msg), msg.len(), "{code}");
                while let Some(ev) = c.poll_event() {
                    let body = c.message().map(|m| m.payload().to_vec());
                    c_events.push((ev, body));
                }
            }
        }
    }
    assert!(c_events.iter().any(|(e, _)| matches!(
        e,
        Event::Connection {
            signal: ConnectionEvent::Csm { .. },
            ..
        }
    )));
    assert!(c_events.iter().any(|(e, _)| matches!(
        e,
        Event::Connection {
            signal: ConnectionEvent::Pong,
            ..
        }
    )));
    assert!(c_events.iter().any(|(e, b)| matches!(
        e,
        Event::Response { handle, code: Code::CONTENT, last: true, .. } if *handle == h
    ) && b.as_deref() == Some(&b"ws"[..])));
    // A TCP-style frame (Len 2) is not a WebSocket message: abort.
    assert_eq!(s.handle_stream(t, CLIENT, &[0x20, 0x01, 0xb1, b'a']), 4);
    let n = s.poll_transmit(t, &mut buf).unwrap().len;
    assert_eq!(
        tcp::parse_ws(&buf[..n], &coap_codec::Config::default())
            .unwrap()
            .code(),
        Code::ABORT
    );
}
