//! Incoming QoS 1 and QoS 2 PUBLISH packets whose exchange is not finished.
//!
//! One slot per packet identifier the peer has in flight towards us, in the
//! order the PUBLISH packets arrived, bounded by the Receive Maximum we
//! announce (`INFLIGHT`). The slots decide which acknowledgement is written
//! next, so that
//! > "The Client MUST send PUBACK packets in the order in which the
//! > corresponding PUBLISH packets were received (QoS 1 messages)"
//! > [MQTT-4.6.0-2], and PUBREC likewise [MQTT-4.6.0-3]
//!
//! holds even when the application acknowledges out of order: an
//! acknowledgement waits behind any earlier message the application has not
//! acknowledged yet. A QoS 2 slot stays until the PUBREL, so a redelivered
//! PUBLISH with that identifier is acknowledged again but never handed to the
//! application twice ([MQTT-4.3.3-10]).

/// Where an incoming exchange is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum InState {
    /// Handed to the application, which acknowledges it itself (manual mode).
    AwaitApp,
    /// PUBACK (QoS 1) or PUBREC (QoS 2) with this reason code to be written.
    AckReady(u8),
    /// PUBREC written; waiting for the PUBREL.
    RecSent,
    /// PUBREL received, PUBCOMP queued: the slot goes when the PUBCOMP is
    /// written. Lost with the connection, it is `RecSent` again, so that
    /// the peer's resent PUBREL gets PUBCOMP 0x00 and a resent PUBLISH is
    /// not taken for a new message.
    CompPending,
}

/// One incoming exchange.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct InSlot {
    pub pid: u16,
    pub qos: u8,
    pub state: InState,
}

/// The slots: see the [module docs](self).
#[derive(Clone, Debug)]
pub(crate) struct Inbound<const N: usize> {
    slots: heapless::Vec<InSlot, N>,
}

impl<const N: usize> Inbound<N> {
    pub(crate) const fn new() -> Self {
        Inbound {
            slots: heapless::Vec::new(),
        }
    }

    pub(crate) fn slots(&self) -> &[InSlot] {
        &self.slots
    }

    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    pub(crate) fn is_full(&self) -> bool {
        self.slots.is_full()
    }

    pub(crate) fn push(&mut self, slot: InSlot) -> Result<(), InSlot> {
        self.slots.push(slot)
    }

    /// The QoS 2 exchange for `pid`, if one is open.
    pub(crate) fn find_qos2(&self, pid: u16) -> Option<usize> {
        self.slots.iter().position(|s| s.pid == pid && s.qos == 2)
    }

    /// The QoS 2 exchange to let go first when a peer sends beyond our
    /// Receive Maximum: the oldest whose PUBCOMP is queued, else the oldest
    /// answered with PUBREC (waiting only for the PUBREL).
    pub(crate) fn oldest_answered(&self) -> Option<usize> {
        self.slots
            .iter()
            .position(|s| s.state == InState::CompPending)
            .or_else(|| {
                self.slots
                    .iter()
                    .position(|s| s.qos == 2 && s.state == InState::RecSent)
            })
    }

    /// The PUBCOMP for `pid` was written: its exchange is over and the
    /// identifier new again ([MQTT-4.3.3-12]).
    pub(crate) fn pubcomp_written(&mut self, pid: u16) {
        if let Some(i) = self
            .slots
            .iter()
            .position(|s| s.pid == pid && s.state == InState::CompPending)
        {
            self.slots.remove(i);
        }
    }

    /// The first exchange for `pid` that waits for the application.
    pub(crate) fn find_awaiting_app(&self, pid: u16) -> Option<usize> {
        self.slots
            .iter()
            .position(|s| s.pid == pid && s.state == InState::AwaitApp)
    }

    pub(crate) fn get_mut(&mut self, i: usize) -> &mut InSlot {
        &mut self.slots[i]
    }

    pub(crate) fn remove(&mut self, i: usize) -> InSlot {
        self.slots.remove(i)
    }

    /// The acknowledgement to write next: the first slot whose PUBACK or
    /// PUBREC is ready, unless an earlier slot still waits for the
    /// application ([MQTT-4.6.0-2], [MQTT-4.6.0-3]).
    pub(crate) fn next_ack(&self) -> Option<usize> {
        for (i, s) in self.slots.iter().enumerate() {
            match s.state {
                InState::AwaitApp => return None,
                InState::AckReady(_) => return Some(i),
                InState::RecSent | InState::CompPending => {}
            }
        }
        None
    }

    /// A new connection: QoS 1 exchanges end (the peer sends them again and
    /// they are new messages, [MQTT-4.3.2-5]); QoS 2 exchanges stay
    /// ([MQTT-4.3.3-10]) but a PUBREC already written is only written again
    /// when the PUBLISH comes again.
    pub(crate) fn on_new_connection(&mut self) {
        self.slots.retain(|s| s.qos == 2);
        for s in &mut self.slots {
            if s.state == InState::CompPending {
                s.state = InState::RecSent;
            }
        }
    }

    pub(crate) fn clear(&mut self) {
        self.slots.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(pid: u16, qos: u8, state: InState) -> InSlot {
        InSlot { pid, qos, state }
    }

    #[test]
    fn acks_wait_behind_an_unacknowledged_earlier_message_mqtt_4_6_0_2() {
        let mut inb: Inbound<4> = Inbound::new();
        inb.push(slot(1, 1, InState::AwaitApp)).unwrap();
        inb.push(slot(2, 1, InState::AckReady(0))).unwrap();
        assert_eq!(inb.next_ack(), None);
        inb.get_mut(0).state = InState::AckReady(0);
        assert_eq!(inb.next_ack(), Some(0));
    }

    #[test]
    fn a_qos2_exchange_waiting_for_pubrel_does_not_block_later_acks() {
        let mut inb: Inbound<4> = Inbound::new();
        inb.push(slot(1, 2, InState::RecSent)).unwrap();
        inb.push(slot(2, 1, InState::AckReady(0))).unwrap();
        assert_eq!(inb.next_ack(), Some(1));
    }

    #[test]
    fn a_new_connection_keeps_only_qos2_exchanges_mqtt_4_3_3_10() {
        let mut inb: Inbound<4> = Inbound::new();
        inb.push(slot(1, 1, InState::AckReady(0))).unwrap();
        inb.push(slot(2, 2, InState::RecSent)).unwrap();
        inb.on_new_connection();
        assert_eq!(inb.slots(), &[slot(2, 2, InState::RecSent)]);
        assert_eq!(inb.find_qos2(2), Some(0));
    }

    #[test]
    fn the_table_is_bounded() {
        let mut inb: Inbound<1> = Inbound::new();
        inb.push(slot(1, 1, InState::AwaitApp)).unwrap();
        assert!(inb.is_full());
        assert!(inb.push(slot(2, 1, InState::AwaitApp)).is_err());
        assert_eq!(inb.len(), 1);
    }
}
