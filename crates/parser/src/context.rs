//! Configuration contexts (`main`, `http`, `server`, `location`, ...) and how
//! the context of a lone fragment is inferred.

use std::fmt;
use std::str::FromStr;

use crate::ast::Node;
use crate::SourceFile;

/// The block a directive sits in, as nginx's context flags name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Context {
    Main,
    Events,
    Http,
    Server,
    Location,
    Upstream,
    If,
    LimitExcept,
    Stream,
    StreamServer,
    StreamUpstream,
    Mail,
    MailServer,
    /// The body of `map`, `types`, `geo`, `split_clients`, `charset_map`.
    Values,
    /// The body of an OpenResty `*_by_lua_block`.
    Lua,
    /// Any block nginx-wslint does not model (third-party modules).
    Other,
}

impl Context {
    pub const NAMES: &'static [&'static str] = &[
        "main",
        "events",
        "http",
        "server",
        "location",
        "upstream",
        "if",
        "limit_except",
        "stream",
        "stream-server",
        "stream-upstream",
        "mail",
        "mail-server",
    ];

    pub fn name(self) -> &'static str {
        match self {
            Context::Main => "main",
            Context::Events => "events",
            Context::Http => "http",
            Context::Server => "server",
            Context::Location => "location",
            Context::Upstream => "upstream",
            Context::If => "if",
            Context::LimitExcept => "limit_except",
            Context::Stream => "stream",
            Context::StreamServer => "stream-server",
            Context::StreamUpstream => "stream-upstream",
            Context::Mail => "mail",
            Context::MailServer => "mail-server",
            Context::Values => "values",
            Context::Lua => "lua",
            Context::Other => "other",
        }
    }

    /// The context inside a block directive named `name` in this context.
    pub fn child(self, name: &str) -> Context {
        use Context::*;
        if crate::ast::is_lua_block(name) {
            return Lua;
        }
        if crate::ast::is_values_block(name) {
            return Values;
        }
        match (self, name) {
            (Main, "events") => Events,
            (Main, "http") => Http,
            (Main, "stream") => Stream,
            (Main, "mail") => Mail,
            (Http, "server") => Server,
            (Http, "upstream") => Upstream,
            (Server | Location, "location") => Location,
            (Server | Location, "if") => If,
            (Location, "limit_except") => LimitExcept,
            (Stream, "server") => StreamServer,
            (Stream, "upstream") => StreamUpstream,
            (Mail, "server") => MailServer,
            _ => Other,
        }
    }
}

impl fmt::Display for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Context {
    type Err = String;

    fn from_str(s: &str) -> Result<Context, String> {
        let context = match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "main" => Context::Main,
            "events" => Context::Events,
            "http" => Context::Http,
            "server" => Context::Server,
            "location" => Context::Location,
            "upstream" => Context::Upstream,
            "if" => Context::If,
            "limit-except" => Context::LimitExcept,
            "stream" => Context::Stream,
            "stream-server" => Context::StreamServer,
            "stream-upstream" => Context::StreamUpstream,
            "mail" => Context::Mail,
            "mail-server" => Context::MailServer,
            _ => {
                return Err(format!(
                    "unknown context \"{s}\"; expected one of: {}",
                    Context::NAMES.join(", ")
                ))
            }
        };
        Ok(context)
    }
}

/// The marker that sets a fragment's context in a comment.
const CONTEXT_MARKER: &str = "nginx-wslint:";

/// The context a `# nginx-wslint: context=NAME` comment at the top level of
/// the file declares, if any. An unknown name is returned as an error.
pub fn declared_context(file: &SourceFile) -> Option<Result<Context, String>> {
    file.items().iter().find_map(|node| match node {
        Node::Comment(c) => {
            let text = file.comment_text(c);
            let rest = text.trim().strip_prefix(CONTEXT_MARKER)?;
            let value = rest.trim().strip_prefix("context=")?;
            let value = value.split_whitespace().next().unwrap_or("");
            Some(value.parse::<Context>())
        }
        Node::Directive(_) => None,
    })
}

