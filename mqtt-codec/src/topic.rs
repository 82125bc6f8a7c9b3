//! Topic Names and Topic Filters (§4.7): validation, matching, and shared
//! subscriptions (§4.8.2).
//!
//! ```
//! use mqtt_codec::topic::{matches, SharedSubscription};
//!
//! assert!(matches("sport/tennis/+", "sport/tennis/player1"));
//! assert!(matches("sport/#", "sport"));
//! assert!(!matches("#", "$SYS/uptime"));
//! let shared = SharedSubscription::parse("$share/consumers/sport/#").unwrap().unwrap();
//! assert_eq!((shared.group, shared.filter), ("consumers", "sport/#"));
//! ```

use crate::error::{DecodeError, EncodeError, PlanError};
use crate::string;
use crate::ProtocolLevel;

/// Checks a Topic Name: at least one character [MQTT-4.7.3-1] and no
/// wildcard characters [MQTT-3.3.2-2] / [MQTT-4.7.0-1]. (UTF-8 rules are
/// checked where the string is read.)
///
/// ```
/// use mqtt_codec::{topic::check_name, DecodeError};
/// assert_eq!(check_name("a/b"), Ok(()));
/// assert_eq!(check_name("a/+"), Err(DecodeError::TopicNameWildcard));
/// ```
pub fn check_name(name: &str) -> Result<(), DecodeError> {
    // "All Topic Names and Topic Filters MUST be at least one character long
    // [MQTT-4.7.3-1]."
    if name.is_empty() {
        return Err(DecodeError::TopicEmpty);
    }
    check_name_chars(name)
}

/// The wildcard rule alone, for a 5.0 PUBLISH whose empty Topic Name stands
/// for a Topic Alias.
#[inline]
pub(crate) fn check_name_chars(name: &str) -> Result<(), DecodeError> {
    // "The wildcard characters can be used in Topic Filters, but MUST NOT be
    // used within a Topic Name [MQTT-4.7.0-1]." / "The Topic Name in the
    // PUBLISH packet MUST NOT contain wildcard characters [MQTT-3.3.2-2]."
    if crate::string::contains_wildcard(name.as_bytes()) {
        return Err(DecodeError::TopicNameWildcard);
    }
    Ok(())
}

/// Checks a Topic Filter: non-empty [MQTT-4.7.3-1], `#` only as the whole
/// last level [MQTT-4.7.1-1], `+` only as a whole level [MQTT-4.7.1-2]. A
/// `$share/{group}/{filter}` filter must have a valid ShareName and a valid
/// filter after it [MQTT-4.8.2-1], [MQTT-4.8.2-2].
///
/// ```
/// use mqtt_codec::{topic::check_filter, DecodeError};
/// assert_eq!(check_filter("sport/+/player1/#"), Ok(()));
/// assert_eq!(check_filter("sport/tennis#"), Err(DecodeError::MultiLevelWildcardNotLast));
/// assert_eq!(check_filter("sport+"), Err(DecodeError::SingleLevelWildcardNotAlone));
/// ```
pub fn check_filter(filter: &str) -> Result<(), DecodeError> {
    match SharedSubscription::parse(filter)? {
        Some(shared) => check_plain_filter(shared.filter),
        None => check_plain_filter(filter),
    }
}

/// [`check_filter`] at 5.0, where shared subscriptions exist;
/// [`check_plain_filter`] below, where `$share/…` is an ordinary filter.
pub(crate) fn check_filter_at(filter: &str, level: ProtocolLevel) -> Result<(), DecodeError> {
    if level == ProtocolLevel::V5 {
        check_filter(filter)
    } else {
        check_plain_filter(filter)
    }
}

