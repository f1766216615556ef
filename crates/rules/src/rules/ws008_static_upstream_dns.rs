use crate::model::upstream::{
    host_kind, parse_pass_url, server_host_kind, upstream_servers, HostKind, PassUrl,
};
use crate::model::version::Version;
use crate::model::Model;
use crate::rules::{declare_rule, Checker};

declare_rule! {
    /// ## What it does
    /// Finds `proxy_pass` URLs and upstream `server` lines whose host is a
    /// name nginx resolves only when it starts or reloads: not an IP
    /// address, not `localhost`, not a `unix:` socket, not an `upstream`
    /// name, not built from variables, and (for upstream servers) without
    /// `resolve`.
    ///
    /// ## Why is this bad?
    /// The name is resolved once. If it does not resolve at that moment —
    /// the classic Docker case of nginx starting before the app container —
    /// nginx refuses to start (`host not found in upstream`); if the
    /// backend's address changes later (a restarted container), nginx keeps
    /// the dead address and answers 502 until it is reloaded.
    ///
    /// ## Example
    /// ```nginx
    /// location /ws/ { proxy_pass http://backend:8000; }
    /// ```
    ///
    /// Use instead (nginx 1.27.3 and later):
    /// ```nginx
    /// resolver 127.0.0.11 valid=10s;
    /// upstream backend { zone backend 64k; server backend:8000 resolve; }
    /// location /ws/ { proxy_pass http://backend; }
    /// ```
    /// Before 1.27.3: `resolver` plus `set $backend http://backend:8000;
    /// proxy_pass $backend;` (this changes URI handling, so it is offered
    /// only when `proxy_pass` has no URI part).
    ///
    /// ## Fix safety
    /// Sometimes available: it needs a resolver address (`--resolver` or
    /// `resolver` in `.nginx-wslint.toml`); the form depends on
    /// `--target-version`.
    pub const RULE = ("WS008", "static-upstream-dns", Warning, Sometimes, check);
}

/// A port-less, dot-less host in a configuration that is not complete (a
/// fragment, not a whole `nginx.conf`) is most likely an `upstream` defined by the
/// file that includes it: nginx rejects a port on an upstream name, and
/// `conf.d/` fragments routinely use upstreams from `nginx.conf`.
fn maybe_external_upstream(model: &Model, url: &PassUrl) -> bool {
    let complete = model.block(Model::ROOT).context == nginx_wslint_parser::Context::Main;
    !complete && url.port.is_none() && !url.host.contains('.')
}

fn check(c: &mut Checker) {
    let model = c.model;
    let resolve_supported = c.settings.target.at_least(Version::UPSTREAM_RESOLVE);
    let mut found = Vec::new();
    for block in model.all_blocks() {
        for d in model.directives_named(block, "proxy_pass") {
            let url = parse_pass_url(model.arg(d, 0).unwrap_or(""));
            if host_kind(model, &url) == HostKind::StaticName
                && !maybe_external_upstream(model, &url)
            {
                found.push((d, url.host.clone(), false));
            }
        }
        if model.block_name(block) == "upstream" {
            for server in upstream_servers(model, block) {
                // With `resolve` the author asked for run-time resolution
                // (before 1.27.3 that needs NGINX Plus; not this rule's
                // subject).
                if server.resolve {
                    continue;
                }
                if server_host_kind(model, &server.url) == HostKind::StaticName {
                    found.push((server.directive, server.url.host.clone(), true));
                }
            }
        }
    }
    let address = c
        .settings
        .resolver
        .clone()
        .unwrap_or_else(|| "ADDRESS".into());
    for (d, host, in_upstream) in found {
        let span = c.header_span(d);
        let message = format!(
            "`{}` names host \"{host}\", which nginx resolves only at start and reload: if it does not resolve then, nginx refuses to start; if its address changes, nginx keeps the old one",
            c.text(d)
        );
        let help = if resolve_supported {
            format!("use an `upstream` with `zone` and `server {host} resolve`, plus `resolver {address} valid=10s;`")
        } else if in_upstream {
            format!("nginx before 1.27.3 cannot re-resolve upstream servers: use `resolver {address} valid=10s;` with a variable in `proxy_pass`")
        } else {
            format!("add `resolver {address} valid=10s;` and use a variable: `set $backend http://{host}:PORT; proxy_pass $backend;`")
        };
        if let Some(diag) = c.report(RULE.code, d, span, message) {
            diag.help = Some(help);
        }
    }
}
