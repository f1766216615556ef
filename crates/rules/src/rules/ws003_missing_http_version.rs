use nginx_wslint_autofix::Fix;

use crate::model::version::Version;
use crate::rules::fix::{add_to_block, replace_word};
use crate::rules::{declare_rule, Checker};

declare_rule! {
    /// ## What it does
    /// Finds WebSocket locations whose effective `proxy_http_version` is
    /// below 1.1, when the target nginx is older than 1.29.7 (from 1.29.7
    /// HTTP/1.1 is the default).
    ///
    /// ## Why is this bad?
    /// Before 1.29.7 nginx talks HTTP/1.0 to the backend by default. A
    /// WebSocket handshake must be an HTTP/1.1 request (RFC 6455 §4.1), so
    /// real servers refuse it (often with 400 or 505), even with the right
    /// Upgrade headers.
    ///
    /// ## Example
    /// ```nginx
    /// location /ws/ {
    ///     proxy_pass http://app;
    ///     proxy_set_header Upgrade $http_upgrade;
    ///     proxy_set_header Connection $connection_upgrade;
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// location /ws/ {
    ///     proxy_pass http://app;
    ///     proxy_http_version 1.1;
    ///     proxy_set_header Upgrade $http_upgrade;
    ///     proxy_set_header Connection $connection_upgrade;
    /// }
    /// ```
    ///
    /// ## Fix safety
    /// Safe: adds `proxy_http_version 1.1;` (or changes an explicit `1.0`).
    ///
    /// ## References
    /// - nginx: [proxy_http_version](https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_http_version)
    pub const RULE = ("WS003", "missing-http-version", Error, Always, check);
}

fn check(c: &mut Checker) {
    if c.settings.target.at_least(Version::HTTP11_PROXY_DEFAULT) {
        return;
    }
    let mut found = Vec::new();
    for loc in c.locations.iter().filter(|l| l.is_judged_websocket_proxy()) {
        let version = loc.proxy.http_version.value;
        if version == "1.0" {
            // An explicit 1.0 in the location itself is changed; one
            // inherited from outside is overridden here, leaving others be.
            let own = loc.proxy.http_version.source.filter(|d| {
                c.model
                    .directives(loc.block)
                    .any(|x| std::ptr::eq(x.directive, d.directive))
            });
            found.push((loc.header, loc.proxy.http_version.source, own));
        }
    }
    for (header, explicit, own) in found {
        let span = c.header_span(header);
        let why = match explicit {
            Some(d) => format!("`{}` at {} sets HTTP/1.0", c.text(d), c.place(d, header)),
            None => format!(
                "nginx {} talks HTTP/1.0 to backends by default",
                c.settings.target
            ),
        };
        let message = format!(
            "`{}` proxies WebSocket requests over HTTP/1.0 ({why}); the handshake needs HTTP/1.1",
            c.text(header)
        );
        let edit = match own {
            Some(d) => c
                .model
                .file(d.file)
                .args(d.directive)
                .first()
                .map(|w| replace_word(d, w, "1.1")),
            None => add_to_block(c.model, header, &["proxy_http_version 1.1;".to_string()]),
        };
        let fix = edit.map(|e| Fix::safe("Use `proxy_http_version 1.1;`", vec![e]));
        if let Some(d) = c.report(RULE.code, header, span, message) {
            d.help = Some("add `proxy_http_version 1.1;` to this location".into());
            d.fix = fix;
        }
    }
}