/// A filter's wildcard and length rules, without `$share/` parsing (3.x).
pub(crate) fn check_plain_filter(filter: &str) -> Result<(), DecodeError> {
    if filter.is_empty() {
        return Err(DecodeError::TopicEmpty);
    }
    let bytes = filter.as_bytes();
    let last = bytes.len() - 1;
    // Visit only the wildcard characters, found a word at a time.
    crate::string::for_each_wildcard(bytes, |i| {
        let at_start = i == 0 || bytes[i - 1] == b'/';
        if bytes[i] == b'#' {
            // "The multi-level wildcard character MUST be specified either
            // on its own or following a topic level separator. In either case
            // it MUST be the last character specified in the Topic Filter
            // [MQTT-4.7.1-1]."
            if !(at_start && i == last) {
                return Err(DecodeError::MultiLevelWildcardNotLast);
            }
        } else if !(at_start && (i == last || bytes[i + 1] == b'/')) {
            // "The single-level wildcard can be used at any level in the
            // Topic Filter, including first and last levels. Where it is
            // used, it MUST occupy an entire level of the filter
            // [MQTT-4.7.1-2]."
            return Err(DecodeError::SingleLevelWildcardNotAlone);
        }
        Ok(())
    })
}

/// Whether a filter has a wildcard (`+` or `#`) anywhere.
pub fn has_wildcards(filter: &str) -> bool {
    crate::string::contains_wildcard(filter.as_bytes())
}

/// A shared subscription filter, `$share/{group}/{filter}` (§4.8.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SharedSubscription<'a> {
    /// The ShareName.
    pub group: &'a str,
    /// The Topic Filter after the ShareName.
    pub filter: &'a str,
}

impl<'a> SharedSubscription<'a> {
    /// `Ok(None)` for a filter that does not start with `$share/`; the parts of
    /// a shared one; an error if it starts with `$share/` but is not a valid
    /// shared subscription: "The ShareName MUST NOT contain the characters
    /// "/", "+" or "#", but MUST be followed by a "/" character. This "/"
    /// character MUST be followed by a Topic Filter [MQTT-4.8.2-2]", and "A
    /// Shared Subscription's Topic Filter MUST start with $share/ and MUST
    /// contain a ShareName that is at least one character long
    /// [MQTT-4.8.2-1]".
    ///
    /// ```
    /// use mqtt_codec::topic::SharedSubscription;
    /// assert!(SharedSubscription::parse("$share//a").is_err());
    /// assert_eq!(SharedSubscription::parse("$SYS/#"), Ok(None));
    /// ```
    pub fn parse(filter: &'a str) -> Result<Option<SharedSubscription<'a>>, DecodeError> {
        let Some(rest) = filter.strip_prefix("$share/") else {
            return Ok(None);
        };
        let Some((group, filter)) = rest.split_once('/') else {
            return Err(DecodeError::SharedSubscriptionInvalid);
        };
        if group.is_empty() || group.bytes().any(|b| b == b'+' || b == b'#') || filter.is_empty() {
            return Err(DecodeError::SharedSubscriptionInvalid);
        }
        Ok(Some(SharedSubscription { group, filter }))
    }
}

/// A Topic Name (§4.7) for a PUBLISH or a Will, and whether the strict
/// rules are already known to hold for it.
///
/// Two ways to build one, both safe to encode:
/// - [`TopicName::new`] (or [`TopicName::from_static`], at compile time)
///   checks the rules once, there; the encoder then trusts it and does not
///   scan it again. This is the fast path for a topic published many times
///   and for a decoded PUBLISH forwarded as it is.
/// - `"a/b".into()` defers the checks to the encoder, which runs them on
///   every encode, with the same errors.
///
/// A PUBLISH decoded strictly carries a checked Topic Name; one decoded with
/// [`DecodeOptions::allow_discouraged_code_points`](crate::DecodeOptions)
/// does not, so re-encoding it is checked again. Equality and hashing look
/// at the text only.
///
/// ```
/// use mqtt_codec::{DecodeError, EncodeError, TopicName};
/// const TEMPERATURE: TopicName<'static> = TopicName::from_static("sensors/1/temperature");
/// assert_eq!(TEMPERATURE, "sensors/1/temperature");
/// assert!(TEMPERATURE.is_checked());
/// // The rules are checked where the name is built [MQTT-3.3.2-2]…
/// assert_eq!(TopicName::new("sensors/+"),
///            Err(EncodeError::Invalid(DecodeError::TopicNameWildcard)));
/// // …or, for one built from a `&str`, when it is encoded.
/// let lazy: TopicName = "sensors/+".into();
/// assert!(!lazy.is_checked());
/// ```
#[derive(Clone, Copy, Default)]
pub struct TopicName<'a> {
    name: &'a str,
    checked: Checked,
}

