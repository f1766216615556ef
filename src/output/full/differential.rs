//! `plain` draws every report it accepts exactly as miette does: each
//! report of `check` on the fixtures, the real corpus and a generated
//! configuration, and sweeps of synthetic spans over texts with CRLF, tabs,
//! multibyte characters and line numbers growing a digit, is rendered both
//! ways and compared.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use clap::Parser;
use nginx_wslint_parser::{ConfigSet, LoadOptions, Span};
use nginx_wslint_rules::diagnostic::{Code, Diagnostic, Severity};

use super::{display_path, FileFacts, Renderer, Report};
use crate::cli::{Cli, Command};

/// How many reports `plain` drew (and matched miette) and left to miette.
#[derive(Debug, Default)]
struct Counts {
    drawn: usize,
    left: usize,
}

impl Counts {
    fn add(&mut self, other: Counts) {
        self.drawn += other.drawn;
        self.left += other.left;
    }
}

/// Renders each diagnostic with `plain` and with miette and fails on the
/// first difference, showing where the texts part, or when `plain` leaves
/// a report to miette that `must_draw` says it draws.
fn compare(
    config: &ConfigSet,
    diagnostics: &[Diagnostic],
    must_draw: fn(&Report) -> bool,
) -> Counts {
    let renderer = Renderer::new(config, diagnostics, false);
    let mut counts = Counts::default();
    for d in diagnostics {
        let name = display_path(config, d);
        let report = Report::new(config, d, &name);
        let mut drawn = String::new();
        if renderer
            .render_plain(&mut drawn, &report, &FileFacts::default())
            .is_none()
        {
            assert!(
                !must_draw(&report),
                "plain left to miette: {:?} at {:?}",
                d.message,
                report.labels.iter().map(|l| &l.span).collect::<Vec<_>>()
            );
            counts.left += 1;
            continue;
        }
        let mut expected = String::new();
        renderer
            .render_with_miette(&mut expected, &report, &FileFacts::default())
            .expect("miette renders");
        if drawn != expected {
            panic!(
                "plain differs from miette for {} {:?} at {}:{}\n{}",
                d.code.code,
                d.message,
                report.name,
                d.start.line,
                difference(&expected, &drawn)
            );
        }
        counts.drawn += 1;
    }
    counts
}

/// The first differing line of two renderings, then both in full.
fn difference(expected: &str, got: &str) -> String {
    let mut expected_lines = expected.split_inclusive('\n');
    let mut got_lines = got.split_inclusive('\n');
    let mut number = 1;
    loop {
        let (e, g) = (expected_lines.next(), got_lines.next());
        if e != g {
            return format!(
                "line {number}:\n  miette: {e:?}\n  plain:  {g:?}\n--- miette ---\n{expected}--- plain ---\n{got}"
            );
        }
        number += 1;
    }
}

/// What `nginx-wslint check <path>` finds, compared.
fn compare_check(path: &Path) -> Counts {
    let cli = Cli::parse_from(["nginx-wslint", "check", &path.to_string_lossy()]);
    let Command::Check(args) = cli.command else {
        unreachable!("parsed as check");
    };
    match crate::lint::run(&args, &HashMap::new()) {
        Ok(outcome) => compare(&outcome.config, &outcome.diagnostics, |_| false),
        Err(e) => panic!("check {}: {e}", path.display()),
    }
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("readable directory")
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn plain_matches_miette_on_every_fixture() {
    let mut files = Vec::new();
    files_under(&repo_root().join("fixtures"), &mut files);
    let mut counts = Counts::default();
    for path in files.iter().filter(|p| {
        p.extension()
            .is_some_and(|e| e == "conf" || e == "template")
    }) {
        counts.add(compare_check(path));
    }
    eprintln!("fixtures: {counts:?}");
    assert!(counts.drawn > 50, "{counts:?}");
}

#[test]
fn plain_matches_miette_on_the_real_corpus() {
    let dir = std::env::var_os("NGINX_WSLINT_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared/corpus/real"));
    if !dir.is_dir() {
        eprintln!(
            "skipped: no corpus at {} (set NGINX_WSLINT_CORPUS)",
            dir.display()
        );
        return;
    }
    let mut files = Vec::new();
    files_under(&dir, &mut files);
    let mut counts = Counts::default();
    for path in files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "conf"))
    {
        counts.add(compare_check(path));
    }
    eprintln!("corpus: {counts:?}");
    assert!(counts.drawn > 0, "{counts:?}");
}

