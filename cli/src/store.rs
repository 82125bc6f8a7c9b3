//! The in-memory resource store behind `mqcoap coap serve`: what each request
//! does to it, independent of sockets and of block-wise transfer (the endpoint
//! splits and reassembles bodies; this sees whole ones).

use crate::opts::Method;
use std::collections::BTreeMap;

/// Content-Format `text/plain;charset=utf-8` (RFC 7252 §12.3).
pub const TEXT_PLAIN: u16 = 0;
/// Content-Format `application/link-format` (RFC 6690).
pub const LINK_FORMAT: u16 = 40;
/// The observable resource.
pub const OBS_PATH: &str = "/obs";
/// The discovery resource (RFC 6690 §4).
pub const WELL_KNOWN_CORE: &str = "/.well-known/core";
/// The largest body one resource may hold; larger ones get 4.13.
pub const MAX_BODY: usize = 1 << 20;
/// The most resources the store holds; a create beyond it gets 5.03.
pub const MAX_RESOURCES: usize = 1024;

/// A response: code (class, detail), body and Content-Format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    /// Response code as (class, detail), e.g. (2, 5) for 2.05 Content.
    pub code: (u8, u8),
    /// Response body.
    pub payload: Vec<u8>,
    /// Content-Format of the body, if any.
    pub content_format: Option<u16>,
}

impl Reply {
    fn empty(class: u8, detail: u8) -> Reply {
        Reply {
            code: (class, detail),
            payload: Vec::new(),
            content_format: None,
        }
    }
    fn text(class: u8, detail: u8, text: &str) -> Reply {
        Reply {
            code: (class, detail),
            payload: text.as_bytes().to_vec(),
            content_format: Some(TEXT_PLAIN),
        }
    }
}

#[derive(Clone, Debug)]
struct Resource {
    body: Vec<u8>,
    content_format: Option<u16>,
}

/// Resources by path (`/a/b`), plus the fixed `/obs` and `/.well-known/core`.
#[derive(Clone, Debug)]
pub struct Store {
    resources: BTreeMap<String, Resource>,
}

impl Default for Store {
    fn default() -> Self {
        Store::new()
    }
}

/// The body of the preloaded `/large` resource: 4 KiB of numbered lines, so
/// that a plain `get` exercises Block2 without uploading anything first.
pub fn large_body() -> Vec<u8> {
    let mut body = Vec::with_capacity(4096);
    let mut line = 0;
    while body.len() < 4096 {
        line += 1;
        body.extend_from_slice(format!("line {line:04} of the block-wise demo body\n").as_bytes());
    }
    body.truncate(4096);
    body
}

impl Store {
    /// A store holding only `/large` (plus the built-in `/obs` and discovery).
    pub fn new() -> Store {
        let mut resources = BTreeMap::new();
        resources.insert(
            "/large".to_owned(),
            Resource {
                body: large_body(),
                content_format: Some(TEXT_PLAIN),
            },
        );
        Store { resources }
    }

    /// The representation of `/obs` at tick `n` (one tick per second).
    pub fn obs_body(tick: u64) -> Vec<u8> {
        format!("tick {tick}").into_bytes()
    }

    /// Whether `path` may be observed.
    pub fn is_observable(path: &str) -> bool {
        path == OBS_PATH
    }

    /// The RFC 6690 link-format listing of every resource.
    pub fn link_format(&self) -> String {
        let mut links = vec![format!(
            "<{OBS_PATH}>;obs;ct={TEXT_PLAIN};title=\"changes every second\""
        )];
        for (path, r) in &self.resources {
            links.push(match r.content_format {
                Some(ct) => format!("<{path}>;ct={ct};sz={}", r.body.len()),
                None => format!("<{path}>;sz={}", r.body.len()),
            });
        }
        links.join(",")
    }

