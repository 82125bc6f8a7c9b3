//! `mqcoap coap get|put|post|delete` against libcoap's `coap-server-notls`.

mod common;

use common::*;
use std::time::Duration;

const T: Duration = Duration::from_secs(30);

fn coap(args: &[&str]) -> Output {
    let mut all = vec!["coap"];
    all.extend_from_slice(args);
    mqcoap(&all, T)
}

fn ok(args: &[&str]) -> String {
    let out = coap(args);
    assert_eq!(out.code(), 0, "mqcoap coap {args:?}:\n{}", out.stderr);
    out.stdout
}

#[test]
fn get_time_and_discovery_confirmable_and_non_confirmable() {
    let Some(server) = LibcoapServer::start() else {
        return;
    };
    let core = ok(&["get", &server.uri("/.well-known/core")]);
    assert!(
        core.contains("</time>") && core.contains("</example_data>"),
        "{core}"
    );
    for extra in [&[][..], &["--non"][..]] {
        let time = ok(&[&["get", &server.uri("/time")][..], extra].concat());
        assert!(!time.trim().is_empty(), "a time of day came back");
    }
}

#[test]
fn put_then_get_returns_the_body_and_post_delete_answer() {
    let Some(server) = LibcoapServer::start() else {
        return;
    };
    let uri = server.uri("/example_data");
    ok(&[
        "put",
        &uri,
        "--payload",
        "hello from mqcoap",
        "--content-format",
        "0",
    ]);
    assert_eq!(ok(&["get", &uri]), "hello from mqcoap\n");
    ok(&["put", &uri, "--payload", "non-confirmable", "--non"]);
    assert_eq!(ok(&["get", &uri, "--non"]), "non-confirmable\n");
    // /example_data takes no POST: a 4.xx response exits 1 and is named.
    let refused = coap(&["post", &uri, "--payload", "x"]);
    assert_eq!(refused.code(), 1);
    assert!(
        refused.stderr.contains("4.05 Method Not Allowed"),
        "{}",
        refused.stderr
    );
    // A dynamic resource: POST creates, PUT changes, DELETE removes.
    let dynamic = server.uri("/made/by/post");
    let created = coap(&["post", &dynamic, "--payload", "one"]);
    assert_eq!(created.code(), 0, "{}", created.stderr);
    assert!(
        created.stderr.contains("2.01 Created"),
        "{}",
        created.stderr
    );
    assert_eq!(ok(&["get", &dynamic]), "one\n");
    ok(&["put", &dynamic, "--payload", "two"]);
    assert_eq!(ok(&["get", &dynamic]), "two\n");
    let deleted = coap(&["delete", &dynamic]);
    assert!(
        deleted.stderr.contains("2.02 Deleted"),
        "{}",
        deleted.stderr
    );
    assert_eq!(coap(&["get", &dynamic]).code(), 1);
}

#[test]
fn block1_upload_and_block2_download_are_byte_identical() {
    let Some(server) = LibcoapServer::start() else {
        return;
    };
    let uri = server.uri("/example_data");
    let body: String = (0..300).map(|i| format!("{i:04}-")).collect(); // 1500 bytes
    let dir = TempDir::new("coap-block");
    let file = dir.path().join("body.txt");
    std::fs::write(&file, &body).unwrap();
    ok(&[
        "put",
        &uri,
        "--file",
        file.to_str().unwrap(),
        "--block1",
        "2",
    ]); // 64-byte blocks
    assert_eq!(ok(&["get", &uri, "--block2", "1"]), format!("{body}\n")); // 32-byte blocks
    assert_eq!(ok(&["get", &uri]), format!("{body}\n"));
}

#[test]
fn observe_prints_each_notification_then_deregisters() {
    let Some(server) = LibcoapServer::start() else {
        return;
    };
    let out = ok(&["get", &server.uri("/time"), "--observe", "2"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "two notifications: {out:?}");
    assert_ne!(lines[0], lines[1], "/time changes every second");
}

#[test]
fn missing_resource_exits_1_and_names_the_code() {
    let Some(server) = LibcoapServer::start() else {
        return;
    };
    let out = coap(&["get", &server.uri("/no/such/thing")]);
    assert_eq!(out.code(), 1);
    assert!(out.stderr.contains("4.04"), "{}", out.stderr);
}

#[test]
fn silent_port_exits_2_and_malformed_uri_is_a_usage_error() {
    // Nothing listens there: the kernel's ICMP port-unreachable ends it early.
    let port = free_udp_port();
    let out = coap(&["get", &format!("coap://127.0.0.1:{port}/x")]);
    assert_eq!(out.code(), 2, "{}", out.stderr);
    assert!(
        !out.stderr.contains("usage:"),
        "not a usage error: {}",
        out.stderr
    );
    let out = coap(&["get", "coap://[::1/x"]);
    assert_eq!(out.code(), 2);
    assert!(
        out.stderr.contains("malformed URI") && out.stderr.contains("usage:"),
        "{}",
        out.stderr
    );
    let out = coap(&["get", "coap://no-such-host.invalid/x"]);
    assert_eq!(out.code(), 1, "{}", out.stderr);
    assert!(out.stderr.contains("unknown host"), "{}", out.stderr);
}
