//! The ETSI CoAP plugtest test descriptions that concern the endpoint
//! (TD_COAP_CORE_01–23, TD_COAP_BLOCK_01–06, TD_COAP_OBS_01–10), run in
//! memory between two `coap::Endpoint`s. Each test checks the TD's "check"
//! steps on the bytes that crossed the wire and its "verify" steps on the
//! events the applications saw. Numbering follows the CoAP#4 plugtest
//! (td-coap4); there is no TD_COAP_OBS_03 there.

use coap_codec::{Block, Code, Message, MessageType, OptionEntry, OptionNumber, OptionValue};
use qos_engine::coap::{
    Config, Endpoint, Event, Failure, ObserverGone, Request, RequestId, Response,
};
use qos_engine::{Duration, Instant};

type Ep = Endpoint<u8, 4, 16, 1152>;
/// How the server sees the client, and the client the server.
const C: u8 = 1;
const S: u8 = 2;

#[derive(Clone, Debug)]
struct Got {
    ev: Event<u8>,
    msg: Option<Vec<u8>>,
}

impl Got {
    fn message(&self) -> Message<'_> {
        Message::parse(self.msg.as_deref().expect("event carries a message")).unwrap()
    }
}

struct Wire {
    from_client: bool,
    bytes: Vec<u8>,
    dropped: bool,
}

impl Wire {
    fn message(&self) -> Message<'_> {
        Message::parse(&self.bytes).unwrap()
    }
}

struct Plug {
    c: Box<Ep>,
    s: Box<Ep>,
    now: Instant,
    wire: Vec<Wire>,
    drop_c2s: usize,
    drop_s2c: usize,
    client_off: bool,
    client_events: Vec<Got>,
    server_events: Vec<Got>,
}

fn opt(number: OptionNumber, value: &[u8]) -> OptionEntry<'_> {
    OptionEntry {
        number,
        value: OptionValue::Bytes(value),
    }
}

fn uint(number: OptionNumber, v: u32) -> OptionEntry<'static> {
    OptionEntry {
        number,
        value: OptionValue::Uint(v),
    }
}

fn path(p: &str) -> Vec<OptionEntry<'_>> {
    p.split('/')
        .filter(|s| !s.is_empty())
        .map(|s| opt(OptionNumber::URI_PATH, s.as_bytes()))
        .collect()
}

impl Plug {
    fn new() -> Self {
        let now = Instant::from_secs(1);
        Plug {
            c: Box::new(Ep::new(
                Config {
                    seed: 11,
                    ..Config::default()
                },
                now,
            )),
            s: Box::new(Ep::new(
                Config {
                    seed: 22,
                    ..Config::default()
                },
                now,
            )),
            now,
            wire: Vec::new(),
            drop_c2s: 0,
            drop_s2c: 0,
            client_off: false,
            client_events: Vec::new(),
            server_events: Vec::new(),
        }
    }

    /// Moves datagrams both ways until both endpoints are quiet; `app` plays
    /// the server application on every server event.
    fn run(&mut self, app: &mut dyn FnMut(&mut Ep, Instant, &Got)) {
        let mut buf = vec![0u8; 1152];
        loop {
            let mut moved = false;
            while let Some(t) = self.c.poll_transmit(self.now, &mut buf) {
                moved = true;
                let bytes = buf[..t.len].to_vec();
                let dropped = self.drop_c2s > 0 || self.client_off;
                self.drop_c2s = self.drop_c2s.saturating_sub(1);
                self.wire.push(Wire {
                    from_client: true,
                    bytes: bytes.clone(),
                    dropped,
                });
                if !dropped {
                    self.s.handle_datagram(self.now, C, &bytes);
                    while let Some(ev) = self.s.poll_event() {
                        let msg = match ev {
                            Event::Request { .. } => Some(raw(&self.s)),
                            _ => None,
                        };
                        let got = Got { ev, msg };
                        app(&mut self.s, self.now, &got);
                        self.server_events.push(got);
                    }
                }
            }
            while let Some(t) = self.s.poll_transmit(self.now, &mut buf) {
                moved = true;
                let bytes = buf[..t.len].to_vec();
                let dropped = self.drop_s2c > 0 || self.client_off;
                self.drop_s2c = self.drop_s2c.saturating_sub(1);
                self.wire.push(Wire {
                    from_client: false,
                    bytes: bytes.clone(),
                    dropped,
                });
                if !dropped {
                    self.c.handle_datagram(self.now, S, &bytes);
                    while let Some(ev) = self.c.poll_event() {
                        let msg = match ev {
                            Event::Response { .. } => Some(raw(&self.c)),
                            _ => None,
                        };
                        self.client_events.push(Got { ev, msg });
                    }
                }
            }
            if !moved {
                break;
            }
        }
    }

    /// Jumps to the next deadline of either endpoint and handles it.
    fn tick(&mut self, app: &mut dyn FnMut(&mut Ep, Instant, &Got)) -> bool {
        let next = [self.c.poll_timeout(), self.s.poll_timeout()]
            .into_iter()
            .flatten()
            .min();
        let Some(t) = next else { return false };
        self.now = self.now.max(t);
        self.c.handle_timeout(self.now);
        self.s.handle_timeout(self.now);
        while let Some(ev) = self.c.poll_event() {
            self.client_events.push(Got { ev, msg: None });
        }
        while let Some(ev) = self.s.poll_event() {
            let got = Got { ev, msg: None };
            app(&mut self.s, self.now, &got);
            self.server_events.push(got);
        }
        self.run(app);
        true
    }

    fn c2s(&self) -> Vec<&Wire> {
        self.wire.iter().filter(|w| w.from_client).collect()
    }
    fn s2c(&self) -> Vec<&Wire> {
        self.wire.iter().filter(|w| !w.from_client).collect()
    }
    fn responses(&self) -> Vec<&Got> {
        self.client_events
            .iter()
            .filter(|g| matches!(g.ev, Event::Response { .. }))
            .collect()
    }
    fn requests(&self) -> Vec<&Got> {
        self.server_events
            .iter()
            .filter(|g| matches!(g.ev, Event::Request { .. }))
            .collect()
    }
}

/// The message of the event just polled, as bytes.
fn raw(ep: &Ep) -> Vec<u8> {
    let m = ep.message().expect("message readable after its event");
    // Re-encode is not needed: the view borrows the endpoint's copy; take
    // the bytes back through the codec's own accessors.
    let mut b =
        coap_codec::MessageBuilder::<64>::with_capacity(m.message_type(), m.code(), m.message_id());
    b.token(m.token());
    for o in m.options() {
        b.push(OptionEntry {
            number: o.number,
            value: OptionValue::Bytes(o.value),
        })
        .unwrap();
    }
    b.payload(m.payload());
    let mut out = vec![0u8; b.encoded_len().unwrap()];
    b.build(&mut out).unwrap();
    out
}

