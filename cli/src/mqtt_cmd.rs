//! `mqcoap mqtt pub|sub`.
use crate::opts::{MqttPub, MqttSub};
use std::process::ExitCode;

pub fn publish(_o: &MqttPub) -> ExitCode {
    ExitCode::FAILURE
}
pub fn subscribe(_o: &MqttSub) -> ExitCode {
    ExitCode::FAILURE
}
