use nginx_wslint_autofix::{Edit, Fix};

use crate::routing::shadow::{shadowed_locations_in, ShadowReason};
use crate::rules::fix::arg_word;
use crate::rules::{declare_rule, Checker};

declare_rule! {
    /// ## What it does
    /// Finds locations that real nginx never routes their own URIs to:
    ///
    /// - a prefix location without `^~` whose path and every path below it a
    ///   regex location takes (regexes are tried after the longest prefix,
    ///   wherever they appear in the file, unless that prefix has `^~`);
    /// - a regex location after an earlier regex of the same level that
    ///   matches everything it matches (duplicates included);
    /// - an exact or prefix location nested inside a regex location, which
    ///   nginx never consults.
    ///
    /// Partial overlaps, such as `~* \.(js|css)$` taking only `.js` URIs
    /// below `/ws/`, are not reported. Two prefix locations never shadow each
    /// other: the longest prefix wins in any order.
    ///
    /// ## Why is this bad?
    /// The WebSocket location's headers and timeouts never apply: requests
    /// go to the regex location, usually without upgrade headers, and the
    /// handshake fails in a way that looks like a backend problem.
    ///
    /// ## Example
    /// ```nginx
    /// location /chat/ws/ { proxy_pass http://ws; ... }
    /// location ~ ^/chat { proxy_pass http://app; }   # takes /chat/ws/...
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// location ^~ /chat/ws/ { proxy_pass http://ws; ... }
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe: adding `^~` to the shadowed prefix location also stops *other*
    /// regexes (such as a static-files regex) from applying below it.
    ///
    /// ## References
    /// - nginx: [location](https://nginx.org/en/docs/http/ngx_http_core_module.html#location)
    /// - `nginx-wslint route CONFIG URI` shows which location takes a URI.
    pub const RULE = ("WS007", "shadowed-location", Warning, Unsafe, check);
}

fn check(c: &mut Checker) {
    let model = c.model;
    // Location trees are built here, a server at a time, not with the
    // checker: only this rule routes, and they are large in a large
    // configuration.
    let findings = shadowed_locations_in(c.model);
    for s in findings {
        let (Some(location), Some(winner)) =
            (model.block(s.location).header, model.block(s.winner).header)
        else {
            continue;
        };
        let span = c.header_span(location);
        let message = match s.reason {
            ShadowReason::RegexTakesPrefix => format!(
                "`{}` never receives its requests: `{}` at {} is a regex, and regexes win over prefix locations without `^~` (e.g. {} goes there)",
                c.text(location),
                c.text(winner),
                c.place(winner, location),
                s.example
            ),
            ShadowReason::EarlierRegex => format!(
                "`{}` is dead: the earlier `{}` at {} matches every URI it matches (e.g. {}), and the first matching regex wins",
                c.text(location),
                c.text(winner),
                c.place(winner, location),
                s.example
            ),
            ShadowReason::NestedInRegex => format!(
                "`{}` is nested in the regex location `{}` at {}, and nginx never selects exact or prefix locations nested in a regex location",
                c.text(location),
                c.text(winner),
                c.place(winner, location)
            ),
        };
        let help = match s.reason {
            ShadowReason::RegexTakesPrefix => {
                "add `^~` to this location so that no regex is tried for its URIs"
            }
            ShadowReason::EarlierRegex => {
                "reorder the regex locations or make the earlier one more specific"
            }
            ShadowReason::NestedInRegex => {
                "move this location out of the regex location or turn it into a regex"
            }
        };
        let winner_span = c.header_span(winner);
        // `^~` before the path of a plain prefix location.
        let fix = (s.reason == ShadowReason::RegexTakesPrefix && model.args(location).len() == 1)
            .then(|| arg_word(model, location, 0))
            .flatten()
            .map(|w| {
                Fix::unsafe_(
                    "Add `^~` to the location",
                    vec![Edit::insertion(location.file.0, w.span().start, "^~ ")],
                )
            });
        if let Some(d) = c.report(RULE.code, location, span, message) {
            d.fix = fix;
            d.help = Some(help.into());
            if winner.file == location.file {
                d.related = Some((winner_span, "this location takes the requests".into()));
            }
        }
    }
}
