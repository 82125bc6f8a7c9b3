//! A minimal command-line flag parser: `--flag VALUE`, `--switch`, positionals.

use std::collections::VecDeque;

/// The arguments after the subcommand words, consumed as they are read.
#[derive(Debug)]
pub struct Args {
    rest: VecDeque<String>,
    positionals: Vec<String>,
}

/// A usage error, printed with the command's usage line; exit status 2.
#[derive(Debug)]
pub struct UsageError(pub String);

impl Args {
    /// Splits `args` into flags (`--name [value]`) and positionals.
    pub fn new(args: impl IntoIterator<Item = String>) -> Args {
        Args {
            rest: args.into_iter().collect(),
            positionals: Vec::new(),
        }
    }

    /// Parses everything: `switches` take no value, `valued` take one.
    /// Returns the flags in order; positionals are kept for [`Args::positionals`].
    pub fn parse(mut self, switches: &[&str], valued: &[&str]) -> Result<Parsed, UsageError> {
        let mut flags = Vec::new();
        while let Some(a) = self.rest.pop_front() {
            if a == "--" {
                self.positionals.extend(self.rest.drain(..));
                break;
            }
            if let Some(name) = a.strip_prefix("--") {
                let (name, inline) = match name.split_once('=') {
                    Some((n, v)) => (n.to_owned(), Some(v.to_owned())),
                    None => (name.to_owned(), None),
                };
                if switches.contains(&name.as_str()) {
                    if inline.is_some() {
                        return Err(UsageError(format!("--{name} takes no value")));
                    }
                    flags.push((name, None));
                } else if valued.contains(&name.as_str()) {
                    let v = match inline {
                        Some(v) => v,
                        None => self
                            .rest
                            .pop_front()
                            .ok_or_else(|| UsageError(format!("--{name} needs a value")))?,
                    };
                    flags.push((name, Some(v)));
                } else {
                    return Err(UsageError(format!("unknown option --{name}")));
                }
            } else {
                self.positionals.push(a);
            }
        }
        Ok(Parsed {
            flags,
            positionals: self.positionals,
        })
    }
}

/// Parsed flags and positionals.
#[derive(Debug, Default)]
pub struct Parsed {
    flags: Vec<(String, Option<String>)>,
    /// Arguments that are not flags, in order.
    pub positionals: Vec<String>,
}

impl Parsed {
    /// Whether switch `name` was given.
    pub fn has(&self, name: &str) -> bool {
        self.flags.iter().any(|(n, _)| n == name)
    }

    /// The last value given for `name`.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.flags
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.as_deref())
    }

    /// The value of `name` parsed as `T`, or `default` when absent.
    pub fn parse_or<T: std::str::FromStr>(&self, name: &str, default: T) -> Result<T, UsageError> {
        match self.value(name) {
            None => Ok(default),
            Some(v) => v
                .parse()
                .map_err(|_| UsageError(format!("invalid value {v:?} for --{name}"))),
        }
    }

    /// The value of `name` parsed as `T`, or `None` when absent.
    pub fn parse_opt<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>, UsageError> {
        self.value(name)
            .map(|v| {
                v.parse()
                    .map_err(|_| UsageError(format!("invalid value {v:?} for --{name}")))
            })
            .transpose()
    }

    /// The value of a required flag.
    pub fn required(&self, name: &str) -> Result<&str, UsageError> {
        self.value(name)
            .ok_or_else(|| UsageError(format!("--{name} is required")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Args {
        Args::new(s.split_whitespace().map(str::to_owned))
    }

    #[test]
    fn flags_values_and_positionals() {
        let p = args("x --qos 2 --retain --topic=a/b y")
            .parse(&["retain"], &["qos", "topic"])
            .unwrap();
        assert!(p.has("retain"));
        assert_eq!(p.parse_or("qos", 0u8).unwrap(), 2);
        assert_eq!(p.value("topic"), Some("a/b"));
        assert_eq!(p.positionals, ["x", "y"]);
    }

    #[test]
    fn unknown_and_missing_values_are_usage_errors() {
        assert!(args("--nope").parse(&[], &[]).is_err());
        assert!(args("--qos").parse(&[], &["qos"]).is_err());
        assert!(args("--qos x")
            .parse(&[], &["qos"])
            .unwrap()
            .parse_or("qos", 0u8)
            .is_err());
    }
}
