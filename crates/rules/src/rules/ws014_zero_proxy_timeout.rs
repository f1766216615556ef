use nginx_wslint_autofix::Fix;

use crate::model::time::{format_msec, parse_msec};
use crate::rules::fix::{arg_word, replace_word};
use crate::rules::{declare_rule, Checker};

declare_rule! {
    /// ## What it does
    /// Finds `proxy_read_timeout 0` and `proxy_send_timeout 0`. Takes
    /// precedence over WS006.
    ///
    /// ## Why is this bad?
    /// 0 does not mean "no timeout": nginx times out at once and answers
    /// 504 before the backend's `101` arrives (checked on real nginx).
    ///
    /// ## Example
    /// ```nginx
    /// proxy_read_timeout 0;
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// proxy_read_timeout 1d;
    /// ```
    ///
    /// ## Fix safety
    /// Safe: sets the configured minimum (`--min-timeout`, 300s by default).
    pub const RULE = ("WS014", "zero-proxy-timeout", Error, Always, check);
}

fn check(c: &mut Checker) {
    let model = c.model;
    let mut found = Vec::new();
    let reads = model.everywhere("proxy_read_timeout");
    let sends = model.everywhere("proxy_send_timeout");
    for timeout in reads.iter().chain(sends.iter()) {
        if timeout.args[0].and_then(|v| parse_msec(v).ok()) == Some(0) {
            found.push(timeout.directive);
        }
    }
    for d in found {
        let message = format!(
            "`{}` does not disable the timeout: nginx times out immediately and answers 504 before the WebSocket handshake completes",
            c.text(d)
        );
        let span = c.header_span(d);
        let value = format_msec(c.settings.min_timeout_ms);
        let fix = arg_word(c.model, d, 0).map(|w| {
            Fix::safe(
                format!("Use `{value}`"),
                vec![replace_word(d, w, value.clone())],
            )
        });
        if let Some(diag) = c.report(RULE.code, d, span, message) {
            diag.fix = fix;
            diag.help = Some("use a long value such as `1h` or `1d`".into());
        }
    }
}
