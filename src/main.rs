//! `nginx-wslint`: lint nginx configurations for WebSocket and long-lived
//! proxying mistakes.

mod cli;
mod discover;
mod output;
mod route;
mod rule_command;
mod selection;

use std::io::{self, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use nginx_wslint_parser::payload::{self, PayloadOptions};
use nginx_wslint_parser::{context, ConfigSet, Context, LoadOptions};

use cli::{CheckArgs, Cli, Command, ParseArgs};
use nginx_wslint_rules::diagnostic::{self, Diagnostic};
use nginx_wslint_rules::model::time::parse_msec;
use nginx_wslint_rules::model::version::Version;
use nginx_wslint_rules::model::Model;
use nginx_wslint_rules::rules::{self, Settings};
use selection::Selection;

/// Exit statuses (SPEC §2).
const EXIT_CLEAN: u8 = 0;
const EXIT_DIAGNOSTICS: u8 = 1;
const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
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
    let selection = Selection::new(&args.select, &args.ignore)?;
    let settings = Settings {
        target: match &args.target_version {
            Some(v) => v.parse::<Version>().map_err(|e| e.to_string())?,
            None => Version::DEFAULT_TARGET,
        },
        min_timeout_ms: match &args.min_timeout {
            Some(t) => parse_msec(t).map_err(|e| {
                format!("invalid --min-timeout \"{t}\": {e} (nginx time syntax, e.g. 300s, 1h)")
            })?,
            None => Settings::default().min_timeout_ms,
        },
        websocket_paths: Vec::new(),
    };
    let cli_context = match &args.context {
        Some(c) => Some(c.parse::<Context>()?),
        None => None,
    };
    let options = LoadOptions {
        prefix: args.prefix.clone(),
        follow_includes: !args.no_follow_includes,
    };
    let mut config = ConfigSet::new(options);

    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let (stdin_paths, file_paths): (Vec<PathBuf>, Vec<PathBuf>) =
        paths.into_iter().partition(|p| p.as_os_str() == "-");
    if !stdin_paths.is_empty() {
        let mut source = Vec::new();
        io::stdin()
            .read_to_end(&mut source)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        let name = args
            .stdin_filename
            .clone()
            .unwrap_or_else(|| PathBuf::from("-"));
        config.add_entry_source(&name, source);
    }
    let files = discover::discover(&file_paths).map_err(|e| e.to_string())?;
    for file in &files {
        config
            .load_entry(file)
            .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    }
    // A file that an entry file includes is linted in that context, not
    // again on its own.
    if !args.no_follow_includes {
        let entries = config.entries.clone();
        let reached: std::collections::HashSet<_> =
            entries.iter().flat_map(|&e| config.reachable(e)).collect();
        if entries.iter().any(|e| !reached.contains(&e.file)) {
            config.retain_entries(|e| !reached.contains(&e.file));
        }
    }

    let mut diagnostics = diagnostic::load_diagnostics(&config);
    // Each entry's context (the rules read their fragments in it); a bad
    // `# nginx-wslint: context=` comment is reported on its file.
    for entry in &config.entries {
        let file = config.file(entry.file);
        match context::resolve_context(file, cli_context) {
            Err(message) => {
                let span = nginx_wslint_parser::Span::empty(0);
                diagnostics.push(Diagnostic::new(
                    &config,
                    diagnostic::SYNTAX_ERROR,
                    entry.file,
                    span,
                    format!("invalid nginx-wslint comment: {message}"),
                ));
            }
            // Rules judge what nginx would run: on a file nginx rejects,
            // E001 says what to fix first.
            Ok(_) if has_syntax_errors(&config, *entry) => {}
            Ok(ctx) => {
                let model = Model::build(&config, *entry, ctx);
                diagnostics.extend(rules::check(&model, &settings, &|rule| {
                    selection.enabled(rule.code.code, rule.code.name)
                }));
            }
        }
    }
    diagnostics.retain(|d| selection.enabled(d.code.code, d.code.name));
    sort(&config, &mut diagnostics);
    // A file shared by several entry files is checked from each: report
    // identical findings once.
    diagnostics.dedup_by(|a, b| {
        a.code.code == b.code.code && a.file == b.file && a.span == b.span && a.message == b.message
    });

    let color =
        std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && io::stdout().is_terminal();
    let printer = output::Printer {
        format: args.output_format,
        color,
        quiet: args.quiet,
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    printer
        .print(&mut out, &config, &diagnostics)
        .and_then(|_| out.flush())
        .map_err(|e| format!("cannot write output: {e}"))?;

    Ok(if diagnostics.is_empty() || args.exit_zero {
        EXIT_CLEAN
    } else {
        EXIT_DIAGNOSTICS
    })
}

fn has_syntax_errors(config: &ConfigSet, entry: nginx_wslint_parser::Entry) -> bool {
    std::iter::once(entry.file)
        .chain(config.reachable(entry))
        .any(|f| !config.file(f).errors.is_empty())
}

/// Diagnostics in a stable order: by file path, position, then code.
fn sort(config: &ConfigSet, diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        let pa = &config.file(a.file).path;
        let pb = &config.file(b.file).path;
        pa.cmp(pb)
            .then(a.span.start.cmp(&b.span.start))
            .then(a.code.code.cmp(b.code.code))
    });
}

fn parse(args: ParseArgs) -> Result<u8, String> {
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
    Ok(if payload.status == "ok" {
        EXIT_CLEAN
    } else {
        EXIT_DIAGNOSTICS
    })
}