fn respond_with(
    code: Code,
    payload: &'static [u8],
    opts: Vec<OptionEntry<'static>>,
) -> impl FnMut(&mut Ep, Instant, &Got) {
    move |s: &mut Ep, now: Instant, g: &Got| {
        if let Event::Request { id, .. } = g.ev {
            s.respond(now, id, &Response::new(code, payload).options(&opts))
                .unwrap();
        }
    }
}

const CF_TEXT: OptionEntry<'static> = OptionEntry {
    number: OptionNumber::CONTENT_FORMAT,
    value: OptionValue::Uint(0),
};

/// Basic request/response TD: `method` to /test, CON or NON, checks the
/// request and response headers as the TD's check steps say.
fn basic(method: Code, con: bool, payload: &'static [u8], code: Code) -> Plug {
    let mut p = Plug::new();
    let opts = path("test");
    let mut req = Request::new(method, &opts).payload(payload);
    req.confirmable = con;
    let mut ropts = vec![];
    if !payload.is_empty() {
        ropts.push(CF_TEXT);
    }
    let h = p.c.request(p.now, S, &req).unwrap();
    let body: &'static [u8] = if method == Code::GET { b"hello" } else { b"" };
    let mut app = respond_with(
        code,
        body,
        if method == Code::GET {
            vec![CF_TEXT]
        } else {
            vec![]
        },
    );
    p.run(&mut app);
    // Step: sent request has the right Type and Code.
    let req_msg = p.c2s()[0].message();
    let want_ty = if con {
        MessageType::Confirmable
    } else {
        MessageType::NonConfirmable
    };
    assert_eq!(req_msg.message_type(), want_ty);
    assert_eq!(req_msg.code(), method);
    assert_eq!(req_msg.payload(), payload);
    // Step: server displays the request (delivered once, payload intact).
    assert_eq!(p.requests().len(), 1);
    assert_eq!(p.requests()[0].message().payload(), payload);
    // Step: the response.
    let resp = p.s2c()[0].message();
    assert_eq!(resp.code(), code);
    if con {
        // Piggybacked: ACK with the request's Message ID.
        assert_eq!(resp.message_type(), MessageType::Acknowledgement);
        assert_eq!(resp.message_id(), req_msg.message_id());
    } else {
        assert_eq!(resp.message_type(), MessageType::NonConfirmable);
    }
    assert_eq!(resp.token(), req_msg.token());
    if method == Code::GET {
        assert_eq!(resp.content_format(), Ok(Some(0)));
    }
    // Verify: client displays the response.
    let r = p.responses();
    assert_eq!(r.len(), 1);
    assert!(
        matches!(r[0].ev, Event::Response { handle, code: c, last: true, .. } if handle == h && c == code)
    );
    assert_eq!(r[0].message().payload(), body);
    p
}

#[test]
fn td_coap_core_01_get_con() {
    basic(Code::GET, true, b"", Code::CONTENT);
}

#[test]
fn td_coap_core_02_delete_con() {
    basic(Code::DELETE, true, b"", Code::DELETED);
}

#[test]
fn td_coap_core_03_put_con() {
    basic(Code::PUT, true, b"plugtest", Code::CHANGED);
}

#[test]
fn td_coap_core_04_post_con() {
    basic(Code::POST, true, b"plugtest", Code::CREATED);
}

#[test]
fn td_coap_core_05_get_non() {
    basic(Code::GET, false, b"", Code::CONTENT);
}

#[test]
fn td_coap_core_06_delete_non() {
    basic(Code::DELETE, false, b"", Code::DELETED);
}

#[test]
fn td_coap_core_07_put_non() {
    basic(Code::PUT, false, b"plugtest", Code::CHANGED);
}

#[test]
fn td_coap_core_08_post_non() {
    basic(Code::POST, false, b"plugtest", Code::CREATED);
}

/// Separate response: Empty ACK with the request's MID, then a CON 2.05
/// with the same token and a new MID, acknowledged by the client.
fn separate(token: &[u8], accept_explicitly: bool) -> Plug {
    let mut p = Plug::new();
    let opts = path("separate");
    let h =
        p.c.request(p.now, S, &Request::get(&opts).token(token))
            .unwrap();
    let pending = std::cell::Cell::new(None);
    let mut app = |s: &mut Ep, now: Instant, g: &Got| {
        if let Event::Request { id, .. } = g.ev {
            if accept_explicitly {
                s.accept(now, id).unwrap();
            }
            pending.set(Some(id));
        }
    };
    p.run(&mut app);
    if !accept_explicitly {
        // The piggyback window passes: the endpoint sends the Empty ACK.
        p.tick(&mut app);
    }
    let req_mid = p.c2s()[0].message().message_id();
    let ack = p.s2c()[0].message();
    assert_eq!(ack.message_type(), MessageType::Acknowledgement);
    assert_eq!(ack.message_id(), req_mid);
    assert!(ack.is_empty() && ack.payload().is_empty());
    // No retransmission of the request after the ACK; the response later.
    p.now = p.now + Duration::from_secs(5);
    let id = pending.get().unwrap();
    p.s.respond(
        p.now,
        id,
        &Response::new(Code::CONTENT, b"late").options(&[CF_TEXT]),
    )
    .unwrap();
    p.run(&mut app);
    assert_eq!(
        p.c2s().len(),
        2,
        "request, then the ACK of the separate response"
    );
    let resp = p.s2c()[1].message();
    assert_eq!(resp.message_type(), MessageType::Confirmable);
    assert_eq!(resp.code(), Code::CONTENT);
    assert_ne!(resp.message_id(), req_mid);
    assert_eq!(resp.token(), token);
    assert_eq!(resp.content_format(), Ok(Some(0)));
    let cack = p.c2s()[1].message();
    assert_eq!(cack.message_type(), MessageType::Acknowledgement);
    assert!(cack.is_empty());
    assert_eq!(cack.message_id(), resp.message_id());
    let r = p.responses();
    assert_eq!(r.len(), 1);
    assert!(matches!(r[0].ev, Event::Response { handle, .. } if handle == h));
    assert_eq!(r[0].message().payload(), b"late");
    p
}

#[test]
fn td_coap_core_09_get_separate_response_con() {
    separate(&[1, 2, 3, 4], true);
}

