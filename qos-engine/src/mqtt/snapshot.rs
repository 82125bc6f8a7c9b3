//! The session state as bytes, so that it survives a power cycle.
//!
//! Format (version 2, integers big-endian):
//!
//! ```text
//! "MQSS" version:u8 role:u8 level:u8 flags:u8 session_expiry:u32
//! last_packet_id:u16 rel_seq:u32 outgoing:u16 incoming:u16
//! outgoing × { state:u8 packet_id:u16 qos:u8 flags:u8 rel_seq:u32 queued_at:u64
//!              len:u32 frame:[u8; len] }
//! incoming × { packet_id:u16 qos:u8 state:u8 reason:u8 }
//! fnv1a32 of everything before:u32
//! ```
//!
//! Only session state is written (§4.1): outgoing messages not completed
//! (their PUBLISH frames as first encoded, so that payloads survive) and the
//! incoming QoS 2 exchanges awaiting PUBREL, which is what keeps a message
//! from being handed to the application twice after a restart. Connection
//! state (buffers, aliases, timers) is not: a restored session starts
//! disconnected.
//!
//! `queued_at` is the caller's clock ([`Instant`], microseconds) when the
//! message was queued: a message's Message Expiry Interval keeps running
//! from then ([MQTT-3.3.2-5], [MQTT-3.3.2-6]). Across a power cycle that is
//! exact when the clock keeps its epoch (Unix time); with a clock that
//! restarts, time before the restart is not counted.
//!
//! Version 1 (before `queued_at`) is refused with
//! [`SnapshotError::UnsupportedVersion`].

use mqtt_codec::{DecodeOptions, Packet, ProtocolLevel, Status};

use super::inbound::{InSlot, InState};
use super::packet_id::PacketIds;
use super::session::{expiry_offset, Session};
use super::store::{Kind, Slot, State};
use super::types::{Config, Role};
use crate::time::Instant;

const MAGIC: &[u8; 4] = b"MQSS";
const VERSION: u8 = 2;
const HEADER: usize = 4 + 1 + 1 + 1 + 1 + 4 + 2 + 4 + 2 + 2;
const OUT_RECORD: usize = 1 + 2 + 1 + 1 + 4 + 8 + 4;
const IN_RECORD: usize = 2 + 1 + 1 + 1;

/// Why a snapshot could not be written or read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SnapshotError {
    /// The output buffer is too small; this many bytes are needed.
    BufferTooSmall {
        /// [`Session::snapshot_len`].
        needed: usize,
    },
    /// The bytes end early.
    Truncated,
    /// Not a session snapshot (magic).
    NotASnapshot,
    /// A session snapshot of a format version this code does not read.
    UnsupportedVersion {
        /// The version byte found.
        version: u8,
    },
    /// The checksum does not match: the bytes were damaged.
    Checksum,
    /// A field holds a value no session writes (e.g. a frame that does not
    /// decode as the PUBLISH it claims to be).
    Invalid,
    /// Written by a session of the other role.
    RoleMismatch,
    /// More messages or bytes than this session's `INFLIGHT` / `BUF`.
    Capacity,
}

impl core::fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(self, f)
    }
}

#[cfg(feature = "std")]
impl std::error::Error for SnapshotError {}

fn fnv1a(bytes: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in bytes {
        h ^= u32::from(*b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

fn state_byte(s: State) -> u8 {
    match s {
        State::Pending => 0,
        State::Sent => 1,
        State::RelPending => 2,
        State::RelSent => 3,
        State::Lost => 4,
    }
}

struct Writer<'b> {
    buf: &'b mut [u8],
    at: usize,
}

impl Writer<'_> {
    fn put(&mut self, b: &[u8]) {
        self.buf[self.at..self.at + b.len()].copy_from_slice(b);
        self.at += b.len();
    }
}

struct Reader<'b> {
    buf: &'b [u8],
    at: usize,
}

impl<'b> Reader<'b> {
    fn take(&mut self, n: usize) -> Result<&'b [u8], SnapshotError> {
        let end = self.at.checked_add(n).ok_or(SnapshotError::Truncated)?;
        let s = self.buf.get(self.at..end).ok_or(SnapshotError::Truncated)?;
        self.at = end;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, SnapshotError> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, SnapshotError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32, SnapshotError> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self) -> Result<u64, SnapshotError> {
        let b = self.take(8)?;
        let mut v = [0u8; 8];
        v.copy_from_slice(b);
        Ok(u64::from_be_bytes(v))
    }
}

