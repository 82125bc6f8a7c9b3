//! Typed options for every subcommand, parsed and checked before any socket
//! is opened, so that a usage mistake always exits 2 with the usage text.

use crate::args::{Args, Parsed, UsageError};
use crate::uri::CoapUri;

/// What a `mqtt pub` sends as payloads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Body {
    /// `--message TEXT`: `TEXT`, or `TEXT-1` … `TEXT-N` with `--count`.
    Text(String),
    /// `--size BYTES`: that many bytes, beginning with the sequence number.
    Size(usize),
}

/// A last will (an extension of the contract's flags: `--will-topic`,
/// `--will-message`, `--will-qos`, `--will-retain`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Will {
    /// Topic the broker publishes the will to.
    pub topic: String,
    /// The will payload.
    pub message: Vec<u8>,
    /// QoS of the will message.
    pub qos: u8,
    /// Whether the will message is retained.
    pub retain: bool,
}

/// Options shared by `mqtt pub` and `mqtt sub`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MqttCommon {
    /// `HOST:PORT` as given.
    pub broker: String,
    /// Topic name (pub) or filter (sub).
    pub topic: String,
    /// 0, 1 or 2.
    pub qos: u8,
    /// Protocol level, 4 (3.1.1) or 5.
    pub level: u8,
    /// Client identifier.
    pub client_id: String,
    /// Keep alive in seconds (0 disables it).
    pub keep_alive: u16,
    /// `--no-clean`: resume the broker's session state.
    pub persistent: bool,
    /// Session expiry interval (level 5 only).
    pub session_expiry: u32,
    /// `--reconnect`: re-establish lost connections and resume the session.
    pub reconnect: bool,
    /// Optional last will.
    pub will: Option<Will>,
}

/// `mqtt pub` options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MqttPub {
    /// Shared options.
    pub common: MqttCommon,
    /// `--count N`, when given.
    pub count: Option<u64>,
    /// Payload source.
    pub body: Body,
    /// `--retain`.
    pub retain: bool,
}

impl MqttPub {
    /// Number of messages to publish.
    pub fn messages(&self) -> u64 {
        self.count.unwrap_or(1)
    }

    /// The payload of message `seq` (1-based).
    pub fn payload(&self, seq: u64) -> Vec<u8> {
        match (&self.body, self.count) {
            (Body::Text(t), None) => t.clone().into_bytes(),
            (Body::Text(t), Some(_)) => format!("{t}-{seq}").into_bytes(),
            (Body::Size(n), _) => {
                let mut p = format!("{seq} ").into_bytes();
                p.resize(*n, b'x');
                p
            }
        }
    }
}

/// `mqtt sub` options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MqttSub {
    /// Shared options.
    pub common: MqttCommon,
    /// `--count N`: exit after N messages.
    pub count: Option<u64>,
}

/// A CoAP request method of the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// GET (0.01)
    Get,
    /// POST (0.02)
    Post,
    /// PUT (0.03)
    Put,
    /// DELETE (0.04)
    Delete,
}

impl Method {
    /// The method's code detail (class 0).
    pub fn code(self) -> u8 {
        match self {
            Method::Get => 1,
            Method::Post => 2,
            Method::Put => 3,
            Method::Delete => 4,
        }
    }

    /// The method for a request code detail, when it is one of the four.
    pub fn from_code(detail: u8) -> Option<Method> {
        Some(match detail {
            1 => Method::Get,
            2 => Method::Post,
            3 => Method::Put,
            4 => Method::Delete,
            _ => return None,
        })
    }
}

/// `coap get|put|post|delete` options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoapRequest {
    /// The method.
    pub method: Method,
    /// Target.
    pub uri: CoapUri,
    /// `--non`: send a non-confirmable request.
    pub non: bool,
    /// `--observe N`: print N notifications, then deregister.
    pub observe: Option<u32>,
    /// `--block2 SZX`: ask for responses in blocks of `16 << SZX` bytes.
    pub block2: Option<u8>,
    /// `--block1 SZX`: send the request body in blocks of `16 << SZX` bytes.
    pub block1: Option<u8>,
    /// `--token HEX`.
    pub token: Option<Vec<u8>>,
    /// Request body (`--payload` or `--file`), empty for GET/DELETE.
    pub payload: Vec<u8>,
    /// `--content-format N`.
    pub content_format: Option<u16>,
}

/// `coap serve` options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoapServe {
    /// `--bind HOST:PORT` as given.
    pub bind: String,
}

/// `demo` options.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Demo {
    /// `--seed N` (a fixed default keeps runs reproducible).
    pub seed: u64,
}

