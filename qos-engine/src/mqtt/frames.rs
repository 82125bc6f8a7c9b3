//! A bounded queue of encoded control frames written by commands (CONNECT,
//! CONNACK, AUTH, SUBACK, UNSUBACK): whole frames back to back in an
//! `N`-byte buffer, written out in order.

use mqtt_codec::{Packet, ProtocolLevel};

use super::ring::Ring;
use super::types::CommandError;

const MAX_FRAMES: usize = 8;

#[derive(Clone, Debug)]
pub(crate) struct FrameQueue<const N: usize> {
    bytes: [u8; N],
    used: usize,
    lens: Ring<u32, MAX_FRAMES>,
}

impl<const N: usize> FrameQueue<N> {
    pub(crate) const fn new() -> Self {
        FrameQueue {
            bytes: [0; N],
            used: 0,
            lens: Ring::new(),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.lens.is_empty()
    }

    pub(crate) fn is_full(&self) -> bool {
        self.lens.is_full()
    }

    pub(crate) fn clear(&mut self) {
        self.used = 0;
        self.lens.clear();
    }

    /// Encodes `packet` at the back; on any error nothing changes.
    pub(crate) fn push(
        &mut self,
        packet: &Packet<'_>,
        level: ProtocolLevel,
    ) -> Result<(), CommandError> {
        let len = packet.encoded_len(level)?;
        if self.lens.is_full() || len > N - self.used {
            return Err(CommandError::BufferFull);
        }
        let n = packet.encode(level, &mut self.bytes[self.used..self.used + len])?;
        self.used += n;
        let _ = self.lens.push_back(n as u32);
        Ok(())
    }

    /// Moves the front frame into `buf`; 0 when there is none or it does not
    /// fit.
    pub(crate) fn pop_into(&mut self, buf: &mut [u8]) -> usize {
        let Some(&len) = self.lens.front() else {
            return 0;
        };
        let len = len as usize;
        if len > buf.len() {
            return 0;
        }
        buf[..len].copy_from_slice(&self.bytes[..len]);
        self.bytes.copy_within(len..self.used, 0);
        self.used -= len;
        self.lens.pop_front();
        len
    }
}
