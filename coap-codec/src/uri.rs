//! URIs ↔ Uri-Host / Uri-Port / Uri-Path / Uri-Query options
//! (RFC 7252 §6.4 and §6.5; the `+tcp` / `+ws` schemes of RFC 8323 §8).
//!
//! Decomposition borrows from the URI string; percent-decoding writes into
//! caller storage. Composition writes into any [`core::fmt::Write`].

use core::fmt;

use crate::builder::MessageBuilder;
use crate::option::{OptionNumber, Options};

/// Why a URI could not be decomposed or composed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UriError {
    /// RFC 7252 §6.4 step 1: not an absolute URI (`scheme://authority...`).
    NotAbsolute,
    /// Step 3: the scheme is not coap, coaps (or an RFC 8323 variant).
    UnsupportedScheme,
    /// Step 4: "If |url| has a `<fragment>` component, then fail".
    Fragment,
    /// The port is not a decimal number 0–65535.
    BadPort,
    /// A `%` not followed by two hex digits (RFC 3986 §2.1).
    BadPercentEncoding,
    /// A decoded component is not UTF-8 (options are strings, RFC 7252 §3.2).
    NotUtf8,
    /// A character RFC 3986 does not allow in a URI (space, control, `"`, …).
    BadCharacter,
    /// The caller's scratch buffer is too small for the decoded components.
    NoSpace,
    /// The builder has no room for another option.
    TooManyOptions,
    /// A decoded component is longer than its option allows (255 bytes).
    TooLong,
}

impl fmt::Display for UriError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UriError::NotAbsolute => "not an absolute URI (RFC 7252 §6.4 step 1)",
            UriError::UnsupportedScheme => "scheme is not coap or coaps (RFC 7252 §6.4 step 3)",
            UriError::Fragment => "URI has a fragment (RFC 7252 §6.4 step 4)",
            UriError::BadPort => "port is not a number 0-65535",
            UriError::BadPercentEncoding => "'%' not followed by two hex digits (RFC 3986 §2.1)",
            UriError::NotUtf8 => "decoded component is not UTF-8",
            UriError::BadCharacter => "character not allowed in a URI (RFC 3986 §2)",
            UriError::NoSpace => "scratch buffer too small",
            UriError::TooManyOptions => "builder full",
            UriError::TooLong => "component longer than 255 bytes",
        })
    }
}

#[cfg(feature = "std")]
impl std::error::Error for UriError {}

/// The URI schemes CoAP defines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// `coap` (UDP, port 5683).
    Coap,
    /// `coaps` (DTLS, port 5684).
    Coaps,
    /// `coap+tcp` (RFC 8323, port 5683).
    CoapTcp,
    /// `coaps+tcp` (RFC 8323, port 5684).
    CoapsTcp,
    /// `coap+ws` (RFC 8323, port 80).
    CoapWs,
    /// `coaps+ws` (RFC 8323, port 443).
    CoapsWs,
}

impl Scheme {
    /// The scheme's name, lower case.
    pub const fn as_str(self) -> &'static str {
        match self {
            Scheme::Coap => "coap",
            Scheme::Coaps => "coaps",
            Scheme::CoapTcp => "coap+tcp",
            Scheme::CoapsTcp => "coaps+tcp",
            Scheme::CoapWs => "coap+ws",
            Scheme::CoapsWs => "coaps+ws",
        }
    }

    /// Its default port.
    pub const fn default_port(self) -> u16 {
        match self {
            Scheme::Coap | Scheme::CoapTcp => 5683,
            Scheme::Coaps | Scheme::CoapsTcp => 5684,
            Scheme::CoapWs => 80,
            Scheme::CoapsWs => 443,
        }
    }

    fn parse(s: &str) -> Option<Scheme> {
        [
            Scheme::Coap,
            Scheme::Coaps,
            Scheme::CoapTcp,
            Scheme::CoapsTcp,
            Scheme::CoapWs,
            Scheme::CoapsWs,
        ]
        .into_iter()
        .find(|k| k.as_str().eq_ignore_ascii_case(s))
    }
}

