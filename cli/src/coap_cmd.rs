//! `mqcoap coap get|put|post|delete`: one CoAP request (or observation)
//! over a UDP socket, driven by the endpoint's polls.

use crate::opts::CoapRequest;
use crate::say;
use coap_codec::{Code, OptionEntry, OptionNumber, OptionValue};
use mqcoap::driver::{coap::Driver, Clock};
use qos_engine::coap::{Config, Endpoint, Event, Failure, Handle, Request};
use std::io::Write;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::process::ExitCode;
use std::time::Duration;

/// The client endpoint: 4 exchanges, 16 dedup entries, 1152-byte messages.
type Client = Endpoint<SocketAddr, 4, 16, 1152>;

/// How long to wait for a server to confirm a deregistration before leaving.
const DEREGISTER_WAIT: Duration = Duration::from_secs(5);

/// Exit status 2: no response arrived (CLI contract).
fn no_response() -> ExitCode {
    ExitCode::from(2)
}

/// A seed for token and message-id generation: RFC 7252 §5.3.1 wants tokens
/// hard to guess, and the engine takes its randomness from the caller.
fn seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    // RandomState is seeded from the OS's entropy source.
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.finish()
}

/// `Content (2.05)`-style text for a response code.
pub fn code_text(code: Code) -> String {
    match code.name() {
        Some(name) => format!("{code} {name}"),
        None => code.to_string(),
    }
}

fn resolve(o: &CoapRequest) -> Result<SocketAddr, String> {
    let addrs: Vec<SocketAddr> = (o.uri.host.as_str(), o.uri.port)
        .to_socket_addrs()
        .map(Iterator::collect)
        .unwrap_or_default();
    addrs
        .first()
        .copied()
        .ok_or_else(|| format!("unknown host {:?}", o.uri.host))
}

struct Output {
    /// The body being assembled from Block2 blocks.
    body: Vec<u8>,
    /// Representations printed so far (responses or notifications).
    printed: u32,
    /// The latest response code.
    last_code: Option<Code>,
}

impl Output {
    fn print(&mut self) -> std::io::Result<()> {
        let mut out = std::io::stdout().lock();
        out.write_all(&self.body)?;
        out.write_all(b"\n")?;
        out.flush()?;
        self.body.clear();
        self.printed += 1;
        Ok(())
    }
}