/// Whether the strict rules are known to hold, kept as a whole word. As a
/// `bool`, the flag was stored as one byte inside a decoded CONNECT's Will
/// and then read back with the rest of the packet by wider loads, which
/// cannot be served from the store buffer: in about one process in three
/// (it depends on where the stack lands) CONNECT decode took 55 ns instead
/// of 35.
#[derive(Clone, Copy, Default)]
struct Checked(usize);

impl Checked {
    const YES: Checked = Checked(1);
    const NO: Checked = Checked(0);

    #[inline(always)]
    const fn from(yes: bool) -> Checked {
        Checked(yes as usize)
    }

    #[inline(always)]
    const fn get(self) -> bool {
        self.0 != 0
    }
}

impl<'a> TopicName<'a> {
    /// Checks `name` once: the strict UTF-8 rules of §1.5.4 (no U+0000
    /// [MQTT-1.5.4-2], no control characters or non-characters), no wildcard
    /// [MQTT-3.3.2-2] and at most 65,535 bytes (§1.5.4). Emptiness is the
    /// packet's rule: a 5.0 PUBLISH may send an empty name with a Topic
    /// Alias, so it is checked when the packet is encoded. The errors are
    /// the ones the encoder gives for the same name.
    #[inline]
    pub fn new(name: &'a str) -> Result<TopicName<'a>, EncodeError> {
        string::check_topic_name_str(name, true)?;
        string::str_len(name)?;
        Ok(TopicName {
            name,
            checked: Checked::YES,
        })
    }

    /// [`TopicName::new`] at compile time, for a topic written in the
    /// program. In a `const` an invalid name does not compile; elsewhere it
    /// panics, with the description of the broken rule.
    ///
    /// ```compile_fail
    /// use mqtt_codec::TopicName;
    /// const BAD: TopicName<'static> = TopicName::from_static("a/#");
    /// ```
    pub const fn from_static(name: &'static str) -> TopicName<'static> {
        if let Err(e) = const_check(name.as_bytes(), false) {
            invalid(e)
        }
        TopicName {
            name,
            checked: Checked::YES,
        }
    }

    /// A name decoded with (`checked`) or without the strict rules.
    #[inline(always)]
    pub(crate) const fn decoded(name: &'a str, checked: bool) -> TopicName<'a> {
        TopicName {
            name,
            checked: Checked::from(checked),
        }
    }

    /// The text.
    #[inline(always)]
    pub const fn as_str(&self) -> &'a str {
        self.name
    }

    /// Whether the strict rules are known to hold (built by
    /// [`TopicName::new`] or [`TopicName::from_static`], or decoded
    /// strictly), so that encoding skips them.
    #[inline(always)]
    pub const fn is_checked(&self) -> bool {
        self.checked.get()
    }

    /// The encoder's check: nothing for a checked name, else everything
    /// [`TopicName::new`] checks, with its errors.
    #[inline(always)]
    pub(crate) fn check_for_encode(&self) -> Result<(), PlanError> {
        if !self.checked.get() {
            string::check_topic_name_str(self.name, true)?;
            string::str_len(self.name)?;
        }
        Ok(())
    }
}

/// A Topic Filter (§4.7) for a SUBSCRIBE, and whether the strict rules are
/// already known to hold for it. Built like a [`TopicName`]:
/// [`TopicFilter::new`] / [`TopicFilter::from_static`] check once,
/// `"a/+".into()` leaves the checks to every encode.
///
/// The rules checked up front are the ones that hold at every protocol
/// level: strict UTF-8 (§1.5.4), non-empty [MQTT-4.7.3-1], `#` alone and
/// last [MQTT-4.7.1-1], `+` alone in its level [MQTT-4.7.1-2], at most
/// 65,535 bytes. A `$share/` filter is also checked against the shared
/// subscription rules (§4.8.2) whenever it is encoded at 5.0, where those
/// apply.
///
/// ```
/// use mqtt_codec::{DecodeError, EncodeError, TopicFilter};
/// const ALL_SENSORS: TopicFilter<'static> = TopicFilter::from_static("sensors/+/temperature");
/// assert_eq!(ALL_SENSORS, "sensors/+/temperature");
/// assert_eq!(TopicFilter::new("sensors/#/temperature"),
///            Err(EncodeError::Invalid(DecodeError::MultiLevelWildcardNotLast)));
/// ```
#[derive(Clone, Copy, Default)]
pub struct TopicFilter<'a> {
    filter: &'a str,
    checked: Checked,
}

impl<'a> TopicFilter<'a> {
    /// Checks `filter` once against the rules every level shares (see the
    /// type's documentation). The errors are the ones a 3.1.1 encode gives
    /// for the same filter.
    #[inline]
    pub fn new(filter: &'a str) -> Result<TopicFilter<'a>, EncodeError> {
        if !string::plain_filter(filter.as_bytes()) {
            string::check_str(filter, true)?;
            check_plain_filter(filter)?;
        }
        string::str_len(filter)?;
        Ok(TopicFilter {
            filter,
            checked: Checked::YES,
        })
    }

    /// [`TopicFilter::new`] at compile time. In a `const` an invalid filter
    /// does not compile; elsewhere it panics, with the description of the
    /// broken rule.
    ///
    /// ```compile_fail
    /// use mqtt_codec::TopicFilter;
    /// const BAD: TopicFilter<'static> = TopicFilter::from_static("a/b+");
    /// ```
    pub const fn from_static(filter: &'static str) -> TopicFilter<'static> {
        if let Err(e) = const_check(filter.as_bytes(), true) {
            invalid(e)
        }
        TopicFilter {
            filter,
            checked: Checked::YES,
        }
    }

    /// A filter read from a SUBSCRIBE or UNSUBSCRIBE frame, left unchecked
    /// so that encoding it again repeats the checks (the lazy filter views
    /// do not record how the frame was decoded).
    #[inline(always)]
    pub(crate) const fn decoded(filter: &'a str) -> TopicFilter<'a> {
        TopicFilter {
            filter,
            checked: Checked::NO,
        }
    }

    /// The text.
    #[inline(always)]
    pub const fn as_str(&self) -> &'a str {
        self.filter
    }

    /// Whether the level-independent rules are known to hold (built by
    /// [`TopicFilter::new`] or [`TopicFilter::from_static`]).
    #[inline(always)]
    pub const fn is_checked(&self) -> bool {
        self.checked.get()
    }

    /// The encoder's check at `level`, and the encoded size (length prefix
    /// included). Nothing to scan for a checked filter, unless it is a 5.0
    /// `$share/` one: the shared subscription rules only apply there. An
    /// unchecked filter gets one pass for the common case (printable ASCII,
    /// wildcards in place), the full checks otherwise, in their usual
    /// order, so the error is the same either way.
    #[inline(always)]
    pub(crate) fn check_for_encode(&self, level: ProtocolLevel) -> Result<usize, PlanError> {
        let f = self.filter;
        let b = f.as_bytes();
        let shared = level == ProtocolLevel::V5 && b.starts_with(b"$share/");
        if shared || !(self.checked.get() || string::plain_filter(b)) {
            string::check_str(f, true)?;
            check_filter_at(f, level)?;
        }
        // A checked filter is known to fit its two-byte length.
        if self.checked.get() {
            Ok(2 + b.len())
        } else {
            string::str_len(f)
        }
    }
}

macro_rules! topic_text {
    ($ty:ident, $field:ident) => {
        impl<'a> From<&'a str> for $ty<'a> {
            /// Unchecked: the encoder checks it every time it is encoded.
            #[inline(always)]
            fn from(s: &'a str) -> $ty<'a> {
                $ty {
                    $field: s,
                    checked: Checked::NO,
                }
            }
        }
        impl core::ops::Deref for $ty<'_> {
            type Target = str;
            #[inline(always)]
            fn deref(&self) -> &str {
                self.$field
            }
        }
        impl AsRef<str> for $ty<'_> {
            fn as_ref(&self) -> &str {
                self.$field
            }
        }
        impl PartialEq for $ty<'_> {
            fn eq(&self, other: &Self) -> bool {
                self.$field == other.$field
            }
        }
        impl Eq for $ty<'_> {}
        impl PartialEq<str> for $ty<'_> {
            fn eq(&self, other: &str) -> bool {
                self.$field == other
            }
        }
        impl PartialEq<&str> for $ty<'_> {
            fn eq(&self, other: &&str) -> bool {
                self.$field == *other
            }
        }
        impl PartialEq<$ty<'_>> for &str {
            fn eq(&self, other: &$ty<'_>) -> bool {
                *self == other.$field
            }
        }
        impl core::hash::Hash for $ty<'_> {
            fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
                self.$field.hash(state)
            }
        }
        impl core::fmt::Debug for $ty<'_> {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                core::fmt::Debug::fmt(self.$field, f)
            }
        }
        impl core::fmt::Display for $ty<'_> {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(self.$field)
            }
        }
        #[cfg(feature = "arbitrary")]
        impl<'a> arbitrary::Arbitrary<'a> for $ty<'a> {
            /// Any text; checked up front when the input says so and the
            /// text is valid, so that both encode paths are exercised.
            fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
                let s = <&'a str>::arbitrary(u)?;
                if u.arbitrary()? {
                    if let Ok(t) = $ty::new(s) {
                        return Ok(t);
                    }
                }
                Ok(s.into())
            }
        }
    };
}
topic_text!(TopicName, name);
topic_text!(TopicFilter, filter);