#[test]
fn td_coap_core_10_get_with_token() {
    let mut p = Plug::new();
    let opts = path("test");
    let tok = [0xAA, 0xBB, 0xCC, 0xDD];
    p.c.request(p.now, S, &Request::get(&opts).token(&tok))
        .unwrap();
    p.run(&mut respond_with(Code::CONTENT, b"x", vec![CF_TEXT]));
    assert_eq!(p.c2s()[0].message().token(), tok);
    assert_eq!(p.s2c()[0].message().token(), tok);
    assert_eq!(p.responses().len(), 1);
}

#[test]
fn td_coap_core_11_get_with_token_separate_response() {
    // 8-byte token, and the Empty ACK comes from the piggyback timer.
    separate(&[1, 2, 3, 4, 5, 6, 7, 8], false);
}

#[test]
fn td_coap_core_12_get_without_token() {
    let mut p = Plug::new();
    let opts = path("test");
    p.c.request(p.now, S, &Request::get(&opts).token(&[]))
        .unwrap();
    p.run(&mut respond_with(Code::CONTENT, b"x", vec![CF_TEXT]));
    assert!(p.c2s()[0].message().token().is_empty());
    assert!(p.s2c()[0].message().token().is_empty());
    assert_eq!(p.responses().len(), 1);
}

#[test]
fn td_coap_core_13_get_several_uri_path_options() {
    let mut p = Plug::new();
    let opts = path("seg1/seg2/seg3");
    p.c.request(p.now, S, &Request::get(&opts)).unwrap();
    p.run(&mut respond_with(Code::CONTENT, b"x", vec![CF_TEXT]));
    let req = p.requests()[0].message();
    let segs: Vec<&[u8]> = req
        .options_of(OptionNumber::URI_PATH)
        .map(|o| o.value)
        .collect();
    assert_eq!(segs, [&b"seg1"[..], b"seg2", b"seg3"]);
    assert_eq!(p.responses().len(), 1);
}

#[test]
fn td_coap_core_14_get_several_uri_query_options() {
    let mut p = Plug::new();
    let mut opts = path("query");
    for q in ["first=1", "second=2", "third=3"] {
        opts.push(opt(OptionNumber::URI_QUERY, q.as_bytes()));
    }
    p.c.request(p.now, S, &Request::get(&opts)).unwrap();
    p.run(&mut respond_with(Code::CONTENT, b"x", vec![CF_TEXT]));
    let req = p.requests()[0].message();
    let qs: Vec<&[u8]> = req
        .options_of(OptionNumber::URI_QUERY)
        .map(|o| o.value)
        .collect();
    assert_eq!(qs, [&b"first=1"[..], b"second=2", b"third=3"]);
    assert_eq!(p.responses().len(), 1);
}

#[test]
fn td_coap_core_15_get_piggybacked_lossy() {
    let mut p = Plug::new();
    let opts = path("test");
    p.c.request(p.now, S, &Request::get(&opts)).unwrap();
    // The first request and the first response are lost.
    p.drop_c2s = 1;
    let mut app = respond_with(Code::CONTENT, b"x", vec![CF_TEXT]);
    p.run(&mut app);
    p.drop_s2c = 1;
    while p.responses().is_empty() && p.tick(&mut app) {}
    let c2s = p.c2s();
    assert_eq!(c2s.len(), 3, "original and two retransmissions");
    assert!(c2s[0].dropped && !c2s[1].dropped);
    let mid = c2s[0].message().message_id();
    assert!(c2s.iter().all(|w| w.message().message_id() == mid));
    // The server processed the request once; the retransmission got the
    // cached piggybacked response again (RFC 7252 §4.5).
    assert_eq!(p.requests().len(), 1);
    let s2c = p.s2c();
    assert_eq!(s2c.len(), 2);
    assert_eq!(s2c[0].bytes, s2c[1].bytes);
    assert_eq!(s2c[1].message().message_id(), mid);
    assert_eq!(p.responses().len(), 1);
}

#[test]
fn td_coap_core_16_get_separate_response_lossy() {
    let mut p = Plug::new();
    let opts = path("separate");
    p.c.request(p.now, S, &Request::get(&opts)).unwrap();
    let pending = std::cell::Cell::new(None);
    let mut app = |s: &mut Ep, now: Instant, g: &Got| {
        if let Event::Request { id, .. } = g.ev {
            s.accept(now, id).unwrap();
            pending.set(Some(id));
        }
    };
    // The Empty ACK is lost: the client retransmits, the server replays the ACK.
    p.drop_s2c = 1;
    p.run(&mut app);
    p.tick(&mut app);
    assert_eq!(p.requests().len(), 1);
    let s2c: Vec<_> = p.s2c().iter().map(|w| w.message().message_type()).collect();
    assert_eq!(
        s2c,
        [MessageType::Acknowledgement, MessageType::Acknowledgement]
    );
    // The separate CON response is lost once: the server retransmits it.
    p.drop_s2c = 1;
    p.s.respond(
        p.now,
        pending.get().unwrap(),
        &Response::new(Code::CONTENT, b"late"),
    )
    .unwrap();
    p.run(&mut app);
    while p.responses().is_empty() && p.tick(&mut app) {}
    let cons: Vec<_> = p
        .s2c()
        .iter()
        .filter(|w| w.message().message_type() == MessageType::Confirmable)
        .map(|w| w.bytes.clone())
        .collect();
    assert_eq!(cons.len(), 2);
    assert_eq!(cons[0], cons[1]);
    assert_eq!(p.responses().len(), 1);
}

#[test]
fn td_coap_core_17_get_separate_response_non() {
    let mut p = Plug::new();
    let opts = path("separate");
    p.c.request(p.now, S, &Request::get(&opts).non()).unwrap();
    let pending = std::cell::Cell::new(None);
    let mut app = |_: &mut Ep, _: Instant, g: &Got| {
        if let Event::Request { id, .. } = g.ev {
            pending.set(Some(id));
        }
    };
    p.run(&mut app);
    // No ACK for a NON request, however long the application takes.
    p.now = p.now + Duration::from_secs(3);
    p.s.handle_timeout(p.now);
    p.run(&mut app);
    assert!(p.s2c().is_empty());
    p.s.respond(
        p.now,
        pending.get().unwrap(),
        &Response::new(Code::CONTENT, b"late").options(&[CF_TEXT]),
    )
    .unwrap();
    p.run(&mut app);
    let req = p.c2s()[0].message();
    let resp = p.s2c()[0].message();
    assert_eq!(resp.message_type(), MessageType::NonConfirmable);
    assert_eq!(resp.token(), req.token());
    assert_eq!(p.responses().len(), 1);
}

fn with_response_options(ropts: Vec<OptionEntry<'static>>) -> Plug {
    let mut p = Plug::new();
    let opts = path("test");
    p.c.request(p.now, S, &Request::post(&opts, b"new").non().non())
        .unwrap();
    let mut app = respond_with(Code::CREATED, b"", ropts);
    p.run(&mut app);
    p
}

