//! The seed incidents (fixtures/seeds, see its README): each configuration
//! produces the diagnostics its write-up's nginx-side causes call for, and
//! write-up 004 as written is not reported as shadowing while its regex
//! variant is.

mod common;

fn lint(name: &str) -> Vec<String> {
    let path = common::fixtures().join("seeds").join(name);
    common::lint_file(&path, &|_| true)
        .iter()
        .map(|d| format!("{}:{} {}", d.start.line, d.start.column, d.code.code))
        .collect()
}

#[test]
fn seed_000_timeouts_hardcoded_connection_and_static_dns() {
    insta::assert_snapshot!(lint("000-django-channels-docker.conf").join("\n"), @r"
    7:5 WS006
    8:9 WS008
    11:9 WS005
    15:5 WS006
    16:9 WS008
    ");
}

#[test]
fn seed_002_missing_headers_version_and_timeouts() {
    insta::assert_snapshot!(lint("002-chat-proxy-location.conf").join("\n"), @r"
    17:5 WS001
    17:5 WS002
    17:5 WS003
    17:5 WS006
    ");
}

#[test]
fn seed_003_dropped_headers_and_short_timeout() {
    insta::assert_snapshot!(lint("003-channels-shop.conf").join("\n"), @r"
    24:9 WS009
    25:9 WS006
    ");
}

#[test]
fn seed_004_as_written_is_not_shadowing() {
    let found = lint("004-api-before-ws.conf");
    assert!(!found.iter().any(|d| d.ends_with("WS007")), "{found:?}");
    insta::assert_snapshot!(found.join("\n"), @"13:5 WS006");
}

#[test]
fn seed_004_regex_variant_is_shadowing() {
    insta::assert_snapshot!(lint("004-regex-variant.conf").join("\n"), @"7:5 WS007");
}
