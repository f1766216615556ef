use crate::model::upstream::parse_pass_url;
use crate::model::variables::references_variables;
use crate::rules::{declare_rule, Checker};

declare_rule! {
    /// ## What it does
    /// Finds `proxy_pass` with variables *and* a constant URI part written
    /// in the directive (`proxy_pass http://$backend:8080/;`). A URI built
    /// from variables (`/$1`, `$request_uri`, `...$is_args$args`) is built on
    /// purpose and not reported, nor is one in an exact (`=`) location.
    ///
    /// ## Why is this bad?
    /// With variables, a URI in `proxy_pass` is sent to the backend as is,
    /// replacing the request URI: every request becomes `GET /` and the
    /// query string is dropped (checked on real nginx). Without variables
    /// the same line would replace only the location prefix, so the switch
    /// to variables (often made for DNS) silently breaks routing —
    /// WebSocket paths like `/ws/chat?room=1` reach the backend as `/`.
    ///
    /// ## Example
    /// ```nginx
    /// location /ws/ { proxy_pass http://$backend:8080/; }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// location /ws/ {
    ///     rewrite ^/ws/(.*)$ /$1 break;
    ///     proxy_pass http://$backend:8080;
    /// }
    /// ```
    ///
    /// ## Fix safety
    /// No fix: the right rewrite depends on what the backend expects.
    pub const RULE = ("WS013", "variable-proxy-pass-uri", Warning, None, check);
}

fn check(c: &mut Checker) {
    let model = c.model;
    let mut found = Vec::new();
    for pass in model.everywhere("proxy_pass").iter() {
        let (block, d) = (pass.block, pass.directive);
        let value = pass.args[0].unwrap_or("");
        // Without a variable there is nothing to judge: not split for
        // nothing.
        if !value.contains("://") || !references_variables(value) {
            continue;
        }
        let url = parse_pass_url(value);
        // In `location = /x` only one URI arrives anyway.
        let exact = model
            .block(block)
            .header
            .is_some_and(|h| model.name(h) == "location" && model.arg(h, 0) == Some("="));
        if exact {
            continue;
        }
        // A URI built from variables (captures, `$uri`, `$args`, ...) is
        // built on purpose; a constant one replaces every request's URI.
        if let Some(uri) = url.uri.filter(|u| !references_variables(u)) {
            found.push((d, uri));
        }
    }

    for (d, uri) in found {
        let message = format!(
            "`{}` uses variables and the URI \"{uri}\": nginx then sends that URI instead of the request's (query string dropped), for every request",
            c.text(d)
        );
        let span = c.header_span(d);
        if let Some(diag) = c.report(RULE.code, d, span, message) {
            diag.help = Some(
                "drop the URI part and strip the prefix with `rewrite ... break;` if needed".into(),
            );
        }
    }
}
