//! `coap://host[:port]/path?query` → host, port, Uri-Path and Uri-Query
//! segments (RFC 7252 §6.4, "Decomposing URIs into Options").

use std::fmt;

/// The default CoAP port (RFC 7252 §6.1).
pub const DEFAULT_PORT: u16 = 5683;

/// A parsed `coap://` URI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoapUri {
    /// Host as written (brackets removed from an IPv6 literal).
    pub host: String,
    /// Port, [`DEFAULT_PORT`] when absent.
    pub port: u16,
    /// Percent-decoded path segments, one Uri-Path option each.
    pub path: Vec<String>,
    /// Percent-decoded query arguments, one Uri-Query option each.
    pub query: Vec<String>,
}

/// Why a URI was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UriError {
    /// Only `coap://` is supported (RFC 7252 §6.1); `coaps` needs DTLS.
    Scheme,
    /// The host is empty or an IPv6 literal is not closed.
    Host,
    /// The port is not a number in 1..=65535.
    Port,
    /// RFC 7252 §6.4 step 1: "If the fragment component is present ... fail".
    Fragment,
    /// A `%` is not followed by two hex digits, or decodes to invalid UTF-8.
    PercentEncoding,
}

impl fmt::Display for UriError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UriError::Scheme => {
                "the scheme must be coap:// (coaps needs DTLS, which this tool lacks)"
            }
            UriError::Host => "the host is missing or malformed",
            UriError::Port => "the port must be a number from 1 to 65535",
            UriError::Fragment => "a CoAP URI has no #fragment (RFC 7252 §6.4)",
            UriError::PercentEncoding => "bad %-escape (two hex digits forming UTF-8 expected)",
        })
    }
}

fn percent_decode(s: &str) -> Result<String, UriError> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b.get(i + 1..i + 3).ok_or(UriError::PercentEncoding)?;
            let hex = std::str::from_utf8(hex).map_err(|_| UriError::PercentEncoding)?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| UriError::PercentEncoding)?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| UriError::PercentEncoding)
}

impl CoapUri {
    /// Parses an absolute `coap://` URI.
    pub fn parse(s: &str) -> Result<CoapUri, UriError> {
        let rest = s
            .get(..7)
            .filter(|p| p.eq_ignore_ascii_case("coap://"))
            .map(|_| &s[7..])
            .ok_or(UriError::Scheme)?;
        if rest.contains('#') {
            return Err(UriError::Fragment);
        }
        let (authority, path_query) = match rest.find(['/', '?']) {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (h, after) = v6.split_once(']').ok_or(UriError::Host)?;
            match after {
                "" => (h, None),
                p => (h, Some(p.strip_prefix(':').ok_or(UriError::Host)?)),
            }
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (authority, None),
            }
        };
        if host.is_empty() || host.contains(['@', ' ']) {
            return Err(UriError::Host);
        }
        let port = match port {
            None | Some("") => DEFAULT_PORT,
            Some(p) => p.parse().ok().filter(|p| *p != 0).ok_or(UriError::Port)?,
        };
        let (path, query) = match path_query.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (path_query, None),
        };
        // §6.4 step 8: a path of "" or "/" yields no Uri-Path option.
        let path = match path.strip_prefix('/') {
            None | Some("") => Vec::new(),
            Some(p) => p.split('/').map(percent_decode).collect::<Result<_, _>>()?,
        };
        let query = match query {
            None => Vec::new(),
            Some(q) => q.split('&').map(percent_decode).collect::<Result<_, _>>()?,
        };
        Ok(CoapUri {
            host: host.to_owned(),
            port,
            path,
            query,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7252_6_4_decomposes_host_port_path_and_query() {
        let u = CoapUri::parse("coap://example.net:61616/a/b%20c?x=1&y").unwrap();
        assert_eq!(u.host, "example.net");
        assert_eq!(u.port, 61616);
        assert_eq!(u.path, ["a", "b c"]);
        assert_eq!(u.query, ["x=1", "y"]);
    }

    #[test]
    fn rfc7252_6_4_empty_path_has_no_segments_and_default_port() {
        let u = CoapUri::parse("COAP://[::1]/").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("::1", DEFAULT_PORT));
        assert!(u.path.is_empty());
        assert!(CoapUri::parse("coap://h").unwrap().path.is_empty());
    }

    #[test]
    fn malformed_uris_name_the_problem() {
        assert_eq!(CoapUri::parse("http://h/"), Err(UriError::Scheme));
        assert_eq!(CoapUri::parse("coap:///x"), Err(UriError::Host));
        assert_eq!(CoapUri::parse("coap://h:0/"), Err(UriError::Port));
        assert_eq!(CoapUri::parse("coap://h:99999/"), Err(UriError::Port));
        assert_eq!(CoapUri::parse("coap://h/x#f"), Err(UriError::Fragment));
        assert_eq!(
            CoapUri::parse("coap://h/%zz"),
            Err(UriError::PercentEncoding)
        );
        assert_eq!(CoapUri::parse("coap://[::1/"), Err(UriError::Host));
    }
}