#[test]
fn plain_matches_miette_on_a_generated_configuration() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let main = dir.path().join("nginx.conf");
    nginx_wslint_bench::generate(&nginx_wslint_bench::GenOptions {
        size_bytes: 2_000_000,
        seed: 3,
        includes: 8,
    })
    .write_to(&main)
    .expect("generated files written");
    let counts = compare_check(&main);
    eprintln!("generated: {counts:?}");
    assert!(counts.drawn > 100 && counts.left == 0, "{counts:?}");
}

const CODE: Code = Code {
    code: "WS000",
    name: "test-code",
    severity: Severity::Warning,
};

/// A configuration of one file with `text`, read from standard input.
fn config_with(text: &[u8]) -> ConfigSet {
    let mut config = ConfigSet::new(LoadOptions {
        prefix: None,
        follow_includes: false,
    });
    config.add_entry_source(Path::new("t/test.conf"), text.to_vec());
    config
}

/// Every span of up to `max_len` bytes starting in `starts`.
fn spans(starts: Range<usize>, max_len: usize, text_len: usize) -> Vec<Span> {
    let mut spans = Vec::new();
    for start in starts {
        for end in start..=(start + max_len).min(text_len) {
            spans.push(Span::new(start, end));
        }
    }
    spans
}

/// Whether `plain` draws a report of a text of printable ASCII, tabs and
/// line ends: when the text is not empty, each label is on one line without
/// its line end and no two start together.
fn one_line_labels(report: &Report) -> bool {
    let bytes = report.source;
    let one_line = |span: &Range<usize>| {
        let after_cr = span.start > 0 && bytes[span.start - 1] == b'\r';
        !after_cr
            && !bytes[span.clone()]
                .iter()
                .any(|&b| b == b'\n' || b == b'\r')
    };
    let starts_apart = match report.labels.as_slice() {
        [a, b] => a.span.start != b.span.start,
        _ => true,
    };
    !bytes.is_empty() && starts_apart && report.labels.iter().all(|l| one_line(&l.span))
}

/// Reports for every primary span with every related span (and none).
fn sweep(
    text: &[u8],
    primaries: &[Span],
    related: &[Span],
    must_draw: fn(&Report) -> bool,
) -> Counts {
    let config = config_with(text);
    let file = config.file_ids().next().expect("one file");
    let mut diagnostics = Vec::new();
    for &primary in primaries {
        let d = Diagnostic::new(&config, CODE, file, primary, "a message".to_string());
        diagnostics.push(d.clone().with_help("some help"));
        for &other in related {
            diagnostics.push(d.clone().with_related(other, "related place"));
        }
    }
    compare(&config, &diagnostics, must_draw)
}

/// All spans of up to 3 bytes as primary, with related spans of up to 2.
fn sweep_all(text: &[u8], must_draw: fn(&Report) -> bool) -> Counts {
    let primaries = spans(0..text.len() + 1, 3, text.len());
    let related = spans(0..text.len() + 1, 2, text.len());
    sweep(text, &primaries, &related, must_draw)
}

#[test]
fn plain_matches_miette_on_lf_and_crlf_texts() {
    let texts: [&[u8]; 8] = [
        b"",
        b"events {}\nhttp {\n  server {\n    listen 80;\n  }\n}\n",
        b"a;\r\nb;\r\n\r\nc { d; }\r\n",
        b"\n\nx y;\n\n",
        b"no line end at all",
        b"x;\n",
        b"\r\nlast;",
        b"\tlisten 80;\r\n\t\tserver_name\tx.example;\n\t}",
    ];
    for text in texts {
        let counts = sweep_all(text, one_line_labels);
        eprintln!("{:?}: {counts:?}", String::from_utf8_lossy(text));
    }
    // miette ends a line at a lone CR and the parser's line index does not:
    // such files are left to miette.
    let counts = sweep_all(b"a;\rb;\nc;\n", |_| false);
    assert_eq!(counts.drawn, 0, "{counts:?}");
}

