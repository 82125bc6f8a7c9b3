//! An MQTT session over a blocking `std::net::TcpStream`.
//!
//! The whole embedding is this loop — the session does the protocol, the
//! driver moves bytes and time:
//!
//! ```no_run
//! use mqcoap::driver::{mqtt::Driver, Clock};
//! use mqtt_codec::{ProtocolLevel, QoS};
//! use qos_engine::mqtt::{Config, ConnectOptions, Event, PublishOptions, Session};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let clock = Clock::new();
//! let mut session: Box<Session> = Box::new(Session::new(Config::client(ProtocolLevel::V5), clock.now()));
//! let mut driver = Driver::connect("127.0.0.1:1883", clock)?;
//! session.handle_transport_up(clock.now());
//! session.connect(clock.now(), &ConnectOptions::new("sensor-1")).expect("fresh session");
//! session.publish(clock.now(), &PublishOptions::new("t/temp", b"21.5", QoS::ExactlyOnce)).expect("room");
//! while driver.is_open() {
//!     while let Some(event) = session.poll_event() {
//!         if let Event::Published { .. } = event {
//!             // PUBCOMP: delivered exactly once. Say goodbye.
//!         }
//!     }
//!     if session.inflight() == 0 && session.is_connected() {
//!         let _ = session.disconnect(clock.now(), mqtt_codec::ReasonCode::Success, None);
//!     }
//!     driver.send(&mut session)?;     // poll_transmit → socket
//!     driver.receive(&mut session)?;  // socket or timer → handle_bytes / handle_timeout
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Reconnecting is making a new `Driver` and calling
//! `handle_transport_up` + `connect` on the *same* session with
//! `clean_start: false`: the session resends what was not acknowledged.

use super::{is_timeout, Clock};
use qos_engine::mqtt::Session;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

/// How long [`Driver::connect`] waits for the TCP handshake per address.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Why [`Driver::connect`] failed, in words a person can act on.
#[derive(Debug)]
pub enum ConnectError {
    /// The host name does not resolve (or resolves to no address).
    UnknownHost(String),
    /// Every address refused the connection (nothing listens on the port).
    Refused(SocketAddr),
    /// Another I/O error (unreachable network, handshake timeout, …).
    Io(SocketAddr, io::Error),
}

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConnectError::UnknownHost(h) => write!(f, "unknown host {h:?}"),
            ConnectError::Refused(a) => {
                write!(f, "connection refused by {a} (is the broker running?)")
            }
            ConnectError::Io(a, e) if is_timeout(e) => {
                write!(f, "no answer from {a} within {CONNECT_TIMEOUT:?}")
            }
            ConnectError::Io(a, e) => write!(f, "cannot connect to {a}: {e}"),
        }
    }
}

impl std::error::Error for ConnectError {}

/// One TCP connection carrying an MQTT [`Session`]: see the module docs.
///
/// The session is passed to each call rather than owned, so that it outlives
/// the connection: a reconnect is a new `Driver` for the same session.
#[derive(Debug)]
pub struct Driver {
    stream: TcpStream,
    clock: Clock,
    out: Vec<u8>,
    inbuf: Vec<u8>,
    /// Received bytes the session has not taken yet: `inbuf[start..end]`.
    start: usize,
    end: usize,
    open: bool,
    /// Why the connection ended, when the socket said so.
    lost: Option<io::Error>,
}

/// Resolves `addr` and opens a TCP connection to the first address that
/// accepts, each attempt bounded by [`CONNECT_TIMEOUT`].
pub fn tcp_connect(addr: &str) -> Result<TcpStream, ConnectError> {
    let addrs: Vec<SocketAddr> = match addr.to_socket_addrs() {
        Ok(a) => a.collect(),
        Err(_) => Vec::new(),
    };
    if addrs.is_empty() {
        let host = addr.rsplit_once(':').map_or(addr, |(h, _)| h);
        return Err(ConnectError::UnknownHost(host.to_owned()));
    }
    let mut last = None;
    for a in addrs {
        match TcpStream::connect_timeout(&a, CONNECT_TIMEOUT) {
            Ok(s) => return Ok(s),
            Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
                last = Some(ConnectError::Refused(a))
            }
            Err(e) => last = Some(ConnectError::Io(a, e)),
        }
    }
    Err(last.expect("at least one address was tried"))
}

impl Driver {
    /// Connects to `addr` (`host:port`) over TCP.
    pub fn connect(addr: &str, clock: Clock) -> Result<Driver, ConnectError> {
        Ok(Driver::new(tcp_connect(addr)?, clock))
    }