#[test]
fn td_coap_core_18_post_response_with_several_location_path_options() {
    let p = with_response_options(vec![
        opt(OptionNumber::LOCATION_PATH, b"location1"),
        opt(OptionNumber::LOCATION_PATH, b"location2"),
        opt(OptionNumber::LOCATION_PATH, b"location3"),
    ]);
    let r = p.responses()[0].message();
    assert_eq!(r.code(), Code::CREATED);
    let l: Vec<&[u8]> = r
        .options_of(OptionNumber::LOCATION_PATH)
        .map(|o| o.value)
        .collect();
    assert_eq!(l, [&b"location1"[..], b"location2", b"location3"]);
}

#[test]
fn td_coap_core_19_post_response_with_several_location_query_options() {
    let p = with_response_options(vec![
        opt(OptionNumber::LOCATION_QUERY, b"first=1"),
        opt(OptionNumber::LOCATION_QUERY, b"second=2"),
    ]);
    let r = p.responses()[0].message();
    let l: Vec<&[u8]> = r
        .options_of(OptionNumber::LOCATION_QUERY)
        .map(|o| o.value)
        .collect();
    assert_eq!(l, [&b"first=1"[..], b"second=2"]);
}

#[test]
fn td_coap_core_20_get_with_accept_option() {
    let mut p = Plug::new();
    for accept in [0u32, 41] {
        let mut opts = path("multi-format");
        opts.push(uint(OptionNumber::ACCEPT, accept));
        p.c.request(p.now, S, &Request::get(&opts)).unwrap();
        let mut app = |s: &mut Ep, now: Instant, g: &Got| {
            if let Event::Request { id, .. } = g.ev {
                let a = g
                    .message()
                    .uint_option(OptionNumber::ACCEPT)
                    .unwrap()
                    .unwrap();
                let body: &[u8] = if a == 0 { b"text" } else { b"<x/>" };
                let cf = [uint(OptionNumber::CONTENT_FORMAT, a)];
                s.respond(now, id, &Response::new(Code::CONTENT, body).options(&cf))
                    .unwrap();
            }
        };
        p.run(&mut app);
    }
    let r = p.responses();
    assert_eq!(r[0].message().content_format(), Ok(Some(0)));
    assert_eq!(r[1].message().content_format(), Ok(Some(41)));
}

#[test]
fn td_coap_core_21_get_with_etag_option() {
    let mut p = Plug::new();
    let etag = b"v1";
    let mut app = |s: &mut Ep, now: Instant, g: &Got| {
        if let Event::Request { id, .. } = g.ev {
            let m = g.message();
            let e = [opt(OptionNumber::ETAG, etag)];
            let r = match m.option(OptionNumber::ETAG) {
                Some(o) if o.value == etag => Response::new(Code::VALID, b"").options(&e),
                _ => Response::new(Code::CONTENT, b"body").options(&e),
            };
            s.respond(now, id, &r).unwrap();
        }
    };
    let opts = path("validate");
    p.c.request(p.now, S, &Request::get(&opts)).unwrap();
    p.run(&mut app);
    let mut opts2 = path("validate");
    opts2.push(opt(OptionNumber::ETAG, etag));
    p.c.request(p.now, S, &Request::get(&opts2)).unwrap();
    p.run(&mut app);
    let r = p.responses();
    assert_eq!(r[0].message().code(), Code::CONTENT);
    assert_eq!(
        r[0].message().option(OptionNumber::ETAG).unwrap().value,
        etag
    );
    assert_eq!(r[1].message().code(), Code::VALID);
}

fn conditional(pre: OptionEntry<'static>, exists: bool) -> Code {
    let mut p = Plug::new();
    let mut app = move |s: &mut Ep, now: Instant, g: &Got| {
        if let Event::Request { id, .. } = g.ev {
            let m = g.message();
            let code = if let Some(im) = m.option(OptionNumber::IF_MATCH) {
                if exists && im.value == b"v1" {
                    Code::CHANGED
                } else {
                    Code::PRECONDITION_FAILED
                }
            } else if m.option(OptionNumber::IF_NONE_MATCH).is_some() {
                if exists {
                    Code::PRECONDITION_FAILED
                } else {
                    Code::CREATED
                }
            } else {
                Code::CHANGED
            };
            s.respond(now, id, &Response::new(code, b"")).unwrap();
        }
    };
    let mut opts = path("validate");
    opts.push(pre);
    p.c.request(p.now, S, &Request::put(&opts, b"x")).unwrap();
    p.run(&mut app);
    let c = p.responses()[0].message().code();
    // The condition travelled intact.
    assert_eq!(
        p.requests()[0]
            .message()
            .option(pre.number)
            .map(|o| o.value.len()),
        Some(pre.value.len())
    );
    c
}

#[test]
fn td_coap_core_22_put_with_if_match() {
    assert_eq!(
        conditional(opt(OptionNumber::IF_MATCH, b"v1"), true),
        Code::CHANGED
    );
    assert_eq!(
        conditional(opt(OptionNumber::IF_MATCH, b"zz"), true),
        Code::PRECONDITION_FAILED
    );
}

#[test]
fn td_coap_core_23_put_with_if_none_match() {
    assert_eq!(
        conditional(opt(OptionNumber::IF_NONE_MATCH, b""), false),
        Code::CREATED
    );
    assert_eq!(
        conditional(opt(OptionNumber::IF_NONE_MATCH, b""), true),
        Code::PRECONDITION_FAILED
    );
}

// ---------------------------------------------------------------------------
// Block-wise (RFC 7959)

fn large(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 + i / 251) as u8).collect()
}

/// Serves `body` for GET, stores PUT/POST bodies block by block, echoes POST.
type Sink = std::rc::Rc<std::cell::RefCell<Vec<u8>>>;

fn block_server(body: Vec<u8>) -> (impl FnMut(&mut Ep, Instant, &Got), Sink) {
    let stored = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let st = stored.clone();
    let app = move |s: &mut Ep, now: Instant, g: &Got| {
        let Event::Request {
            id,
            method,
            block1,
            block2,
            ..
        } = g.ev
        else {
            return;
        };
        let m = g.message();
        if let Some(part) = block1 {
            let mut b = st.borrow_mut();
            b.truncate(part.offset);
            b.extend_from_slice(m.payload());
            if part.more {
                return; // 2.31 already sent by the endpoint
            }
        }
        let r = match method {
            Code::GET => Response::new(Code::CONTENT, &body),
            Code::PUT => Response::new(Code::CHANGED, b""),
            Code::POST
                if m.option(OptionNumber::URI_PATH)
                    .is_some_and(|o| o.value == b"large-post")
                    && (block2.is_some_and(|b| b.num() > 0) || block1.is_some()) =>
            {
                // Two-way: the response body is the uploaded body.
                let echo = st.borrow().clone();
                s.respond(now, id, &Response::new(Code::CHANGED, &echo))
                    .unwrap();
                return;
            }
            _ => Response::new(Code::CREATED, b""),
        };
        s.respond(now, id, &r).unwrap();
    };
    (app, stored)
}

