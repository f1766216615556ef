//! `Model::build` notes as it places each directive what later passes
//! would otherwise read the whole tree for (defined variables, where the
//! directives of `Model::everywhere` are, each block's header name,
//! location form, last `*_pass` and inherited proxy settings). These tests compare that with
//! the plain passes, on every fixture and on the real-world corpus.

mod common;

use std::path::{Path, PathBuf};

use nginx_wslint_parser::{context, ConfigSet, LoadOptions};
use nginx_wslint_rules::model::effective::PASS_DIRECTIVES;
use nginx_wslint_rules::model::variables::Variables;
use nginx_wslint_rules::model::Model;
use nginx_wslint_rules::routing::location::location_of;

/// Every `.conf` file under `dir`, recursively, sorted.
fn conf_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            conf_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "conf") {
            out.push(path);
        }
    }
}

/// The fixtures and the corpus files, and whether the corpus was found.
fn inputs() -> (Vec<PathBuf>, bool) {
    let mut paths = Vec::new();
    conf_files(&common::fixtures(), &mut paths);
    match common::corpus_files() {
        Some(files) => {
            paths.extend(files);
            (paths, true)
        }
        None => (paths, false),
    }
}

#[test]
fn indexes_built_with_the_model_match_plain_passes() {
    let mut compared = 0;
    let mut with_variables = 0;
    let mut unread_includes = 0;
    let mut upstreams = 0;
    let (paths, with_corpus) = inputs();
    for path in paths {
        let mut config = ConfigSet::new(LoadOptions {
            prefix: None,
            follow_includes: true,
        });
        let Ok(entry) = config.load_entry(&path) else {
            continue;
        };
        let file = config.file(entry.file);
        let ctx =
            context::resolve_context(file, None).unwrap_or(nginx_wslint_parser::Context::Main);
        let model = Model::build(&config, entry, ctx);

        assert_eq!(
            model.variables(),
            &Variables::collect(&model),
            "{}",
            path.display()
        );
        with_variables += usize::from(model.variables() != &Variables::default());

        for name in [
            "proxy_pass",
            "proxy_set_header",
            "set",
            "proxy_read_timeout",
            "proxy_send_timeout",
        ] {
            let scanned: Vec<_> = model
                .all_blocks()
                .flat_map(|b| model.directives(b).map(move |d| (b, d)))
                .filter(|&(_, d)| model.name(d) == name)
                .map(|(b, d)| (b, d.file, d.span(), model.arg(d, 0), model.arg(d, 1)))
                .collect();
            let indexed: Vec<_> = model
                .everywhere(name)
                .iter()
                .map(|f| {
                    let d = f.directive;
                    (f.block, d.file, d.span(), f.args[0], f.args[1])
                })
                .collect();
            assert_eq!(indexed, scanned, "{name} in {}", path.display());
        }
        for b in model.all_blocks() {
            let data = model.block(b);
            let header = data.header;
            assert_eq!(data.name, header.map_or("", |h| model.name(h)));
            let parsed = header
                .filter(|h| model.name(*h) == "location")
                .and_then(|h| location_of(&model, h));
            assert_eq!(model.location(b), parsed, "{}", path.display());
            let last_pass = model
                .directives(b)
                .filter(|d| PASS_DIRECTIVES.contains(&model.name(*d)))
                .last()
                .map(|d| d.span());
            assert_eq!(
                model.own_pass(b).map(|d| d.span()),
                last_pass,
                "{}",
                path.display()
            );
            for name in [
                "proxy_set_header",
                "proxy_http_version",
                "proxy_read_timeout",
                "proxy_send_timeout",
                "resolver",
                "add_header",
            ] {
                assert_eq!(
                    model.has_directive(b, name),
                    Some(model.directives_named(b, name).next().is_some()),
                    "{name} in {}",
                    path.display()
                );
                let scanned = model
                    .http_levels(b)
                    .find_map(|l| model.directives_named(l, name).last())
                    .map(|d| d.span());
                let noted = model.inherited(b, name).map(|d| d.span());
                assert_eq!(noted, scanned, "{name} in {}", path.display());
            }
            // The header lists, read from the everywhere index: what a scan
            // of the levels' items finds.
            let settings = model.proxy_settings(b, Default::default());
            let scanned = |level: Option<_>| -> Vec<_> {
                level.map_or(Vec::new(), |l| {
                    model
                        .directives_named(l, "proxy_set_header")
                        .map(|d| {
                            let arg = |i| model.arg(d, i).unwrap_or("").to_string();
                            (d.span(), arg(0), arg(1))
                        })
                        .collect()
                })
            };
            let noted = |list: nginx_wslint_rules::model::effective::HeaderList| -> Vec<_> {
                model
                    .headers(list)
                    .map(|h| (h.directive.span(), h.name.to_string(), h.value.to_string()))
                    .collect()
            };
            assert_eq!(
                noted(settings.headers),
                scanned(settings.headers_level),
                "{}",
                path.display()
            );
            assert_eq!(
                noted(settings.discarded),
                scanned(settings.discarded_level),
                "{}",
                path.display()
            );
            let unread = model.directives_named(b, "include").any(|d| {
                config
                    .included(model.entry.prefix, d.file, d.span().start)
                    .is_empty()
            });
            assert_eq!(model.has_unread_include(b), unread, "{}", path.display());
            // The upstream map: this block is what its name finds, unless an
            // earlier upstream has the name (case-insensitively).
            let is_upstream = matches!(
                data.context,
                nginx_wslint_parser::Context::Upstream
                    | nginx_wslint_parser::Context::StreamUpstream
            ) && data.name == "upstream";
            if let Some(name) = header.filter(|_| is_upstream).and_then(|h| model.arg(h, 0)) {
                let first = model.all_blocks().find(|&o| {
                    let od = model.block(o);
                    matches!(
                        od.context,
                        nginx_wslint_parser::Context::Upstream
                            | nginx_wslint_parser::Context::StreamUpstream
                    ) && od.name == "upstream"
                        && od
                            .header
                            .and_then(|h| model.arg(h, 0))
                            .is_some_and(|n| n.eq_ignore_ascii_case(name))
                });
                assert_eq!(
                    model.upstream(&name.to_ascii_uppercase()),
                    first,
                    "{}",
                    path.display()
                );
                upstreams += 1;
            }
            unread_includes += usize::from(unread);
        }
        compared += 1;
    }
    eprintln!("compared {compared} configurations, {with_variables} defining variables");
    eprintln!("{unread_includes} includes that read nothing, {upstreams} upstreams");
    // Enough of each kind for the comparison to mean something.
    let minimums = if with_corpus {
        [200, 50, 1, 100]
    } else {
        [20, 5, 1, 5]
    };
    let counts = [compared, with_variables, unread_includes, upstreams];
    assert!(
        counts.iter().zip(minimums).all(|(&n, min)| n >= min),
        "counts {counts:?} below {minimums:?}"
    );
}

