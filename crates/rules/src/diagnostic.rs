//! Diagnostics: what every rule and the parser's checks report.

use nginx_wslint_parser::{
    ConfigSet, FileId, LineCol, LoadDiagnostic, LoadDiagnosticKind, Span, SyntaxError,
};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// Where diagnostics' documentation lives; each code has a page.
pub const DOCS_URL: &str = "https://github.com/nginx-wslint/nginx-wslint/blob/main/docs/rules";

/// A diagnostic code: a rule's or one of the non-rule checks' (SPEC §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
}

pub const SYNTAX_ERROR: Code = Code {
    code: "E001",
    name: "syntax-error",
    severity: Severity::Error,
};
pub const INCLUDE_NOT_FOUND: Code = Code {
    code: "E002",
    name: "include-not-found",
    severity: Severity::Warning,
};
pub const INCLUDE_CYCLE: Code = Code {
    code: "E003",
    name: "include-cycle",
    severity: Severity::Error,
};

#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub code: Code,
    pub message: String,
    pub help: Option<String>,
    /// A second place worth showing, with its label.
    pub related: Option<(Span, String)>,
    pub file: FileId,
    pub span: Span,
    pub start: LineCol,
    pub end: LineCol,
    /// Byte edits that fix it (file indices are `FileId`s).
    pub fix: Option<nginx_wslint_autofix::Fix>,
}

impl Diagnostic {
    pub fn new(
        config: &ConfigSet,
        code: Code,
        file: FileId,
        span: Span,
        message: String,
    ) -> Diagnostic {
        let source = config.file(file);
        Diagnostic {
            code,
            message,
            help: None,
            related: None,
            file,
            span,
            start: source.line_col(span.start),
            end: source.line_col(span.end),
            fix: None,
        }
    }

    /// Overrides the code's default severity (WS009 is an error only when
    /// Upgrade/Connection are dropped).
    pub fn with_severity(mut self, severity: Severity) -> Diagnostic {
        self.code.severity = severity;
        self
    }

    pub fn with_related(mut self, span: Span, label: impl Into<String>) -> Diagnostic {
        self.related = Some((span, label.into()));
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// The rule's documentation page.
    pub fn url(&self) -> String {
        let mut url = String::new();
        self.push_url(&mut url);
        url
    }

    /// Appends [`url`](Self::url) to `out` (a report writes it for every
    /// finding).
    pub fn push_url(&self, out: &mut String) {
        for piece in [DOCS_URL, "/", self.code.code, ".md"] {
            out.push_str(piece);
        }
    }

    pub fn from_syntax_error(config: &ConfigSet, file: FileId, error: &SyntaxError) -> Diagnostic {
        // The span starts where nginx reports the error (the offending byte,
        // or the start of a "too long" word), so its line is nginx's line.
        let mut d = Diagnostic::new(
            config,
            SYNTAX_ERROR,
            file,
            error.span,
            error.message.clone(),
        )
        .with_help(syntax_help(&error.message));
        d.related = error.related.map(|(span, label)| (span, label.to_string()));
        d
    }

    pub fn from_load(config: &ConfigSet, load: &LoadDiagnostic) -> Diagnostic {
        let code = match load.kind {
            LoadDiagnosticKind::IncludeNotFound => INCLUDE_NOT_FOUND,
            LoadDiagnosticKind::IncludeCycle => INCLUDE_CYCLE,
        };
        let help = match load.kind {
            LoadDiagnosticKind::IncludeNotFound => {
                "relative includes resolve against the prefix (the main configuration's directory); pass --prefix if this file is linted outside its real location"
            }
            LoadDiagnosticKind::IncludeCycle => "remove the include that leads back to a file that is already being read",
        };
        Diagnostic::new(config, code, load.file, load.span, load.message.clone()).with_help(help)
    }
}

fn syntax_help(message: &str) -> &'static str {
    if message.starts_with("unexpected end of file, expecting \"}\"") {
        "a block is not closed: add the missing \"}\""
    } else if message.starts_with("unexpected end of file") {
        "the last directive is not terminated: add \";\" (or close the open quote)"
    } else if message.starts_with("unexpected \"}\"") {
        "a \"}\" has no block to close, or the directive before it lacks its \";\""
    } else if message.starts_with("too long parameter, probably missing") {
        "a quoted string is not closed"
    } else if message.starts_with("too long parameter") {
        "nginx rejects words and comments of 4096 bytes or more: split the line"
    } else if message.starts_with("unexpected \"{\"") {
        "a \"{\" needs a directive name before it, and is not allowed inside map/types/geo blocks"
    } else if message.starts_with("unexpected ") {
        "after a closing quote nginx expects a space, \";\", \"{\" or \")\""
    } else {
        "nginx would refuse this configuration"
    }
}

/// Every diagnostic the loaded configuration has before any rule runs:
/// E001 for each syntax error of each file read, E002 and E003 from includes.
pub fn load_diagnostics(config: &ConfigSet) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for file in config.live_files() {
        for error in &config.file(file).errors {
            out.push(Diagnostic::from_syntax_error(config, file, error));
        }
    }
    out.extend(
        config
            .diagnostics
            .iter()
            .map(|d| Diagnostic::from_load(config, d)),
    );
    out
}