/// The checks of [`TopicName::new`] (`filter` false) or
/// [`TopicFilter::new`] (`filter` true) as a `const fn`, with the same first
/// error, for `from_static`. `b` is well-formed UTF-8 (it comes from a
/// `&str`).
const fn const_check(b: &[u8], filter: bool) -> Result<(), EncodeError> {
    // The strict string rules first, over the whole text, as the encoder
    // checks them.
    let mut i = 0;
    while i < b.len() {
        let (cp, len) = code_point(b, i);
        if cp == 0 {
            return Err(EncodeError::Invalid(DecodeError::Utf8Null));
        }
        if cp < 0x20
            || (cp >= 0x7F && cp <= 0x9F)
            || (cp >= 0xFDD0 && cp <= 0xFDEF)
            || cp & 0xFFFE == 0xFFFE
        {
            return Err(EncodeError::Invalid(DecodeError::Utf8DiscouragedCodePoint));
        }
        i += len;
    }
    if filter && b.is_empty() {
        return Err(EncodeError::Invalid(DecodeError::TopicEmpty));
    }
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'+' || b[i] == b'#' {
            if !filter {
                return Err(EncodeError::Invalid(DecodeError::TopicNameWildcard));
            }
            let starts_level = i == 0 || b[i - 1] == b'/';
            let last = i == b.len() - 1;
            if b[i] == b'#' {
                if !(starts_level && last) {
                    return Err(EncodeError::Invalid(DecodeError::MultiLevelWildcardNotLast));
                }
            } else if !(starts_level && (last || b[i + 1] == b'/')) {
                return Err(EncodeError::Invalid(
                    DecodeError::SingleLevelWildcardNotAlone,
                ));
            }
        }
        i += 1;
    }
    if b.len() > u16::MAX as usize {
        return Err(EncodeError::FieldTooLong);
    }
    Ok(())
}