impl<const INFLIGHT: usize, const BUF: usize, const RX: usize> Session<INFLIGHT, BUF, RX> {
    fn snapshot_slots(&self) -> impl Iterator<Item = (usize, &Slot)> {
        self.core
            .store
            .slots()
            .iter()
            .enumerate()
            .filter(|(_, s)| s.kind == Kind::Publish)
    }

    /// Bytes [`Session::snapshot`] will write (at most
    /// `32 + 21 × INFLIGHT + BUF + 5 × INFLIGHT`).
    pub fn snapshot_len(&self) -> usize {
        let out: usize = self
            .snapshot_slots()
            .map(|(_, s)| OUT_RECORD + s.len())
            .sum();
        HEADER + out + IN_RECORD * self.core.inbound.len() + 4
    }

    /// Writes the session state into `out` and returns the length. Take a
    /// snapshot after every call that changed the state (after draining the
    /// polls) to survive a power cycle at any point.
    ///
    /// ```
    /// use qos_engine::mqtt::{Config, PublishOptions, Session};
    /// use qos_engine::Instant;
    /// use mqtt_codec::{ProtocolLevel, QoS};
    ///
    /// let cfg = Config::client(ProtocolLevel::V5);
    /// let mut s: Session = Session::new(cfg, Instant::ZERO);
    /// s.publish(Instant::ZERO, &PublishOptions::new("a/b", b"x", QoS::ExactlyOnce)).unwrap();
    /// let mut bytes = [0u8; 256];
    /// let n = s.snapshot(&mut bytes).unwrap();
    /// let restored: Session = Session::restore(cfg, Instant::ZERO, &bytes[..n]).unwrap();
    /// assert_eq!(restored.unacknowledged().count(), 1);
    /// ```
    pub fn snapshot(&self, out: &mut [u8]) -> Result<usize, SnapshotError> {
        let needed = self.snapshot_len();
        if out.len() < needed {
            return Err(SnapshotError::BufferTooSmall { needed });
        }
        let mut w = Writer { buf: out, at: 0 };
        w.put(MAGIC);
        let role = match self.config().role {
            Role::Client => 0,
            Role::Server => 1,
        };
        let flags = u8::from(self.core.has_state);
        w.put(&[VERSION, role, self.protocol().as_u8(), flags]);
        w.put(&self.core.session_expiry.to_be_bytes());
        w.put(&self.core.ids.last().to_be_bytes());
        w.put(&self.core.rel_seq.to_be_bytes());
        let n_out = self.snapshot_slots().count() as u16;
        w.put(&n_out.to_be_bytes());
        w.put(&(self.core.inbound.len() as u16).to_be_bytes());
        for (i, s) in self.snapshot_slots() {
            let flags = u8::from(s.retain) | (u8::from(s.dup) << 1);
            w.put(&[state_byte(s.state)]);
            w.put(&s.pid.to_be_bytes());
            w.put(&[s.qos, flags]);
            w.put(&s.rel_seq.to_be_bytes());
            w.put(&s.queued_at.as_micros().to_be_bytes());
            w.put(&s.len.to_be_bytes());
            w.put(self.core.store.bytes(i));
        }
        for s in self.core.inbound.slots() {
            let (state, reason) = match s.state {
                InState::AwaitApp => (0, 0),
                InState::AckReady(rc) => (1, rc),
                // A PUBCOMP not written yet: the peer resends the PUBREL.
                InState::RecSent | InState::CompPending => (2, 0),
            };
            w.put(&s.pid.to_be_bytes());
            w.put(&[s.qos, state, reason]);
        }
        let sum = fnv1a(&w.buf[..w.at]);
        w.put(&sum.to_be_bytes());
        Ok(w.at)
    }

