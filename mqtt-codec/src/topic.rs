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

use crate::error::DecodeError;

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
    use super::*;

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
