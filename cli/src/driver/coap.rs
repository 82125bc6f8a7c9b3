//! A CoAP endpoint over a blocking `std::net::UdpSocket`.
//!
//! ```no_run
//! use mqcoap::driver::{coap::Driver, Clock};
//! use qos_engine::coap::{Config, Endpoint, Event, Request};
//! use coap_codec::{OptionEntry, OptionNumber, OptionValue};
//! use std::net::SocketAddr;
//!
//! # fn main() -> std::io::Result<()> {
//! let clock = Clock::new();
//! let server: SocketAddr = "127.0.0.1:5683".parse().unwrap();
//! let mut driver = Driver::client(server, clock)?;
//! let mut endpoint: Endpoint<SocketAddr> = Endpoint::new(Config { seed: 42, ..Config::default() }, clock.now());
//! let path = [OptionEntry { number: OptionNumber::URI_PATH, value: OptionValue::Bytes(b"time") }];
//! endpoint.request(clock.now(), server, &Request::get(&path)).expect("a free exchange slot");
//! 'run: loop {
//!     driver.send(&mut endpoint)?;                 // poll_transmit → socket
//!     while let Some(event) = endpoint.poll_event() {
//!         match event {
//!             Event::Response { last: true, .. } => {
//!                 let body = endpoint.message().map(|m| m.payload().to_vec()).unwrap_or_default();
//!                 println!("{}", String::from_utf8_lossy(&body));
//!                 break 'run;
//!             }
//!             Event::Failed { reason, .. } => panic!("{reason:?}"),
//!             _ => {}
//!         }
//!     }
//!     driver.receive(&mut endpoint, None)?;        // socket or timer → handle_datagram / handle_timeout
//! }
//! # Ok(())
//! # }
//! ```

use super::{is_timeout, Clock};
use qos_engine::coap::Endpoint;
use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

/// One UDP socket carrying a CoAP [`Endpoint`] whose peers are
/// `SocketAddr`s: see the module docs.
#[derive(Debug)]
pub struct Driver {
    socket: UdpSocket,
    clock: Clock,
    /// A client's socket is connected to its one server, so that the
    /// kernel reports an ICMP "port unreachable" as an error.
    connected: Option<SocketAddr>,
    out: Vec<u8>,
    inbuf: Vec<u8>,
}

impl Driver {
    /// A server socket bound to `addr`.
    pub fn bind(addr: SocketAddr, clock: Clock) -> io::Result<Driver> {
        Ok(Driver::new(UdpSocket::bind(addr)?, None, clock))
    }

    /// A client socket on an ephemeral port, connected to `server`.
    pub fn client(server: SocketAddr, clock: Clock) -> io::Result<Driver> {
        let local: SocketAddr = if server.is_ipv4() {
            (std::net::Ipv4Addr::UNSPECIFIED, 0).into()
        } else {
            (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
        };
        let socket = UdpSocket::bind(local)?;
        socket.connect(server)?;
        Ok(Driver::new(socket, Some(server), clock))
    }

    fn new(socket: UdpSocket, connected: Option<SocketAddr>, clock: Clock) -> Driver {
        Driver {
            socket,
            clock,
            connected,
            out: vec![0; 2048],
            inbuf: vec![0; 2048],
        }
    }

    /// The socket's local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket.local_addr()
    }

    /// The driver's clock.
    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// Sends every datagram the endpoint has queued (`poll_transmit` until
    /// `None`). A client's error for an unreachable server is returned.
    pub fn send<const N: usize, const D: usize, const M: usize>(
        &mut self,
        endpoint: &mut Endpoint<SocketAddr, N, D, M>,
    ) -> io::Result<()> {
        if self.out.len() < M {
            self.out.resize(M, 0);
        }
        while let Some(t) = endpoint.poll_transmit(self.clock.now(), &mut self.out) {
            let bytes = &self.out[..t.len];
            let sent = match self.connected {
                Some(peer) if peer == t.peer => self.socket.send(bytes),
                _ => self.socket.send_to(bytes, t.peer),
            };
            match sent {
                Ok(_) => {}
                // A server must not stop because one client went away.
                Err(_) if self.connected.is_none() => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Waits until a datagram arrives, the endpoint's next deadline passes,
    /// or `wake` (the application's own timer), and hands it to the endpoint
    /// (`handle_datagram`, then `handle_timeout`, which is a no-op when
    /// nothing is due). Drain `poll_event` before calling again: the endpoint
    /// drops a datagram that arrives while events are unread.
    pub fn receive<const N: usize, const D: usize, const M: usize>(
        &mut self,
        endpoint: &mut Endpoint<SocketAddr, N, D, M>,
        wake: Option<qos_engine::Instant>,
    ) -> io::Result<()> {
        let deadline = match (endpoint.poll_timeout(), wake) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let wait = deadline.map(|d| self.clock.until(d));
        if wait != Some(Duration::ZERO) {
            self.socket
                .set_read_timeout(wait.map(|w| w.max(Duration::from_millis(1))))?;
            match self.socket.recv_from(&mut self.inbuf) {
                Ok((n, from)) => endpoint.handle_datagram(self.clock.now(), from, &self.inbuf[..n]),
                Err(e) if is_timeout(&e) || e.kind() == io::ErrorKind::Interrupted => {}
                // An ICMP error for a datagram to some client: not ours to fix.
                Err(_) if self.connected.is_none() => {}
                Err(e) => return Err(e),
            }
        }
        endpoint.handle_timeout(self.clock.now());
        Ok(())
    }
}
