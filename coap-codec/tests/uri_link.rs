//! RFC 7252 §6.4/§6.5 URI ↔ options and RFC 6690 link format.

use coap_codec::link::{LinkError, LinkWriter, Links};
use coap_codec::uri::{self, Scheme, Uri, UriError};
use coap_codec::{Code, Message, MessageBuilder, MessageType, OptionNumber};

fn options_of(s: &str) -> Vec<(u16, Vec<u8>)> {
    let u = Uri::parse(s).unwrap();
    let mut scratch = [0u8; 256];
    let mut b = MessageBuilder::new(MessageType::Confirmable, Code::GET, 1);
    u.add_options(&mut b, &mut scratch).unwrap();
    let mut buf = [0u8; 512];
    let n = b.build(&mut buf).unwrap();
    let m = Message::parse(&buf[..n]).unwrap();
    m.options()
        .map(|o| (o.number.0, o.value.to_vec()))
        .collect()
}

fn compose(host: &str, port: u16, opts: &[(OptionNumber, &[u8])]) -> String {
    let mut b = MessageBuilder::new(MessageType::Confirmable, Code::GET, 1);
    for (n, v) in opts {
        b.option(*n, v);
    }
    let mut buf = [0u8; 512];
    let n = b.build(&mut buf).unwrap();
    let m = Message::parse(&buf[..n]).unwrap();
    let mut s = String::new();
    uri::write_uri(&mut s, Scheme::Coap, host, port, m.options()).unwrap();
    s
}

#[test]
fn rfc7252_6_4_decomposes_host_port_path_query_with_percent_decoding() {
    assert_eq!(
        options_of("coap://EXAMPLE.net:61616/.well-known/c%6Fre?rt=a%26b&x"),
        [
            (3, b"example.net".to_vec()),
            (7, vec![0xf0, 0xb0]), // 61616
            (11, b".well-known".to_vec()),
            (11, b"core".to_vec()),
            (15, b"rt=a&b".to_vec()),
            (15, b"x".to_vec()),
        ]
    );
}

#[test]
fn rfc7252_6_4_step_5_and_7_ip_hosts_and_default_ports_add_no_options() {
    assert_eq!(options_of("coap://198.51.100.1:5683/"), []);
    assert_eq!(options_of("coap://[2001:db8::2:1]"), []);
    assert_eq!(
        options_of("coaps://[2001:db8::1]:5683/a"),
        [(7, vec![0x16, 0x33]), (11, b"a".to_vec())]
    );
}

#[test]
fn rfc7252_6_4_step_8_empty_segments_are_kept_but_a_lone_slash_is_no_path() {
    assert_eq!(options_of("coap://10.0.0.1/"), []);
    assert_eq!(
        options_of("coap://10.0.0.1/a//b/"),
        [
            (11, b"a".to_vec()),
            (11, vec![]),
            (11, b"b".to_vec()),
            (11, vec![])
        ]
    );
}

#[test]
fn rfc7252_6_4_rejects_relative_uris_other_schemes_fragments_and_bad_escapes() {
    assert_eq!(Uri::parse("/just/a/path"), Err(UriError::NotAbsolute));
    assert_eq!(
        Uri::parse("http://example.net/"),
        Err(UriError::UnsupportedScheme)
    );
    assert_eq!(
        Uri::parse("coap://example.net/a#frag"),
        Err(UriError::Fragment)
    );
    assert_eq!(
        Uri::parse("coap://example.net/a%2"),
        Err(UriError::BadPercentEncoding)
    );
    assert_eq!(
        Uri::parse("coap://example.net:70000/"),
        Err(UriError::BadPort)
    );
    assert_eq!(
        Uri::parse("coap://example.net/a b"),
        Err(UriError::BadCharacter)
    );
    // RFC 8323 schemes and their default ports.
    assert_eq!(Uri::parse("coap+tcp://h/").unwrap().port(), 5683);
    assert_eq!(Uri::parse("coaps+ws://h/").unwrap().port(), 443);
}

#[test]
fn uri_decoding_uses_only_caller_scratch_and_fails_cleanly_when_it_is_short() {
    let u = Uri::parse("coap://h/%41%42%43").unwrap();
    let mut small = [0u8; 2];
    let mut b = MessageBuilder::new(MessageType::Confirmable, Code::GET, 1);
    assert_eq!(u.add_options(&mut b, &mut small), Err(UriError::NoSpace));
    // Unescaped components need no scratch at all.
    let u = Uri::parse("coap://h/abc").unwrap();
    let mut none = [0u8; 0];
    let mut b = MessageBuilder::new(MessageType::Confirmable, Code::GET, 1);
    assert_eq!(u.add_options(&mut b, &mut none), Ok(()));
    assert_eq!(b.options().len(), 2);
}

