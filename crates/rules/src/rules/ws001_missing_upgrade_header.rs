use nginx_wslint_autofix::Fix;

use crate::rules::fix::add_to_block;
use crate::rules::{declare_rule, missing_upgrade_header, Checker};

declare_rule! {
    /// ## What it does
    /// Finds WebSocket locations that proxy with `proxy_pass` but do not send
    /// `Upgrade $http_upgrade` to the backend (in the `proxy_set_header` list
    /// nginx really uses there, after inheritance and includes).
    ///
    /// ## Why is this bad?
    /// `Upgrade` is a hop-by-hop header: nginx never forwards the client's
    /// `Upgrade` by itself. Without it the backend sees a plain HTTP request,
    /// answers 200/400/426 instead of `101 Switching Protocols`, and the
    /// browser reports the WebSocket as failed (close code 1006).
    ///
    /// Not reported when WS010 (swapped headers) or WS009 (the header is
    /// dropped by the location's own `proxy_set_header`) explains it, nor
    /// when an `include` on the way could not be read (E002): the header may
    /// be in it. The same holds for WS002, WS003 and WS006.
    ///
    /// ## Example
    /// ```nginx
    /// location /ws/ {
    ///     proxy_pass http://app;
    ///     proxy_http_version 1.1;
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
    /// Safe: adds `proxy_set_header Upgrade $http_upgrade;` after the last
    /// `proxy_*` line of the location. Plain requests have no `Upgrade`, so
    /// an empty value is sent for them, which nginx omits.
    ///
    /// ## References
    /// - nginx: [WebSocket proxying](https://nginx.org/en/docs/http/websocket.html)
    pub const RULE = ("WS001", "missing-upgrade-header", Error, Always, check);
}

fn check(c: &mut Checker) {
    let found = missing_upgrade_header(c.model, &c.locations, &c.upgrade_maps, "Upgrade", |h| {
        h.upgrade.is_some()
    });
    for header in found {
        let span = c.header_span(header);
        let message = format!(
            "`{}` proxies WebSocket requests without `proxy_set_header Upgrade $http_upgrade`: nginx does not forward the client's Upgrade header, so the backend never switches protocols",
            c.text(header)
        );
        let line = "proxy_set_header Upgrade $http_upgrade;".to_string();
        let fix = add_to_block(c.model, header, &[line])
            .map(|e| Fix::safe("Add `proxy_set_header Upgrade $http_upgrade;`", vec![e]));
        if let Some(d) = c.report(RULE.code, header, span, message) {
            d.help = Some("add `proxy_set_header Upgrade $http_upgrade;` to this location".into());
            d.fix = fix;
        }
    }
}
