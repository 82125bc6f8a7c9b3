//! The CoAP Content-Formats registry (RFC 7252 §12.3 and later
//! registrations): numbers ↔ media types.

/// `(number, media type with parameters, content coding)`, in number order.
static REGISTRY: &[(u16, &str)] = &[
    (0, "text/plain; charset=utf-8"),
    (16, "application/cose; cose-type=\"cose-encrypt0\""),
    (17, "application/cose; cose-type=\"cose-mac0\""),
    (18, "application/cose; cose-type=\"cose-sign1\""),
    (19, "application/ace+cbor"),
    (21, "image/gif"),
    (22, "image/jpeg"),
    (23, "image/png"),
    (40, "application/link-format"),
    (41, "application/xml"),
    (42, "application/octet-stream"),
    (47, "application/exi"),
    (50, "application/json"),
    (51, "application/json-patch+json"),
    (52, "application/merge-patch+json"),
    (60, "application/cbor"),
    (61, "application/cwt"),
    (62, "application/multipart-core"),
    (63, "application/cbor-seq"),
    (96, "application/cose; cose-type=\"cose-encrypt\""),
    (97, "application/cose; cose-type=\"cose-mac\""),
    (98, "application/cose; cose-type=\"cose-sign\""),
    (101, "application/cose-key"),
    (102, "application/cose-key-set"),
    (110, "application/senml+json"),
    (111, "application/sensml+json"),
    (112, "application/senml+cbor"),
    (113, "application/sensml+cbor"),
    (114, "application/senml-exi"),
    (115, "application/sensml-exi"),
    (256, "application/coap-group+json"),
    (271, "application/dots+cbor"),
    (272, "application/missing-blocks+cbor-seq"),
    (
        280,
        "application/pkcs7-mime; smime-type=server-generated-key",
    ),
    (281, "application/pkcs7-mime; smime-type=certs-only"),
    (284, "application/pkcs8"),
    (285, "application/csrattrs"),
    (286, "application/pkcs10"),
    (287, "application/pkix-cert"),
    (290, "application/aif+cbor"),
    (291, "application/aif+json"),
    (310, "application/senml+xml"),
    (311, "application/sensml+xml"),
    (320, "application/senml-etch+json"),
    (322, "application/senml-etch+cbor"),
    (340, "application/yang-data+cbor"),
    (341, "application/yang-data+cbor; id=name"),
    (432, "application/td+json"),
    (10000, "application/vnd.ocf+cbor"),
    (10001, "application/oscore"),
    (10002, "application/javascript"),
    (11050, "application/json; content-coding=deflate"),
    (11060, "application/cbor; content-coding=deflate"),
    (11542, "application/vnd.oma.lwm2m+tlv"),
    (11543, "application/vnd.oma.lwm2m+json"),
    (11544, "application/vnd.oma.lwm2m+cbor"),
    (20000, "text/css"),
    (30000, "image/svg+xml"),
];

/// text/plain; charset=utf-8
pub const TEXT_PLAIN: u16 = 0;
/// application/link-format (RFC 6690)
pub const LINK_FORMAT: u16 = 40;
/// application/xml
pub const XML: u16 = 41;
/// application/octet-stream
pub const OCTET_STREAM: u16 = 42;
/// application/exi
pub const EXI: u16 = 47;
/// application/json
pub const JSON: u16 = 50;
/// application/cbor
pub const CBOR: u16 = 60;
/// application/senml+json
pub const SENML_JSON: u16 = 110;
/// application/senml+cbor
pub const SENML_CBOR: u16 = 112;

/// The media type registered for Content-Format `n`.
///
/// ```
/// use coap_codec::content_format;
/// assert_eq!(content_format::media_type(50), Some("application/json"));
/// assert_eq!(content_format::media_type(9999), None);
/// ```
pub fn media_type(n: u16) -> Option<&'static str> {
    REGISTRY
        .binary_search_by_key(&n, |e| e.0)
        .ok()
        .and_then(|i| REGISTRY.get(i))
        .map(|e| e.1)
}

/// The Content-Format number for a media type (exact match of the
/// registered string, e.g. `"application/cbor"`).
///
/// ```
/// assert_eq!(coap_codec::content_format::from_media_type("application/cbor"), Some(60));
/// ```
pub fn from_media_type(media: &str) -> Option<u16> {
    REGISTRY
        .iter()
        .find(|e| e.1.eq_ignore_ascii_case(media))
        .map(|e| e.0)
}