/// `from_static`'s panic for an error of [`const_check`].
const fn invalid(e: EncodeError) -> ! {
    match e {
        EncodeError::Invalid(e) => panic!("{}", e.description()),
        _ => panic!("longer than 65,535 bytes (§1.5.4)"),
    }
}

/// The code point starting at byte `i` of well-formed UTF-8, and its length.
const fn code_point(b: &[u8], i: usize) -> (u32, usize) {
    const fn cont(b: &[u8], i: usize) -> u32 {
        (b[i] as u32) & 0x3F
    }
    let b0 = b[i] as u32;
    if b0 < 0x80 {
        (b0, 1)
    } else if b0 < 0xE0 {
        ((b0 & 0x1F) << 6 | cont(b, i + 1), 2)
    } else if b0 < 0xF0 {
        ((b0 & 0x0F) << 12 | cont(b, i + 1) << 6 | cont(b, i + 2), 3)
    } else {
        (
            (b0 & 0x07) << 18 | cont(b, i + 1) << 12 | cont(b, i + 2) << 6 | cont(b, i + 3),
            4,
        )
    }
}

/// Whether a valid Topic Filter matches a valid Topic Name (§4.7).
///
/// `+` matches exactly one level, `#` the parent level and any number of
/// child levels; "The Server MUST NOT match Topic Filters starting with a
/// wildcard character (# or +) with Topic Names beginning with a $ character
/// [MQTT-4.7.2-1]". A `$share/{group}/` prefix is not stripped: pass
/// [`SharedSubscription::filter`] for shared subscriptions.
///
/// ```
/// use mqtt_codec::topic::matches;
/// assert!(matches("+/monitor/Clients", "$SYS/monitor/Clients") == false);
/// assert!(matches("$SYS/#", "$SYS/monitor/Clients"));
/// assert!(matches("+/+", "/finance"));
/// ```
pub fn matches(filter: &str, topic: &str) -> bool {
    if topic.starts_with('$') && (filter.starts_with('+') || filter.starts_with('#')) {
        return false;
    }
    let mut f = filter.split('/');
    let mut t = topic.split('/');
    loop {
        match (f.next(), t.next()) {
            (Some("#"), _) => return true,
            (Some("+"), Some(_)) => {}
            (Some(fl), Some(tl)) if fl == tl => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    /// Text that probes every rule: each interesting character at every
    /// position of short names on a few backgrounds.
    fn probes() -> std::vec::Vec<std::string::String> {
        let chars = [
            'a',
            '/',
            '+',
            '#',
            '$',
            '\0',
            '\u{1}',
            '\u{1f}',
            ' ',
            '~',
            '\u{7f}',
            '\u{80}',
            '\u{9f}',
            '\u{a0}',
            'é',
            '\u{fdd0}',
            '\u{fdef}',
            '\u{fdf0}',
            '\u{fffe}',
            '\u{ffff}',
            '\u{1fffe}',
            '\u{10ffff}',
            '€',
            '😀',
        ];
        let mut out = std::vec![std::string::String::new()];
        for bg in ["", "a", "a/", "/", "ab/cd/ef/gh", "$share/g/"] {
            for &c in &chars {
                for pos in 0..=bg.chars().count() {
                    let mut t: std::string::String = bg.chars().take(pos).collect();
                    t.push(c);
                    t.extend(bg.chars().skip(pos));
                    out.push(t.clone());
                    t.push(c);
                    out.push(t);
                }
            }
        }
        out
    }

    #[test]
    fn from_static_checks_exactly_what_new_checks() {
        for t in probes() {
            assert_eq!(
                const_check(t.as_bytes(), false),
                TopicName::new(&t).map(|_| ()),
                "name {t:?}"
            );
            assert_eq!(
                const_check(t.as_bytes(), true),
                TopicFilter::new(&t).map(|_| ()),
                "filter {t:?}"
            );
        }
        let long = "a".repeat(65_536);
        assert_eq!(
            const_check(long.as_bytes(), false),
            Err(EncodeError::FieldTooLong)
        );
        assert_eq!(
            TopicName::new(&long).map(|_| ()),
            Err(EncodeError::FieldTooLong)
        );
        assert_eq!(
            TopicFilter::new(&long).map(|_| ()),
            Err(EncodeError::FieldTooLong)
        );
        assert!(TopicName::new(&long[1..]).is_ok());
    }

    #[test]
    #[should_panic(expected = "Topic Name contains a wildcard")]
    fn from_static_outside_const_panics_with_the_rule() {
        let _ = TopicName::from_static("a/#");
    }

    #[test]
    fn spec_4_7_1_2_multi_level_examples() {
        // "sport/tennis/player1/#" would receive messages published using
        // these Topic Names: sport/tennis/player1, sport/tennis/player1/ranking,
        // sport/tennis/player1/score/wimbledon.
        for t in [
            "sport/tennis/player1",
            "sport/tennis/player1/ranking",
            "sport/tennis/player1/score/wimbledon",
        ] {
            assert!(matches("sport/tennis/player1/#", t), "{t}");
        }
        // "sport/#" also matches the singular "sport".
        assert!(matches("sport/#", "sport"));
        // "#" is valid and will receive every Application Message.
        assert!(matches("#", "a/b/c"));
        assert_eq!(check_filter("sport/tennis/#"), Ok(()));
        assert_eq!(
            check_filter("sport/tennis#"),
            Err(DecodeError::MultiLevelWildcardNotLast)
        );
        assert_eq!(
            check_filter("sport/tennis/#/ranking"),
            Err(DecodeError::MultiLevelWildcardNotLast)
        );
    }

    #[test]
    fn spec_4_7_1_3_single_level_examples() {
        assert!(matches("sport/tennis/+", "sport/tennis/player1"));
        assert!(matches("sport/tennis/+", "sport/tennis/player2"));
        assert!(!matches("sport/tennis/+", "sport/tennis/player1/ranking"));
        assert!(!matches("sport/+", "sport"));
        assert!(matches("sport/+", "sport/"));
        for ok in ["+", "+/tennis/#", "sport/+/player1"] {
            assert_eq!(check_filter(ok), Ok(()), "{ok}");
        }
        assert_eq!(
            check_filter("sport+"),
            Err(DecodeError::SingleLevelWildcardNotAlone)
        );
        assert!(matches("/+", "/finance"));
        assert!(matches("+/+", "/finance"));
        assert!(!matches("+", "/finance"));
    }

    #[test]
    fn dollar_topics_not_matched_by_leading_wildcards_mqtt_4_7_2_1() {
        assert!(!matches("#", "$SYS/broker"));
        assert!(!matches("+/monitor/Clients", "$SYS/monitor/Clients"));
        assert!(matches("$SYS/#", "$SYS/monitor/Clients"));
        assert!(matches("$SYS/monitor/+", "$SYS/monitor/Clients"));
    }

    #[test]
    fn empty_topic_name_and_filter_are_rejected_mqtt_4_7_3_1() {
        assert_eq!(check_name(""), Err(DecodeError::TopicEmpty));
        assert_eq!(check_filter(""), Err(DecodeError::TopicEmpty));
        // A lone separator is a valid (two empty levels) name.
        assert_eq!(check_name("/"), Ok(()));
    }

    #[test]
    fn wildcards_in_topic_name_are_rejected_mqtt_4_7_0_1() {
        assert_eq!(check_name("a/#"), Err(DecodeError::TopicNameWildcard));
        assert_eq!(check_name("+"), Err(DecodeError::TopicNameWildcard));
    }

    #[test]
    fn shared_subscription_share_name_rules_mqtt_4_8_2_1_and_2() {
        assert_eq!(
            SharedSubscription::parse("$share/g/a/+"),
            Ok(Some(SharedSubscription {
                group: "g",
                filter: "a/+"
            }))
        );
        for bad in [
            "$share/",
            "$share//a",
            "$share/g",
            "$share/g/",
            "$share/g+/a",
            "$share/#/a",
        ] {
            assert_eq!(
                check_filter(bad),
                Err(DecodeError::SharedSubscriptionInvalid),
                "{bad}"
            );
        }
        assert_eq!(
            check_filter("$share/g/a#"),
            Err(DecodeError::MultiLevelWildcardNotLast)
        );
        // "$shared/..." is an ordinary filter.
        assert_eq!(SharedSubscription::parse("$shared/x"), Ok(None));
    }
}
