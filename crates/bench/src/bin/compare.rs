//! `compare`: the side-by-side benchmark of issue #7. Generates
//! configurations of the given sizes (with `gen-config`'s generator: servers,
//! upstreams, maps, regex and nested locations, the servers spread over
//! included files) and times, on the same files and pinned to one core:
//!
//! * `nginx-wslint check CONF` (all rules, default output; exit 1, findings,
//!   is a success),
//! * `nginx-wslint parse CONF` (to /dev/null),
//! * `crossplane parse CONF` (to /dev/null),
//! * `nginx -t -p DIR/ -c CONF -g 'pid DIR/nginx.pid;' -e stderr`.
//!
//! Each tool's runs follow each other after an uncounted warm-up run (see
//! [`measure`] for why). The harness pins runs by setting its own thread's
//! CPU affinity, which the child inherits. Each child's wall time is
//! measured around its spawn and `wait4`, whose `rusage` gives its peak RSS
//! (`ru_maxrss`, the largest process of its tree). A tool that is not
//! installed gets a row saying so. The result is a markdown report (inputs,
//! results, start-up cost, linearity, the targets and, with more
//! than one CPU, `check` on many files on one core and on all) printed at
//! the end and optionally written to a file.
//!
//! `crates/bench/compare.sh` builds the release binaries and runs this.

use std::fmt::Write as _;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use nginx_wslint_bench::{generate, GenOptions, Stats};

const USAGE: &str = "\
usage: compare [OPTIONS]

  --sizes LIST           sizes in MB, comma-separated (default 1,10,100; fractions allowed)
  --runs N               runs per tool and size (default 5; the budget caps slow tools)
  --warmup N             uncounted runs before them (default 1)
  --includes-per-mb X    included files per MB of configuration (default 10: 10, 100
                         and 1,000 files at 1, 10 and 100 MB); 0 = one file
  --seed S               generator seed (default 1)
  --cpu LIST|none        the CPUs every run is pinned to, e.g. 1 or 0-1 (default 1;
                         falls back to no pinning, with a note, if that fails)
  --tools LIST           which of check,parse,crossplane,nginx to run (default all)
  --bin PATH             the nginx-wslint binary (default: next to this program)
  --nginx CMD            nginx (default: `nginx` on PATH, else /usr/sbin/nginx)
  --crossplane CMD       crossplane (default: `crossplane` on PATH; a pyenv shim is
                         resolved to the script it runs)
  --many-files N         also time `check DIR` on N generated files, on one core and on
                         all (default 64; 0 = skip; skipped with one CPU)
  --many-mb X            total size of those files in MB (default 10)
  --scaling N            also time every tool on one server with N locations and on
                         N included files (default 10000; 0 = skip)
  --budget SECS          a tool is not run again at a size once its runs there took
                         SECS in all (default 600)
  --time-limit SECS      a run is stopped after SECS and reported as taking more
                         than that; the tool is not run again at that size
                         (default 600: nginx -t at 100 MB takes minutes)
  --dir DIR              where to generate (default: a new temporary directory, removed
                         at the end unless --keep)
  --keep                 keep the generated files
  --out FILE             also write the markdown report to FILE";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tool {
    Check,
    Parse,
    Crossplane,
    Nginx,
}

const ALL_TOOLS: [Tool; 4] = [Tool::Check, Tool::Parse, Tool::Crossplane, Tool::Nginx];

impl Tool {
    fn key(self) -> &'static str {
        match self {
            Tool::Check => "check",
            Tool::Parse => "parse",
            Tool::Crossplane => "crossplane",
            Tool::Nginx => "nginx",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Tool::Check => "`nginx-wslint check`",
            Tool::Parse => "`nginx-wslint parse`",
            Tool::Crossplane => "`crossplane parse`",
            Tool::Nginx => "`nginx -t`",
        }
    }

    fn from_key(key: &str) -> Option<Tool> {
        ALL_TOOLS.into_iter().find(|t| t.key() == key)
    }
}

struct Args {
    sizes: Vec<f64>,
    runs: usize,
    warmup: usize,
    includes_per_mb: f64,
    seed: u64,
    cpu: Option<String>,
    tools: Vec<Tool>,
    bin: Option<PathBuf>,
    nginx: String,
    crossplane: String,
    many_files: usize,
    scaling: usize,
    many_mb: f64,
    budget: f64,
    time_limit: f64,
    dir: Option<PathBuf>,
    keep: bool,
    out: Option<PathBuf>,
}

fn parse_mb(flag: &str, v: &str) -> Result<f64, String> {
    let mb: f64 = v
        .trim()
        .parse()
        .map_err(|_| format!("{flag}: not a number: {v}"))?;
    if !(mb > 0.0 && mb <= 4000.0) {
        return Err(format!("{flag}: sizes must be in (0, 4000] MB, got {v}"));
    }
    Ok(mb)
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        sizes: vec![1.0, 10.0, 100.0],
        runs: 5,
        warmup: 1,
        includes_per_mb: 10.0,
        seed: 1,
        cpu: Some("1".into()),
        tools: ALL_TOOLS.to_vec(),
        bin: None,
        nginx: "nginx".into(),
        crossplane: "crossplane".into(),
        many_files: 64,
        scaling: 10_000,
        many_mb: 10.0,
        budget: 600.0,
        time_limit: 600.0,
        dir: None,
        keep: false,
        out: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        let unsigned = |v: String| -> Result<u64, String> {
            v.parse()
                .map_err(|_| format!("{flag}: not an unsigned integer: {v}"))
        };
        match flag.as_str() {
            "--sizes" => {
                let v = value()?;
                a.sizes = v
                    .split(',')
                    .filter(|s| !s.trim().is_empty())
                    .map(|s| parse_mb("--sizes", s))
                    .collect::<Result<_, _>>()?;
                if a.sizes.is_empty() {
                    return Err("--sizes: no size given".into());
                }
            }
            "--runs" => {
                let n = unsigned(value()?)?;
                if n == 0 {
                    return Err("--runs must be at least 1".into());
                }
                a.runs = n as usize;
            }
            "--includes-per-mb" => {
                let v = value()?;
                a.includes_per_mb = v
                    .parse()
                    .ok()
                    .filter(|x: &f64| *x >= 0.0 && x.is_finite())
                    .ok_or_else(|| format!("--includes-per-mb: not a number ≥ 0: {v}"))?;
            }
            "--seed" => a.seed = unsigned(value()?)?,
            "--warmup" => a.warmup = unsigned(value()?)? as usize,
            "--cpu" => {
                let v = value()?;
                a.cpu = if v == "none" {
                    None
                } else {
                    parse_cpu_list(&v)
                        .ok_or_else(|| format!("--cpu: not a CPU list such as 1 or 0-1: {v}"))?;
                    Some(v)
                };
            }
            "--tools" => {
                let v = value()?;
                a.tools = v
                    .split(',')
                    .filter(|s| !s.trim().is_empty())
                    .map(|s| {
                        Tool::from_key(s.trim()).ok_or_else(|| {
                            format!("--tools: unknown tool {s} (check, parse, crossplane, nginx)")
                        })
                    })
                    .collect::<Result<_, _>>()?;
            }
            "--bin" => a.bin = Some(PathBuf::from(value()?)),
            "--nginx" => a.nginx = value()?,
            "--crossplane" => a.crossplane = value()?,
            "--many-files" => a.many_files = unsigned(value()?)? as usize,
            "--scaling" => a.scaling = unsigned(value()?)? as usize,
            "--many-mb" => a.many_mb = parse_mb("--many-mb", &value()?)?,
            "--budget" => {
                let v = value()?;
                a.budget = v
                    .parse()
                    .ok()
                    .filter(|x: &f64| *x > 0.0)
                    .ok_or_else(|| format!("--budget: not a number of seconds > 0: {v}"))?;
            }
            "--time-limit" => {
                let v = value()?;
                a.time_limit = v
                    .parse()
                    .ok()
                    .filter(|x: &f64| *x > 0.0 && *x < 1e9)
                    .ok_or_else(|| format!("--time-limit: not a number of seconds > 0: {v}"))?;
            }
            "--dir" => a.dir = Some(PathBuf::from(value()?)),
            "--keep" => a.keep = true,
            "--out" | "-o" => a.out = Some(PathBuf::from(value()?)),
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unexpected argument: {other}")),
        }
    }
    Ok(a)
}

