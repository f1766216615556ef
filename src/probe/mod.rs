//! `nginx-wslint probe URL` (issue 9): a real WebSocket handshake against a
//! live endpoint, then a ping and text echo and an optional idle hold, each
//! step timed; a failure is classified with what it usually means behind
//! nginx and the rule that covers the configuration mistake.

mod classify;
mod conn;
mod handshake;
mod tls;
mod url;

use std::io::{self, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Args;
use nginx_wslint_rules::model::time::parse_msec;
use serde::Serialize;

use crate::cli::RouteFormat;
use classify::{Classification, Origin};
use conn::{Conn, Message, ReadError, Stream};
use handshake::{Header, Response};
use url::Target;

#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// The endpoint: `ws://HOST[:PORT]/PATH` or `wss://...` (http:// and
    /// https:// are read as ws:// and wss://).
    pub url: String,

    /// After the echo, send nothing for this long (nginx time syntax: 75s,
    /// 2m), then check with a ping that the connection is still open.
    #[arg(long, value_name = "DURATION")]
    pub idle: Option<String>,

    /// An extra request header, `Name: value` (repeatable); it replaces a
    /// default header of the same name (Host, User-Agent, ...).
    #[arg(long = "header", short = 'H', value_name = "K:V")]
    pub headers: Vec<String>,

    /// The Origin header to send (browsers always send one; servers often
    /// check it).
    #[arg(long)]
    pub origin: Option<String>,

    /// Trust the CA certificates of this PEM file instead of the built-in
    /// Mozilla roots (wss://).
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<PathBuf>,

    /// Do not verify the server's certificate (wss:// to self-signed
    /// endpoints).
    #[arg(long, conflicts_with = "cacert")]
    pub insecure: bool,

    /// How long to wait for the connection and for each answer (nginx time
    /// syntax).
    #[arg(long, value_name = "DURATION", default_value = "10s")]
    pub timeout: String,

    /// How to print the report.
    #[arg(long, value_enum, default_value_t = RouteFormat::Full)]
    pub output_format: RouteFormat,
}

/// Exit statuses: the endpoint works, or the probe found a failure (usage
/// errors are returned as `Err` and exit with 2).
const EXIT_WORKS: u8 = 0;
const EXIT_FAILURE: u8 = 1;

/// One timed step of the probe.
#[derive(Debug, Serialize)]
struct Step {
    name: &'static str,
    ok: bool,
    /// Milliseconds, to a tenth.
    millis: f64,
    detail: String,
}

#[derive(Serialize)]
struct Report {
    url: String,
    ok: bool,
    steps: Vec<Step>,
    classification: Classification,
}

struct Options {
    target: Target,
    headers: Vec<Header>,
    origin: Option<String>,
    tls: Option<std::sync::Arc<rustls::ClientConfig>>,
    timeout: Duration,
    idle: Option<Duration>,
}

pub fn run(args: ProbeArgs) -> Result<u8, String> {
    let target = Target::parse(&args.url)?;
    let headers = args
        .headers
        .iter()
        .map(|h| Header::parse(h))
        .collect::<Result<Vec<_>, _>>()?;
    let duration = |flag: &str, v: &str| {
        parse_msec(v)
            .map(Duration::from_millis)
            .map_err(|e| format!("{flag} {v}: {e}"))
    };
    let idle = args
        .idle
        .as_deref()
        .map(|v| duration("--idle", v))
        .transpose()?;
    let timeout = duration("--timeout", &args.timeout)?;
    if timeout.is_zero() {
        return Err("--timeout must be longer than 0".into());
    }
    if let Some(origin) = &args.origin {
        Header::parse(&format!("Origin: {origin}"))?;
    }
    let tls = if target.tls {
        let trust = match (&args.cacert, args.insecure) {
            (_, true) => tls::Trust::Insecure,
            (Some(path), false) => tls::Trust::CaFile(path),
            (None, false) => tls::Trust::MozillaRoots,
        };
        Some(tls::config(trust)?)
    } else {
        None
    };
    let options = Options {
        target,
        headers,
        origin: args.origin.clone(),
        tls,
        timeout,
        idle,
    };
    let mut steps = Vec::new();
    let classification = match probe(&options, &mut steps) {
        Ok(c) | Err(c) => c,
    };
    let report = Report {
        url: options.target.to_string(),
        ok: classification.is_ok(),
        steps,
        classification,
    };
    let stdout = io::stdout();
    let mut out = stdout.lock();
    match args.output_format {
        RouteFormat::Json => serde_json::to_writer_pretty(&mut out, &report)
            .map_err(io::Error::other)
            .and_then(|_| writeln!(out)),
        RouteFormat::Full => print_human(&mut out, &report),
    }
    .and_then(|_| out.flush())
    .map_err(|e| format!("cannot write output: {e}"))?;
    Ok(if report.ok { EXIT_WORKS } else { EXIT_FAILURE })
}

