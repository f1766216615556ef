use crate::model::ascii_lowercase;
use crate::model::upstream::{host_kind, parse_pass_url, upstream_named, HostKind};
use crate::model::variables::{referenced, references_variables};
use crate::rules::{declare_rule, Checker};

declare_rule! {
    /// ## What it does
    /// Finds `proxy_pass` with variables whose value is a host name to
    /// resolve, with no `resolver` in effect (and no unreadable `include`
    /// that might hold one; server and location snippets are not checked,
    /// their resolver is the including file's). A value is known to hold a
    /// host name when the variable is `$host`, `$http_host` or
    /// `$server_name`, or is `set` to a literal URL or name that is not an
    /// IP address, `localhost` or an `upstream` name.
    ///
    /// ## Why is this bad?
    /// With variables nginx resolves the host per request, through
    /// `resolver` only (it never reads `/etc/resolv.conf`). Without one,
    /// every request fails with 502 and the log says `no resolver defined to
    /// resolve app`; `nginx -t` does not notice.
    ///
    /// ## Example
    /// ```nginx
    /// set $backend http://app:3000;
    /// proxy_pass $backend;
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// resolver 127.0.0.11 valid=10s;   # Docker's embedded DNS
    /// set $backend http://app:3000;
    /// proxy_pass $backend;
    /// ```
    ///
    /// ## Fix safety
    /// No fix unless a resolver address is configured (`--resolver` or
    /// `resolver` in `.nginx-wslint.toml`).
    pub const RULE = ("WS012", "missing-resolver", Error, Sometimes, check);
}

/// Variables whose value is a request's host name.
const HOST_VARIABLES: &[&str] = &["host", "http_host", "server_name"];

fn check(c: &mut Checker) {
    let model = c.model;
    // A server or location snippet gets its resolver from the including
    // file's server or http level.
    if matches!(
        model.block(crate::model::Model::ROOT).context,
        nginx_wslint_parser::Context::Server | nginx_wslint_parser::Context::Location
    ) {
        return;
    }
    // Literal values of `set $var value` anywhere.
    let sets = model.everywhere("set");
    let mut set_values = Vec::with_capacity(sets.len());
    for found in sets.iter() {
        if let [Some(var), Some(value)] = found.args {
            set_values.push((ascii_lowercase(var.trim_start_matches('$')), value));
        }
    }
    let needs_dns = |value: &str| -> bool {
        let with_scheme;
        let value_url = parse_pass_url(if value.contains("://") {
            value
        } else {
            with_scheme = format!("http://{value}");
            &with_scheme
        });
        !value_url.has_variables
            && host_kind(model, &value_url) == HostKind::StaticName
            && upstream_named(model, value_url.host).is_none()
    };
    let mut found = Vec::new();
    for loc in c.locations.iter().filter(|l| l.proxies()) {
        // A resolver may be in an include that could not be read.
        if loc.proxy.resolver.is_some() || loc.proxy.incomplete {
            continue;
        }
        let value = model.arg(loc.pass, 0).unwrap_or("");
        // Most passes have no variable at all: not split for nothing.
        if !references_variables(value) {
            continue;
        }
        let url = parse_pass_url(value);
        // The variables that make up the host part: of the host for a URL
        // with `://`, the whole value for a bare `$url`.
        let host_vars: Vec<String> = if value.contains("://") {
            referenced(url.host)
                .map(|v| v.to_ascii_lowercase())
                .collect()
        } else {
            referenced(value)
                .next()
                .map(|v| v.to_ascii_lowercase())
                .into_iter()
                .collect()
        };
        let host_name = host_vars.iter().find(|v| {
            HOST_VARIABLES.contains(&v.as_str())
                || set_values
                    .iter()
                    .any(|(name, value)| name == *v && needs_dns(value))
        });
        if let Some(var) = host_name {
            found.push((loc.pass, var.clone()));
        }
    }
    let address = c
        .settings
        .resolver
        .clone()
        .unwrap_or_else(|| "ADDRESS".into());
    for (d, var) in found {
        let message = format!(
            "`{}` resolves the host in `${var}` for every request, but no `resolver` is in effect: every request fails with 502 (`no resolver defined`)",
            c.text(d)
        );
        let span = c.header_span(d);
        // The location that holds the `proxy_pass`.
        let fix = c.settings.resolver.as_deref().and_then(|resolver| {
            let location = c
                .locations
                .iter()
                .find(|l| std::ptr::eq(l.pass.directive, d.directive))?
                .header;
            let line = format!("resolver {resolver} valid=10s;");
            let add =
                crate::rules::fix::add_to_block(c.model, location, std::slice::from_ref(&line))?;
            Some(nginx_wslint_autofix::Fix::safe(
                format!("Add `{line}`"),
                vec![add],
            ))
        });
        if let Some(diag) = c.report(RULE.code, d, span, message) {
            diag.fix = fix;
            diag.help = Some(format!("add `resolver {address} valid=10s;` (Docker: 127.0.0.11) in http, server or this location"));
        }
    }
}
