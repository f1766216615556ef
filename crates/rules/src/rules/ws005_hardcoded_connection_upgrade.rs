use crate::model::variables::references_variables;
use crate::rules::fix::use_connection_upgrade_variable;
use crate::rules::{declare_rule, Checker};

declare_rule! {
    /// ## What it does
    /// Finds `proxy_set_header Connection "upgrade"` hard-coded in effect for a
    /// location that is not dedicated to WebSockets (such as `location /`),
    /// where plain HTTP requests pass too.
    ///
    /// ## Why is this bad?
    /// Every plain request then reaches the backend with `Connection:
    /// upgrade` but no `Upgrade`, which some servers reject and which
    /// defeats keep-alive to the upstream. The `map` sends `upgrade` only
    /// when the client asks for it.
    ///
    /// ## Example
    /// ```nginx
    /// location / {
    ///     proxy_pass http://app;
    ///     proxy_set_header Upgrade $http_upgrade;
    ///     proxy_set_header Connection "upgrade";
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// location / {
    ///     proxy_pass http://app;
    ///     proxy_set_header Upgrade $http_upgrade;
    ///     proxy_set_header Connection $connection_upgrade;
    /// }
    /// ```
    ///
    /// ## Fix safety
    /// Safe: replaces the value with `$connection_upgrade` and adds the
    /// standard `map` when none exists.
    pub const RULE = ("WS005", "hardcoded-connection-upgrade", Info, Always, check);
}

fn check(c: &mut Checker) {
    let mut found = Vec::new();
    for loc in c
        .locations
        .iter()
        .filter(|l| l.proxies() && !l.is_dedicated())
    {
        for h in c
            .model
            .headers(loc.proxy.headers)
            .filter(|h| h.is("Connection"))
        {
            if !references_variables(h.value) && h.value.eq_ignore_ascii_case("upgrade") {
                found.push((h.directive, loc.header));
            }
        }
    }
    for (d, location) in found {
        let span = c.header_span(d);
        let message = format!(
            "`{}` applies to `{}`, which also serves plain HTTP requests: they all reach the backend with `Connection: upgrade`",
            c.text(d),
            c.text(location)
        );
        let fix = use_connection_upgrade_variable(c, d);
        if let Some(diag) = c.report(RULE.code, d, span, message) {
            diag.help = Some("use `proxy_set_header Connection $connection_upgrade;` with the `map $http_upgrade $connection_upgrade`".into());
            diag.fix = fix;
        }
    }
}