/// `mqcoap coap get|put|post|delete`.
pub fn run(o: &CoapRequest) -> ExitCode {
    let server = match resolve(o) {
        Ok(a) => a,
        Err(msg) => {
            say!("{msg}");
            return ExitCode::FAILURE;
        }
    };
    let clock = Clock::new();
    let mut d = match Driver::client(server, clock) {
        Ok(d) => d,
        Err(e) => {
            say!("cannot open a UDP socket towards {server}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut cfg = Config {
        seed: seed(),
        ..Config::default()
    };
    // Wait no longer for a separate or NON response than a CON exchange may
    // take (MAX_TRANSMIT_WAIT, 93 s by default) rather than EXCHANGE_LIFETIME.
    cfg.response_timeout = cfg.params.max_transmit_wait();
    let mut ep: Box<Client> = Box::new(Endpoint::new(cfg, clock.now()));

    // RFC 7252 §6.4: Uri-Host only when the host is not an IP literal.
    let host_is_ip = o.uri.host.parse::<IpAddr>().is_ok();
    let mut options: Vec<OptionEntry<'_>> = Vec::new();
    if !host_is_ip {
        options.push(OptionEntry {
            number: OptionNumber::URI_HOST,
            value: OptionValue::Bytes(o.uri.host.as_bytes()),
        });
    }
    for seg in &o.uri.path {
        options.push(OptionEntry {
            number: OptionNumber::URI_PATH,
            value: OptionValue::Bytes(seg.as_bytes()),
        });
    }
    for q in &o.uri.query {
        options.push(OptionEntry {
            number: OptionNumber::URI_QUERY,
            value: OptionValue::Bytes(q.as_bytes()),
        });
    }
    if let Some(cf) = o.content_format {
        options.push(OptionEntry {
            number: OptionNumber::CONTENT_FORMAT,
            value: OptionValue::Uint(cf.into()),
        });
    }
    let req = Request {
        method: Code::new(0, o.method.code()),
        confirmable: !o.non,
        token: o.token.as_deref(),
        options: &options,
        payload: &o.payload,
        block_szx: o.block1.or(o.block2),
    };
    let started = if o.observe.is_some() {
        ep.observe(clock.now(), server, &req)
    } else {
        ep.request(clock.now(), server, &req)
    };
    let handle = match started {
        Ok(h) => h,
        Err(e) => {
            say!("cannot send the request: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut out = Output {
        body: Vec::new(),
        printed: 0,
        last_code: None,
    };
    match exchange(o, &mut ep, &mut d, handle, &mut out) {
        Ok(code) => code,
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            say!("no response: {server} is unreachable (ICMP port unreachable: nothing listens there)");
            no_response()
        }
        Err(e) => {
            say!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn exchange(
    o: &CoapRequest,
    ep: &mut Client,
    d: &mut Driver,
    handle: Handle,
    out: &mut Output,
) -> std::io::Result<ExitCode> {
    let clock = d.clock();
    let want = o.observe.unwrap_or(1);
    let mut retransmissions = 0;
    let mut leave_at: Option<qos_engine::Instant> = None;
    loop {
        d.send(ep)?;
        let r = ep.stats().retransmissions;
        if r > retransmissions {
            retransmissions = r;
            let max = ep.config().params.max_retransmit;
            say!("no answer yet, retransmitting ({r} of {max})");
        }
        while let Some(ev) = ep.poll_event() {
            match ev {
                Event::Response {
                    handle: h,
                    code,
                    part,
                    observe,
                    last,
                    ..
                } if h == handle => {
                    if let Some(m) = ep.message() {
                        out.body.extend_from_slice(m.payload());
                    }
                    if part.is_some_and(|p| p.more) && !last {
                        continue; // the endpoint asks for the next block itself
                    }
                    if out.last_code != Some(code) || o.observe.is_none() {
                        say!(
                            "{}{}",
                            code_text(code),
                            observe
                                .map(|n| format!(" (observe {n})"))
                                .unwrap_or_default()
                        );
                    }
                    out.last_code = Some(code);
                    if out.printed < want {
                        out.print()?;
                    } else {
                        out.body.clear();
                    }
                    if last || !code.is_success() {
                        return Ok(status(out));
                    }
                    if out.printed >= want && leave_at.is_none() {
                        // RFC 7641 §3.6: deregister explicitly, then leave.
                        if ep.deregister(clock.now(), handle).is_err() {
                            return Ok(status(out));
                        }
                        leave_at = Some(clock.now() + DEREGISTER_WAIT);
                    }
                }
                Event::UploadContinue { handle: h, .. } if h == handle => {
                    if let Err(e) = ep.continue_upload(clock.now(), handle, &o.payload) {
                        say!("cannot send the next block: {e}");
                        return Ok(ExitCode::FAILURE);
                    }
                }
                Event::Failed { handle: h, reason } if h == handle => {
                    return Ok(match reason {
                        Failure::Timeout | Failure::ResponseTimeout if out.printed == 0 => {
                            say!("no response after the last retransmission ({reason:?})");
                            no_response()
                        }
                        Failure::Timeout | Failure::ResponseTimeout => {
                            say!("the observation ended: no response ({reason:?})");
                            status(out)
                        }
                        Failure::Reset => {
                            say!("the server rejected the request with a Reset");
                            ExitCode::FAILURE
                        }
                        Failure::BadResponse => {
                            say!("the response could not be accepted (unknown critical option or bad block)");
                            ExitCode::FAILURE
                        }
                        Failure::Internal => {
                            say!("the exchange could not continue (message too large)");
                            ExitCode::FAILURE
                        }
                    });
                }
                _ => {}
            }
        }
        d.send(ep)?;
        if let Some(t) = leave_at {
            if !ep.is_alive(handle) || clock.now() >= t {
                return Ok(status(out));
            }
        }
        d.receive(ep, leave_at)?;
    }
}

fn status(out: &Output) -> ExitCode {
    match out.last_code {
        Some(c) if c.is_success() => ExitCode::SUCCESS,
        _ => ExitCode::FAILURE,
    }
}