/// An absolute CoAP URI split into its parts, borrowed from the input
/// (still percent-encoded).
///
/// ```
/// use coap_codec::uri::{Uri, Scheme};
/// let u = Uri::parse("coap://Example.net:61616/sensors/t%C3%A9mp?unit=c&x")?;
/// assert_eq!(u.scheme(), Scheme::Coap);
/// assert_eq!(u.host(), "Example.net");
/// assert_eq!(u.port(), 61616);
/// assert_eq!(u.path_segments().collect::<Vec<_>>(), ["sensors", "t%C3%A9mp"]);
/// assert_eq!(u.query_args().collect::<Vec<_>>(), ["unit=c", "x"]);
/// # Ok::<(), coap_codec::uri::UriError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Uri<'a> {
    scheme: Scheme,
    host: &'a str,
    port: Option<u16>,
    path: &'a str,
    query: Option<&'a str>,
}

impl<'a> Uri<'a> {
    /// Splits an absolute `coap`/`coaps` (or RFC 8323) URI (RFC 7252 §6.4
    /// steps 1, 3, 4). Percent-encodings are checked but not yet decoded.
    pub fn parse(s: &'a str) -> Result<Uri<'a>, UriError> {
        if s.bytes().any(|b| !allowed_in_uri(b)) {
            return Err(UriError::BadCharacter);
        }
        let (scheme, rest) = s.split_once("://").ok_or(UriError::NotAbsolute)?;
        if scheme.is_empty() {
            return Err(UriError::NotAbsolute);
        }
        let scheme = Scheme::parse(scheme).ok_or(UriError::UnsupportedScheme)?;
        // Step 4: "If |url| has a <fragment> component, then fail this algorithm."
        if rest.contains('#') {
            return Err(UriError::Fragment);
        }
        let (before_q, query) = match rest.split_once('?') {
            Some((a, q)) => (a, Some(q)),
            None => (rest, None),
        };
        let (authority, path) = match before_q.find('/') {
            Some(i) => before_q.split_at(i),
            None => (before_q, ""),
        };
        // Userinfo is not part of CoAP URIs (RFC 7252 §6.1 grammar).
        if authority.contains('@') {
            return Err(UriError::NotAbsolute);
        }
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let end = v6.find(']').ok_or(UriError::NotAbsolute)?;
            let after = &v6[end + 1..];
            let host = &authority[..end + 2];
            match after.strip_prefix(':') {
                Some(p) => (host, parse_port(p)?),
                None if after.is_empty() => (host, None),
                None => return Err(UriError::NotAbsolute),
            }
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h, parse_port(p)?),
                None => (authority, None),
            }
        };
        if host.is_empty() {
            return Err(UriError::NotAbsolute);
        }
        check_percent(host)?;
        check_percent(path)?;
        if let Some(q) = query {
            check_percent(q)?;
        }
        Ok(Uri {
            scheme,
            host,
            port,
            path,
            query,
        })
    }

    /// The scheme.
    pub const fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The host as written (IP literals keep their brackets).
    pub const fn host(&self) -> &'a str {
        self.host
    }

    /// Whether the host is an IP-literal (`[…]`) or an IPv4 address, for
    /// which RFC 7252 §6.4 step 5 sends no Uri-Host.
    pub fn host_is_ip(&self) -> bool {
        self.host.starts_with('[')
            || (self.host.split('.').count() == 4
                && self.host.split('.').all(|p| {
                    !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit())
                }))
    }

    /// The port, or the scheme's default.
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(self.scheme.default_port())
    }

    /// The raw (still percent-encoded) path segments that become Uri-Path
    /// options: none for an empty path or `/` (RFC 7252 §6.4 step 8).
    pub fn path_segments(&self) -> Segments<'a> {
        let p = match self.path {
            "" | "/" => None,
            p => Some(p.strip_prefix('/').unwrap_or(p)),
        };
        Segments { rest: p, sep: '/' }
    }

    /// The raw query arguments that become Uri-Query options (step 9).
    pub fn query_args(&self) -> Segments<'a> {
        Segments {
            rest: self.query,
            sep: '&',
        }
    }

    /// Adds Uri-Host (unless the host is an IP address, step 5), Uri-Port
    /// (unless it is the scheme default, step 7), Uri-Path and Uri-Query
    /// options to `builder`, percent-decoding into `scratch` only the
    /// components that need it (the others are borrowed from the URI).
    ///
    /// ```
    /// use coap_codec::{uri::Uri, MessageBuilder, MessageType, Code, Message, OptionNumber};
    /// let uri = Uri::parse("coap://sensor.example/a%20b/c?x=1")?;
    /// let mut scratch = [0u8; 64];
    /// let mut b = MessageBuilder::new(MessageType::Confirmable, Code::GET, 1);
    /// uri.add_options(&mut b, &mut scratch)?;
    /// let mut buf = [0u8; 64];
    /// let n = b.build(&mut buf).unwrap();
    /// let m = Message::parse(&buf[..n]).unwrap();
    /// let v: Vec<_> = m.options().map(|o| (o.number, o.str().unwrap())).collect();
    /// assert_eq!(v, [(OptionNumber::URI_HOST, "sensor.example"), (OptionNumber::URI_PATH, "a b"),
    ///                (OptionNumber::URI_PATH, "c"), (OptionNumber::URI_QUERY, "x=1")]);
    /// # Ok::<(), coap_codec::uri::UriError>(())
    /// ```
    pub fn add_options<'b, const N: usize>(
        &self,
        builder: &mut MessageBuilder<'b, N>,
        scratch: &'b mut [u8],
    ) -> Result<(), UriError>
    where
        'a: 'b,
    {
        let mut scratch = scratch;
        let mut add =
            |n: OptionNumber, raw: &'a str, lower: bool, b: &mut MessageBuilder<'b, N>| {
                let needs_copy =
                    raw.contains('%') || (lower && raw.bytes().any(|c| c.is_ascii_uppercase()));
                let value: &'b [u8] = if needs_copy {
                    let taken = core::mem::take(&mut scratch);
                    let (out, rest) = decode_into(raw, taken, lower)?;
                    scratch = rest;
                    out
                } else {
                    raw.as_bytes()
                };
                if value.len() > 255 {
                    return Err(UriError::TooLong);
                }
                b.push(crate::OptionEntry {
                    number: n,
                    value: crate::OptionValue::Bytes(value),
                })
                .map_err(|_| UriError::TooManyOptions)
            };
        if !self.host_is_ip() {
            add(OptionNumber::URI_HOST, self.host, true, builder)?;
        }
        if let Some(p) = self.port {
            if p != self.scheme.default_port() {
                builder
                    .push(crate::OptionEntry {
                        number: OptionNumber::URI_PORT,
                        value: crate::OptionValue::Uint(p.into()),
                    })
                    .map_err(|_| UriError::TooManyOptions)?;
            }
        }
        for seg in self.path_segments() {
            add(OptionNumber::URI_PATH, seg, false, builder)?;
        }
        for arg in self.query_args() {
            add(OptionNumber::URI_QUERY, arg, false, builder)?;
        }
        Ok(())
    }
}

