//! Property tests of the endpoint's contract over random event sequences:
//! `poll_timeout` announces exactly when `handle_timeout` has work, an early
//! `handle_timeout` changes nothing, and no sequence of inputs panics.

use coap_codec::{Code, OptionEntry, OptionNumber, OptionValue};
use proptest::prelude::*;
use qos_engine::coap::{Config, Endpoint, Event, Handle, Request, RequestId, Response};
use qos_engine::{Duration, Instant};

type Ep = Endpoint<u8, 4, 8, 512>;

const PATH: [OptionEntry<'static>; 1] = [OptionEntry {
    number: OptionNumber::URI_PATH,
    value: OptionValue::Bytes(b"p"),
}];

#[derive(Debug, Clone)]
enum Op {
    /// A request from the client (kind selects GET/POST/observe, CON/NON, body size).
    Request(u8, u16),
    /// Deliver the i-th datagram in flight (kept in flight if `dup`).
    Deliver(usize, bool),
    /// Lose the i-th datagram in flight.
    Lose(usize),
    /// Advance virtual time.
    Advance(u32),
    /// Server application answers the i-th open request (or accepts it).
    Respond(usize, u8),
    /// Server notifies observers.
    Notify(bool),
    /// Client cancels / deregisters the i-th handle.
    Cancel(usize, bool),
    /// Garbage datagram to either side.
    Garbage(bool, Vec<u8>),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        1 => (any::<u8>(), 0u16..3000).prop_map(|(k, n)| Op::Request(k, n)),
        4 => (any::<usize>(), any::<bool>()).prop_map(|(i, d)| Op::Deliver(i, d)),
        1 => any::<usize>().prop_map(Op::Lose),
        2 => (0u32..120_000).prop_map(Op::Advance),
        2 => (any::<usize>(), any::<u8>()).prop_map(|(i, k)| Op::Respond(i, k)),
        1 => any::<bool>().prop_map(Op::Notify),
        1 => (any::<usize>(), any::<bool>()).prop_map(|(i, d)| Op::Cancel(i, d)),
        1 => (any::<bool>(), proptest::collection::vec(any::<u8>(), 0..40)).prop_map(|(s, b)| Op::Garbage(s, b)),
    ]
}

struct World {
    c: Box<Ep>,
    s: Box<Ep>,
    now: Instant,
    /// (to_server, bytes)
    flight: Vec<(bool, Vec<u8>)>,
    open: Vec<RequestId>,
    handles: Vec<Handle>,
}

impl World {
    fn drain(&mut self) {
        for _ in 0..100 {
            let before = self.flight.len();
            let more = self.drain_once();
            if !more && self.flight.len() == before {
                return;
            }
        }
        panic!("outputs never drain");
    }

    /// One pass over both endpoints' outputs; true if an event was handled.
    fn drain_once(&mut self) -> bool {
        let mut handled = false;
        let mut buf = [0u8; 512];
        for to_server in [true, false] {
            let ep = if to_server { &mut self.c } else { &mut self.s };
            let mut n = 0;
            while let Some(t) = ep.poll_transmit(self.now, &mut buf) {
                assert!(t.len <= 512);
                self.flight.push((to_server, buf[..t.len].to_vec()));
                n += 1;
                assert!(n < 1000, "poll_transmit does not end");
            }
        }
        while let Some(ev) = self.s.poll_event() {
            handled = true;
            if let Event::Request { id, .. } = ev {
                self.open.push(id);
            }
        }
        while let Some(ev) = self.c.poll_event() {
            handled = true;
            if let Event::UploadContinue { handle, .. } = ev {
                let _ = self.c.continue_upload(self.now, handle, &[7u8; 3000]);
            }
        }
        handled
    }

    /// `handle_timeout` before the announced deadline is a no-op; at the
    /// deadline it does something (an output, or a later deadline).
    fn check_timers(&mut self) {
        for side in 0..2 {
            let ep = if side == 0 { &mut self.c } else { &mut self.s };
            let Some(t) = ep.poll_timeout() else { continue };
            if t > self.now {
                let before = (ep.stats(), ep.poll_timeout());
                ep.handle_timeout(self.now);
                let mut buf = [0u8; 512];
                assert!(
                    ep.poll_transmit(self.now, &mut buf).is_none(),
                    "early timeout transmitted"
                );
                assert!(ep.poll_event().is_none(), "early timeout produced an event");
                assert_eq!(
                    (ep.stats(), ep.poll_timeout()),
                    before,
                    "early timeout changed state"
                );
            }
        }
    }

