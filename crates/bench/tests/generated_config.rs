//! The generated configuration parses without errors and, when nginx is
//! installed, `nginx -t` accepts it.
//!
//! Without `nginx` on PATH the nginx checks print a notice and pass, unless
//! `NGINX_WSLINT_REQUIRE_NGINX=1`, which makes them fail instead.

use std::path::{Path, PathBuf};
use std::process::Command;

use nginx_wslint_bench::{generate, GenOptions, GeneratedConfig, PORTS};
use nginx_wslint_parser::{ConfigSet, LoadOptions, SourceFile};

const SIZE: usize = 200_000;

fn small_config(includes: usize) -> GeneratedConfig {
    generate(&GenOptions {
        size_bytes: SIZE,
        seed: 42,
        includes,
    })
}

fn count_named(file: &SourceFile, name: &str) -> usize {
    file.directives().filter(|d| file.name(d) == name).count()
}

/// `nginx` from PATH, or `None` (after a notice) when it is missing and not
/// required.
fn find_nginx() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join("nginx"))
            .find(|candidate| candidate.is_file())
    });
    if found.is_none() {
        let required = std::env::var("NGINX_WSLINT_REQUIRE_NGINX").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "nginx is not on PATH but NGINX_WSLINT_REQUIRE_NGINX=1"
        );
        eprintln!("notice: nginx is not on PATH; skipping the `nginx -t` check");
    }
    found
}

/// Runs `nginx -t` on `dir/nginx.conf` with `dir` as the prefix.
fn nginx_test(nginx: &Path, dir: &Path) {
    let conf = dir.join("nginx.conf");
    let output = Command::new(nginx)
        .arg("-t")
        .arg("-q")
        .arg("-p")
        .arg(format!("{}/", dir.display()))
        .arg("-c")
        .arg(&conf)
        .arg("-e")
        .arg("stderr")
        .arg("-g")
        .arg(format!("pid {}/nginx.pid;", dir.display()))
        .output()
        .expect("running nginx -t");
    assert!(
        output.status.success(),
        "nginx -t rejected the generated configuration:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn generated_config_parses_without_errors() {
    let config = small_config(0);
    assert!(config.includes.is_empty());
    let size = config.main.len();
    assert!((SIZE..SIZE + 10_000).contains(&size), "size {size}");

    let file = SourceFile::parse("nginx.conf", config.main.clone().into_bytes());
    assert!(
        file.errors.is_empty(),
        "syntax errors: {:?}",
        &file.errors[..file.errors.len().min(5)]
    );
    // About one directive per 30-60 bytes of this style of configuration.
    let directives = file.directives().count();
    assert!(
        (size / 80..size / 20).contains(&directives),
        "{directives} directives in {size} bytes"
    );
    assert_eq!(count_named(&file, "http"), 1);
    assert_eq!(count_named(&file, "events"), 1);
    assert_eq!(count_named(&file, "upstream"), config.stats.upstreams);
    // The generated servers plus one default server per port.
    let servers = count_named(&file, "server") - count_upstream_servers(&file);
    assert_eq!(servers, config.stats.servers + usize::from(PORTS));
    assert!(config.stats.servers >= 100, "{:?}", config.stats);
    assert_eq!(count_named(&file, "location"), config.stats.locations);
    assert!(count_named(&file, "map") >= 4);
    assert!(config
        .main
        .contains("map $http_upgrade $connection_upgrade {"));
    assert!(config
        .main
        .contains("proxy_set_header Connection $connection_upgrade;"));
    assert!(config.main.contains("location ~* \\.(js|css)$ {"));
}

/// `server` lines inside `upstream` blocks.
fn count_upstream_servers(file: &SourceFile) -> usize {
    file.directives()
        .filter(|d| file.name(d) == "upstream")
        .map(|d| {
            file.children(d)
                .iter()
                .filter_map(|n| n.as_directive())
                .filter(|c| file.name(c) == "server")
                .count()
        })
        .sum()
}

#[test]
fn generated_config_with_includes_loads_without_errors() {
    let config = small_config(3);
    assert_eq!(config.includes.len(), 3);
    assert!(config.main.contains("include conf.d/*.conf;"));
    let dir = tempfile::tempdir().expect("tempdir");
    let main = dir.path().join("nginx.conf");
    config.write_to(&main).expect("writing the configuration");

    let mut set = ConfigSet::new(LoadOptions {
        prefix: None,
        follow_includes: true,
    });
    set.load_entry(&main).expect("loading nginx.conf");
    assert!(set.diagnostics.is_empty(), "{:?}", set.diagnostics);
    assert_eq!(set.files.len(), 4);
    let mut servers = 0;
    for file in &set.files {
        assert!(
            file.errors.is_empty(),
            "{}: {:?}",
            file.path.display(),
            file.errors
        );
        servers += file
            .items()
            .iter()
            .filter_map(|n| n.as_directive())
            .filter(|d| file.name(d) == "server")
            .count();
    }
    // Top-level servers are the included ones.
    assert_eq!(servers, config.stats.servers);

    if let Some(nginx) = find_nginx() {
        nginx_test(&nginx, dir.path());
    }
}

#[test]
fn nginx_accepts_generated_config() {
    let Some(nginx) = find_nginx() else {
        return;
    };
    let config = small_config(0);
    let dir = tempfile::tempdir().expect("tempdir");
    config
        .write_to(&dir.path().join("nginx.conf"))
        .expect("writing the configuration");
    nginx_test(&nginx, dir.path());
}
