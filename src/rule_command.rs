//! `nginx-wslint rule CODE|NAME | --all`: a rule's documentation.

use std::io::{self, Write};

use nginx_wslint_rules::diagnostic::DOCS_URL;
use nginx_wslint_rules::rules::{self, Rule};
use serde::Serialize;

use crate::cli::{RouteFormat, RuleArgs};

#[derive(Serialize)]
struct JsonRule {
    code: &'static str,
    name: &'static str,
    severity: &'static str,
    summary: String,
    fix_availability: &'static str,
    explanation: String,
    url: String,
}

/// The Markdown page of a rule, as `rule` prints it and `docs/rules/`
/// stores it.
pub fn render(rule: &Rule) -> String {
    format!(
        "# {} ({})\n\nSeverity: {}. {}\n\n{}\n",
        rule.code.name,
        rule.code.code,
        rule.code.severity.as_str(),
        rule.fix.describe(),
        rule.doc().trim_end()
    )
}

pub fn run(args: RuleArgs) -> Result<u8, String> {
    let selected: Vec<&Rule> = if args.all {
        rules::ALL.to_vec()
    } else {
        let wanted = args.rule.unwrap_or_default();
        let rule = rules::find(&wanted).ok_or_else(|| {
            format!("unknown rule \"{wanted}\": `nginx-wslint rule --all` lists the rules")
        })?;
        vec![rule]
    };
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let written = match args.output_format {
        RouteFormat::Full => selected
            .iter()
            .enumerate()
            .try_for_each(|(i, r)| write!(out, "{}{}", if i > 0 { "\n" } else { "" }, render(r))),
        RouteFormat::Json => {
            let items: Vec<JsonRule> = selected
                .iter()
                .map(|r| JsonRule {
                    code: r.code.code,
                    name: r.code.name,
                    severity: r.code.severity.as_str(),
                    summary: r.summary(),
                    fix_availability: match r.fix {
                        rules::FixAvailability::Always => "always",
                        rules::FixAvailability::Sometimes => "sometimes",
                        rules::FixAvailability::Unsafe => "unsafe",
                        rules::FixAvailability::None => "none",
                    },
                    explanation: r.doc(),
                    url: format!("{DOCS_URL}/{}.md", r.code.code),
                })
                .collect();
            let json = if args.all {
                serde_json::to_string_pretty(&items)
            } else {
                serde_json::to_string_pretty(&items[0])
            };
            json.map_err(io::Error::other)
                .and_then(|j| writeln!(out, "{j}"))
        }
    };
    written.map_err(|e| format!("cannot write output: {e}"))?;
    Ok(0)
}