fn usage(msg: impl Into<String>) -> UsageError {
    UsageError(msg.into())
}

fn qos(p: &Parsed, name: &str, default: u8) -> Result<u8, UsageError> {
    let q = p.parse_or(name, default)?;
    if q > 2 {
        return Err(usage(format!("--{name} must be 0, 1 or 2, not {q}")));
    }
    Ok(q)
}

fn no_positionals(p: &Parsed, what: &str) -> Result<(), UsageError> {
    match p.positionals.first() {
        Some(extra) => Err(usage(format!("{what}: unexpected argument {extra:?}"))),
        None => Ok(()),
    }
}

fn default_client_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("mqcoap-{}-{:x}", std::process::id(), nanos)
}

const MQTT_SWITCHES: &[&str] = &["no-clean", "reconnect", "will-retain"];
const MQTT_VALUED: &[&str] = &[
    "broker",
    "topic",
    "qos",
    "protocol",
    "count",
    "client-id",
    "keep-alive",
    "session-expiry",
    "will-topic",
    "will-message",
    "will-qos",
];

fn mqtt_common(p: &Parsed, sub: bool) -> Result<MqttCommon, UsageError> {
    let broker = p.required("broker")?.to_owned();
    if !broker.contains(':') {
        return Err(usage(format!("--broker must be HOST:PORT, not {broker:?}")));
    }
    let topic = p.required("topic")?.to_owned();
    if topic.is_empty() {
        return Err(usage("--topic must not be empty"));
    }
    if !sub && (topic.contains('+') || topic.contains('#')) {
        return Err(usage(format!(
            "--topic {topic:?}: a topic name has no wildcards (+, #)"
        )));
    }
    let level = p.parse_or("protocol", 5u8)?;
    if level != 4 && level != 5 {
        return Err(usage(format!("--protocol must be 4 or 5, not {level}")));
    }
    let persistent = p.has("no-clean");
    let session_expiry = match p.parse_opt::<u32>("session-expiry")? {
        Some(_) if level != 5 => {
            return Err(usage(
                "--session-expiry needs --protocol 5 (3.1.1 sessions never expire)",
            ))
        }
        Some(s) => s,
        // A persistent 3.1.1 session lives until the broker drops it; give a
        // persistent v5 session the same lifetime unless told otherwise.
        None if persistent => u32::MAX,
        None => 0,
    };
    let will = match p.value("will-topic") {
        Some(t) => Some(Will {
            topic: t.to_owned(),
            message: p.value("will-message").unwrap_or("").as_bytes().to_vec(),
            qos: qos(p, "will-qos", 0)?,
            retain: p.has("will-retain"),
        }),
        None if p.value("will-message").is_some() || p.has("will-retain") => {
            return Err(usage(
                "--will-message/--will-qos/--will-retain need --will-topic",
            ))
        }
        None => None,
    };
    Ok(MqttCommon {
        broker,
        topic,
        qos: qos(p, "qos", 0)?,
        level,
        client_id: p
            .value("client-id")
            .map_or_else(default_client_id, str::to_owned),
        keep_alive: p.parse_or("keep-alive", 60u16)?,
        persistent,
        session_expiry,
        reconnect: p.has("reconnect"),
        will,
    })
}

fn count(p: &Parsed) -> Result<Option<u64>, UsageError> {
    match p.parse_opt::<u64>("count")? {
        Some(0) => Err(usage("--count must be at least 1")),
        c => Ok(c),
    }
}

/// Parses `mqtt pub` flags.
pub fn mqtt_pub(rest: Vec<String>) -> Result<MqttPub, UsageError> {
    let switches: Vec<&str> = MQTT_SWITCHES.iter().copied().chain(["retain"]).collect();
    let valued: Vec<&str> = MQTT_VALUED
        .iter()
        .copied()
        .chain(["message", "size"])
        .collect();
    let p = Args::new(rest).parse(&switches, &valued)?;
    no_positionals(&p, "mqtt pub")?;
    let body = match (p.value("message"), p.parse_opt::<usize>("size")?) {
        (Some(_), Some(_)) => return Err(usage("give --message or --size, not both")),
        (Some(t), None) => Body::Text(t.to_owned()),
        (None, Some(n)) if n > crate::mqtt_cmd::MAX_PAYLOAD => {
            return Err(usage(format!(
                "--size is at most {} bytes (what the client keeps until acknowledged)",
                crate::mqtt_cmd::MAX_PAYLOAD
            )))
        }
        (None, Some(n)) => Body::Size(n),
        (None, None) => Body::Text("hello".to_owned()),
    };
    Ok(MqttPub {
        common: mqtt_common(&p, false)?,
        count: count(&p)?,
        body,
        retain: p.has("retain"),
    })
}