fn fetched(p: &Plug) -> Vec<u8> {
    let mut out = Vec::new();
    for r in p.responses() {
        if let Event::Response { part, .. } = r.ev {
            let off = part.map_or(0, |x| x.offset);
            assert_eq!(off, out.len(), "blocks in order");
            out.extend_from_slice(r.message().payload());
        }
    }
    out
}

fn block2_get(szx: Option<u8>, len: usize) {
    let mut p = Plug::new();
    let body = large(len);
    let (mut app, _) = block_server(body.clone());
    let opts = path("large");
    let mut req = Request::get(&opts);
    req.block_szx = szx;
    p.c.request(p.now, S, &req).unwrap();
    p.run(&mut app);
    let reqs = p.c2s();
    let size = szx.map_or(1024, |s| 16usize << s);
    assert_eq!(reqs.len(), len.div_ceil(size));
    for (k, w) in reqs.iter().enumerate() {
        let b = w.message().block2().unwrap();
        match (k, szx) {
            (0, None) => assert_eq!(b, None, "late negotiation: no Block2 in the first request"),
            _ => {
                let b = b.unwrap();
                assert_eq!(b.num() as usize, k);
                assert!(!b.more(), "M is 0 in a Block2 request");
                assert_eq!(b.size() as usize, size);
            }
        }
    }
    for (k, w) in p.s2c().iter().enumerate() {
        let m = w.message();
        assert_eq!(m.message_type(), MessageType::Acknowledgement);
        let b = m.block2().unwrap().unwrap();
        assert_eq!(b.num() as usize, k);
        assert_eq!(b.more(), k + 1 < reqs.len());
    }
    assert_eq!(fetched(&p), body);
}

#[test]
fn td_coap_block_01_get_blockwise_early_negotiation() {
    block2_get(Some(6), 3000);
}

#[test]
fn td_coap_block_02_get_blockwise_late_negotiation() {
    block2_get(None, 3000);
}

fn block1_upload(method: Code, expect: Code) -> Plug {
    let mut p = Plug::new();
    let body = large(2500);
    let (mut app, stored) = block_server(Vec::new());
    let opts = path("large-update");
    let mut req = Request::new(method, &opts).payload(&body).block_szx(6);
    req.confirmable = true;
    let h = p.c.request(p.now, S, &req).unwrap();
    p.run(&mut app);
    // The endpoint asks the application for the rest of the body.
    while let Some(off) = p.client_events.iter().rev().find_map(|g| match g.ev {
        Event::UploadContinue { handle, offset } if handle == h => Some(offset),
        _ => None,
    }) {
        p.client_events
            .retain(|g| !matches!(g.ev, Event::UploadContinue { .. }));
        assert!(off < body.len());
        p.c.continue_upload(p.now, h, &body).unwrap();
        p.run(&mut app);
    }
    let reqs = p.c2s();
    assert_eq!(reqs.len(), 3);
    for (k, w) in reqs.iter().enumerate() {
        let b = w.message().block1().unwrap().unwrap();
        assert_eq!((b.num() as usize, b.more(), b.szx()), (k, k < 2, 6));
    }
    assert_eq!(
        reqs[0].message().uint_option(OptionNumber::SIZE1),
        Ok(Some(2500))
    );
    let resps = p.s2c();
    for (k, w) in resps.iter().enumerate() {
        let m = w.message();
        let b = m.block1().unwrap().unwrap();
        assert_eq!(b.num() as usize, k, "Block1 echoed");
        if k < 2 {
            assert_eq!(m.code(), Code::CONTINUE);
            assert!(b.more());
        } else {
            assert_eq!(m.code(), expect);
            assert!(!b.more());
        }
    }
    assert_eq!(*stored.borrow(), body);
    p
}

#[test]
fn td_coap_block_03_put_blockwise() {
    block1_upload(Code::PUT, Code::CHANGED);
}

#[test]
fn td_coap_block_04_post_blockwise_create() {
    block1_upload(Code::POST, Code::CREATED);
}

#[test]
fn td_coap_block_05_post_two_way_blockwise() {
    let mut p = Plug::new();
    let body = large(2100);
    let (mut app, _) = block_server(Vec::new());
    let opts = path("large-post");
    let h =
        p.c.request(p.now, S, &Request::post(&opts, &body).block_szx(6))
            .unwrap();
    p.run(&mut app);
    loop {
        let cont = p
            .client_events
            .iter()
            .any(|g| matches!(g.ev, Event::UploadContinue { .. }));
        if !cont {
            break;
        }
        p.client_events
            .retain(|g| !matches!(g.ev, Event::UploadContinue { .. }));
        p.c.continue_upload(p.now, h, &body).unwrap();
        p.run(&mut app);
    }
    // Three Block1 requests, then two Block2 requests for the rest of the response.
    let blocks: Vec<(Option<Block>, Option<Block>)> = p
        .c2s()
        .iter()
        .map(|w| (w.message().block1().unwrap(), w.message().block2().unwrap()))
        .collect();
    assert_eq!(blocks.len(), 5);
    assert!(blocks[..3].iter().all(|b| b.0.is_some()));
    assert!(blocks[3..].iter().all(|b| b.0.is_none() && b.1.is_some()));
    assert_eq!(fetched(&p), body);
}

#[test]
fn td_coap_block_06_get_blockwise_16_byte_blocks() {
    block2_get(Some(0), 100);
}

// ---------------------------------------------------------------------------
// Observe (RFC 7641)

struct Obs {
    p: Plug,
    reg: Option<RequestId>,
}

fn observe_setup(
    con_notifications: bool,
    non_registration: bool,
) -> (Obs, qos_engine::coap::Handle) {
    let mut p = Plug::new();
    let opts = path("obs");
    let mut req = Request::get(&opts);
    if non_registration {
        req = req.non();
    }
    let h = p.c.observe(p.now, S, &req).unwrap();
    let mut reg = None;
    let mut app = |s: &mut Ep, now: Instant, g: &Got| {
        if let Event::Request {
            id,
            observe: Some(0),
            ..
        } = g.ev
        {
            assert!(s
                .register_observer(now, id, 9, &Response::new(Code::CONTENT, b"0"))
                .unwrap());
            reg = Some(id);
        }
    };
    p.run(&mut app);
    let first = p.c2s()[0].message();
    assert_eq!(first.observe(), Ok(Some(0)));
    let resp = p.s2c()[0].message();
    assert!(
        resp.observe().unwrap().is_some(),
        "registration answered with Observe"
    );
    assert_eq!(p.s.observer_count(), 1);
    let _ = con_notifications;
    (Obs { p, reg }, h)
}

