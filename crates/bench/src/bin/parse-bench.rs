//! `parse-bench FILE [--iterations N] [--json] [--full-config]`: parse
//! throughput and peak memory of the parser, on one thread.
//!
//! * Default: the file is read once; each iteration clones the bytes (not
//!   timed), then times `SourceFile::parse` alone. Dropping the tree is not
//!   timed either.
//! * `--full-config`: each iteration times `ConfigSet::load_entry` with
//!   includes followed, which also reads every file (from the page cache)
//!   and resolves the include globs.
//!
//! The first iteration parses on a fresh heap (as a linter's single parse
//! does) and is also reported on its own. After the timed iterations, one
//! untimed parse runs with a counting allocator switched on (dhat-style): how
//! many allocations the parse makes and how many heap bytes the finished tree
//! holds.
//!
//! Peak RSS is `VmHWM` from `/proc/self/status` at the end: it includes the
//! program itself, the input bytes kept for cloning and the largest parse.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use nginx_wslint_parser::{ConfigSet, LoadOptions, SourceFile};

const USAGE: &str = "\
usage: parse-bench FILE [--iterations N] [--json] [--full-config] [--verbose]

  --iterations N   number of timed parses (default 10)
  --json           print one JSON object instead of text
  --full-config    load FILE with its includes through ConfigSet (times
                   reading the files too)
  --verbose        print each iteration's time to standard error";

struct Args {
    file: PathBuf,
    iterations: usize,
    json: bool,
    full_config: bool,
    verbose: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut file = None;
    let mut iterations = 10;
    let mut json = false;
    let mut full_config = false;
    let mut verbose = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--iterations" | "-n" => {
                let v = args.next().ok_or("--iterations needs a value")?;
                iterations = v
                    .parse()
                    .map_err(|_| format!("--iterations: not an unsigned integer: {v}"))?;
                if iterations == 0 {
                    return Err("--iterations must be at least 1".into());
                }
            }
            "--json" => json = true,
            "--full-config" => full_config = true,
            "--verbose" | "-v" => verbose = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other if other.starts_with('-') && other != "-" => {
                return Err(format!("unexpected option: {other}"))
            }
            other => {
                if file.replace(PathBuf::from(other)).is_some() {
                    return Err("only one FILE can be given".into());
                }
            }
        }
    }
    Ok(Args {
        file: file.ok_or("FILE is required")?,
        iterations,
        json,
        full_config,
        verbose,
    })
}

/// The system allocator, counting while [`COUNTING`] is on. Off, it costs a
/// relaxed load per call, so the timed iterations run with it off.
struct CountingAlloc;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static REALLOCATIONS: AtomicU64 = AtomicU64::new(0);
/// Bytes allocated minus bytes freed while counting (signed: blocks
/// allocated before counting may be freed during it).
static LIVE: AtomicI64 = AtomicI64::new(0);
static PEAK: AtomicI64 = AtomicI64::new(0);

impl CountingAlloc {
    fn grow(delta: i64) {
        let live = LIVE.fetch_add(delta, Relaxed) + delta;
        PEAK.fetch_max(live, Relaxed);
    }
}

// SAFETY: every call is forwarded to `System` unchanged; the counters are
// only bookkeeping.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Relaxed) {
            ALLOCATIONS.fetch_add(1, Relaxed);
            CountingAlloc::grow(layout.size() as i64);
        }
        System.alloc(layout)
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Relaxed) {
            ALLOCATIONS.fetch_add(1, Relaxed);
            CountingAlloc::grow(layout.size() as i64);
        }
        System.alloc_zeroed(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if COUNTING.load(Relaxed) {
            LIVE.fetch_sub(layout.size() as i64, Relaxed);
        }
        System.dealloc(ptr, layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Relaxed) {
            REALLOCATIONS.fetch_add(1, Relaxed);
            CountingAlloc::grow(new_size as i64 - layout.size() as i64);
        }
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

/// What the counting allocator saw during one parse.
#[derive(Debug, Clone, Copy, Default)]
struct AllocStats {
    allocations: u64,
    reallocations: u64,
    /// Heap bytes still held when the parse returned (the tree).
    retained: i64,
    /// Largest heap growth during the parse.
    peak: i64,
}

fn start_counting() {
    ALLOCATIONS.store(0, Relaxed);
    REALLOCATIONS.store(0, Relaxed);
    LIVE.store(0, Relaxed);
    PEAK.store(0, Relaxed);
    COUNTING.store(true, Relaxed);
}

fn stop_counting() -> AllocStats {
    COUNTING.store(false, Relaxed);
    AllocStats {
        allocations: ALLOCATIONS.load(Relaxed),
        reallocations: REALLOCATIONS.load(Relaxed),
        retained: LIVE.load(Relaxed),
        peak: PEAK.load(Relaxed),
    }
}

/// A value in kB from `/proc/self/status` (`VmHWM`, `VmRSS`), in bytes.
fn proc_status_bytes(key: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    let kb: u64 = line[key.len()..]
        .trim_start_matches(':')
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb * 1024)
}

