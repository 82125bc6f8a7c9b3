//! Endpoint configuration: the RFC 7252 §4.8 transmission parameters, the
//! values derived from them (§4.8.2), and the endpoint's own policies.

use crate::time::Duration;

/// The CoAP transmission parameters of RFC 7252 §4.8, all configurable
/// (§4.8.1 "Changing the Parameters").
///
/// The defaults are the RFC's table: ACK_TIMEOUT 2 s, ACK_RANDOM_FACTOR 1.5,
/// MAX_RETRANSMIT 4, NSTART 1, DEFAULT_LEISURE 5 s, PROBING_RATE 1 byte/s,
/// plus MAX_LATENCY 100 s and PROCESSING_DELAY = ACK_TIMEOUT (§4.8.2).
///
/// ```
/// use qos_engine::coap::TransmissionParameters;
/// use qos_engine::Duration;
/// let p = TransmissionParameters::default();
/// assert_eq!(p.max_transmit_span(), Duration::from_secs(45));
/// assert_eq!(p.max_transmit_wait(), Duration::from_secs(93));
/// assert_eq!(p.max_rtt(), Duration::from_secs(202));
/// assert_eq!(p.exchange_lifetime(), Duration::from_secs(247));
/// assert_eq!(p.non_lifetime(), Duration::from_secs(145));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TransmissionParameters {
    /// ACK_TIMEOUT: the initial retransmission timeout's lower bound.
    pub ack_timeout: Duration,
    /// ACK_RANDOM_FACTOR in thousandths (1500 = 1.5). "ACK_RANDOM_FACTOR MUST
    /// NOT be decreased below 1.0" (§4.8.1): values below 1000 act as 1000.
    pub ack_random_factor_milli: u32,
    /// MAX_RETRANSMIT: retransmissions of a Confirmable message before failure.
    pub max_retransmit: u8,
    /// NSTART: outstanding interactions per peer (§4.7). 0 acts as 1.
    pub nstart: u8,
    /// DEFAULT_LEISURE: spread of responses to multicast requests (§8.2).
    pub default_leisure: Duration,
    /// PROBING_RATE in bytes per second towards a peer that does not respond
    /// (§4.7). When a Non-confirmable request goes unanswered, the next
    /// request to that peer waits until the unanswered bytes, counted from
    /// when they were sent, average out to this rate (or until the peer
    /// sends anything). 0 acts as 1.
    pub probing_rate: u32,
    /// MAX_LATENCY: the longest a datagram is expected to be in flight (§4.8.2).
    pub max_latency: Duration,
    /// PROCESSING_DELAY: how long a node takes to turn a CON into an ACK (§4.8.2).
    pub processing_delay: Duration,
}

impl Default for TransmissionParameters {
    fn default() -> Self {
        TransmissionParameters {
            ack_timeout: Duration::from_secs(2),
            ack_random_factor_milli: 1500,
            max_retransmit: 4,
            nstart: 1,
            default_leisure: Duration::from_secs(5),
            probing_rate: 1,
            max_latency: Duration::from_secs(100),
            processing_delay: Duration::from_secs(2),
        }
    }
}

fn mul_milli(d: Duration, milli: u32) -> Duration {
    let us = d.as_micros().saturating_mul(u128::from(milli)) / 1000;
    Duration::from_micros(u64::try_from(us).unwrap_or(u64::MAX))
}

fn mul_u64(d: Duration, k: u64) -> Duration {
    let us = d.as_micros().saturating_mul(u128::from(k));
    Duration::from_micros(u64::try_from(us).unwrap_or(u64::MAX))
}

impl TransmissionParameters {
    /// ACK_RANDOM_FACTOR in thousandths, clamped to at least 1.0 (§4.8.1).
    pub fn random_factor_milli(&self) -> u32 {
        self.ack_random_factor_milli.max(1000)
    }

    /// MAX_RETRANSMIT clamped to 20, so that 2^(MAX_RETRANSMIT+1) stays finite.
    fn retransmit(&self) -> u32 {
        u32::from(self.max_retransmit.min(20))
    }

    /// The largest initial timeout: ACK_TIMEOUT × ACK_RANDOM_FACTOR.
    pub fn max_initial_timeout(&self) -> Duration {
        mul_milli(self.ack_timeout, self.random_factor_milli())
    }