#[test]
fn rfc7252_appendix_b_uri_examples_compose() {
    assert_eq!(
        compose("[2001:db8::2:1]", 5683, &[]),
        "coap://[2001:db8::2:1]/"
    );
    assert_eq!(
        compose(
            "[2001:db8::2:1]",
            5683,
            &[(OptionNumber::URI_HOST, b"example.net")]
        ),
        "coap://example.net/"
    );
    assert_eq!(
        compose(
            "[2001:db8::2:1]",
            5683,
            &[
                (OptionNumber::URI_HOST, b"example.net"),
                (OptionNumber::URI_PATH, b".well-known"),
                (OptionNumber::URI_PATH, b"core")
            ]
        ),
        "coap://example.net/.well-known/core"
    );
    assert_eq!(
        compose(
            "[2001:db8::2:1]",
            5683,
            &[
                (OptionNumber::URI_HOST, b"xn--18j4d.example"),
                (OptionNumber::URI_PATH, "こんにちは".as_bytes())
            ]
        ),
        "coap://xn--18j4d.example/%E3%81%93%E3%82%93%E3%81%AB%E3%81%A1%E3%81%AF"
    );
    // The last Appendix B example prints Uri-Query "//" as "%2F%2F", but
    // §6.5 step 8 (normative) keeps "/" in queries; we follow step 8.
    assert_eq!(
        compose(
            "198.51.100.1",
            61616,
            &[
                (OptionNumber::URI_PATH, b""),
                (OptionNumber::URI_PATH, b"/"),
                (OptionNumber::URI_PATH, b""),
                (OptionNumber::URI_PATH, b""),
                (OptionNumber::URI_QUERY, b"//"),
                (OptionNumber::URI_QUERY, b"?&"),
            ]
        ),
        "coap://198.51.100.1:61616//%2F//?//&?%26"
    );
}

#[test]
fn uri_round_trips_through_options() {
    let mut s = String::new();
    let u = "coap://example.net:1234/a%20b/c?x=1&y=%26";
    let u2 = Uri::parse(u).unwrap();
    let mut scratch = [0u8; 64];
    let mut b = MessageBuilder::new(MessageType::Confirmable, Code::GET, 1);
    u2.add_options(&mut b, &mut scratch).unwrap();
    let mut buf = [0u8; 128];
    let n = b.build(&mut buf).unwrap();
    let m = Message::parse(&buf[..n]).unwrap();
    uri::write_uri(&mut s, Scheme::Coap, "192.0.2.1", 5683, m.options()).unwrap();
    assert_eq!(s, u);
}

#[test]
fn rfc6690_5_example_well_known_core_parses() {
    // RFC 6690 §5 example response payload.
    let doc = "</sensors/temp>;if=\"sensor\",</sensors/light>;if=\"sensor\"";
    let links: Vec<_> = Links::new(doc).map(Result::unwrap).collect();
    assert_eq!(links.len(), 2);
    assert_eq!(links[1].target(), "/sensors/light");
    assert_eq!(links[1].attr("if"), Some(Some("sensor")));
    // §5 "with anchors and relations", quoted commas and semicolons.
    let doc = "</t>;anchor=\"/sensors/temp\";rel=\"describedby\", </x>;title=\"a, b; c\";ct=40;sz=1024;obs";
    let links: Vec<_> = Links::new(doc).collect::<Result<_, _>>().unwrap();
    assert_eq!(links.len(), 2);
    let attrs: Vec<_> = links[1].attrs().map(|a| (a.name, a.value)).collect();
    assert_eq!(
        attrs,
        [
            ("title", Some("a, b; c")),
            ("ct", Some("40")),
            ("sz", Some("1024")),
            ("obs", None)
        ]
    );
}

#[test]
fn rfc6690_whitespace_around_separators_is_tolerated_and_attributes_still_read() {
    let doc = "</a> ;ct=0 ; obs , </b>";
    let links: Vec<_> = Links::new(doc).collect::<Result<_, _>>().unwrap();
    assert_eq!(links.len(), 2);
    let attrs: Vec<_> = links[0].attrs().map(|a| (a.name, a.value)).collect();
    assert_eq!(attrs, [("ct", Some("0")), ("obs", None)]);
    assert_eq!(links[1].target(), "/b");
}

#[test]
fn rfc6690_2_malformed_documents_yield_one_error_then_stop() {
    for (doc, err) in [
        ("/no-brackets", LinkError::ExpectedTarget),
        ("</a", LinkError::UnterminatedTarget),
        ("</a>;title=\"open", LinkError::UnterminatedQuote),
        ("</a> x", LinkError::UnexpectedCharacter),
        ("</a>;;", LinkError::EmptyParameterName),
    ] {
        let mut it = Links::new(doc);
        assert_eq!(it.next(), Some(Err(err)), "{doc}");
        assert_eq!(it.next(), None);
    }
    assert_eq!(Links::new("").count(), 0);
}

#[test]
fn rfc6690_writer_escapes_quotes_and_never_overflows() {
    let mut buf = [0u8; 64];
    let mut w = LinkWriter::new(&mut buf);
    w.link("/a")
        .unwrap()
        .attr_quoted("title", "say \"hi\"")
        .unwrap();
    assert_eq!(w.as_str(), r#"</a>;title="say \"hi\"""#);
    let parsed: Vec<_> = Links::new(w.as_str()).map(Result::unwrap).collect();
    assert_eq!(parsed[0].attr("title"), Some(Some(r#"say \"hi\""#)));
    let mut tiny = [0u8; 8];
    let mut w = LinkWriter::new(&mut tiny);
    w.link("/ab").unwrap();
    assert_eq!(w.link("/cd").err(), Some(LinkError::NoSpace));
    assert_eq!(
        w.as_str(),
        "</ab>",
        "a link that does not fit is not written at all"
    );
}
