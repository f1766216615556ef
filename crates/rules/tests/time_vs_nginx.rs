//! Differential test of `model::time` against a real nginx.
//!
//! For a few hundred values — hand-written edge cases and values generated
//! from nginx's alphabet of digits, units, spaces and near-misses — nginx
//! checks a configuration with `proxy_read_timeout "VALUE";` (a millisecond
//! slot, `ngx_conf_set_msec_slot`) and one with `open_file_cache_valid
//! "VALUE";` (a second slot, `ngx_conf_set_sec_slot`), via `nginx -t`.
//! Acceptance must equal `parse_msec(value).is_ok()` /
//! `parse_sec(value).is_ok()`, and a rejection must be nginx's
//! `"..." directive invalid value`.
//!
//! nginx never prints a parsed time, but its overflow check pins it down:
//! for an accepted value `v` that ends in a unit, with `X = parse(v)`,
//! appending a last part worth `MAX - X` (`"{MAX - X}ms"` in a millisecond
//! slot, a trailing number of seconds in a second slot) must be accepted and
//! one worth `MAX - X + 1` rejected — which holds exactly when nginx's own
//! value of `v` is `X` (`ngx_parse_time` rejects `total > MAX - value`).
//!
//! Without nginx the test prints a notice and passes, unless
//! `NGINX_WSLINT_REQUIRE_NGINX=1` is set.

mod common;

use std::path::Path;

use nginx_wslint_rules::model::time::{format_msec, parse_msec, parse_sec, MAX_TIME_VALUE};

use common::Rng;

/// Values generated on top of the hand-written ones.
const GENERATED: usize = 220;
const SEED: u64 = 0x6e67_696e_785f_746d; // "nginx_tm"

/// Runs `nginx -t` on `directive "value";` in http context. `Ok(true)` when
/// accepted, `Ok(false)` when rejected with `"directive" directive invalid
/// value`; any other outcome is an `Err` with nginx's output.
fn nginx_accepts(nginx: &Path, dir: &Path, directive: &str, value: &str) -> Result<bool, String> {
    assert!(
        !value.contains(['"', '\\']),
        "values must not need escaping: {value:?}"
    );
    let d = dir.display();
    let conf = format!(
        "events {{}}\nhttp {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  \
         proxy_temp_path {d}/proxy;\n  fastcgi_temp_path {d}/fastcgi;\n  \
         uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n  \
         {directive} \"{value}\";\n}}\n"
    );
    let Err(stderr) = common::nginx_t(nginx, dir, &conf) else {
        return Ok(true);
    };
    if stderr.contains(&format!("\"{directive}\" directive invalid value")) {
        return Ok(false);
    }
    Err(format!(
        "nginx -t failed for {directive} {value:?}:\n{stderr}"
    ))
}

