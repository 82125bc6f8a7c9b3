//! Fuzz body for the `coap_endpoint` cargo-fuzz target: an arbitrary script
//! of datagrams, commands and time steps against a client+server endpoint,
//! checking the contract after every step (no panic, `poll_timeout` never
//! earlier than the clock after `handle_timeout`, bounded output).

use arbitrary::Arbitrary;
use coap_codec::{Code, OptionEntry, OptionNumber, OptionValue};

use super::{Config, Endpoint, Event, Handle, Request, RequestId, Response, Transport};
use crate::time::{Duration, Instant};

/// One step of a fuzz script.
#[derive(Arbitrary, Debug, Clone)]
pub enum Op {
    /// A datagram from peer `from` (0–3) with these bytes.
    Datagram {
        /// Sender.
        from: u8,
        /// Bytes.
        bytes: std::vec::Vec<u8>,
    },
    /// Time advances by this many milliseconds, then `handle_timeout`.
    Advance(u32),
    /// Time given as going backwards (must be clamped).
    Rewind(u16),
    /// A client request.
    Request {
        /// Peer.
        to: u8,
        /// Method code detail (1–7).
        method: u8,
        /// CON or NON.
        confirmable: bool,
        /// Body length (filled with a pattern).
        body_len: u16,
        /// Block size exponent.
        szx: Option<u8>,
        /// Observe instead of a plain request.
        observe: bool,
    },
    /// Respond to the n-th request seen (any code).
    Respond {
        /// Index into the requests seen.
        which: u8,
        /// Response code.
        code: u8,
        /// Body length.
        body_len: u16,
        /// Register as observer.
        observe: bool,
    },
    /// Empty ACK for the n-th request seen.
    Accept(u8),
    /// Notify observers of resource 0.
    Notify {
        /// Confirmable.
        confirmable: bool,
        /// Response code.
        code: u8,
    },
    /// Cancel / deregister / reregister the n-th handle.
    Cancel {
        /// Index into handles.
        which: u8,
        /// 0 cancel, 1 deregister, 2 reregister.
        how: u8,
    },
    /// Loop the endpoint's own output back into it as if from `from`.
    Echo(u8),
    /// RFC 8323 commands (reliable transport): 0 open, 1 ping, 2 release,
    /// 3 abort.
    Signal(u8),
}

/// Runs a script over UDP. Panics only if the endpoint breaks its contract.
pub fn run(ops: &[Op]) {
    run_with(ops, Transport::Udp);
}

