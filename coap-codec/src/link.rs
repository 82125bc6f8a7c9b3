//! CoRE Link Format (RFC 6690): reading and writing `/.well-known/core`
//! (Content-Format 40).
//!
//! ```text
//! Link       = link-value-list
//! link-value-list = [ link-value *[ "," link-value ]]
//! link-value = "<" URI-Reference ">" *( ";" link-param )
//! ```

use core::fmt;

/// A malformed link-format document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LinkError {
    /// RFC 6690 §2: a link-value must start with `<`.
    ExpectedTarget,
    /// The `<URI-Reference>` has no closing `>`.
    UnterminatedTarget,
    /// A quoted-string has no closing `"`.
    UnterminatedQuote,
    /// Something other than `;` or `,` after a link-value or parameter.
    UnexpectedCharacter,
    /// A parameter with an empty name (`;=x` or `;;`).
    EmptyParameterName,
    /// The writer's buffer is full.
    NoSpace,
}

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LinkError::ExpectedTarget => "link-value does not start with '<' (RFC 6690 §2)",
            LinkError::UnterminatedTarget => "link target has no closing '>' (RFC 6690 §2)",
            LinkError::UnterminatedQuote => "quoted-string has no closing '\"' (RFC 6690 §2)",
            LinkError::UnexpectedCharacter => "expected ';' or ',' (RFC 6690 §2)",
            LinkError::EmptyParameterName => "link-param with an empty name (RFC 6690 §2)",
            LinkError::NoSpace => "output buffer full",
        })
    }
}

#[cfg(feature = "std")]
impl std::error::Error for LinkError {}

/// One link: its target and its (unparsed) parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Link<'a> {
    target: &'a str,
    params: &'a str,
}

impl<'a> Link<'a> {
    /// The URI-Reference between `<` and `>`, e.g. `/sensors/temp`.
    pub const fn target(&self) -> &'a str {
        self.target
    }

    /// The link's parameters in order. The document was validated when the
    /// link was produced, so this never fails.
    pub fn attrs(&self) -> Attrs<'a> {
        Attrs { rest: self.params }
    }

    /// The first parameter called `name` (case-insensitive): `Some(None)`
    /// for a flag like `obs`, `Some(Some(value))` with quotes removed.
    pub fn attr(&self, name: &str) -> Option<Option<&'a str>> {
        self.attrs()
            .find(|a| a.name.eq_ignore_ascii_case(name))
            .map(|a| a.value)
    }
}

/// A link parameter: `name` or `name=value` (quotes removed; escapes inside
/// a quoted-string are left as written).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Attr<'a> {
    /// Parameter name, e.g. `rt`.
    pub name: &'a str,
    /// Value, if any.
    pub value: Option<&'a str>,
}

/// Iterator over a validated link's parameters.
#[derive(Clone, Debug)]
pub struct Attrs<'a> {
    rest: &'a str,
}

impl<'a> Iterator for Attrs<'a> {
    type Item = Attr<'a>;
    fn next(&mut self) -> Option<Attr<'a>> {
        let r = self.rest.trim_start().strip_prefix(';')?;
        let (attr, used) = param(r).ok()?;
        self.rest = r.get(used..)?;
        Some(attr)
    }
}

/// Parses one link-param at the start of `s` (after the `;`), returning it
/// and the bytes used.
fn param(s: &str) -> Result<(Attr<'_>, usize), LinkError> {
    let b = s.as_bytes();
    let name_end = b
        .iter()
        .position(|&c| matches!(c, b'=' | b';' | b','))
        .unwrap_or(b.len());
    let name = s[..name_end].trim();
    if name.is_empty() {
        return Err(LinkError::EmptyParameterName);
    }
    if b.get(name_end) != Some(&b'=') {
        return Ok((Attr { name, value: None }, name_end));
    }
    let v = name_end + 1;
    if b.get(v) == Some(&b'"') {
        let mut i = v + 1;
        while i < b.len() {
            match b[i] {
                b'\\' => i += 2,
                b'"' => {
                    return Ok((
                        Attr {
                            name,
                            value: Some(&s[v + 1..i]),
                        },
                        i + 1,
                    ))
                }
                _ => i += 1,
            }
        }
        return Err(LinkError::UnterminatedQuote);
    }
    let end = b[v..]
        .iter()
        .position(|&c| matches!(c, b';' | b','))
        .map_or(b.len(), |p| v + p);
    Ok((
        Attr {
            name,
            value: Some(s[v..end].trim()),
        },
        end,
    ))
}

/// Iterator over the links of a link-format document; yields an error once
/// and then stops if the document is malformed. Never allocates.
///
/// ```
/// use coap_codec::link::Links;
/// let doc = "</sensors/temp>;rt=\"temperature-c\";if=sensor;obs,</sensors/light>;ct=0";
/// let links: Vec<_> = Links::new(doc).collect::<Result<_, _>>()?;
/// assert_eq!(links[0].target(), "/sensors/temp");
/// assert_eq!(links[0].attr("rt"), Some(Some("temperature-c")));
/// assert_eq!(links[0].attr("obs"), Some(None));
/// assert_eq!(links[1].attr("ct"), Some(Some("0")));
/// # Ok::<(), coap_codec::link::LinkError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Links<'a> {
    rest: &'a str,
    done: bool,
}

