//! `mqcoap coap serve`: the in-memory resource store ([`crate::store`])
//! behind a CoAP server endpoint on a UDP socket. Block-wise transfer and
//! Observe bookkeeping are the endpoint's; this file maps requests to the
//! store, joins Block1 uploads, and notifies `/obs` observers every second.

use crate::opts::{CoapServe, Method};
use crate::say;
use crate::store::{Store, MAX_BODY, OBS_PATH};
use coap_codec::{Code, OptionEntry, OptionNumber, OptionValue};
use mqcoap::driver::{coap::Driver, Clock};
use qos_engine::coap::{Config, Endpoint, Event, Response};
use std::collections::HashMap;
use std::net::{SocketAddr, ToSocketAddrs};
use std::process::ExitCode;
use std::time::Duration;

/// The server endpoint: 16 observers / exchanges / uploads, 64 remembered
/// message ids for deduplication, 1152-byte messages.
type Server = Endpoint<SocketAddr, 16, 64, 1152>;

/// The tag of `/obs` among the endpoint's observed resources.
const OBS_RESOURCE: u16 = 1;
/// Uploads being joined at once; beyond it, an unfinished one is dropped.
const MAX_UPLOADS: usize = 16;

/// A request as the store sees it, copied out of the endpoint's buffer.
struct Incoming {
    path: String,
    payload: Vec<u8>,
    content_format: Option<u16>,
}

fn method_name(m: Method) -> &'static str {
    match m {
        Method::Get => "GET",
        Method::Post => "POST",
        Method::Put => "PUT",
        Method::Delete => "DELETE",
    }
}

/// `mqcoap coap serve --bind HOST:PORT`.
pub fn run(o: &CoapServe) -> ExitCode {
    let addr = match o.bind.to_socket_addrs().map(|mut a| a.next()) {
        Ok(Some(a)) => a,
        _ => {
            let host = o.bind.rsplit_once(':').map_or(o.bind.as_str(), |(h, _)| h);
            say!("unknown host {host:?}");
            return ExitCode::FAILURE;
        }
    };
    let clock = Clock::new();
    let mut d = match Driver::bind(addr, clock) {
        Ok(d) => d,
        Err(e) => {
            say!("cannot bind {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let cfg = Config {
        seed: u64::from(std::process::id()) ^ clock.now().as_micros(),
        max_body: MAX_BODY as u32,
        ..Config::default()
    };
    let mut ep: Box<Server> = Box::new(Endpoint::new(cfg, clock.now()));
    let local = d.local_addr().unwrap_or(addr);
    say!("serving CoAP on {local}: /.well-known/core, {OBS_PATH} (observable, changes every second), /large; PUT/POST create");
    match serve(&mut ep, &mut d) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            say!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn serve(ep: &mut Server, d: &mut Driver) -> std::io::Result<()> {
    let clock = d.clock();
    let mut store = Store::new();
    let mut uploads: HashMap<(SocketAddr, String), Vec<u8>> = HashMap::new();
    let mut tick: u64 = 0;
    let mut next_tick = clock.now() + Duration::from_secs(1);
    loop {
        d.send(ep)?;
        while let Some(ev) = ep.poll_event() {
            let Event::Request {
                id,
                peer,
                method,
                block1,
                observe,
                ..
            } = ev
            else {
                if let Event::ObserverRemoved { peer, reason, .. } = ev {
                    say!("{peer}: observation of {OBS_PATH} ended ({reason:?})");
                }
                continue;
            };
            let Some(m) = ep.message() else { continue };
            let req = Incoming {
                path: format!(
                    "/{}",
                    m.options_of(OptionNumber::URI_PATH)
                        .map(|o| String::from_utf8_lossy(o.value))
                        .collect::<Vec<_>>()
                        .join("/")
                ),
                payload: m.payload().to_vec(),
                content_format: m.content_format().ok().flatten(),
            };
            let now = clock.now();
            let Some(method) = Method::from_code(method.detail()).filter(|_| method.class() == 0)
            else {
                let _ = ep.respond(
                    now,
                    id,
                    &Response::new(Code::new(4, 5), b"method not allowed"),
                );
                continue;
            };
            // Join Block1 uploads; the endpoint answered 2.31 Continue to
            // every block but the last (RFC 7959 §2.3).
            let body = match block1 {
                Some(part) => {
                    let key = (peer, req.path.clone());
                    if part.offset == 0 {
                        if uploads.len() >= MAX_UPLOADS {
                            // Bounded: make room by dropping one unfinished upload.
                            let oldest = uploads.keys().next().cloned();
                            if let Some(k) = oldest {
                                uploads.remove(&k);
                            }
                        }
                        uploads.insert(key.clone(), Vec::new());
                    }
                    let Some(buf) = uploads.get_mut(&key) else {
                        // RFC 7959 §2.9.2: 4.08 Request Entity Incomplete.
                        let _ = ep.respond(now, id, &Response::new(Code::new(4, 8), b""));
                        continue;
                    };
                    if buf.len() != part.offset || buf.len() + req.payload.len() > MAX_BODY {
                        uploads.remove(&key);
                        let _ = ep.respond(now, id, &Response::new(Code::new(4, 8), b""));
                        continue;
                    }
                    buf.extend_from_slice(&req.payload);
                    if part.more {
                        continue;
                    }
                    uploads.remove(&key).unwrap_or_default()
                }
                None => req.payload,
            };
            let reply = store.handle(method, &req.path, &body, req.content_format, tick);
            let cf;
            let options: &[OptionEntry<'_>] = match reply.content_format {
                Some(c) => {
                    cf = [OptionEntry {
                        number: OptionNumber::CONTENT_FORMAT,
                        value: OptionValue::Uint(c.into()),
                    }];
                    &cf
                }
                None => &[],
            };
            let resp = Response::new(Code::new(reply.code.0, reply.code.1), &reply.payload)
                .options(options);
            let registering =
                method == Method::Get && observe == Some(0) && Store::is_observable(&req.path);
            let result = if registering {
                ep.register_observer(now, id, OBS_RESOURCE, &resp)
                    .map(|ok| if ok { " (observing)" } else { "" })
            } else {
                ep.respond(now, id, &resp).map(|()| "")
            };
            match result {
                Ok(note) => say!(
                    "{peer} {} {} -> {}.{:02}{note}",
                    method_name(method),
                    req.path,
                    reply.code.0,
                    reply.code.1
                ),
                Err(e) => say!(
                    "{peer} {} {}: cannot respond: {e}",
                    method_name(method),
                    req.path
                ),
            }
        }
        let now = clock.now();
        if now >= next_tick {
            tick += 1;
            next_tick = next_tick + Duration::from_secs(1);
            if next_tick < now {
                next_tick = now + Duration::from_secs(1); // we were away; don't burst
            }
            let body = Store::obs_body(tick);
            let cf = [OptionEntry {
                number: OptionNumber::CONTENT_FORMAT,
                value: OptionValue::Uint(0),
            }];
            let _ = ep.notify(
                now,
                OBS_RESOURCE,
                &Response::new(Code::CONTENT, &body).options(&cf),
                false,
            );
            continue;
        }
        d.send(ep)?; // the responses just made
        d.receive(ep, Some(next_tick))?;
    }
}
