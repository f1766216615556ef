//! nginx time values (`proxy_read_timeout 1h30m;`, `--min-timeout 300s`),
//! parsed exactly as nginx parses them.
//!
//! The reference is `ngx_parse_time()` in `src/core/ngx_parse.c` (read in
//! the 1.18 stable branch, the version with `NGX_MAX_INT_T_VALUE` overflow
//! checks; `tests/time_vs_nginx.rs` checks acceptance and exact values
//! against a real nginx 1.22; nginx-semantics §6 cites the same rules for
//! 1.31.5). It
//! is called with `is_sec = 0` by `ngx_conf_set_msec_slot` (every
//! `*_timeout` of the proxy module, `send_timeout`, `resolver_timeout`, ...)
//! and with `is_sec = 1` by `ngx_conf_set_sec_slot` (`open_file_cache_valid`,
//! `ssl_session_timeout`, ...). Either slot answers `"invalid value"` when it
//! returns `NGX_ERROR`, which the configuration parser reports as
//! `"proxy_read_timeout" directive invalid value`.
//!
//! What the C code accepts, precisely:
//!
//! * The value is a sequence of *segments* and an optional trailing number.
//!   A segment is a (possibly empty) run of ASCII digits followed by a unit:
//!   `y` (365 days), `M` (30 days), `w`, `d`, `h`, `m`, `s`, `ms` — `m`
//!   directly followed by `s` is always milliseconds — or a single space,
//!   which ends a number without a unit (seconds). Spaces after a unit are
//!   skipped. Any other character (`H`, `.`, `-`, a tab, ...) is an error.
//! * Units must come in strictly decreasing order (`1h30m`, `"1h 30m"`,
//!   `1s500ms`); `30m1h`, `1ms5s`, `1s1s` are errors. `y`/`M` are rejected
//!   for millisecond slots, `ms` for second slots.
//! * A space-terminated number counts as seconds and only a trailing number
//!   may follow it (`"1 2"` is 3 s). A trailing number is seconds and is
//!   never checked against the units before it (`1m30` is 90 s, `1ms5` is
//!   5001 ms).
//! * A unit with no digits before it counts as 0 of that unit (`1hs` is 1 h,
//!   `h1` is 1 s) but at least one digit must appear somewhere (`""`, `"ms"`,
//!   `" "` are errors).
//! * Every number, every product and the running total must stay within
//!   `NGX_MAX_INT_T_VALUE` (2^63 − 1 on 64-bit builds) in the slot's unit
//!   (milliseconds or seconds); beyond, nginx returns `NGX_ERROR` — there is
//!   no saturation and no separate "too large" message.

use std::fmt;

use nom::branch::alt;
use nom::bytes::complete::{tag, take_while};
use nom::character::complete::{char, digit0};
use nom::combinator::value;
use nom::multi::many0;
use nom::{IResult, Parser};

/// `NGX_MAX_INT_T_VALUE` on 64-bit builds: the largest value a time slot
/// can hold (milliseconds for msec slots, seconds for second slots).
pub const MAX_TIME_VALUE: u64 = i64::MAX as u64;

/// Parses a time value for a millisecond slot (`ngx_parse_time(value, 0)`),
/// such as `proxy_read_timeout`: units `ms s m h d w`, a bare number is
/// seconds. Returns milliseconds.
pub fn parse_msec(value: &str) -> Result<u64, TimeError> {
    parse(value, Precision::Msec)
}

/// Parses a time value for a second slot (`ngx_parse_time(value, 1)`), such
/// as `open_file_cache_valid`: units `y M w d h m s` (`ms` is an error), a
/// bare number is seconds. Returns seconds.
pub fn parse_sec(value: &str) -> Result<u64, TimeError> {
    parse(value, Precision::Sec)
}

