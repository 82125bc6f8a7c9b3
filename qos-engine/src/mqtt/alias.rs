//! Topic alias tables (MQTT 5.0 §3.3.2.3.4), one per direction.
//!
//! Fixed capacity: [`ALIASES`] aliases whose topics share [`ALIAS_BYTES`]
//! bytes. Outgoing, an alias is assigned automatically to each new topic
//! while there is room (the first PUBLISH carries topic and alias, later ones
//! the alias alone); incoming, the table records what the peer assigns. Both
//! are emptied for every new network connection: "A receiver MUST NOT carry
//! forward any Topic Alias mappings from one Network Connection to another"
//! [MQTT-3.3.2-7].

/// How many topic aliases a session keeps per direction; the Topic Alias
/// Maximum it announces to the peer.
pub const ALIASES: usize = 8;
/// Bytes of topic names a session keeps per direction for its aliases.
pub const ALIAS_BYTES: usize = 256;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Entry {
    alias: u16,
    off: u16,
    len: u16,
}

/// Alias ↔ topic, bounded.
#[derive(Clone, Debug)]
pub(crate) struct AliasTable {
    entries: heapless::Vec<Entry, ALIASES>,
    bytes: [u8; ALIAS_BYTES],
    used: usize,
}

impl AliasTable {
    pub(crate) const fn new() -> Self {
        AliasTable {
            entries: heapless::Vec::new(),
            bytes: [0; ALIAS_BYTES],
            used: 0,
        }
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
        self.used = 0;
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    fn topic_of(&self, e: &Entry) -> &[u8] {
        &self.bytes[e.off as usize..e.off as usize + e.len as usize]
    }

    /// The topic mapped to `alias`.
    pub(crate) fn topic(&self, alias: u16) -> Option<&str> {
        let e = self.entries.iter().find(|e| e.alias == alias)?;
        core::str::from_utf8(self.topic_of(e)).ok()
    }

    /// The alias mapped to `topic`.
    pub(crate) fn alias(&self, topic: &str) -> Option<u16> {
        self.entries
            .iter()
            .find(|e| self.topic_of(e) == topic.as_bytes())
            .map(|e| e.alias)
    }

    /// Maps `alias` to `topic`, replacing an earlier mapping of `alias`.
    /// `Err` (and no change but the removal of the old mapping) when there
    /// is no room.
    pub(crate) fn insert(&mut self, alias: u16, topic: &str) -> Result<(), ()> {
        if let Some(i) = self.entries.iter().position(|e| e.alias == alias) {
            let e = self.entries.remove(i);
            let (off, len) = (e.off as usize, e.len as usize);
            self.bytes.copy_within(off + len..self.used, off);
            self.used -= len;
            for x in self.entries.iter_mut() {
                if x.off as usize > off {
                    x.off -= len as u16;
                }
            }
        }
        let t = topic.as_bytes();
        if self.entries.is_full() || t.len() > ALIAS_BYTES - self.used {
            return Err(());
        }
        let off = self.used;
        self.bytes[off..off + t.len()].copy_from_slice(t);
        self.used += t.len();
        self.entries
            .push(Entry {
                alias,
                off: off as u16,
                len: t.len() as u16,
            })
            .map_err(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mappings_are_found_both_ways_and_replaced() {
        let mut t = AliasTable::new();
        t.insert(1, "a/b").unwrap();
        t.insert(2, "c").unwrap();
        assert_eq!(t.topic(1), Some("a/b"));
        assert_eq!(t.alias("c"), Some(2));
        t.insert(1, "zz/top").unwrap();
        assert_eq!(t.topic(1), Some("zz/top"));
        assert_eq!(t.topic(2), Some("c"));
        assert_eq!(t.alias("a/b"), None);
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn the_table_is_bounded_in_entries_and_bytes() {
        let mut t = AliasTable::new();
        let long = core::str::from_utf8(&[b'x'; ALIAS_BYTES + 1]).unwrap();
        assert!(t.insert(1, long).is_err());
        for a in 1..=ALIASES as u16 {
            t.insert(a, "t").unwrap();
        }
        assert!(t.insert(99, "u").is_err());
        t.clear();
        assert_eq!(t.topic(1), None);
    }
}
