//! Link options for the `nginx-wslint` binary that make it use less memory.
//!
//! 1. `link/hot-functions.txt` lists the functions a check runs (see
//!    `scripts/hot-functions`). Placed together at the start of the code,
//!    they share pages: the kernel maps a binary's code 64 KiB around each
//!    page first touched, and spread over the 4 MB of code, the functions
//!    of a check of 1 MB touched 34 such windows: 2.2 MB of resident
//!    memory, 0.9 MB once they are together. With (2), the peak resident
//!    memory of that check falls from 11.2 to 9.5 MB, and of an empty
//!    file from 4.9 to 3.0 MB; time is unchanged.
//! 2. `-z pack-relative-relocs`: the 11,000 relocations of the
//!    position-independent binary take 6 KB instead of 260 KB, which the
//!    loader reads at every start (0.7 MB of read-only pages resident
//!    after a check of 1 MB, 0.45 MB with it).
//!
//! The names in the list are exact symbol names, which change with the
//! compiler and with dependency versions: then the unmatched names are
//! skipped (silently) and the code keeps its default order. Each option is
//! used only when a test link with the same compiler, target, flags and
//! linker accepts it (LLD, Rust's default linker on x86-64 Linux since
//! 1.90, takes both; GNU ld takes neither the list nor, before 2.38, the
//! packing); `NGINX_WSLINT_DEFAULT_LINK=1` turns both off.

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=link/hot-functions.txt");
    println!("cargo:rerun-if-env-changed=NGINX_WSLINT_DEFAULT_LINK");
    if env::var_os("NGINX_WSLINT_DEFAULT_LINK").is_some_and(|v| v == "1")
        || env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("linux")
    {
        return;
    }
    let root = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let out = PathBuf::from(env::var_os("OUT_DIR").unwrap_or_default());
    let order = root.join("link/hot-functions.txt");
    let mut option_sets = vec![vec!["-Wl,-z,pack-relative-relocs".to_string()]];
    if order.is_file() {
        option_sets.push(vec![
            format!("-Wl,--symbol-ordering-file={}", order.display()),
            "-Wl,--no-warn-symbol-ordering".to_string(),
        ]);
    }
    for options in option_sets.iter().filter(|o| links_with(&out, o)) {
        for option in options {
            println!("cargo:rustc-link-arg-bin=nginx-wslint={option}");
        }
    }
}

/// Whether a program of one empty `main` links with `options` added, built
/// as the binary will be: same compiler, target, flags and linker.
fn links_with(out: &Path, options: &[String]) -> bool {
    let source = out.join("link_probe.rs");
    if std::fs::write(&source, "fn main() {}\n").is_err() {
        return false;
    }
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let mut command = Command::new(rustc);
    command
        .arg(&source)
        .arg("-o")
        .arg(out.join("link_probe"))
        .args(["--crate-type", "bin", "-C", "opt-level=0"])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Ok(target) = env::var("TARGET") {
        command.args(["--target", &target]);
    }
    if let Ok(linker) = env::var("RUSTC_LINKER") {
        command.arg(format!("-Clinker={linker}"));
    }
    if let Ok(flags) = env::var("CARGO_ENCODED_RUSTFLAGS") {
        command.args(flags.split('\x1f').filter(|f| !f.is_empty()));
    }
    for option in options {
        command.arg(format!("-Clink-arg={option}"));
    }
    command.status().is_ok_and(|status| status.success())
}
