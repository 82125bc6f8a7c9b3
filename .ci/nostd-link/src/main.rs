//! A bare-metal binary with no global allocator that exercises the decoders,
//! encoders and engines. If any of them needed `alloc`, this would not link.
#![no_std]
#![no_main]

use core::hint::black_box;
use core::panic::PanicInfo;

#[panic_handler]
fn panic(_: &PanicInfo) -> ! {
    loop {}
}

fn mqtt(buf: &mut [u8]) -> usize {
    use mqtt_codec::{
        DecodeOptions, Packet, Properties, Property, ProtocolLevel, Publish, QoS, Status, TopicName,
    };
    let props = [
        Property::MessageExpiryInterval(60),
        Property::UserProperty("k", "v"),
    ];
    // Checked once, here, and not scanned again by the encoder.
    let (Ok(topic), Ok(properties)) = (
        TopicName::new(black_box("sensors/temp")),
        Properties::new(&props),
    ) else {
        return 0;
    };
    let publish = Publish {
        dup: false,
        qos: QoS::ExactlyOnce,
        retain: false,
        topic,
        packet_id: Some(7),
        properties,
        payload: black_box(b"21.5"),
    };
    let n = match Packet::Publish(publish).encode(ProtocolLevel::V5, buf) {
        Ok(n) => n,
        Err(_) => return 0,
    };
    let opts = DecodeOptions::new(ProtocolLevel::V5);
    match Packet::decode(black_box(&buf[..n]), &opts) {
        Ok(Status::Complete((Packet::Publish(p), used))) => used + p.payload.len(),
        _ => 0,
    }
}

fn coap(buf: &mut [u8]) -> usize {
    use coap_codec::{Code, Message, MessageBuilder, MessageType};
    let n = match MessageBuilder::new(MessageType::Confirmable, Code::GET, black_box(0x1234))
        .token(black_box(&[1, 2, 3, 4]))
        .uri_path("sensors")
        .uri_path("temp")
        .build(buf)
    {
        Ok(n) => n,
        Err(_) => return 0,
    };
    match Message::parse(black_box(&buf[..n])) {
        Ok(m) => m.options().count() + m.token().len(),
        Err(_) => 0,
    }
}

fn engines(buf: &mut [u8]) -> usize {
    use mqtt_codec::{ProtocolLevel, QoS};
    use qos_engine::mqtt::{Config, ConnectOptions, PublishOptions, Session};
    use qos_engine::Instant;
    let now = Instant::from_millis(black_box(5));
    let mut session: Session<4, 512, 256> = Session::new(Config::client(ProtocolLevel::V5), now);
    session.handle_transport_up(now);
    let _ = session.connect(now, &ConnectOptions::new("bare-metal"));
    let _ = session.publish(now, &PublishOptions::new("t", b"1", QoS::ExactlyOnce));
    let mut sent = 0;
    while let Some(t) = session.poll_transmit(now, buf) {
        sent += t.len;
    }
    let taken = session.handle_bytes(now, black_box(&[0x20, 0x03, 0x00, 0x00, 0x00]));
    while session.poll_event().is_some() {}

    let cfg = qos_engine::coap::Config {
        seed: black_box(9),
        ..Default::default()
    };
    let mut endpoint: qos_engine::coap::Endpoint<u8, 2, 4, 256> =
        qos_engine::coap::Endpoint::new(cfg, now);
    endpoint.handle_datagram(now, 1, black_box(&[0x40, 0x01, 0x12, 0x34]));
    while endpoint.poll_event().is_some() {}
    while let Some(t) = endpoint.poll_transmit(now, buf) {
        sent += t.len;
    }
    sent + taken + session.poll_timeout().map_or(0, |t| t.as_millis() as usize)
}

/// The entry point: run everything once on bytes the optimiser cannot see.
#[no_mangle]
pub extern "C" fn _start() -> ! {
    let mut buf = [0u8; 256];
    black_box(mqtt(&mut buf));
    black_box(coap(&mut buf));
    black_box(engines(&mut buf));
    let mut rng = qos_engine::Rng::new(black_box(1));
    black_box(rng.next_u64());
    loop {}
}
