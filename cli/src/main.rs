//! `mqcoap`: MQTT and CoAP over real sockets, driven by the sans-IO engines.

mod args;
mod coap_cmd;
mod decode;
mod demo;
mod json;
mod mqtt_cmd;
mod opts;
mod serve;
mod store;
mod uri;

use args::UsageError;
use std::process::ExitCode;

/// Prints a progress or error line for a person on stderr: `mqcoap: ...`.
macro_rules! say {
    ($($t:tt)*) => { eprintln!("mqcoap: {}", format_args!($($t)*)) };
}
pub(crate) use say;

const USAGE: &str = "\
usage:
  mqcoap demo [--seed N]
  mqcoap decode mqtt [--protocol 3|4|5] [HEX ...]
  mqcoap decode coap [--transport udp|tcp] [HEX ...]
  mqcoap mqtt pub  --broker HOST:PORT --topic T [--qos 0|1|2] [--protocol 4|5]
                   [--count N] [--message TEXT | --size BYTES] [--client-id ID]
                   [--retain] [--keep-alive S] [--no-clean --session-expiry S]
                   [--reconnect] [--will-topic T [--will-message TEXT]
                   [--will-qos 0|1|2] [--will-retain]]
  mqcoap mqtt sub  --broker HOST:PORT --topic FILTER [--qos 0|1|2] [--protocol 4|5]
                   [--count N] [--client-id ID] [--no-clean --session-expiry S]
                   [--reconnect] [--keep-alive S] [--will-topic T ...]
  mqcoap coap get|delete URI [--non] [--observe N] [--block2 SZX] [--token HEX]
  mqcoap coap put|post  URI (--payload TEXT | --file PATH) [--non] [--block1 SZX]
                        [--content-format N]
  mqcoap coap serve --bind HOST:PORT";

fn run(mut argv: Vec<String>) -> Result<ExitCode, UsageError> {
    if argv.is_empty() {
        return Err(UsageError("missing command".into()));
    }
    let cmd = argv.remove(0);
    match cmd.as_str() {
        "decode" => {
            if argv.is_empty() {
                return Err(UsageError("decode needs mqtt or coap".into()));
            }
            let proto = argv.remove(0);
            decode::run(&proto, argv)
        }
        "mqtt" => {
            let sub = if argv.is_empty() {
                String::new()
            } else {
                argv.remove(0)
            };
            match sub.as_str() {
                "pub" => Ok(mqtt_cmd::publish(&opts::mqtt_pub(argv)?)),
                "sub" => Ok(mqtt_cmd::subscribe(&opts::mqtt_sub(argv)?)),
                "" => Err(UsageError("mqtt needs pub or sub".into())),
                other => Err(UsageError(format!(
                    "mqtt what? expected pub or sub, got {other:?}"
                ))),
            }
        }
        "coap" => {
            let sub = if argv.is_empty() {
                String::new()
            } else {
                argv.remove(0)
            };
            let method = match sub.as_str() {
                "get" => opts::Method::Get,
                "put" => opts::Method::Put,
                "post" => opts::Method::Post,
                "delete" => opts::Method::Delete,
                "serve" => return Ok(serve::run(&opts::coap_serve(argv)?)),
                "" => {
                    return Err(UsageError(
                        "coap needs get, put, post, delete or serve".into(),
                    ))
                }
                other => {
                    return Err(UsageError(format!(
                        "coap what? expected get, put, post, delete or serve, got {other:?}"
                    )))
                }
            };
            Ok(coap_cmd::run(&opts::coap_request(method, argv)?))
        }
        "demo" => Ok(demo::run(opts::demo(argv)?)),
        "-h" | "--help" | "help" => {
            use std::io::Write as _;
            let _ = writeln!(std::io::stdout(), "{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        other => Err(UsageError(format!("unknown command {other:?}"))),
    }
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    match run(argv) {
        Ok(code) => code,
        Err(UsageError(msg)) => {
            eprintln!("mqcoap: {msg}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}