/// What the input holds, counted once (untimed).
#[derive(Debug, Clone, Copy, Default)]
struct Outcome {
    files: usize,
    input_bytes: usize,
    directives: usize,
    errors: usize,
    load_diagnostics: usize,
}

fn count_file(file: &SourceFile, outcome: &mut Outcome) {
    outcome.files += 1;
    outcome.input_bytes += file.source().len();
    outcome.directives += file.directives().count();
    outcome.errors += file.errors.len();
    if let Some(e) = file.errors.first() {
        eprintln!(
            "parse-bench: warning: {}:{}: {}",
            file.path.display(),
            e.line,
            e.message
        );
    }
}

/// How a pass runs: timed, or untimed with allocations counted.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pass {
    Timed,
    Counted,
}

/// The result of one pass: its time, and for [`Pass::Counted`] what the
/// input holds and what the allocator saw.
struct PassResult {
    elapsed: Duration,
    errors: usize,
    counted: Option<(Outcome, AllocStats)>,
}

/// Parses `bytes` once; only the parse is timed (not the copy of the input
/// nor dropping the tree).
fn run_single(path: &Path, bytes: &[u8], pass: Pass) -> PassResult {
    let source = bytes.to_vec();
    let path = path.to_path_buf();
    if pass == Pass::Counted {
        start_counting();
    }
    let start = Instant::now();
    let file = SourceFile::parse(black_box(path), black_box(source));
    let elapsed = start.elapsed();
    let alloc = (pass == Pass::Counted).then(stop_counting);
    let file = black_box(file);
    let counted = alloc.map(|alloc| {
        let mut o = Outcome::default();
        count_file(&file, &mut o);
        (o, alloc)
    });
    let errors = black_box(file.errors.len());
    drop(file);
    PassResult {
        elapsed,
        errors,
        counted,
    }
}

/// Loads `path` with its includes once, timing the whole load (reading the
/// files included).
fn run_full(path: &Path, pass: Pass) -> Result<PassResult, String> {
    if pass == Pass::Counted {
        start_counting();
    }
    let start = Instant::now();
    let mut set = ConfigSet::new(LoadOptions {
        prefix: None,
        follow_includes: true,
    });
    let loaded = set.load_entry(black_box(path));
    let elapsed = start.elapsed();
    let alloc = (pass == Pass::Counted).then(stop_counting);
    loaded.map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let set = black_box(set);
    let counted = alloc.map(|alloc| {
        let mut o = Outcome {
            load_diagnostics: set.diagnostics.len(),
            ..Outcome::default()
        };
        for file in &set.files {
            count_file(file, &mut o);
        }
        for d in &set.diagnostics {
            eprintln!("parse-bench: warning: {}", d.message);
        }
        (o, alloc)
    });
    let errors = black_box(set.files.iter().map(|f| f.errors.len()).sum::<usize>());
    drop(set);
    Ok(PassResult {
        elapsed,
        errors,
        counted,
    })
}

fn median(sorted: &[Duration]) -> Duration {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2
    }
}

