use nginx_wslint_autofix::Fix;

use crate::diagnostic::Severity;
use crate::rules::fix::add_to_block;
use crate::rules::websocket::contains_ignore_ascii_case;
use crate::rules::{declare_rule, Checker};

declare_rule! {
    /// ## What it does
    /// Finds blocks that define their own `proxy_set_header`, which silently
    /// discards every `proxy_set_header` of the outer levels, when some of
    /// the discarded headers are not set again. An error when `Upgrade` or
    /// `Connection` are among them, a warning otherwise. Reported at the
    /// block's first `proxy_set_header`.
    ///
    /// ## Why is this bad?
    /// nginx inherits `proxy_set_header` only when a level defines none
    /// (checked on real nginx: a location adding `proxy_set_header Host
    /// $host` loses the server's `Upgrade` and `Connection`, and the backend
    /// sees `Connection: close`). Adding one innocent header breaks the
    /// WebSocket. When this explains missing Upgrade/Connection headers,
    /// WS001/WS002 are not reported for that location.
    ///
    /// ## Example
    /// ```nginx
    /// server {
    ///     proxy_set_header Upgrade $http_upgrade;
    ///     proxy_set_header Connection $connection_upgrade;
    ///     location /ws/ {
    ///         proxy_set_header Host $host;    # drops the two above
    ///         proxy_pass http://app;
    ///     }
    /// }
    /// ```
    ///
    /// Use instead: repeat the dropped headers in the inner block.
    ///
    /// ## Fix safety
    /// Safe: copies the dropped headers into the inner block, which is what
    /// nginx did before the inner `proxy_set_header` was added.
    pub const RULE = ("WS009", "dropped-inherited-headers", Warning, Always, check);
}

/// An `Upgrade` header, or a `Connection` header carrying upgrade (not the
/// keep-alive idiom `Connection ""`).
fn carries_upgrade(h: &crate::model::effective::Header) -> bool {
    h.is("Upgrade")
        || (h.is("Connection")
            && (contains_ignore_ascii_case(h.value, "upgrade")
                || contains_ignore_ascii_case(h.value, "$http_connection")))
}

fn check(c: &mut Checker) {
    let model = c.model;
    let mut found = Vec::new();
    for loc in c.locations.iter().filter(|l| l.proxies()) {
        let (Some(level), Some(outer)) = (loc.proxy.headers_level, loc.proxy.discarded_level)
        else {
            continue;
        };
        let own = model.headers(loc.proxy.headers);
        let dropped: Vec<_> = model
            .headers(loc.proxy.discarded)
            .filter(|h| !own.clone().any(|own| own.is(h.name)))
            .map(|h| (h.name, h.directive, carries_upgrade(&h)))
            .collect();
        if dropped.is_empty() {
            continue;
        }
        let Some(first) = own.clone().next() else {
            continue;
        };
        found.push((first.directive, level, outer, dropped));
    }
    for (first, level, outer, dropped) in found {
        let websocket = dropped.iter().any(|(_, _, upgrade)| *upgrade);
        let names = dropped
            .iter()
            .map(|(n, _, _)| *n)
            .collect::<Vec<&str>>()
            .join(", ");
        let outer_place = model.block(outer).header.map_or_else(
            || "the top level".to_string(),
            |h| ["`", &c.text(h), "` (", &c.place(h, first), ")"].concat(),
        );
        let consequence = if websocket {
            ": the backend gets no upgrade request, so WebSockets fail"
        } else {
            ""
        };
        // Texts joined at their exact length (`format!` guesses, and grew
        // each of these once or twice per finding).
        let message = [
            "this `proxy_set_header` makes nginx ignore every `proxy_set_header` of ",
            &outer_place,
            "; dropped here: ",
            &names,
            consequence,
        ]
        .concat();
        let span = c.header_span(first);
        let related = dropped.first().map(|(_, d, _)| (c.header_span(*d), d.file));
        let lines: Vec<String> = dropped
            .iter()
            .map(|(_, d, _)| {
                // Joined at its length: a copy of the text alone grew on `;`.
                let text = model.file(d.file).text_lossy(c.header_span(*d));
                [&text, ";"].concat()
            })
            .collect();
        let fix = model
            .block(level)
            .header
            .and_then(|block| add_to_block(model, block, &lines))
            .map(|e| Fix::safe(["Repeat the dropped headers: ", &names].concat(), vec![e]));
        if let Some(d) = c.report(RULE.code, first, span, message) {
            d.fix = fix;
            if websocket {
                d.code.severity = Severity::Error;
            }
            d.help = Some(["repeat the dropped headers here: ", &names].concat());
            if let Some((span, file)) = related {
                if file == first.file {
                    d.related = Some((
                        span,
                        "inherited only while the inner block sets none".into(),
                    ));
                }
            }
        }
    }
}
