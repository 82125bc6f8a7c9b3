//! Packet identifier allocation, shared by PUBLISH (QoS > 0), SUBSCRIBE and
//! UNSUBSCRIBE.
//!
//! > "Each time a Client sends a new SUBSCRIBE, UNSUBSCRIBE, or PUBLISH (where
//! > QoS > 0) MQTT Control Packet it MUST assign it a non-zero Packet
//! > Identifier that is currently unused" — [MQTT-2.2.1-3]; the same for the
//! > Server, [MQTT-2.2.1-4]; and for QoS 1 and 2, [MQTT-4.3.2-1], [MQTT-4.3.3-1].

use core::num::NonZeroU16;

/// Why no packet identifier could be allocated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PacketIdsExhausted;

/// Hands out packet identifiers round-robin, skipping those in use, so an
/// identifier is reused as late as possible and never while it is in use.
///
/// ```
/// use qos_engine::mqtt::PacketIds;
/// let mut ids = PacketIds::new();
/// let a = ids.allocate(|_| false).unwrap();
/// let b = ids.allocate(|id| id == a).unwrap();
/// assert_eq!((a.get(), b.get()), (1, 2));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PacketIds {
    last: u16,
}

impl Default for PacketIds {
    fn default() -> Self {
        Self::new()
    }
}

impl PacketIds {
    /// The first identifier handed out is 1.
    pub const fn new() -> Self {
        PacketIds { last: 0 }
    }

    /// Resumes after `last` (used when a session is restored).
    pub const fn resume_after(last: u16) -> Self {
        PacketIds { last }
    }

    /// The identifier handed out last (0 before the first).
    pub const fn last(&self) -> u16 {
        self.last
    }

    /// The next identifier after the last one handed out for which `in_use`
    /// is false. Tries every one of the 65 535 identifiers at most once, so it
    /// fails with [`PacketIdsExhausted`] only when all of them are in use;
    /// the allocator is unchanged on failure.
    pub fn allocate(
        &mut self,
        mut in_use: impl FnMut(NonZeroU16) -> bool,
    ) -> Result<NonZeroU16, PacketIdsExhausted> {
        let mut id = self.last;
        for _ in 0..u16::MAX {
            id = if id == u16::MAX { 1 } else { id + 1 };
            let nz = NonZeroU16::new(id).ok_or(PacketIdsExhausted)?;
            if !in_use(nz) {
                self.last = id;
                return Ok(nz);
            }
        }
        Err(PacketIdsExhausted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_wrap_from_65535_to_1_never_0_mqtt_2_2_1_3() {
        let mut ids = PacketIds::resume_after(u16::MAX - 1);
        assert_eq!(ids.allocate(|_| false).unwrap().get(), u16::MAX);
        assert_eq!(ids.allocate(|_| false).unwrap().get(), 1);
    }

    #[test]
    fn identifiers_in_use_are_skipped_mqtt_4_3_2_1() {
        let mut ids = PacketIds::new();
        let got = ids.allocate(|id| id.get() <= 3).unwrap();
        assert_eq!(got.get(), 4);
    }

    #[test]
    fn all_identifiers_in_use_is_a_typed_error_and_changes_nothing() {
        let mut ids = PacketIds::resume_after(77);
        assert_eq!(ids.allocate(|_| true), Err(PacketIdsExhausted));
        assert_eq!(ids.last(), 77);
    }

    #[test]
    fn the_single_free_identifier_is_found() {
        let mut ids = PacketIds::resume_after(500);
        assert_eq!(ids.allocate(|id| id.get() != 499).unwrap().get(), 499);
    }
}
