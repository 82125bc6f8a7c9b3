//! `coap://host[:port]/path?query` → host, port, Uri-Path and Uri-Query
//! segments (RFC 7252 §6.4, "Decomposing URIs into Options").

use std::fmt;

/// A parsed `coap://` URI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoapUri {
    /// Host as written (brackets removed from an IPv6 literal).
    pub host: String,
    /// Port, 5683 when absent (RFC 7252 §6.1).
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
    /// RFC 7252 §6.4 step 4: "If |url| has a <fragment> component, then fail".
    Fragment,
    /// A `%` is not followed by two hex digits, or decodes to invalid UTF-8.
    PercentEncoding,
    /// Any other rule of RFC 7252 §6.4 / RFC 3986, as the codec names it.
    Other(coap_codec::uri::UriError),
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
            UriError::Other(e) => return write!(f, "{e}"),
        })
    }
}

impl From<coap_codec::uri::UriError> for UriError {
    fn from(e: coap_codec::uri::UriError) -> UriError {
        use coap_codec::uri::UriError as E;
        match e {
            // The scheme was checked first, so what is left of "not absolute"
            // is the authority: an empty host or an unclosed IPv6 literal.
            E::NotAbsolute => UriError::Host,
            E::UnsupportedScheme => UriError::Scheme,
            E::BadPort => UriError::Port,
            E::Fragment => UriError::Fragment,
            E::BadPercentEncoding | E::NotUtf8 => UriError::PercentEncoding,
            other => UriError::Other(other),
        }
    }
}

/// Percent-decodes each raw component (RFC 3986 §2.1) into an owned string.
fn decode_all<'a>(raw: impl Iterator<Item = &'a str>) -> Result<Vec<String>, UriError> {
    raw.map(|seg| {
        // Decoding never lengthens a component.
        let mut scratch = vec![0u8; seg.len()];
        Ok(coap_codec::uri::decode(seg, &mut scratch)?.to_owned())
    })
    .collect()
}

impl CoapUri {
    /// Parses an absolute `coap://` URI with the codec's RFC 7252 §6.4
    /// decomposition, then percent-decodes the path and query.
    pub fn parse(s: &str) -> Result<CoapUri, UriError> {
        let is_coap = s
            .get(..7)
            .is_some_and(|p| p.eq_ignore_ascii_case("coap://"));
        if !is_coap {
            return Err(UriError::Scheme);
        }
        let uri = coap_codec::uri::Uri::parse(s)?;
        if uri.port() == 0 {
            return Err(UriError::Port);
        }
        let host = uri.host();
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        Ok(CoapUri {
            host: host.to_owned(),
            port: uri.port(),
            path: decode_all(uri.path_segments())?,
            query: decode_all(uri.query_args())?,
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
        assert_eq!((u.host.as_str(), u.port), ("::1", 5683));
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