/// The shortest spelling of `ms` milliseconds that nginx accepts in a
/// millisecond slot, with a unit on every part: `3600000` → `1h`,
/// `90000` → `90s`, `5400000` → `90m`, `500` → `500ms`,
/// `86401000` → `1d1s`, `0` → `0s`. A bare number would sometimes be
/// shorter (`90`), but units read better in a configuration.
///
/// Among equally short spellings the one with fewer parts wins, then the one
/// with the larger leading unit. `parse_msec(&format_msec(x)) == Ok(x)` for
/// every `x <= MAX_TIME_VALUE`; larger values are printed the same way but
/// nginx would reject them.
pub fn format_msec(ms: u64) -> String {
    if ms == 0 {
        return "0s".to_string();
    }
    let mut parts = Vec::new();
    shortest(ms, 0, &mut parts);
    parts
        .iter()
        .map(|&(count, unit)| format!("{count}{}", FORMAT_UNITS[unit].0))
        .collect()
}

/// Units `format_msec` may use, largest first, with their length in ms.
const FORMAT_UNITS: [(&str, u64); 6] = [
    ("w", 7 * 24 * 3_600_000),
    ("d", 24 * 3_600_000),
    ("h", 3_600_000),
    ("m", 60_000),
    ("s", 1_000),
    ("ms", 1),
];

/// `(count, index in FORMAT_UNITS)` for each part of a spelling.
type Parts = Vec<(u64, usize)>;
/// `(characters, parts)`: what `format_msec` minimises, in that order.
type Cost = (usize, usize);

/// The shortest spelling of `rest` (> 0) with units from `FORMAT_UNITS[from..]`,
/// each unit taking as much as it can; appends it to `out`. Returns
/// `(characters, parts)`.
fn shortest(rest: u64, from: usize, out: &mut Parts) -> Cost {
    let mut best: Option<(Cost, Parts)> = None;
    for (unit, &(name, size)) in FORMAT_UNITS.iter().enumerate().skip(from) {
        let count = rest / size;
        if count == 0 {
            continue;
        }
        let mut parts = vec![(count, unit)];
        let mut cost = (decimal_len(count) + name.len(), 1);
        let remainder = rest % size;
        if remainder > 0 {
            let (len, n) = shortest(remainder, unit + 1, &mut parts);
            cost = (cost.0 + len, cost.1 + n);
        }
        if best.as_ref().is_none_or(|(b, _)| cost < *b) {
            best = Some((cost, parts));
        }
    }
    // `ms` (size 1) always divides, so a spelling exists for every rest > 0.
    let (cost, parts) = best.expect("a positive rest has a spelling");
    out.extend(parts);
    cost
}

fn decimal_len(mut n: u64) -> usize {
    let mut len = 1;
    while n >= 10 {
        n /= 10;
        len += 1;
    }
    len
}

/// Which `ngx_parse_time` mode: `is_sec = 0` or `is_sec = 1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Precision {
    Msec,
    Sec,
}

