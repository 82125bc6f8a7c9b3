//! `mqcoap mqtt pub|sub`: an MQTT client session over a real TCP connection,
//! with optional reconnection that resumes the session.
//!
//! Ctrl-C: the process keeps the default SIGINT action (it ends at once).
//! Nothing is lost by that which a handler could save — the CLI keeps no
//! state on disk, and a persistent session lives on at the broker — and the
//! broker sees a lost connection, which is what a Will is for. So no signal
//! crate is needed.

use crate::opts::{MqttCommon, MqttPub, MqttSub};
use crate::say;
use mqcoap::driver::mqtt::{ConnectError, Driver};
use mqcoap::driver::Clock;
use mqtt_codec::{ProtocolLevel, QoS, ReasonCode, Subscription, SubscriptionOptions};
use qos_engine::mqtt::{
    CommandError, Config, ConnectOptions, DisconnectCause, Event, PublishOptions, Session,
    WillOptions,
};
use std::io::Write;
use std::num::NonZeroU16;
use std::process::ExitCode;
use std::time::Duration;

/// The CLI's session: 1024 messages in flight each way (a Receive Maximum
/// with room for a fast broker), 256 KiB to keep outgoing ones until
/// acknowledged, and a 256 KiB receive buffer (our Maximum Packet Size).
pub type CliSession = Session<1024, { 256 * 1024 }, { 256 * 1024 }>;

/// The largest payload `mqtt pub --size` accepts: what fits the store with
/// room for the topic and header.
pub const MAX_PAYLOAD: usize = 256 * 1024 - 1024;

/// First and longest pause between reconnection attempts.
const BACKOFF_MIN: Duration = Duration::from_millis(200);
const BACKOFF_MAX: Duration = Duration::from_secs(5);

fn qos(q: u8) -> QoS {
    QoS::from_u8(q).unwrap_or(QoS::AtMostOnce)
}

fn level_name(level: u8) -> &'static str {
    if level == 5 {
        "MQTT 5.0"
    } else {
        "MQTT 3.1.1"
    }
}

/// A CONNACK refusal in the words of the connection's protocol level.
fn refusal(level: u8, rc: ReasonCode) -> String {
    if level == 5 {
        return format!("{} (reason code 0x{:02X})", rc.name(), rc.as_u8());
    }
    let name = match rc.to_v3_connack() {
        Some(1) => "unacceptable protocol version",
        Some(2) => "identifier rejected",
        Some(3) => "server unavailable",
        Some(4) => "bad user name or password",
        Some(5) => "not authorized",
        _ => rc.name(),
    };
    format!(
        "{name} (return code {})",
        rc.to_v3_connack().unwrap_or(rc.as_u8())
    )
}

/// A socket error in plain words.
fn io_text(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::ConnectionReset => "the broker reset the connection".to_owned(),
        K::BrokenPipe | K::UnexpectedEof => "the broker closed the connection".to_owned(),
        K::ConnectionAborted => "the connection was aborted".to_owned(),
        _ => e.to_string(),
    }
}

fn cause_text(level: u8, cause: DisconnectCause) -> String {
    match cause {
        DisconnectCause::Local(_) => "closed by us".to_owned(),
        DisconnectCause::Peer(rc) => format!("the broker disconnected: {}", refusal(level, rc)),
        DisconnectCause::ProtocolViolation(rc) => {
            format!("the broker broke the protocol ({})", rc.name())
        }
        DisconnectCause::Timeout => "the broker went silent (keep-alive timeout)".to_owned(),
        DisconnectCause::TransportClosed => "connection closed".to_owned(),
        DisconnectCause::Refused(rc) => format!("connection refused: {}", refusal(level, rc)),
    }
}