    /// Applies a request to the store. `tick` is the current `/obs` tick.
    pub fn handle(
        &mut self,
        method: Method,
        path: &str,
        payload: &[u8],
        content_format: Option<u16>,
        tick: u64,
    ) -> Reply {
        if path == WELL_KNOWN_CORE || path == OBS_PATH {
            return match (method, path) {
                (Method::Get, WELL_KNOWN_CORE) => Reply {
                    code: (2, 5),
                    payload: self.link_format().into_bytes(),
                    content_format: Some(LINK_FORMAT),
                },
                (Method::Get, _) => Reply {
                    code: (2, 5),
                    payload: Store::obs_body(tick),
                    content_format: Some(TEXT_PLAIN),
                },
                _ => Reply::text(4, 5, "read-only resource"),
            };
        }
        match method {
            Method::Get => match self.resources.get(path) {
                Some(r) => Reply {
                    code: (2, 5),
                    payload: r.body.clone(),
                    content_format: r.content_format,
                },
                None => Reply::empty(4, 4),
            },
            Method::Delete => match self.resources.remove(path) {
                Some(_) => Reply::empty(2, 2),
                None => Reply::empty(4, 4),
            },
            Method::Put | Method::Post => {
                if payload.len() > MAX_BODY {
                    return Reply::text(4, 13, "body larger than 1 MiB");
                }
                let existed = self.resources.contains_key(path);
                if !existed && self.resources.len() >= MAX_RESOURCES {
                    return Reply::text(5, 3, "resource store full");
                }
                self.resources.insert(
                    path.to_owned(),
                    Resource {
                        body: payload.to_vec(),
                        content_format,
                    },
                );
                if existed {
                    Reply::empty(2, 4)
                } else {
                    Reply::empty(2, 1)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_creates_then_changes_get_reads_delete_removes() {
        let mut s = Store::new();
        assert_eq!(s.handle(Method::Get, "/a", b"", None, 0).code, (4, 4));
        assert_eq!(s.handle(Method::Put, "/a", b"one", Some(0), 0).code, (2, 1));
        assert_eq!(
            s.handle(Method::Post, "/a", b"two", Some(0), 0).code,
            (2, 4)
        );
        let r = s.handle(Method::Get, "/a", b"", None, 0);
        assert_eq!(
            (r.code, r.payload.as_slice(), r.content_format),
            ((2, 5), &b"two"[..], Some(0))
        );
        assert_eq!(s.handle(Method::Delete, "/a", b"", None, 0).code, (2, 2));
        assert_eq!(s.handle(Method::Delete, "/a", b"", None, 0).code, (4, 4));
    }

    #[test]
    fn obs_changes_with_the_tick_and_is_read_only() {
        let mut s = Store::new();
        let a = s.handle(Method::Get, OBS_PATH, b"", None, 1);
        let b = s.handle(Method::Get, OBS_PATH, b"", None, 2);
        assert_ne!(a.payload, b.payload);
        assert_eq!(s.handle(Method::Put, OBS_PATH, b"x", None, 2).code, (4, 5));
        assert!(Store::is_observable(OBS_PATH));
        assert!(!Store::is_observable("/large"));
    }

    #[test]
    fn well_known_core_lists_every_resource_in_link_format() {
        let mut s = Store::new();
        s.handle(Method::Put, "/x/y", b"12", Some(50), 0);
        let r = s.handle(Method::Get, WELL_KNOWN_CORE, b"", None, 0);
        assert_eq!(r.content_format, Some(LINK_FORMAT));
        assert_eq!(
            String::from_utf8(r.payload).unwrap(),
            "</obs>;obs;ct=0;title=\"changes every second\",</large>;ct=0;sz=4096,</x/y>;ct=50;sz=2"
        );
    }

    #[test]
    fn oversized_bodies_and_a_full_store_are_refused() {
        let mut s = Store::new();
        assert_eq!(
            s.handle(Method::Put, "/big", &vec![0; MAX_BODY + 1], None, 0)
                .code,
            (4, 13)
        );
        for i in 0..MAX_RESOURCES {
            s.handle(Method::Put, &format!("/r{i}"), b"", None, 0);
        }
        assert_eq!(
            s.handle(Method::Put, "/one-more", b"", None, 0).code,
            (5, 3)
        );
        assert_eq!(
            s.handle(Method::Put, "/r1", b"replaced", None, 0).code,
            (2, 4)
        );
    }

    #[test]
    fn large_body_is_4_kib() {
        assert_eq!(large_body().len(), 4096);
        assert!(large_body().starts_with(b"line 0001"));
    }
}