/// Raw components split on `/` or `&`.
#[derive(Clone, Debug)]
pub struct Segments<'a> {
    rest: Option<&'a str>,
    sep: char,
}

impl<'a> Iterator for Segments<'a> {
    type Item = &'a str;
    fn next(&mut self) -> Option<&'a str> {
        let r = self.rest?;
        match r.split_once(self.sep) {
            Some((a, b)) => {
                self.rest = Some(b);
                Some(a)
            }
            None => {
                self.rest = None;
                Some(r)
            }
        }
    }
}

fn parse_port(p: &str) -> Result<Option<u16>, UriError> {
    if p.is_empty() {
        return Ok(None);
    }
    if !p.bytes().all(|b| b.is_ascii_digit()) || p.len() > 5 {
        return Err(UriError::BadPort);
    }
    p.parse().map(Some).map_err(|_| UriError::BadPort)
}

const fn allowed_in_uri(b: u8) -> bool {
    matches!(b, b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'!' | b'$' | b'&' | b'\''
        | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'=' | b':' | b'@' | b'/' | b'?' | b'#' | b'[' | b']' | b'%')
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

fn check_percent(s: &str) -> Result<(), UriError> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            match (
                b.get(i + 1).copied().and_then(hex_val),
                b.get(i + 2).copied().and_then(hex_val),
            ) {
                (Some(_), Some(_)) => i += 3,
                _ => return Err(UriError::BadPercentEncoding),
            }
        } else {
            i += 1;
        }
    }
    Ok(())
}

/// Percent-decodes `raw` into the front of `out` (lower-casing ASCII first
/// when `lower`); returns the decoded bytes and the unused rest of `out`.
fn decode_into<'b>(
    raw: &str,
    out: &'b mut [u8],
    lower: bool,
) -> Result<(&'b [u8], &'b mut [u8]), UriError> {
    let n = percent_decode(raw, out, lower)?;
    let (done, rest) = out.split_at_mut(n);
    Ok((done, rest))
}