/// Parses `mqtt sub` flags.
pub fn mqtt_sub(rest: Vec<String>) -> Result<MqttSub, UsageError> {
    let p = Args::new(rest).parse(MQTT_SWITCHES, MQTT_VALUED)?;
    no_positionals(&p, "mqtt sub")?;
    Ok(MqttSub {
        common: mqtt_common(&p, true)?,
        count: count(&p)?,
    })
}

fn szx(p: &Parsed, name: &str) -> Result<Option<u8>, UsageError> {
    match p.parse_opt::<u8>(name)? {
        Some(s) if s > 6 => Err(usage(format!(
            "--{name} is a block size exponent 0..=6 (16..1024 bytes), not {s}"
        ))),
        s => Ok(s),
    }
}

/// Parses `coap get|put|post|delete URI ...`.
pub fn coap_request(method: Method, rest: Vec<String>) -> Result<CoapRequest, UsageError> {
    let p = Args::new(rest).parse(
        &["non"],
        &[
            "observe",
            "block2",
            "block1",
            "token",
            "payload",
            "file",
            "content-format",
        ],
    )?;
    let name = format!("coap {}", format!("{method:?}").to_lowercase());
    let uri = match p.positionals.as_slice() {
        [] => return Err(usage(format!("{name} needs a URI"))),
        [u] => CoapUri::parse(u).map_err(|e| usage(format!("malformed URI {u:?}: {e}")))?,
        [_, extra, ..] => return Err(usage(format!("{name}: unexpected argument {extra:?}"))),
    };
    let token = match p.value("token") {
        Some(t) => {
            let bytes = crate::json::unhex(t).map_err(|e| usage(format!("--token: {e}")))?;
            if bytes.len() > 8 {
                return Err(usage("--token is at most 8 bytes (16 hex digits)"));
            }
            Some(bytes)
        }
        None => None,
    };
    let has_body = matches!(method, Method::Put | Method::Post);
    let payload = match (p.value("payload"), p.value("file")) {
        (Some(_), Some(_)) => return Err(usage("give --payload or --file, not both")),
        (_, _) if !has_body && (p.value("payload").is_some() || p.value("file").is_some()) => {
            return Err(usage(format!("{name} takes no --payload or --file")))
        }
        (Some(t), None) => t.as_bytes().to_vec(),
        (None, Some(path)) => {
            std::fs::read(path).map_err(|e| usage(format!("--file {path:?}: {e}")))?
        }
        (None, None) if has_body => {
            return Err(usage(format!("{name} needs --payload TEXT or --file PATH")))
        }
        (None, None) => Vec::new(),
    };
    let observe = p.parse_opt::<u32>("observe")?;
    if observe == Some(0) {
        return Err(usage("--observe needs at least 1 notification"));
    }
    let block1 = szx(&p, "block1")?;
    if block1.is_some() && !has_body {
        return Err(usage(format!(
            "{name} takes no --block1 (it has no request body)"
        )));
    }
    if observe.is_some() && method != Method::Get {
        return Err(usage("--observe applies to get"));
    }
    Ok(CoapRequest {
        method,
        uri,
        non: p.has("non"),
        observe,
        block2: szx(&p, "block2")?,
        block1,
        token,
        payload,
        content_format: p.parse_opt("content-format")?,
    })
}

/// Parses `coap serve` flags.
pub fn coap_serve(rest: Vec<String>) -> Result<CoapServe, UsageError> {
    let p = Args::new(rest).parse(&[], &["bind"])?;
    no_positionals(&p, "coap serve")?;
    let bind = p.required("bind")?.to_owned();
    if !bind.contains(':') {
        return Err(usage(format!("--bind must be HOST:PORT, not {bind:?}")));
    }
    Ok(CoapServe { bind })
}

