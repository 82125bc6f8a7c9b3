//! SUBSCRIBE (§3.8).

use super::ack::packet_id;
use super::{props_field_len, write_frame, DecodeOptions, Plan};
use crate::error::{DecodeError, EncodeError, PlanError};
use crate::property::{Context, Properties};
use crate::string::{Reader, Writer};
use crate::topic::{self, SharedSubscription};
use crate::{ProtocolLevel, QoS, TopicFilter};

/// Retain Handling subscription option (§3.8.3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum RetainHandling {
    /// 0: send retained messages at the time of the subscribe.
    #[default]
    SendAtSubscribe = 0,
    /// 1: send retained messages only if the subscription did not exist.
    SendIfNewSubscription = 1,
    /// 2: do not send retained messages.
    DoNotSend = 2,
}

/// The Subscription Options byte (§3.8.3.1). At 3.x only `qos` exists and
/// the other fields must keep their defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct SubscriptionOptions {
    /// Maximum QoS.
    pub qos: QoS,
    /// No Local (5.0).
    pub no_local: bool,
    /// Retain As Published (5.0).
    pub retain_as_published: bool,
    /// Retain Handling (5.0).
    pub retain_handling: RetainHandling,
}

impl SubscriptionOptions {
    /// Maximum QoS `qos`, every 5.0 option at its default.
    pub const fn new(qos: QoS) -> SubscriptionOptions {
        SubscriptionOptions {
            qos,
            no_local: false,
            retain_as_published: false,
            retain_handling: RetainHandling::SendAtSubscribe,
        }
    }

    /// The options byte.
    pub const fn as_u8(&self) -> u8 {
        self.qos.as_u8()
            | (self.no_local as u8) << 2
            | (self.retain_as_published as u8) << 3
            | (self.retain_handling as u8) << 4
    }

    /// Parses and checks an options byte at `level`.
    pub(crate) fn from_u8(b: u8, level: ProtocolLevel) -> Result<SubscriptionOptions, DecodeError> {
        if level != ProtocolLevel::V5 {
            // 3.1.1 [MQTT-3.8.3-4]: "The Server MUST treat a SUBSCRIBE packet
            // as malformed and close the Network Connection if any of
            // Reserved bits in the payload are non-zero, or QoS is not 0,1 or 2."
            if b & 0xFC != 0 {
                return Err(DecodeError::SubscriptionOptionsReserved);
            }
        } else if b & 0xC0 != 0 {
            // "The Server MUST treat a SUBSCRIBE packet as malformed if any of
            // Reserved bits in the Payload are non-zero [MQTT-3.8.3-5]."
            return Err(DecodeError::SubscriptionOptionsReserved);
        }
        // "It is a Protocol Error if the Maximum QoS field has the value 3."
        let qos = QoS::from_u8(b & 3).ok_or(DecodeError::SubscriptionQoS3)?;
        let retain_handling = match (b >> 4) & 3 {
            0 => RetainHandling::SendAtSubscribe,
            1 => RetainHandling::SendIfNewSubscription,
            2 => RetainHandling::DoNotSend,
            // "It is a Protocol Error to send a Retain Handling value of 3."
            _ => return Err(DecodeError::RetainHandling3),
        };
        Ok(SubscriptionOptions {
            qos,
            no_local: b & 4 != 0,
            retain_as_published: b & 8 != 0,
            retain_handling,
        })
    }
}

/// One Topic Filter and its options.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Subscription<'a> {
    /// The Topic Filter (possibly `$share/{group}/{filter}` in 5.0).
    pub filter: TopicFilter<'a>,
    /// Subscription options.
    pub options: SubscriptionOptions,
}

impl<'a> Subscription<'a> {
    /// Checks one subscription at `level` (filter syntax, shared-subscription
    /// rules, options valid at the level).
    #[inline]
    pub(crate) fn check(&self, level: ProtocolLevel) -> Result<(), DecodeError> {
        topic::check_filter_at(self.filter.as_str(), level)?;
        if level == ProtocolLevel::V5 {
            self.check_no_local()?;
        }
        Ok(())
    }

    /// "It is a Protocol Error to set the No Local bit to 1 on a Shared
    /// Subscription [MQTT-3.8.3-4]" (5.0; the filter already checked).
    #[inline]
    fn check_no_local(&self) -> Result<(), DecodeError> {
        if self.options.no_local && SharedSubscription::parse(self.filter.as_str())?.is_some() {
            return Err(DecodeError::NoLocalOnSharedSubscription);
        }
        Ok(())
    }
}

impl Subscription<'_> {
    /// Validates one subscription for encoding at `level` (the strict
    /// string rules, [`Subscription::check`], options valid at the level)
    /// and returns its encoded size.
    #[inline(always)]
    fn plan(&self, level: ProtocolLevel) -> Result<usize, PlanError> {
        let len = self.filter.check_for_encode(level)?;
        let o = &self.options;
        if level == ProtocolLevel::V5 {
            self.check_no_local()?;
        } else if o.as_u8() & 0xFC != 0 {
            // Only the Maximum QoS exists below 5.0.
            return Err(PlanError::NotAtThisLevel);
        }
        Ok(len + 1)
    }
}

