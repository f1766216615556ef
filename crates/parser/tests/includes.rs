//! Loading configurations with `include`, resolved as nginx does (reference
//! §1 "include"); the same behaviour is checked against real nginx in
//! `nginx_conformance.rs`.

mod common;

use common::nginx::write_tree;
use nginx_wslint_parser::payload::{self, PayloadOptions};
use nginx_wslint_parser::{
    ConfigSet, Entry, LoadDiagnosticKind, LoadOptions, ParseMode, SourceFile,
};

fn load(dir: &std::path::Path, prefix: Option<&std::path::Path>) -> (ConfigSet, Entry) {
    let mut config = ConfigSet::new(LoadOptions {
        prefix: prefix.map(|p| p.to_path_buf()),
        follow_includes: true,
    });
    let entry = config.load_entry(&dir.join("nginx.conf")).unwrap();
    (config, entry)
}

fn include_targets(
    config: &ConfigSet,
    entry: Entry,
    file: &SourceFile,
    file_id: nginx_wslint_parser::FileId,
) -> Vec<Vec<String>> {
    file.directives()
        .filter(|d| file.name(d) == "include")
        .map(|d| {
            config
                .included(entry.prefix, file_id, d.span.start)
                .iter()
                .map(|&t| {
                    config
                        .file(t)
                        .path
                        .file_name()
                        .unwrap()
                        .to_string_lossy()
                        .into_owned()
                })
                .collect()
        })
        .collect()
}

#[test]
fn relative_paths_resolve_against_the_prefix_not_the_including_file() {
    let dir = write_tree(&[
        ("nginx.conf", b"http { include sub/a.conf; }"),
        ("sub/a.conf", b"include b.conf;"),
        ("b.conf", b"server {}"),
        ("sub/b.conf", b"wrong;"),
    ]);
    let (config, entry) = load(dir.path(), None);
    assert!(config.diagnostics.is_empty(), "{:?}", config.diagnostics);
    let reached: Vec<_> = config
        .reachable(entry)
        .iter()
        .map(|&f| config.file(f).path.clone())
        .collect();
    assert_eq!(
        reached,
        [dir.path().join("sub/a.conf"), dir.path().join("b.conf")]
    );
}

#[test]
fn prefix_option_overrides_the_entry_directory() {
    let dir = write_tree(&[
        ("conf/nginx.conf", b"http { include site.conf; }"),
        ("root/site.conf", b"server {}"),
    ]);
    let (config, _) = load(&dir.path().join("conf"), Some(&dir.path().join("root")));
    assert!(config.diagnostics.is_empty(), "{:?}", config.diagnostics);
    assert_eq!(config.files.len(), 2);
    let (config, _) = load(&dir.path().join("conf"), None);
    assert_eq!(
        config.diagnostics[0].kind,
        LoadDiagnosticKind::IncludeNotFound
    );
}

#[test]
fn globs_are_sorted_skip_dotfiles_and_may_match_nothing() {
    let dir = write_tree(&[
        (
            "nginx.conf",
            b"http { include conf.d/*.conf; include none/*.conf; include sites/*; }",
        ),
        ("conf.d/b.conf", b""),
        ("conf.d/a.conf", b""),
        ("conf.d/.hidden.conf", b""),
        ("conf.d/c.conf.bak", b""),
        ("sites/site~", b""),
    ]);
    let (config, entry) = load(dir.path(), None);
    assert!(config.diagnostics.is_empty(), "{:?}", config.diagnostics);
    let main = config.file(entry.file);
    assert_eq!(
        include_targets(&config, entry, main, entry.file),
        vec![vec!["a.conf", "b.conf"], vec![], vec!["site~"]]
    );
}

#[test]
fn a_missing_explicit_file_is_e002_at_the_include() {
    let dir = write_tree(&[("nginx.conf", b"http {\n  include missing.conf;\n}\n")]);
    let (config, entry) = load(dir.path(), None);
    assert_eq!(config.diagnostics.len(), 1);
    let d = &config.diagnostics[0];
    assert_eq!(d.kind, LoadDiagnosticKind::IncludeNotFound);
    let main = config.file(entry.file);
    assert_eq!(main.text(d.span), b"include missing.conf;");
    assert_eq!(
        d.message,
        format!(
            "open() \"{}\" failed (2: No such file or directory)",
            dir.path().join("missing.conf").display()
        )
    );
}

