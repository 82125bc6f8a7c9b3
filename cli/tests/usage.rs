//! Usage errors exit 2 and print the usage text (DESIGN.md, CLI contract).

mod common;

use common::*;
use std::time::Duration;

const T: Duration = Duration::from_secs(10);

#[test]
fn usage_errors_exit_2_with_the_usage_text() {
    for args in [
        &[][..],
        &["frobnicate"],
        &["mqtt"],
        &["mqtt", "pub", "--topic", "t"],
        &[
            "mqtt", "sub", "--broker", "h:1", "--topic", "t", "--qos", "3",
        ],
        &["mqtt", "pub", "--broker", "h:1", "--topic", "t", "--bogus"],
        &["coap", "get"],
        &["coap", "get", "http://example.com/"],
        &["coap", "put", "coap://h/x"],
        &["coap", "serve"],
        &["demo", "--seed", "x"],
    ] {
        let out = mqcoap(args, T);
        assert_eq!(out.code(), 2, "{args:?}: {}", out.stderr);
        assert!(
            out.stderr.starts_with("mqcoap: "),
            "{args:?}: a one-line reason first: {}",
            out.stderr
        );
        assert!(
            out.stderr.contains("usage:\n  mqcoap demo"),
            "{args:?}: {}",
            out.stderr
        );
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn help_prints_usage_on_stdout_and_exits_0() {
    let out = mqcoap(&["--help"], T);
    assert_eq!(out.code(), 0);
    assert!(out.stdout.contains("mqcoap coap serve --bind HOST:PORT"));
}
