//! The side-by-side harness (`compare`) keeps working: one run on a tiny
//! configuration gives a report with a row per tool, and a tool that is not
//! installed gets a row saying so instead of failing the run.
//!
//! `nginx-wslint` is taken from the same target directory (built by
//! `cargo build` or `cargo test` of the workspace); when it is not there its
//! rows say "not built", which is checked instead. nginx and crossplane are
//! used when installed.

use std::path::{Path, PathBuf};
use std::process::Command;

fn compare() -> Command {
    Command::new(env!("CARGO_BIN_EXE_compare"))
}

/// `nginx-wslint` next to `compare` (target/debug), if built.
fn wslint() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_BIN_EXE_compare")).parent()?;
    let bin = dir.join(format!("nginx-wslint{}", std::env::consts::EXE_SUFFIX));
    bin.is_file().then_some(bin)
}

/// Runs `compare` with `args` on a 20 kB configuration, one run, and
/// returns the report it wrote to its `--out` file (checked to be what it
/// printed).
fn report(dir: &Path, args: &[&str]) -> String {
    let out = dir.join("report.md");
    let output = compare()
        .args(["--sizes", "0.02", "--runs", "1", "--includes-per-mb", "100"])
        .args(["--many-files", "2", "--many-mb", "0.02", "--scaling", "0"])
        .arg("--dir")
        .arg(dir.join("work"))
        .arg("--out")
        .arg(&out)
        .args(args)
        .output()
        .expect("running compare");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "compare failed:\n{stderr}");
    let written = std::fs::read_to_string(&out).expect("reading the report");
    assert_eq!(String::from_utf8_lossy(&output.stdout), written);
    written
}

/// A script in `dir` that answers `-v` like nginx and runs `body` for
/// anything else: a stand-in for `--nginx`.
#[cfg(unix)]
fn stand_in_nginx(dir: &Path, name: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(
        &path,
        format!("#!/bin/sh\n[ \"$1\" = -v ] && {{ echo 'nginx version: nginx/0.0.0' >&2; exit 0; }}\n{body}\n"),
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// The results row of `tool` (its first line in the results table).
fn row<'a>(report: &'a str, tool: &str) -> &'a str {
    report
        .lines()
        .find(|l| l.starts_with("| 0.02 MB |") && l.contains(tool))
        .or_else(|| {
            report
                .lines()
                .find(|l| l.starts_with("|  | ") && l.contains(tool))
        })
        .unwrap_or_else(|| panic!("no row for {tool} in:\n{report}"))
}

#[test]
fn report_has_a_row_per_tool() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bin = wslint();
    let mut args = Vec::new();
    if let Some(bin) = &bin {
        args.extend(["--bin".to_string(), bin.display().to_string()]);
    }
    // Two runs planned, but a budget that the first run spends.
    args.extend(["--runs", "2", "--budget", "1e-9"].map(String::from));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let report = report(dir.path(), &args);

    // The input: 20 kB in the main file and two included files.
    assert!(report.contains("| 0.02 MB | "), "{report}");
    let inputs = report
        .lines()
        .find(|l| l.starts_with("| 0.02 MB | ") && !l.contains('`'))
        .expect("inputs row");
    assert!(inputs.contains("| 3 |"), "main file + 2 includes: {inputs}");

    for tool in [
        "`nginx-wslint check`",
        "`nginx-wslint parse`",
        "`crossplane parse`",
        "`nginx -t`",
    ] {
        let row = row(&report, tool);
        assert!(!row.contains("failed"), "{row}");
        let measured = row.contains(" MB |") && row.contains('x');
        let missing = row.contains("not installed") || row.contains("not built");
        assert!(measured || missing, "{row}");
        assert_eq!(measured, row.contains("1 run (budget)"), "{row}");
        if tool.contains("nginx-wslint") {
            assert_eq!(bin.is_some(), measured, "{row}");
        }
    }
    for section in ["Start-up", "Targets of issue #7"] {
        assert!(report.contains(section), "no {section} in:\n{report}");
    }
}

#[test]
fn missing_tools_are_reported_not_fatal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let report = report(
        dir.path(),
        &[
            "--bin",
            "/nonexistent/nginx-wslint",
            "--nginx",
            "/nonexistent/nginx",
            "--crossplane",
            "/nonexistent/crossplane",
        ],
    );
    assert!(row(&report, "`nginx-wslint check`").contains("not built"));
    assert!(row(&report, "`nginx-wslint parse`").contains("not built"));
    assert!(row(&report, "`crossplane parse`").contains("not installed"));
    assert!(row(&report, "`nginx -t`").contains("not installed"));
    // Nothing to compare against: every target is unknown.
    assert!(report.contains("| ≥ 100 MB/s end to end | – |"), "{report}");
}

