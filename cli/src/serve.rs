//! `mqcoap coap serve`.
use crate::opts::CoapServe;
use std::process::ExitCode;

pub fn run(_o: &CoapServe) -> ExitCode {
    ExitCode::FAILURE
}
