//! Criterion bench: the CoAP endpoint state machine.
//!
//! - `coap_endpoint/con_exchange`: one CON GET and its piggybacked 2.05
//!   through an in-memory client+server pair (encode, parse, dedup cache,
//!   retransmission timer set and cancelled, events).
//! - `coap_endpoint/blockwise_64k_get` and `…_put`: a 64 KiB body fetched
//!   with Block2 / sent with Block1, 1024-byte blocks (64 exchanges).
//! - `coap_endpoint/reliable_exchange`: the same GET and 2.05 over an RFC
//!   8323 connection (`Transport::Reliable`: frames, no ACK, no timer).
//!
//! No peer crate offers a comparable sans-IO CoAP endpoint (coap-lite has
//! messages and a block handler but no reliability layer), so this bench has
//! no peer column.
use coap_codec::{Code, OptionEntry, OptionNumber, OptionValue};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use qos_engine::coap::{Config, Endpoint, Event, Request, Response, Transport};
use qos_engine::Instant;
use std::hint::black_box;

type Ep = Endpoint<u8, 4, 16, 1152>;

const PATH: [OptionEntry<'static>; 2] = [
    OptionEntry {
        number: OptionNumber::URI_PATH,
        value: OptionValue::Bytes(b"sensors"),
    },
    OptionEntry {
        number: OptionNumber::URI_PATH,
        value: OptionValue::Bytes(b"temp"),
    },
];

struct Pair {
    c: Box<Ep>,
    s: Box<Ep>,
    buf: [u8; 1154],
    rx: [u8; 1154],
    now: Instant,
    reliable: bool,
}

impl Pair {
    fn new() -> Self {
        Self::with(Transport::Udp)
    }

    fn with(transport: Transport) -> Self {
        let cfg = |seed| Config {
            seed,
            transport,
            ..Config::default()
        };
        let mut p = Pair {
            c: Box::new(Ep::new(cfg(1), Instant::ZERO)),
            s: Box::new(Ep::new(cfg(2), Instant::ZERO)),
            buf: [0; 1154],
            rx: [0; 1154],
            now: Instant::ZERO,
            reliable: transport == Transport::Reliable,
        };
        if p.reliable {
            // RFC 8323 §5.3: the CSM exchange opens the connection.
            p.c.open(p.now, 2).unwrap();
            p.s.open(p.now, 1).unwrap();
            p.pump(b"");
        }
        p
    }

    fn input(ep: &mut Ep, reliable: bool, now: Instant, from: u8, bytes: &[u8]) {
        if reliable {
            // Each transmit is one whole frame: consumed in one call.
            assert_eq!(ep.handle_stream(now, from, bytes), bytes.len());
        } else {
            ep.handle_datagram(now, from, bytes);
        }
    }

    /// Runs both endpoints until quiet; the server answers every request
    /// with `body` (sliced block-wise by the endpoint when large).
    fn pump(&mut self, body: &[u8]) -> usize {
        let mut responses = 0;
        loop {
            let mut moved = false;
            while let Some(t) = self.c.poll_transmit(self.now, &mut self.buf) {
                moved = true;
                self.rx[..t.len].copy_from_slice(&self.buf[..t.len]);
                Self::input(&mut self.s, self.reliable, self.now, 1, &self.rx[..t.len]);
                while let Some(ev) = self.s.poll_event() {
                    if let Event::Request {
                        id, method, block1, ..
                    } = ev
                    {
                        if block1.is_some_and(|b| b.more) {
                            continue;
                        }
                        let r = if method == Code::GET {
                            Response::new(Code::CONTENT, body)
                        } else {
                            Response::new(Code::CHANGED, b"")
                        };
                        self.s.respond(self.now, id, &r).unwrap();
                    }
                }
            }
            while let Some(t) = self.s.poll_transmit(self.now, &mut self.buf) {
                moved = true;
                self.rx[..t.len].copy_from_slice(&self.buf[..t.len]);
                Self::input(&mut self.c, self.reliable, self.now, 2, &self.rx[..t.len]);
                while let Some(ev) = self.c.poll_event() {
                    match ev {
                        Event::Response { .. } => responses += 1,
                        Event::UploadContinue { handle, .. } => {
                            self.c.continue_upload(self.now, handle, body).unwrap()
                        }
                        _ => {}
                    }
                }
            }
            if !moved {
                return responses;
            }
        }
    }
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("coap_endpoint");
    g.throughput(Throughput::Elements(1));
    g.bench_function("con_exchange", |b| {
        let mut p = Pair::new();
        b.iter(|| {
            p.c.request(p.now, 2, &Request::get(&PATH)).unwrap();
            black_box(p.pump(b"21.5 C"));
        })
    });
    g.bench_function("reliable_exchange", |b| {
        let mut p = Pair::with(Transport::Reliable);
        b.iter(|| {
            p.c.request(p.now, 2, &Request::get(&PATH)).unwrap();
            black_box(p.pump(b"21.5 C"));
        })
    });
    let body: Vec<u8> = (0..64 * 1024).map(|i| (i % 251) as u8).collect();
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_with_input(
        BenchmarkId::new("blockwise_64k_get", "szx6"),
        &body,
        |b, body| {
            let mut p = Pair::new();
            b.iter(|| {
                p.c.request(p.now, 2, &Request::get(&PATH)).unwrap();
                assert_eq!(p.pump(body), 64);
            })
        },
    );
    g.bench_with_input(
        BenchmarkId::new("blockwise_64k_put", "szx6"),
        &body,
        |b, body| {
            let mut p = Pair::new();
            b.iter(|| {
                p.c.request(p.now, 2, &Request::put(&PATH, body)).unwrap();
                assert_eq!(p.pump(body), 1);
            })
        },
    );
    g.finish();
    println!(
        "size_of::<Endpoint<SocketAddr>>() (N=4, D=16, M=1152) = {} bytes",
        std::mem::size_of::<Endpoint<std::net::SocketAddr>>()
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