impl<'a> Links<'a> {
    /// Links of `doc`.
    pub const fn new(doc: &'a str) -> Links<'a> {
        Links {
            rest: doc,
            done: false,
        }
    }

    fn parse_one(&mut self) -> Result<Link<'a>, LinkError> {
        let s = self.rest.trim_start();
        let inner = s.strip_prefix('<').ok_or(LinkError::ExpectedTarget)?;
        let close = inner.find('>').ok_or(LinkError::UnterminatedTarget)?;
        let target = &inner[..close];
        let after = &inner[close + 1..];
        // Validate the parameter list and find where it ends.
        let mut i = 0;
        let b = after.as_bytes();
        loop {
            while b.get(i).is_some_and(|c| c.is_ascii_whitespace()) {
                i += 1;
            }
            match b.get(i) {
                None => {
                    self.rest = "";
                    self.done = true;
                    break;
                }
                Some(b',') => {
                    self.rest = &after[i + 1..];
                    break;
                }
                Some(b';') => {
                    let (_, used) = param(&after[i + 1..])?;
                    i += 1 + used;
                }
                Some(_) => return Err(LinkError::UnexpectedCharacter),
            }
        }
        Ok(Link {
            target,
            params: after[..i].trim_end(),
        })
    }
}

impl<'a> Iterator for Links<'a> {
    type Item = Result<Link<'a>, LinkError>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.done || self.rest.trim().is_empty() {
            return None;
        }
        let r = self.parse_one();
        if r.is_err() {
            self.done = true;
        }
        Some(r)
    }
}

/// Writes a link-format document into a caller buffer.
///
/// ```
/// use coap_codec::link::{LinkWriter, Links};
/// let mut buf = [0u8; 128];
/// let mut w = LinkWriter::new(&mut buf);
/// w.link("/sensors/temp")?.attr_quoted("rt", "temperature-c")?.attr_flag("obs")?;
/// w.link("/sensors/light")?.attr_uint("ct", 0)?;
/// let doc = w.as_str();
/// assert_eq!(doc, "</sensors/temp>;rt=\"temperature-c\";obs,</sensors/light>;ct=0");
/// assert_eq!(Links::new(doc).count(), 2);
/// # Ok::<(), coap_codec::link::LinkError>(())
/// ```
#[derive(Debug)]
pub struct LinkWriter<'b> {
    buf: &'b mut [u8],
    len: usize,
}

impl<'b> LinkWriter<'b> {
    /// A writer into `buf`.
    pub fn new(buf: &'b mut [u8]) -> LinkWriter<'b> {
        LinkWriter { buf, len: 0 }
    }

    fn put(&mut self, parts: &[&[u8]]) -> Result<&mut Self, LinkError> {
        let total: usize = parts.iter().map(|p| p.len()).sum();
        let out = self
            .buf
            .get_mut(self.len..self.len + total)
            .ok_or(LinkError::NoSpace)?;
        let mut i = 0;
        for p in parts {
            out[i..i + p.len()].copy_from_slice(p);
            i += p.len();
        }
        self.len += total;
        Ok(self)
    }

    /// Starts a link to `target` (written as `<target>`). On `NoSpace`
    /// nothing of the link is written.
    pub fn link(&mut self, target: &str) -> Result<&mut Self, LinkError> {
        let sep: &[u8] = if self.len == 0 { b"" } else { b"," };
        self.put(&[sep, b"<", target.as_bytes(), b">"])
    }

    /// Adds `;name` (a flag such as `obs`).
    pub fn attr_flag(&mut self, name: &str) -> Result<&mut Self, LinkError> {
        self.put(&[b";", name.as_bytes()])
    }

    /// Adds `;name=value` with a token value (no quoting).
    pub fn attr_token(&mut self, name: &str, value: &str) -> Result<&mut Self, LinkError> {
        self.put(&[b";", name.as_bytes(), b"=", value.as_bytes()])
    }

    /// Adds `;name=N`.
    pub fn attr_uint(&mut self, name: &str, value: u32) -> Result<&mut Self, LinkError> {
        let mut digits = [0u8; 10];
        let mut i = digits.len();
        let mut v = value;
        loop {
            i -= 1;
            digits[i] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        self.put(&[b";", name.as_bytes(), b"=", &digits[i..]])
    }

    /// Adds `;name="value"`, escaping `"` and `\` (RFC 6690 quoted-string).
    pub fn attr_quoted(&mut self, name: &str, value: &str) -> Result<&mut Self, LinkError> {
        let escapes = value.bytes().filter(|&c| c == b'"' || c == b'\\').count();
        let total = 1 + name.len() + 2 + value.len() + escapes + 1;
        let start = self.len;
        let out = self
            .buf
            .get_mut(start..start + total)
            .ok_or(LinkError::NoSpace)?;
        let mut i = 0;
        for &c in b";".iter().chain(name.as_bytes()).chain(b"=\"") {
            out[i] = c;
            i += 1;
        }
        for c in value.bytes() {
            if c == b'"' || c == b'\\' {
                out[i] = b'\\';
                i += 1;
            }
            out[i] = c;
            i += 1;
        }
        out[i] = b'"';
        self.len += total;
        Ok(self)
    }

    /// Bytes written so far.
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing has been written.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The document written so far.
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(self.buf.get(..self.len).unwrap_or(&[])).unwrap_or("")
    }
}
