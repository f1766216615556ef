//! Span invariants on every corpus and fixture file (spans slice exactly to
//! their text and nest properly), and proof 3 of the parser: every corpus
//! file, truncated at many points or with bytes flipped, parses to
//! diagnostics without panicking and still satisfies the invariants.

mod common;

use nginx_wslint_parser::{unescape, ParseMode, SourceFile};

/// A tiny deterministic generator (splitmix64), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn check(name: &str, source: Vec<u8>, mode: ParseMode) {
    let file = SourceFile::parse_with_mode(name, source, mode);
    if let Err(e) = common::check_spans(&file) {
        panic!("{name}: {e}");
    }
    for error in &file.errors {
        assert!(
            error.span.end as usize <= file.source().len(),
            "{name}: error span out of range"
        );
        assert!(
            error.line >= 1 && error.line as usize <= file.line_index().line_count(),
            "{name}: error line"
        );
        assert_eq!(
            file.line_col(error.span.start).line,
            error.line,
            "{name}: error {:?} line differs from its span",
            error.message
        );
    }
}

#[test]
fn spans_slice_exactly_and_nest_on_every_file() {
    let files = common::corpus_and_fixture_files();
    assert!(!files.is_empty(), "no corpus or fixture files found");
    for path in files {
        let source = std::fs::read(&path).unwrap();
        let file = SourceFile::parse(&path, source);
        if let Err(e) = common::check_spans(&file) {
            panic!("{}: {e}", path.display());
        }
        // Values are nginx's unescaping of the text between the quotes.
        for d in file.directives() {
            for w in std::iter::once(&d.name).chain(file.args(d)) {
                let expected =
                    String::from_utf8_lossy(&unescape(file.text(w.inner_span()))).into_owned();
                assert_eq!(
                    file.value(w),
                    expected,
                    "{}: word at {}",
                    path.display(),
                    w.span().start
                );
            }
        }
    }
}

#[test]
fn truncated_and_corrupted_files_parse_without_panicking() {
    let files = common::corpus_and_fixture_files();
    let mut rng = Rng(0x5EED_0FC0_FFEE);
    let mut variants = 0;
    for path in files {
        let source = std::fs::read(&path).unwrap();
        let name = path.display().to_string();
        let len = source.len();
        // Truncations at evenly spaced and random points.
        let mut cuts: Vec<usize> = (0..=8).map(|i| len * i / 8).collect();
        cuts.extend((0..4).map(|_| rng.below(len + 1)));
        for cut in cuts {
            check(&name, source[..cut].to_vec(), ParseMode::Directives);
            variants += 1;
        }
        // Random byte flips, with syntax-relevant bytes favoured.
        const SPECIAL: &[u8] = b"{};\"'\\#$\n\r\0\xff";
        for _ in 0..6 {
            let mut corrupted = source.clone();
            for _ in 0..1 + rng.below(8) {
                if corrupted.is_empty() {
                    break;
                }
                let at = rng.below(corrupted.len());
                corrupted[at] = if rng.below(2) == 0 {
                    SPECIAL[rng.below(SPECIAL.len())]
                } else {
                    rng.next() as u8
                };
            }
            check(&name, corrupted.clone(), ParseMode::Directives);
            check(&name, corrupted, ParseMode::Values);
            variants += 2;
        }
    }
    eprintln!("parsed {variants} corrupted variants");
}

#[test]
fn hostile_shapes_do_not_overflow_or_hang() {
    let deep_open = "a {".repeat(200_000);
    let deep_closed = format!("{}{}", "a {".repeat(50_000), "}".repeat(50_000));
    let many_args = format!("x {};", "a ".repeat(200_000));
    let lone_quote = format!("x \"{}", "y".repeat(1_000_000));
    let lua_deep = format!("content_by_lua_block {}", "{".repeat(100_000));
    for (name, src) in [
        ("deep-open", deep_open),
        ("deep-closed", deep_closed),
        ("many-args", many_args),
        ("lone-quote", lone_quote),
        ("lua-deep", lua_deep),
    ] {
        let file = SourceFile::parse(name, src.into_bytes());
        common::check_spans(&file).unwrap_or_else(|e| panic!("{name}: {e}"));
        drop(file);
    }
    let mut rng = Rng(42);
    let noise: Vec<u8> = (0..1_000_000).map(|_| rng.next() as u8).collect();
    check("noise", noise, ParseMode::Directives);
}