/// A time value nginx rejects (its own message is only `invalid value`;
/// [`fmt::Display`] says what is wrong).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeError {
    /// The value as given.
    pub value: String,
    pub kind: TimeErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeErrorKind {
    /// No digit anywhere (`""`, `"ms"`, `" "`).
    NoNumber,
    /// A character that is neither a digit, a unit nor a space, at a byte
    /// offset (`H` in `1H`, `.` in `0.5s`, `-` in `-1`).
    UnexpectedChar { ch: char, offset: usize },
    /// A unit the slot does not take: `y`/`M` in a millisecond slot, `ms` in
    /// a second slot.
    UnitNotAllowed { unit: &'static str },
    /// A unit that is not smaller than the one before it (`h` after `m` in
    /// `30m1h`). `after` describes what came before.
    UnitOrder {
        unit: &'static str,
        after: &'static str,
    },
    /// A number, product or total above [`MAX_TIME_VALUE`].
    TooLarge,
}

impl TimeError {
    /// nginx's own wording, which the configuration parser prefixes with the
    /// directive name: `"proxy_read_timeout" directive invalid value`.
    pub const NGINX_MESSAGE: &'static str = "invalid value";

    fn new(value: &str, kind: TimeErrorKind) -> TimeError {
        TimeError {
            value: value.to_string(),
            kind,
        }
    }
}

impl fmt::Display for TimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value = &self.value;
        match &self.kind {
            TimeErrorKind::NoNumber if value.is_empty() => f.write_str("empty time value"),
            TimeErrorKind::NoNumber => write!(f, "time value \"{value}\" has no number"),
            TimeErrorKind::UnexpectedChar { ch, offset } => {
                write!(f, "unexpected \"{ch}\" in time value \"{value}\"")?;
                let hint = match ch {
                    '.' | ',' => "fractions are not allowed, use a smaller unit (500ms, 90s)",
                    '-' | '+' if *offset == 0 => "a time value cannot have a sign",
                    c if c.is_ascii_alphabetic() => {
                        "time units are case-sensitive: ms, s, m, h, d, w \
                         (and M, y where seconds are stored)"
                    }
                    _ => "a time value is numbers with units ms, s, m, h, d, w",
                };
                write!(f, ": {hint}")
            }
            TimeErrorKind::UnitNotAllowed { unit } => {
                let which = match *unit {
                    "ms" => "milliseconds are not allowed here, only y, M, w, d, h, m, s",
                    _ => "months (M) and years (y) are not allowed here, only w, d, h, m, s, ms",
                };
                write!(f, "unit \"{unit}\" in time value \"{value}\": {which}")
            }
            TimeErrorKind::UnitOrder { unit, after } => write!(
                f,
                "unit \"{unit}\" after {after} in time value \"{value}\": \
                 units must come in decreasing order, as in 1h30m or 1s500ms"
            ),
            TimeErrorKind::TooLarge => write!(
                f,
                "time value \"{value}\" is too large (nginx stores at most {MAX_TIME_VALUE} \
                 in the directive's unit)"
            ),
        }
    }
}

impl std::error::Error for TimeError {}

/// A unit of the grammar, in `ngx_parse_time`'s step order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Unit {
    Year,
    Month,
    Week,
    Day,
    Hour,
    Min,
    Sec,
    Msec,
    /// A space: the number before it has no unit (seconds).
    Bare,
}

impl Unit {
    fn seconds(self) -> u64 {
        match self {
            Unit::Year => 60 * 60 * 24 * 365,
            Unit::Month => 60 * 60 * 24 * 30,
            Unit::Week => 60 * 60 * 24 * 7,
            Unit::Day => 60 * 60 * 24,
            Unit::Hour => 60 * 60,
            Unit::Min => 60,
            Unit::Sec | Unit::Msec | Unit::Bare => 1,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Unit::Year => "y",
            Unit::Month => "M",
            Unit::Week => "w",
            Unit::Day => "d",
            Unit::Hour => "h",
            Unit::Min => "m",
            Unit::Sec => "s",
            Unit::Msec => "ms",
            Unit::Bare => " ",
        }
    }
}

/// `digits unit spaces`: one step of the C loop.
#[derive(Debug, Clone, Copy)]
struct Segment<'a> {
    digits: &'a str,
    unit: Unit,
}

fn unit(input: &str) -> IResult<&str, Unit> {
    alt((
        // `m` followed by `s` is always milliseconds (`*p == 's'` after `m`).
        value(Unit::Msec, tag("ms")),
        value(Unit::Year, char('y')),
        value(Unit::Month, char('M')),
        value(Unit::Week, char('w')),
        value(Unit::Day, char('d')),
        value(Unit::Hour, char('h')),
        value(Unit::Min, char('m')),
        value(Unit::Sec, char('s')),
        value(Unit::Bare, char(' ')),
    ))
    .parse(input)
}

fn segment(input: &str) -> IResult<&str, Segment<'_>> {
    (digit0, unit, take_while(|c| c == ' '))
        .map(|(digits, unit, _)| Segment { digits, unit })
        .parse(input)
}

/// The whole grammar: segments, then a trailing number. What is left over
/// starts with a character nginx does not accept.
fn time_value(input: &str) -> IResult<&str, (Vec<Segment<'_>>, &str)> {
    (many0(segment), digit0).parse(input)
}