fn hand_written() -> Vec<String> {
    let max = MAX_TIME_VALUE;
    let mut values: Vec<String> = [
        // Documented forms.
        "3600",
        "86400s",
        "1h",
        "1d",
        "7d",
        "1w",
        "500ms",
        "60s",
        "60",
        "0",
        "0s",
        "0ms",
        "1h30m",
        "1h 30m",
        "1s500ms",
        "1m30",
        "1m30s",
        "2w3d4h5m6s7ms",
        "1y",
        "1M",
        "2y3M",
        "1y1M1w1d1h1m1s",
        // Invalid forms.
        "",
        "30m1h",
        "1ms5s",
        "1H",
        "1D",
        "1S",
        "1W",
        "1Y",
        "0.5s",
        "1.5",
        "-1",
        "+1",
        "-1s",
        "1e3",
        "1x",
        "x1",
        "1hh",
        "1mm",
        "1ss",
        "1msms",
        "1mss",
        "1s1s",
        "1h1h",
        "1d1w",
        "1m1h",
        "1s1m",
        "1ms1s",
        "1M1y",
        "1w1M",
        "1d1M",
        "1h 1d",
        "1 h",
        "1 s",
        "1 2 3",
        "1s 2 3",
        "1\t2",
        "\t1",
        "1s\t",
        "1,5s",
        "1_000",
        "1h-1m",
        "sec",
        "1sec",
        "1min",
        "1hr",
        "1 min",
        // Oddities of the C loop.
        "1hs",
        "h1",
        "hs1",
        "m",
        "ms",
        "s",
        " ",
        "  ",
        "1 ",
        " 1",
        "  1",
        " 1 ",
        " 1s",
        "1 2",
        "1  2",
        "1s 2",
        "1s2",
        "1ms5",
        "1m5",
        "1h 30",
        "1h 30 ",
        "1h30m ",
        " 1h",
        "1m s",
        "1ms 2",
        "1h  30m  15s",
        "0000000000000000000000000000001s",
        "00",
        "0h0m0s0ms",
        "1s0ms",
        "ms1",
        "M1",
        "y1",
        "1sm",
        "1smh",
        "1dh",
        "1wy",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // Limits: NGX_MAX_INT_T_VALUE in milliseconds or seconds.
    let units: [(&str, u64); 7] = [
        ("y", 365 * 86400),
        ("M", 30 * 86400),
        ("w", 7 * 86400),
        ("d", 86400),
        ("h", 3600),
        ("m", 60),
        ("s", 1),
    ];
    for (name, seconds) in units {
        for divisor in [1, 1000] {
            let top = max / seconds / divisor;
            values.push(format!("{top}{name}"));
            values.push(format!("{}{name}", top + 1));
        }
    }
    for v in [
        max,
        max + 1,
        max / 1000,
        max / 1000 + 1,
        u64::MAX,
        u64::MAX / 10,
    ] {
        values.push(format!("{v}"));
        values.push(format!("{v}ms"));
    }
    values.push(format!("{}s{}ms", max / 1000, max % 1000));
    values.push(format!("{}s{}ms", max / 1000, max % 1000 + 1));
    values.push("99999999999999999999999999".to_string());
    values.push(format!("{}w1ms", max / 604_800_000));
    values.push(format!("{}w{}", max / 604_800_000, 1_000_000_000u64));
    values.push(format!("1s{}", max / 1000));
    values
}

fn generated(count: usize) -> Vec<String> {
    let mut rng = Rng(SEED);
    let units = ["y", "M", "w", "d", "h", "m", "s", "ms", " ", "  ", ""];
    let junk = ["H", ".", "-", "+", "x", "S", "D", "\t", ",", "_", "mss"];
    let mut values = Vec::new();
    while values.len() < count {
        let parts = 1 + rng.below(4);
        let mut value = String::new();
        for _ in 0..parts {
            // Digits: usually short, sometimes long enough to overflow.
            let len = match rng.below(10) {
                0 => 0,
                1 => 15 + rng.below(8),
                _ => 1 + rng.below(3),
            };
            for _ in 0..len {
                value.push(char::from(b'0' + rng.below(10) as u8));
            }
            if rng.below(12) == 0 {
                value.push_str(rng.pick(&junk));
            } else {
                value.push_str(rng.pick(&units));
            }
        }
        if rng.below(4) == 0 {
            value.push_str(&rng.below(100).to_string());
        }
        values.push(value);
    }
    // Well-formed values: units in decreasing order, counts of every size.
    let ordered = ["y", "M", "w", "d", "h", "m", "s", "ms"];
    for i in 0..count / 2 {
        let mut value = String::new();
        // Half without y and M, which millisecond slots reject.
        for unit in &ordered[if i % 2 == 0 { 0 } else { 2 }..] {
            if rng.below(3) != 0 {
                continue;
            }
            let digits = if rng.below(5) == 0 {
                7 + rng.below(13) as u32
            } else {
                1 + rng.below(4) as u32
            };
            let count = rng.next() % 10u64.pow(digits);
            value.push_str(&format!("{count}{unit}"));
            if rng.below(4) == 0 {
                value.push(' ');
            }
        }
        if !value.is_empty() {
            values.push(value.trim_end().to_string());
        }
    }
    // Round trips of format_msec must be accepted with the same value.
    for _ in 0..count / 4 {
        let bits = 1 + rng.below(63) as u32;
        values.push(format_msec((rng.next() >> (64 - bits)) >> 1));
    }
    values
}

/// What is compared for one slot.
struct Slot {
    directive: &'static str,
    parse: fn(&str) -> Result<u64, nginx_wslint_rules::model::time::TimeError>,
    /// The extra part worth `n` in this slot, appended to a value ending in
    /// a unit; `None` when `value` cannot take one.
    probe: fn(&str, u64) -> Option<String>,
}

fn msec_probe(value: &str, n: u64) -> Option<String> {
    let ends_in_unit = value.ends_with(['w', 'd', 'h', 'm', 's']);
    (ends_in_unit && !value.contains("ms")).then(|| format!("{value}{n}ms"))
}

fn sec_probe(value: &str, n: u64) -> Option<String> {
    let ends_in_unit = value.ends_with(['y', 'M', 'w', 'd', 'h', 'm', 's']);
    ends_in_unit.then(|| format!("{value}{n}"))
}

fn compare(slot: &Slot) {
    let Some(nginx) = common::nginx_or_skip("skipping the time differential test") else {
        return;
    };
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut values = hand_written();
    values.extend(generated(GENERATED));
    let (mut accepted, mut rejected, mut pinned) = (0, 0, 0);
    let mut mismatches = Vec::new();
    for value in &values {
        let ours = (slot.parse)(value);
        let theirs = nginx_accepts(&nginx, dir.path(), slot.directive, value).unwrap();
        if theirs != ours.is_ok() {
            mismatches.push(format!(
                "{:?}: nginx {}, ours {:?}",
                value,
                if theirs { "accepts" } else { "rejects" },
                ours
            ));
            continue;
        }
        let Ok(x) = ours else {
            rejected += 1;
            continue;
        };
        accepted += 1;
        // Pin nginx's value: the rest up to MAX fits, one more does not.
        let Some(fits) = (slot.probe)(value, MAX_TIME_VALUE - x) else {
            continue;
        };
        assert_eq!((slot.parse)(&fits), Ok(MAX_TIME_VALUE), "{fits:?}");
        if !nginx_accepts(&nginx, dir.path(), slot.directive, &fits).unwrap() {
            mismatches.push(format!(
                "{value:?}: nginx's value is above {x} ({fits:?} rejected)"
            ));
            continue;
        }
        if x > 0 {
            let over = (slot.probe)(value, MAX_TIME_VALUE - x + 1).unwrap();
            assert!((slot.parse)(&over).is_err(), "{over:?}");
            if nginx_accepts(&nginx, dir.path(), slot.directive, &over).unwrap() {
                mismatches.push(format!(
                    "{value:?}: nginx's value is below {x} ({over:?} accepted)"
                ));
                continue;
            }
        }
        pinned += 1;
    }
    eprintln!(
        "{}: {} values, {accepted} accepted, {rejected} rejected, {pinned} accepted values \
         pinned exactly",
        slot.directive,
        values.len()
    );
    assert!(
        mismatches.is_empty(),
        "{} disagreements with nginx:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    assert!(
        accepted > 50 && rejected > 50 && pinned > 30,
        "too few cases of each kind"
    );
}

#[test]
fn msec_slot_matches_nginx() {
    compare(&Slot {
        directive: "proxy_read_timeout",
        parse: parse_msec,
        probe: msec_probe,
    });
}

#[test]
fn sec_slot_matches_nginx() {
    compare(&Slot {
        directive: "open_file_cache_valid",
        parse: parse_sec,
        probe: sec_probe,
    });
}
