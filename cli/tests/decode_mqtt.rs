//! `mqcoap decode mqtt` prints exactly DESIGN.md's JSON contract.

mod common;

use std::time::Duration;

const T: Duration = Duration::from_secs(20);

/// `mqcoap decode mqtt ARGS`: exit code and standard output.
fn decode(args: &[&str]) -> (i32, String) {
    let out = common::mqcoap(&[&["decode", "mqtt"][..], args].concat(), T);
    (out.code(), out.stdout)
}

#[test]
fn connect_sets_the_level_of_later_frames_on_the_line() {
    // A 3.1.1 CONNECT, then a QoS 1 PUBLISH on the same line: decoded at
    // level 4 (no property field), although --protocol defaults to 5.
    let (code, out) = decode(&["100f00044d5154540402003c0003636964 3209 0003612f62 0001 6869"]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        concat!(
            r#"{"type":"CONNECT","protocol_name":"MQTT","protocol_level":4,"clean_start":true,"keep_alive":60,"client_id":"cid"}"#,
            "\n",
            r#"{"type":"PUBLISH","dup":false,"qos":1,"retain":false,"topic":"a/b","packet_id":1,"payload_hex":"6869","payload_len":2}"#,
            "\n"
        )
    );
}

#[test]
fn v5_publish_properties_in_wire_order_with_typed_values() {
    // Message Expiry 60, User Property k=v, Correlation Data ab cd; payload "x".
    let (code, out) = decode(&["3018 0003612f62 11 020000003c 2600016b000176 090002abcd 78"]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        concat!(
            r#"{"type":"PUBLISH","dup":false,"qos":0,"retain":false,"topic":"a/b","payload_hex":"78","payload_len":1,"#,
            r#""properties":[{"id":2,"name":"message_expiry_interval","value":60},"#,
            r#"{"id":38,"name":"user_property","value":{"key":"k","value":"v"}},"#,
            r#"{"id":9,"name":"correlation_data","value":"abcd"}]}"#,
            "\n"
        )
    );
}

#[test]
fn v31_connect_with_will_and_credentials() {
    let (code, out) = decode(&[
        "--protocol",
        "3",
        "101d00064d514973647003ee000a 000163 000177 0003627965 000175 000170",
    ]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        concat!(
            r#"{"type":"CONNECT","protocol_name":"MQIsdp","protocol_level":3,"clean_start":true,"keep_alive":10,"#,
            r#""client_id":"c","username":"u","password_hex":"70","#,
            r#""will":{"topic":"w","qos":1,"retain":true,"payload_hex":"627965","properties":[]}}"#,
            "\n"
        )
    );
}

#[test]
fn v5_subscribe_options_and_suback_codes() {
    let (code, out) = decode(&[
        "8218000a 020b05 0003612f2b 2d 000a247368617265 2f672f78 02",
        "9005000a 00 0180",
    ]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        concat!(
            r#"{"type":"SUBSCRIBE","packet_id":10,"filters":["#,
            r#"{"filter":"a/+","qos":1,"no_local":true,"retain_as_published":true,"retain_handling":2},"#,
            r#"{"filter":"$share/g/x","qos":2,"no_local":false,"retain_as_published":false,"retain_handling":0}],"#,
            r#""properties":[{"id":11,"name":"subscription_identifier","value":5}]}"#,
            "\n",
            r#"{"type":"SUBACK","packet_id":10,"reason_codes":[1,128],"properties":[]}"#,
            "\n"
        )
    );
}

#[test]
fn v311_acks_have_no_properties_and_connack_shows_the_return_code() {
    let (code, out) = decode(&[
        "--protocol",
        "4",
        "20020005",
        "62020001",
        "a2070002 0003612f62",
        "b0020002",
        "e000",
    ]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        concat!(
            r#"{"type":"CONNACK","session_present":false,"reason_code":5}"#,
            "\n",
            r#"{"type":"PUBREL","packet_id":1,"reason_code":0}"#,
            "\n",
            r#"{"type":"UNSUBSCRIBE","packet_id":2,"filters":["a/b"]}"#,
            "\n",
            r#"{"type":"UNSUBACK","packet_id":2,"reason_codes":[]}"#,
            "\n",
            r#"{"type":"DISCONNECT","reason_code":0}"#,
            "\n"
        )
    );
}

#[test]
fn v5_short_forms_read_as_success_with_no_properties() {
    let (code, out) = decode(&["40020001 e00104 f000 c000 d000"]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        concat!(
            r#"{"type":"PUBACK","packet_id":1,"reason_code":0,"properties":[]}"#,
            "\n",
            r#"{"type":"DISCONNECT","reason_code":4,"properties":[]}"#,
            "\n",
            r#"{"type":"AUTH","reason_code":0,"properties":[]}"#,
            "\n",
            r#"{"type":"PINGREQ"}"#,
            "\n",
            r#"{"type":"PINGRESP"}"#,
            "\n"
        )
    );
}

#[test]
fn rejected_frame_names_the_statement_and_reason_code_then_next_line_decodes() {
    // PUBLISH with both QoS bits set [MQTT-3.3.1-4] → Malformed Packet (129).
    let (code, out) = decode(&["3600", "d000"]);
    assert_eq!(code, 1);
    assert_eq!(
        out,
        concat!(
            r#"{"error":"invalid_qos","detail":"PUBLISH has both QoS bits set (QoS 3)","reason_code":129,"spec":"MQTT-3.3.1-4"}"#,
            "\n",
            r#"{"type":"PINGRESP"}"#,
            "\n"
        )
    );
}

#[test]
fn protocol_error_reports_0x82() {
    // PUBLISH with Topic Alias 0 [MQTT-3.3.2-8].
    let (code, out) = decode(&["3009 0001 61 03 230000 7878"]);
    assert_eq!(code, 1);
    assert_eq!(
        out,
        concat!(
            r#"{"error":"topic_alias_invalid","detail":"Topic Alias is 0","reason_code":130,"spec":"MQTT-3.3.2-8"}"#,
            "\n"
        )
    );
}

#[test]
fn auth_below_v5_is_a_reserved_packet_type() {
    let (code, out) = decode(&["--protocol", "4", "f000"]);
    assert_eq!(code, 1);
    assert_eq!(
        out,
        concat!(
            r#"{"error":"reserved_packet_type","detail":"packet type 0, or 15 (AUTH) below MQTT 5.0, is reserved","reason_code":129,"spec":"§2.1.2"}"#,
            "\n"
        )
    );
}

#[test]
fn truncated_frame_is_incomplete_with_the_missing_count() {
    let (code, out) = decode(&["d000 3005000361"]);
    assert_eq!(code, 1);
    assert_eq!(
        out,
        concat!(
            r#"{"type":"PINGRESP"}"#,
            "\n",
            r#"{"error":"incomplete","detail":"frame cut short: 2 more byte(s) needed after the 5 given"}"#,
            "\n"
        )
    );
}

#[test]
fn stdin_lines_are_decoded_one_by_one_and_bad_hex_is_reported() {
    let out = common::mqcoap_with_input(
        &["decode", "mqtt", "--protocol", "4"],
        b"c000\n\nzz\n40020007\n",
        T,
    );
    assert_eq!(out.code(), 1);
    let text = out.stdout;
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert_eq!(lines[0], r#"{"type":"PINGREQ"}"#);
    assert!(lines[1].starts_with(r#"{"error":"hex","#), "{}", lines[1]);
    assert_eq!(
        lines[2],
        r#"{"type":"PUBACK","packet_id":7,"reason_code":0}"#
    );
}