fn print_human(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    writeln!(out, "probe {}", report.url)?;
    for step in &report.steps {
        writeln!(
            out,
            "  {:<4}  {:<9} {:>9.1} ms  {}",
            if step.ok { "ok" } else { "FAIL" },
            step.name,
            step.millis,
            step.detail
        )?;
    }
    let c = &report.classification;
    if c.is_ok() {
        writeln!(out, "ok: {}", c.message)?;
    } else {
        writeln!(out, "failed ({}): {}", c.kind, c.message)?;
    }
    for code in &c.rules {
        match nginx_wslint_rules::rules::find(code) {
            Some(rule) => writeln!(
                out,
                "  see {code} {} (`nginx-wslint rule {code}`)",
                rule.code.name
            )?,
            None => writeln!(out, "  see {code}")?,
        }
    }
    Ok(())
}

fn millis(since: Instant) -> f64 {
    (since.elapsed().as_secs_f64() * 10_000.0).round() / 10.0
}

fn ms_text(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Records a step.
fn step(steps: &mut Vec<Step>, name: &'static str, ok: bool, start: Instant, detail: String) {
    steps.push(Step {
        name,
        ok,
        millis: millis(start),
        detail,
    });
}

/// Records a failed step and returns the classification to stop with.
fn fail(
    steps: &mut Vec<Step>,
    name: &'static str,
    start: Instant,
    detail: String,
    c: Classification,
) -> Classification {
    step(steps, name, false, start, detail);
    c
}

/// Runs the steps in order; `Err` is the classification of the first
/// failure, `Ok` the success.
fn probe(o: &Options, steps: &mut Vec<Step>) -> Result<Classification, Classification> {
    let target = &o.target;

    // DNS.
    let start = Instant::now();
    let addrs: Vec<SocketAddr> = if let Ok(ip) = target.host.parse::<IpAddr>() {
        step(steps, "dns", true, start, format!("{ip} (an address)"));
        vec![SocketAddr::new(ip, target.port)]
    } else {
        match (target.host.as_str(), target.port).to_socket_addrs() {
            Ok(a) => {
                let addrs: Vec<SocketAddr> = a.collect();
                if addrs.is_empty() {
                    let msg = format!("{} has no address", target.host);
                    return Err(fail(
                        steps,
                        "dns",
                        start,
                        msg.clone(),
                        Classification::new("dns", dns_message(&target.host, &msg)),
                    ));
                }
                let list: Vec<String> = addrs.iter().map(|a| a.ip().to_string()).collect();
                step(
                    steps,
                    "dns",
                    true,
                    start,
                    format!("{} → {}", target.host, list.join(", ")),
                );
                addrs
            }
            Err(e) => {
                return Err(fail(
                    steps,
                    "dns",
                    start,
                    e.to_string(),
                    Classification::new("dns", dns_message(&target.host, &e.to_string())),
                ))
            }
        }
    };

    // TCP.
    let start = Instant::now();
    let mut last: Option<(SocketAddr, io::Error)> = None;
    let mut tcp = None;
    for addr in &addrs {
        match TcpStream::connect_timeout(addr, o.timeout) {
            Ok(s) => {
                tcp = Some((s, *addr));
                break;
            }
            Err(e) => last = Some((*addr, e)),
        }
    }
    let (tcp, addr) = match tcp {
        Some(t) => t,
        None => {
            let (addr, e) = last.expect("at least one address");
            let (kind, message) = match e.kind() {
                io::ErrorKind::ConnectionRefused => (
                    "tcp-refused",
                    format!("nothing listens on {addr} (connection refused): is nginx (or the server) running, and does a `listen` directive cover this address and port? A client pointed at the application's own port, or at a frontend development server, bypasses the proxy"),
                ),
                io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => (
                    "tcp-timeout",
                    format!("no answer from {addr} within {} s: a firewall drops the packets, the address is wrong or unreachable, or the server's listen backlog is full", classify::fmt_secs(o.timeout.as_millis() as u64)),
                ),
                _ => ("tcp-error", format!("cannot connect to {addr}: {e}")),
            };
            return Err(fail(
                steps,
                "tcp",
                start,
                format!("{addr}: {e}"),
                Classification::new(kind, message),
            ));
        }
    };
    let _ = tcp.set_nodelay(true);
    let _ = tcp.set_write_timeout(Some(o.timeout));
    step(steps, "tcp", true, start, format!("connected to {addr}"));

    // TLS.
    let stream = match &o.tls {
        None => Stream::Plain(tcp),
        Some(config) => {
            let start = Instant::now();
            match tls::handshake(
                config.clone(),
                &target.host,
                tcp,
                Instant::now() + o.timeout,
            ) {
                Ok((s, summary)) => {
                    step(steps, "tls", true, start, summary);
                    Stream::Tls(Box::new(s))
                }
                Err(f) => {
                    let message = if f.hint.is_empty() {
                        format!("TLS failed: {}", f.detail)
                    } else {
                        format!("TLS failed: {}: {}", f.detail, f.hint)
                    };
                    return Err(fail(
                        steps,
                        "tls",
                        start,
                        f.detail,
                        Classification::new("tls", message),
                    ));
                }
            }
        }
    };
    let mut conn = Conn::new(stream);

    // Handshake.
    let start = Instant::now();
    let key = handshake::base64(&conn::random_bytes::<16>());
    let request = handshake::request(target, &key, o.origin.as_deref(), &o.headers);
    let deadline = Instant::now() + o.timeout;
    let head = conn
        .write_all(request.as_bytes())
        .map_err(|e| ReadError::Eof(format!("sending the request failed: {e}")))
        .and_then(|_| conn.read_head(deadline));
    let head = match head {
        Ok(h) => h,
        Err(e) => {
            let (detail, c) = match e {
                ReadError::Timeout => (
                    format!("no answer within {} s", classify::fmt_secs(o.timeout.as_millis() as u64)),
                    Classification::new(
                        "no-response",
                        format!("the server accepted the connection but did not answer the upgrade within {} s: behind nginx, the backend has not answered and nginx waits proxy_read_timeout (60s by default) before its 504; or the port expects TLS (try wss://)", classify::fmt_secs(o.timeout.as_millis() as u64)),
                    ),
                ),
                ReadError::Eof(m) | ReadError::Protocol(m) => (
                    m.clone(),
                    Classification::new(
                        "no-response",
                        format!("the server closed the connection without an HTTP answer ({m}): nginx's `return 444`, a server that does not speak HTTP here, a TLS port probed with ws:// (try wss://), or a backend that crashed"),
                    ),
                ),
                ReadError::Io(e) => (
                    e.to_string(),
                    Classification::new("no-response", format!("reading the answer failed: {e}")),
                ),
            };
            return Err(fail(steps, "handshake", start, detail, c));
        }
    };
    let response = match Response::parse(&head) {
        Ok(r) => r,
        Err(m) => {
            return Err(fail(
                steps,
                "handshake",
                start,
                m.clone(),
                Classification::new("protocol-error", m),
            ))
        }
    };
    if response.status != 101 {
        let body_deadline = deadline.min(Instant::now() + Duration::from_secs(2));
        let body = conn.read_body(response.content_length(), 8192, body_deadline);
        let origin = Origin::of(&response, &body);
        let c = classify::http_status(target, &response, &origin);
        let detail = format!("{} {}", response.status_line(), origin.describe(&response));
        return Err(fail(steps, "handshake", start, detail, c));
    }
    let expected = handshake::accept_for(&key);
    let problem = if !response.has_token("Upgrade", "websocket") {
        Some((
            "bad-handshake",
            format!(
                "101 without `Upgrade: websocket` (got {:?})",
                response.header("Upgrade").unwrap_or("none")
            ),
        ))
    } else if !response.has_token("Connection", "upgrade") {
        Some((
            "bad-handshake",
            format!(
                "101 without `Connection: Upgrade` (got {:?})",
                response.header("Connection").unwrap_or("none")
            ),
        ))
    } else {
        match response.header("Sec-WebSocket-Accept") {
            Some(a) if a == expected => None,
            Some(a) => Some((
                "bad-accept",
                format!("Sec-WebSocket-Accept is {a:?}, expected {expected:?}"),
            )),
            None => Some(("bad-accept", "101 without Sec-WebSocket-Accept".to_string())),
        }
    };
    if let Some((kind, detail)) = problem {
        let message = if kind == "bad-accept" {
            format!("{detail}: the answer was not computed from this request's Sec-WebSocket-Key, so a conforming client (every browser) drops the connection. Something answers with a canned handshake, or a proxy rewrote the key (a hard-coded `proxy_set_header Sec-WebSocket-Key`)")
        } else {
            format!("{detail}: a conforming client (every browser) drops the connection; a proxy on the way rewrote the headers of the switch, or the server is not a conforming WebSocket server")
        };
        return Err(fail(
            steps,
            "handshake",
            start,
            detail,
            Classification::new(kind, message),
        ));
    }
    let server = response
        .header("Server")
        .map(|s| format!(" (Server: {s})"))
        .unwrap_or_default();
    step(
        steps,
        "handshake",
        true,
        start,
        format!("{}{server}", response.status_line()),
    );

    // Echo: a text message and a ping; the pong is required, the echo
    // only reported.
    let start = Instant::now();
    let text = format!(
        "nginx-wslint probe {}",
        handshake::base64(&conn::random_bytes::<6>())
    );
    const PING: &[u8] = b"nginx-wslint";
    if let Err(e) = conn
        .send(0x1, text.as_bytes())
        .and_then(|_| conn.send(0x9, PING))
    {
        let c = after_send_error(&mut conn, &e, "before the echo");
        return Err(fail(
            steps,
            "echo",
            start,
            format!("sending failed: {e}"),
            c,
        ));
    }
    let deadline = Instant::now() + o.timeout;
    let mut pong: Option<Duration> = None;
    let mut echo: Option<Duration> = None;
    let mut others = 0usize;
    while pong.is_none() || echo.is_none() {
        let wait_until = match pong {
            // The echo may trail the pong a little (a library answers pings
            // itself, before the application sees the text).
            Some(p) => deadline.min(start + p * 2 + Duration::from_millis(300)),
            None => deadline,
        };
        match conn.read_message(wait_until) {
            Ok(Message::Text(d)) if d == text.as_bytes() => echo = Some(start.elapsed()),
            Ok(Message::Text(_) | Message::Binary(_)) => others += 1,
            Ok(Message::Ping(p)) => {
                let _ = conn.send(0xA, &p);
            }
            Ok(Message::Pong(p)) => {
                if p == PING {
                    pong = Some(start.elapsed());
                }
            }
            Ok(Message::Close(code, reason)) => {
                let _ = conn.send(0x8, &code.unwrap_or(1000).to_be_bytes());
                let detail = format!(
                    "close frame {} {reason:?}",
                    code.map_or("without a code".into(), |c| c.to_string())
                );
                return Err(fail(
                    steps,
                    "echo",
                    start,
                    detail,
                    classify::closed(code, &reason, "right after the handshake"),
                ));
            }
            Err(ReadError::Timeout) if pong.is_some() => break,
            Err(ReadError::Timeout) => {
                let detail = match echo {
                    Some(_) => "text echoed, but no pong".to_string(),
                    None => format!(
                        "no pong and no echo within {} s",
                        classify::fmt_secs(o.timeout.as_millis() as u64)
                    ),
                };
                return Err(fail(
                    steps,
                    "echo",
                    start,
                    detail,
                    Classification::new("no-pong", format!("no pong within {} s after a ping (RFC 6455 requires one): the server's WebSocket layer is stuck, or something on the way buffers frames instead of tunnelling them", classify::fmt_secs(o.timeout.as_millis() as u64))),
                ));
            }
            Err(e) => {
                return Err(read_failure(
                    steps,
                    "echo",
                    start,
                    e,
                    "right after the handshake",
                ))
            }
        }
    }
    let pong = pong.expect("loop ends with a pong");
    let mut detail = format!("pong in {}", ms_text(pong));
    match echo {
        Some(e) => detail.push_str(&format!(", text echoed in {}", ms_text(e))),
        None => detail.push_str(", text not echoed (not an echo server)"),
    }
    if others > 0 {
        detail.push_str(&format!(", {others} other message(s) from the server"));
    }
    step(steps, "echo", true, start, detail);

    // Idle hold.
    let mut held = String::new();
    if let Some(idle) = o.idle {
        let idle_ms = idle.as_millis() as u64;
        let start = Instant::now();
        let end = start + idle;
        let mut pings = 0usize;
        let mut messages = 0usize;
        loop {
            match conn.read_message(end) {
                Err(ReadError::Timeout) => break,
                Ok(Message::Ping(p)) => {
                    pings += 1;
                    let _ = conn.send(0xA, &p);
                }
                Ok(Message::Pong(_)) => {}
                Ok(Message::Text(_) | Message::Binary(_)) => messages += 1,
                Ok(Message::Close(code, reason)) => {
                    let after = start.elapsed().as_millis() as u64;
                    let _ = conn.send(0x8, &code.unwrap_or(1000).to_be_bytes());
                    return Err(fail(
                        steps,
                        "idle",
                        start,
                        format!(
                            "close frame {} after {:.1} s",
                            code.map_or("without a code".into(), |c| c.to_string()),
                            after as f64 / 1000.0
                        ),
                        classify::idle_closed(Some(code.unwrap_or(1005)), &reason, after, idle_ms),
                    ));
                }
                Err(ReadError::Eof(m)) => {
                    let after = start.elapsed().as_millis() as u64;
                    return Err(fail(
                        steps,
                        "idle",
                        start,
                        format!(
                            "{m} after {:.1} s, without a close frame",
                            after as f64 / 1000.0
                        ),
                        classify::idle_closed(None, "", after, idle_ms),
                    ));
                }
                Err(ReadError::Io(e)) => {
                    let after = start.elapsed().as_millis() as u64;
                    return Err(fail(
                        steps,
                        "idle",
                        start,
                        format!("{e} after {:.1} s", after as f64 / 1000.0),
                        classify::idle_closed(None, "", after, idle_ms),
                    ));
                }
                Err(ReadError::Protocol(m)) => {
                    return Err(fail(
                        steps,
                        "idle",
                        start,
                        m.clone(),
                        Classification::new("protocol-error", m),
                    ))
                }
            }
        }
        // Still open? A ping must come back.
        const IDLE_PING: &[u8] = b"nginx-wslint idle";
        let sent_at = Instant::now();
        if let Err(e) = conn.send(0x9, IDLE_PING) {
            let after = start.elapsed().as_millis() as u64;
            let c = classify::idle_closed(None, "", after, idle_ms);
            return Err(fail(
                steps,
                "idle",
                start,
                format!("the ping after the hold could not be sent: {e}"),
                c,
            ));
        }
        let deadline = Instant::now() + o.timeout;
        loop {
            match conn.read_message(deadline) {
                Ok(Message::Pong(p)) if p == IDLE_PING => break,
                Ok(Message::Ping(p)) => {
                    let _ = conn.send(0xA, &p);
                }
                Ok(Message::Pong(_) | Message::Text(_) | Message::Binary(_)) => {}
                Ok(Message::Close(code, reason)) => {
                    let after = start.elapsed().as_millis() as u64;
                    return Err(fail(
                        steps,
                        "idle",
                        start,
                        format!("close frame {code:?} in answer to the ping after the hold"),
                        classify::idle_closed(Some(code.unwrap_or(1005)), &reason, after, idle_ms),
                    ));
                }
                Err(ReadError::Timeout) => {
                    return Err(fail(
                        steps,
                        "idle",
                        start,
                        format!("no pong within {} s after the hold", classify::fmt_secs(o.timeout.as_millis() as u64)),
                        Classification::new("idle-dead", format!("after {} s of silence the connection looks open but does not answer a ping: something on the way dropped it without telling either side (a NAT or firewall idle timeout); application pings or TCP keepalive keep such paths open", classify::fmt_secs(idle_ms))),
                    ))
                }
                Err(e) => {
                    let after = start.elapsed().as_millis() as u64;
                    let detail = match e {
                        ReadError::Eof(m) | ReadError::Protocol(m) => m,
                        ReadError::Io(e) => e.to_string(),
                        ReadError::Timeout => unreachable!(),
                    };
                    return Err(fail(
                        steps,
                        "idle",
                        start,
                        format!("{detail} (when pinged after the hold)"),
                        classify::idle_closed(None, "", after, idle_ms),
                    ));
                }
            }
        }
        let mut detail = format!(
            "held {} s without sending; pong after the hold in {}",
            classify::fmt_secs(idle_ms),
            ms_text(sent_at.elapsed())
        );
        if pings + messages > 0 {
            detail.push_str(&format!("; the server sent {pings} ping(s) and {messages} message(s) during the hold, which keep proxies' idle timers from firing"));
        }
        step(steps, "idle", true, start, detail);
        held = format!(" and a {} s idle hold", classify::fmt_secs(idle_ms));
    }

    conn.close(1000);
    Ok(Classification::new(
        "ok",
        format!("the endpoint works (WebSocket handshake, ping/echo round-trip{held})"),
    ))
}

fn dns_message(host: &str, error: &str) -> String {
    format!("the name {host} does not resolve ({error}): check the spelling and the DNS record; inside a container, names resolve through the container's resolver")
}

/// After a failed write, a close frame may already be waiting.
fn after_send_error(conn: &mut Conn, e: &io::Error, when: &str) -> Classification {
    match conn.read_message(Instant::now() + Duration::from_secs(1)) {
        Ok(Message::Close(code, reason)) => classify::closed(code, &reason, when),
        _ => {
            let mut c = classify::closed(Some(1006), "", when);
            c.message.push_str(&format!(" ({e})"));
            c
        }
    }
}

fn read_failure(
    steps: &mut Vec<Step>,
    name: &'static str,
    start: Instant,
    e: ReadError,
    when: &str,
) -> Classification {
    match e {
        ReadError::Protocol(m) => fail(
            steps,
            name,
            start,
            m.clone(),
            Classification::new(
                "protocol-error",
                format!("the server broke the WebSocket protocol: {m}"),
            ),
        ),
        ReadError::Eof(m) => fail(
            steps,
            name,
            start,
            format!("{m}, without a close frame"),
            classify::closed(Some(1006), "", when),
        ),
        ReadError::Io(err) => fail(
            steps,
            name,
            start,
            err.to_string(),
            classify::closed(Some(1006), "", when),
        ),
        ReadError::Timeout => fail(
            steps,
            name,
            start,
            "timed out".into(),
            Classification::new("no-pong", "timed out"),
        ),
    }
}