/// A run of digits as `ngx_parse_time` accumulates it: above
/// `NGX_MAX_INT_T_VALUE` is an error (the `cutoff`/`cutlim` check).
fn number(digits: &str) -> Option<u64> {
    if digits.is_empty() {
        return Some(0);
    }
    digits.parse::<u64>().ok().filter(|&n| n <= MAX_TIME_VALUE)
}

fn parse(input: &str, precision: Precision) -> Result<u64, TimeError> {
    match simple_value(input, precision) {
        Some(value) => Ok(value),
        None => parse_any(input, precision),
    }
}

/// The common shape of a time value, up to nine digits and at most one
/// unit (`60`, `60s`, `5m`, `500ms`; not `y` or `M`), read directly:
/// `None` for anything else. nginx reads these to the same value, and none
/// can overflow (nine digits of weeks in milliseconds stay below 2^60). A
/// full reading took a tenth of the analysis at 1 MB of input.
fn simple_value(input: &str, precision: Precision) -> Option<u64> {
    let bytes = input.as_bytes();
    let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || digits > 9 {
        return None;
    }
    let number: u64 = input[..digits].parse().ok()?;
    let msec = precision == Precision::Msec;
    // The unit must be the whole rest, and one the slot takes everywhere
    // (`y`, `M` and a space have rules of their own).
    let unit = match &input[digits..] {
        "" => Unit::Sec,
        rest => match unit(rest) {
            Ok(("", u)) if !matches!(u, Unit::Year | Unit::Month | Unit::Bare) => u,
            _ => return None,
        },
    };
    if unit == Unit::Msec && !msec {
        return None;
    }
    let per_second = if msec && unit != Unit::Msec { 1000 } else { 1 };
    Some(number * unit.seconds() * per_second)
}

/// [`parse`] for any input: `ngx_parse_time` step by step.
fn parse_any(input: &str, precision: Precision) -> Result<u64, TimeError> {
    let error = |kind| TimeError::new(input, kind);
    let msec = precision == Precision::Msec;
    // Infallible: every part may match nothing.
    let (rest, (segments, trailing)) =
        time_value(input).unwrap_or((input, (Vec::new(), &input[..0])));

    // `step`: the last unit seen; `None` is `st_start`. A millisecond slot
    // starts at `st_month`, which rules out `y` and `M`.
    let mut step: Option<Unit> = if msec { Some(Unit::Month) } else { None };
    let mut seen: Option<Segment> = None;
    let mut total: u64 = 0;
    let mut valid = false;
    for seg in &segments {
        let unit = seg.unit;
        let mut value = number(seg.digits).ok_or_else(|| error(TimeErrorKind::TooLarge))?;
        valid |= !seg.digits.is_empty();
        let not_allowed = match unit {
            Unit::Year | Unit::Month => msec,
            Unit::Msec => !msec,
            _ => false,
        };
        if not_allowed {
            return Err(error(TimeErrorKind::UnitNotAllowed { unit: unit.name() }));
        }
        // `y` checks `step > st_start`; `ms` and a space check against
        // `st_msec`/`st_sec`; every other unit checks `step >= unit`.
        let out_of_order = match (unit, step) {
            (_, None) => false,
            (Unit::Bare, Some(s)) => s >= Unit::Sec,
            (u, Some(s)) => s >= u,
        };
        if out_of_order {
            let after = match seen {
                None => "a leading space",
                Some(prev) if prev.unit == Unit::Bare && prev.digits.is_empty() => {
                    "a leading space"
                }
                Some(prev) => describe(prev.unit),
            };
            return Err(error(TimeErrorKind::UnitOrder {
                unit: match unit {
                    Unit::Bare => "a number without a unit",
                    u => u.name(),
                },
                after,
            }));
        }
        step = Some(unit);
        seen = Some(*seg);

        let mut scale = unit.seconds();
        let mut max = MAX_TIME_VALUE / scale;
        if unit != Unit::Msec && msec {
            scale *= 1000;
            max /= 1000;
        }
        if value > max {
            return Err(error(TimeErrorKind::TooLarge));
        }
        value *= scale;
        if total > MAX_TIME_VALUE - value {
            return Err(error(TimeErrorKind::TooLarge));
        }
        total += value;
    }

    let mut value = number(trailing).ok_or_else(|| error(TimeErrorKind::TooLarge))?;
    valid |= !trailing.is_empty();
    if let Some(ch) = rest.chars().next() {
        let offset = input.len() - rest.len();
        return Err(error(TimeErrorKind::UnexpectedChar { ch, offset }));
    }
    if !valid {
        return Err(error(TimeErrorKind::NoNumber));
    }
    if msec {
        if value > MAX_TIME_VALUE / 1000 {
            return Err(error(TimeErrorKind::TooLarge));
        }
        value *= 1000;
    }
    if total > MAX_TIME_VALUE - value {
        return Err(error(TimeErrorKind::TooLarge));
    }
    Ok(total + value)
}