/// Infers the context a stand-alone file is meant for from its top-level
/// directives (SPEC §2): `http`/`events` (and other main-only directives)
/// mean main; `server`/`upstream`/`map` mean http; `location` and `proxy_*`
/// mean server, except `proxy_pass` (and the other `*_pass` directives),
/// which nginx allows only in a location. A file with none of these is read
/// as main, as nginx reads a file given with `-c`.
pub fn infer_context(file: &SourceFile) -> Context {
    // The outermost context any top-level directive needs wins; a
    // location-only directive beats the `proxy_*` hint, which is also valid
    // in a location.
    let mut needs = [false; 4]; // main, http, server, location
    let mut proxy_hint = false;
    for directive in file.items().iter().filter_map(Node::as_directive) {
        let level = match file.name(directive) {
            "http"
            | "events"
            | "stream"
            | "mail"
            | "user"
            | "worker_processes"
            | "pid"
            | "load_module"
            | "worker_rlimit_nofile"
            | "daemon"
            | "master_process"
            | "worker_cpu_affinity"
            | "env" => 0,
            "server"
            | "upstream"
            | "map"
            | "geo"
            | "split_clients"
            | "log_format"
            | "limit_req_zone"
            | "limit_conn_zone"
            | "proxy_cache_path"
            | "variables_hash_max_size"
            | "server_names_hash_bucket_size" => 1,
            "location" | "listen" | "server_name" => 2,
            "proxy_pass" | "fastcgi_pass" | "uwsgi_pass" | "scgi_pass" | "grpc_pass"
            | "memcached_pass" | "limit_except" => 3,
            n if n.starts_with("proxy_") => {
                proxy_hint = true;
                continue;
            }
            _ => continue,
        };
        needs[level] = true;
    }
    const LEVELS: [Context; 4] = [
        Context::Main,
        Context::Http,
        Context::Server,
        Context::Location,
    ];
    match needs.iter().position(|&n| n) {
        Some(level) => LEVELS[level],
        None if proxy_hint => Context::Server,
        None => Context::Main,
    }
}

/// The context an entry file is read in: its own `# nginx-wslint:
/// context=` comment first (the most specific), then `--context`, then
/// inference. An unknown name in the comment is an error.
pub fn resolve_context(file: &SourceFile, cli: Option<Context>) -> Result<Context, String> {
    match declared_context(file) {
        Some(declared) => declared,
        None => Ok(cli.unwrap_or_else(|| infer_context(file))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn infer(src: &str) -> Context {
        infer_context(&SourceFile::parse("t.conf", src.as_bytes().to_vec()))
    }

    #[test]
    fn infers_context_from_top_level_directives() {
        assert_eq!(infer("events {} http {}"), Context::Main);
        assert_eq!(infer("map $a $b { default 1; } server { }"), Context::Http);
        assert_eq!(infer("upstream be { server 127.0.0.1; }"), Context::Http);
        assert_eq!(infer("location / { }"), Context::Server);
        assert_eq!(infer("proxy_set_header Host $host;"), Context::Server);
        assert_eq!(
            infer("proxy_pass http://app; proxy_set_header A b;"),
            Context::Location
        );
        assert_eq!(infer("location / {} server {}"), Context::Http);
        assert_eq!(infer("add_header X 1;"), Context::Main);
    }

    #[test]
    fn a_comment_declares_the_context() {
        let file = SourceFile::parse(
            "t.conf",
            b"# nginx-wslint: context=location\nproxy_set_header A b;".to_vec(),
        );
        assert_eq!(declared_context(&file), Some(Ok(Context::Location)));
        let file = SourceFile::parse("t.conf", b"# nginx-wslint: context=bogus\n".to_vec());
        assert!(matches!(declared_context(&file), Some(Err(_))));
        let file = SourceFile::parse("t.conf", b"# just a comment\n".to_vec());
        assert_eq!(declared_context(&file), None);
    }

    #[test]
    fn the_file_comment_beats_the_option_which_beats_inference() {
        let commented = SourceFile::parse(
            "t.conf",
            b"# nginx-wslint: context=http\nlocation / {}".to_vec(),
        );
        let plain = SourceFile::parse("t.conf", b"location / {}".to_vec());
        assert_eq!(
            resolve_context(&commented, Some(Context::Main)),
            Ok(Context::Http)
        );
        assert_eq!(
            resolve_context(&plain, Some(Context::Location)),
            Ok(Context::Location)
        );
        assert_eq!(resolve_context(&plain, None), Ok(Context::Server));
    }
}