fn percent_decode(raw: &str, out: &mut [u8], lower: bool) -> Result<usize, UriError> {
    let b = raw.as_bytes();
    let (mut i, mut o) = (0, 0);
    while i < b.len() {
        let c = if b[i] == b'%' {
            let hi = b
                .get(i + 1)
                .copied()
                .and_then(hex_val)
                .ok_or(UriError::BadPercentEncoding)?;
            let lo = b
                .get(i + 2)
                .copied()
                .and_then(hex_val)
                .ok_or(UriError::BadPercentEncoding)?;
            i += 3;
            hi << 4 | lo
        } else {
            i += 1;
            if lower {
                b[i - 1].to_ascii_lowercase()
            } else {
                b[i - 1]
            }
        };
        *out.get_mut(o).ok_or(UriError::NoSpace)? = c;
        o += 1;
    }
    core::str::from_utf8(out.get(..o).unwrap_or(&[])).map_err(|_| UriError::NotUtf8)?;
    Ok(o)
}

/// Percent-decodes `raw` into `out` and returns the decoded string
/// (RFC 3986 §2.1).
///
/// ```
/// let mut buf = [0u8; 16];
/// assert_eq!(coap_codec::uri::decode("t%C3%A9mp", &mut buf), Ok("témp"));
/// ```
pub fn decode<'b>(raw: &str, out: &'b mut [u8]) -> Result<&'b str, UriError> {
    let n = percent_decode(raw, out, false)?;
    core::str::from_utf8(out.get(..n).unwrap_or(&[])).map_err(|_| UriError::NotUtf8)
}

fn unreserved_or_sub_delim(b: u8) -> bool {
    matches!(b, b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'!' | b'$' | b'&' | b'\''
        | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'=')
}

fn write_escaped(w: &mut impl fmt::Write, v: &[u8], keep: impl Fn(u8) -> bool) -> fmt::Result {
    for &b in v {
        if keep(b) {
            w.write_char(char::from(b))?;
        } else {
            // RFC 7252 §6.5: "the hexadecimal notation for percent-encoding in
            // CoAP URIs MUST use uppercase letters".
            write!(w, "%{b:02X}")?;
        }
    }
    Ok(())
}

/// Composes a URI from a request's options (RFC 7252 §6.5). `host` and
/// `port` are the destination's, used when Uri-Host / Uri-Port are absent
/// (give IPv6 addresses in brackets).
///
/// ```
/// use coap_codec::{uri, Message};
/// // CON GET, Uri-Path "a b", Uri-Query "x&y"
/// let m = Message::parse(&[0x40, 1, 0, 1, 0xb3, b'a', b' ', b'b', 0x43, b'x', b'&', b'y']).unwrap();
/// let mut s = String::new();
/// uri::write_uri(&mut s, uri::Scheme::Coap, "10.0.0.1", 5683, m.options()).unwrap();
/// assert_eq!(s, "coap://10.0.0.1/a%20b?x%26y");
/// ```
pub fn write_uri(
    w: &mut impl fmt::Write,
    scheme: Scheme,
    host: &str,
    port: u16,
    options: Options<'_>,
) -> fmt::Result {
    w.write_str(scheme.as_str())?;
    w.write_str("://")?;
    let host_opt = options.clone().find_number(OptionNumber::URI_HOST);
    match host_opt {
        // Step 2: non-ASCII characters replaced by their percent-encoding.
        Some(h) => write_escaped(w, h.value, |b| {
            unreserved_or_sub_delim(b) || matches!(b, b':' | b'[' | b']')
        })?,
        None => w.write_str(host)?,
    }
    let port = match options.clone().find_number(OptionNumber::URI_PORT) {
        Some(p) => u16::try_from(p.uint().unwrap_or(u32::from(port))).unwrap_or(port),
        None => port,
    };
    if port != scheme.default_port() {
        write!(w, ":{port}")?;
    }
    let mut any_path = false;
    for o in options
        .clone()
        .filter(|o| o.number == OptionNumber::URI_PATH)
    {
        any_path = true;
        w.write_char('/')?;
        write_escaped(w, o.value, |b| {
            unreserved_or_sub_delim(b) || b == b':' || b == b'@'
        })?;
    }
    if !any_path {
        w.write_char('/')?;
    }
    let mut first = true;
    for o in options.filter(|o| o.number == OptionNumber::URI_QUERY) {
        w.write_char(if first { '?' } else { '&' })?;
        first = false;
        write_escaped(w, o.value, |b| {
            (unreserved_or_sub_delim(b) && b != b'&') || matches!(b, b':' | b'@' | b'/' | b'?')
        })?;
    }
    Ok(())
}