// ---------------------------------------------------------------------------
// Running a child and measuring it.

/// One run of one command.
#[derive(Debug, Clone, Copy)]
struct Sample {
    secs: f64,
    /// Peak RSS in bytes (`ru_maxrss`), when the platform reports it.
    rss: Option<u64>,
    /// The exit code, or `None` when killed by a signal.
    code: Option<i32>,
    /// The signal that killed it, if one did.
    signal: Option<i32>,
    /// Stopped at the time limit: `secs` is a lower bound.
    timed_out: bool,
}

/// Spawns `cmd` and waits for it with `wait4`, which also returns its
/// resource usage: `ru_maxrss` is the largest RSS of the child and of the
/// descendants it waited for (kB on Linux). A watchdog thread kills it
/// with SIGKILL after `limit`; the child is waited for without being
/// reaped (`waitid` with `WNOWAIT`) until the watchdog has stopped, so its
/// pid cannot be reused by another process while the watchdog may kill it.
#[cfg(unix)]
fn run_measured(cmd: &mut Command, limit: Duration) -> std::io::Result<Sample> {
    let start = Instant::now();
    let child = cmd.spawn()?;
    let pid = child.id() as libc::pid_t;
    let (stop, stopped) = std::sync::mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        let expired =
            stopped.recv_timeout(limit) == Err(std::sync::mpsc::RecvTimeoutError::Timeout);
        if expired {
            // SAFETY: `pid` is our child, not yet reaped (see above).
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        expired
    });
    loop {
        // SAFETY: `info` is plain old data; all zeroes is a valid value.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: a valid pointer to a local; WNOWAIT leaves it a zombie.
        let r = unsafe {
            libc::waitid(
                libc::P_PID,
                pid as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOWAIT,
            )
        };
        if r == 0 {
            break;
        }
        let error = std::io::Error::last_os_error();
        if error.kind() != std::io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
    drop(stop);
    let timed_out = watchdog.join().unwrap_or(false);
    let mut status: libc::c_int = 0;
    // SAFETY: `rusage` is plain old data; all zeroes is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: valid pointers to locals; `pid` is our unwaited child. The
        // `Child` is dropped without waiting (std never waits on drop).
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            break;
        }
        let error = std::io::Error::last_os_error();
        if error.kind() != std::io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
    let secs = start.elapsed().as_secs_f64();
    drop(child);
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    let signal = libc::WIFSIGNALED(status).then(|| libc::WTERMSIG(status));
    Ok(Sample {
        secs,
        rss: Some(usage.ru_maxrss as u64 * 1024),
        code,
        signal,
        timed_out,
    })
}

#[cfg(not(unix))]
fn run_measured(cmd: &mut Command, _limit: Duration) -> std::io::Result<Sample> {
    let start = Instant::now();
    let status = cmd.status()?;
    Ok(Sample {
        secs: start.elapsed().as_secs_f64(),
        rss: None,
        code: status.code(),
        signal: None,
        timed_out: false,
    })
}