/// Parses `demo` flags.
pub fn demo(rest: Vec<String>) -> Result<Demo, UsageError> {
    let p = Args::new(rest).parse(&[], &["seed"])?;
    no_positionals(&p, "demo")?;
    Ok(Demo {
        seed: p.parse_or("seed", 1u64)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn pub_numbers_text_payloads_only_with_count() {
        let one = mqtt_pub(v("--broker h:1 --topic t --message hi")).unwrap();
        assert_eq!(one.messages(), 1);
        assert_eq!(one.payload(1), b"hi");
        let many = mqtt_pub(v("--broker h:1 --topic t --message hi --count 3")).unwrap();
        assert_eq!(many.messages(), 3);
        assert_eq!(many.payload(3), b"hi-3");
    }

    #[test]
    fn pub_size_payload_begins_with_sequence_number_and_has_exact_length() {
        let p = mqtt_pub(v("--broker h:1 --topic t --size 8 --count 12")).unwrap();
        assert_eq!(p.payload(12), b"12 xxxxx");
        assert_eq!(p.payload(1).len(), 8);
    }

    #[test]
    fn pub_size_is_bounded_by_what_the_client_can_keep_until_acknowledged() {
        let max = crate::mqtt_cmd::MAX_PAYLOAD;
        assert!(mqtt_pub(v(&format!("--broker h:1 --topic t --size {max}"))).is_ok());
        assert!(mqtt_pub(v(&format!("--broker h:1 --topic t --size {}", max + 1))).is_err());
    }

    #[test]
    fn pub_rejects_message_and_size_together_and_wildcard_topics() {
        assert!(mqtt_pub(v("--broker h:1 --topic t --size 8 --message x")).is_err());
        assert!(mqtt_pub(v("--broker h:1 --topic a/+")).is_err());
        assert!(mqtt_sub(v("--broker h:1 --topic a/+")).is_ok());
    }

    #[test]
    fn mqtt_requires_broker_and_topic_and_checks_ranges() {
        assert!(mqtt_sub(v("--topic t")).is_err());
        assert!(mqtt_sub(v("--broker h:1")).is_err());
        assert!(mqtt_sub(v("--broker h --topic t")).is_err());
        assert!(mqtt_sub(v("--broker h:1 --topic t --qos 3")).is_err());
        assert!(mqtt_sub(v("--broker h:1 --topic t --protocol 3")).is_err());
        assert!(mqtt_sub(v("--broker h:1 --topic t --count 0")).is_err());
        assert!(mqtt_sub(v("--broker h:1 --topic t stray")).is_err());
    }

    #[test]
    fn persistent_session_expiry_defaults_and_needs_level_5() {
        let s = mqtt_sub(v("--broker h:1 --topic t --no-clean")).unwrap();
        assert!(s.common.persistent);
        assert_eq!(s.common.session_expiry, u32::MAX);
        let s = mqtt_sub(v("--broker h:1 --topic t --no-clean --session-expiry 30")).unwrap();
        assert_eq!(s.common.session_expiry, 30);
        assert!(mqtt_sub(v("--broker h:1 --topic t --protocol 4 --session-expiry 30")).is_err());
    }

    #[test]
    fn will_needs_a_topic() {
        assert!(mqtt_sub(v("--broker h:1 --topic t --will-message bye")).is_err());
        let s = mqtt_sub(v(
            "--broker h:1 --topic t --will-topic w --will-message bye --will-qos 1",
        ))
        .unwrap();
        let w = s.common.will.unwrap();
        assert_eq!(
            (w.topic.as_str(), w.message.as_slice(), w.qos),
            ("w", &b"bye"[..], 1)
        );
    }

    #[test]
    fn coap_put_needs_a_body_and_get_takes_none() {
        assert!(coap_request(Method::Put, v("coap://h/x")).is_err());
        assert!(coap_request(Method::Get, v("coap://h/x --payload a")).is_err());
        let r = coap_request(Method::Post, v("coap://h/x --payload abc --block1 2")).unwrap();
        assert_eq!((r.payload.as_slice(), r.block1), (&b"abc"[..], Some(2)));
    }

    #[test]
    fn coap_checks_block_size_token_and_uri() {
        assert!(coap_request(Method::Get, v("coap://h/x --block2 7")).is_err());
        assert!(coap_request(Method::Get, v("coap://h/x --token 001122334455667788")).is_err());
        assert!(coap_request(Method::Get, v("http://h/x")).is_err());
        assert!(coap_request(Method::Get, v("")).is_err());
        let r = coap_request(Method::Get, v("coap://h/x --token abcd --observe 2 --non")).unwrap();
        assert_eq!(r.token.as_deref(), Some(&[0xab, 0xcd][..]));
        assert_eq!(r.observe, Some(2));
        assert!(r.non);
    }

    #[test]
    fn serve_needs_host_and_port() {
        assert!(coap_serve(v("")).is_err());
        assert!(coap_serve(v("--bind 127.0.0.1")).is_err());
        assert_eq!(
            coap_serve(v("--bind 127.0.0.1:5683")).unwrap().bind,
            "127.0.0.1:5683"
        );
    }
}
