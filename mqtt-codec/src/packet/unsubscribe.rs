//! UNSUBSCRIBE (§3.10).

use super::ack::packet_id;
use super::{props_field_len, DecodeOptions, Plan};
use crate::error::{DecodeError, PlanError};
use crate::property::{Context, Properties};
use crate::string::{Reader, Writer};
use crate::{topic, ProtocolLevel, TopicFilter};

/// The Topic Filters of an UNSUBSCRIBE: a lazy view over validated bytes
/// (decode) or a caller's slice (encode). Equal when they yield the same
/// filters.
#[derive(Clone, Copy, Debug)]
pub struct TopicFilters<'a>(Repr<'a>);

#[derive(Clone, Copy, Debug)]
enum Repr<'a> {
    Wire(&'a [u8], usize),
    List(&'a [TopicFilter<'a>]),
}

impl<'a> TopicFilters<'a> {
    /// Filters to encode, in order.
    pub const fn from_list(list: &'a [TopicFilter<'a>]) -> TopicFilters<'a> {
        TopicFilters(Repr::List(list))
    }

    /// How many.
    pub fn len(&self) -> usize {
        match self.0 {
            Repr::Wire(_, n) => n,
            Repr::List(l) => l.len(),
        }
    }

    /// Whether there are none (never, in a decoded UNSUBSCRIBE).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The filters, in order.
    pub fn iter(&self) -> TopicFiltersIter<'a> {
        TopicFiltersIter(match self.0 {
            Repr::Wire(b, n) => IterRepr::Wire(Reader::new(b), n),
            Repr::List(l) => IterRepr::List(l.iter()),
        })
    }
}

impl PartialEq for TopicFilters<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}
impl Eq for TopicFilters<'_> {}

/// Iterator over [`TopicFilters`].
#[derive(Clone, Debug)]
pub struct TopicFiltersIter<'a>(IterRepr<'a>);

#[derive(Clone, Debug)]
enum IterRepr<'a> {
    Wire(Reader<'a>, usize),
    List(core::slice::Iter<'a, TopicFilter<'a>>),
}

impl<'a> Iterator for TopicFiltersIter<'a> {
    type Item = TopicFilter<'a>;

    fn next(&mut self) -> Option<TopicFilter<'a>> {
        match &mut self.0 {
            IterRepr::Wire(r, n) => {
                let f = r.str(false).ok()?;
                *n = n.saturating_sub(1);
                Some(TopicFilter::decoded(f))
            }
            IterRepr::List(it) => it.next().copied(),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = match &self.0 {
            IterRepr::Wire(_, n) => *n,
            IterRepr::List(it) => it.len(),
        };
        (n, Some(n))
    }
}

impl ExactSizeIterator for TopicFiltersIter<'_> {}

/// UNSUBSCRIBE: one or more Topic Filters.
///
/// ```
/// use mqtt_codec::*;
/// let filters = [TopicFilter::new("a/+")?, "b/#".into()];
/// let p = Packet::Unsubscribe(Unsubscribe {
///     packet_id: 4, properties: Properties::EMPTY, filters: TopicFilters::from_list(&filters),
/// });
/// let mut buf = [0u8; 32];
/// let n = p.encode(ProtocolLevel::V4, &mut buf).unwrap();
/// assert_eq!(buf[..n], [0xA2, 12, 0, 4, 0, 3, b'a', b'/', b'+', 0, 3, b'b', b'/', b'#']);
/// # Ok::<(), EncodeError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unsubscribe<'a> {
    /// Packet Identifier, non-zero.
    pub packet_id: u16,
    /// Properties (MQTT 5.0: User Property only).
    pub properties: Properties<'a>,
    /// At least one Topic Filter.
    pub filters: TopicFilters<'a>,
}

impl<'a> Unsubscribe<'a> {
    pub(crate) fn decode(
        body: &'a [u8],
        opts: &DecodeOptions,
    ) -> Result<Unsubscribe<'a>, DecodeError> {
        let mut r = Reader::new(body);
        let packet_id = packet_id(&mut r)?;
        let properties = if opts.level == ProtocolLevel::V5 {
            Properties::decode(&mut r, Context::Unsubscribe, opts.strict())?
        } else {
            Properties::EMPTY
        };
        let payload = r.rest();
        let mut p = Reader::new(payload);
        let mut count = 0;
        while !p.is_empty() {
            // "The Topic Filters in an UNSUBSCRIBE packet MUST be UTF-8 Encoded
            // Strings [MQTT-3.10.3-1]."
            topic::check_filter_at(p.str(opts.strict())?, opts.level)?;
            count += 1;
        }
        // "The Payload of an UNSUBSCRIBE packet MUST contain at least one
        // Topic Filter [MQTT-3.10.3-2]."
        if count == 0 {
            return Err(DecodeError::UnsubscribeWithoutFilters);
        }
        Ok(Unsubscribe {
            packet_id,
            properties,
            filters: TopicFilters(Repr::Wire(payload, count)),
        })
    }

    pub(crate) fn plan(&self, level: ProtocolLevel) -> Result<Plan, PlanError> {
        if self.packet_id == 0 {
            return Err(DecodeError::PacketIdZero.into());
        }
        if self.filters.is_empty() {
            return Err(DecodeError::UnsubscribeWithoutFilters.into());
        }
        let mut remaining = 2;
        for f in self.filters.iter() {
            remaining += f.check_for_encode(level)?;
        }
        let mut props = 0;
        if level == ProtocolLevel::V5 {
            props = self.properties.check_for_encode(Context::Unsubscribe)?;
            remaining += props_field_len(props);
        } else if !self.properties.is_empty() {
            return Err(PlanError::NotAtThisLevel);
        }
        Plan::new(remaining, props, 0)
    }

    pub(crate) fn write(&self, level: ProtocolLevel, plan: &Plan, w: &mut Writer<'_>) {
        w.u16(self.packet_id);
        if level == ProtocolLevel::V5 {
            self.properties.write(plan.props, w);
        }
        match self.filters.0 {
            Repr::Wire(b, _) => w.bytes(b),
            Repr::List(l) => l.iter().for_each(|f| w.str(f.as_str())),
        }
    }
}