/// How a tool is run: its program (resolved) and version, or why not.
#[derive(Debug, Clone)]
enum Setup {
    Ready { program: PathBuf, version: String },
    Unavailable(String),
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    if name.contains('/') {
        let p = PathBuf::from(name);
        let p = std::path::absolute(&p).unwrap_or(p);
        return p.is_file().then_some(p);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// First line of a command's standard output, else of its standard error,
/// if it exits with 0.
fn version_line(program: &Path, arg: &str) -> Option<String> {
    let out = Command::new(program)
        .arg(arg)
        .stdin(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = if out.stdout.iter().any(|b| !b.is_ascii_whitespace()) {
        out.stdout
    } else {
        out.stderr
    };
    let text = String::from_utf8_lossy(&text);
    Some(text.lines().next().unwrap_or("").trim().to_string())
}

fn setup_wslint(bin: &Path) -> Setup {
    if !bin.is_file() {
        return Setup::Unavailable(format!(
            "not built ({}; run crates/bench/compare.sh)",
            bin.display()
        ));
    }
    match version_line(bin, "--version") {
        Some(version) => Setup::Ready {
            program: bin.to_path_buf(),
            version,
        },
        None => Setup::Unavailable(format!("{}: --version failed", bin.display())),
    }
}

fn setup_crossplane(cmd: &str) -> Setup {
    let Some(mut program) = find_on_path(cmd) else {
        return Setup::Unavailable("not installed".into());
    };
    // A pyenv shim runs bash and pyenv before Python (about 70 ms): time the
    // script it runs instead.
    if program.parent().is_some_and(|d| d.ends_with("shims")) {
        let resolved = Command::new("pyenv")
            .arg("which")
            .arg(program.file_name().unwrap_or_default())
            .stderr(Stdio::null())
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
            .filter(|p| p.is_file());
        if let Some(p) = resolved {
            program = p;
        }
    }
    match version_line(&program, "--version") {
        Some(version) => Setup::Ready { program, version },
        None => Setup::Unavailable("not installed (`crossplane --version` failed)".into()),
    }
}

fn setup_nginx(cmd: &str) -> Setup {
    let found = find_on_path(cmd).or_else(|| {
        let sbin = PathBuf::from("/usr/sbin/nginx");
        (cmd == "nginx" && sbin.is_file()).then_some(sbin)
    });
    let Some(program) = found else {
        return Setup::Unavailable("not installed".into());
    };
    match version_line(&program, "-v") {
        Some(version) => Setup::Ready {
            program,
            version: version.trim_start_matches("nginx version: ").to_string(),
        },
        None => Setup::Unavailable("not installed (`nginx -v` failed)".into()),
    }
}

/// Which CPUs the runs may use. The harness sets the affinity of its own
/// thread before each spawn and the child inherits it, so no `taskset`
/// process starts (and is timed) with every run.
#[derive(Debug, Clone)]
struct Pin {
    /// A CPU list as `taskset -c` takes it (`1`, `0-3`, `0,2`), or `None`
    /// for the CPUs this process was allowed to use at start.
    cpus: Option<String>,
}

/// This process's CPUs at start, as a CPU list (see [`all_cpus`]).
static ALLOWED_AT_START: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();

impl Pin {
    /// Sets the calling thread's affinity to the pinned CPUs (or back to
    /// those allowed at start): the children it spawns inherit it.
    fn apply(&self) -> std::io::Result<()> {
        let list = match &self.cpus {
            Some(cpus) => Some(cpus.clone()),
            None => ALLOWED_AT_START.get_or_init(allowed_cpus).clone(),
        };
        match list {
            Some(list) => set_affinity(&list),
            None => Ok(()),
        }
    }

    /// Whether runs can be pinned to `cpus` (the affinity is left as it
    /// was).
    fn works(cpus: &str) -> bool {
        let pinned = Pin {
            cpus: Some(cpus.to_string()),
        };
        let ok = pinned.apply().is_ok();
        let _ = Pin { cpus: None }.apply();
        ok
    }
}

/// The CPUs of a list such as `0,2-3`; `None` if it is not one.
fn parse_cpu_list(list: &str) -> Option<Vec<usize>> {
    let mut cpus = Vec::new();
    for part in list.split(',') {
        let (first, last): (usize, usize) = match part.trim().split_once('-') {
            Some((a, b)) => (a.trim().parse().ok()?, b.trim().parse().ok()?),
            None => {
                let cpu = part.trim().parse().ok()?;
                (cpu, cpu)
            }
        };
        if first > last {
            return None;
        }
        cpus.extend(first..=last);
    }
    (!cpus.is_empty()).then_some(cpus)
}

#[cfg(target_os = "linux")]
fn set_affinity(list: &str) -> std::io::Result<()> {
    let invalid = || std::io::Error::new(std::io::ErrorKind::InvalidInput, list.to_string());
    let cpus = parse_cpu_list(list).ok_or_else(invalid)?;
    // SAFETY: `cpu_set_t` is plain old data; all zeroes is the empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    for cpu in cpus {
        if cpu >= libc::CPU_SETSIZE as usize {
            return Err(invalid());
        }
        // SAFETY: `cpu` is below CPU_SETSIZE, checked above.
        unsafe { libc::CPU_SET(cpu, &mut set) };
    }
    // SAFETY: a valid set of the size given; 0 is the calling thread.
    let r = unsafe { libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn set_affinity(_list: &str) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
}

/// A configuration on disk to run the tools on.
struct Input {
    /// Directory (nginx's prefix) and main file.
    dir: PathBuf,
    conf: PathBuf,
    bytes: usize,
    files: usize,
    stats: Option<Stats>,
}

/// The result of one tool on one input.
#[derive(Debug, Clone)]
enum Outcome {
    Measured { samples: Vec<Sample> },
    Failed(String),
    Unavailable(String),
}

impl Outcome {
    fn samples(&self) -> Option<&[Sample]> {
        match self {
            Outcome::Measured { samples } if !samples.is_empty() => Some(samples),
            _ => None,
        }
    }

    fn median_secs(&self) -> Option<f64> {
        self.samples()
            .map(|s| median(&s.iter().map(|s| s.secs).collect::<Vec<_>>()))
    }

    fn min_max_secs(&self) -> Option<(f64, f64)> {
        let s = self.samples()?;
        let min = s.iter().map(|s| s.secs).fold(f64::INFINITY, f64::min);
        let max = s.iter().map(|s| s.secs).fold(0.0, f64::max);
        Some((min, max))
    }

    /// Whether a run was stopped at the time limit: the median is then a
    /// lower bound.
    fn timed_out(&self) -> bool {
        self.samples()
            .is_some_and(|s| s.iter().any(|s| s.timed_out))
    }

    /// The largest peak RSS over the runs.
    fn peak_rss(&self) -> Option<u64> {
        self.samples()?.iter().filter_map(|s| s.rss).max()
    }
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The command for one run of `tool` on `input`, with its output files.
fn tool_command(tool: Tool, program: &Path, input: &Input) -> Command {
    let mut c = Command::new(program);
    let conf = &input.conf;
    match tool {
        Tool::Check => {
            c.arg("check").arg(conf);
        }
        Tool::Parse => {
            c.arg("parse").arg(conf);
        }
        Tool::Crossplane => {
            c.arg("parse").arg(conf);
        }
        Tool::Nginx => {
            c.arg("-t")
                .arg("-p")
                .arg(format!("{}/", input.dir.display()))
                .arg("-c")
                .arg(conf)
                .arg("-g")
                .arg(format!("pid {}/nginx.pid;", input.dir.display()))
                .arg("-e")
                .arg("stderr");
        }
    }
    c.current_dir(&input.dir).stdin(Stdio::null());
    c
}

/// Where a tool's standard output and error go: `check`'s output (the
/// findings) to a file, whose summary line is reported; the JSON of the
/// parsers to /dev/null; standard error to a file, for failures.
fn output_paths(tool: Tool, work: &Path) -> (Option<PathBuf>, PathBuf) {
    let stdout = (tool == Tool::Check).then(|| work.join("check.stdout"));
    (stdout, work.join(format!("{}.stderr", tool.key())))
}

fn accepted(tool: Tool, code: Option<i32>) -> bool {
    match tool {
        Tool::Check => matches!(code, Some(0 | 1)),
        _ => code == Some(0),
    }
}

/// The last non-empty line of a file, shortened (the reason of a failure).
fn last_line(path: &Path) -> String {
    let text = std::fs::read(path).unwrap_or_default();
    let text = String::from_utf8_lossy(&text);
    let line = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    let mut short: String = line.chars().take(140).collect();
    if short.len() < line.len() {
        short.push('…');
    }
    short.replace('|', "\\|")
}

/// One run of `tool` on `input`; `Err` says why the run failed.
fn run_once(
    tool: Tool,
    program: &Path,
    pin: &Pin,
    input: &Input,
    work: &Path,
    limit: Duration,
) -> Result<Sample, String> {
    let (stdout, stderr) = output_paths(tool, work);
    let mut cmd = tool_command(tool, program, input);
    pin.apply()
        .map_err(|e| format!("cannot set the CPU affinity: {e}"))?;
    let out = match &stdout {
        Some(path) => Stdio::from(File::create(path).map_err(|e| e.to_string())?),
        None => Stdio::null(),
    };
    cmd.stdout(out).stderr(Stdio::from(
        File::create(&stderr).map_err(|e| e.to_string())?,
    ));
    let sample = run_measured(&mut cmd, limit).map_err(|e| format!("cannot run: {e}"))?;
    if sample.timed_out || accepted(tool, sample.code) {
        Ok(sample)
    } else {
        let mut how = match (sample.code, sample.signal) {
            (Some(code), _) => format!("exit {code}"),
            (None, Some(9)) => "killed by SIGKILL".into(),
            (None, Some(11)) => "SIGSEGV".into(),
            (None, Some(signal)) => format!("killed by signal {signal}"),
            (None, None) => "killed by a signal".into(),
        };
        let _ = write!(how, " after {}", fmt_secs(sample.secs));
        if let Some(rss) = sample.rss {
            let _ = write!(how, ", peak RSS {}", fmt_mb(rss as f64));
        }
        let last = last_line(&stderr);
        Err(if last.is_empty() {
            format!("failed ({how})")
        } else {
            format!("failed ({how}): {last}")
        })
    }
}

/// Releases this process's freed memory and resets its peak RSS. Linux
/// carries the spawning process's high-water mark into the child's
/// `ru_maxrss` (`exec` records the old address space's peak, and a
/// `vfork`-style spawn shares ours), so a run after generating a large
/// input would report at least our size.
fn reset_own_peak_rss() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: malloc_trim only returns free heap memory to the system.
        unsafe { libc::malloc_trim(0) };
        // "5" resets the peak RSS to the current RSS (proc(5), clear_refs).
        let _ = std::fs::write("/proc/self/clear_refs", "5");
    }
}

/// How a tool is run on an input: `warmup` uncounted runs, then `runs`
/// counted ones; no more once its runs there took `budget` seconds; each
/// run stopped after `limit`.
#[derive(Debug, Clone, Copy)]
struct Schedule {
    warmup: usize,
    runs: usize,
    budget: f64,
    limit: Duration,
}

/// Every tool's runs on `input` by `schedule`, one tool after the other.
///
/// A tool's runs follow each other instead of alternating with the other
/// tools' (as hyperfine runs them): on a virtual machine that hands freed
/// memory back to its host, a run right after another tool freed hundreds
/// of megabytes pays the host for every fresh page, and a warm-up run
/// takes that cost for the runs after it.
fn measure(
    label: &str,
    tools: &[(Tool, Setup)],
    pin: &Pin,
    input: &Input,
    schedule: Schedule,
) -> Vec<(Tool, Outcome)> {
    let work = input.dir.join(".compare");
    let _ = std::fs::create_dir_all(&work);
    reset_own_peak_rss();
    tools
        .iter()
        .map(|(tool, setup)| {
            let outcome = match setup {
                Setup::Ready { program, .. } => {
                    eprint!("[{label}] {}:", tool.key());
                    let outcome = measure_tool(*tool, program, pin, input, &work, schedule);
                    eprintln!();
                    outcome
                }
                Setup::Unavailable(why) => Outcome::Unavailable(why.clone()),
            };
            (*tool, outcome)
        })
        .collect()
}

/// One tool's runs by `schedule`. The budget counts the warm-ups too, but
/// a tool always gets one counted run; a run stopped at the time limit,
/// warm-up or not, is its last and is reported as a bound.
fn measure_tool(
    tool: Tool,
    program: &Path,
    pin: &Pin,
    input: &Input,
    work: &Path,
    schedule: Schedule,
) -> Outcome {
    let Schedule {
        warmup,
        runs,
        budget,
        limit,
    } = schedule;
    let mut samples = Vec::new();
    let mut spent = 0.0;
    for run in 0..warmup + runs {
        if !samples.is_empty() && spent >= budget {
            eprint!(" (budget spent)");
            break;
        }
        let sample = match run_once(tool, program, pin, input, work, limit) {
            Ok(sample) => sample,
            Err(why) => {
                eprint!(" FAILED");
                return Outcome::Failed(why);
            }
        };
        spent += sample.secs;
        let warm_up = run < warmup && !sample.timed_out;
        let stopped = if sample.timed_out { " (stopped)" } else { "" };
        let what = if warm_up { " warm-up" } else { "" };
        eprint!("{what} {:.3} s{stopped}", sample.secs);
        if !warm_up {
            samples.push(sample);
        }
        if sample.timed_out {
            break;
        }
    }
    Outcome::Measured { samples }
}

/// `check`'s summary ("Found N diagnostics.") from its last run on `input`.
fn check_summary(input: &Input) -> Option<String> {
    let text = std::fs::read(input.dir.join(".compare/check.stdout")).ok()?;
    let text = String::from_utf8_lossy(&text);
    text.lines()
        .rev()
        .find(|l| l.starts_with("Found ") || l.starts_with("No ") || l.contains("diagnostic"))
        .map(|l| l.trim().trim_end_matches('.').to_string())
}

// ---------------------------------------------------------------------------
// Inputs.

fn includes_for(mb: f64, per_mb: f64) -> usize {
    if per_mb == 0.0 {
        0
    } else {
        ((mb * per_mb).round() as usize).max(1)
    }
}

fn size_label(mb: f64) -> String {
    if mb.fract() == 0.0 {
        format!("{mb:.0} MB")
    } else {
        format!("{mb} MB")
    }
}

fn generate_input(dir: &Path, mb: f64, seed: u64, includes: usize) -> Result<Input, String> {
    let config = generate(&GenOptions {
        size_bytes: (mb * 1_000_000.0) as usize,
        seed,
        includes,
    });
    let conf = dir.join("nginx.conf");
    config
        .write_to(&conf)
        .map_err(|e| format!("writing {}: {e}", conf.display()))?;
    Ok(Input {
        dir: dir.to_path_buf(),
        conf,
        bytes: config.total_bytes(),
        files: 1 + config.includes.len(),
        stats: Some(config.stats),
    })
}

/// Writes `text` as `dir/nginx.conf`: an input of that one file, to which
/// the caller may add the files it includes.
fn write_main(dir: &Path, text: &str) -> Result<Input, String> {
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let conf = dir.join("nginx.conf");
    std::fs::write(&conf, text).map_err(|e| format!("writing {}: {e}", conf.display()))?;
    Ok(Input {
        dir: dir.to_path_buf(),
        conf,
        bytes: text.len(),
        files: 1,
        stats: None,
    })
}

/// An almost empty configuration that every tool accepts: their start-up.
fn empty_input(dir: &Path) -> Result<Input, String> {
    write_main(
        dir,
        "error_log stderr;\nevents {}\nhttp {\n    access_log off;\n}\n",
    )
}

/// `count` stand-alone configurations of `mb` MB in total, in `dir`.
/// One server holding `count` locations: prefix, `^`-anchored regex with a
/// named capture, exact, and WebSocket proxy in turn.
fn generate_locations(dir: &Path, count: usize) -> Result<Input, String> {
    let mut text = String::from(
        "events {}\nhttp {\n    map $http_upgrade $connection_upgrade { default upgrade; '' close; }\n    server {\n        listen 127.0.0.1:8080;\n",
    );
    for i in 0..count {
        let _ = match i % 4 {
            0 => writeln!(text, "        location /app{i}/ {{ proxy_pass http://127.0.0.1:{}; }}", 8000 + i % 100),
            1 => writeln!(text, "        location ~ ^/r{i}/(?<part>[a-z]+)$ {{ proxy_pass http://127.0.0.1:8001/$part; }}"),
            2 => writeln!(text, "        location = /exact{i} {{ return 204; }}"),
            _ => writeln!(text, "        location /ws{i}/ {{ proxy_pass http://127.0.0.1:9000; proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection $connection_upgrade; proxy_read_timeout 1h; }}"),
        };
    }
    text.push_str("    }\n}\n");
    write_main(dir, &text)
}

/// An `http` block including `count` files of one WebSocket server each.
fn generate_fan_out(dir: &Path, count: usize) -> Result<Input, String> {
    let mut input = write_main(
        dir,
        "events {}\nhttp {\n    map $http_upgrade $connection_upgrade { default upgrade; '' close; }\n    include sites/*.conf;\n}\n",
    )?;
    let sites = dir.join("sites");
    std::fs::create_dir_all(&sites).map_err(|e| e.to_string())?;
    for i in 0..count {
        let site = format!(
            "server {{\n    listen 127.0.0.1:8080;\n    server_name s{i}.example;\n    location /ws/ {{\n        proxy_pass http://127.0.0.1:9000;\n        proxy_http_version 1.1;\n        proxy_set_header Upgrade $http_upgrade;\n        proxy_set_header Connection $connection_upgrade;\n        proxy_read_timeout 1h;\n    }}\n}}\n"
        );
        let path = sites.join(format!("s{i:05}.conf"));
        std::fs::write(&path, &site).map_err(|e| format!("writing {}: {e}", path.display()))?;
        input.bytes += site.len();
        input.files += 1;
    }
    Ok(input)
}

fn generate_many(dir: &Path, count: usize, mb: f64, seed: u64) -> Result<Input, String> {
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let each = ((mb * 1_000_000.0) as usize / count).max(1);
    let mut bytes = 0;
    for k in 0..count {
        let config = generate(&GenOptions {
            size_bytes: each,
            seed: seed.wrapping_add(k as u64),
            includes: 0,
        });
        let path = dir.join(format!("site-{:04}.conf", k + 1));
        std::fs::write(&path, &config.main)
            .map_err(|e| format!("writing {}: {e}", path.display()))?;
        bytes += config.main.len();
    }
    Ok(Input {
        dir: dir.to_path_buf(),
        conf: dir.to_path_buf(),
        bytes,
        files: count,
        stats: None,
    })
}

// ---------------------------------------------------------------------------
// Formatting.

fn fmt_secs(s: f64) -> String {
    if s < 0.01 {
        format!("{:.2} ms", s * 1e3)
    } else if s < 1.0 {
        format!("{:.1} ms", s * 1e3)
    } else if s < 100.0 {
        format!("{s:.2} s")
    } else {
        format!("{s:.0} s")
    }
}

fn fmt_mb(bytes: f64) -> String {
    let mb = bytes / 1e6;
    if mb < 10.0 {
        format!("{mb:.2} MB")
    } else if mb < 1000.0 {
        format!("{mb:.1} MB")
    } else {
        format!("{mb:.0} MB")
    }
}

fn fmt_ratio(x: f64) -> String {
    if x >= 100.0 {
        format!("{x:.0}x")
    } else if x >= 10.0 {
        format!("{x:.1}x")
    } else {
        format!("{x:.2}x")
    }
}

fn fmt_rate(mb_per_s: f64) -> String {
    if mb_per_s >= 10.0 {
        format!("{mb_per_s:.0}")
    } else if mb_per_s >= 1.0 {
        format!("{mb_per_s:.1}")
    } else {
        format!("{mb_per_s:.2}")
    }
}

/// 1234567 → "1,234,567".
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn command_line(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .filter(|s| !s.is_empty())
}

fn load_average() -> Option<String> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    Some(
        text.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" "),
    )
}

