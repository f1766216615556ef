//! `nginx-wslint`: lint nginx configurations for WebSocket and long-lived
//! proxying mistakes.

mod cli;
mod config;
mod discover;
mod fix;
mod heap;
mod lint;
mod output;
mod probe;
mod route;
mod rule_command;
mod selection;

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;
use nginx_wslint_parser::payload::{self, PayloadOptions};
use nginx_wslint_parser::{ConfigSet, LoadOptions};

use cli::{CheckArgs, Cli, Command, ParseArgs};

#[global_allocator]
static ALLOCATOR: heap::HugePageHeap = heap::HugePageHeap;

/// Exit statuses (SPEC §2).
const EXIT_CLEAN: u8 = 0;
const EXIT_DIAGNOSTICS: u8 = 1;
const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    nginx_wslint_rules::timing::phase("start");
    let args = cli::with_default_command(std::env::args_os().collect());
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // clap exits with 2 for usage errors and 0 for --help/--version.
            e.exit();
        }
    };
    let result = match cli.command {
        Command::Check(args) => check(args),
        Command::Parse(args) => parse(args),
        Command::Route(args) => route::run(args),
        Command::Rule(args) => rule_command::run(args),
        Command::Probe(args) => probe::run(args),
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "nginx-wslint", &mut io::stdout());
            Ok(EXIT_CLEAN)
        }
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(message) => {
            let _ = writeln!(io::stderr(), "nginx-wslint: error: {message}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn check(args: CheckArgs) -> Result<u8, String> {
    heap::prefer_huge_pages();
    if args.diff {
        let fixed = fix::fix_in_memory(&args)?;
        let stdout = io::stdout();
        let mut out = io::BufWriter::new(stdout.lock());
        let changed = fix::print_diff(&mut out, &fixed.changes)
            .and_then(|c| out.flush().map(|_| c))
            .map_err(|e| format!("cannot write output: {e}"))?;
        return Ok(if changed && !args.exit_zero {
            EXIT_DIAGNOSTICS
        } else {
            EXIT_CLEAN
        });
    }
    let lint::Outcome {
        config,
        diagnostics,
    } = if args.fix {
        let fixed = fix::fix_in_memory(&args)?;
        fix::write_changes(&fixed.changes)?;
        if !args.quiet && !fixed.changes.is_empty() {
            let n = fixed.changes.len();
            eprintln!(
                "nginx-wslint: fixed {n} file{}",
                if n == 1 { "" } else { "s" }
            );
        }
        fixed.outcome
    } else {
        lint::run(&args, &std::collections::HashMap::new())?
    };
    let color =
        std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && io::stdout().is_terminal();
    let printer = output::Printer {
        format: args.output_format,
        color,
        quiet: args.quiet,
        unsafe_fixes: args.unsafe_fixes,
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    printer
        .print(&mut out, &config, &diagnostics)
        .and_then(|_| out.flush())
        .map_err(|e| format!("cannot write output: {e}"))?;
    nginx_wslint_rules::timing::phase("output");
    let code = if diagnostics.is_empty() || args.exit_zero {
        EXIT_CLEAN
    } else {
        EXIT_DIAGNOSTICS
    };
    // The process ends here: freeing every node of a large configuration
    // one by one only delays the exit (the OS takes the pages back at once).
    std::mem::forget((config, diagnostics));
    Ok(code)
}

fn parse(args: ParseArgs) -> Result<u8, String> {
    heap::prefer_huge_pages();
    let options = LoadOptions {
        prefix: args.prefix.clone(),
        follow_includes: !args.single_file,
    };
    let mut config = ConfigSet::new(options);
    let entry = config
        .load_entry(&args.file)
        .map_err(|e| format!("cannot read {}: {e}", args.file.display()))?;
    let payload = payload::build(
        &config,
        entry,
        PayloadOptions {
            include_comments: args.include_comments,
        },
    );
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let written = match args.indent {
        Some(n) => {
            let indent = " ".repeat(n);
            let formatter = serde_json::ser::PrettyFormatter::with_indent(indent.as_bytes());
            let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
            serde::Serialize::serialize(&payload, &mut ser).map_err(|e| e.to_string())
        }
        None => serde_json::to_writer(&mut out, &payload).map_err(|e| e.to_string()),
    };
    written?;
    writeln!(out)
        .and_then(|_| out.flush())
        .map_err(|e| format!("cannot write output: {e}"))?;
    let code = if payload.status == "ok" {
        EXIT_CLEAN
    } else {
        EXIT_DIAGNOSTICS
    };
    // As in `check`: the process ends here, and freeing the payload's tree
    // node by node cost as much as serialising it.
    std::mem::forget((payload, config));
    Ok(code)
}