#[test]
fn cycles_are_e003_and_do_not_hang() {
    let dir = write_tree(&[
        ("nginx.conf", b"http { include a.conf; }"),
        ("a.conf", b"include b.conf;"),
        ("b.conf", b"include a.conf; include self.conf;"),
        ("self.conf", b"include self.conf;"),
    ]);
    let (config, _) = load(dir.path(), None);
    let cycles: Vec<_> = config
        .diagnostics
        .iter()
        .filter(|d| d.kind == LoadDiagnosticKind::IncludeCycle)
        .map(|d| {
            config
                .file(d.file)
                .path
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(cycles, ["b.conf", "self.conf"]);
}

#[test]
fn a_file_included_twice_without_a_cycle_is_not_a_cycle() {
    let dir = write_tree(&[
        ("nginx.conf", b"http { include conf.d/*.conf; }"),
        ("conf.d/a.conf", b"include conf.d/b.conf;"),
        ("conf.d/b.conf", b"server {}"),
    ]);
    let (config, _) = load(dir.path(), None);
    assert!(config.diagnostics.is_empty(), "{:?}", config.diagnostics);
}

#[test]
fn a_file_included_from_several_places_is_linked_from_each() {
    let dir = write_tree(&[
        (
            "nginx.conf",
            b"http { server { location /a { include p.conf; } location /b { include p.conf; } } }",
        ),
        ("p.conf", b"proxy_set_header Upgrade $http_upgrade;"),
    ]);
    let (config, entry) = load(dir.path(), None);
    assert_eq!(config.files.len(), 2, "the shared file is read once");
    let main = config.file(entry.file);
    assert_eq!(
        include_targets(&config, entry, main, entry.file),
        vec![vec!["p.conf"], vec!["p.conf"]]
    );
}

#[test]
fn files_included_inside_map_are_read_as_values() {
    let dir = write_tree(&[
        (
            "nginx.conf",
            b"http { map $uri $x { include map.conf; } include map.conf; }",
        ),
        ("map.conf", b"a {\n}\n"),
    ]);
    let (config, _) = load(dir.path(), None);
    let modes: Vec<_> = config
        .files
        .iter()
        .map(|f| (f.mode, f.errors.len()))
        .collect();
    assert_eq!(
        modes,
        [
            (ParseMode::Directives, 0),
            (ParseMode::Values, 1),
            (ParseMode::Directives, 0)
        ]
    );
}

#[cfg(unix)]
#[test]
fn symlink_loops_and_directories_are_reported_not_followed() {
    let dir = write_tree(&[
        (
            "nginx.conf",
            b"http { include loop.conf; include conf.d/*; }",
        ),
        ("conf.d/x.conf", b""),
    ]);
    std::os::unix::fs::symlink(dir.path().join("loop.conf"), dir.path().join("loop.conf")).unwrap();
    std::fs::create_dir(dir.path().join("conf.d/dir.conf")).unwrap();
    let (config, _) = load(dir.path(), None);
    let messages: Vec<_> = config
        .diagnostics
        .iter()
        .map(|d| d.message.clone())
        .collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages[0].contains("loop.conf"), "{messages:?}");
    assert!(messages[1].contains("Is a directory"), "{messages:?}");
}

#[test]
fn entries_reached_from_other_entries_can_be_dropped_with_their_diagnostics() {
    let dir = write_tree(&[
        ("nginx.conf", b"http { include sites/*.conf; }"),
        ("sites/app.conf", b"include snippets/proxy.conf;"),
        ("snippets/proxy.conf", b""),
    ]);
    let mut config = ConfigSet::new(LoadOptions {
        prefix: None,
        follow_includes: true,
    });
    // Loaded on its own first, app.conf's include resolves against sites/.
    let app = config
        .load_entry(&dir.path().join("sites/app.conf"))
        .unwrap();
    let main = config.load_entry(&dir.path().join("nginx.conf")).unwrap();
    assert_eq!(config.diagnostics.len(), 1);
    assert!(config.reachable(main).contains(&app.file));
    config.retain_entries(|e| e.file != app.file);
    assert!(config.diagnostics.is_empty(), "{:?}", config.diagnostics);
    assert_eq!(config.live_files().len(), 3);
}

#[test]
fn payload_lists_files_in_crossplane_order_with_include_indices() {
    let dir = write_tree(&[
        (
            "nginx.conf",
            b"http {\n  include a.conf;\n  include b.conf;\n}\n",
        ),
        (
            "a.conf",
            b"include b.conf;\n# note\nserver { listen 80; }\n",
        ),
        ("b.conf", b"if ($x) { return 200 \"ok\"; } # why\n"),
    ]);
    let (config, entry) = load(dir.path(), None);
    let built = payload::build(
        &config,
        entry,
        PayloadOptions {
            include_comments: true,
        },
    );
    let json = serde_json::to_value(&built).unwrap();
    let files: Vec<_> = json["config"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            std::path::Path::new(c["file"].as_str().unwrap())
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(files, ["nginx.conf", "a.conf", "b.conf"]);
    assert_eq!(json["status"], "ok");
    let http = &json["config"][0]["parsed"][0];
    assert_eq!(http["block"][0]["includes"], serde_json::json!([1]));
    assert_eq!(http["block"][1]["includes"], serde_json::json!([2]));
    assert_eq!(
        json["config"][1]["parsed"][1],
        serde_json::json!({"directive": "#", "line": 2, "args": [], "comment": " note"})
    );
    let if_stmt = &json["config"][2]["parsed"][0];
    assert_eq!(
        if_stmt["args"],
        serde_json::json!(["$x"]),
        "crossplane strips the parentheses of if"
    );
    assert_eq!(json["config"][2]["parsed"][1]["comment"], " why");
}

/// Files parsed ahead (in parallel by the CLI) are what loading finds, as
/// an entry and as an include, and an overlay still stands for its path.
#[test]
fn files_parsed_ahead_are_loaded_from_memory_and_overlays_win() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("a.conf"), "events {}\nhttp { include b.conf; }\n").unwrap();
    std::fs::write(d.join("b.conf"), "server { listen 1; }\n").unwrap();
    let parse_ahead = |name: &str, text: &str| {
        let path = d.join(name);
        let canonical = std::fs::canonicalize(&path).unwrap();
        let file =
            SourceFile::parse_with_mode(&path, text.as_bytes().to_vec(), ParseMode::Directives);
        (canonical, file)
    };

    // The parsed text, not the disk's, is what loading sees.
    let mut config = ConfigSet::new(LoadOptions {
        prefix: None,
        follow_includes: true,
    });
    let (canonical, file) = parse_ahead("b.conf", "server { listen 2; }\n");
    config.add_parsed(canonical, file);
    let entry = config.load_entry(&d.join("a.conf")).unwrap();
    let b = config.reachable(entry)[0];
    assert_eq!(config.file(b).source(), b"server { listen 2; }\n");
    let entry_b = config.load_entry(&d.join("b.conf")).unwrap();
    assert_eq!(entry_b.file, b, "one file, loaded once");
    assert_eq!(config.file_ids().count(), 2);

    // An overlay wins over a file parsed ahead.
    let mut config = ConfigSet::new(LoadOptions {
        prefix: None,
        follow_includes: true,
    });
    let canonical = std::fs::canonicalize(d.join("b.conf")).unwrap();
    config.set_overlay([(canonical, b"server { listen 3; }\n".to_vec())].into());
    let (canonical, file) = parse_ahead("b.conf", "server { listen 2; }\n");
    config.add_parsed(canonical, file);
    let entry = config.load_entry(&d.join("b.conf")).unwrap();
    assert_eq!(config.file(entry.file).source(), b"server { listen 3; }\n");
}