    /// MAX_TRANSMIT_SPAN = ACK_TIMEOUT × (2^MAX_RETRANSMIT − 1) × ACK_RANDOM_FACTOR:
    /// "the maximum time from the first transmission of a Confirmable message
    /// to its last retransmission" (§4.8.2).
    pub fn max_transmit_span(&self) -> Duration {
        mul_u64(self.max_initial_timeout(), (1u64 << self.retransmit()) - 1)
    }

    /// MAX_TRANSMIT_WAIT = ACK_TIMEOUT × (2^(MAX_RETRANSMIT + 1) − 1) ×
    /// ACK_RANDOM_FACTOR: "the maximum time from the first transmission of a
    /// Confirmable message to the time when the sender gives up on receiving
    /// an acknowledgement or reset" (§4.8.2).
    pub fn max_transmit_wait(&self) -> Duration {
        mul_u64(
            self.max_initial_timeout(),
            (1u64 << (self.retransmit() + 1)) - 1,
        )
    }

    /// MAX_RTT = 2 × MAX_LATENCY + PROCESSING_DELAY (§4.8.2).
    pub fn max_rtt(&self) -> Duration {
        mul_u64(self.max_latency, 2).saturating_add(self.processing_delay)
    }

    /// EXCHANGE_LIFETIME = MAX_TRANSMIT_SPAN + 2 × MAX_LATENCY +
    /// PROCESSING_DELAY: "the time from starting to send a Confirmable message
    /// to the time when an acknowledgement is no longer expected, i.e.,
    /// message-layer information about the message exchange can be purged"
    /// (§4.8.2). Also the deduplication window for Confirmable messages.
    pub fn exchange_lifetime(&self) -> Duration {
        self.max_transmit_span().saturating_add(self.max_rtt())
    }

    /// NON_LIFETIME = MAX_TRANSMIT_SPAN + MAX_LATENCY: "the time from sending a
    /// Non-confirmable message to the time its Message ID can be safely
    /// reused" (§4.8.2). Also the deduplication window for NON messages.
    pub fn non_lifetime(&self) -> Duration {
        self.max_transmit_span().saturating_add(self.max_latency)
    }
}

/// Everything an [`Endpoint`](super::Endpoint) is configured with. Build with
/// `Config::default()` and change fields; every field has a safe default.
///
/// ```
/// use qos_engine::coap::Config;
/// use qos_engine::Duration;
/// let mut cfg = Config::default();
/// cfg.seed = 42; // from the caller's entropy source in production
/// cfg.params.ack_timeout = Duration::from_millis(500);
/// assert_eq!(cfg.params.max_transmit_wait(), Duration::from_micros(23_250_000));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// The RFC 7252 §4.8 transmission parameters.
    pub params: TransmissionParameters,
    /// Seed of the endpoint's [`Rng`](crate::Rng): retransmission jitter, the
    /// first Message ID and generated tokens all come from it. Seed from real
    /// entropy in production (RFC 7252 §5.3.1 wants tokens hard to guess).
    pub seed: u64,
    /// Length of generated tokens, 0–8 bytes (default 4).
    pub token_len: u8,
    /// How long the server side waits for the application's response to a
    /// Confirmable request before sending an Empty ACK and switching to a
    /// separate response (RFC 7252 §5.2.2). Default: ACK_TIMEOUT / 2, so the
    /// ACK arrives before the client's first retransmission.
    pub piggyback_window: Duration,
    /// How long a client waits for the response once its request was
    /// acknowledged with an Empty ACK, or after sending a NON request. Default
    /// EXCHANGE_LIFETIME (247 s).
    pub response_timeout: Duration,
    /// Largest block size exponent this endpoint sends or asks for (RFC 7959
    /// §2.2: size = 2^(SZX+4)); 0–6, default 6 (1024 bytes).
    pub max_szx: u8,
    /// Largest request body the server side accepts through Block1 (RFC 7959
    /// §2.9.3: bigger transfers get 4.13 with Size1 = this value).
    pub max_body: u32,
    /// The server sends a notification as Confirmable at least this often
    /// (RFC 7641 §4.5: "at least every 24 hours"). Default 24 h.
    pub observe_con_interval: Duration,
    /// Max-Age assumed for a notification without the option (RFC 7252 §5.10.5: 60 s).
    pub default_max_age: Duration,
    /// A client re-registers an observation this long after the last
    /// notification's Max-Age expired without a fresher one (RFC 7641 §3.3.1).
    pub reregister_margin: Duration,
    /// UDP (RFC 7252 messaging, the default) or one reliable byte-stream
    /// connection (RFC 8323: TCP, TLS).
    pub transport: Transport,
}

