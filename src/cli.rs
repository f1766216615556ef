//! The command line (SPEC §2).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "nginx-wslint",
    version,
    about = "Lint nginx configurations for WebSocket and long-lived proxying mistakes",
    long_about = None,
    after_help = "`check` is the default command: `nginx-wslint [OPTIONS] [PATHS]...` runs it."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint files and directories (the default command).
    Check(CheckArgs),
    /// Print the crossplane-compatible JSON parse of a configuration.
    Parse(ParseArgs),
    /// Show which server and location nginx picks for a request.
    Route(RouteArgs),
    /// Explain a rule (by code or name), or list them all.
    Rule(RuleArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions { shell: clap_complete::Shell },
    /// Probe a live WebSocket endpoint: handshake, echo, idle hold; classify
    /// the failure.
    Probe(crate::probe::ProbeArgs),
}

#[derive(Debug, Args)]
pub struct RuleArgs {
    /// A rule code (`WS001`) or name (`missing-upgrade-header`).
    #[arg(required_unless_present = "all")]
    pub rule: Option<String>,

    /// Explain every rule.
    #[arg(long, conflicts_with = "rule")]
    pub all: bool,

    #[arg(long, value_enum, default_value_t = RouteFormat::Full)]
    pub output_format: RouteFormat,
}

#[derive(Debug, Args)]
pub struct RouteArgs {
    /// The configuration (a full nginx.conf, or a fragment).
    pub config: PathBuf,

    /// The request target, e.g. `/api/mqtt/ws/x?token=1`.
    pub uri: String,

    /// The Host header (default: none, which selects the default server
    /// unless a server is named "").
    #[arg(long)]
    pub host: Option<String>,

    /// The port the request arrives on.
    #[arg(long, default_value_t = 80)]
    pub port: u16,

    /// How to print the answer.
    #[arg(long, value_enum, default_value_t = RouteFormat::Full)]
    pub output_format: RouteFormat,

    /// Directory that relative `include` paths resolve against.
    #[arg(long)]
    pub prefix: Option<PathBuf>,

    /// Context of a fragment (default: inferred).
    #[arg(long)]
    pub context: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RouteFormat {
    Full,
    Json,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files or directories to lint; `-` reads standard input. Default: the
    /// current directory.
    pub paths: Vec<PathBuf>,

    /// How to print diagnostics.
    #[arg(long, value_enum, default_value_t = OutputFormat::Full)]
    pub output_format: OutputFormat,

    /// Exit with 0 even when diagnostics are found (errors of the tool itself
    /// still exit with 2).
    #[arg(long)]
    pub exit_zero: bool,

    /// Print nothing but diagnostics (no summary line).
    #[arg(long, short)]
    pub quiet: bool,

    /// Context of stand-alone files: main, http, server, location, ...
    /// (default: inferred from each file, or its `# nginx-wslint: context=`
    /// comment).
    #[arg(long)]
    pub context: Option<String>,

    /// Directory that relative `include` paths resolve against (default: the
    /// entry file's directory, as nginx does).
    #[arg(long)]
    pub prefix: Option<PathBuf>,

    /// Do not read included files.
    #[arg(long)]
    pub no_follow_includes: bool,

    /// File name to report for input read from standard input.
    #[arg(long)]
    pub stdin_filename: Option<PathBuf>,

    /// Report only these rules: codes, names, or code prefixes such as
    /// `WS00` (comma-separated, repeatable; default: all).
    #[arg(long, value_delimiter = ',')]
    pub select: Vec<String>,

    /// Do not report these rules (same forms as --select).
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,

    /// The nginx version the configuration runs on: X.Y or X.Y.Z (default
    /// 1.26). Decides defaults such as proxy_http_version 1.1 (1.29.7+).
    #[arg(long)]
    pub target_version: Option<String>,

    /// Minimum WebSocket read/send timeout for WS006, in nginx time syntax
    /// (default 300s).
    #[arg(long)]
    pub min_timeout: Option<String>,

    /// Settings file (default: the nearest `.nginx-wslint.toml` above each
    /// linted path).
    #[arg(long)]
    pub config: Option<PathBuf>,

    /// DNS resolver address for the DNS advice and fixes (WS008, WS012),
    /// e.g. 127.0.0.11 for Docker.
    #[arg(long)]
    pub resolver: Option<String>,

    /// Apply the safe fixes to the files (atomically; nothing is written
    /// unless the result parses).
    #[arg(long)]
    pub fix: bool,

    /// Also apply unsafe fixes (they change behaviour beyond the
    /// diagnostic), with --fix or --diff.
    #[arg(long)]
    pub unsafe_fixes: bool,

    /// Do not read included files outside the repository root (the git
    /// work tree, else the current directory); implied by the github and
    /// sarif output formats.
    #[arg(long)]
    pub no_external_includes: bool,

    /// Print the unified diff of what --fix would write; write nothing. Exit
    /// 1 when there is a diff.
    #[arg(long, conflicts_with = "fix")]
    pub diff: bool,
}

#[derive(Debug, Args)]
pub struct ParseArgs {
    /// The configuration file to parse.
    pub file: PathBuf,

    /// Include comments as `{"directive": "#", "comment": ...}` entries.
    #[arg(long)]
    pub include_comments: bool,

    /// Parse only this file; do not follow includes (crossplane's
    /// `--single-file`).
    #[arg(long)]
    pub single_file: bool,

    /// Directory that relative `include` paths resolve against.
    #[arg(long)]
    pub prefix: Option<PathBuf>,

    /// Indent the JSON by this many spaces (default: compact).
    #[arg(long)]
    pub indent: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Reports with the source snippet, labels, help and documentation link.
    Full,
    /// One line per diagnostic: `path:line:col: CODE message`.
    Concise,
    /// A JSON array of diagnostics.
    Json,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
}

/// Subcommand names, to tell `nginx-wslint PATH` (an implicit `check`) from
/// `nginx-wslint parse ...`.
const COMMANDS: &[&str] = &[
    "check",
    "parse",
    "route",
    "rule",
    "completions",
    "probe",
    "help",
];

/// Inserts `check` when the first argument is not a command, so that
/// `nginx-wslint [OPTIONS] [PATHS]` runs `check` as SPEC §2 says.
pub fn with_default_command(args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let first = args.get(1).and_then(|a| a.to_str());
    let explicit = match first {
        Some(a) => COMMANDS.contains(&a) || matches!(a, "-h" | "--help" | "-V" | "--version"),
        None => false,
    };
    if explicit {
        return args;
    }
    let mut out = Vec::with_capacity(args.len() + 1);
    let mut iter = args.into_iter();
    out.extend(iter.next());
    out.push("check".into());
    out.extend(iter);
    out
}