/// What `pub` and `sub` plug into the shared connection loop.
trait App {
    /// A connection reached CONNACK.
    fn connected(&mut self, session_present: bool);
    /// An event the loop does not handle itself. `Err` ends the run (exit 1).
    fn event(&mut self, ev: &Event<'_>) -> Result<(), String>;
    /// Queue work on the session; `Ok(true)` when the job is done.
    fn work(&mut self, s: &mut CliSession, now: qos_engine::Instant) -> Result<bool, String>;
    /// The final summary line, after a clean finish.
    fn summary(&self) -> Option<String>;
    /// Exit status after a clean finish.
    fn status(&self) -> ExitCode {
        ExitCode::SUCCESS
    }
}

/// How one connection ended.
enum End {
    /// The application's job is done and DISCONNECT was sent.
    Done,
    /// The connection went away (cause when the session knows it).
    Lost(Option<DisconnectCause>, Option<String>),
    /// Give up now with this message.
    Fatal(String),
}

fn run(common: &MqttCommon, app: &mut dyn App) -> ExitCode {
    let clock = Clock::new();
    let level = if common.level == 5 {
        ProtocolLevel::V5
    } else {
        ProtocolLevel::V4
    };
    let mut cfg = Config::client(level);
    cfg.manual_ack = true;
    let mut s: Box<CliSession> = Box::new(Session::new(cfg, clock.now()));
    // A session is resumable only if the broker keeps it: with --reconnect,
    // 3.1.1 needs Clean Session 0 from the start, and 5.0 a Session Expiry
    // Interval that outlives the gap (set back to 0 when we finish, unless
    // the user asked for a persistent session).
    // The first connection starts clean unless asked not to (or unless
    // 3.1.1 must keep the session from the start); every reconnection
    // resumes ("clean start off").
    let keep_from_start = common.persistent || (common.reconnect && common.level == 4);
    let clean_first = !keep_from_start;
    let expiry = match (common.persistent, common.reconnect) {
        (false, true) => common.session_expiry.max(3600),
        _ => common.session_expiry,
    };
    let final_expiry = (common.level == 5 && common.reconnect && !common.persistent).then_some(0);
    let will = common.will.as_ref().map(|w| WillOptions {
        topic: &w.topic,
        payload: &w.message,
        qos: qos(w.qos),
        retain: w.retain,
        properties: mqtt_codec::Properties::EMPTY,
    });
    let mut backoff = BACKOFF_MIN;
    let mut attempts: u32 = 0;
    loop {
        attempts += 1;
        if attempts == 1 {
            say!(
                "connecting to {} ({}, client id {:?})",
                common.broker,
                level_name(common.level),
                common.client_id
            );
        }
        let connections_before = s.stats().connections;
        let end = match Driver::connect(&common.broker, clock) {
            Err(e @ ConnectError::UnknownHost(_)) => End::Fatal(e.to_string()),
            Err(e) => End::Lost(None, Some(e.to_string())),
            Ok(mut d) => {
                let now = clock.now();
                s.handle_transport_up(now);
                let opts = ConnectOptions {
                    clean_start: clean_first && s.stats().connections == 0,
                    keep_alive: common.keep_alive,
                    session_expiry: expiry,
                    will,
                    ..ConnectOptions::new(&common.client_id)
                };
                match s.connect(now, &opts) {
                    Err(e) => End::Fatal(format!("cannot send CONNECT: {e}")),
                    Ok(()) => connection(&mut s, &mut d, app, final_expiry),
                }
            }
        };
        let (cause, io) = match end {
            End::Done => {
                if let Some(line) = app.summary() {
                    say!("{line}");
                }
                return app.status();
            }
            End::Fatal(msg) => {
                say!("{msg}");
                return ExitCode::FAILURE;
            }
            End::Lost(cause, io) => (cause, io),
        };
        if s.stats().connections > connections_before {
            backoff = BACKOFF_MIN; // that connection worked: start over
        }
        if let Some(DisconnectCause::Refused(rc)) = cause {
            // Refusals that may pass are retried; the others need a person.
            let transient = matches!(rc, ReasonCode::ServerUnavailable | ReasonCode::ServerBusy);
            if !common.reconnect || !transient {
                say!(
                    "the broker refused the connection: {}",
                    refusal(common.level, rc)
                );
                return ExitCode::FAILURE;
            }
        }
        let why = match (cause, io) {
            (_, Some(io)) => io,
            (Some(c), None) => cause_text(common.level, c),
            (None, None) => "connection closed".to_owned(),
        };
        let lost = if s.stats().connections > 0 {
            "connection lost: "
        } else {
            ""
        };
        if !common.reconnect {
            say!("{lost}{why}");
            return ExitCode::FAILURE;
        }
        say!(
            "{lost}{why}; reconnecting in {:.1}s (attempt {})",
            backoff.as_secs_f64(),
            attempts + 1
        );
        std::thread::sleep(backoff);
        backoff = (backoff * 2).min(BACKOFF_MAX);
    }
}

/// Runs one connection until the job is done or the connection ends.
fn connection(
    s: &mut CliSession,
    d: &mut Driver,
    app: &mut dyn App,
    final_expiry: Option<u32>,
) -> End {
    let clock = d.clock();
    let mut cause = None;
    let mut done = false;
    loop {
        let mut fatal = None;
        while let Some(ev) = s.poll_event() {
            match ev {
                Event::Connected {
                    session_present,
                    properties,
                } => {
                    let assigned = properties
                        .assigned_client_identifier()
                        .map(|id| format!(", assigned client id {id:?}"))
                        .unwrap_or_default();
                    let present = if session_present { "yes" } else { "no" };
                    say!("connected (session present: {present}{assigned})");
                    app.connected(session_present);
                }
                Event::Disconnected(c) => cause = Some(c),
                Event::SessionDiscarded { dropped } if dropped > 0 => {
                    say!("the broker had no session for us: {dropped} unacknowledged message(s) dropped");
                }
                Event::PeerError(e) => say!("protocol error from the broker: {e:?}"),
                other => {
                    if let Err(msg) = app.event(&other) {
                        fatal = Some(msg);
                    }
                }
            }
        }
        // Queue work and write it, again and again while that moves bytes:
        // writing frees room for more (QoS 0 messages are done once
        // written, so no input would wake us up for them).
        loop {
            let sent_before = s.stats().bytes_sent;
            if fatal.is_none() && !done && s.is_connected() {
                match app.work(s, clock.now()) {
                    Ok(true) => {
                        done = true;
                        let _ = s.disconnect(clock.now(), ReasonCode::Success, final_expiry);
                    }
                    Ok(false) => {}
                    Err(msg) => fatal = Some(msg),
                }
            }
            if let Some(msg) = fatal {
                let _ = s.disconnect(clock.now(), ReasonCode::UnspecifiedError, final_expiry);
                let _ = d.send(s);
                return End::Fatal(msg);
            }
            if let Err(e) = d.send(s) {
                return End::Lost(cause, Some(io_text(&e)));
            }
            if s.stats().bytes_sent == sent_before || !d.is_open() {
                break;
            }
        }
        if !d.is_open() {
            // Drain what the close produced (the Disconnected event).
            while let Some(ev) = s.poll_event() {
                if let Event::Disconnected(c) = ev {
                    cause = cause.or(Some(c));
                }
            }
            if done {
                return End::Done;
            }
            return End::Lost(cause, d.lost_because().map(io_text));
        }
        if let Err(e) = d.receive(s) {
            return End::Lost(cause, Some(io_text(&e)));
        }
    }
}

struct Pub<'a> {
    o: &'a MqttPub,
    next: u64,
    acked: u64,
    refused: u64,
    dropped: u64,
}

