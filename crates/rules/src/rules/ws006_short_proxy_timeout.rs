use nginx_wslint_autofix::Fix;

use crate::model::time::format_msec;
use crate::rules::fix::{add_to_block, arg_word, replace_word};
use crate::rules::{declare_rule, Checker, Intent};

declare_rule! {
    /// ## What it does
    /// Finds WebSocket locations whose effective `proxy_read_timeout` or
    /// `proxy_send_timeout` is below the minimum (300s by default;
    /// `--min-timeout` or `min-timeout` in `.nginx-wslint.toml`), including
    /// when nginx's 60s default applies. The read timeout is the tunnel's
    /// idle limit; the send timeout only runs while a write to the backend
    /// is blocked, so a short one is reported when written, and its default
    /// only next to a short read timeout.
    ///
    /// Only locations dedicated to WebSockets (by path, comment or
    /// `websocket-paths`) or declaring upgrade headers themselves are
    /// checked; a location that merely inherits server-wide upgrade headers
    /// may serve plain requests only.
    ///
    /// ## Why is this bad?
    /// In a WebSocket tunnel `proxy_read_timeout` is the idle limit: when
    /// neither side sends anything for that long, nginx closes the
    /// connection, and with the default `error` log level it logs nothing.
    /// Idle chat or dashboard sockets drop every 60 seconds.
    ///
    /// ## Example
    /// ```nginx
    /// location /ws/ {
    ///     proxy_pass http://app;
    ///     proxy_http_version 1.1;
    ///     proxy_set_header Upgrade $http_upgrade;
    ///     proxy_set_header Connection $connection_upgrade;
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```nginx
    /// location /ws/ {
    ///     ...
    ///     proxy_read_timeout 1h;
    ///     proxy_send_timeout 1h;
    /// }
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe: raising timeouts changes behaviour beyond the diagnostic
    /// (dead peers are noticed later); the fix sets both to the configured
    /// minimum. Application-level pings are the other remedy.
    pub const RULE = ("WS006", "short-proxy-timeout", Warning, Unsafe, check);
}

fn check(c: &mut Checker) {
    let min = c.settings.min_timeout_ms;
    let mut found = Vec::new();
    for loc in c
        .locations
        .iter()
        .filter(|l| l.proxies() && !l.proxy.incomplete)
    {
        match loc.intent {
            Some(Intent::Headers { own: false }) | None => continue,
            Some(_) => {}
        }
        let mut defaults = Vec::new();
        // The idle limit of a tunnel is the read timeout; the send timeout
        // runs only while a write to the backend is blocked
        // (ngx_http_upstream_process_upgraded), so its default is reported
        // only next to a short read timeout.
        let read_short = loc
            .proxy
            .read_timeout
            .value
            .is_some_and(|v| v != 0 && v < min);
        for (name, setting) in [
            ("proxy_read_timeout", loc.proxy.read_timeout),
            ("proxy_send_timeout", loc.proxy.send_timeout),
        ] {
            if name == "proxy_send_timeout" && setting.source.is_none() && !read_short {
                continue;
            }
            // 0 is WS014's; an invalid value is nginx's own error.
            let Some(value) = setting.value else { continue };
            if value == 0 || value >= min {
                continue;
            }
            match setting.source {
                Some(d) => found.push(Finding::Short {
                    directive: d,
                    value,
                    location: loc.header,
                }),
                None => defaults.push(name),
            }
        }
        if !defaults.is_empty() {
            found.push(Finding::Default {
                names: defaults,
                location: loc.header,
            });
        }
    }
    for finding in found {
        let (at, message, names) = match finding {
            Finding::Short { directive, value, location } => (
                directive,
                if c.model.name(directive) == "proxy_send_timeout" {
                    format!(
                        "`{}` closes WebSocket connections of `{}` when a write to the backend stays blocked for {}; the minimum is {}",
                        c.text(directive),
                        c.text(location),
                        format_msec(value),
                        format_msec(min)
                    )
                } else {
                    format!(
                        "`{}` closes idle WebSocket connections of `{}` after {}; the minimum is {}",
                        c.text(directive),
                        c.text(location),
                        format_msec(value),
                        format_msec(min)
                    )
                },
                vec![c.model.name(directive)],
            ),
            Finding::Default { names, location } => (
                location,
                format!(
                    "`{}` uses nginx's default {} of 60s: idle WebSocket connections are closed after a minute (minimum {})",
                    c.text(location),
                    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(" and "),
                    format_msec(min)
                ),
                names,
            ),
        };
        let span = c.header_span(at);
        let settings: Vec<String> = names
            .iter()
            .map(|n| format!("`{n} {};`", format_msec(min)))
            .collect();
        let value = format_msec(min);
        let edit = if c.model.name(at) == "location" {
            let lines: Vec<String> = names.iter().map(|n| format!("{n} {value};")).collect();
            add_to_block(c.model, at, &lines)
        } else {
            arg_word(c.model, at, 0).map(|w| replace_word(at, w, value.clone()))
        };
        let fix = edit.map(|e| Fix::unsafe_(format!("Set {}", settings.join(" and ")), vec![e]));
        if let Some(d) = c.report(RULE.code, at, span, message) {
            d.fix = fix;
            d.help = Some(format!(
                "set {} (or more), or send application pings",
                settings.join(" and ")
            ));
        }
    }
}

enum Finding<'a> {
    Short {
        directive: crate::model::DirRef<'a>,
        value: u64,
        location: crate::model::DirRef<'a>,
    },
    Default {
        names: Vec<&'static str>,
        location: crate::model::DirRef<'a>,
    },
}
