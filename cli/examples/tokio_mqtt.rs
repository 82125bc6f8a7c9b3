//! The MQTT session under tokio: the same sans-IO engine as the blocking
//! driver, with the socket's readiness and `sleep_until(poll_timeout())`
//! raced in one `select!`.
//!
//! ```text
//! cargo run -p mqcoap --example tokio_mqtt -- 127.0.0.1:1883 mqcoap/tokio "hello from tokio"
//! ```
//!
//! It subscribes to the topic, publishes one QoS 2 message to it, prints the
//! message when the broker hands it back, and disconnects.
#![allow(clippy::print_stdout)] // printing the message is the example's output

use mqtt_codec::{Properties, ProtocolLevel, QoS, ReasonCode, Subscription, SubscriptionOptions};
use qos_engine::mqtt::{Config, ConnectOptions, Event, PublishOptions, Session};
use std::io::ErrorKind::WouldBlock;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::time::Instant as TokioInstant;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let broker = args.first().map_or("127.0.0.1:1883", String::as_str);
    let topic = args.get(1).map_or("mqcoap/tokio", String::as_str);
    let message = args.get(2).map_or("hello from tokio", String::as_str);

    // The engine's clock: microseconds since `epoch`, from tokio's clock.
    let epoch = TokioInstant::now();
    let now = || qos_engine::Instant::from_micros(epoch.elapsed().as_micros() as u64);

    let mut session: Box<Session> =
        Box::new(Session::new(Config::client(ProtocolLevel::V5), now()));
    let stream = TcpStream::connect(broker).await?;
    session.handle_transport_up(now());
    session.connect(now(), &ConnectOptions::new("mqcoap-tokio-example"))?;

    let mut out = vec![0u8; <Session>::TRANSMIT_BUF];
    let mut inbuf = vec![0u8; 4096];
    let (mut start, mut end) = (0, 0); // received bytes the session has not taken yet
    let mut published = false;
    let mut done = false;
    loop {
        // 1. Events: what the session has to tell the application.
        let mut subscribe = false;
        while let Some(event) = session.poll_event() {
            match event {
                Event::Connected { .. } => subscribe = true,
                Event::Subscribed { .. } => published = false,
                Event::Message { topic, payload, .. } => {
                    println!("{topic}: {}", String::from_utf8_lossy(payload));
                    done = true;
                }
                Event::Disconnected(cause) => eprintln!("disconnected: {cause:?}"),
                _ => {}
            }
        }
        // 2. Commands, now that the session is not borrowed by an event.
        if subscribe {
            let filter = [Subscription {
                filter: topic.into(),
                options: SubscriptionOptions::new(QoS::ExactlyOnce),
            }];
            session.subscribe(now(), &filter, Properties::EMPTY)?;
            published = true; // publish once SUBACK is in (see Subscribed above)
        } else if !published && session.is_connected() {
            session.publish(
                now(),
                &PublishOptions::new(topic, message.as_bytes(), QoS::ExactlyOnce),
            )?;
            published = true;
        }
        if done && session.inflight() == 0 && session.is_connected() {
            session.disconnect(now(), ReasonCode::Success, None)?;
        }
        // 3. Transmit everything queued.
        while let Some(t) = session.poll_transmit(now(), &mut out) {
            let mut bytes = &out[..t.len];
            while !bytes.is_empty() {
                stream.writable().await?;
                match stream.try_write(bytes) {
                    Ok(n) => bytes = &bytes[n..],
                    Err(e) if e.kind() == WouldBlock => {}
                    Err(e) => return Err(e.into()),
                }
            }
            if t.close {
                session.handle_transport_down(now());
                return Ok(());
            }
        }
        // 4. Input: bytes the session could not take last time come first.
        if start < end {
            start += session.handle_bytes(now(), &inbuf[start..end]);
            continue;
        }
        // 5. Wait for bytes or the session's next deadline, whichever is first.
        let deadline = session
            .poll_timeout()
            .map(|d| epoch + Duration::from_micros(d.as_micros()));
        let timer = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            ready = stream.readable() => {
                ready?;
                match stream.try_read(&mut inbuf) {
                    Ok(0) => {
                        session.handle_transport_down(now());
                        return Err("the broker closed the connection".into());
                    }
                    Ok(n) => {
                        let taken = session.handle_bytes(now(), &inbuf[..n]);
                        (start, end) = (taken, n);
                    }
                    Err(e) if e.kind() == WouldBlock => {}
                    Err(e) => return Err(e.into()),
                }
            }
            () = timer => session.handle_timeout(now()),
        }
    }
}
