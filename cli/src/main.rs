//! `mqcoap`: MQTT and CoAP over real sockets, driven by the sans-IO engines.

mod args;
mod decode;
mod json;

use args::UsageError;
use std::process::ExitCode;

const USAGE: &str = "\
usage:
  mqcoap demo [--seed N]
  mqcoap decode mqtt [--protocol 3|4|5] [HEX ...]
  mqcoap decode coap [--transport udp|tcp] [HEX ...]
  mqcoap mqtt pub  --broker HOST:PORT --topic T [--qos 0|1|2] [--protocol 4|5]
                   [--count N] [--message TEXT | --size BYTES] [--client-id ID]
                   [--retain] [--keep-alive S] [--no-clean --session-expiry S]
                   [--reconnect]
  mqcoap mqtt sub  --broker HOST:PORT --topic FILTER [--qos 0|1|2] [--protocol 4|5]
                   [--count N] [--client-id ID] [--no-clean --session-expiry S]
                   [--reconnect]
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
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
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
