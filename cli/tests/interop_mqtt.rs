//! `mqcoap mqtt pub|sub` against a real mosquitto broker, with mosquitto's own
//! clients on the other end where that proves interoperability.

mod common;

use common::*;
use std::time::Duration;

const T: Duration = Duration::from_secs(20);

/// Starts `mqcoap mqtt sub` and waits until its subscription is acknowledged.
fn sub(broker: &Mosquitto, args: &[&str]) -> Proc {
    let addr = broker.addr();
    let mut all = vec!["mqtt", "sub", "--broker", &addr];
    all.extend_from_slice(args);
    let mut p = spawn_mqcoap(&all);
    p.wait_stderr("subscribed to", T);
    p
}

fn publish(broker: &Mosquitto, args: &[&str]) -> Output {
    let addr = broker.addr();
    let mut all = vec!["mqtt", "pub", "--broker", &addr];
    all.extend_from_slice(args);
    let out = mqcoap(&all, T);
    assert_eq!(out.code(), 0, "mqcoap {all:?} failed:\n{}", out.stderr);
    out
}

#[test]
fn mqcoap_pub_reaches_mqcoap_sub_and_mosquitto_sub_at_levels_4_and_5_and_every_qos() {
    let Some(broker) = Mosquitto::start() else {
        return;
    };
    for level in ["4", "5"] {
        for qos in ["0", "1", "2"] {
            let topic = format!("interop/l{level}/q{qos}");
            let mut ours = sub(
                &broker,
                &[
                    "--topic",
                    &topic,
                    "--qos",
                    qos,
                    "--protocol",
                    level,
                    "--count",
                    "3",
                ],
            );
            let v = if level == "5" { "5" } else { "311" };
            let Some(mut theirs) =
                mosquitto_sub(broker.port, &["-t", &topic, "-q", qos, "-V", v, "-C", "3"])
            else {
                return;
            };
            publish(
                &broker,
                &[
                    "--topic",
                    &topic,
                    "--qos",
                    qos,
                    "--protocol",
                    level,
                    "--count",
                    "3",
                    "--message",
                    "m",
                ],
            );
            assert_eq!(
                ours.lines(3, T),
                ["m-1", "m-2", "m-3"],
                "mqcoap sub, level {level} QoS {qos}"
            );
            assert!(
                ours.wait(T).success(),
                "mqcoap sub --count 3 exits 0 after 3 messages"
            );
            assert_eq!(
                mosquitto_sub_messages(&mut theirs, 3, T),
                ["m-1", "m-2", "m-3"],
                "mosquitto_sub, level {level} QoS {qos}"
            );
        }
    }
}

#[test]
fn mosquitto_pub_reaches_mqcoap_sub_at_levels_4_and_5_and_every_qos() {
    let Some(broker) = Mosquitto::start() else {
        return;
    };
    for (level, v) in [("4", "mqttv311"), ("5", "mqttv5")] {
        for qos in ["0", "1", "2"] {
            let topic = format!("theirs/l{level}/q{qos}");
            let mut ours = sub(
                &broker,
                &[
                    "--topic",
                    "theirs/+/+",
                    "--qos",
                    qos,
                    "--protocol",
                    level,
                    "--count",
                    "1",
                ],
            );
            let msg = format!("from mosquitto_pub {level} {qos}");
            if mosquitto_pub(broker.port, &["-t", &topic, "-q", qos, "-V", v, "-m", &msg]).is_none()
            {
                return;
            }
            assert_eq!(ours.lines(1, T), [msg]);
            assert!(ours.wait(T).success());
        }
    }
}

#[test]
fn retained_message_is_delivered_to_a_later_subscriber() {
    let Some(broker) = Mosquitto::start() else {
        return;
    };
    for level in ["4", "5"] {
        let topic = format!("retained/{level}");
        publish(
            &broker,
            &[
                "--topic",
                &topic,
                "--qos",
                "1",
                "--protocol",
                level,
                "--retain",
                "--message",
                "kept",
            ],
        );
        let mut ours = sub(
            &broker,
            &["--topic", &topic, "--protocol", level, "--count", "1"],
        );
        assert_eq!(ours.lines(1, T), ["kept"], "level {level}");
        assert!(ours.wait(T).success());
        let Some(mut theirs) = mosquitto_sub(broker.port, &["-t", &topic, "-C", "1"]) else {
            return;
        };
        assert_eq!(mosquitto_sub_messages(&mut theirs, 1, T), ["kept"]);
    }
}

