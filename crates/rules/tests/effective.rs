//! Effective proxy settings: inheritance across levels and included files,
//! defaults by target version, and the header inheritance of
//! verified-facts F9 checked against real nginx.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::time::Duration;

use nginx_wslint_parser::{ConfigSet, Context, LoadOptions};
use nginx_wslint_rules::model::version::Version;
use nginx_wslint_rules::model::{BlockId, Model};

fn load(files: &[(&str, &str)]) -> (tempfile::TempDir, ConfigSet) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let mut config = ConfigSet::new(LoadOptions {
        prefix: None,
        follow_includes: true,
    });
    config.load_entry(&dir.path().join(files[0].0)).unwrap();
    (dir, config)
}

fn location<'a>(model: &Model<'a>, path: &str) -> BlockId {
    model
        .locations()
        .find(|&b| model.block(b).header.and_then(|h| model.arg(h, 0)) == Some(path))
        .unwrap_or_else(|| panic!("no location {path}"))
}

fn header_names(model: &Model, block: BlockId, target: Version) -> Vec<String> {
    model
        .headers(model.proxy_settings(block, target).headers)
        .map(|h| h.name.to_string())
        .collect()
}

const V126: &str = "1.26";

#[test]
fn proxy_set_header_lists_replace_and_do_not_merge() {
    let (_dir, config) = load(&[(
        "nginx.conf",
        "events {}\nhttp {\n  proxy_set_header X-Http 1;\n  server {\n    proxy_set_header Upgrade $http_upgrade;\n    proxy_set_header Connection upgrade;\n    location /inherits/ { proxy_pass http://127.0.0.1:1; }\n    location /own/ { proxy_set_header Host $host; proxy_pass http://127.0.0.1:1;\n      location /own/nested/ { proxy_pass http://127.0.0.1:1; } }\n  }\n}\n",
    )]);
    let entry = config.entries[0];
    let model = Model::build(&config, entry, Context::Main);
    let v: Version = V126.parse().unwrap();
    assert_eq!(
        header_names(&model, location(&model, "/inherits/"), v),
        ["Upgrade", "Connection"]
    );
    assert_eq!(header_names(&model, location(&model, "/own/"), v), ["Host"]);
    // A nested location without its own list inherits the parent location's.
    assert_eq!(
        header_names(&model, location(&model, "/own/nested/"), v),
        ["Host"]
    );
    let own = model.proxy_settings(location(&model, "/own/"), v);
    let dropped: Vec<_> = model.headers(own.discarded).map(|h| h.name).collect();
    assert_eq!(
        dropped,
        ["Upgrade", "Connection"],
        "what /own/ silently discards"
    );
}

#[test]
fn included_files_belong_to_the_including_block() {
    let (_dir, config) = load(&[
        (
            "nginx.conf",
            "events {}\nhttp { server {\n  location /a/ { include ws.conf; proxy_pass http://127.0.0.1:1; }\n  location /b/ { proxy_pass http://127.0.0.1:1; }\n} }\n",
        ),
        ("ws.conf", "proxy_http_version 1.1;\nproxy_set_header Upgrade $http_upgrade;\nproxy_read_timeout 1h;\n"),
    ]);
    let model = Model::build(&config, config.entries[0], Context::Main);
    let v: Version = V126.parse().unwrap();
    let a = model.proxy_settings(location(&model, "/a/"), v);
    assert_eq!(a.headers.len(), 1);
    assert_eq!(a.http_version.value, "1.1");
    assert_eq!(a.read_timeout.value, Some(3_600_000));
    let source = a.read_timeout.source.unwrap();
    assert!(model.file(source.file).path.ends_with("ws.conf"));
    let b = model.proxy_settings(location(&model, "/b/"), v);
    assert!(b.headers.is_empty());
    assert_eq!(b.read_timeout.value, Some(60_000));
    assert!(b.read_timeout.source.is_none(), "the default applies");
}

#[test]
fn defaults_follow_the_target_version() {
    let (_dir, config) = load(&[(
        "nginx.conf",
        "events {}\nhttp { server { location /ws/ { proxy_pass http://127.0.0.1:1; } } }\n",
    )]);
    let model = Model::build(&config, config.entries[0], Context::Main);
    let ws = location(&model, "/ws/");
    let old = model.proxy_settings(ws, "1.28".parse().unwrap());
    let new = model.proxy_settings(ws, "1.29.7".parse().unwrap());
    assert_eq!(old.http_version.value, "1.0");
    assert_eq!(new.http_version.value, "1.1");
}

#[test]
fn scalars_come_from_the_innermost_level_and_pass_from_the_location() {
    let (_dir, config) = load(&[(
        "nginx.conf",
        "events {}\nhttp { proxy_read_timeout 10s; resolver 127.0.0.11;\n server { proxy_read_timeout 20s;\n  location /a/ { proxy_pass http://127.0.0.1:1;\n    if ($arg_x) { return 403; }\n    location /a/b/ { return 200; } }\n } }\n",
    )]);
    let model = Model::build(&config, config.entries[0], Context::Main);
    let v: Version = V126.parse().unwrap();
    let a = location(&model, "/a/");
    assert_eq!(model.proxy_settings(a, v).read_timeout.value, Some(20_000));
    assert!(model.proxy_settings(a, v).resolver.is_some());
    let if_block = model
        .children(a)
        .find(|&b| model.block(b).context == Context::If)
        .unwrap();
    assert!(
        model.proxy_settings(if_block, v).pass.is_some(),
        "if takes the location's handler"
    );
    assert!(
        model
            .proxy_settings(location(&model, "/a/b/"), v)
            .pass
            .is_none(),
        "nested locations do not"
    );
}

