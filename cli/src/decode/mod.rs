//! `mqcoap decode mqtt|coap`: frames in hex → one JSON object per line.
//!
//! Each HEX argument, or each line of standard input when none is given, holds
//! one or more complete frames back to back. Every frame becomes one JSON
//! object on its own line; a rejected frame becomes
//! `{"error": KIND, "detail": TEXT, "reason_code": N?, "spec": REF?}` and
//! decoding goes on with the next line. Exit status 1 if any frame was rejected.

pub mod coap;
pub mod mqtt;

use crate::args::{Parsed, UsageError};
use crate::json::{unhex, Json};
use std::io::{BufRead, Write};
use std::process::ExitCode;

/// Renders every frame in one input line; each item is a frame object or an
/// error object (one with an `"error"` key).
pub trait LineDecoder {
    /// Decodes the frames in `bytes`, back to back.
    fn decode_line(&mut self, bytes: &[u8]) -> Vec<Json>;
}

/// Runs `mqcoap decode mqtt|coap ARGS`.
pub fn run(protocol: &str, rest: Vec<String>) -> Result<ExitCode, UsageError> {
    let (parsed, mut decoder): (Parsed, Box<dyn LineDecoder>) = match protocol {
        "mqtt" => {
            let p = crate::args::Args::new(rest).parse(&[], &["protocol"])?;
            let level = p.parse_or("protocol", 5u8)?;
            if !(3..=5).contains(&level) {
                return Err(UsageError(format!(
                    "--protocol must be 3, 4 or 5, not {level}"
                )));
            }
            (p, Box::new(mqtt::Decoder::new(level)))
        }
        "coap" => {
            let p = crate::args::Args::new(rest).parse(&[], &["transport"])?;
            let tcp = match p.value("transport").unwrap_or("udp") {
                "udp" => false,
                "tcp" => true,
                other => {
                    return Err(UsageError(format!(
                        "--transport must be udp or tcp, not {other:?}"
                    )))
                }
            };
            (p, Box::new(coap::Decoder::new(tcp)))
        }
        other => {
            return Err(UsageError(format!(
                "decode what? expected mqtt or coap, got {other:?}"
            )))
        }
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut rejected = false;
    let mut emit = |line: &str, out: &mut dyn Write| -> std::io::Result<()> {
        let objects = match unhex(line) {
            Ok(bytes) => decoder.decode_line(&bytes),
            Err(detail) => vec![Json::obj().with("error", "hex").with("detail", detail)],
        };
        for o in objects {
            rejected |= o.get("error").is_some();
            writeln!(out, "{o}")?;
        }
        Ok(())
    };
    let io = if parsed.positionals.is_empty() {
        let stdin = std::io::stdin();
        let mut result = Ok(());
        for line in stdin.lock().lines() {
            match line {
                Ok(l) if l.trim().is_empty() => continue,
                Ok(l) => {
                    if let Err(e) = emit(&l, &mut out) {
                        result = Err(e);
                        break;
                    }
                }
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        result
    } else {
        parsed
            .positionals
            .iter()
            .try_for_each(|a| emit(a, &mut out))
    };
    if let Err(e) = io.and_then(|()| out.flush()) {
        eprintln!("mqcoap: {e}");
        return Ok(ExitCode::FAILURE);
    }
    Ok(if rejected {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