fn run(args: &Args) -> Result<(), String> {
    let rss_start = proc_status_bytes("VmRSS").unwrap_or(0);
    let bytes = if args.full_config {
        Vec::new()
    } else {
        std::fs::read(&args.file)
            .map_err(|e| format!("cannot read {}: {e}", args.file.display()))?
    };
    let pass = |pass| {
        if args.full_config {
            run_full(&args.file, pass)
        } else {
            Ok(run_single(&args.file, &bytes, pass))
        }
    };

    // The first timed parse runs on a fresh heap, like a linter's only
    // parse; it is reported on its own as well.
    let mut times = Vec::with_capacity(args.iterations);
    let mut errors = Vec::with_capacity(args.iterations);
    for i in 0..args.iterations {
        let result = pass(Pass::Timed)?;
        if args.verbose {
            eprintln!(
                "parse-bench: iteration {}: {:.2} ms",
                i + 1,
                result.elapsed.as_secs_f64() * 1e3
            );
        }
        times.push(result.elapsed);
        errors.push(result.errors);
    }
    // Then one untimed pass with the counting allocator.
    let counted = pass(Pass::Counted)?;
    if let Some(i) = errors.iter().position(|&e| e != counted.errors) {
        return Err(format!(
            "iteration {} found {} errors, the counted parse {}",
            i + 1,
            errors[i],
            counted.errors
        ));
    }
    let (outcome, alloc) = counted.counted.expect("a counted pass counts");
    let first = times[0];
    let peak_rss = proc_status_bytes("VmHWM").unwrap_or(0);

    times.sort();
    let best = times[0];
    let median = median(&times);
    let mb = outcome.input_bytes as f64 / 1e6;
    let mbps = |d: Duration| mb / d.as_secs_f64().max(1e-12);
    let input = outcome.input_bytes.max(1) as f64;
    let ratio = peak_rss as f64 / input;
    let ratio_above_start = peak_rss.saturating_sub(rss_start) as f64 / input;
    let mode = if args.full_config {
        "full-config"
    } else {
        "single-file"
    };
    let timed = if args.full_config {
        "load with includes, reading the files"
    } else {
        "parse only"
    };

    if args.json {
        let value = serde_json::json!({
            "file": args.file.display().to_string(),
            "mode": mode,
            "timed": timed,
            "iterations": args.iterations,
            "files": outcome.files,
            "input_bytes": outcome.input_bytes,
            "directives": outcome.directives,
            "syntax_errors": outcome.errors,
            "load_diagnostics": outcome.load_diagnostics,
            "median_ms": median.as_secs_f64() * 1e3,
            "best_ms": best.as_secs_f64() * 1e3,
            "first_ms": first.as_secs_f64() * 1e3,
            "median_mb_per_s": mbps(median),
            "best_mb_per_s": mbps(best),
            "first_mb_per_s": mbps(first),
            "rss_start_bytes": rss_start,
            "peak_rss_bytes": peak_rss,
            "peak_rss_mb": peak_rss as f64 / 1e6,
            "peak_rss_ratio": ratio,
            "peak_rss_above_start_ratio": ratio_above_start,
            "allocations": alloc.allocations,
            "reallocations": alloc.reallocations,
            "heap_retained_bytes": alloc.retained,
            "heap_peak_bytes": alloc.peak,
            "heap_retained_ratio": alloc.retained as f64 / input,
        });
        println!("{value}");
    } else {
        println!("file:        {} ({mode})", args.file.display());
        println!(
            "input:       {} bytes ({:.2} MB) in {} file(s), {} directives, {} syntax errors{}",
            outcome.input_bytes,
            mb,
            outcome.files,
            outcome.directives,
            outcome.errors,
            if args.full_config {
                format!(", {} include diagnostics", outcome.load_diagnostics)
            } else {
                String::new()
            }
        );
        println!(
            "time:        median {:.2} ms, best {:.2} ms over {} iterations, first {:.2} ms ({timed})",
            median.as_secs_f64() * 1e3,
            best.as_secs_f64() * 1e3,
            args.iterations,
            first.as_secs_f64() * 1e3,
        );
        println!(
            "throughput:  median {:.1} MB/s, best {:.1} MB/s, first (fresh heap) {:.1} MB/s (1 MB = 10^6 bytes)",
            mbps(median),
            mbps(best),
            mbps(first)
        );
        println!(
            "peak RSS:    {:.2} MB = {:.2}x input ({:.2}x counting only growth above the {:.2} MB at start)",
            peak_rss as f64 / 1e6,
            ratio,
            ratio_above_start,
            rss_start as f64 / 1e6
        );
        println!(
            "heap:        {} allocations + {} reallocations ({:.2} per directive); {:.2} MB retained = {:.2}x input, {:.2} MB at peak{}",
            alloc.allocations,
            alloc.reallocations,
            (alloc.allocations + alloc.reallocations) as f64 / outcome.directives.max(1) as f64,
            alloc.retained as f64 / 1e6,
            alloc.retained as f64 / input,
            alloc.peak as f64 / 1e6,
            if args.full_config {
                " (includes the file contents)"
            } else {
                " (tree only: the input is allocated before counting)"
            }
        );
    }
    if outcome.errors > 0 || outcome.load_diagnostics > 0 {
        eprintln!(
            "parse-bench: warning: the input has {} syntax errors and {} include diagnostics",
            outcome.errors, outcome.load_diagnostics
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("parse-bench: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("parse-bench: {message}");
            ExitCode::FAILURE
        }
    }
}
