//! The shadowing analysis behind WS007: the cases of reference §2, each
//! reported claim replayed against real nginx, and a server with 10,000
//! locations.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;

use nginx_wslint_parser::{ConfigSet, Context, LoadOptions};
use nginx_wslint_rules::model::{BlockId, Model};
use nginx_wslint_rules::routing::router::Router;
use nginx_wslint_rules::routing::shadow::{
    shadowed_locations, shadowed_locations_in, ShadowReason,
};

fn fixture() -> PathBuf {
    common::fixtures().join("shadowing/nginx.conf")
}

fn describe(model: &Model, block: BlockId) -> String {
    let header = model.block(block).header.unwrap();
    format!("{} {}", model.line(header), model.args(header).join(" "))
}

/// One line per shadowed location: it, its winner, why, an example.
fn describe_all(model: &Model, found: &[nginx_wslint_rules::routing::shadow::Shadowing]) -> String {
    found
        .iter()
        .map(|s| {
            format!(
                "{} <- {} ({:?}, e.g. {})",
                describe(model, s.location),
                describe(model, s.winner),
                s.reason,
                s.example
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn reports_real_shadowing_and_nothing_else() {
    let mut config = ConfigSet::new(LoadOptions {
        prefix: None,
        follow_includes: true,
    });
    let entry = config.load_entry(&fixture()).unwrap();
    let model = Model::build(&config, entry, Context::Main);
    let router = Router::new(&model);
    insta::assert_snapshot!(describe_all(&model, &shadowed_locations(&router)), @r#"
    14 /chat/ws/ <- 15 ~ ^/chat (RegexTakesPrefix, e.g. /chat/ws/)
    23 ~ /socket\.io/ <- 22 ~ /socket (EarlierRegex, e.g. /socket.io/)
    24 ~ /socket <- 22 ~ /socket (EarlierRegex, e.g. /socket)
    40 ^~ /n/inner/ <- 43 ~ ^/n/inner/ (RegexTakesPrefix, e.g. /n/inner/)
    48 /re/deep/ <- 47 ~ /re/ (NestedInRegex, e.g. /re/deep/)
    "#);
}

/// Every claim holds in nginx: the example URI goes to the named winner, and
/// no URI below the location's path goes to the location (another regex
/// may take some of them: `/n/inner/a.js` goes to the earlier `\.js$`).
#[test]
fn every_claim_holds_in_real_nginx() {
    let Some(nginx) = common::nginx_or_skip("shadowing replay skipped") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let port = common::free_port();
    let fixture_text = std::fs::read_to_string(fixture()).unwrap();
    // Same line numbers: replace only the listen port and add globals on
    // line 1.
    let conf = fixture_text
        .replacen(
            "# Location shadowing cases",
            &format!("daemon off; master_process off; error_log {d}/e.log; pid {d}/n.pid; #"),
            1,
        )
        .replace(
            "listen 80;",
            &format!("listen 127.0.0.1:{port}; access_log off; client_body_temp_path {d}/b;"),
        );
    std::fs::write(dir.path().join("nginx.conf"), &conf).unwrap();
    let _nginx = common::Nginx::start(&nginx, dir.path(), &[port]);
    let body = |uri: &str| {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(s, "GET {uri} HTTP/1.0\r\n\r\n").unwrap();
        let mut r = String::new();
        s.read_to_string(&mut r).unwrap();
        r.split("\r\n\r\n").nth(1).unwrap_or("").to_string()
    };
    let mut config = ConfigSet::new(LoadOptions {
        prefix: None,
        follow_includes: true,
    });
    let entry = config.load_entry(&dir.path().join("nginx.conf")).unwrap();
    let model = Model::build(&config, entry, Context::Main);
    let router = Router::new(&model);
    let claims = shadowed_locations(&router);
    assert_eq!(claims.len(), 5);
    let answer_of = |block: BlockId| -> String {
        // The `return 200 "..."` of a location.
        model
            .directives_named(block, "return")
            .next()
            .and_then(|d| model.arg(d, 1))
            .unwrap()
            .to_string()
    };
    for claim in &claims {
        assert_eq!(body(&claim.example), answer_of(claim.winner), "{claim:?}");
        let own = answer_of(claim.location);
        for suffix in ["", "x", "a/b.js", "deep/er/", "A.CSS"] {
            let uri = format!("{}{suffix}", claim.example);
            assert_ne!(
                body(&uri),
                own,
                "{uri} reached the location said to be shadowed: {claim:?}"
            );
        }
    }
}

#[test]
fn ten_thousand_locations_in_one_server() {
    let mut text = String::from("events {}\nhttp { server {\n");
    for i in 0..10_000 {
        text.push_str(&format!("location /app{i}/ws/ {{ return 200; }}\n"));
    }
    for i in 0..50 {
        text.push_str(&format!("location ~ ^/app{i}/ {{ return 200; }}\n"));
    }
    text.push_str("} }\n");
    let mut config = ConfigSet::new(LoadOptions::default());
    let entry = config.add_entry_source(std::path::Path::new("big.conf"), text.into_bytes());
    let model = Model::build(&config, entry, Context::Main);
    let router = Router::new(&model);
    let claims = shadowed_locations(&router);
    // ^/app1/ takes /app1/ws/ but also /app10.../ws/? No: "/app10/ws/"
    // does not start with "/app1/". Exactly the first 50 are shadowed.
    assert_eq!(claims.len(), 50);
    assert!(claims
        .iter()
        .all(|c| c.reason == ShadowReason::RegexTakesPrefix));
}

/// WS007's per-server analysis (`shadowed_locations_in`: one tree at a
/// time, servers without a regex location skipped) finds exactly what the
/// whole router finds, on the shadowing fixture and on the real-world
/// corpus.
#[test]
fn per_server_analysis_matches_the_router() {
    let mut paths = vec![fixture()];
    paths.extend(common::corpus_files().unwrap_or_default());
    let key = |s: &nginx_wslint_rules::routing::shadow::Shadowing| {
        (
            s.location,
            s.winner,
            format!("{:?}", s.reason),
            s.example.clone(),
        )
    };
    let mut compared = 0;
    for path in &paths {
        let mut config = ConfigSet::new(LoadOptions {
            prefix: None,
            follow_includes: true,
        });
        let Ok(entry) = config.load_entry(path) else {
            continue;
        };
        let model = Model::build(&config, entry, Context::Main);
        let whole: Vec<_> = shadowed_locations(&Router::new(&model))
            .iter()
            .map(key)
            .collect();
        let per_server: Vec<_> = shadowed_locations_in(&model).iter().map(key).collect();
        assert_eq!(whole, per_server, "{}", path.display());
        compared += 1;
    }
    eprintln!("compared {compared} configurations");
    assert!(compared >= 1);
}

/// A server whose regex locations have no literal form gets no location
/// tree in the per-server analysis, only a walk for locations nested in a
/// regex location: it finds what the router finds, at every depth.
#[test]
fn per_server_analysis_without_literal_regexes_matches_the_router() {
    let text = r#"events {}
http {
    server {
        listen 80;
        location ~* \.(png|jpe?g)$ {
            location \.(png|jpe?g)$/thumbs/ { return 200 "dead"; }
            location ~ _small\.png$ {
                location = _small\.png$x { return 200 "dead too"; }
            }
        }
        location /plain/ {
            location ~ \.json$ { return 200 "json"; }
            location /plain/deeper/ { return 200 "alive"; }
        }
    }
}
"#;
    let mut config = ConfigSet::new(LoadOptions::default());
    let entry = config.add_entry_source(std::path::Path::new("nested.conf"), text.into());
    let model = Model::build(&config, entry, Context::Main);
    let per_server = describe_all(&model, &shadowed_locations_in(&model));
    assert_eq!(
        per_server,
        describe_all(&model, &shadowed_locations(&Router::new(&model)))
    );
    insta::assert_snapshot!(per_server, @r#"
    6 \.(png|jpe?g)$/thumbs/ <- 5 ~* \.(png|jpe?g)$ (NestedInRegex, e.g. \.(png|jpe?g)$/thumbs/)
    8 = _small\.png$x <- 5 ~* \.(png|jpe?g)$ (NestedInRegex, e.g. _small\.png$x)
    "#);
}
