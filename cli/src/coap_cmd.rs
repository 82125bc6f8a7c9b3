//! `mqcoap coap get|put|post|delete`.
use crate::opts::CoapRequest;
use std::process::ExitCode;

pub fn run(_o: &CoapRequest) -> ExitCode {
    ExitCode::FAILURE
}