fn describe(unit: Unit) -> &'static str {
    match unit {
        Unit::Year => "\"y\"",
        Unit::Month => "\"M\"",
        Unit::Week => "\"w\"",
        Unit::Day => "\"d\"",
        Unit::Hour => "\"h\"",
        Unit::Min => "\"m\"",
        Unit::Sec => "\"s\"",
        Unit::Msec => "\"ms\"",
        Unit::Bare => "a number without a unit",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shortcut gives what the full reading gives, for every shape it
    /// takes and some it must leave alone, in both kinds of slot; and it
    /// takes the common ones.
    #[test]
    fn simple_values_read_as_the_full_reading_does() {
        for number in ["0", "7", "60", "999999999", "1000000000", "0000000001", ""] {
            for unit in [
                "", "s", "m", "h", "d", "w", "ms", "M", "y", "ss", "1", " ", "s ",
            ] {
                for precision in [Precision::Msec, Precision::Sec] {
                    let text = format!("{number}{unit}");
                    if let Some(value) = simple_value(&text, precision) {
                        assert_eq!(Ok(value), parse_any(&text, precision), "{text:?}");
                    }
                }
            }
        }
        for common in ["60", "60s", "5m", "1h", "7d", "2w", "999999999s"] {
            assert!(simple_value(common, Precision::Sec).is_some(), "{common}");
            assert!(simple_value(common, Precision::Msec).is_some(), "{common}");
        }
        assert_eq!(simple_value("500ms", Precision::Msec), Some(500));
        for left in ["500ms", "1y", "1M", "1h30m", "1000000000s", "s", ""] {
            assert_eq!(simple_value(left, Precision::Sec), None, "{left}");
        }
    }

    const S: u64 = 1000;
    const M: u64 = 60 * S;
    const H: u64 = 60 * M;
    const D: u64 = 24 * H;
    const W: u64 = 7 * D;

    #[test]
    fn documented_values() {
        for (value, ms) in [
            ("3600", 3600 * S),
            ("86400s", D),
            ("1h", H),
            ("1d", D),
            ("7d", W),
            ("1w", W),
            ("500ms", 500),
            ("60s", M),
            ("0", 0),
            ("1h30m", H + 30 * M),
            ("1h 30m", H + 30 * M),
            ("1h   30m  ", H + 30 * M),
            ("1s500ms", 1500),
            ("1m30", 90 * S),
            ("1m30s", 90 * S),
            ("2w3d4h5m6s7ms", 2 * W + 3 * D + 4 * H + 5 * M + 6 * S + 7),
            ("007s", 7 * S),
        ] {
            assert_eq!(parse_msec(value), Ok(ms), "{value:?}");
        }
    }

    #[test]
    fn documented_errors() {
        for value in [
            "", "30m1h", "1ms5s", "1H", "1D", "1S", "0.5s", "-1", "+1", "1y", "1M", "1h1h", "1s1s",
            "ms", " ", "1 h", "1s 2 ", "1\t2", "1x", "1hh", "1mss", "١",
        ] {
            assert!(parse_msec(value).is_err(), "{value:?}");
        }
    }

    #[test]
    fn c_loop_oddities() {
        // A unit without digits counts as zero of it.
        assert_eq!(parse_msec("1hs"), Ok(H));
        assert_eq!(parse_msec("h1"), Ok(S));
        assert_eq!(
            parse_msec("m"),
            Err(TimeError::new("m", TimeErrorKind::NoNumber))
        );
        // A space ends a bare number (seconds); only a trailing number may follow.
        assert_eq!(parse_msec("1 2"), Ok(3 * S));
        assert_eq!(parse_msec("1 "), Ok(S));
        assert_eq!(parse_msec(" 1"), Ok(S));
        assert_eq!(parse_msec("1s 2"), Ok(3 * S));
        assert!(parse_msec(" 1s").is_err());
        assert!(parse_msec("1 2 3").is_err());
        // A trailing number is seconds and is not checked against the order.
        assert_eq!(parse_msec("1ms5"), Ok(5001));
        assert_eq!(parse_msec("1s2"), Ok(3 * S));
    }

    #[test]
    fn second_slots() {
        assert_eq!(parse_sec("1y"), Ok(365 * 86400));
        assert_eq!(parse_sec("1M"), Ok(30 * 86400));
        assert_eq!(
            parse_sec("1y1M1w1d1h1m1s"),
            Ok(365 * 86400 + 38 * 86400 + 3661)
        );
        assert_eq!(parse_sec("90"), Ok(90));
        assert_eq!(parse_sec("1m30"), Ok(90));
        assert!(parse_sec("1ms").is_err());
        assert!(parse_sec("1M1y").is_err());
        assert!(parse_sec("1y1y").is_err());
        assert!(parse_sec("1M1M").is_err());
        assert!(parse_sec("1w1M").is_err());
    }

    #[test]
    fn limits_are_nginx_int_max() {
        let max = MAX_TIME_VALUE;
        assert_eq!(parse_msec(&format!("{max}ms")), Ok(max));
        assert!(parse_msec(&format!("{}ms", max + 1)).is_err());
        assert_eq!(
            parse_msec(&format!("{}s", max / 1000)),
            Ok(max / 1000 * 1000)
        );
        assert!(parse_msec(&format!("{}s", max / 1000 + 1)).is_err());
        assert_eq!(
            parse_msec(&format!("{}", max / 1000)),
            Ok(max / 1000 * 1000)
        );
        assert!(parse_msec(&format!("{}", max / 1000 + 1)).is_err());
        let top = max / 1000;
        assert_eq!(parse_msec(&format!("{top}s{}ms", max % 1000)), Ok(max));
        assert!(parse_msec(&format!("{top}s{}ms", max % 1000 + 1)).is_err());
        assert_eq!(parse_sec(&format!("{max}")), Ok(max));
        assert!(parse_sec(&format!("{}", max + 1)).is_err());
        assert!(parse_sec(&format!("{}y", max / (365 * 86400) + 1)).is_err());
        assert!(parse_msec("99999999999999999999999999ms").is_err());
        assert_eq!(
            parse_msec(&format!("{}w", max / W)),
            Ok(max / W * W),
            "weeks at the limit"
        );
        assert!(parse_msec(&format!("{}w", max / W + 1)).is_err());
    }

    #[test]
    fn messages_say_what_is_wrong() {
        let msg = |v: &str| parse_msec(v).unwrap_err().to_string();
        assert_eq!(msg(""), "empty time value");
        assert_eq!(msg("ms"), "time value \"ms\" has no number");
        assert!(
            msg("0.5s").contains("fractions are not allowed"),
            "{}",
            msg("0.5s")
        );
        assert!(msg("-1").contains("sign"));
        assert!(msg("1H")
            .starts_with("unexpected \"H\" in time value \"1H\": time units are case-sensitive"));
        assert_eq!(
            msg("30m1h"),
            "unit \"h\" after \"m\" in time value \"30m1h\": units must come in decreasing \
             order, as in 1h30m or 1s500ms"
        );
        assert!(msg("1y").contains("months (M) and years (y) are not allowed here"));
        assert!(parse_sec("1ms")
            .unwrap_err()
            .to_string()
            .contains("milliseconds are not allowed"));
        assert!(msg("99999999999999999999").contains("too large"));
        assert!(
            msg(" 1s").contains("after a leading space"),
            "{}",
            msg(" 1s")
        );
        assert!(
            msg("1 2s").contains("after a number without a unit"),
            "{}",
            msg("1 2s")
        );
        assert_eq!(
            parse_msec("1H").unwrap_err().kind,
            TimeErrorKind::UnexpectedChar { ch: 'H', offset: 1 }
        );
        assert_eq!(TimeError::NGINX_MESSAGE, "invalid value");
    }

    #[test]
    fn format_examples() {
        for (ms, text) in [
            (0, "0s"),
            (1, "1ms"),
            (500, "500ms"),
            (1000, "1s"),
            (1500, "1500ms"),
            (60_000, "1m"),
            (90_000, "90s"),
            (120_000, "2m"),
            (300_000, "5m"),
            (3_600_000, "1h"),
            (5_400_000, "90m"),
            (D, "1d"),
            (D + S, "1d1s"),
            (2 * W, "2w"),
            (100 * H, "100h"),
            (W + 1, "1w1ms"),
        ] {
            assert_eq!(format_msec(ms), text, "{ms}");
            assert_eq!(parse_msec(text), Ok(ms), "{text}");
        }
    }

    /// SplitMix64: a small deterministic generator.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    #[test]
    fn format_round_trips() {
        let mut rng = Rng(0x7469_6d65_5f72_7472);
        let mut values: Vec<u64> = vec![0, 1, 999, 1000, 1001, MAX_TIME_VALUE, MAX_TIME_VALUE - 1];
        for _ in 0..20_000 {
            // Uniform over magnitudes, then over the value.
            let bits = rng.below(64) as u32;
            values.push(rng.next() >> (64 - bits.max(1)) >> 1);
        }
        for _ in 0..20_000 {
            // Sums of unit multiples, as people write them.
            let units = [W, D, H, M, S, 1];
            let v = units
                .iter()
                .map(|u| {
                    if rng.below(2) == 0 {
                        0
                    } else {
                        u * rng.below(100)
                    }
                })
                .sum();
            values.push(v);
        }
        for x in values {
            let text = format_msec(x);
            assert_eq!(parse_msec(&text), Ok(x), "{x} -> {text}");
        }
    }

    /// Exhaustive shortest spelling with units `units` (sizes in a base
    /// unit, largest first, with name lengths): `best[k][r]` over every
    /// choice of counts, not only the largest ones `format_msec` considers.
    fn exhaustive(units: &[(u64, usize)], limit: usize) -> Vec<usize> {
        let n = units.len();
        let mut next: Vec<usize> = (0..=limit)
            .map(|r| {
                if r == 0 {
                    0
                } else {
                    decimal_len(r as u64) + units[n - 1].1
                }
            })
            .collect();
        for &(size, name_len) in units[..n - 1].iter().rev() {
            let size = size as usize;
            let mut cur = next.clone();
            for (r, slot) in cur.iter_mut().enumerate() {
                let mut c = 1;
                while c * size <= r {
                    let cand = decimal_len(c as u64) + name_len + next[r - c * size];
                    *slot = (*slot).min(cand);
                    c += 1;
                }
            }
            next = cur;
        }
        next
    }

    #[test]
    fn format_is_shortest() {
        // Milliseconds up to 3 minutes with m, s, ms.
        let best = exhaustive(&[(60_000, 1), (1000, 1), (1, 2)], 180_000);
        for (r, &len) in best.iter().enumerate().skip(1) {
            assert_eq!(format_msec(r as u64).len(), len, "{r} ms");
        }
        // Whole seconds up to 3 hours with h, m, s.
        let best = exhaustive(&[(3600, 1), (60, 1), (1, 1)], 3 * 3600);
        for (r, &len) in best.iter().enumerate().skip(1) {
            assert_eq!(format_msec(r as u64 * S).len(), len, "{r} s");
        }
        // Whole hours up to 40 weeks with w, d, h.
        let best = exhaustive(&[(168, 1), (24, 1), (1, 1)], 40 * 168);
        for (r, &len) in best.iter().enumerate().skip(1) {
            assert_eq!(format_msec(r as u64 * H).len(), len, "{r} h");
        }
    }
}