/// A run that outlives `--time-limit` is stopped and reported as a lower
/// bound ("> 0.5 s"), not waited for: `nginx -t` takes half an hour at
/// 100 MB. The stand-in nginx answers `-v` and then sleeps.
#[cfg(unix)]
#[test]
fn a_run_past_the_time_limit_is_stopped_and_reported_as_a_bound() {
    let dir = tempfile::tempdir().expect("tempdir");
    let slow = stand_in_nginx(dir.path(), "slow-nginx", "exec sleep 60");
    let start = std::time::Instant::now();
    let report = report(
        dir.path(),
        &[
            "--tools",
            "nginx",
            "--nginx",
            slow.to_str().unwrap(),
            "--runs",
            "3",
            "--time-limit",
            "0.5",
            "--many-files",
            "0",
        ],
    );
    // Start-up and one run at 20 kB, each stopped after 0.5 s; no more runs.
    assert!(
        start.elapsed().as_secs_f64() < 20.0,
        "the stopped runs were waited for: {:?}",
        start.elapsed()
    );
    let row = row(&report, "`nginx -t`");
    assert!(row.contains("stopped at the time limit"), "{row}");
    // The bound is the time at which the run was stopped: the limit, plus
    // however long stopping took on a busy machine (510 ms was seen).
    let bound_ms: f64 = row
        .split("| > ")
        .nth(1)
        .and_then(|rest| rest.split(" ms").next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a bound in milliseconds: {row}"));
    assert!(
        (500.0..1000.0).contains(&bound_ms),
        "a bound of about 500 ms: {row}"
    );
    assert!(!row.contains("failed"), "{row}");
}

/// The scaling cases (one server with N locations, N included files) are
/// measured, and nginx accepts their files: `nginx -t` must not fail.
#[test]
fn scaling_cases_are_measured_and_valid_for_nginx() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut args = vec!["--scaling", "8", "--tools", "check,nginx"];
    let bin = wslint();
    let bin_arg = bin.as_ref().map(|b| b.display().to_string());
    if let Some(bin) = &bin_arg {
        args.extend(["--bin", bin]);
    }
    let report = report(dir.path(), &args);
    for case in ["8 locations in one server", "8 included files"] {
        let check = report
            .lines()
            .find(|l| l.starts_with(&format!("| {case} | `nginx-wslint check`")))
            .unwrap_or_else(|| panic!("no {case} row in:\n{report}"));
        assert_eq!(check.contains(" MB |"), bin.is_some(), "{check}");
        let at = report.find(check).unwrap();
        let nginx = report[at..]
            .lines()
            .find(|l| l.contains("`nginx -t`"))
            .expect("an nginx row");
        assert!(
            !nginx.contains("failed"),
            "nginx rejects the {case} file: {nginx}"
        );
    }
}

/// Each tool gets its warm-up runs before the counted ones, and every run
/// is pinned to the CPUs asked for without a `taskset` process: the
/// stand-in nginx logs the CPUs it may run on, once per run.
#[cfg(target_os = "linux")]
#[test]
fn runs_are_warmed_up_and_pinned() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("runs.log");
    let nginx = stand_in_nginx(
        dir.path(),
        "logging-nginx",
        &format!(
            "grep Cpus_allowed_list: /proc/self/status >> '{}'",
            log.display()
        ),
    );
    let report = report(
        dir.path(),
        &[
            "--tools",
            "nginx",
            "--nginx",
            nginx.to_str().unwrap(),
            "--runs",
            "2",
            "--warmup",
            "2",
            "--cpu",
            "0",
            "--many-files",
            "0",
        ],
    );
    assert!(row(&report, "`nginx -t`").contains(" MB |"), "{report}");
    assert!(
        report.contains("after 2 uncounted warm-up run(s)"),
        "{report}"
    );
    let runs = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = runs.lines().collect();
    // Start-up and 0.02 MB: two warm-ups and two counted runs each.
    assert_eq!(lines.len(), 8, "{runs}");
    for line in lines {
        assert_eq!(line.split_whitespace().last(), Some("0"), "{runs}");
    }
}

#[test]
fn a_cpu_list_that_is_not_one_is_refused() {
    let output = compare().args(["--cpu", "1-x"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("--cpu: not a CPU list"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