fn cpu_model() -> Option<String> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    info.lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
}

/// One measured size.
struct SizeResult {
    label: String,
    input: Input,
    runs: usize,
    results: Vec<(Tool, Outcome)>,
    check_summary: Option<String>,
}

impl SizeResult {
    fn outcome(&self, tool: Tool) -> Option<&Outcome> {
        self.results
            .iter()
            .find(|(t, _)| *t == tool)
            .map(|(_, o)| o)
    }

    fn median(&self, tool: Tool) -> Option<f64> {
        self.outcome(tool)?.median_secs()
    }
}

struct Many {
    files: usize,
    cores: usize,
    bytes: usize,
    runs: usize,
    one: (String, Outcome),
    all: (String, Outcome),
}

struct Report<'a> {
    args: &'a Args,
    setups: &'a [(Tool, Setup)],
    pin: &'a Pin,
    pin_note: Option<String>,
    /// The nginx-wslint binary asked for, and where its copy is run from.
    bin: &'a Path,
    snapshot_dir: &'a Path,
    /// `/proc/loadavg`'s first three fields before and after the runs.
    load: (Option<String>, Option<String>),
    empty: Vec<(Tool, Outcome)>,
    sizes: Vec<SizeResult>,
    /// One server with many locations; many included files.
    scaling: Vec<SizeResult>,
    many: Option<Many>,
}

