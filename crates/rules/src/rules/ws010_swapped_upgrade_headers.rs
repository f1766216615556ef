use nginx_wslint_autofix::Fix;

use crate::rules::fix::{arg_word, replace_word, use_connection_upgrade_variable};
use crate::rules::{declare_rule, upgrade_headers, Checker};

declare_rule! {
    /// ## What it does
    /// Finds `proxy_set_header Upgrade $connection_upgrade` and
    /// `proxy_set_header Connection $http_upgrade`: the two variables
    /// swapped. Takes precedence over WS001/WS002 for that location.
    ///
    /// ## Why is this bad?
    /// The backend receives `Upgrade: upgrade` and `Connection: websocket`
    /// (or empty values), which no server accepts as a WebSocket handshake.
    /// It is an easy typo that survives review because both lines "look
    /// right".
    ///
    /// ## Example
    /// ```nginx
    /// proxy_set_header Upgrade $connection_upgrade;
    /// proxy_set_header Connection $http_upgrade;
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// proxy_set_header Upgrade $http_upgrade;
    /// proxy_set_header Connection $connection_upgrade;
    /// ```
    ///
    /// ## Fix safety
    /// Safe: puts the right variable in each header.
    pub const RULE = ("WS010", "swapped-upgrade-headers", Error, Always, check);
}

fn check(c: &mut Checker) {
    let mut found = Vec::new();
    for loc in c.locations.iter().filter(|l| l.proxies()) {
        for h in upgrade_headers(c.model, &loc.proxy, &c.upgrade_maps).swapped {
            found.push((h.directive, h.is("Upgrade")));
        }
    }
    for (d, is_upgrade) in found {
        let (right, what) = if is_upgrade {
            (
                "$http_upgrade",
                "the Upgrade header must carry the client's `$http_upgrade`",
            )
        } else {
            (
                "$connection_upgrade",
                "the Connection header must carry `upgrade` (the `$connection_upgrade` map)",
            )
        };
        let message = format!("`{}` swaps the upgrade variables: {what}", c.text(d));
        let span = c.header_span(d);
        let fix = if is_upgrade {
            arg_word(c.model, d, 1).map(|w| {
                Fix::safe(
                    "Use `$http_upgrade`",
                    vec![replace_word(d, w, "$http_upgrade")],
                )
            })
        } else {
            use_connection_upgrade_variable(c, d)
        };
        if let Some(diag) = c.report(RULE.code, d, span, message) {
            diag.fix = fix;
            diag.help = Some(format!("use `{right}` here"));
        }
    }
}
