use std::collections::HashSet;

use nginx_wslint_parser::Context;

use nginx_wslint_autofix::Fix;

use crate::model::variables::referenced;
use crate::model::Model;
use crate::rules::fix::{connection_upgrade_variable, replace_in_word};
use crate::rules::{declare_rule, Checker};

declare_rule! {
    /// ## What it does
    /// Finds variables used in `proxy_set_header`, `proxy_pass` or `set` that
    /// nothing defines: no `map`, `set`, `geo`, `split_clients`, named regex
    /// capture or built-in variable has that name anywhere in the
    /// configuration (a `map` may come after its use).
    ///
    /// Not checked in server or location snippets (their variables come from
    /// the including file's http level), nor for `${NAME}` placeholders of
    /// envsubst templates (a `.template` file, or a `${NAME}` that also
    /// appears where nginx never expands variables, such as `server_name`).
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

/// `${NAME}` written where nginx never expands variables (names, listen,
/// location paths, upstream addresses) marks an envsubst template: such
/// `${NAME}`s are filled in before nginx reads the file.
fn template_placeholders(c: &Checker) -> HashSet<String> {
    let model = c.model;
    let mut out = HashSet::new();
    for block in model.all_blocks() {
        let header = model.block(block).header;
        let literal_positions = model
            .directives(block)
            .filter(|d| {
                matches!(
                    model.name(*d),
                    "server_name" | "listen" | "server" | "root" | "include"
                )
            })
            .chain(header.filter(|h| matches!(model.name(*h), "upstream" | "location")));
        for d in literal_positions {
            for arg in model.file(d.file).arg_values(d.directive) {
                let mut rest = arg;
                while let Some(i) = memchr::memchr(b'$', rest.as_bytes()) {
                    if rest.as_bytes().get(i + 1) != Some(&b'{') {
                        rest = &rest[i + 1..];
                        continue;
                    }
                    let Some(end) = memchr::memchr(b'}', &rest.as_bytes()[i..]) else {
                        break;
                    };
                    out.insert(rest[i + 2..i + end].to_ascii_lowercase());
                    rest = &rest[i + end..];
                }
            }
        }
    }
    out
}

fn check(c: &mut Checker) {
    let model = c.model;
    // A server or location snippet cannot hold the `map` or `geo` that
    // defines its variables: the file that includes it does.
    if matches!(
        model.block(Model::ROOT).context,
        Context::Server | Context::Location
    ) {
        return;
    }
    // Needed only for a braced unknown variable, which is rare: the scan of
    // every block is done on first need.
    let placeholders = std::cell::OnceCell::new();
    let mut found = Vec::new();
    let (headers, sets, passes) = (
        model.everywhere("proxy_set_header"),
        model.everywhere("set"),
        model.everywhere("proxy_pass"),
    );
    let values = headers
        .iter()
        .chain(sets.iter())
        .map(|found| (found.directive, found.args[1]))
        .chain(passes.iter().map(|found| (found.directive, found.args[0])));
    for (d, value) in values {
        let Some(value) = value else { continue };
        for var in referenced(value) {
            if c.variables.is_defined(var) {
                continue;
            }
            let braced = memchr::memchr_iter(b'$', value.as_bytes()).any(|i| {
                value[i + 1..]
                    .strip_prefix('{')
                    .and_then(|r| r.strip_prefix(var))
                    .is_some_and(|r| r.starts_with('}'))
            });
            let template = || {
                model
                    .file(d.file)
                    .path
                    .to_string_lossy()
                    .contains(".template")
            };
            if braced
                && (template()
                    || placeholders
                        .get_or_init(|| template_placeholders(c))
                        .contains(&var.to_ascii_lowercase()))
            {
                continue;
            }
            found.push((d, var.to_string()));
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
        let fix = if var.eq_ignore_ascii_case("connection_upgrade") {
            connection_upgrade_variable(c).and_then(|(name, map)| match map {
                Some(map) => Some(Fix::safe(
                    "Add the `map $http_upgrade $connection_upgrade` in http",
                    vec![map],
                )),
                // An equivalent map exists under another name: use it.
                None => {
                    let index = if model.name(d) == "proxy_set_header" {
                        1
                    } else {
                        0
                    };
                    replace_in_word(model, d, index, "$connection_upgrade", &name).map(|e| {
                        Fix::safe(
                            format!("Use `{name}`, the existing map of `$http_upgrade`"),
                            vec![e],
                        )
                    })
                }
            })
        } else {
            None
        };
        if let Some(diag) = c.report(RULE.code, d, span, message) {
            diag.help = Some(help);
            diag.fix = fix;
        }
    }
}