fn row_cells(outcome: &Outcome, bytes: usize, check: Option<f64>, planned: usize) -> String {
    match outcome {
        Outcome::Unavailable(why) | Outcome::Failed(why) => {
            format!("{why} | | | | | |")
        }
        Outcome::Measured { .. } => {
            let med = outcome.median_secs().unwrap_or(f64::NAN);
            let (min, max) = outcome.min_max_secs().unwrap_or((med, med));
            let n = outcome.samples().map_or(0, |s| s.len());
            // A run stopped at the time limit leaves only bounds.
            let (more, less, at_least) = if outcome.timed_out() {
                ("> ", "< ", "≥ ")
            } else {
                ("", "", "")
            };
            let spread = match n {
                _ if outcome.timed_out() => "stopped at the time limit".to_string(),
                1 if planned > 1 => "1 run (budget)".to_string(),
                _ if n < planned => {
                    format!("{}–{} ({n} runs, budget)", fmt_secs(min), fmt_secs(max))
                }
                _ => format!("{}–{}", fmt_secs(min), fmt_secs(max)),
            };
            let rate = bytes as f64 / 1e6 / med;
            let vs = match check {
                Some(c) if c > 0.0 => format!("{more}{}", fmt_ratio(med / c)),
                _ => "–".into(),
            };
            let (rss, per) = match outcome.peak_rss() {
                Some(r) => (
                    format!("{at_least}{}", fmt_mb(r as f64)),
                    format!("{at_least}{}", fmt_ratio(r as f64 / bytes as f64)),
                ),
                None => ("–".into(), "–".into()),
            };
            format!(
                "{more}{} | {spread} | {less}{} | {vs} | {rss} | {per} |",
                fmt_secs(med),
                fmt_rate(rate),
            )
        }
    }
}

