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
    use mqtt_codec::{DecodeOptions, Packet, ProtocolLevel, Property, Properties, Publish, QoS, Status};
    let props = [Property::MessageExpiryInterval(60), Property::UserProperty("k", "v")];
    let publish = Publish {
        dup: false,
        qos: QoS::ExactlyOnce,
        retain: false,
        topic: black_box("sensors/temp"),
        packet_id: Some(7),
        properties: Properties::from_list(&props),
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

/// The entry point: run everything once on bytes the optimiser cannot see.
#[no_mangle]
pub extern "C" fn _start() -> ! {
    let mut buf = [0u8; 256];
    black_box(mqtt(&mut buf));
    black_box(coap(&mut buf));
    let mut rng = qos_engine::Rng::new(black_box(1));
    black_box(rng.next_u64());
    loop {}
}
