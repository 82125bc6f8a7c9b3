//! libcoap's `coap-client-notls` against `mqcoap coap serve`.

mod common;

use common::*;

fn client(args: &[&str]) -> Option<Output> {
    coap_client(args)
}

/// Runs coap-client-notls, asserts success, returns the payload it printed
/// (without the newline it adds at the end).
fn ok(args: &[&str]) -> Option<String> {
    let out = client(args)?;
    assert!(
        out.status.success(),
        "coap-client-notls {args:?}: {}{}",
        out.stdout,
        out.stderr
    );
    let mut s = out.stdout;
    if s.ends_with('\n') {
        s.pop();
    }
    Some(s)
}

#[test]
fn discovery_lists_obs_and_the_preloaded_resource() {
    let (_server, port) = spawn_serve();
    let Some(core) = ok(&[
        "-m",
        "get",
        &format!("coap://127.0.0.1:{port}/.well-known/core"),
    ]) else {
        return;
    };
    assert!(core.contains("</obs>;obs"), "{core}");
    assert!(core.contains("</large>"), "{core}");
}

#[test]
fn put_get_post_delete_round_trip_confirmable_and_non_confirmable() {
    let (_server, port) = spawn_serve();
    let uri = format!("coap://127.0.0.1:{port}/things/a");
    let Some(_) = ok(&["-m", "put", "-e", "first", &uri]) else {
        return;
    };
    assert_eq!(ok(&["-m", "get", &uri]).unwrap(), "first");
    ok(&["-m", "post", "-e", "second", &uri]);
    assert_eq!(ok(&["-N", "-m", "get", &uri]).unwrap(), "second");
    ok(&["-m", "delete", &uri]);
    let gone = client(&["-m", "get", &uri]).unwrap();
    assert!(
        gone.stderr.contains("4.04") || gone.stdout.contains("4.04"),
        "{}{}",
        gone.stdout,
        gone.stderr
    );
}

#[test]
fn block2_download_and_block1_upload_are_byte_identical() {
    let (_server, port) = spawn_serve();
    let large = format!("coap://127.0.0.1:{port}/large");
    let Some(body) = ok(&["-b", "64", "-m", "get", &large]) else {
        return;
    };
    assert_eq!(body.len(), 4096);
    assert!(body.starts_with("line 0001 of the block-wise demo body\n"));
    // Upload 3000 bytes in 32-byte blocks, read it back in 128-byte blocks.
    let dir = TempDir::new("serve-block");
    let file = dir.path().join("up.txt");
    let up: String = (0..600).map(|i| format!("{i:04}|")).collect();
    std::fs::write(&file, &up).unwrap();
    let uri = format!("coap://127.0.0.1:{port}/upload");
    ok(&["-b", "32", "-m", "put", "-f", file.to_str().unwrap(), &uri]);
    assert_eq!(ok(&["-b", "128", "-m", "get", &uri]).unwrap(), up);
}

#[test]
fn observe_of_obs_yields_changing_notifications() {
    let (_server, port) = spawn_serve();
    // -s 3: observe for 3 seconds; /obs changes every second.
    let Some(out) = ok(&[
        "-s",
        "3",
        "-m",
        "get",
        &format!("coap://127.0.0.1:{port}/obs"),
    ]) else {
        return;
    };
    let ticks: Vec<&str> = out.split("tick ").filter(|s| !s.is_empty()).collect();
    assert!(
        ticks.len() >= 3,
        "initial response and at least two notifications: {out:?}"
    );
    let numbers: Vec<u64> = ticks.iter().map(|t| t.trim().parse().unwrap()).collect();
    assert!(
        numbers.windows(2).all(|w| w[0] < w[1]),
        "ticks increase: {numbers:?}"
    );
}

#[test]
fn mqcoap_client_against_mqcoap_server() {
    let (_server, port) = spawn_serve();
    let uri = format!("coap://127.0.0.1:{port}/ours");
    let t = std::time::Duration::from_secs(20);
    let body: String = (0..500).map(|i| format!("{i:03},")).collect(); // 2000 bytes
    assert_eq!(
        mqcoap(
            &["coap", "put", &uri, "--payload", &body, "--block1", "3"],
            t
        )
        .code(),
        0
    );
    let got = mqcoap(&["coap", "get", &uri, "--block2", "2"], t);
    assert_eq!(got.code(), 0, "{}", got.stderr);
    assert_eq!(got.stdout, format!("{body}\n"));
    let obs = mqcoap(
        &[
            "coap",
            "get",
            &format!("coap://127.0.0.1:{port}/obs"),
            "--observe",
            "2",
        ],
        t,
    );
    assert_eq!(obs.code(), 0, "{}", obs.stderr);
    assert_eq!(obs.stdout.lines().count(), 2);
    assert_eq!(mqcoap(&["coap", "delete", &uri], t).code(), 0);
    assert_eq!(mqcoap(&["coap", "get", &uri], t).code(), 1);
}
