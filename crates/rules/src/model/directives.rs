//! What nginx knows about the directives the WebSocket rules touch: where
//! each may appear, how many arguments it takes, how it is inherited, and
//! its built-in default.
//!
//! Every entry mirrors an `ngx_command_t` of the nginx source: the context
//! bits (`NGX_HTTP_MAIN_CONF` → [`Context::Http`], `NGX_HTTP_SRV_CONF` →
//! [`Context::Server`], `NGX_HTTP_LOC_CONF` → [`Context::Location`],
//! `NGX_HTTP_UPS_CONF` → [`Context::Upstream`], `NGX_HTTP_LIF_CONF` →
//! [`Context::If`], `NGX_HTTP_LMT_CONF` → [`Context::LimitExcept`],
//! `NGX_HTTP_SIF_CONF` → [`DirectiveInfo::in_server_if`]), `NGX_CONF_BLOCK`
//! and the argument bits (`NGX_CONF_TAKE1`, `NGX_CONF_TAKE12`,
//! `NGX_CONF_1MORE`, ...). The source file is noted per group below.
//! Contexts and argument counts are checked against a real nginx 1.22 in
//! `tests/directives_vs_nginx.rs`; later changes (1.27.3, 1.29.3, 1.29.7)
//! follow the current source and `reference/nginx-semantics.md` §3–§6.
//!
//! [`Context::If`] is an `if` inside a `location` (nginx's "if in location",
//! `NGX_HTTP_LIF_CONF`). nginx distinguishes it from an `if` directly in a
//! `server` (`NGX_HTTP_SIF_CONF`), which the parser also calls
//! [`Context::If`]; use [`allowed_in_if`] when the enclosing block is known.
//!
//! The table describes the `http` module family only: for `stream`, `mail`,
//! value blocks (`map {}`, ...), Lua and unknown blocks it has no opinion
//! ([`in_scope`] is false there), apart from `include`, which nginx allows
//! everywhere.

use nginx_wslint_parser::Context;

use crate::model::version::Version;

/// How many arguments a directive takes (`NGX_CONF_NOARGS`, `NGX_CONF_TAKE1`,
/// ... in `src/core/ngx_conf_file.h`). nginx checks this right after the
/// context and reports `invalid number of arguments in "x" directive`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Args {
    /// `NGX_CONF_NOARGS`
    None,
    /// `NGX_CONF_TAKE1`
    Take1,
    /// `NGX_CONF_TAKE2`
    Take2,
    /// `NGX_CONF_TAKE12`: one or two.
    Take12,
    /// `NGX_CONF_TAKE23`: two or three.
    Take23,
    /// `NGX_CONF_FLAG`: exactly one, `on` or `off`.
    Flag,
    /// `NGX_CONF_1MORE`: at least one.
    OneOrMore,
}

impl Args {
    /// Whether `n` arguments (not counting the name) pass nginx's count check.
    pub fn accepts(self, n: usize) -> bool {
        match self {
            Args::None => n == 0,
            Args::Take1 | Args::Flag => n == 1,
            Args::Take2 => n == 2,
            Args::Take12 => n == 1 || n == 2,
            Args::Take23 => n == 2 || n == 3,
            Args::OneOrMore => n >= 1,
        }
    }

    /// The nginx flag name, e.g. `NGX_CONF_TAKE12`.
    pub fn nginx_name(self) -> &'static str {
        match self {
            Args::None => "NGX_CONF_NOARGS",
            Args::Take1 => "NGX_CONF_TAKE1",
            Args::Take2 => "NGX_CONF_TAKE2",
            Args::Take12 => "NGX_CONF_TAKE12",
            Args::Take23 => "NGX_CONF_TAKE23",
            Args::Flag => "NGX_CONF_FLAG",
            Args::OneOrMore => "NGX_CONF_1MORE",
        }
    }
}

/// How a directive's setting reaches nested levels (nginx-semantics §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inheritance {
    /// One value, inherited from the enclosing level when unset here
    /// (`ngx_conf_merge_*_value`). A second occurrence at the same level is
    /// an nginx error, `"x" directive is duplicate`.
    Scalar,
    /// A list, inherited only when this level defines none of it: one
    /// `proxy_set_header` in a location discards every outer one
    /// (`ngx_conf_merge_ptr_value` on the whole array).
    Array,
    /// Applies at its own level only: content handlers (`proxy_pass`, ...),
    /// `upstream{}` contents, `listen`, rewrite-module statements.
    NotInherited,
    /// Opens a block (`server`, `location`, `upstream`, `map`, ...).
    Block,
}

