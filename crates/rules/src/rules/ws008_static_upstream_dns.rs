use crate::model::upstream::{
    host_kind, parse_pass_url, server_host_kind, upstream_servers, HostKind, PassUrl,
};
use crate::model::version::Version;
use crate::model::{BlockId, DirRef, Model};
use crate::rules::fix::{add_to_block, arg_word, insert_in_http, replace_word};
use crate::rules::{declare_rule, Checker};
use nginx_wslint_autofix::{Edit, Fix};

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

/// `proxy_pass http://host:port/uri` → from 1.27.3, an upstream that
/// re-resolves (`zone`, `resolver`, `server ... resolve`) named after the
/// host; before, `resolver` + `set $var URL; proxy_pass $var;` (only
/// without a URI part, whose meaning variables would change).
fn fix_proxy_pass(
    c: &Checker,
    d: DirRef,
    block: BlockId,
    resolver: &str,
    resolve_supported: bool,
) -> Option<Fix> {
    let model = c.model;
    let value = model.arg(d, 0)?;
    let url = parse_pass_url(value);
    let port = url
        .port
        .unwrap_or(if url.scheme == "https" { "443" } else { "80" });
    let name: String = format!("{}_{port}", url.host)
        .chars()
        .map(|ch| {
            if ch.is_ascii_alphanumeric() || ch == '_' {
                ch
            } else {
                '_'
            }
        })
        .collect();
    let word = arg_word(model, d, 0)?;
    if resolve_supported {
        let lines = [
            format!("upstream {name} {{"),
            format!("    zone {name} 64k;"),
            format!("    resolver {resolver} valid=10s;"),
            format!("    server {}:{port} resolve;", url.host),
            "}".to_string(),
        ];
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let upstream = insert_in_http(model, &refs)?;
        let new_url = format!("{}://{name}{}", url.scheme, url.uri.unwrap_or(""));
        let title = format!(
            "Proxy to a re-resolving `upstream {name}` (zone, resolver {resolver}, `resolve`)"
        );
        return Some(Fix::safe(
            title,
            vec![upstream, replace_word(d, word, new_url)],
        ));
    }
    if url.uri.is_some() {
        return None;
    }
    let variable = format!("$upstream_{name}");
    let location = model.block(block).header?;
    let lines = [
        format!("resolver {resolver} valid=10s;"),
        format!("set {variable} {value};"),
    ];
    let add = add_to_block(model, location, &lines)?;
    let title = format!("Resolve per request: `resolver {resolver}`, `set {variable} {value};`, `proxy_pass {variable};`");
    Some(Fix::safe(title, vec![add, replace_word(d, word, variable)]))
}

/// `server host:port` in an upstream → `server host:port resolve`, with a
/// `zone` and a `resolver` in the upstream when missing (1.27.3+ only).
/// `block`: the `upstream` block holding the `server` line `d`.
fn fix_upstream_server(
    c: &Checker,
    d: DirRef,
    block: BlockId,
    resolver: &str,
    resolve_supported: bool,
) -> Option<Fix> {
    if !resolve_supported {
        return None;
    }
    let model = c.model;
    let header = model.block(block).header?;
    let name = model.arg(header, 0)?;
    let word = arg_word(model, d, 0)?;
    let mut edits = vec![Edit::insertion(d.file.0, word.span().end, " resolve")];
    let mut lines = Vec::new();
    if model.directives_named(block, "zone").next().is_none() {
        lines.push(format!("zone {name} 64k;"));
    }
    if model.directives_named(block, "resolver").next().is_none()
        && model.inherited(block, "resolver").is_none()
    {
        lines.push(format!("resolver {resolver} valid=10s;"));
    }
    if !lines.is_empty() {
        edits.push(add_to_block(model, header, &lines)?);
    }
    Some(Fix::safe(
        format!("Re-resolve `{}` at run time (`resolve`)", model.arg(d, 0)?),
        edits,
    ))
}

/// Where a static name was found: a `proxy_pass` in a block, or a
/// `server` line in an `upstream` block.
#[derive(Clone, Copy)]
enum Site {
    Pass(BlockId),
    Upstream(BlockId),
}

fn check(c: &mut Checker) {
    let model = c.model;
    let resolve_supported = c.settings.target.at_least(Version::UPSTREAM_RESOLVE);
    let mut found = Vec::new();
    for pass in model.everywhere("proxy_pass").iter() {
        let (block, d) = (pass.block, pass.directive);
        let url = parse_pass_url(pass.args[0].unwrap_or(""));
        if host_kind(model, &url) == HostKind::StaticName && !maybe_external_upstream(model, &url) {
            found.push((d, url.host, Site::Pass(block)));
        }
    }
    for block in model.all_blocks() {
        if model.block_name(block) == "upstream" {
            for server in upstream_servers(model, block) {
                // With `resolve` the author asked for run-time resolution
                // (before 1.27.3 that needs NGINX Plus; not this rule's
                // subject).
                if server_host_kind(model, &server.url) == HostKind::StaticName
                    && !server.resolve(model)
                {
                    found.push((server.directive, server.url.host, Site::Upstream(block)));
                }
            }
        }
    }
    let address = c
        .settings
        .resolver
        .clone()
        .unwrap_or_else(|| "ADDRESS".into());
    for (d, host, site) in found {
        let in_upstream = matches!(site, Site::Upstream(_));
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
        let fix = c
            .settings
            .resolver
            .as_deref()
            .and_then(|resolver| match site {
                Site::Pass(block) => fix_proxy_pass(c, d, block, resolver, resolve_supported),
                Site::Upstream(block) => {
                    fix_upstream_server(c, d, block, resolver, resolve_supported)
                }
            });
        if let Some(diag) = c.report(RULE.code, d, span, message) {
            diag.help = Some(help);
            diag.fix = fix;
        }
    }
}
