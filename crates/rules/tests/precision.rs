//! Cases from the review of every diagnostic on the real-world corpus
//! (fixtures/precision): each was a false positive (or a miss) and is pinned
//! here with exactly what must be reported — mostly nothing.

mod common;

fn lint(name: &str) -> String {
    let path = common::fixtures().join("precision").join(name);
    common::lint_file(&path, &|_| true)
        .iter()
        .map(|d| {
            format!(
                "{}:{} {} {:?}",
                d.start.line, d.start.column, d.code.code, d.code.severity
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn stream_upstream_names_are_not_dns_names() {
    assert_eq!(lint("a_stream_upstream.conf"), "");
}

#[test]
fn upstream_servers_with_resolve_are_not_static() {
    assert_eq!(lint("b_upstream_resolve.conf"), "");
}

#[test]
fn template_placeholders_are_not_hosts() {
    assert_eq!(lint("c_placeholder_port.conf"), "");
}

#[test]
fn a_fragment_may_use_upstreams_of_its_includer() {
    assert_eq!(lint("d_upstream_elsewhere.conf"), "");
}

#[test]
fn envsubst_placeholders_are_not_undefined_variables() {
    assert_eq!(lint("e2.conf.template"), "");
    // The template's WebSocket location really lacks everything.
    insta::assert_snapshot!(lint("e_envsubst.conf.template"), @r"
    6:5 WS001 Error
    6:5 WS002 Error
    6:5 WS003 Error
    6:5 WS006 Warning
    ");
}

#[test]
fn snippets_get_their_variables_and_resolver_from_the_includer() {
    assert_eq!(lint("f_snippet_vars.conf"), "");
    assert_eq!(lint("i_ldap_snippet.conf"), "");
    insta::assert_snapshot!(lint("r_mixed.conf"), @"1:1 WS006 Warning");
}

#[test]
fn upstream_server_lines_resolve_even_when_named_like_an_upstream() {
    insta::assert_snapshot!(lint("fn1.conf"), @"1:18 WS008 Warning");
}

#[test]
fn a_digit_after_dollar_is_one_capture() {
    assert_eq!(lint("g_capture_digit.conf"), "");
}

#[test]
fn resolver_rules_look_at_the_host_not_the_scheme() {
    assert_eq!(lint("h2_scheme_var_ip.conf"), "");
    assert_eq!(lint("h_resolver_in_missing_include.conf"), "");
}

#[test]
fn uris_built_from_variables_are_deliberate() {
    assert_eq!(lint("j_ws013_deliberate.conf"), "");
    assert_eq!(lint("q_exact_auth_location.conf"), "");
}

#[test]
fn a_dropped_keepalive_connection_header_is_a_warning() {
    insta::assert_snapshot!(lint("k_ws009_keepalive.conf"), @"6:9 WS009 Warning");
}

#[test]
fn the_send_timeout_default_does_not_cut_idle_sockets() {
    assert_eq!(lint("l_ws006_send_only.conf"), "");
}

#[test]
fn signalr_negotiate_is_plain_http() {
    assert_eq!(lint("m_signalr_negotiate.conf"), "");
}

#[test]
fn settings_may_come_from_an_unreadable_include() {
    assert_eq!(lint("n_headers_in_missing_include.conf"), "");
}

#[test]
fn websocket_as_a_name_suffix_is_dedicated() {
    assert_eq!(lint("o_suffix_websocket.conf"), "");
}

#[test]
fn upgrade_boilerplate_on_file_paths_is_not_intent() {
    assert_eq!(lint("p_file_path_boilerplate.conf"), "");
}