/// A built-in default, possibly depending on the target version.
#[derive(Debug, Clone, Copy)]
pub enum DefaultValue {
    /// No default (unset means "off" or "none").
    None,
    /// The same default in every version, as nginx's documentation writes it.
    Fixed(&'static str),
    /// A default that changed between releases.
    ByVersion(fn(Version) -> Option<&'static str>),
}

/// One `ngx_command_t`, as far as the rules need it.
#[derive(Debug)]
pub struct DirectiveInfo {
    pub name: &'static str,
    /// The nginx source file that defines it.
    pub source: &'static str,
    /// Contexts where every version in scope accepts it ([`Context::If`] =
    /// `if` in a location).
    pub contexts: &'static [Context],
    /// Contexts accepted only from a release on.
    pub later_contexts: &'static [(Context, Version)],
    /// `NGX_HTTP_SIF_CONF`: also allowed in an `if` directly inside `server`.
    pub in_server_if: bool,
    /// The first release that has the directive at all (`None`: older than
    /// anything the linter targets).
    pub since: Option<Version>,
    /// `NGX_CONF_BLOCK`: takes a `{ ... }` body instead of ending with `;`.
    pub block: bool,
    /// The argument count of the newest release; see [`Self::args_in`].
    pub args: Args,
    /// `(release, count)`: before `release` the directive took `count`
    /// arguments instead of [`Self::args`].
    pub args_before: Option<(Version, Args)>,
    pub inheritance: Inheritance,
    /// Whether it may appear more than once at one level; `false` means
    /// nginx answers `"x" directive is duplicate`.
    pub repeatable: bool,
    pub default: DefaultValue,
    /// Anything else the rules should know.
    pub note: &'static str,
}

impl DirectiveInfo {
    /// The default nginx applies when the directive is absent everywhere.
    pub fn default_value(&self, version: Version) -> Option<&'static str> {
        match self.default {
            DefaultValue::None => None,
            DefaultValue::Fixed(value) => Some(value),
            DefaultValue::ByVersion(f) => f(version),
        }
    }

    /// The argument count nginx `version` checks.
    pub fn args_in(&self, version: Version) -> Args {
        match self.args_before {
            Some((until, older)) if version < until => older,
            _ => self.args,
        }
    }

    /// Whether nginx `version` has this directive.
    pub fn exists_in(&self, version: Version) -> bool {
        self.since.is_none_or(|since| version >= since)
    }
}

/// Whether the table can judge directives in `context`: the http family
/// plus main and events. For `stream`, `mail`, value blocks, Lua and
/// unknown blocks [`allowed_in`] answers only for `include`.
pub fn in_scope(context: Context) -> bool {
    matches!(
        context,
        Context::Main
            | Context::Events
            | Context::Http
            | Context::Server
            | Context::Location
            | Context::Upstream
            | Context::If
            | Context::LimitExcept
    )
}

/// Whether nginx `version` accepts `info` in `context` (where
/// [`Context::If`] is an `if` inside a `location`). A directive the version
/// does not have is allowed nowhere (nginx: `unknown directive`).
pub fn allowed_in(info: &DirectiveInfo, context: Context, version: Version) -> bool {
    if !info.exists_in(version) {
        return false;
    }
    info.contexts.contains(&context)
        || info
            .later_contexts
            .iter()
            .any(|&(c, since)| c == context && version >= since)
}

/// Whether nginx `version` accepts `info` inside an `if` block whose
/// enclosing block has context `enclosing`: [`Context::Server`] means
/// `NGX_HTTP_SIF_CONF`, [`Context::Location`] `NGX_HTTP_LIF_CONF`; nginx
/// allows `if` nowhere else.
pub fn allowed_in_if(info: &DirectiveInfo, enclosing: Context, version: Version) -> bool {
    match enclosing {
        Context::Server => info.exists_in(version) && info.in_server_if,
        Context::Location => allowed_in(info, Context::If, version),
        _ => false,
    }
}

/// The directive named `name` (the `http`-level `server` block for
/// `"server"`; see [`lookup_in`]).
pub fn lookup(name: &str) -> Option<&'static DirectiveInfo> {
    DIRECTIVES.iter().find(|d| d.name == name)
}