#[test]
fn plain_matches_miette_with_tabs_and_multibyte_characters() {
    let texts: [&str; 4] = [
        "\tlisten 80;\n\t\tserver_name\té.example;\n}\n",
        "# café ☕\nlocation /ü {\n  return 200 \"日本\";\n}\n",
        "a\tb;\nc;\nd;\n日本\tc;\n",
        "x;\n\u{1b}[31m y;\nz;\n",
    ];
    for text in texts {
        let counts = sweep_all(text.as_bytes(), |_| false);
        eprintln!("{text:?}: {counts:?}");
        assert!(counts.drawn > 0, "{counts:?}");
    }
}

#[test]
fn plain_matches_miette_where_line_numbers_grow_a_digit() {
    let text: String = (1..=1010).map(|i| format!("d{i};\n")).collect();
    // Where each line starts, 1-based.
    let starts: Vec<usize> = [0, 0]
        .into_iter()
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let line_start = |line: usize| starts[line];
    let mut counts = Counts::default();
    for boundary in [1, 9, 99, 999] {
        let around = line_start(boundary.max(2) - 1)..line_start(boundary + 3);
        let primaries = spans(around, 2, text.len());
        let related: Vec<Span> = [1, 2, boundary - 1, boundary, boundary + 2, 500, 1010]
            .into_iter()
            .filter(|&l| l >= 1)
            .map(|l| Span::new(line_start(l), line_start(l) + 1))
            .collect();
        counts.add(sweep(
            text.as_bytes(),
            &primaries,
            &related,
            one_line_labels,
        ));
    }
    eprintln!("line numbers: {counts:?}");
}

#[test]
fn plain_matches_miette_on_messages_help_and_long_lines() {
    let long_line = format!("x {};\nshort;\n", "y".repeat(1200));
    let config = config_with(long_line.as_bytes());
    let file = config.file_ids().next().expect("one file");
    let mut diagnostics = Vec::new();
    for severity in [Severity::Error, Severity::Warning, Severity::Info] {
        for message in ["one line", "two\nlines", "a blank\n\nline", "ends\n", " "] {
            for (start, end) in [(2, 5), (1203, 1208)] {
                let d = Diagnostic::new(&config, CODE, file, Span::new(start, end), message.into())
                    .with_severity(severity);
                diagnostics.push(d.clone());
                diagnostics.push(d.clone().with_help("help\n\nafter a blank line\n"));
                diagnostics.push(d.with_related(Span::new(1205, 1206), "elsewhere"));
            }
        }
    }
    let counts = compare(&config, &diagnostics, one_line_labels);
    eprintln!("messages: {counts:?}");
}

#[test]
fn a_report_plain_gives_up_on_midway_is_left_whole_to_miette() {
    // plain has written the header and message when it meets the label
    // after a non-ASCII character.
    let text = "server_name é.example x;\n";
    let config = config_with(text.as_bytes());
    let file = config.file_ids().next().expect("one file");
    let at = text.find('x').expect("an x");
    let d = Diagnostic::new(&config, CODE, file, Span::new(at, at + 1), "m".into());
    let renderer = Renderer::new(&config, std::slice::from_ref(&d), false);
    let mut got = "the report before\n".to_string();
    renderer.render(&mut got, &d).expect("rendered");
    let mut expected = "the report before\n".to_string();
    renderer
        .render_with_miette(
            &mut expected,
            &Report::new(&config, &d, &display_path(&config, &d)),
            &FileFacts::default(),
        )
        .expect("miette renders");
    assert_eq!(got, expected);
    assert!(got.contains("╰── here"), "{got}");
}