impl Report<'_> {
    fn markdown(&self) -> String {
        let mut md = String::new();
        let m = &mut md;
        let _ = writeln!(m, "### Side by side (issue #7)\n");
        self.environment(m);
        self.inputs(m);
        self.results(m);
        self.startup(m);
        if self.sizes.len() > 1 {
            self.linearity(m);
        }
        self.targets(m);
        self.scaling(m);
        self.many(m);
        md
    }

    fn environment(&self, m: &mut String) {
        let cpus = cpu_count();
        let _ = writeln!(
            m,
            "* Machine: {} CPU(s){}{}",
            cpus,
            cpu_model().map_or(String::new(), |c| format!(", {c}")),
            std::fs::read_to_string("/proc/sys/kernel/osrelease")
                .map_or(String::new(), |k| format!(", Linux {}", k.trim()))
        );
        let pin = match &self.pin.cpus {
            Some(c) => format!("every run pinned to CPU {c} (the affinity of the harness's thread, inherited by the tool)"),
            None => "runs not pinned".into(),
        };
        let _ = writeln!(
            m,
            "* {pin}{}; each tool's runs one after the other, after {} uncounted warm-up run(s); time = wall time of the process, median (min–max) over the runs; peak RSS = largest `ru_maxrss` over the runs; 1 MB = 10^6 bytes",
            self.pin_note.as_deref().map_or(String::new(), |n| format!(" ({n})")),
            self.args.warmup
        );
        if let Some(date) = command_line("date", &["-u", "+%Y-%m-%d %H:%M UTC"]) {
            let commit = command_line("git", &["describe", "--always", "--dirty"])
                .map_or(String::new(), |c| format!(", commit {c}"));
            let _ = writeln!(m, "* Run {date}{commit}");
        }
        if let (Some(before), Some(after)) = &self.load {
            let _ = writeln!(
                m,
                "* Load average (1, 5, 15 min): {before} before the runs, {after} after (other processes share the core and add noise)"
            );
        }
        for (tool, setup) in self.setups {
            let what = match setup {
                Setup::Ready { program, version } => {
                    let shown = if program.starts_with(self.snapshot_dir) {
                        format!("run from a copy of `{}`", self.bin.display())
                    } else {
                        format!("`{}`", program.display())
                    };
                    format!("{version} ({shown})")
                }
                Setup::Unavailable(why) => why.clone(),
            };
            let _ = writeln!(m, "* {}: {}", tool.label(), what);
        }
        let _ = writeln!(
            m,
            "* Commands: `nginx-wslint check CONF` (all rules, default output, to a file; exit 1 = findings), `nginx-wslint parse CONF` and `crossplane parse CONF` (to /dev/null), `nginx -t -p DIR/ -c CONF -g 'pid DIR/nginx.pid;' -e stderr`; all follow the includes"
        );
        let _ = writeln!(m);
    }

    fn inputs(&self, m: &mut String) {
        let _ = writeln!(
            m,
            "Inputs (`gen-config --size-mb N --includes K --seed {}`):\n",
            self.args.seed
        );
        let _ = writeln!(
            m,
            "| input | bytes | files | servers | locations | upstreams | maps | runs | `check` found |"
        );
        let _ = writeln!(m, "|---|---:|---:|---:|---:|---:|---:|---:|---|");
        for s in &self.sizes {
            let st = s.input.stats.clone().unwrap_or_default();
            let _ = writeln!(
                m,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                s.label,
                thousands(s.input.bytes),
                thousands(s.input.files),
                thousands(st.servers),
                thousands(st.locations),
                thousands(st.upstreams),
                thousands(st.maps),
                s.runs,
                s.check_summary.as_deref().unwrap_or("–")
            );
        }
        let _ = writeln!(m);
    }

    fn results(&self, m: &mut String) {
        results_table(m, &self.sizes);
        let _ = writeln!(
            m,
            "\nTime vs `check`: the tool's median time ÷ `check`'s (how many times longer it takes than `check`). \"budget\": a tool is not run again at a size once its runs there took {} s in all (`--budget`).\n",
            self.args.budget
        );
    }

    /// Shapes that are quadratic in a naive implementation: every request
    /// path of a server searched against all its regex locations, and
    /// include fan-out.
    fn scaling(&self, m: &mut String) {
        if self.scaling.is_empty() {
            return;
        }
        let _ = writeln!(
            m,
            "Scaling cases (medians of {} runs of every tool): one `server` with {n} locations (a quarter each prefix, `^`-anchored regex with a named capture, exact, and WebSocket proxy), and an `http` block including {n} files of one server each:\n",
            self.scaling[0].runs,
            n = thousands(self.args.scaling)
        );
        results_table(m, &self.scaling);
        let _ = writeln!(m);
    }
}

fn results_table(m: &mut String, sizes: &[SizeResult]) {
    let _ = writeln!(
        m,
        "| input | tool | median time | min–max | MB/s | time vs `check` | peak RSS | RSS ÷ input |"
    );
    let _ = writeln!(m, "|---|---|---:|---:|---:|---:|---:|---:|");
    for s in sizes {
        let check = s.median(Tool::Check);
        for (i, (tool, outcome)) in s.results.iter().enumerate() {
            let label = if i == 0 { s.label.as_str() } else { "" };
            let _ = writeln!(
                m,
                "| {label} | {} | {}",
                tool.label(),
                row_cells(outcome, s.input.bytes, check, s.runs)
            );
        }
    }
}