/// The directive named `name` as nginx resolves it in `context`: when
/// several modules define the name (`server` in `http` and in `upstream`),
/// the one allowed there, else the first.
pub fn lookup_in(name: &str, context: Context) -> Option<&'static DirectiveInfo> {
    let mut candidates = DIRECTIVES.iter().filter(|d| d.name == name);
    let first = candidates.next()?;
    if first.contexts.contains(&context) {
        return Some(first);
    }
    Some(
        candidates
            .find(|d| {
                d.contexts.contains(&context) || d.later_contexts.iter().any(|&(c, _)| c == context)
            })
            .unwrap_or(first),
    )
}

/// The values `proxy_http_version` accepts (`ngx_http_proxy_http_version`):
/// `1.0` and `1.1`, plus `2` from 1.29.4 (in builds with
/// ngx_http_v2_module).
pub fn proxy_http_version_values(version: Version) -> &'static [&'static str] {
    if version.supports_proxy_http_version_2() {
        &["1.0", "1.1", "2"]
    } else {
        &["1.0", "1.1"]
    }
}

use Context::{Http, If, LimitExcept, Location, Server, Upstream};

const HSL: &[Context] = &[Http, Server, Location];
const HSLI: &[Context] = &[Http, Server, Location, If];
const LOC_IF: &[Context] = &[Location, If];
const SLI: &[Context] = &[Server, Location, If];
const HTTP: &[Context] = &[Http];
const UPSTREAM: &[Context] = &[Upstream];
/// `NGX_ANY_CONF` (and value blocks: `map`, `geo` and `types` read
/// `include` themselves).
const ANY: &[Context] = &[
    Context::Main,
    Context::Events,
    Http,
    Server,
    Location,
    Upstream,
    If,
    LimitExcept,
    Context::Stream,
    Context::StreamServer,
    Context::StreamUpstream,
    Context::Mail,
    Context::MailServer,
    Context::Values,
];

const PROXY: &str = "src/http/modules/ngx_http_proxy_module.c";
const CORE: &str = "src/http/ngx_http_core_module.c";
const UPSTREAM_C: &str = "src/http/ngx_http_upstream.c";
const REWRITE: &str = "src/http/modules/ngx_http_rewrite_module.c";
const HEADERS: &str = "src/http/modules/ngx_http_headers_filter_module.c";

/// A plain entry: no SIF, no version limits, not a block.
const fn entry(
    name: &'static str,
    source: &'static str,
    contexts: &'static [Context],
    args: Args,
    inheritance: Inheritance,
    repeatable: bool,
    default: DefaultValue,
) -> DirectiveInfo {
    DirectiveInfo {
        name,
        source,
        contexts,
        later_contexts: &[],
        in_server_if: false,
        since: None,
        block: false,
        args,
        args_before: None,
        inheritance,
        repeatable,
        default,
        note: "",
    }
}

/// A block directive.
const fn block(
    name: &'static str,
    source: &'static str,
    contexts: &'static [Context],
    args: Args,
    repeatable: bool,
) -> DirectiveInfo {
    DirectiveInfo {
        block: true,
        ..entry(
            name,
            source,
            contexts,
            args,
            Inheritance::Block,
            repeatable,
            DefaultValue::None,
        )
    }
}

/// `ngx_conf_set_msec_slot` timeouts: http/server/location, scalar.
const fn timeout(name: &'static str, source: &'static str, default: &'static str) -> DirectiveInfo {
    entry(
        name,
        source,
        HSL,
        Args::Take1,
        Inheritance::Scalar,
        false,
        DefaultValue::Fixed(default),
    )
}

/// A content handler that works in a location and an `if` in it.
const fn pass(name: &'static str, source: &'static str, note: &'static str) -> DirectiveInfo {
    DirectiveInfo {
        note,
        ..entry(
            name,
            source,
            LOC_IF,
            Args::Take1,
            Inheritance::NotInherited,
            false,
            DefaultValue::None,
        )
    }
}

/// A rewrite-module statement (`NGX_HTTP_SRV_CONF|NGX_HTTP_SIF_CONF|
/// NGX_HTTP_LOC_CONF|NGX_HTTP_LIF_CONF`): runs where it is written.
const fn rewrite_statement(name: &'static str, args: Args, note: &'static str) -> DirectiveInfo {
    DirectiveInfo {
        in_server_if: true,
        note,
        ..entry(
            name,
            REWRITE,
            SLI,
            args,
            Inheritance::NotInherited,
            true,
            DefaultValue::None,
        )
    }
}

fn proxy_http_version_default(version: Version) -> Option<&'static str> {
    Some(version.proxy_http_version_default())
}