/// How messages travel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Transport {
    /// Datagrams (RFC 7252): Message IDs, CON retransmission, ACK/RST,
    /// deduplication. Inputs through `Endpoint::handle_datagram`.
    #[default]
    Udp,
    /// One reliable, ordered byte stream (RFC 8323 CoAP over TCP/TLS): no
    /// message types, Message IDs, retransmission or deduplication; a CSM
    /// opens the connection; Ping/Pong, Release and Abort signaling. The
    /// endpoint stands for one connection: inputs through
    /// `Endpoint::handle_stream`, frames out of `Endpoint::poll_transmit`.
    Reliable,
    /// RFC 8323 CoAP over WebSockets (§4): as [`Transport::Reliable`], but
    /// each CoAP message is one whole WebSocket binary message (no Len
    /// field): `Endpoint::handle_stream` takes one message per call and
    /// `Endpoint::poll_transmit` gives one per call; the WebSocket framing
    /// itself is the driver's.
    WebSocket,
}

impl Transport {
    /// RFC 8323: a reliable, ordered connection (TCP/TLS or WebSockets).
    pub const fn is_reliable(self) -> bool {
        matches!(self, Transport::Reliable | Transport::WebSocket)
    }
}

impl Default for Config {
    fn default() -> Self {
        let params = TransmissionParameters::default();
        Config {
            params,
            seed: 0x5EED_C0A9,
            token_len: 4,
            piggyback_window: params.ack_timeout / 2,
            response_timeout: params.exchange_lifetime(),
            max_szx: 6,
            max_body: 64 * 1024,
            observe_con_interval: Duration::from_secs(24 * 3600),
            default_max_age: Duration::from_secs(60),
            reregister_margin: Duration::from_secs(2),
            transport: Transport::Udp,
        }
    }
}

impl Config {
    /// `max_szx` clamped to 0–6 (7 is reserved, RFC 7959 §2.2).
    pub(crate) fn szx(&self) -> u8 {
        self.max_szx.min(6)
    }
    /// `token_len` clamped to 0–8.
    pub(crate) fn token_len(&self) -> usize {
        usize::from(self.token_len.min(8))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7252_4_8_2_derived_values_for_default_parameters() {
        let p = TransmissionParameters::default();
        assert_eq!(p.max_initial_timeout(), Duration::from_secs(3));
        assert_eq!(p.max_transmit_span(), Duration::from_secs(45));
        assert_eq!(p.max_transmit_wait(), Duration::from_secs(93));
        assert_eq!(p.max_rtt(), Duration::from_secs(202));
        assert_eq!(p.exchange_lifetime(), Duration::from_secs(247));
        assert_eq!(p.non_lifetime(), Duration::from_secs(145));
    }

    #[test]
    fn random_factor_below_one_is_clamped_rfc7252_4_8_1() {
        let p = TransmissionParameters {
            ack_random_factor_milli: 200,
            ..TransmissionParameters::default()
        };
        assert_eq!(p.max_initial_timeout(), Duration::from_secs(2));
        assert_eq!(p.max_transmit_wait(), Duration::from_secs(62));
    }

    #[test]
    fn extreme_parameters_saturate_instead_of_overflowing() {
        let p = TransmissionParameters {
            ack_timeout: Duration::MAX,
            ack_random_factor_milli: u32::MAX,
            max_retransmit: u8::MAX,
            max_latency: Duration::MAX,
            processing_delay: Duration::MAX,
            ..TransmissionParameters::default()
        };
        assert!(p.exchange_lifetime() >= p.max_transmit_span());
        assert!(p.non_lifetime() >= p.max_transmit_span());
    }
}
