use crate::rules::{declare_rule, Checker};

declare_rule! {
    /// ## What it does
    /// Finds WebSocket locations handled by `fastcgi_pass`, `grpc_pass` or
    /// `memcached_pass`, or proxying with `proxy_http_version 2`.
    ///
    /// ## Why is this bad?
    /// Those modules have no upgrade support in nginx: the handshake can
    /// never succeed. (`proxy_pass` with HTTP/1.1, `uwsgi_pass` and
    /// `scgi_pass` do support it.)
    ///
    /// ## Example
    /// ```nginx
    /// location /ws/ { fastcgi_pass unix:/run/php-fpm.sock; }
    /// ```
    ///
    /// Use instead: `proxy_pass` to an HTTP server that speaks WebSocket.
    ///
    /// ## Fix safety
    /// No fix: the backend has to change.
    pub const RULE = ("WS015", "websocket-unsupported-pass", Error, None, check);
}

fn check(c: &mut Checker) {
    let mut found = Vec::new();
    for loc in c.locations.iter().filter(|l| l.is_websocket()) {
        match loc.pass_name() {
            "fastcgi_pass" | "grpc_pass" | "memcached_pass" => {
                found.push((loc.pass, loc.header, None))
            }
            "proxy_pass" if loc.proxy.http_version.value == "2" => {
                if let Some(d) = loc.proxy.http_version.source {
                    found.push((d, loc.header, Some("HTTP/2 to the backend")));
                }
            }
            _ => {}
        }
    }
    for (d, location, what) in found {
        let what = what.map_or_else(|| format!("`{}`", c.model.name(d)), str::to_string);
        let message = format!(
            "`{}` is a WebSocket location, but nginx cannot upgrade connections with {what}: `{}`",
            c.text(location),
            c.text(d)
        );
        let span = c.header_span(d);
        if let Some(diag) = c.report(RULE.code, d, span, message) {
            diag.help = Some(
                "use `proxy_pass` with `proxy_http_version 1.1` to a WebSocket-capable backend"
                    .into(),
            );
        }
    }
}
