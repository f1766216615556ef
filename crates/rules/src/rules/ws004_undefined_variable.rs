use crate::model::variables::referenced;
use crate::rules::{declare_rule, Checker};

declare_rule! {
    /// ## What it does
    /// Finds variables used in `proxy_set_header`, `proxy_pass` or `set` that
    /// nothing defines: no `map`, `set`, `geo`, `split_clients`, named regex
    /// capture or built-in variable has that name anywhere in the
    /// configuration (a `map` may come after its use).
    ///
    /// ## Why is this bad?
    /// nginx resolves variables after reading the whole configuration and
    /// refuses to start: `unknown "connection_upgrade" variable` (with no
    /// file or line). The classic case is copying the WebSocket snippet
    /// without the `map` that defines `$connection_upgrade`.
    ///
    /// ## Example
    /// ```nginx
    /// location /ws/ {
    ///     proxy_pass http://app;
    ///     proxy_set_header Connection $connection_upgrade;   # no map anywhere
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// map $http_upgrade $connection_upgrade {   # http context
    ///     default upgrade;
    ///     ''      close;
    /// }
    /// ```
    ///
    /// ## Fix safety
    /// For `$connection_upgrade` only: safe, the standard map is inserted once
    /// in http context (inside `http {}` when the linted files contain it,
    /// otherwise at the top of the fragment). Other variables have no fix.
    ///
    /// ## References
    /// - nginx: [map](https://nginx.org/en/docs/http/ngx_http_map_module.html)
    pub const RULE = ("WS004", "undefined-variable", Error, Sometimes, check);
}

fn check(c: &mut Checker) {
    let model = c.model;
    let mut found = Vec::new();
    for block in model.all_blocks() {
        for d in model.directives(block) {
            let values: Vec<&str> = match model.name(d) {
                "proxy_set_header" => model.arg(d, 1).into_iter().collect(),
                "proxy_pass" => model.arg(d, 0).into_iter().collect(),
                "set" => model.arg(d, 1).into_iter().collect(),
                _ => continue,
            };
            for value in values {
                for var in referenced(value) {
                    if !c.variables.is_defined(var) {
                        found.push((d, var.to_string()));
                    }
                }
            }
        }
    }
    for (d, var) in found {
        let span = c.header_span(d);
        let message = format!(
            "unknown \"{var}\" variable: nothing defines `${var}`, so `nginx -t` fails and nginx will not start"
        );
        let help = if var.eq_ignore_ascii_case("connection_upgrade") {
            "add `map $http_upgrade $connection_upgrade { default upgrade; '' close; }` in the http context".to_string()
        } else {
            format!("define `${var}` with `map` or `set`, or fix the variable's name")
        };
        if let Some(diag) = c.report(RULE.code, d, span, message) {
            diag.help = Some(help);
        }
    }
}