    fn step(&mut self, op: Op) {
        match op {
            Op::Request(k, n) => {
                let body = [7u8; 3000];
                let mut r = match k % 4 {
                    0 => Request::get(&PATH),
                    1 => Request::post(&PATH, &body[..usize::from(n)]),
                    2 => Request::get(&PATH).block_szx(k % 7),
                    _ => Request::put(&PATH, &body[..usize::from(n)]).block_szx(k % 7),
                };
                r.confirmable = k & 0x10 == 0;
                let h = if k & 0x20 != 0 {
                    self.c.observe(self.now, 2, &r)
                } else {
                    self.c.request(self.now, 2, &r)
                };
                if let Ok(h) = h {
                    self.handles.push(h);
                }
            }
            Op::Deliver(i, dup) => {
                if !self.flight.is_empty() {
                    let i = i % self.flight.len();
                    let (to_server, bytes) = if dup {
                        self.flight[i].clone()
                    } else {
                        self.flight.remove(i)
                    };
                    if to_server {
                        self.s.handle_datagram(self.now, 1, &bytes);
                    } else {
                        self.c.handle_datagram(self.now, 2, &bytes);
                    }
                }
            }
            Op::Lose(i) => {
                if !self.flight.is_empty() {
                    let i = i % self.flight.len();
                    self.flight.remove(i);
                }
            }
            Op::Advance(ms) => {
                self.now = self.now + Duration::from_millis(u64::from(ms));
                self.c.handle_timeout(self.now);
                self.s.handle_timeout(self.now);
            }
            Op::Respond(i, k) => {
                if !self.open.is_empty() {
                    let id = self.open[i % self.open.len()];
                    let body = [9u8; 2500];
                    let r = Response::new(
                        if k & 1 == 0 {
                            Code::CONTENT
                        } else {
                            Code::NOT_FOUND
                        },
                        &body[..usize::from(k) * 9],
                    );
                    let _ = match k % 3 {
                        0 => self.s.respond(self.now, id, &r),
                        1 => self.s.accept(self.now, id),
                        _ => self.s.register_observer(self.now, id, 1, &r).map(|_| ()),
                    };
                }
            }
            Op::Notify(con) => {
                let _ = self
                    .s
                    .notify(self.now, 1, &Response::new(Code::CONTENT, b"n"), con);
            }
            Op::Cancel(i, dereg) => {
                if !self.handles.is_empty() {
                    let h = self.handles[i % self.handles.len()];
                    let _ = if dereg {
                        self.c.deregister(self.now, h)
                    } else {
                        self.c.cancel(self.now, h)
                    };
                }
            }
            Op::Garbage(to_server, bytes) => {
                if to_server {
                    self.s.handle_datagram(self.now, 1, &bytes);
                } else {
                    self.c.handle_datagram(self.now, 2, &bytes);
                }
            }
        }
        self.drain();
        self.check_timers();
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// Any sequence of inputs: no panic, an early timeout is a no-op, and the
    /// deadline `poll_timeout` announces is one `handle_timeout` acts on.
    #[test]
    fn poll_timeout_matches_handle_timeout_and_nothing_panics(ops in proptest::collection::vec(op(), 1..120)) {
        let now = Instant::from_secs(5);
        let mut w = World {
            c: Box::new(Ep::new(Config { seed: 1, ..Config::default() }, now)),
            s: Box::new(Ep::new(Config { seed: 2, ..Config::default() }, now)),
            now,
            flight: Vec::new(),
            open: Vec::new(),
            handles: Vec::new(),
        };
        for op in ops {
            w.step(op);
        }
        // Run the timers out: every announced deadline is acted on, and the
        // endpoints go quiet within a bounded number of steps.
        for _ in 0..10_000 {
            let next = [w.c.poll_timeout(), w.s.poll_timeout()].into_iter().flatten().min();
            let Some(t) = next else { break };
            prop_assert!(t >= w.now || t <= w.now, "deadline is an instant");
            let before = (w.c.stats(), w.s.stats(), w.c.poll_timeout(), w.s.poll_timeout());
            w.now = w.now.max(t);
            w.c.handle_timeout(w.now);
            w.s.handle_timeout(w.now);
            let mut buf = [0u8; 512];
            let mut out = 0;
            while w.c.poll_transmit(w.now, &mut buf).is_some() { out += 1; }
            while w.s.poll_transmit(w.now, &mut buf).is_some() { out += 1; }
            while w.c.poll_event().is_some() { out += 1; }
            while w.s.poll_event().is_some() { out += 1; }
            let after = (w.c.stats(), w.s.stats(), w.c.poll_timeout(), w.s.poll_timeout());
            prop_assert!(out > 0 || after != before, "deadline {t:?} announced but nothing to do");
            w.flight.clear();
        }
    }

    /// Time given out of order never makes the endpoint run backwards.
    #[test]
    fn time_never_runs_backwards(steps in proptest::collection::vec(0u64..400_000, 1..60)) {
        let mut c = Box::new(Ep::new(Config::default(), Instant::ZERO));
        c.request(Instant::ZERO, 2, &Request::get(&PATH)).unwrap();
        let mut buf = [0u8; 512];
        let mut latest = Instant::ZERO;
        let mut last_deadline = c.poll_timeout();
        for ms in steps {
            let t = Instant::from_millis(ms);
            latest = latest.max(t);
            c.handle_timeout(t);
            while c.poll_transmit(t, &mut buf).is_some() {}
            while c.poll_event().is_some() {}
            let d = c.poll_timeout();
            if let (Some(a), Some(b)) = (last_deadline, d) {
                prop_assert!(b >= a, "deadline moved backwards");
            }
            if let Some(b) = d {
                prop_assert!(b > latest, "a due deadline was left unhandled");
            }
            last_deadline = d;
        }
    }
}