    /// Drives an already connected stream.
    pub fn new(stream: TcpStream, clock: Clock) -> Driver {
        let _ = stream.set_nodelay(true);
        Driver {
            stream,
            clock,
            out: Vec::new(),
            inbuf: vec![0; 64 * 1024],
            start: 0,
            end: 0,
            open: true,
            lost: None,
        }
    }

    /// The driver's clock (the one given to `new`).
    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// Whether the connection is still up.
    pub fn is_open(&self) -> bool {
        self.open
    }

    /// The socket error that ended the connection, if one did.
    pub fn lost_because(&self) -> Option<&io::Error> {
        self.lost.as_ref()
    }

    /// Writes everything the session wants to send (`poll_transmit` until
    /// `None`). When a transmit says `close`, shuts the socket down and
    /// reports `handle_transport_down`. A write error is treated the same
    /// way (the connection is gone) and returned.
    pub fn send<const I: usize, const B: usize, const R: usize>(
        &mut self,
        session: &mut Session<I, B, R>,
    ) -> io::Result<()> {
        if self.out.len() < Session::<I, B, R>::TRANSMIT_BUF {
            self.out.resize(Session::<I, B, R>::TRANSMIT_BUF, 0);
        }
        while self.open {
            let now = self.clock.now();
            let Some(t) = session.poll_transmit(now, &mut self.out) else {
                break;
            };
            if let Err(e) = self.stream.write_all(&self.out[..t.len]) {
                self.down(session, Some(e));
                break;
            }
            if t.close {
                self.down(session, None);
            }
        }
        Ok(())
    }

    /// Waits until bytes arrive or the session's next deadline passes, and
    /// hands either to the session (`handle_bytes` / `handle_timeout`).
    /// Bytes the session could not take yet (its receive buffer was full)
    /// are offered again on the next call, before the socket is read. At
    /// end of stream or on a socket error the session is told
    /// `handle_transport_down`; check [`Driver::is_open`].
    pub fn receive<const I: usize, const B: usize, const R: usize>(
        &mut self,
        session: &mut Session<I, B, R>,
    ) -> io::Result<()> {
        self.receive_until(session, None)
    }

    /// [`Driver::receive`], waking no later than `wake` (the application's
    /// own timer) even when the session has no deadline before it.
    pub fn receive_until<const I: usize, const B: usize, const R: usize>(
        &mut self,
        session: &mut Session<I, B, R>,
        wake: Option<qos_engine::Instant>,
    ) -> io::Result<()> {
        if !self.open {
            return Ok(());
        }
        if self.start < self.end {
            let n = session.handle_bytes(self.clock.now(), &self.inbuf[self.start..self.end]);
            self.start += n;
            return Ok(());
        }
        let deadline = match (session.poll_timeout(), wake) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let wait = deadline.map(|d| self.clock.until(d));
        if wait == Some(Duration::ZERO) {
            session.handle_timeout(self.clock.now());
            return Ok(());
        }
        // A zero read timeout means "block forever" to std: use 1 ms at least.
        self.stream
            .set_read_timeout(wait.map(|w| w.max(Duration::from_millis(1))))?;
        match self.stream.read(&mut self.inbuf) {
            Ok(0) => self.down(session, None),
            Ok(n) => {
                let now = self.clock.now();
                let taken = session.handle_bytes(now, &self.inbuf[..n]);
                (self.start, self.end) = (taken, n);
                session.handle_timeout(now);
            }
            Err(e) if is_timeout(&e) || e.kind() == io::ErrorKind::Interrupted => {
                session.handle_timeout(self.clock.now());
            }
            Err(e) => self.down(session, Some(e)),
        }
        Ok(())
    }

    /// Closes the connection from our side without a DISCONNECT (what a
    /// crash or a cut cable looks like to the peer).
    pub fn abort<const I: usize, const B: usize, const R: usize>(
        &mut self,
        session: &mut Session<I, B, R>,
    ) {
        self.down(session, None);
    }

    fn down<const I: usize, const B: usize, const R: usize>(
        &mut self,
        session: &mut Session<I, B, R>,
        err: Option<io::Error>,
    ) {
        if self.open {
            self.open = false;
            let _ = self.stream.shutdown(Shutdown::Both);
            session.handle_transport_down(self.clock.now());
        }
        if self.lost.is_none() {
            self.lost = err;
        }
    }
}