/// The Topic Filters of a SUBSCRIBE: a lazy view over validated bytes
/// (decode) or a caller's slice (encode). Equal when they yield the same
/// subscriptions.
#[derive(Clone, Copy, Debug)]
pub struct SubscribeFilters<'a>(Repr<'a>);

#[derive(Clone, Copy, Debug)]
enum Repr<'a> {
    /// Validated payload bytes and their count.
    Wire(&'a [u8], usize),
    List(&'a [Subscription<'a>]),
}

impl<'a> SubscribeFilters<'a> {
    /// Subscriptions to encode, in order.
    pub const fn from_list(list: &'a [Subscription<'a>]) -> SubscribeFilters<'a> {
        SubscribeFilters(Repr::List(list))
    }

    /// How many.
    pub fn len(&self) -> usize {
        match self.0 {
            Repr::Wire(_, n) => n,
            Repr::List(l) => l.len(),
        }
    }

    /// Whether there are none (never, in a decoded SUBSCRIBE).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The subscriptions, in order.
    pub fn iter(&self) -> SubscribeFiltersIter<'a> {
        SubscribeFiltersIter(match self.0 {
            Repr::Wire(b, n) => IterRepr::Wire(Reader::new(b), n),
            Repr::List(l) => IterRepr::List(l.iter()),
        })
    }
}

impl PartialEq for SubscribeFilters<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}
impl Eq for SubscribeFilters<'_> {}

/// Iterator over [`SubscribeFilters`].
#[derive(Clone, Debug)]
pub struct SubscribeFiltersIter<'a>(IterRepr<'a>);

#[derive(Clone, Debug)]
enum IterRepr<'a> {
    Wire(Reader<'a>, usize),
    List(core::slice::Iter<'a, Subscription<'a>>),
}

impl<'a> Iterator for SubscribeFiltersIter<'a> {
    type Item = Subscription<'a>;