impl App for Pub<'_> {
    fn connected(&mut self, _session_present: bool) {}

    fn event(&mut self, ev: &Event<'_>) -> Result<(), String> {
        match *ev {
            Event::Published { packet_id, reason } => {
                self.acked += 1;
                // 0x10 No matching subscribers is a success; 0x80+ are not.
                if reason.is_error() {
                    self.refused += 1;
                    say!(
                        "message with packet id {packet_id} refused: {}",
                        reason.name()
                    );
                }
            }
            Event::PublishDropped { .. } => {
                self.dropped += 1;
                say!("a message was dropped unsent: larger than the broker's Maximum Packet Size or QoS");
            }
            _ => {}
        }
        Ok(())
    }

    fn work(&mut self, s: &mut CliSession, now: qos_engine::Instant) -> Result<bool, String> {
        let total = self.o.messages();
        let c = &self.o.common;
        while self.next <= total {
            let payload = self.o.payload(self.next);
            let msg = PublishOptions {
                retain: self.o.retain,
                ..PublishOptions::new(&c.topic, &payload, qos(c.qos))
            };
            match s.publish(now, &msg) {
                Ok(_) => self.next += 1,
                Err(CommandError::InflightFull | CommandError::BufferFull) => break,
                Err(e) => return Err(format!("cannot publish message {}: {e}", self.next)),
            }
        }
        Ok(self.next > total && s.inflight() == 0)
    }

    fn summary(&self) -> Option<String> {
        let n = self.o.messages();
        let q = self.o.common.qos;
        Some(if q == 0 {
            format!("published {n} message(s) at QoS 0")
        } else {
            format!(
                "published {n} message(s) at QoS {q}, {} acknowledged",
                self.acked
            )
        })
    }

    fn status(&self) -> ExitCode {
        if self.refused + self.dropped > 0 {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        }
    }
}