#[test]
fn will_is_published_when_the_connection_closes_abruptly() {
    let Some(broker) = Mosquitto::start() else {
        return;
    };
    for level in ["4", "5"] {
        let will_topic = format!("will/{level}");
        let Some(mut watcher) = mosquitto_sub(broker.port, &["-t", &will_topic, "-C", "1"]) else {
            return;
        };
        let mut doomed = sub(
            &broker,
            &[
                "--topic",
                "nothing/here",
                "--protocol",
                level,
                "--keep-alive",
                "5",
                "--will-topic",
                &will_topic,
                "--will-message",
                "gone",
                "--will-qos",
                "1",
            ],
        );
        doomed.kill(); // SIGKILL: no DISCONNECT, the broker sees the socket close
        assert_eq!(
            mosquitto_sub_messages(&mut watcher, 1, T),
            ["gone"],
            "level {level}"
        );
    }
}

#[test]
fn persistent_session_picks_up_messages_queued_while_offline() {
    let Some(broker) = Mosquitto::start() else {
        return;
    };
    for level in ["4", "5"] {
        let topic = format!("offline/{level}");
        let id = format!("mqcoap-offline-{level}");
        let persistent = [
            "--client-id",
            &id,
            "--no-clean",
            "--qos",
            "1",
            "--protocol",
            level,
        ];
        // Create the session and its subscription, then go away.
        let mut first = sub(
            &broker,
            &[&["--topic", &topic, "--count", "1"][..], &persistent].concat(),
        );
        publish(
            &broker,
            &[
                "--topic",
                &topic,
                "--qos",
                "1",
                "--protocol",
                level,
                "--message",
                "online",
            ],
        );
        assert_eq!(first.lines(1, T), ["online"]);
        assert!(first.wait(T).success());
        // Published while the subscriber is offline: the broker queues them.
        publish(
            &broker,
            &[
                "--topic",
                &topic,
                "--qos",
                "1",
                "--protocol",
                level,
                "--count",
                "5",
                "--message",
                "queued",
            ],
        );
        let addr = broker.addr();
        let mut back = spawn_mqcoap(
            &[
                &[
                    "mqtt", "sub", "--broker", &addr, "--topic", &topic, "--count", "5",
                ][..],
                &persistent,
            ]
            .concat(),
        );
        assert_eq!(
            back.lines(5, T),
            ["queued-1", "queued-2", "queued-3", "queued-4", "queued-5"],
            "level {level}"
        );
        assert!(back.wait(T).success());
    }
}

/// Streams `N` QoS 2 messages through mosquitto, restarts the broker after
/// a fifth of them reached the subscriber, and checks that every message
/// arrived exactly once. `session` selects the level and session flags.
fn qos2_stream_across_a_broker_restart(session: &[&str]) {
    let Some(mut broker) = Mosquitto::start() else {
        return;
    };
    const N: usize = 2000;
    let n = N.to_string();
    let addr = broker.addr();
    let common = [
        "--broker",
        &addr,
        "--topic",
        "stream",
        "--count",
        &n,
        "--qos",
        "2",
        "--reconnect",
    ];
    let sub_args = [
        &["mqtt", "sub"][..],
        &common,
        &["--client-id", "stream-sub"],
        session,
    ]
    .concat();
    let mut subscriber = spawn_mqcoap(&sub_args);
    subscriber.wait_stderr("subscribed to", T);
    let pub_args = [
        &["mqtt", "pub"][..],
        &common,
        &["--client-id", "stream-pub", "--message", "s"],
        session,
    ]
    .concat();
    let mut publisher = spawn_mqcoap(&pub_args);
    // Let part of the stream through, then restart the broker under it.
    let mut got = subscriber.lines(N / 5, T);
    assert_eq!(got.len(), N / 5, "the stream started");
    broker.restart();
    got.extend(subscriber.lines(N - got.len(), Duration::from_secs(60)));
    assert!(
        publisher.wait(Duration::from_secs(60)).success(),
        "every message was acknowledged"
    );
    assert!(subscriber.wait(T).success());
    // Exactly once: each payload s-1 … s-N appears one time, none is missing.
    let mut seen = vec![0u32; N + 1];
    for line in &got {
        let i: usize = line
            .strip_prefix("s-")
            .and_then(|s| s.parse().ok())
            .expect(line);
        seen[i] += 1;
    }
    let wrong: Vec<(usize, u32)> = (1..=N)
        .filter(|i| seen[*i] != 1)
        .map(|i| (i, seen[i]))
        .collect();
    assert!(
        wrong.is_empty(),
        "{session:?}: not delivered exactly once (seq, times): {wrong:?}"
    );
    subscriber.drain_stderr();
    publisher.drain_stderr();
    eprintln!(
        "publisher: {:#?}\nsubscriber: {:#?}",
        publisher.stderr_seen, subscriber.stderr_seen
    );
    assert!(
        subscriber
            .stderr_seen
            .iter()
            .any(|l| l.contains("reconnecting")),
        "the subscriber reported its reconnect: {:?}",
        subscriber.stderr_seen
    );
}

