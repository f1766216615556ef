//! Link options for the `nginx-wslint` binary that make it use less memory
//! and start sooner.
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
//!    after a check of 1 MB, 0.45 MB with it). With (4) there are none
//!    left to pack; this serves where (4) is refused.
//! 3. The unwinder (used only to unwind a panic) linked in from
//!    `libgcc_eh.a`, as Rust does for static binaries, instead of loading
//!    `libgcc_s.so.1` at every start: that library's constructor asks the
//!    CPU for its features, and in a virtual machine each `cpuid` traps to
//!    the host (about 10 µs each here). An empty file's check 1.76 →
//!    1.54 ms, 1 MB 8.19 → 7.93 ms, 0.12 MB less memory. The probe program
//!    must also catch a panic when it runs.
//! 4. `-no-pie`: the binary is linked at a fixed address, so the loader
//!    has no relocations to apply. Applied, they write to every page of
//!    `.data.rel.ro` (200 KB of vtables and string tables), one
//!    copy-on-write page fault each: 54 of a check's 164 page faults. An
//!    empty file's check 1.54 → 1.42 ms, 1 MB 7.93 → 7.79 ms, 0.2 MB less
//!    memory (7.35 → 7.15 MB at 1 MB, the binaries read afresh from disk).
//!    The binary's own code and data then have no address randomisation
//!    (the stack, heap, libraries and mappings keep it), as Go links its
//!    binaries by default; a packager who wants a position-independent
//!    binary builds with `NGINX_WSLINT_DEFAULT_LINK=1`.
//!
//! The names in the list are exact symbol names, which change with the
//! compiler and with dependency versions: then the unmatched names are
//! skipped (silently) and the code keeps its default order. Each option is
//! used only when a test link with the same compiler, target, flags and
//! linker accepts it (LLD, Rust's default linker on x86-64 Linux since
//! 1.90, takes all; GNU ld takes neither the list nor, before 2.38, the
//! packing); `NGINX_WSLINT_DEFAULT_LINK=1` turns them all off.

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
    let mut option_sets = vec![
        vec!["-Wl,-z,pack-relative-relocs".to_string()],
        vec!["-no-pie".to_string()],
    ];
    if order.is_file() {
        option_sets.push(vec![
            format!("-Wl,--symbol-ordering-file={}", order.display()),
            "-Wl,--no-warn-symbol-ordering".to_string(),
        ]);
    }
    let mut chosen: Vec<&[String]> = option_sets
        .iter()
        .filter(|o| links_with(&out, EMPTY_MAIN, o, false))
        .map(Vec::as_slice)
        .collect();
    let unwinder = [STATIC_UNWINDER.to_string()];
    if env::var("CARGO_CFG_TARGET_ENV").as_deref() == Ok("gnu")
        && links_with(&out, CATCHES_A_PANIC, &unwinder, true)
    {
        chosen.push(&unwinder);
    }
    for option in chosen.into_iter().flatten() {
        println!("cargo:rustc-link-arg-bin=nginx-wslint={option}");
    }
}

/// All of `libgcc_eh.a` (the unwinder, nothing else), found on the C
/// compiler's library path. Its definitions then win over `libgcc_s`'s,
/// and the linker (`--as-needed`, as Rust links) no longer needs that
/// library.
const STATIC_UNWINDER: &str = "-Wl,--push-state,--whole-archive,-l:libgcc_eh.a,--pop-state";

const EMPTY_MAIN: &str = "fn main() {}\n";

/// Exits 0 only when a panic unwinds to its `catch_unwind`.
const CATCHES_A_PANIC: &str = "fn main() {
    std::panic::set_hook(Box::new(|_| {}));
    let caught = std::panic::catch_unwind(|| panic!(\"probe\")).is_err();
    std::process::exit(if caught { 0 } else { 1 });
}
";

/// Whether `program` links with `options` added, built as the binary will
/// be: same compiler, target, flags and linker; with `run`, also whether it
/// then exits 0 (assumed when the target is not the machine building).
fn links_with(out: &Path, program: &str, options: &[String], run: bool) -> bool {
    let source = out.join("link_probe.rs");
    let probe = out.join("link_probe");
    if std::fs::write(&source, program).is_err() {
        return false;
    }
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let mut command = Command::new(rustc);
    command
        .arg(&source)
        .arg("-o")
        .arg(&probe)
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
    if !command.status().is_ok_and(|status| status.success()) {
        return false;
    }
    if !run || env::var("HOST") != env::var("TARGET") {
        return true;
    }
    Command::new(&probe)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}
