//! Bounded storage for outgoing messages awaiting acknowledgement.
//!
//! `INFLIGHT` slots (one per PUBLISH, SUBSCRIBE or UNSUBSCRIBE that holds a
//! packet identifier, or a QoS 0 PUBLISH not written yet) and a `BUF`-byte arena for
//! their bytes. Records sit in the arena in slot order; removing one compacts
//! the bytes behind it, so the arena never fragments and the order of slots is
//! the order of the application's commands ([MQTT-4.6.0-1]: resend in the
//! original order). Every mutation checks capacity first and changes nothing
//! when it fails.

use crate::time::{Duration, Instant};

/// What a slot holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// An application message: its PUBLISH frame.
    Publish,
    /// A SUBSCRIBE frame (bytes freed once sent; the slot keeps the id).
    Subscribe,
    /// An UNSUBSCRIBE frame (likewise).
    Unsubscribe,
}

/// Where a slot is in its exchange.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum State {
    /// To be written on the current connection (PUBLISH: with DUP when
    /// `dup` is set).
    Pending,
    /// Written; awaiting PUBACK / PUBREC / SUBACK / UNSUBACK.
    Sent,
    /// PUBREC received; PUBREL to be written.
    RelPending,
    /// PUBREL written; awaiting PUBCOMP.
    RelSent,
    /// A SUBSCRIBE / UNSUBSCRIBE whose connection ended before its
    /// acknowledgement; reported, then removed.
    Lost,
}

/// One outgoing record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Slot {
    pub kind: Kind,
    pub state: State,
    /// Packet identifier (0 for QoS 0 and control frames).
    pub pid: u16,
    pub qos: u8,
    pub retain: bool,
    /// Written at least once (a resend carries DUP, never a topic alias).
    pub dup: bool,
    /// Order in which the PUBREC arrived ([MQTT-4.6.0-4]).
    pub rel_seq: u32,
    pub off: u32,
    /// Bytes of the record: the whole encoded frame (a PUBLISH as first
    /// written: DUP 0, no Topic Alias).
    pub len: u32,
    /// When the application queued the message.
    pub queued_at: Instant,
    /// Its Message Expiry Interval in seconds, when `expiry_at` is not 0.
    pub expiry: u32,
    /// Where the four bytes of the Message Expiry Interval sit in the
    /// frame; 0 when it has none.
    pub expiry_at: u32,
}

impl Slot {
    pub(crate) fn len(&self) -> usize {
        self.len as usize
    }
    /// Counts against the peer's Receive Maximum ([MQTT-4.9.0-2]): a QoS > 0
    /// PUBLISH written and not yet completed.
    pub(crate) fn uses_quota(&self) -> bool {
        self.kind == Kind::Publish && self.qos > 0 && self.state != State::Pending
    }
    /// The first instant at which this message's Message Expiry Interval
    /// has passed, while it is still queued and was never written — the
    /// only time it may be dropped for it ([MQTT-3.3.2-5]: "has not
    /// managed to start onward delivery").
    pub(crate) fn expires_at(&self) -> Option<Instant> {
        (self.expiry_at != 0
            && self.kind == Kind::Publish
            && self.state == State::Pending
            && !self.dup)
            .then(|| {
                self.queued_at + Duration::from_secs(self.expiry.into()) + Duration::from_micros(1)
            })
    }
    /// The Message Expiry Interval to send at `now`: the set value minus
    /// the whole seconds the message has waited ([MQTT-3.3.2-6]).
    pub(crate) fn expiry_left(&self, now: Instant) -> u32 {
        let waited = now.saturating_duration_since(self.queued_at).as_secs();
        u32::try_from(u64::from(self.expiry).saturating_sub(waited)).unwrap_or(0)
    }
}

/// Why a record could not be stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Full {
    Slots,
    Bytes,
}

/// The store: see the [module docs](self).
#[derive(Clone, Debug)]
pub(crate) struct Store<const INFLIGHT: usize, const BUF: usize> {
    slots: heapless::Vec<Slot, INFLIGHT>,
    bytes: [u8; BUF],
    used: usize,
}

impl<const INFLIGHT: usize, const BUF: usize> Store<INFLIGHT, BUF> {
    pub(crate) const fn new() -> Self {
        Store {
            slots: heapless::Vec::new(),
            bytes: [0; BUF],
            used: 0,
        }
    }

