use crate::rules::{declare_rule, Checker};

declare_rule! {
    /// ## What it does
    /// Finds `add_header Access-Control-*` in effect on a WebSocket location.
    ///
    /// ## Why is this bad?
    /// Browsers do not apply CORS to WebSockets: they send an `Origin`
    /// header and the server must check it (RFC 6455 §10.2). CORS headers
    /// there protect nothing and suggest a protection that does not exist;
    /// without `always` nginx does not even send them on the `101` response.
    ///
    /// ## Example
    /// ```nginx
    /// location /ws/ {
    ///     add_header Access-Control-Allow-Origin *;
    ///     proxy_pass http://app;
    /// }
    /// ```
    ///
    /// Use instead: check `Origin` in the application, or in nginx with a
    /// `map $http_origin $allowed` and `if ($allowed = 0) { return 403; }`.
    ///
    /// ## Fix safety
    /// No fix: what to check instead depends on the application.
    pub const RULE = ("WS011", "cors-on-websocket", Info, None, check);
}

fn check(c: &mut Checker) {
    let model = c.model;
    let mut found = Vec::new();
    for loc in c.locations.iter().filter(|l| l.is_websocket()) {
        // add_header is an array directive: the innermost level with any.
        let list = model
            .http_levels(loc.block)
            // Most levels have none, which the model knows without a scan.
            .filter(|&level| model.has_directive(level, "add_header") != Some(false))
            .map(|level| {
                model
                    .directives_named(level, "add_header")
                    .collect::<Vec<_>>()
            })
            .find(|list| !list.is_empty())
            .unwrap_or_default();
        for d in list {
            let name = model.arg(d, 0).unwrap_or("").as_bytes();
            let prefix = b"access-control-";
            if name.len() >= prefix.len() && name[..prefix.len()].eq_ignore_ascii_case(prefix) {
                found.push((d, loc.header));
            }
        }
    }
    for (d, location) in found {
        let message = format!(
            "`{}` applies to the WebSocket location `{}`, but browsers do not apply CORS to WebSockets; the server must check `Origin` instead",
            c.text(d),
            c.text(location)
        );
        let span = c.header_span(d);
        if let Some(diag) = c.report(RULE.code, d, span, message) {
            diag.help = Some(
                "check the `Origin` header (in the application or with a `map $http_origin`)"
                    .into(),
            );
        }
    }
}