/// `pass` answers what `proxy_settings(..).pass` does, for every block.
#[test]
fn the_handler_alone_agrees_with_the_settings() {
    let (_dir, config) = load(&[(
        "nginx.conf",
        "events {}\nhttp { server {\n  location /a/ { proxy_pass http://127.0.0.1:1;\n    if ($arg_x) { return 403; }\n    limit_except GET { deny all; }\n    location /a/b/ { return 200; } }\n  location /c/ { grpc_pass 127.0.0.1:2; proxy_pass http://127.0.0.1:3; }\n } }\n",
    )]);
    let model = Model::build(&config, config.entries[0], Context::Main);
    let v: Version = V126.parse().unwrap();
    let mut with_pass = 0;
    for block in model.all_blocks() {
        let pass = model.pass(block);
        let same = |a: Option<nginx_wslint_rules::model::DirRef>,
                    b: Option<nginx_wslint_rules::model::DirRef>| match (a, b) {
            (Some(a), Some(b)) => std::ptr::eq(a.directive, b.directive),
            (None, None) => true,
            _ => false,
        };
        assert!(same(pass, model.proxy_settings(block, v).pass), "{block:?}");
        with_pass += usize::from(pass.is_some());
    }
    assert_eq!(with_pass, 4, "/a/, its if and limit_except, /c/");
}

/// `everywhere` lists one name's directives in block order, a file included
/// twice once per inclusion.
#[test]
fn everywhere_finds_every_directive_of_a_name() {
    let (_dir, config) = load(&[
        (
            "nginx.conf",
            "events {}\nhttp {\n server { set $a 1; include s.inc; location / { set $b 2; } }\n server { include s.inc; }\n}\n",
        ),
        ("s.inc", "set $c 3;\n"),
    ]);
    let model = Model::build(&config, config.entries[0], Context::Main);
    let found: Vec<&str> = model
        .everywhere("set")
        .iter()
        .map(|found| {
            let d = found.directive;
            assert!(
                model
                    .directives(found.block)
                    .any(|x| std::ptr::eq(x.directive, d.directive)),
                "its own block"
            );
            assert_eq!(found.args, [model.arg(d, 0), model.arg(d, 1)]);
            found.args[0].unwrap()
        })
        .collect();
    // Blocks in the order they open: the first server, its location, the
    // second server.
    assert_eq!(found, ["$a", "$c", "$b", "$c"]);
    assert_eq!(
        model.everywhere("set").len(),
        4,
        "asked again, from the cache"
    );
    assert!(model.everywhere("proxy_pass").is_empty());
}

// --- F9 against real nginx --------------------------------------------------

/// A backend that answers every request with the request head it received.
fn echo_backend() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut stream = stream;
            let mut head = Vec::new();
            let mut buf = [0u8; 1024];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => head.extend_from_slice(&buf[..n]),
                }
            }
            let _ = write!(
                stream,
                "HTTP/1.0 200 OK\r\nContent-Length: {}\r\n\r\n",
                head.len()
            );
            let _ = stream.write_all(&head);
        }
    });
    port
}

fn request_head(port: u16, path: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    String::from_utf8_lossy(&response).to_ascii_lowercase()
}

#[test]
fn header_inheritance_matches_what_nginx_sends_upstream() {
    let Some(nginx) = common::nginx_or_skip("F9 test skipped") else {
        return;
    };
    let backend = echo_backend();
    let port = common::free_port();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let conf = format!(
        "daemon off; master_process off; error_log {d}/error.log; pid {d}/nginx.pid;\nevents {{}}\n\
         http {{ access_log off; client_body_temp_path {d}/body; proxy_temp_path {d}/proxy;\n\
         server {{ listen 127.0.0.1:{port};\n\
           proxy_set_header Upgrade $http_upgrade;\n\
           proxy_set_header Connection \"upgrade\";\n\
           location /inherits/ {{ proxy_pass http://127.0.0.1:{backend}; }}\n\
           location /own/ {{ proxy_set_header Host $host; proxy_pass http://127.0.0.1:{backend}; }}\n\
           location /included/ {{ include ws.conf; proxy_pass http://127.0.0.1:{backend}; }}\n\
         }} }}\n"
    );
    std::fs::write(dir.path().join("nginx.conf"), &conf).unwrap();
    std::fs::write(
        dir.path().join("ws.conf"),
        "proxy_set_header Upgrade $http_upgrade;\nproxy_set_header X-Included 1;\n",
    )
    .unwrap();
    let _nginx = common::Nginx::start(&nginx, dir.path(), &[port]);

    let mut config = ConfigSet::new(LoadOptions {
        prefix: None,
        follow_includes: true,
    });
    let entry = config
        .load_entry(Path::new(&dir.path().join("nginx.conf")))
        .unwrap();
    let model = Model::build(&config, entry, Context::Main);
    let target: Version = "1.22".parse().unwrap();
    let mut seen = Vec::new();
    for path in ["/inherits/", "/own/", "/included/"] {
        let sent = request_head(port, path);
        let settings = model.proxy_settings(location(&model, path), target);
        for name in ["upgrade", "connection: upgrade", "x-included"] {
            let header = name.split(':').next().unwrap();
            let ours = model.headers(settings.headers).any(|h| {
                h.is(header) && (!name.contains(':') || h.value.eq_ignore_ascii_case("upgrade"))
            });
            let nginx_sent = sent.lines().any(|l| l.starts_with(name));
            assert_eq!(
                ours, nginx_sent,
                "{path}: header {name}: model {ours}, nginx sent {nginx_sent}\n{sent}"
            );
        }
        seen.push((path, sent.contains("\nupgrade: websocket")));
    }
    // F9: the location with its own proxy_set_header loses Upgrade.
    assert_eq!(
        seen,
        [("/inherits/", true), ("/own/", false), ("/included/", true)]
    );
}