impl Report<'_> {
    fn startup(&self, m: &mut String) {
        let _ = writeln!(
            m,
            "Start-up (an almost empty configuration, {} runs):\n",
            self.empty
                .iter()
                .filter_map(|(_, o)| o.samples().map(|s| s.len()))
                .max()
                .unwrap_or(0)
        );
        let _ = writeln!(m, "| tool | median time | peak RSS |");
        let _ = writeln!(m, "|---|---:|---:|");
        for (tool, outcome) in &self.empty {
            let cells = match outcome {
                Outcome::Unavailable(why) | Outcome::Failed(why) => format!("{why} | |"),
                Outcome::Measured { .. } => format!(
                    "{} | {} |",
                    outcome.median_secs().map_or("–".into(), fmt_secs),
                    outcome.peak_rss().map_or("–".into(), |r| fmt_mb(r as f64))
                ),
            };
            let _ = writeln!(m, "| {} | {cells}", tool.label());
        }
        let _ = writeln!(m);
    }

    fn empty_rss(&self, tool: Tool) -> Option<u64> {
        self.empty
            .iter()
            .find(|(t, _)| *t == tool)
            .and_then(|(_, o)| o.peak_rss())
    }

    fn linearity(&self, m: &mut String) {
        let first = &self.sizes[0];
        let last = &self.sizes[self.sizes.len() - 1];
        let _ = write!(m, "Linearity, per MB of input:\n\n| tool | per MB |");
        for s in &self.sizes {
            let _ = write!(m, " {} |", s.label);
        }
        let _ = writeln!(m, " {} ÷ {} |", last.label, first.label);
        let _ = write!(m, "|---|---|");
        for _ in 0..=self.sizes.len() {
            let _ = write!(m, "---:|");
        }
        let _ = writeln!(m);
        for (tool, _) in self.setups {
            let tool = *tool;
            let time: Vec<Option<f64>> = self
                .sizes
                .iter()
                .map(|s| s.median(tool).map(|t| t / (s.input.bytes as f64 / 1e6)))
                .collect();
            let base = self.empty_rss(tool).unwrap_or(0);
            let rss: Vec<Option<f64>> = self
                .sizes
                .iter()
                .map(|s| {
                    s.outcome(tool)?
                        .peak_rss()
                        .map(|r| r.saturating_sub(base) as f64 / s.input.bytes as f64)
                })
                .collect();
            for (what, values, fmt) in [
                ("time", &time, fmt_secs as fn(f64) -> String),
                ("RSS above start-up ÷ input", &rss, fmt_ratio),
            ] {
                let _ = write!(m, "| {} | {what} |", tool.label());
                for v in values.iter() {
                    let _ = write!(m, " {} |", v.map_or("–".into(), fmt));
                }
                let factor = match (values[0], values[values.len() - 1]) {
                    (Some(a), Some(b)) if a > 0.0 => fmt_ratio(b / a),
                    _ => "–".into(),
                };
                let _ = writeln!(m, " {factor} |");
            }
        }
        let _ = writeln!(
            m,
            "\nLinear means the last column stays near 1 (below 1: fixed costs spread over more input; above: growth faster than the input).\n"
        );
    }

    fn targets(&self, m: &mut String) {
        if self.sizes.is_empty() {
            return;
        }
        let _ = write!(m, "Targets of issue #7 (`check`, one core):\n\n| target |");
        for s in &self.sizes {
            let _ = write!(m, " {} |", s.label);
        }
        let _ = write!(m, "\n|---|");
        for _ in &self.sizes {
            let _ = write!(m, "---|");
        }
        let _ = writeln!(m);
        // A value and whether it is only a lower bound (the other tool was
        // stopped at the time limit).
        let verdict =
            |value: Option<(f64, bool)>, ok: &dyn Fn(f64) -> bool, fmt: &dyn Fn(f64) -> String| {
                value.map_or("–".to_string(), |(v, lower_bound)| {
                    match (lower_bound, ok(v)) {
                        (false, met) => {
                            format!("{} {}", fmt(v), if met { "met" } else { "**not met**" })
                        }
                        (true, true) => format!("> {} met", fmt(v)),
                        (true, false) => format!("> {} (stopped; unknown)", fmt(v)),
                    }
                })
            };
        type Metric<'a> = (
            &'a str,
            Box<dyn Fn(&SizeResult) -> Option<(f64, bool)> + 'a>,
            f64,
            bool,
        );
        let ratio = |tool: Tool| {
            move |s: &SizeResult| -> Option<(f64, bool)> {
                let lower_bound = s.outcome(tool)?.timed_out();
                Some((s.median(tool)? / s.median(Tool::Check)?, lower_bound))
            }
        };
        let metrics: Vec<Metric> = vec![
            (
                "≥ 100 MB/s end to end",
                Box::new(|s: &SizeResult| {
                    Some((s.input.bytes as f64 / 1e6 / s.median(Tool::Check)?, false))
                }),
                100.0,
                true,
            ),
            (
                "≥ 20x faster than `nginx -t`",
                Box::new(ratio(Tool::Nginx)),
                20.0,
                true,
            ),
            (
                "≥ 50x faster than `crossplane parse`",
                Box::new(ratio(Tool::Crossplane)),
                50.0,
                true,
            ),
            (
                "peak RSS ≤ 8x the input",
                Box::new(|s: &SizeResult| {
                    let rss = s.outcome(Tool::Check)?.peak_rss()? as f64;
                    Some((rss / s.input.bytes as f64, false))
                }),
                8.0,
                false,
            ),
        ];
        for (name, value, threshold, at_least) in &metrics {
            let _ = write!(m, "| {name} |");
            for s in &self.sizes {
                let ok = |v: f64| {
                    if *at_least {
                        v >= *threshold
                    } else {
                        v <= *threshold
                    }
                };
                let fmt = |v: f64| {
                    if name.contains("MB/s") {
                        format!("{} MB/s", fmt_rate(v))
                    } else {
                        fmt_ratio(v)
                    }
                };
                let _ = write!(m, " {} |", verdict(value(s), &ok, &fmt));
            }
            let _ = writeln!(m);
        }
        let _ = writeln!(m);
    }

    fn many(&self, m: &mut String) {
        let Some(many) = &self.many else {
            return;
        };
        let _ = writeln!(
            m,
            "Many files: `nginx-wslint check DIR` on {} stand-alone files ({} bytes in all), {} runs:\n",
            many.files,
            thousands(many.bytes),
            many.runs
        );
        let _ = writeln!(m, "| CPUs | median time | min–max | MB/s | peak RSS |");
        let _ = writeln!(m, "|---|---:|---:|---:|---:|");
        for (cpus, outcome) in [&many.one, &many.all] {
            let cells = match outcome {
                Outcome::Unavailable(why) | Outcome::Failed(why) => format!("{why} | | | |"),
                Outcome::Measured { .. } => {
                    let med = outcome.median_secs().unwrap_or(f64::NAN);
                    let (min, max) = outcome.min_max_secs().unwrap_or((med, med));
                    format!(
                        "{} | {}–{} | {} | {} |",
                        fmt_secs(med),
                        fmt_secs(min),
                        fmt_secs(max),
                        fmt_rate(many.bytes as f64 / 1e6 / med),
                        outcome.peak_rss().map_or("–".into(), |r| fmt_mb(r as f64))
                    )
                }
            };
            let _ = writeln!(m, "| {cpus} | {cells}");
        }
        if let (Some(one), Some(all)) = (many.one.1.median_secs(), many.all.1.median_secs()) {
            let _ = writeln!(
                m,
                "\nSpeed-up on {} cores: {}.",
                many.cores,
                fmt_ratio(one / all)
            );
        }
        let _ = writeln!(m);
    }
}

// ---------------------------------------------------------------------------

fn default_bin() -> PathBuf {
    let name = format!("nginx-wslint{}", std::env::consts::EXE_SUFFIX);
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|d| d.join(&name)))
        .unwrap_or_else(|| PathBuf::from(name))
}

/// The CPUs this process may run on, as a CPU list, when there are more
/// than one (taken at start: see [`ALLOWED_AT_START`]).
fn all_cpus() -> Option<String> {
    let list = ALLOWED_AT_START.get_or_init(allowed_cpus).clone()?;
    (parse_cpu_list(&list)?.len() > 1).then_some(list)
}

/// How many CPUs this process was allowed to use at start.
fn cpu_count() -> usize {
    ALLOWED_AT_START
        .get_or_init(allowed_cpus)
        .as_deref()
        .and_then(parse_cpu_list)
        .map_or(0, |cpus| cpus.len())
}

