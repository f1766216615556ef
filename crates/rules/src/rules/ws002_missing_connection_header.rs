use nginx_wslint_autofix::Fix;

use crate::rules::fix::{add_to_block, connection_upgrade_variable};
use crate::rules::{declare_rule, missing_upgrade_header, Checker};

declare_rule! {
    /// ## What it does
    /// Finds WebSocket locations that proxy with `proxy_pass` but send no
    /// `Connection` header carrying `upgrade` (a literal `upgrade`,
    /// `$connection_upgrade`, another `map` of `$http_upgrade`, or
    /// `$http_connection`) in their effective `proxy_set_header` list.
    ///
    /// ## Why is this bad?
    /// `Connection` is hop-by-hop too. Without it nginx sends its default
    /// (`Connection: close` before 1.29.7, none from 1.29.7), and an HTTP/1.1
    /// upgrade requires `Connection: upgrade`: the handshake fails.
    ///
    /// Not reported when WS010 or WS009 explains it.
    ///
    /// ## Example
    /// ```nginx
    /// location /ws/ {
    ///     proxy_pass http://app;
    ///     proxy_http_version 1.1;
    ///     proxy_set_header Upgrade $http_upgrade;
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// map $http_upgrade $connection_upgrade {   # http context
    ///     default upgrade;
    ///     ''      close;
    /// }
    /// location /ws/ {
    ///     proxy_pass http://app;
    ///     proxy_http_version 1.1;
    ///     proxy_set_header Upgrade $http_upgrade;
    ///     proxy_set_header Connection $connection_upgrade;
    /// }
    /// ```
    ///
    /// ## Fix safety
    /// Safe: adds `proxy_set_header Connection $connection_upgrade;` and, when
    /// no equivalent map exists anywhere in the configuration, the standard
    /// `map` once in http context.
    ///
    /// ## References
    /// - nginx: [WebSocket proxying](https://nginx.org/en/docs/http/websocket.html)
    pub const RULE = ("WS002", "missing-connection-header", Error, Always, check);
}

fn check(c: &mut Checker) {
    let found = missing_upgrade_header(c.model, &c.locations, &c.upgrade_maps, "Connection", |h| {
        h.connection.is_some()
    });
    for header in found {
        let span = c.header_span(header);
        let default = if c.settings.target.sends_connection_close_by_default() {
            "nginx sends `Connection: close`"
        } else {
            "nginx sends no Connection header"
        };
        let message = format!(
            "`{}` proxies WebSocket requests without a `Connection` header carrying `upgrade`: {default}, so the upgrade cannot happen",
            c.text(header)
        );
        let fix = connection_upgrade_variable(c).and_then(|(var, map)| {
            let line = format!("proxy_set_header Connection {var};");
            let add = add_to_block(c.model, header, std::slice::from_ref(&line))?;
            let title = if map.is_some() {
                format!("Add `{line}` and the `map $http_upgrade $connection_upgrade` in http")
            } else {
                format!("Add `{line}`")
            };
            Some(Fix::safe(title, std::iter::once(add).chain(map).collect()))
        });
        if let Some(d) = c.report(RULE.code, header, span, message) {
            d.help = Some("add `proxy_set_header Connection $connection_upgrade;` (with the `map $http_upgrade $connection_upgrade` in http)".into());
            d.fix = fix;
        }
    }
}