fn proxy_set_header_default(version: Version) -> Option<&'static str> {
    // ngx_http_proxy_headers[]; nginx-semantics §3 (the docs' "Connection
    // close" is stale from 1.29.7 on).
    Some(if version.sends_connection_close_by_default() {
        "Host $proxy_host; Connection close"
    } else {
        "Host $proxy_internal_host"
    })
}

fn keepalive_default(version: Version) -> Option<&'static str> {
    // nginx-semantics §4: explicit upstream{} blocks only.
    version
        .at_least(Version::HTTP11_PROXY_DEFAULT)
        .then_some("32 local")
}

/// Every directive the rules know, grouped by source file.
pub static DIRECTIVES: &[DirectiveInfo] = &[
    // --- src/http/modules/ngx_http_proxy_module.c (ngx_http_proxy_commands)
    DirectiveInfo {
        contexts: &[Location, If, LimitExcept],
        ..pass(
            "proxy_pass",
            PROXY,
            "NGX_HTTP_LOC_CONF|NGX_HTTP_LIF_CONF|NGX_HTTP_LMT_CONF; a limit_except \
             without its own proxy_pass uses the location's; no URI part in a regex or \
             named location, an if or a limit_except (nginx-semantics §5)",
        )
    },
    DirectiveInfo {
        note: "ngx_conf_set_keyval_slot; duplicate names are all sent; an empty value \
               omits the header; built-in headers are added for names not set \
               (nginx-semantics §3)",
        ..entry(
            "proxy_set_header",
            PROXY,
            HSL,
            Args::Take2,
            Inheritance::Array,
            true,
            DefaultValue::ByVersion(proxy_set_header_default),
        )
    },
    DirectiveInfo {
        note: "ngx_conf_set_str_array_slot; if neither proxy_hide_header nor \
               proxy_pass_header is set at a level both lists are inherited, otherwise \
               each only when unset there; Date, Server, X-Pad, X-Accel-* are always \
               hidden (ngx_http_upstream_hide_headers_hash)",
        ..entry(
            "proxy_hide_header",
            PROXY,
            HSL,
            Args::Take1,
            Inheritance::Array,
            true,
            DefaultValue::None,
        )
    },
    DirectiveInfo {
        note: "inherited together with proxy_hide_header (see there)",
        ..entry(
            "proxy_pass_header",
            PROXY,
            HSL,
            Args::Take1,
            Inheritance::Array,
            true,
            DefaultValue::None,
        )
    },
    DirectiveInfo {
        note: "ngx_conf_set_enum_slot: 1.0, 1.1, and 2 from 1.29.4 \
               (proxy_http_version_values)",
        ..entry(
            "proxy_http_version",
            PROXY,
            HSL,
            Args::Take1,
            Inheritance::Scalar,
            false,
            DefaultValue::ByVersion(proxy_http_version_default),
        )
    },
    timeout("proxy_read_timeout", PROXY, "60s"),
    timeout("proxy_send_timeout", PROXY, "60s"),
    DirectiveInfo {
        note: "cannot usually exceed 75 seconds (ngx_http_proxy_module docs)",
        ..timeout("proxy_connect_timeout", PROXY, "60s")
    },
    DirectiveInfo {
        note: "ngx_conf_set_flag_slot; does not affect an upgraded (WebSocket) \
               connection (nginx-semantics §4)",
        ..entry(
            "proxy_buffering",
            PROXY,
            HSL,
            Args::Flag,
            Inheritance::Scalar,
            false,
            DefaultValue::Fixed("on"),
        )
    },
    DirectiveInfo {
        note: "a list of rewrites (off clears it); inherited when the level has none",
        ..entry(
            "proxy_redirect",
            PROXY,
            HSL,
            Args::Take12,
            Inheritance::Array,
            true,
            DefaultValue::Fixed("default"),
        )
    },
    // --- src/http/ngx_http_core_module.c (ngx_http_core_commands); in
    // `upstream` from 1.27.3 through src/http/ngx_http_upstream.c
    // (NGX_HTTP_UPS_CONF, under NGX_HTTP_UPSTREAM_ZONE).
    DirectiveInfo {
        later_contexts: &[(Upstream, Version::UPSTREAM_RESOLVE)],
        note: "ngx_http_core_resolver: \"is duplicate\" when repeated; an unset level \
               inherits the outer resolver; nginx does not read /etc/resolv.conf \
               (nginx-semantics §5)",
        ..entry(
            "resolver",
            CORE,
            HSL,
            Args::OneOrMore,
            Inheritance::Scalar,
            false,
            DefaultValue::None,
        )
    },
    DirectiveInfo {
        later_contexts: &[(Upstream, Version::UPSTREAM_RESOLVE)],
        ..timeout("resolver_timeout", CORE, "30s")
    },
    DirectiveInfo {
        note: "core send_timeout also limits writes to the client of an upgraded \
               connection (nginx-semantics §4)",
        ..timeout("send_timeout", CORE, "60s")
    },
    block("server", CORE, HTTP, Args::None, true),
    block("location", CORE, &[Server, Location], Args::Take12, true),
    DirectiveInfo {
        block: true,
        note: "limit_except inherits the location's proxy_pass",
        ..entry(
            "limit_except",
            CORE,
            &[Location],
            Args::OneOrMore,
            Inheritance::Block,
            false,
            DefaultValue::None,
        )
    },
    entry(
        "listen",
        CORE,
        &[Server],
        Args::OneOrMore,
        Inheritance::NotInherited,
        true,
        DefaultValue::Fixed("*:80 | *:8000"),
    ),
    entry(
        "server_name",
        CORE,
        &[Server],
        Args::OneOrMore,
        Inheritance::NotInherited,
        true,
        DefaultValue::Fixed("\"\""),
    ),
    entry(
        "root",
        CORE,
        HSLI,
        Args::Take1,
        Inheritance::Scalar,
        false,
        DefaultValue::Fixed("html"),
    ),
    // --- src/http/ngx_http_upstream.c (ngx_http_upstream_commands) and the
    // balancer modules src/http/modules/ngx_http_upstream_*_module.c.
    block("upstream", UPSTREAM_C, HTTP, Args::Take1, true),
    DirectiveInfo {
        note: "the upstream server directive (NGX_HTTP_UPS_CONF), not the http \
               server block; `resolve` in open source from 1.27.3",
        ..entry(
            "server",
            UPSTREAM_C,
            UPSTREAM,
            Args::OneOrMore,
            Inheritance::NotInherited,
            true,
            DefaultValue::None,
        )
    },
    DirectiveInfo {
        note: "ngx_http_upstream_zone has no duplicate check: a second zone replaces \
               the first; needed for `server ... resolve` (nginx-semantics §5)",
        ..entry(
            "zone",
            "src/http/modules/ngx_http_upstream_zone_module.c",
            UPSTREAM,
            Args::Take12,
            Inheritance::NotInherited,
            true,
            DefaultValue::None,
        )
    },
    DirectiveInfo {
        // The `local` parameter: nginx/nginx PR #1080, merged 2026-03-23 for 1.29.7.
        args_before: Some((Version::HTTP11_PROXY_DEFAULT, Args::Take1)),
        note: "`keepalive N [local]` from 1.29.7 (one argument before); from 1.29.7 \
               explicit upstream{} blocks default to `keepalive 32 local` and \
               `keepalive 0` turns that off (nginx-semantics §4)",
        ..entry(
            "keepalive",
            "src/http/modules/ngx_http_upstream_keepalive_module.c",
            UPSTREAM,
            Args::Take12,
            Inheritance::NotInherited,
            false,
            DefaultValue::ByVersion(keepalive_default),
        )
    },
    DirectiveInfo {
        note: "repeating a balancing method only warns \"load balancing method redefined\"",
        ..entry(
            "ip_hash",
            "src/http/modules/ngx_http_upstream_ip_hash_module.c",
            UPSTREAM,
            Args::None,
            Inheritance::NotInherited,
            true,
            DefaultValue::None,
        )
    },
    entry(
        "hash",
        "src/http/modules/ngx_http_upstream_hash_module.c",
        UPSTREAM,
        Args::Take12,
        Inheritance::NotInherited,
        true,
        DefaultValue::None,
    ),
    entry(
        "least_conn",
        "src/http/modules/ngx_http_upstream_least_conn_module.c",
        UPSTREAM,
        Args::None,
        Inheritance::NotInherited,
        true,
        DefaultValue::None,
    ),
    // --- variables: src/http/modules/ngx_http_map_module.c,
    // ngx_http_geo_module.c, ngx_http_split_clients_module.c (http only).
    block(
        "map",
        "src/http/modules/ngx_http_map_module.c",
        HTTP,
        Args::Take2,
        true,
    ),
    block(
        "geo",
        "src/http/modules/ngx_http_geo_module.c",
        HTTP,
        Args::Take12,
        true,
    ),
    block(
        "split_clients",
        "src/http/modules/ngx_http_split_clients_module.c",
        HTTP,
        Args::Take2,
        true,
    ),
    // --- src/http/modules/ngx_http_rewrite_module.c (ngx_http_rewrite_commands)
    rewrite_statement(
        "set",
        Args::Take2,
        "runs in the rewrite phase of its own level (server-level set runs before \
         location selection)",
    ),
    rewrite_statement("return", Args::Take12, ""),
    rewrite_statement("rewrite", Args::Take23, ""),
    DirectiveInfo {
        note: "an if block is an anonymous location merged from the enclosing one: \
               array directives inside it replace the location's (nginx-semantics §3)",
        ..block("if", REWRITE, &[Server, Location], Args::OneOrMore, true)
    },
    // --- src/http/modules/ngx_http_headers_filter_module.c
    DirectiveInfo {
        note: "sent only for 200, 201, 204, 206, 301, 302, 303, 304, 307, 308 unless \
               `always` is given, so not on a 101 WebSocket handshake \
               (nginx-semantics §3)",
        ..entry(
            "add_header",
            HEADERS,
            HSLI,
            Args::Take23,
            Inheritance::Array,
            true,
            DefaultValue::None,
        )
    },
    DirectiveInfo {
        since: Some(Version::ADD_HEADER_INHERIT),
        note: "on (inherit when the level has no add_header), off, or merge",
        ..entry(
            "add_header_inherit",
            HEADERS,
            HSLI,
            Args::Take1,
            Inheritance::Scalar,
            false,
            DefaultValue::Fixed("on"),
        )
    },
    // --- other content handlers: src/http/modules/ngx_http_{fastcgi,uwsgi,
    // scgi,grpc,memcached}_module.c (NGX_HTTP_LOC_CONF|NGX_HTTP_LIF_CONF|
    // NGX_CONF_TAKE1).
    pass(
        "fastcgi_pass",
        "src/http/modules/ngx_http_fastcgi_module.c",
        "no upgrade (WebSocket) support",
    ),
    pass(
        "uwsgi_pass",
        "src/http/modules/ngx_http_uwsgi_module.c",
        "supports WebSocket upgrades (since 1.3.14)",
    ),
    pass(
        "scgi_pass",
        "src/http/modules/ngx_http_scgi_module.c",
        "supports WebSocket upgrades (since 1.3.14)",
    ),
    pass(
        "grpc_pass",
        "src/http/modules/ngx_http_grpc_module.c",
        "no upgrade (WebSocket) support",
    ),
    pass(
        "memcached_pass",
        "src/http/modules/ngx_http_memcached_module.c",
        "no upgrade (WebSocket) support",
    ),
    // --- src/core/ngx_conf_file.c (ngx_conf_commands: NGX_ANY_CONF|NGX_CONF_TAKE1)
    DirectiveInfo {
        in_server_if: true,
        note: "read in place: the included files' directives belong to the including \
               block; a glob matching nothing is fine",
        ..entry(
            "include",
            "src/core/ngx_conf_file.c",
            ANY,
            Args::Take1,
            Inheritance::NotInherited,
            true,
            DefaultValue::None,
        )
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    const V122: Version = Version::new(1, 22, 0);
    const V126: Version = Version::DEFAULT_TARGET;
    const V128: Version = Version::new(1, 28, 0);
    const V130: Version = Version::new(1, 30, 0);

    #[test]
    fn knows_every_directive_the_rules_touch() {
        for name in [
            "proxy_pass",
            "proxy_set_header",
            "proxy_hide_header",
            "proxy_pass_header",
            "proxy_http_version",
            "proxy_read_timeout",
            "proxy_send_timeout",
            "proxy_connect_timeout",
            "proxy_buffering",
            "proxy_redirect",
            "resolver",
            "resolver_timeout",
            "upstream",
            "server",
            "zone",
            "keepalive",
            "ip_hash",
            "hash",
            "least_conn",
            "map",
            "set",
            "geo",
            "split_clients",
            "location",
            "if",
            "add_header",
            "add_header_inherit",
            "fastcgi_pass",
            "uwsgi_pass",
            "scgi_pass",
            "grpc_pass",
            "memcached_pass",
            "listen",
            "server_name",
            "include",
            "return",
            "rewrite",
            "root",
            "limit_except",
            "send_timeout",
        ] {
            assert!(lookup(name).is_some(), "{name}");
        }
        assert!(lookup("proxy_pass_request_body").is_none());
        assert!(lookup("Proxy_pass").is_none(), "names are case-sensitive");
    }

    #[test]
    fn names_are_unique_per_context() {
        for (i, a) in DIRECTIVES.iter().enumerate() {
            for b in &DIRECTIVES[i + 1..] {
                if a.name == b.name {
                    assert!(
                        !a.contexts.iter().any(|c| b.contexts.contains(c)),
                        "{} twice in one context",
                        a.name
                    );
                }
            }
        }
    }

    #[test]
    fn proxy_directives_are_not_allowed_in_if() {
        for name in [
            "proxy_set_header",
            "proxy_http_version",
            "proxy_read_timeout",
            "proxy_send_timeout",
            "proxy_connect_timeout",
            "proxy_buffering",
            "proxy_hide_header",
        ] {
            let info = lookup(name).unwrap();
            for context in [Http, Server, Location] {
                assert!(allowed_in(info, context, V126), "{name} in {context}");
            }
            assert!(!allowed_in(info, If, V126), "{name} in if");
            assert!(
                !allowed_in(info, LimitExcept, V126),
                "{name} in limit_except"
            );
            assert!(!allowed_in_if(info, Server, V126), "{name} in server if");
        }
    }

    #[test]
    fn pass_directives() {
        let proxy_pass = lookup("proxy_pass").unwrap();
        assert!(allowed_in(proxy_pass, Location, V122));
        assert!(allowed_in(proxy_pass, If, V122));
        assert!(allowed_in(proxy_pass, LimitExcept, V122));
        assert!(!allowed_in(proxy_pass, Server, V122));
        assert!(!allowed_in(proxy_pass, Http, V122));
        assert!(!allowed_in_if(proxy_pass, Server, V122), "no SIF");
        assert!(!proxy_pass.repeatable);
        for name in [
            "fastcgi_pass",
            "uwsgi_pass",
            "scgi_pass",
            "grpc_pass",
            "memcached_pass",
        ] {
            let info = lookup(name).unwrap();
            assert!(allowed_in(info, Location, V126) && allowed_in(info, If, V126));
            assert!(!allowed_in(info, LimitExcept, V126) && !allowed_in(info, Server, V126));
        }
    }

    #[test]
    fn resolver_in_upstream_from_1_27_3() {
        for name in ["resolver", "resolver_timeout"] {
            let info = lookup(name).unwrap();
            assert!(allowed_in(info, Http, V122));
            assert!(!allowed_in(info, Upstream, V126), "{name}");
            assert!(
                !allowed_in(info, Upstream, Version::new(1, 27, 2)),
                "{name}"
            );
            assert!(
                allowed_in(info, Upstream, Version::UPSTREAM_RESOLVE),
                "{name}"
            );
            assert!(allowed_in(info, Upstream, V128), "{name}");
            assert_eq!(lookup_in(name, Upstream).unwrap().name, name);
        }
    }

    #[test]
    fn server_means_two_directives() {
        let http_server = lookup("server").unwrap();
        assert!(http_server.block && allowed_in(http_server, Http, V126));
        let upstream_server = lookup_in("server", Upstream).unwrap();
        assert!(!upstream_server.block);
        assert_eq!(upstream_server.args, Args::OneOrMore);
        assert!(allowed_in(upstream_server, Upstream, V126));
        assert!(!allowed_in(upstream_server, Http, V126));
        assert!(std::ptr::eq(
            lookup_in("server", Http).unwrap(),
            http_server
        ));
        // Allowed in neither: the first (http) entry, which says no.
        let in_location = lookup_in("server", Location).unwrap();
        assert!(!allowed_in(in_location, Location, V126));
    }

    #[test]
    fn http_only_blocks_and_if() {
        for name in ["map", "upstream", "geo", "split_clients"] {
            let info = lookup(name).unwrap();
            assert!(info.block, "{name}");
            assert!(allowed_in(info, Http, V126), "{name}");
            assert!(!allowed_in(info, Server, V126), "{name}");
        }
        let r#if = lookup("if").unwrap();
        assert!(allowed_in(r#if, Server, V126) && allowed_in(r#if, Location, V126));
        assert!(!allowed_in(r#if, If, V126), "no if inside if");
        for name in ["set", "return", "rewrite"] {
            let info = lookup(name).unwrap();
            assert!(allowed_in(info, If, V126) && allowed_in_if(info, Server, V126));
            assert!(
                !allowed_in(info, Http, V126),
                "{name} is not an http directive"
            );
        }
        let add_header = lookup("add_header").unwrap();
        assert!(allowed_in(add_header, If, V126));
        assert!(!allowed_in_if(add_header, Server, V126));
        assert!(!allowed_in_if(add_header, Http, V126));
    }

    #[test]
    fn versioned_directives_and_defaults() {
        let inherit = lookup("add_header_inherit").unwrap();
        assert!(!allowed_in(inherit, Location, V126));
        assert!(!allowed_in(inherit, Location, Version::new(1, 29, 2)));
        assert!(allowed_in(inherit, If, Version::ADD_HEADER_INHERIT));
        assert_eq!(inherit.default_value(V130), Some("on"));

        let version = lookup("proxy_http_version").unwrap();
        assert_eq!(version.default_value(V126), Some("1.0"));
        assert_eq!(
            version.default_value(Version::HTTP11_PROXY_DEFAULT),
            Some("1.1")
        );
        assert_eq!(proxy_http_version_values(V126), ["1.0", "1.1"]);
        assert_eq!(proxy_http_version_values(V130), ["1.0", "1.1", "2"]);

        let headers = lookup("proxy_set_header").unwrap();
        assert!(headers
            .default_value(V126)
            .unwrap()
            .contains("Connection close"));
        assert!(!headers.default_value(V130).unwrap().contains("Connection"));

        let keepalive = lookup("keepalive").unwrap();
        assert_eq!(keepalive.args_in(V128), Args::Take1);
        assert_eq!(keepalive.args_in(V130), Args::Take12);
        assert_eq!(lookup("zone").unwrap().args_in(V122), Args::Take12);
        assert_eq!(keepalive.default_value(V128), None);
        assert_eq!(keepalive.default_value(V130), Some("32 local"));

        for name in [
            "proxy_read_timeout",
            "proxy_send_timeout",
            "proxy_connect_timeout",
        ] {
            let info = lookup(name).unwrap();
            assert_eq!(info.default_value(V122), Some("60s"));
            assert_eq!(info.inheritance, Inheritance::Scalar);
            assert!(!info.repeatable);
        }
        assert_eq!(lookup("proxy_buffering").unwrap().args, Args::Flag);
        assert_eq!(
            lookup("resolver_timeout").unwrap().default_value(V126),
            Some("30s")
        );
        assert_eq!(lookup("proxy_pass").unwrap().default_value(V126), None);
    }

    #[test]
    fn inheritance_kinds() {
        for name in [
            "proxy_set_header",
            "add_header",
            "proxy_hide_header",
            "proxy_pass_header",
        ] {
            let info = lookup(name).unwrap();
            assert_eq!(info.inheritance, Inheritance::Array, "{name}");
            assert!(info.repeatable, "{name}");
        }
        for name in ["proxy_http_version", "resolver", "root", "send_timeout"] {
            assert_eq!(
                lookup(name).unwrap().inheritance,
                Inheritance::Scalar,
                "{name}"
            );
        }
        for name in [
            "location",
            "server",
            "upstream",
            "map",
            "if",
            "limit_except",
        ] {
            assert_eq!(
                lookup(name).unwrap().inheritance,
                Inheritance::Block,
                "{name}"
            );
        }
        assert_eq!(
            lookup("proxy_pass").unwrap().inheritance,
            Inheritance::NotInherited
        );
        // Every scalar is a duplicate error, as ngx_conf_set_*_slot makes it.
        for info in DIRECTIVES {
            if info.inheritance == Inheritance::Scalar {
                assert!(!info.repeatable, "{}", info.name);
            }
        }
    }

    #[test]
    fn argument_counts() {
        assert!(Args::Take12.accepts(1) && Args::Take12.accepts(2) && !Args::Take12.accepts(3));
        assert!(!Args::Take23.accepts(1) && Args::Take23.accepts(3));
        assert!(Args::OneOrMore.accepts(9) && !Args::OneOrMore.accepts(0));
        assert!(Args::None.accepts(0) && !Args::None.accepts(1));
        assert!(Args::Flag.accepts(1) && !Args::Flag.accepts(2));
        assert_eq!(
            lookup("location").unwrap().args.nginx_name(),
            "NGX_CONF_TAKE12"
        );
    }

    #[test]
    fn include_goes_anywhere_the_table_judges() {
        let include = lookup("include").unwrap();
        for context in [
            Context::Main,
            Context::Events,
            Http,
            Server,
            Location,
            Upstream,
            If,
            LimitExcept,
        ] {
            assert!(in_scope(context));
            assert!(allowed_in(include, context, V122), "{context}");
        }
        assert!(allowed_in_if(include, Server, V122));
        assert!(!in_scope(Context::Stream) && !in_scope(Context::Values));
    }
}
