use nginx_wslint_autofix::Fix;

use crate::model::upstream::parse_pass_url;
use crate::rules::fix::replace_in_word;
use crate::rules::{declare_rule, Checker};

declare_rule! {
    /// ## What it does
    /// Finds `proxy_pass ws://...` and `proxy_pass wss://...`.
    ///
    /// ## Why is this bad?
    /// nginx rejects the configuration (`invalid URL prefix`): the WebSocket
    /// upgrade happens over `http://` or `https://`, with the Upgrade
    /// headers.
    ///
    /// ## Example
    /// ```nginx
    /// proxy_pass ws://app:8080;
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// proxy_pass http://app:8080;
    /// ```
    ///
    /// ## Fix safety
    /// Safe: `ws://` becomes `http://`, `wss://` becomes `https://`.
    pub const RULE = ("WS016", "websocket-scheme-in-proxy-pass", Error, Always, check);
}

fn check(c: &mut Checker) {
    let model = c.model;
    let mut found = Vec::new();
    for pass in model.everywhere("proxy_pass").iter() {
        let d = pass.directive;
        let value = pass.args[0].unwrap_or("");
        // The scheme is what precedes the first `://`: `ws` or `wss` only
        // when the value starts with them (other values are not split).
        if !value.get(..2).is_some_and(|s| s.eq_ignore_ascii_case("ws")) {
            continue;
        }
        let url = parse_pass_url(value);
        if url.scheme == "ws" || url.scheme == "wss" {
            found.push((d, url.scheme));
        }
    }
    for (d, scheme) in found {
        let replacement = if scheme == "ws" { "http" } else { "https" };
        let message = format!(
            "`{}`: nginx rejects the `{scheme}://` scheme (`invalid URL prefix`); WebSockets are proxied over `{replacement}://`",
            c.text(d)
        );
        let span = c.header_span(d);
        let fix = replace_in_word(
            c.model,
            d,
            0,
            &format!("{scheme}://"),
            &format!("{replacement}://"),
        )
        .map(|e| Fix::safe(format!("Use `{replacement}://`"), vec![e]));
        if let Some(diag) = c.report(RULE.code, d, span, message) {
            diag.fix = fix;
            diag.help = Some(format!("write `{replacement}://` instead of `{scheme}://`"));
        }
    }
}