/// The CPUs this thread may run on now, as a CPU list: the kernel's list
/// when it can be read (it may not be 0..n).
fn allowed_cpus() -> Option<String> {
    let status = std::fs::read_to_string("/proc/thread-self/status").ok();
    let listed = status.as_deref().and_then(|s| {
        s.lines()
            .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
            .map(|l| l.trim().to_string())
    });
    listed.or_else(|| {
        let n = std::thread::available_parallelism().ok()?.get();
        Some(format!("0-{}", n - 1))
    })
}

fn run(args: &Args) -> Result<String, String> {
    // Before any run pins this thread.
    ALLOWED_AT_START.get_or_init(allowed_cpus);
    // Absolute: the tools run in the configuration's directory.
    let bin = args.bin.clone().unwrap_or_else(default_bin);
    let bin = std::path::absolute(&bin).unwrap_or(bin);
    let mut setups: Vec<(Tool, Setup)> = args
        .tools
        .iter()
        .map(|&tool| {
            let setup = match tool {
                Tool::Check | Tool::Parse => setup_wslint(&bin),
                Tool::Crossplane => setup_crossplane(&args.crossplane),
                Tool::Nginx => setup_nginx(&args.nginx),
            };
            (tool, setup)
        })
        .collect();
    for (tool, setup) in &setups {
        if let Setup::Unavailable(why) = setup {
            eprintln!("compare: {}: {why}", tool.key());
        }
    }

    let (pin, pin_note) = match &args.cpu {
        Some(cpu) if Pin::works(cpu) => (
            Pin {
                cpus: Some(cpu.clone()),
            },
            None,
        ),
        Some(cpu) => {
            let note = format!("pinning to CPU {cpu} failed, so runs are not pinned");
            eprintln!("compare: {note}");
            (Pin { cpus: None }, Some(note))
        }
        None => (Pin { cpus: None }, None),
    };

    let (root, remove) = match &args.dir {
        Some(dir) => (dir.clone(), false),
        None => {
            let dir =
                std::env::temp_dir().join(format!("nginx-wslint-compare.{}", std::process::id()));
            (dir, !args.keep)
        }
    };
    std::fs::create_dir_all(&root).map_err(|e| format!("{}: {e}", root.display()))?;
    eprintln!("compare: generating into {}", root.display());

    // Run a copy of nginx-wslint: a build that runs meanwhile replaces
    // target/release/nginx-wslint, which must not change between runs.
    let snapshot_dir = root.join(".bin");
    if let Setup::Ready { .. } = setup_wslint(&bin) {
        let copy = snapshot_dir.join(bin.file_name().unwrap_or_default());
        std::fs::create_dir_all(&snapshot_dir)
            .and_then(|()| std::fs::copy(&bin, &copy))
            .map_err(|e| format!("copying {}: {e}", bin.display()))?;
        for (tool, setup) in &mut setups {
            if let (Tool::Check | Tool::Parse, Setup::Ready { program, .. }) = (*tool, setup) {
                program.clone_from(&copy);
            }
        }
    }

    let load_before = load_average();
    let result = (|| {
        let schedule = Schedule {
            warmup: args.warmup,
            runs: args.runs,
            budget: args.budget,
            limit: Duration::from_secs_f64(args.time_limit),
        };
        let measure_input = |label: String, input: Input| {
            let results = measure(&label, &setups, &pin, &input, schedule);
            let check_summary = check_summary(&input);
            SizeResult {
                label,
                input,
                runs: schedule.runs,
                results,
                check_summary,
            }
        };
        let empty = empty_input(&root.join("empty"))?;
        let empty = measure("start-up", &setups, &pin, &empty, schedule);

        let mut sizes = Vec::new();
        for &mb in &args.sizes {
            let label = size_label(mb);
            let includes = includes_for(mb, args.includes_per_mb);
            let dir = root.join(label.replace(' ', "").to_lowercase());
            let input = generate_input(&dir, mb, args.seed, includes)?;
            eprintln!(
                "compare: {label}: {} bytes in {} file(s)",
                input.bytes, input.files
            );
            sizes.push(measure_input(label, input));
        }

        let mut scaling = Vec::new();
        if args.scaling > 0 {
            for (label, input) in [
                (
                    format!("{} locations in one server", thousands(args.scaling)),
                    generate_locations(&root.join("locations"), args.scaling)?,
                ),
                (
                    format!("{} included files", thousands(args.scaling)),
                    generate_fan_out(&root.join("fan-out"), args.scaling)?,
                ),
            ] {
                scaling.push(measure_input(label, input));
            }
        }

        let cpus = all_cpus();
        let check_setup = setups.iter().find(|(t, _)| *t == Tool::Check);
        let many = match (args.many_files, &pin.cpus, cpus, check_setup) {
            (0, ..) | (_, None, ..) | (_, _, None, _) | (.., None) => None,
            (files, Some(one), Some(all), Some((_, setup))) => {
                let input = generate_many(&root.join("many"), files, args.many_mb, args.seed)?;
                eprintln!(
                    "compare: many files: {} bytes in {} files",
                    input.bytes, input.files
                );
                let one_pin = Pin {
                    cpus: Some(one.clone()),
                };
                let all_pin = Pin {
                    cpus: Some(all.clone()),
                };
                let tools = [(Tool::Check, setup.clone())];
                let on = |p: &Pin| {
                    let label = format!("many files, CPUs {}", p.cpus.as_deref().unwrap_or(""));
                    let unbudgeted = Schedule {
                        budget: f64::INFINITY,
                        ..schedule
                    };
                    measure(&label, &tools, p, &input, unbudgeted)
                        .pop()
                        .map_or(Outcome::Failed("not run".into()), |(_, outcome)| outcome)
                };
                let one_outcome = on(&one_pin);
                let all_outcome = on(&all_pin);
                Some(Many {
                    files: input.files,
                    cores: cpu_count(),
                    bytes: input.bytes,
                    runs: schedule.runs,
                    one: (one.clone(), one_outcome),
                    all: (all, all_outcome),
                })
            }
        };

        // Unpinned again: nothing after this is timed.
        let _ = Pin { cpus: None }.apply();
        let report = Report {
            args,
            setups: &setups,
            pin: &pin,
            pin_note,
            bin: &bin,
            snapshot_dir: &snapshot_dir,
            load: (load_before, load_average()),
            empty,
            sizes,
            scaling,
            many,
        };
        Ok(report.markdown())
    })();

    if remove {
        let _ = std::fs::remove_dir_all(&root);
    } else {
        eprintln!("compare: kept {}", root.display());
    }
    result
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("compare: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(markdown) => {
            if let Some(out) = &args.out {
                if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
                    let _ = std::fs::create_dir_all(parent);
                }
                if let Err(e) = std::fs::write(out, &markdown) {
                    eprintln!("compare: cannot write {}: {e}", out.display());
                    return ExitCode::FAILURE;
                }
                eprintln!("compare: wrote {}", out.display());
            }
            print!("{markdown}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("compare: {message}");
            ExitCode::FAILURE
        }
    }
}