#[test]
fn the_last_handler_of_a_block_is_its_pass() {
    let mut config = ConfigSet::new(LoadOptions::default());
    let entry = config.add_entry_source(
        Path::new("t.conf"),
        b"http { server { location / { proxy_pass http://a; set $x 1; grpc_pass grpc://b; }
           location /in/ { if ($x) { return 200; } } } }"
            .to_vec(),
    );
    let model = Model::build(&config, entry, nginx_wslint_parser::Context::Main);
    let location = |path: &str| {
        model
            .locations()
            .find(|&b| model.location(b).is_some_and(|(_, p)| p == path))
            .unwrap()
    };
    let pass = model.pass(location("/")).unwrap();
    assert_eq!(model.name(pass), "grpc_pass");
    let third = model.directives(location("/")).nth(2).map(|d| d.span());
    assert_eq!(model.own_pass(location("/")).map(|d| d.span()), third);
    assert!(model.pass(location("/in/")).is_none());
}

#[test]
fn the_first_upstream_of_a_name_wins() {
    let mut config = ConfigSet::new(LoadOptions::default());
    let entry = config.add_entry_source(
        Path::new("t.conf"),
        b"http { upstream Backend { server a:1; } upstream backend { server b:1; }
           server { location / { upstream inner { server c:1; } } } }
           stream { upstream tcp { server d:1; } }"
            .to_vec(),
    );
    let model = Model::build(&config, entry, nginx_wslint_parser::Context::Main);
    let upstream = model.upstream("BACKEND").unwrap();
    assert_eq!(
        model.arg(model.block(upstream).header.unwrap(), 0),
        Some("Backend")
    );
    assert!(model.upstream("tcp").is_some(), "stream upstreams count");
    assert!(
        model.upstream("inner").is_none(),
        "an upstream inside a location is not one"
    );
}

/// An include tree that expands to more than the model's limit of 5
/// million directives (each level includes the next twice; the last
/// includes a file of 5,000 directives in nested blocks twice): the model
/// stops at the limit, says so, and the blocks still open then keep the
/// items placed so far, each block's items its own.
#[test]
fn an_include_tree_past_the_limit_is_cut_with_consistent_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let mut leaf = String::from("server {\n    location / {\n");
    for i in 0..5_000 {
        leaf.push_str(&format!("        add_header X-{i} y;\n"));
    }
    leaf.push_str("    }\n}\n");
    std::fs::write(dir.path().join("leaf.conf"), leaf).unwrap();
    const LEVELS: usize = 10;
    for level in 0..LEVELS {
        let next = if level + 1 == LEVELS {
            "leaf.conf".to_string()
        } else {
            format!("level{}.conf", level + 1)
        };
        std::fs::write(
            dir.path().join(format!("level{level}.conf")),
            format!("include {next};\ninclude {next};\n"),
        )
        .unwrap();
    }
    let main = dir.path().join("nginx.conf");
    std::fs::write(&main, "events {}\nhttp {\n    include level0.conf;\n}\n").unwrap();

    let mut config = ConfigSet::new(LoadOptions {
        prefix: Some(dir.path().to_path_buf()),
        follow_includes: true,
    });
    let entry = config.load_entry(&main).unwrap();
    let model = Model::build(&config, entry, nginx_wslint_parser::Context::Main);
    assert!(model.truncated, "2^10 x 5,000 directives exceed the limit");

    let mut directives = 0;
    let mut nested = 0;
    for block in model.all_blocks() {
        directives += model.directives(block).count();
        for child in model.children(block) {
            nested += 1;
            assert_eq!(model.block(child).parent(), Some(block));
        }
    }
    // Every block but the root is an item of its parent.
    assert_eq!(nested, model.blocks.len() - 1);
    // The limit counts directives, including those that open blocks.
    assert!(
        (4_900_000..=5_000_000).contains(&(directives + nested)),
        "{directives} directives and {nested} blocks placed"
    );
    // The location open at the cut kept what was placed in it.
    let last = model.all_blocks().last().unwrap();
    assert_eq!(model.block(last).name, "location");
    assert!(model.directives(last).count() > 0);
}
