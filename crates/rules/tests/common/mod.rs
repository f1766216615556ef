//! Helpers shared by the rules crate's integration tests: finding and
//! running a real nginx (in a temporary directory, never as a service).
#![allow(dead_code)]

use std::path::PathBuf;

/// The nginx binary, if installed (PATH, then the usual sbin directories).
pub fn nginx_binary() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/usr/local/sbin")])
        .map(|dir| dir.join("nginx"))
        .find(|p| p.is_file())
}

/// The nginx binary, or `None` after the notice `nginx not found;
/// {skipped}`. With `NGINX_WSLINT_REQUIRE_NGINX=1` (CI) a missing nginx
/// fails the test instead.
pub fn nginx_or_skip(skipped: &str) -> Option<PathBuf> {
    let found = nginx_binary();
    if found.is_none() {
        assert!(
            std::env::var("NGINX_WSLINT_REQUIRE_NGINX").as_deref() != Ok("1"),
            "nginx is required (NGINX_WSLINT_REQUIRE_NGINX=1) but not installed: \
             apt-get install -y nginx-light"
        );
        eprintln!("notice: nginx not found; {skipped}");
    }
    found
}