#[test]
fn qos2_stream_survives_a_broker_restart_with_reconnect_exactly_once_at_level_5() {
    qos2_stream_across_a_broker_restart(&["--protocol", "5", "--no-clean"]);
}

#[test]
fn qos2_stream_survives_a_broker_restart_with_reconnect_exactly_once_at_level_4() {
    qos2_stream_across_a_broker_restart(&["--protocol", "4"]);
}

#[test]
fn connack_refusal_is_reported_by_name() {
    let Some(broker) = Mosquitto::start_refusing() else {
        return;
    };
    let addr = broker.addr();
    for (level, name) in [
        ("4", "not authorized (return code 5)"),
        ("5", "Not authorized (reason code 0x87)"),
    ] {
        let out = mqcoap(
            &[
                "mqtt",
                "sub",
                "--broker",
                &addr,
                "--topic",
                "t",
                "--protocol",
                level,
            ],
            T,
        );
        assert_eq!(out.code(), 1, "level {level}: {}", out.stderr);
        assert!(out.stderr.contains(name), "level {level}: {}", out.stderr);
    }
}

#[test]
fn refused_connection_and_unknown_host_are_clean_errors() {
    let port = free_tcp_port().to_string();
    let out = mqcoap(
        &[
            "mqtt",
            "pub",
            "--broker",
            &format!("127.0.0.1:{port}"),
            "--topic",
            "t",
        ],
        T,
    );
    assert_eq!(out.code(), 1);
    assert!(out.stderr.contains("connection refused"), "{}", out.stderr);
    let out = mqcoap(
        &[
            "mqtt",
            "sub",
            "--broker",
            "no-such-host.invalid:1883",
            "--topic",
            "t",
        ],
        T,
    );
    assert_eq!(out.code(), 1);
    assert!(out.stderr.contains("unknown host"), "{}", out.stderr);
}

#[test]
fn ctrl_c_ends_a_subscriber_at_once_and_the_broker_keeps_its_session() {
    let Some(broker) = Mosquitto::start() else {
        return;
    };
    let persistent = ["--client-id", "mqcoap-ctrl-c", "--no-clean", "--qos", "1"];
    let mut first = sub(&broker, &[&["--topic", "ctrl-c"][..], &persistent].concat());
    first.interrupt(); // SIGINT, what Ctrl-C sends
    let status = first.wait(Duration::from_secs(5));
    assert!(
        !status.success(),
        "ended by the signal, not as a finished job"
    );
    // The broker queues for the session; the next run picks it up.
    publish(
        &broker,
        &["--topic", "ctrl-c", "--qos", "1", "--message", "after"],
    );
    let addr = broker.addr();
    let mut back = spawn_mqcoap(
        &[
            &[
                "mqtt", "sub", "--broker", &addr, "--topic", "ctrl-c", "--count", "1",
            ][..],
            &persistent,
        ]
        .concat(),
    );
    assert_eq!(back.lines(1, T), ["after"]);
    assert!(back.wait(T).success());
}

#[test]
fn qos0_burst_larger_than_the_inflight_window_finishes_without_waiting_for_input() {
    let Some(broker) = Mosquitto::start() else {
        return;
    };
    // QoS 0 gets no acknowledgement to wake the client: after each write it
    // must queue the next messages itself (a stall would last until the
    // 60 s keep-alive, past this test's 20 s limit).
    let mut ours = sub(
        &broker,
        &["--topic", "burst", "--count", "2000", "--protocol", "4"],
    );
    let out = publish(
        &broker,
        &[
            "--topic",
            "burst",
            "--count",
            "2000",
            "--protocol",
            "4",
            "--message",
            "b",
        ],
    );
    assert!(
        out.stderr.contains("published 2000 message(s) at QoS 0"),
        "{}",
        out.stderr
    );
    let got = ours.lines(2000, T);
    assert_eq!(got.len(), 2000);
    assert_eq!(got.last().map(String::as_str), Some("b-2000"));
}
