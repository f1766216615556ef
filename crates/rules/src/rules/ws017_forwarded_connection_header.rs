use crate::model::variables::referenced;
use crate::rules::fix::use_connection_upgrade_variable;
use crate::rules::{declare_rule, Checker};

declare_rule! {
    /// ## What it does
    /// Finds `proxy_set_header Connection $http_connection` in effect for a
    /// location that proxies. It counts as carrying `upgrade` for WS002.
    ///
    /// ## Why is this bad?
    /// It forwards the client's hop-by-hop tokens: Firefox sends
    /// `Connection: keep-alive, Upgrade`, which servers that compare with
    /// exactly `Upgrade` reject, and a client's `close` or arbitrary tokens
    /// pass through. The `map` normalises the value to `upgrade`.
    ///
    /// ## Example
    /// ```nginx
    /// proxy_set_header Connection $http_connection;
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// proxy_set_header Connection $connection_upgrade;
    /// ```
    ///
    /// ## Fix safety
    /// Safe: uses the `$connection_upgrade` map (added when missing).
    pub const RULE = ("WS017", "forwarded-connection-header", Warning, Always, check);
}

fn check(c: &mut Checker) {
    let mut found = Vec::new();
    for loc in c.locations.iter().filter(|l| l.proxies()) {
        for h in c
            .model
            .headers(loc.proxy.headers)
            .filter(|h| h.is("Connection"))
        {
            if referenced(h.value).any(|v| v.eq_ignore_ascii_case("http_connection")) {
                found.push(h.directive);
            }
        }
    }
    for d in found {
        let message = format!(
            "`{}` forwards the client's Connection tokens (Firefox sends `keep-alive, Upgrade`; clients may send `close`), which some WebSocket servers reject",
            c.text(d)
        );
        let span = c.header_span(d);
        let fix = use_connection_upgrade_variable(c, d);
        if let Some(diag) = c.report(RULE.code, d, span, message) {
            diag.fix = fix;
            diag.help = Some("use `proxy_set_header Connection $connection_upgrade;` with the `map $http_upgrade $connection_upgrade`".into());
        }
    }
}
