//! `mqcoap demo`.
pub mod report;
use crate::opts::Demo;
use std::process::ExitCode;

pub fn run(_o: Demo) -> ExitCode {
    ExitCode::FAILURE
}
