//! `mqcoap decode coap` prints exactly DESIGN.md's JSON contract.

mod common;

use std::time::Duration;

const T: Duration = Duration::from_secs(20);

/// `mqcoap decode coap ARGS`: exit code and standard output.
fn decode(args: &[&str]) -> (i32, String) {
    let out = common::mqcoap(&[&["decode", "coap"][..], args].concat(), T);
    (out.code(), out.stdout)
}

#[test]
fn udp_rfc7252_figure_16_get_temperature() {
    // RFC 7252 Appendix A, Figure 16: CON GET, MID 0x7d34, Uri-Path "temperature".
    let (code, out) = decode(&["40017d34bb74656d7065726174757265"]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        concat!(
            r#"{"type":"CON","code":"0.01","code_name":"GET","message_id":32052,"token_hex":"","#,
            r#""options":[{"number":11,"name":"uri_path","value_hex":"74656d7065726174757265","value":"temperature"}],"#,
            r#""payload_hex":""}"#,
            "\n"
        )
    );
}

#[test]
fn udp_piggybacked_content_with_every_value_format() {
    // ACK 2.05, MID 0x7d34, token 0x20, ETag 0xa1b2 (opaque), Observe 5
    // (uint), Content-Format 0 (uint, empty), Block2 0x0e (uint), payload "22.3 C".
    let (code, out) = decode(&["61457d3420 42a1b2 2105 60 b10e ff32322e332043"]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        concat!(
            r#"{"type":"ACK","code":"2.05","code_name":"Content","message_id":32052,"token_hex":"20","options":["#,
            r#"{"number":4,"name":"etag","value_hex":"a1b2","value":"a1b2"},"#,
            r#"{"number":6,"name":"observe","value_hex":"05","value":5},"#,
            r#"{"number":12,"name":"content_format","value_hex":"","value":0},"#,
            r#"{"number":23,"name":"block2","value_hex":"0e","value":14}],"#,
            r#""payload_hex":"32322e332043"}"#,
            "\n"
        )
    );
}

#[test]
fn udp_empty_ack_rst_and_unknown_option() {
    // Empty ACK, RST, and NON 4.04 carrying unregistered option 65000 (value 0x01).
    let (code, out) = decode(&["60001234", "70001234", "5084000a e1fcdb01"]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        concat!(
            r#"{"type":"ACK","code":"0.00","code_name":"Empty","message_id":4660,"token_hex":"","options":[],"payload_hex":""}"#,
            "\n",
            r#"{"type":"RST","code":"0.00","code_name":"Empty","message_id":4660,"token_hex":"","options":[],"payload_hex":""}"#,
            "\n",
            r#"{"type":"NON","code":"4.04","code_name":"Not Found","message_id":10,"token_hex":"","options":[{"number":65000,"name":null,"value_hex":"01","value":"01"}],"payload_hex":""}"#,
            "\n"
        )
    );
}

#[test]
fn udp_rejections_name_the_rule_and_the_receiver_action_and_exit_1() {
    // RFC 7252 §3: payload marker with no payload, in a CON -> RST.
    // RFC 7252 §3: TKL 9 in a NON -> ignore (RST allowed).
    // RFC 7252 §3: version 2 -> silently ignore.
    let (code, out) = decode(&["40011234ff", "59011234", "80011234"]);
    assert_eq!(code, 1);
    assert_eq!(
        out,
        concat!(
            r#"{"error":"empty_payload","detail":"payload marker followed by no payload; receiver should reject with RST (message ID 4660)","spec":"RFC 7252 §3"}"#,
            "\n",
            r#"{"error":"reserved_token_length","detail":"reserved token length; receiver should silently ignore; an RST (message ID 4660) is allowed","spec":"RFC 7252 §3"}"#,
            "\n",
            r#"{"error":"unknown_version","detail":"version is not 1; receiver should silently ignore","spec":"RFC 7252 §3"}"#,
            "\n"
        )
    );
}

#[test]
fn udp_decoding_goes_on_after_a_rejected_line_read_from_stdin() {
    let out = common::mqcoap_with_input(&["decode", "coap"], b"40011234 f0\n\n70000001\n", T);
    assert_eq!(out.code(), 1);
    assert_eq!(
        out.stdout,
        concat!(
            r#"{"error":"reserved_option_delta","detail":"option delta nibble 15 outside the payload marker; receiver should reject with RST (message ID 4660)","spec":"RFC 7252 §3.1"}"#,
            "\n",
            r#"{"type":"RST","code":"0.00","code_name":"Empty","message_id":1,"token_hex":"","options":[],"payload_hex":""}"#,
            "\n"
        )
    );
}

#[test]
fn tcp_frames_back_to_back_including_signaling() {
    // RFC 8323 §3.2: GET token 01 Uri-Path "a"; then a CSM with
    // Max-Message-Size 1152 (0x0480) and Block-Wise-Transfer; then a Ping.
    let (code, out) = decode(&["--transport", "tcp", "210101b161 40e1220480 20 00e2"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        out,
        concat!(
            r#"{"code":"0.01","code_name":"GET","token_hex":"01","options":[{"number":11,"name":"uri_path","value_hex":"61","value":"a"}],"payload_hex":""}"#,
            "\n",
            r#"{"code":"7.01","code_name":"CSM","token_hex":"","options":[{"number":2,"name":"max_message_size","value_hex":"0480","value":1152},{"number":4,"name":"block_wise_transfer","value_hex":"","value":""}],"payload_hex":""}"#,
            "\n",
            r#"{"code":"7.02","code_name":"Ping","token_hex":"","options":[],"payload_hex":""}"#,
            "\n"
        )
    );
}

#[test]
fn tcp_cut_off_frame_reports_bytes_needed_and_exits_1() {
    // A complete Ping, then a frame announcing Len 2 with only its code byte.
    let (code, out) = decode(&["--transport", "tcp", "00e2 2001"]);
    assert_eq!(code, 1);
    assert_eq!(
        out,
        concat!(
            r#"{"code":"7.02","code_name":"Ping","token_hex":"","options":[],"payload_hex":""}"#,
            "\n",
            r#"{"error":"incomplete","detail":"frame cut off: at least 2 more bytes needed","spec":"RFC 8323 §3.2"}"#,
            "\n"
        )
    );
}

#[test]
fn tcp_malformed_option_stops_the_line_with_abort_advice() {
    // Len 1, code 2.05, option byte 0x0f: length nibble 15 (RFC 7252 §3.1).
    let (code, out) = decode(&["--transport", "tcp", "10450f 00e2"]);
    assert_eq!(code, 1);
    assert_eq!(
        out,
        concat!(
            r#"{"error":"reserved_option_length","detail":"option length nibble 15; receiver should send Abort (7.05) and close","spec":"RFC 7252 §3.1"}"#,
            "\n"
        )
    );
}