struct Sub<'a> {
    o: &'a MqttSub,
    received: u64,
    /// SUBSCRIBE is due (a new session, or the last one was lost).
    subscribe: bool,
    /// Messages printed whose acknowledgement is still to be queued.
    to_ack: Vec<NonZeroU16>,
    out: std::io::Stdout,
}

impl Sub<'_> {
    fn full(&self) -> bool {
        self.o.count.is_some_and(|c| self.received >= c)
    }
}

impl App for Sub<'_> {
    fn connected(&mut self, session_present: bool) {
        if session_present {
            say!(
                "session resumed: subscription to {} kept by the broker",
                self.o.common.topic
            );
        } else {
            self.subscribe = true;
        }
    }

    fn event(&mut self, ev: &Event<'_>) -> Result<(), String> {
        match *ev {
            Event::Subscribed { reason_codes, .. } => {
                let rc = reason_codes
                    .iter()
                    .next()
                    .unwrap_or(ReasonCode::UnspecifiedError);
                if rc.is_error() {
                    return Err(format!(
                        "subscription to {} refused: {}",
                        self.o.common.topic,
                        rc.name()
                    ));
                }
                say!(
                    "subscribed to {} (granted QoS {})",
                    self.o.common.topic,
                    rc.as_u8()
                );
            }
            Event::RequestLost { .. } => self.subscribe = true,
            Event::Message {
                payload, packet_id, ..
            } => {
                // Past --count, leave messages unacknowledged: a persistent
                // session gets them again next time instead of losing them.
                if self.full() {
                    return Ok(());
                }
                self.received += 1;
                let mut out = self.out.lock();
                let written = out
                    .write_all(payload)
                    .and_then(|()| out.write_all(b"\n"))
                    .and_then(|()| out.flush());
                if let Err(e) = written {
                    return Err(format!("cannot write to standard output: {e}"));
                }
                if let Some(pid) = packet_id {
                    self.to_ack.push(pid);
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn work(&mut self, s: &mut CliSession, now: qos_engine::Instant) -> Result<bool, String> {
        if !self.to_ack.is_empty() {
            for pid in self.to_ack.drain(..) {
                // NotAwaitingAck: the connection that carried it is gone;
                // the broker redelivers, and the session does not hand a
                // QoS 2 message over twice.
                let _ = s.ack(now, pid, ReasonCode::Success);
            }
            // Let the acknowledgements go out before a DISCONNECT can.
            return Ok(false);
        }
        if self.subscribe {
            let c = &self.o.common;
            let sub = [Subscription {
                filter: c.topic.as_str().into(),
                options: SubscriptionOptions::new(qos(c.qos)),
            }];
            s.subscribe(now, &sub, mqtt_codec::Properties::EMPTY)
                .map_err(|e| format!("cannot subscribe to {}: {e}", c.topic))?;
            self.subscribe = false;
        }
        Ok(self.full())
    }

    fn summary(&self) -> Option<String> {
        None
    }
}

/// `mqcoap mqtt pub`.
pub fn publish(o: &MqttPub) -> ExitCode {
    let mut app = Pub {
        o,
        next: 1,
        acked: 0,
        refused: 0,
        dropped: 0,
    };
    run(&o.common, &mut app)
}

/// `mqcoap mqtt sub`.
pub fn subscribe(o: &MqttSub) -> ExitCode {
    let mut app = Sub {
        o,
        received: 0,
        subscribe: false,
        to_ack: Vec::new(),
        out: std::io::stdout(),
    };
    run(&o.common, &mut app)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connack_refusals_use_the_words_of_the_connection_level() {
        // 3.1.1 §3.2.2.3 return code 5 / 5.0 §3.2.2.2 reason code 0x87.
        assert_eq!(
            refusal(4, ReasonCode::NotAuthorized),
            "not authorized (return code 5)"
        );
        assert_eq!(
            refusal(5, ReasonCode::NotAuthorized),
            "Not authorized (reason code 0x87)"
        );
        assert_eq!(
            refusal(4, ReasonCode::ClientIdentifierNotValid),
            "identifier rejected (return code 2)"
        );
        assert_eq!(refusal(5, ReasonCode::Banned), "Banned (reason code 0x8A)");
    }

    #[test]
    fn socket_errors_read_as_sentences() {
        let reset = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        assert_eq!(io_text(&reset), "the broker reset the connection");
        let eof = std::io::Error::from(std::io::ErrorKind::UnexpectedEof);
        assert_eq!(io_text(&eof), "the broker closed the connection");
    }
}