/// Runs a script with the given transport; with [`Transport::Reliable`]
/// datagrams are stream bytes for [`Endpoint::handle_stream`] (the part it
/// does not consume is kept and prepended to the next), and every peer is 0.
pub fn run_with(ops: &[Op], transport: Transport) {
    let reliable = transport.is_reliable();
    let cfg = Config {
        transport,
        ..Config::default()
    };
    let mut ep: Endpoint<u8, 4, 8, 512> = Endpoint::new(cfg, Instant::ZERO);
    let mut now = Instant::from_secs(1);
    let mut buf = [0u8; 514];
    let mut pending: std::vec::Vec<u8> = std::vec::Vec::new();
    let mut input = |ep: &mut Endpoint<u8, 4, 8, 512>, now: Instant, from: u8, bytes: &[u8]| {
        if reliable {
            pending.extend_from_slice(bytes);
            let n = ep.handle_stream(now, 0, &pending);
            assert!(n <= pending.len());
            pending.drain(..n);
            // Bounded: a stalled stream is dropped like a dead connection.
            if pending.len() > 4096 {
                pending.clear();
            }
        } else {
            ep.handle_datagram(now, from % 4, bytes);
        }
    };
    let peer = |p: u8| if reliable { 0 } else { p % 4 };
    let mut reqs: std::vec::Vec<RequestId> = std::vec::Vec::new();
    let mut handles: std::vec::Vec<Handle> = std::vec::Vec::new();
    let body = [0x5Au8; 4096];
    let path = [OptionEntry {
        number: OptionNumber::URI_PATH,
        value: OptionValue::Bytes(b"r"),
    }];
    for op in ops.iter().take(256) {
        let mut loopback: Option<(u8, std::vec::Vec<u8>)> = None;
        match op {
            Op::Datagram { from, bytes } => input(&mut ep, now, *from, bytes),
            Op::Advance(ms) => {
                now = now + Duration::from_millis(u64::from(*ms));
                let before = ep.poll_timeout();
                ep.handle_timeout(now);
                if let (Some(b), Some(a)) = (before, ep.poll_timeout()) {
                    // Every deadline that was due has been handled (or a
                    // full event queue holds it back until drained).
                    assert!(a > now || b <= now);
                }
            }
            Op::Rewind(ms) => {
                let t = now.saturating_sub(Duration::from_millis(u64::from(*ms)));
                ep.handle_timeout(t);
            }
            Op::Request {
                to,
                method,
                confirmable,
                body_len,
                szx,
                observe,
            } => {
                let mut r = Request::new(Code::new(0, 1 + method % 7), &path);
                r.confirmable = *confirmable;
                r.payload = &body[..usize::from(*body_len) % body.len()];
                r.block_szx = *szx;
                let h = if *observe {
                    ep.observe(now, peer(*to), &r)
                } else {
                    ep.request(now, peer(*to), &r)
                };
                if let Ok(h) = h {
                    handles.push(h);
                }
            }
            Op::Respond {
                which,
                code,
                body_len,
                observe,
            } => {
                if let Some(id) = reqs.get(usize::from(*which)).copied() {
                    let r =
                        Response::new(Code(*code), &body[..usize::from(*body_len) % body.len()]);
                    let _ = if *observe {
                        ep.register_observer(now, id, 0, &r).map(|_| ())
                    } else {
                        ep.respond(now, id, &r)
                    };
                }
            }
            Op::Accept(which) => {
                if let Some(id) = reqs.get(usize::from(*which)).copied() {
                    let _ = ep.accept(now, id);
                }
            }
            Op::Notify { confirmable, code } => {
                let _ = ep.notify(now, 0, &Response::new(Code(*code), b"n"), *confirmable);
            }
            Op::Cancel { which, how } => {
                if let Some(h) = handles.get(usize::from(*which)).copied() {
                    let _ = match how % 3 {
                        0 => ep.cancel(now, h),
                        1 => ep.deregister(now, h),
                        _ => ep.reregister(now, h),
                    };
                }
            }
            Op::Signal(which) => {
                let _ = match which % 4 {
                    0 => ep.open(now, 0),
                    1 => ep.ping(now),
                    2 => ep.release(now),
                    _ => ep.abort(now),
                };
            }
            Op::Echo(from) => {
                if let Some(t) = ep.poll_transmit(now, &mut buf) {
                    loopback = Some((*from, buf[..t.len].to_vec()));
                }
            }
        }
        let mut sent = 0;
        while let Some(t) = ep.poll_transmit(now, &mut buf) {
            assert!(t.len <= buf.len());
            sent += 1;
            assert!(sent < 10_000, "poll_transmit never ends");
        }
        let mut n = 0;
        while let Some(ev) = ep.poll_event() {
            n += 1;
            assert!(n < 10_000, "poll_event never ends");
            if let Event::Request { id, .. } = ev {
                let _ = ep.message();
                if reqs.len() < 64 {
                    reqs.push(id);
                }
            }
        }
        if let Some((from, bytes)) = loopback {
            input(&mut ep, now, from, &bytes);
        }
    }
}

/// Decodes a script from raw fuzz input and runs it.
pub fn run_bytes(data: &[u8]) {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let transport = match first % 3 {
        0 => Transport::Udp,
        1 => Transport::Reliable,
        _ => Transport::WebSocket,
    };
    let mut u = arbitrary::Unstructured::new(rest);
    if let Ok(ops) = std::vec::Vec::<Op>::arbitrary(&mut u) {
        run_with(&ops, transport);
    }
}
