//! Wall time per phase of a check, for profiling: with
//! `NGINX_WSLINT_TIMINGS=1` in the environment each [`phase`] call prints
//! the time since the previous one to standard error, and (on Linux) the
//! process's resident memory and heap in use at its end. Without it a call costs one load.

use std::sync::{Mutex, OnceLock};
use std::time::Instant;

fn enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var_os("NGINX_WSLINT_TIMINGS").is_some_and(|v| v == "1"))
}

/// Ends the phase called `name` (the first call only starts the clock).
pub fn phase(name: &str) {
    if !enabled() {
        return;
    }
    static LAST: Mutex<Option<Instant>> = Mutex::new(None);
    let now = Instant::now();
    let mut last = LAST.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(previous) = *last {
        eprintln!(
            "nginx-wslint timing: {name:>14} {:8.2} ms{}{}",
            (now - previous).as_secs_f64() * 1000.0,
            resident_mb().map_or(String::new(), |mb| format!(" {mb:8.1} MB resident")),
            heap_mb().map_or(String::new(), |mb| format!(" {mb:8.1} MB heap"))
        );
    }
    *last = Some(now);
}

/// The memory glibc's allocator has handed out and not taken back, in MB
/// (10^6 bytes): the heap's blocks in use plus those mapped on their own.
/// In `nginx-wslint` it includes the allocator wrapper's filler blocks
/// (`src/heap.rs`), up to 2 MiB that are never touched.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn heap_mb() -> Option<f64> {
    // SAFETY: mallinfo2 only reads the allocator's statistics.
    let info = unsafe { libc::mallinfo2() };
    Some((info.uordblks + info.hblkhd) as f64 / 1e6)
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn heap_mb() -> Option<f64> {
    None
}

/// The resident set in MB (10^6 bytes): `VmRSS` of `/proc/self/status`.
fn resident_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find_map(|l| l.strip_prefix("VmRSS:"))?;
    let kb: f64 = line.trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kb * 1024.0 / 1e6)
}
