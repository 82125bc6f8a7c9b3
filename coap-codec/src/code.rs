//! Request methods, response codes and signaling codes (RFC 7252 §12.1,
//! RFC 8132, RFC 7959, RFC 8516, RFC 8768, RFC 8323 §11.1).

use core::fmt;

/// A CoAP code, `class.detail` packed as `cccddddd` (RFC 7252 §3).
///
/// Every byte is a valid `Code`; unregistered ones are kept and print as
/// `c.dd` without a name.
///
/// ```
/// use coap_codec::Code;
/// assert_eq!(Code::CONTENT, Code::new(2, 5));
/// assert_eq!(Code::CONTENT.name(), Some("Content"));
/// assert_eq!(format!("{}", Code::IPATCH), "0.07");
/// assert!(Code::GET.is_request() && Code::NOT_FOUND.is_response());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Code(pub u8);

macro_rules! codes {
    ($($(#[$doc:meta])* $name:ident = ($c:literal, $d:literal, $text:literal);)*) => {
        impl Code {
            $($(#[$doc])* pub const $name: Code = Code::new($c, $d);)*

            /// The registered name ("GET", "Content", "Too Many Requests",
            /// "CSM"…), or `None` for an unregistered code.
            pub const fn name(self) -> Option<&'static str> {
                match (self.class(), self.detail()) {
                    $(($c, $d) => Some($text),)*
                    _ => None,
                }
            }
        }
    };
}

codes! {
    /// 0.00 Empty message (RFC 7252 §4.1).
    EMPTY = (0, 0, "Empty");
    /// 0.01 GET (RFC 7252 §5.8.1).
    GET = (0, 1, "GET");
    /// 0.02 POST (RFC 7252 §5.8.2).
    POST = (0, 2, "POST");
    /// 0.03 PUT (RFC 7252 §5.8.3).
    PUT = (0, 3, "PUT");
    /// 0.04 DELETE (RFC 7252 §5.8.4).
    DELETE = (0, 4, "DELETE");
    /// 0.05 FETCH (RFC 8132).
    FETCH = (0, 5, "FETCH");
    /// 0.06 PATCH (RFC 8132).
    PATCH = (0, 6, "PATCH");
    /// 0.07 iPATCH (RFC 8132).
    IPATCH = (0, 7, "iPATCH");
    /// 2.01 Created.
    CREATED = (2, 1, "Created");
    /// 2.02 Deleted.
    DELETED = (2, 2, "Deleted");
    /// 2.03 Valid.
    VALID = (2, 3, "Valid");
    /// 2.04 Changed.
    CHANGED = (2, 4, "Changed");
    /// 2.05 Content.
    CONTENT = (2, 5, "Content");
    /// 2.31 Continue (RFC 7959 §2.9.1).
    CONTINUE = (2, 31, "Continue");
    /// 4.00 Bad Request.
    BAD_REQUEST = (4, 0, "Bad Request");
    /// 4.01 Unauthorized.
    UNAUTHORIZED = (4, 1, "Unauthorized");
    /// 4.02 Bad Option (RFC 7252 §5.9.2.3).
    BAD_OPTION = (4, 2, "Bad Option");
    /// 4.03 Forbidden.
    FORBIDDEN = (4, 3, "Forbidden");
    /// 4.04 Not Found.
    NOT_FOUND = (4, 4, "Not Found");
    /// 4.05 Method Not Allowed.
    METHOD_NOT_ALLOWED = (4, 5, "Method Not Allowed");
    /// 4.06 Not Acceptable.
    NOT_ACCEPTABLE = (4, 6, "Not Acceptable");
    /// 4.08 Request Entity Incomplete (RFC 7959 §2.9.2).
    REQUEST_ENTITY_INCOMPLETE = (4, 8, "Request Entity Incomplete");
    /// 4.09 Conflict (RFC 8132).
    CONFLICT = (4, 9, "Conflict");
    /// 4.12 Precondition Failed.
    PRECONDITION_FAILED = (4, 12, "Precondition Failed");
    /// 4.13 Request Entity Too Large (RFC 7252, RFC 7959 §2.9.3).
    REQUEST_ENTITY_TOO_LARGE = (4, 13, "Request Entity Too Large");
    /// 4.15 Unsupported Content-Format.
    UNSUPPORTED_CONTENT_FORMAT = (4, 15, "Unsupported Content-Format");
    /// 4.22 Unprocessable Entity (RFC 8132).
    UNPROCESSABLE_ENTITY = (4, 22, "Unprocessable Entity");
    /// 4.29 Too Many Requests (RFC 8516).
    TOO_MANY_REQUESTS = (4, 29, "Too Many Requests");
    /// 5.00 Internal Server Error.
    INTERNAL_SERVER_ERROR = (5, 0, "Internal Server Error");
    /// 5.01 Not Implemented.
    NOT_IMPLEMENTED = (5, 1, "Not Implemented");
    /// 5.02 Bad Gateway.
    BAD_GATEWAY = (5, 2, "Bad Gateway");
    /// 5.03 Service Unavailable.
    SERVICE_UNAVAILABLE = (5, 3, "Service Unavailable");
    /// 5.04 Gateway Timeout.
    GATEWAY_TIMEOUT = (5, 4, "Gateway Timeout");
    /// 5.05 Proxying Not Supported.
    PROXYING_NOT_SUPPORTED = (5, 5, "Proxying Not Supported");
    /// 5.08 Hop Limit Reached (RFC 8768).
    HOP_LIMIT_REACHED = (5, 8, "Hop Limit Reached");
    /// 7.01 CSM, Capabilities and Settings Message (RFC 8323 §5.3).
    CSM = (7, 1, "CSM");
    /// 7.02 Ping (RFC 8323 §5.4).
    PING = (7, 2, "Ping");
    /// 7.03 Pong (RFC 8323 §5.4).
    PONG = (7, 3, "Pong");
    /// 7.04 Release (RFC 8323 §5.5).
    RELEASE = (7, 4, "Release");
    /// 7.05 Abort (RFC 8323 §5.6).
    ABORT = (7, 5, "Abort");
}

impl Code {
    /// `class.detail` → code. `class` is masked to 3 bits, `detail` to 5.
    pub const fn new(class: u8, detail: u8) -> Code {
        Code(((class & 0x07) << 5) | (detail & 0x1f))
    }

    /// The 3-bit class (0 request, 2–5 response, 7 signaling).
    pub const fn class(self) -> u8 {
        self.0 >> 5
    }

    /// The 5-bit detail.
    pub const fn detail(self) -> u8 {
        self.0 & 0x1f
    }

    /// 0.00.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// A method: class 0, detail 1–31.
    pub const fn is_request(self) -> bool {
        self.class() == 0 && self.detail() != 0
    }

    /// A response: class 2–5.
    pub const fn is_response(self) -> bool {
        matches!(self.class(), 2..=5)
    }

    /// A signaling code (class 7, RFC 8323 §5).
    pub const fn is_signaling(self) -> bool {
        self.class() == 7
    }

    /// A success response (class 2).
    pub const fn is_success(self) -> bool {
        self.class() == 2
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.class(), self.detail())
    }
}

impl From<u8> for Code {
    fn from(b: u8) -> Code {
        Code(b)
    }
}

impl From<Code> for u8 {
    fn from(c: Code) -> u8 {
        c.0
    }
}