    pub(crate) fn slots(&self) -> &[Slot] {
        &self.slots
    }

    pub(crate) fn slot_mut(&mut self, i: usize) -> &mut Slot {
        &mut self.slots[i]
    }

    pub(crate) fn bytes_used(&self) -> usize {
        self.used
    }

    /// Whether a record of `parts` lengths would fit, without storing it.
    pub(crate) fn check(&self, len: usize) -> Result<(), Full> {
        if self.slots.is_full() {
            Err(Full::Slots)
        } else if len > BUF - self.used {
            Err(Full::Bytes)
        } else {
            Ok(())
        }
    }

    /// Appends a record whose bytes are the concatenation of `parts`; on
    /// failure nothing changes.
    pub(crate) fn push(&mut self, mut slot: Slot, parts: &[&[u8]]) -> Result<usize, Full> {
        let len: usize = parts.iter().map(|p| p.len()).sum();
        self.check(len)?;
        slot.off = self.used as u32;
        let mut at = self.used;
        for p in parts {
            self.bytes[at..at + p.len()].copy_from_slice(p);
            at += p.len();
        }
        debug_assert_eq!(len, slot.len());
        self.used = at;
        let i = self.slots.len();
        self.slots.push(slot).map_err(|_| Full::Slots)?;
        Ok(i)
    }

    /// Lets `fill` write a record into all the free bytes and say how many
    /// it used (one encode, no separate size computation); the record is
    /// stored only when `fill` succeeds. Nothing changes otherwise.
    pub(crate) fn push_tail<E>(
        &mut self,
        mut slot: Slot,
        fill: impl FnOnce(&mut [u8]) -> Result<usize, E>,
    ) -> Result<Result<usize, E>, Full> {
        if self.slots.is_full() {
            return Err(Full::Slots);
        }
        let at = self.used;
        let n = match fill(&mut self.bytes[at..]) {
            Ok(n) => n.min(BUF - at),
            Err(e) => return Ok(Err(e)),
        };
        slot.off = at as u32;
        slot.len = n as u32;
        self.used = at + n;
        let i = self.slots.len();
        self.slots.push(slot).map_err(|_| Full::Slots)?;
        Ok(Ok(i))
    }

    /// Reserves `len` bytes and lets `fill` write the record into them;
    /// `fill` returns the slot to store, whose lengths say how many of the
    /// reserved bytes it used, or an error to abandon the record. Nothing
    /// changes unless the record is stored.
    pub(crate) fn push_with<E>(
        &mut self,
        len: usize,
        fill: impl FnOnce(&mut [u8]) -> Result<Slot, E>,
    ) -> Result<Result<usize, E>, Full> {
        self.check(len)?;
        let at = self.used;
        let mut slot = match fill(&mut self.bytes[at..at + len]) {
            Ok(slot) => slot,
            Err(e) => return Ok(Err(e)),
        };
        if slot.len() > len {
            return Err(Full::Bytes);
        }
        slot.off = at as u32;
        self.used = at + slot.len();
        let i = self.slots.len();
        self.slots.push(slot).map_err(|_| Full::Slots)?;
        Ok(Ok(i))
    }

    /// The record's bytes.
    pub(crate) fn bytes(&self, i: usize) -> &[u8] {
        let s = &self.slots[i];
        &self.bytes[s.off as usize..s.off as usize + s.len as usize]
    }

    /// Frees the record's bytes but keeps its slot (a SUBSCRIBE once sent).
    pub(crate) fn free_bytes(&mut self, i: usize) {
        let len = self.slots[i].len();
        let off = self.slots[i].off as usize;
        self.compact(off, len, i + 1);
        self.slots[i].len = 0;
    }

    /// Removes the record entirely, keeping the others in order.
    #[inline]
    pub(crate) fn remove(&mut self, i: usize) -> Slot {
        if i + 1 == self.slots.len() {
            // The last record (a QoS 0 message just written, most often):
            // nothing behind it to move.
            if let Some(s) = self.slots.pop() {
                debug_assert_eq!(s.off as usize + s.len(), self.used);
                self.used = s.off as usize;
                return s;
            }
        }
        self.remove_inner(i)
    }