    #[inline]
    fn next(&mut self) -> Option<Subscription<'a>> {
        match &mut self.0 {
            IterRepr::Wire(r, n) => {
                // Validated on decode; stop rather than panic if not.
                let filter = r.str(false).ok()?;
                let b = r.u8().ok()?;
                *n = n.saturating_sub(1);
                let qos = QoS::from_u8(b & 3)?;
                let retain_handling = match (b >> 4) & 3 {
                    0 => RetainHandling::SendAtSubscribe,
                    1 => RetainHandling::SendIfNewSubscription,
                    _ => RetainHandling::DoNotSend,
                };
                Some(Subscription {
                    filter: TopicFilter::decoded(filter),
                    options: SubscriptionOptions {
                        qos,
                        no_local: b & 4 != 0,
                        retain_as_published: b & 8 != 0,
                        retain_handling,
                    },
                })
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

impl ExactSizeIterator for SubscribeFiltersIter<'_> {}

/// SUBSCRIBE: one or more Topic Filters with their options.
///
/// ```
/// use mqtt_codec::*;
/// let subs = [
///     Subscription { filter: "a/+".into(), options: SubscriptionOptions::new(QoS::AtLeastOnce) },
///     Subscription { filter: "$share/g/b/#".into(), options: SubscriptionOptions::new(QoS::ExactlyOnce) },
/// ];
/// let props = [Property::SubscriptionIdentifier(5)];
/// let sub = Packet::Subscribe(Subscribe {
///     packet_id: 3,
///     properties: Properties::from_list(&props),
///     filters: SubscribeFilters::from_list(&subs),
/// });
/// let mut buf = [0u8; 64];
/// let n = sub.encode(ProtocolLevel::V5, &mut buf).unwrap();
/// let opts = DecodeOptions::new(ProtocolLevel::V5);
/// let Ok(Status::Complete((Packet::Subscribe(back), _))) = Packet::decode(&buf[..n], &opts) else { panic!() };
/// assert_eq!(back.filters.iter().map(|s| s.filter.as_str()).collect::<Vec<_>>(), ["a/+", "$share/g/b/#"]);
/// assert_eq!(Packet::Subscribe(back), sub);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Subscribe<'a> {
    /// Packet Identifier, non-zero.
    pub packet_id: u16,
    /// Properties (MQTT 5.0: Subscription Identifier, User Property).
    pub properties: Properties<'a>,
    /// At least one subscription.
    pub filters: SubscribeFilters<'a>,
}

impl<'a> Subscribe<'a> {
    pub(crate) fn decode(
        body: &'a [u8],
        opts: &DecodeOptions,
    ) -> Result<Subscribe<'a>, DecodeError> {
        let mut r = Reader::new(body);
        let packet_id = packet_id(&mut r)?;
        let properties = if opts.level == ProtocolLevel::V5 {
            Properties::decode(&mut r, Context::Subscribe, opts.strict())?
        } else {
            Properties::EMPTY
        };
        let payload = r.rest();
        let mut p = Reader::new(payload);
        let mut count = 0;
        while !p.is_empty() {
            // "The Topic Filters MUST be a UTF-8 Encoded String [MQTT-3.8.3-1]."
            let filter = p.str(opts.strict())?;
            let options = SubscriptionOptions::from_u8(p.u8()?, opts.level)?;
            Subscription {
                filter: TopicFilter::decoded(filter),
                options,
            }
            .check(opts.level)?;
            count += 1;
        }
        // "The Payload MUST contain at least one Topic Filter and Subscription
        // Options pair [MQTT-3.8.3-2]."
        if count == 0 {
            return Err(DecodeError::SubscribeWithoutFilters);
        }
        Ok(Subscribe {
            packet_id,
            properties,
            filters: SubscribeFilters(Repr::Wire(payload, count)),
        })
    }

    /// The exact size of the frame [`Subscribe::encode`] writes at `level`,
    /// or why it cannot be encoded.
    ///
    /// ```
    /// use mqtt_codec::*;
    /// let subs = [Subscription { filter: TopicFilter::new("a/#")?, options: SubscriptionOptions::new(QoS::AtMostOnce) }];
    /// let sub = Subscribe { packet_id: 1, properties: Properties::EMPTY,
    ///                       filters: SubscribeFilters::from_list(&subs) };
    /// assert_eq!(sub.encoded_len(ProtocolLevel::V4), Ok(10));
    /// # Ok::<(), EncodeError>(())
    /// ```
    pub fn encoded_len(&self, level: ProtocolLevel) -> Result<usize, EncodeError> {
        Ok(self.plan(level)?.frame_len())
    }

    /// Writes the SUBSCRIBE frame at the start of `buf` and returns its
    /// length: the same bytes, checks and errors as
    /// [`Packet::encode`](crate::Packet::encode) of `Packet::Subscribe`,
    /// without going through the [`Packet`](crate::Packet) enum. Every
    /// filter is checked first (strict UTF-8 rules, wildcard placement,
    /// shared-subscription rules); on any error `buf` is left untouched.
    ///
    /// ```
    /// use mqtt_codec::*;
    /// let subs = [Subscription { filter: "a/+".into(), options: SubscriptionOptions::new(QoS::AtLeastOnce) }];
    /// let sub = Subscribe { packet_id: 7, properties: Properties::EMPTY,
    ///                       filters: SubscribeFilters::from_list(&subs) };
    /// let mut buf = [0u8; 16];
    /// assert_eq!(sub.encode(ProtocolLevel::V4, &mut buf), Ok(10));
    /// assert_eq!(buf[..10], [0x82, 8, 0, 7, 0, 3, b'a', b'/', b'+', 1]);
    /// // "+" must fill a whole level [MQTT-4.7.1-2]: refused, nothing written.
    /// let bad = [Subscription { filter: "a+".into(), ..subs[0] }];
    /// let mut out = [0u8; 16];
    /// let bad = Subscribe { filters: SubscribeFilters::from_list(&bad), ..sub };
    /// assert_eq!(bad.encode(ProtocolLevel::V4, &mut out),
    ///            Err(EncodeError::Invalid(DecodeError::SingleLevelWildcardNotAlone)));
    /// assert_eq!(out, [0u8; 16]);
    /// ```
    #[inline]
    pub fn encode(&self, level: ProtocolLevel, buf: &mut [u8]) -> Result<usize, EncodeError> {
        let plan = self.plan(level)?;
        write_frame(0x82, &plan, buf, |w| self.write(level, &plan, w))
    }

    #[inline(always)]
    pub(crate) fn plan(&self, level: ProtocolLevel) -> Result<Plan, PlanError> {
        if self.packet_id == 0 {
            return Err(DecodeError::PacketIdZero.into());
        }
        if self.filters.is_empty() {
            return Err(DecodeError::SubscribeWithoutFilters.into());
        }
        let mut remaining = 2;
        match self.filters.0 {
            // One loop per level, so that the level's tests fold.
            Repr::List(list) if level == ProtocolLevel::V5 => {
                for s in list {
                    remaining += s.plan(ProtocolLevel::V5)?;
                }
            }
            Repr::List(list) => {
                for s in list {
                    remaining += s.plan(level)?;
                }
            }
            Repr::Wire(..) => {
                for s in self.filters.iter() {
                    remaining += s.plan(level)?;
                }
            }
        }
        let mut props = 0;
        if level == ProtocolLevel::V5 {
            props = self.properties.check_for_encode(Context::Subscribe)?;
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
            Repr::List(l) => l
                .iter()
                .for_each(|s| w.binary_then(s.filter.as_str().as_bytes(), s.options.as_u8())),
        }
    }
}