fn notify(o: &mut Obs, value: &str, con: bool) -> usize {
    let n =
        o.p.s
            .notify(
                o.p.now,
                9,
                &Response::new(Code::CONTENT, value.as_bytes()),
                con,
            )
            .unwrap();
    o.p.run(&mut |_, _, _| {});
    n
}

fn notifications(p: &Plug) -> Vec<(u32, Vec<u8>)> {
    p.responses()
        .iter()
        .filter_map(|g| match g.ev {
            Event::Response {
                observe: Some(v), ..
            } => Some((v, g.message().payload().to_vec())),
            _ => None,
        })
        .collect()
}

#[test]
fn td_coap_obs_01_observe_with_con_notifications() {
    let (mut o, _) = observe_setup(true, false);
    for v in ["1", "2", "3"] {
        assert_eq!(notify(&mut o, v, true), 1);
    }
    let s2c = o.p.s2c();
    // Registration response, then three CON notifications, each ACKed.
    assert!(s2c[1..]
        .iter()
        .all(|w| w.message().message_type() == MessageType::Confirmable));
    let acks = o.p.c2s()[1..]
        .iter()
        .filter(|w| w.message().message_type() == MessageType::Acknowledgement)
        .count();
    assert_eq!(acks, 3);
    let seen = notifications(&o.p);
    assert_eq!(
        seen.iter().map(|s| s.1.as_slice()).collect::<Vec<_>>(),
        [&b"0"[..], b"1", b"2", b"3"]
    );
    assert!(
        seen.windows(2).all(|w| w[0].0 < w[1].0),
        "Observe values increase"
    );
    let _ = o.reg;
}

#[test]
fn td_coap_obs_02_observe_with_non_notifications() {
    let (mut o, _) = observe_setup(false, true);
    for v in ["1", "2"] {
        notify(&mut o, v, false);
    }
    let s2c = o.p.s2c();
    assert_eq!(s2c[0].message().message_type(), MessageType::NonConfirmable);
    assert!(s2c[1..]
        .iter()
        .all(|w| w.message().message_type() == MessageType::NonConfirmable));
    assert_eq!(notifications(&o.p).len(), 3);
}

#[test]
fn td_coap_obs_04_client_detects_deregistration_by_max_age() {
    let (mut o, h) = observe_setup(true, false);
    // The server stops notifying (it forgot the client). When Max-Age (60 s
    // default) has passed, the client re-registers with the same token.
    assert_eq!(o.p.s.remove_observers(9), 1);
    assert_eq!(o.p.s.observer_count(), 0);
    let before = o.p.c2s().len();
    let mut reg_again = 0;
    let mut app = |s: &mut Ep, now: Instant, g: &Got| {
        if let Event::Request {
            id,
            observe: Some(0),
            ..
        } = g.ev
        {
            s.register_observer(now, id, 9, &Response::new(Code::CONTENT, b"again"))
                .unwrap();
            reg_again += 1;
        }
    };
    o.p.tick(&mut app);
    assert_eq!(reg_again, 1);
    let rereg = o.p.c2s()[before].message();
    assert_eq!(rereg.observe(), Ok(Some(0)));
    assert_eq!(rereg.token(), o.p.c2s()[0].message().token());
    assert!(o.p.now >= Instant::from_secs(61));
    assert!(o.p.c.is_alive(h));
    assert_eq!(notifications(&o.p).last().unwrap().1, b"again");
}

#[test]
fn td_coap_obs_05_server_detects_deregistration_client_off() {
    let (mut o, _) = observe_setup(true, false);
    o.p.client_off = true;
    notify(&mut o, "1", true);
    let mut app = |_: &mut Ep, _: Instant, _: &Got| {};
    while o.p.s.observer_count() > 0 && o.p.tick(&mut app) {}
    assert!(o.p.server_events.iter().any(|g| matches!(
        g.ev,
        Event::ObserverRemoved {
            resource: 9,
            peer: C,
            reason: ObserverGone::Timeout
        }
    )));
    // 1 + MAX_RETRANSMIT copies of the notification were sent.
    assert_eq!(o.p.s2c().len(), 1 + 5);
}

#[test]
fn td_coap_obs_06_server_detects_deregistration_explicit_rst() {
    let (mut o, h) = observe_setup(true, false);
    o.p.c.cancel(o.p.now, h).unwrap();
    notify(&mut o, "1", false);
    let last = o.p.c2s().last().unwrap().message();
    assert_eq!(last.message_type(), MessageType::Reset);
    assert_eq!(o.p.s.observer_count(), 0);
    assert!(o.p.server_events.iter().any(|g| matches!(
        g.ev,
        Event::ObserverRemoved {
            reason: ObserverGone::Reset,
            ..
        }
    )));
    assert_eq!(
        notifications(&o.p).len(),
        1,
        "only the registration response"
    );
}

#[test]
fn td_coap_obs_07_server_cleans_observers_on_delete() {
    let (mut o, h) = observe_setup(true, false);
    // DELETE /obs: the server application sends 4.04 to the observers.
    let opts = path("obs");
    o.p.c.request(o.p.now, S, &Request::delete(&opts)).unwrap();
    let mut app = |s: &mut Ep, now: Instant, g: &Got| {
        if let Event::Request {
            id,
            method: Code::DELETE,
            ..
        } = g.ev
        {
            s.respond(now, id, &Response::new(Code::DELETED, b""))
                .unwrap();
            s.notify(now, 9, &Response::new(Code::NOT_FOUND, b""), false)
                .unwrap();
        }
    };
    o.p.run(&mut app);
    assert_eq!(o.p.s.observer_count(), 0);
    let last =
        o.p.responses()
            .into_iter()
            .rfind(|g| matches!(g.ev, Event::Response { handle, .. } if handle == h))
            .unwrap();
    assert!(matches!(
        last.ev,
        Event::Response {
            code: Code::NOT_FOUND,
            last: true,
            ..
        }
    ));
    assert!(!o.p.c.is_alive(h));
}