    /// A disconnected session with the state written by
    /// [`Session::snapshot`]. Connect it again (without Clean Start) to
    /// resume: unacknowledged messages are resent, PUBRELs too, and QoS 2
    /// messages already handed to the application are not handed over again.
    pub fn restore(cfg: Config, now: Instant, bytes: &[u8]) -> Result<Self, SnapshotError> {
        if bytes.len() < HEADER + 4 {
            return Err(SnapshotError::Truncated);
        }
        if &bytes[..4] != MAGIC {
            return Err(SnapshotError::NotASnapshot);
        }
        if bytes[4] != VERSION {
            return Err(SnapshotError::UnsupportedVersion { version: bytes[4] });
        }
        let mut r = Reader { buf: bytes, at: 5 };
        let role = match r.u8()? {
            0 => Role::Client,
            1 => Role::Server,
            _ => return Err(SnapshotError::Invalid),
        };
        if role != cfg.role {
            return Err(SnapshotError::RoleMismatch);
        }
        let level = ProtocolLevel::from_u8(r.u8()?).ok_or(SnapshotError::Invalid)?;
        let flags = r.u8()?;
        let session_expiry = r.u32()?;
        let last_pid = r.u16()?;
        let rel_seq = r.u32()?;
        let n_out = r.u16()?;
        let n_in = r.u16()?;
        let mut s = Session::new(
            Config {
                protocol: level,
                ..cfg
            },
            now,
        );
        s.core.has_state = flags & 1 == 1;
        s.core.session_expiry = session_expiry;
        s.core.ids = PacketIds::resume_after(last_pid);
        s.core.rel_seq = rel_seq;
        // A server stores its PUBLISH frames at 5.0 whatever its client's level.
        let store_level = match role {
            Role::Client => level,
            Role::Server => ProtocolLevel::V5,
        };
        let opts = DecodeOptions::new(store_level);
        for _ in 0..n_out {
            let state = match r.u8()? {
                0 => State::Pending,
                1 => State::Sent,
                2 => State::RelPending,
                3 => State::RelSent,
                _ => return Err(SnapshotError::Invalid),
            };
            let pid = r.u16()?;
            let qos = r.u8()?;
            let f = r.u8()?;
            let seq = r.u32()?;
            let queued_at = Instant::from_micros(r.u64()?);
            let len = r.u32()?;
            let frame = r.take(len as usize)?;
            let released = matches!(state, State::RelPending | State::RelSent);
            if qos > 2 || (qos == 0) != (pid == 0) || (released && (qos != 2 || len != 0)) {
                return Err(SnapshotError::Invalid);
            }
            let mut expiry = 0;
            if !released {
                match Packet::decode(frame, &opts) {
                    Ok(Status::Complete((Packet::Publish(p), used)))
                        if used == frame.len()
                            && p.qos.as_u8() == qos
                            && p.packet_id.unwrap_or(0) == pid
                            && !p.dup =>
                    {
                        expiry = p.properties.message_expiry_interval().unwrap_or(0);
                    }
                    _ => return Err(SnapshotError::Invalid),
                }
            }
            if pid != 0 && s.core.store.pid_in_use(pid) {
                return Err(SnapshotError::Invalid);
            }
            let slot = Slot {
                kind: Kind::Publish,
                state,
                pid,
                qos,
                retain: f & 1 == 1,
                dup: f & 2 == 2,
                rel_seq: seq,
                off: 0,
                len,
                queued_at,
                expiry,
                expiry_at: if released {
                    0
                } else {
                    expiry_offset(frame, store_level)
                },
            };
            s.core
                .store
                .push(slot, &[frame])
                .map_err(|_| SnapshotError::Capacity)?;
        }
        for _ in 0..n_in {
            let pid = r.u16()?;
            let qos = r.u8()?;
            let state = match (r.u8()?, r.u8()?) {
                (0, _) => InState::AwaitApp,
                (1, rc) => InState::AckReady(rc),
                (2, _) => InState::RecSent,
                _ => return Err(SnapshotError::Invalid),
            };
            if pid == 0 || !(1..=2).contains(&qos) {
                return Err(SnapshotError::Invalid);
            }
            s.core
                .inbound
                .push(InSlot { pid, qos, state })
                .map_err(|_| SnapshotError::Capacity)?;
        }
        let body_end = r.at;
        let sum = r.u32()?;
        if r.at != bytes.len() {
            return Err(SnapshotError::Invalid);
        }
        if fnv1a(&bytes[..body_end]) != sum {
            return Err(SnapshotError::Checksum);
        }
        s.core.arm_message_expiry();
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_reference_vectors() {
        assert_eq!(fnv1a(b""), 0x811c_9dc5);
        assert_eq!(fnv1a(b"a"), 0xe40c_292c);
        assert_eq!(fnv1a(b"foobar"), 0xbf9c_f968);
    }
}