    #[inline(never)]
    fn remove_inner(&mut self, i: usize) -> Slot {
        let s = self.slots[i];
        self.compact(s.off as usize, s.len(), i + 1);
        self.slots.remove(i)
    }

    /// Removes every record for which `drop` is true; returns how many.
    pub(crate) fn retain(&mut self, mut drop: impl FnMut(&Slot) -> bool) -> usize {
        let mut n = 0;
        let mut i = 0;
        while i < self.slots.len() {
            if drop(&self.slots[i]) {
                self.remove(i);
                n += 1;
            } else {
                i += 1;
            }
        }
        n
    }

    fn compact(&mut self, off: usize, len: usize, from_slot: usize) {
        if len == 0 {
            return;
        }
        if off + len < self.used {
            self.bytes.copy_within(off + len..self.used, off);
        }
        self.used -= len;
        for s in self.slots[from_slot..].iter_mut() {
            s.off -= len as u32;
        }
    }

    pub(crate) fn find(&self, kind: Kind, pid: u16) -> Option<usize> {
        self.slots
            .iter()
            .position(|s| s.pid == pid && pid != 0 && s.kind == kind)
    }

    pub(crate) fn pid_in_use(&self, pid: u16) -> bool {
        self.slots.iter().any(|s| s.pid == pid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn publish(pid: u16, len: usize) -> Slot {
        Slot {
            kind: Kind::Publish,
            state: State::Pending,
            pid,
            qos: 1,
            retain: false,
            dup: false,
            rel_seq: 0,
            off: 0,
            len: len as u32,
            queued_at: Instant::ZERO,
            expiry: 0,
            expiry_at: 0,
        }
    }

    #[test]
    fn removing_a_record_compacts_and_keeps_order_and_bytes() {
        let mut s: Store<4, 32> = Store::new();
        s.push(publish(1, 3), &[b"a", b"11"]).unwrap();
        s.push(publish(2, 4), &[b"b", b"p", b"22"]).unwrap();
        s.push(publish(3, 4), &[b"c", b"333"]).unwrap();
        assert_eq!(s.bytes_used(), 11);
        s.remove(0);
        assert_eq!(s.bytes_used(), 8);
        assert_eq!(s.bytes(0), b"bp22");
        assert_eq!(s.bytes(1), b"c333");
        assert_eq!(s.slots()[1].pid, 3);
    }

    #[test]
    fn a_full_store_is_an_error_and_changes_nothing() {
        let mut s: Store<2, 8> = Store::new();
        s.push(publish(1, 6), &[b"a", b"12345"]).unwrap();
        let before = (s.slots().len(), s.bytes_used());
        assert_eq!(s.push(publish(2, 4), &[b"b", b"123"]), Err(Full::Bytes));
        assert_eq!((s.slots().len(), s.bytes_used()), before);
        s.push(publish(2, 2), &[b"b", b"1"]).unwrap();
        assert_eq!(s.push(publish(3, 0), &[]), Err(Full::Slots));
        assert_eq!(s.slots().len(), 2);
    }

    #[test]
    fn freeing_bytes_keeps_the_slot_and_its_id() {
        let mut s: Store<4, 16> = Store::new();
        let mut sub = publish(9, 6);
        sub.kind = Kind::Subscribe;
        s.push(sub, &[b"SUBSCR"]).unwrap();
        s.push(publish(10, 2), &[b"t", b"x"]).unwrap();
        s.free_bytes(0);
        assert_eq!(s.bytes_used(), 2);
        assert!(s.pid_in_use(9));
        assert_eq!(s.bytes(1), b"tx");
    }

    #[test]
    fn push_with_stores_only_what_fill_wrote() {
        let mut s: Store<4, 16> = Store::new();
        let r = s.push_with(10, |buf| {
            buf[..3].copy_from_slice(b"abc");
            Ok::<_, ()>(publish(1, 3))
        });
        assert_eq!(r, Ok(Ok(0)));
        assert_eq!(s.bytes_used(), 3);
        let r = s.push_with(10, |_| Err::<Slot, _>(7));
        assert_eq!(r, Ok(Err(7)));
        assert_eq!((s.slots().len(), s.bytes_used()), (1, 3));
        assert_eq!(
            s.push_with(14, |_| Ok::<_, ()>(publish(2, 1))),
            Err(Full::Bytes)
        );
    }
}