#[test]
fn td_coap_obs_08_server_cleans_observers_on_content_format_change() {
    let (mut o, h) = observe_setup(true, false);
    // The representation is no longer available in the registered format:
    // 4.06 (Not Acceptable) ends the observation (RFC 7641 §3.2, §4.2).
    let n =
        o.p.s
            .notify(o.p.now, 9, &Response::new(Code::NOT_ACCEPTABLE, b""), false)
            .unwrap();
    assert_eq!(n, 1);
    o.p.run(&mut |_, _, _| {});
    assert_eq!(o.p.s.observer_count(), 0);
    assert!(!o.p.c.is_alive(h));
    let last = o.p.responses().last().unwrap().message();
    assert_eq!(last.code(), Code::NOT_ACCEPTABLE);
}

#[test]
fn td_coap_obs_09_update_of_observed_resource() {
    let (mut o, _) = observe_setup(true, false);
    let opts = path("obs");
    o.p.c
        .request(o.p.now, S, &Request::put(&opts, b"new"))
        .unwrap();
    let mut app = |s: &mut Ep, now: Instant, g: &Got| {
        if let Event::Request {
            id,
            method: Code::PUT,
            ..
        } = g.ev
        {
            s.respond(now, id, &Response::new(Code::CHANGED, b""))
                .unwrap();
            s.notify(now, 9, &Response::new(Code::CONTENT, b"new"), false)
                .unwrap();
        }
    };
    o.p.run(&mut app);
    assert_eq!(notifications(&o.p).last().unwrap().1, b"new");
}

#[test]
fn td_coap_obs_10_get_does_not_cancel_observation() {
    let (mut o, h) = observe_setup(true, false);
    let opts = path("obs");
    o.p.c.request(o.p.now, S, &Request::get(&opts)).unwrap();
    o.p.run(&mut respond_with(Code::CONTENT, b"plain", vec![]));
    assert_eq!(o.p.s.observer_count(), 1);
    notify(&mut o, "1", false);
    assert!(o.p.c.is_alive(h));
    assert_eq!(notifications(&o.p).last().unwrap().1, b"1");
}

// ---------------------------------------------------------------------------
// Misbehaving peers get the RFC's answer.

#[test]
fn unrecognized_critical_option_in_con_request_gets_4_02() {
    let mut s = Ep::new(Config::default(), Instant::ZERO);
    // CON GET MID 1, option 65001 (critical, unregistered), empty value.
    s.handle_datagram(Instant::ZERO, C, &[0x40, 0x01, 0, 1, 0xe0, 0xfc, 0xdc]);
    let mut buf = [0u8; 64];
    let t = s.poll_transmit(Instant::ZERO, &mut buf).unwrap();
    let m = Message::parse(&buf[..t.len]).unwrap();
    assert_eq!(
        (m.message_type(), m.code(), m.message_id()),
        (MessageType::Acknowledgement, Code::BAD_OPTION, 1)
    );
    assert!(matches!(s.poll_event(), Some(Event::Rejected { .. })));
    assert!(s.poll_event().is_none());
}

#[test]
fn malformed_con_gets_reset_and_malformed_non_is_ignored() {
    let mut s = Ep::new(Config::default(), Instant::ZERO);
    let mut buf = [0u8; 64];
    // CON with TKL 9 (reserved): RST echoing MID 0x1234 (RFC 7252 §4.2).
    s.handle_datagram(Instant::ZERO, C, &[0x49, 0x01, 0x12, 0x34]);
    let t = s.poll_transmit(Instant::ZERO, &mut buf).unwrap();
    assert_eq!(&buf[..t.len], &[0x70, 0x00, 0x12, 0x34]);
    // NON with the same defect: silence (§4.3).
    s.handle_datagram(Instant::ZERO, C, &[0x59, 0x01, 0x12, 0x35]);
    assert!(s.poll_transmit(Instant::ZERO, &mut buf).is_none());
    // CoAP ping (Empty CON) gets a Reset.
    s.handle_datagram(Instant::ZERO, C, &[0x40, 0x00, 0x00, 0x07]);
    let t = s.poll_transmit(Instant::ZERO, &mut buf).unwrap();
    assert_eq!(&buf[..t.len], &[0x70, 0x00, 0x00, 0x07]);
    // Unexpected ACK and RST: ignored.
    s.handle_datagram(Instant::ZERO, C, &[0x60, 0x00, 0x00, 0x08]);
    s.handle_datagram(Instant::ZERO, C, &[0x70, 0x00, 0x00, 0x09]);
    assert!(s.poll_transmit(Instant::ZERO, &mut buf).is_none());
}

#[test]
fn reset_cancels_a_con_request() {
    let mut p = Plug::new();
    let opts = path("test");
    let h = p.c.request(p.now, S, &Request::get(&opts)).unwrap();
    let mut buf = [0u8; 64];
    let t = p.c.poll_transmit(p.now, &mut buf).unwrap();
    let mid = Message::parse(&buf[..t.len]).unwrap().message_id();
    let [hi, lo] = mid.to_be_bytes();
    p.c.handle_datagram(p.now, S, &[0x70, 0x00, hi, lo]);
    assert_eq!(
        p.c.poll_event(),
        Some(Event::Failed {
            handle: h,
            reason: Failure::Reset
        })
    );
    assert!(p.c.poll_timeout().is_none());
}

/// Builds a CON request datagram for the server-side rule tests.
fn raw_request(mid: u16, block1: Option<Block>, size1: Option<u32>, payload: &[u8]) -> Vec<u8> {
    let mut b = coap_codec::MessageBuilder::new(MessageType::Confirmable, Code::PUT, mid);
    b.token(&[0x42]).uri_path("up");
    if let Some(bl) = block1 {
        b.block1(bl);
    }
    if let Some(s) = size1 {
        b.size1(s);
    }
    b.payload(payload);
    let mut out = vec![0u8; b.encoded_len().unwrap()];
    b.build(&mut out).unwrap();
    out
}

fn answer(s: &mut Ep, bytes: &[u8]) -> (Vec<u8>, Vec<Event<u8>>) {
    s.handle_datagram(Instant::ZERO, C, bytes);
    let mut buf = [0u8; 1152];
    let t = s.poll_transmit(Instant::ZERO, &mut buf).expect("an answer");
    let mut evs = Vec::new();
    while let Some(e) = s.poll_event() {
        evs.push(e);
    }
    (buf[..t.len].to_vec(), evs)
}

