//! `nginx-wslint route`: the debugging tool for "which block handles this
//! request?" (routing itself is proven against real nginx in
//! crates/rules/tests/routing_vs_nginx.rs).

use std::process::{Command, Output};

fn route(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nginx-wslint"))
        .arg("route")
        .arg("fixtures/routing/nginx.conf")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

fn json(args: &[&str]) -> serde_json::Value {
    let mut all = args.to_vec();
    all.extend(["--output-format", "json"]);
    let o = route(&all);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn longest_prefix_wins_whatever_the_order() {
    let v = json(&["/api/mqtt/ws/x"]);
    assert_eq!(
        v["location"],
        serde_json::json!({"file": "fixtures/routing/nginx.conf", "line": 16, "column": 9, "modifier": "", "path": "/api/mqtt/ws/"})
    );
    assert_eq!(v["uri"], "/api/mqtt/ws/x");
    assert_eq!(v["server"]["line"], 8);
    assert_eq!(
        v["server"]["server_name"],
        serde_json::json!(["hints.example.com"])
    );
    assert_eq!(json(&["/api/other"])["location"]["line"], 13);
}

#[test]
fn a_regex_shadows_a_prefix_without_caret_tilde() {
    let v = json(&["/chat/ws/socket"]);
    assert_eq!(v["location"]["modifier"], "~");
    assert_eq!(v["location"]["path"], "^/chat");
    let v = json(&["/live/ws/socket"]);
    assert_eq!(v["location"]["modifier"], "^~");
}

#[test]
fn the_uri_is_normalised_first() {
    let v = json(&["//api/./mqtt/%77s/../ws/x?token=1"]);
    assert_eq!(v["uri"], "/api/mqtt/ws/x");
    assert_eq!(v["location"]["path"], "/api/mqtt/ws/");
}

#[test]
fn host_and_port_select_the_server() {
    let v = json(&["/x", "--host", "a.b.example.org"]);
    assert_eq!(
        v["server"]["server_name"],
        serde_json::json!(["*.example.org"])
    );
    let v = json(&["/x", "--host", "unknown.test"]);
    assert_eq!(v["server"]["line"], 8, "the default server");
    let v = json(&["/x", "--port", "8080"]);
    assert_eq!(v["server"], serde_json::Value::Null);
    assert_eq!(v["location"], serde_json::Value::Null);
}

#[test]
fn human_output_explains_redirects_and_fall_through() {
    let o = route(&["/api"]);
    assert_eq!(o.status.code(), Some(0));
    insta::assert_snapshot!(String::from_utf8_lossy(&o.stdout), @r#"
    uri:      /api
    server:   fixtures/routing/nginx.conf:8  server_name hints.example.com
    location: fixtures/routing/nginx.conf:13:9  location /api/
              nginx answers 301 to "/api/": this prefix location proxies and ends with "/" (add `location = /api` to handle it)
    "#);
    let o = route(&["/static/x"]);
    insta::assert_snapshot!(String::from_utf8_lossy(&o.stdout), @r"
    uri:      /static/x
    server:   fixtures/routing/nginx.conf:8  server_name hints.example.com
    location: none matches; the server level handles the request
    ");
}

#[test]
fn no_guess_when_a_regex_cannot_be_evaluated() {
    let o = route(&["/legacy/x"]);
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("cannot evaluate regex \"^/(?!admin)legacy/\""),
        "{stderr}"
    );
    // A request decided before that regex is reached still gets an answer.
    assert_eq!(json(&["/api/x"])["location"]["path"], "/api/");
}

#[test]
fn invalid_uris_are_reported_as_nginx_would() {
    let o = route(&["/../etc/passwd"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("400 Bad Request"));
}

#[test]
fn invalid_hosts_are_reported_as_nginx_would() {
    let o = route(&["/x", "--host", "a..b"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("nginx rejects this Host with 400 Bad Request")
    );
}