#[test]
fn rfc7959_2_9_2_block1_out_of_order_gets_4_08_and_is_not_delivered() {
    let mut s = Ep::new(Config::default(), Instant::ZERO);
    // Block 1 without block 0.
    let (r, evs) = answer(
        &mut s,
        &raw_request(1, Some(Block::new(1, true, 0).unwrap()), None, &[1; 16]),
    );
    let m = Message::parse(&r).unwrap();
    assert_eq!(
        (m.message_type(), m.code()),
        (
            MessageType::Acknowledgement,
            Code::REQUEST_ENTITY_INCOMPLETE
        )
    );
    assert!(evs.is_empty());
    // Block 0 then block 2 (block 1 missing).
    let (r, evs) = answer(
        &mut s,
        &raw_request(2, Some(Block::new(0, true, 0).unwrap()), None, &[1; 16]),
    );
    let m = Message::parse(&r).unwrap();
    assert_eq!(m.code(), Code::CONTINUE);
    assert_eq!(m.block1(), Ok(Some(Block::new(0, true, 0).unwrap())));
    assert!(matches!(evs[..], [Event::Request { block1: Some(p), .. }] if p.offset == 0 && p.more));
    let (r, evs) = answer(
        &mut s,
        &raw_request(3, Some(Block::new(2, false, 0).unwrap()), None, &[1; 5]),
    );
    assert_eq!(
        Message::parse(&r).unwrap().code(),
        Code::REQUEST_ENTITY_INCOMPLETE
    );
    assert!(evs.is_empty());
}

#[test]
fn rfc7959_2_9_3_block1_too_large_gets_4_13_with_size1() {
    let cfg = Config {
        max_body: 1000,
        ..Config::default()
    };
    let mut s = Ep::new(cfg, Instant::ZERO);
    // Size1 announces more than max_body.
    let (r, evs) = answer(
        &mut s,
        &raw_request(
            1,
            Some(Block::new(0, true, 2).unwrap()),
            Some(5000),
            &[0; 64],
        ),
    );
    let m = Message::parse(&r).unwrap();
    assert_eq!(m.code(), Code::REQUEST_ENTITY_TOO_LARGE);
    assert_eq!(m.uint_option(OptionNumber::SIZE1), Ok(Some(1000)));
    assert!(evs.is_empty());
    // No Size1, but the blocks run past max_body.
    let (r, _) = answer(
        &mut s,
        &raw_request(2, Some(Block::new(0, true, 6).unwrap()), None, &[0; 1024]),
    );
    assert_eq!(
        Message::parse(&r).unwrap().code(),
        Code::REQUEST_ENTITY_TOO_LARGE
    );
}

#[test]
fn rfc7252_4_5_duplicate_con_request_replays_the_response_without_redelivery() {
    let mut s = Ep::new(Config::default(), Instant::ZERO);
    let req = raw_request(7, None, None, b"x");
    s.handle_datagram(Instant::ZERO, C, &req);
    let id = match s.poll_event() {
        Some(Event::Request { id, .. }) => id,
        e => panic!("{e:?}"),
    };
    s.respond(Instant::ZERO, id, &Response::new(Code::CHANGED, b"ok"))
        .unwrap();
    let mut buf = [0u8; 64];
    let t = s.poll_transmit(Instant::ZERO, &mut buf).unwrap();
    let first = buf[..t.len].to_vec();
    // Within EXCHANGE_LIFETIME: same bytes again, no second delivery.
    let later = Instant::from_secs(200);
    s.handle_datagram(later, C, &req);
    assert!(s.poll_event().is_none());
    let t = s.poll_transmit(later, &mut buf).unwrap();
    assert_eq!(&buf[..t.len], &first[..]);
    assert_eq!(s.stats().duplicates_suppressed, 1);
    assert_eq!(s.stats().requests_delivered, 1);
    // After EXCHANGE_LIFETIME (247 s) the Message ID is new again.
    s.handle_datagram(Instant::from_secs(300), C, &req);
    assert!(matches!(s.poll_event(), Some(Event::Request { .. })));
}

#[test]
fn rfc7252_4_2_unexpected_con_and_non_responses_are_reset() {
    let mut c = Ep::new(Config::default(), Instant::ZERO);
    let mut buf = [0u8; 64];
    for (ty, mid) in [
        (MessageType::Confirmable, 0x10u16),
        (MessageType::NonConfirmable, 0x11),
    ] {
        let mut b = coap_codec::MessageBuilder::new(ty, Code::CONTENT, mid);
        b.token(&[9, 9]).payload(b"?");
        let n = b.build(&mut buf).unwrap();
        let dgram = buf[..n].to_vec();
        c.handle_datagram(Instant::ZERO, S, &dgram);
        let t = c.poll_transmit(Instant::ZERO, &mut buf).unwrap();
        let [hi, lo] = mid.to_be_bytes();
        assert_eq!(&buf[..t.len], &[0x70, 0x00, hi, lo]);
        assert!(matches!(
            c.poll_event(),
            Some(Event::Rejected {
                reason: qos_engine::coap::Rejection::Unexpected,
                ..
            })
        ));
    }
    // An unexpected piggybacked response (ACK) is ignored, never answered.
    let n = coap_codec::MessageBuilder::ack(0x12, Code::CONTENT, &[1])
        .build(&mut buf)
        .unwrap();
    let dgram = buf[..n].to_vec();
    c.handle_datagram(Instant::ZERO, S, &dgram);
    assert!(c.poll_transmit(Instant::ZERO, &mut buf).is_none());
}

/// A full deduplication table evicts its oldest entry, even when every
/// entry was made at the same instant: 70,000 requests (more than the 16-bit
/// Message ID space) at one instant all complete, none is taken for a
/// duplicate of a long-gone one.
#[test]
fn rfc7252_4_5_dedup_table_evicts_oldest_first_at_a_single_instant() {
    let mut c = Box::new(Ep::new(
        Config {
            seed: 1,
            ..Config::default()
        },
        Instant::ZERO,
    ));
    let mut s = Box::new(Ep::new(
        Config {
            seed: 2,
            ..Config::default()
        },
        Instant::ZERO,
    ));
    let now = Instant::ZERO;
    let opts = path("s");
    let mut buf = [0u8; 1152];
    let mut rx = [0u8; 1152];
    let mut responses = 0;
    for _ in 0..70_000u32 {
        c.request(now, S, &Request::get(&opts)).unwrap();
        let t = c.poll_transmit(now, &mut buf).unwrap();
        rx[..t.len].copy_from_slice(&buf[..t.len]);
        s.handle_datagram(now, C, &rx[..t.len]);
        while let Some(ev) = s.poll_event() {
            if let Event::Request { id, .. } = ev {
                s.respond(now, id, &Response::new(Code::CONTENT, b"x"))
                    .unwrap();
            }
        }
        let t = s.poll_transmit(now, &mut buf).unwrap();
        rx[..t.len].copy_from_slice(&buf[..t.len]);
        c.handle_datagram(now, S, &rx[..t.len]);
        while let Some(ev) = c.poll_event() {
            responses += usize::from(matches!(ev, Event::Response { .. }));
        }
    }
    assert_eq!(responses, 70_000);
    assert_eq!(s.stats().duplicates_suppressed, 0);
    assert_eq!(s.stats().requests_delivered, 70_000);
}
