//! The semantic model of an nginx configuration — what nginx will actually
//! do, not the text of one block — and the rules that judge it.
//!
//! Parse → check → fix → diff, as a library:
//!
//! ```
//! use std::path::Path;
//! use nginx_wslint_parser::{context, ConfigSet, LoadOptions};
//! use nginx_wslint_rules::model::Model;
//! use nginx_wslint_rules::rules::{self, Settings};
//!
//! let text = b"server {\n    location /ws/ {\n        proxy_pass ws://127.0.0.1:8000;\n    }\n}\n";
//! let mut config = ConfigSet::new(LoadOptions::default());
//! let entry = config.add_entry_source(Path::new("site.conf"), text.to_vec());
//! let ctx = context::resolve_context(config.file(entry.file), None).unwrap();
//! let model = Model::build(&config, entry, ctx);
//!
//! let diagnostics = rules::check(&model, &Settings::default(), &|rule| rule.code.code == "WS016");
//! assert_eq!(diagnostics[0].code.code, "WS016");
//! assert_eq!(diagnostics[0].start.line, 3);
//!
//! // Apply the fixes to the text and show the change.
//! let fixes: Vec<_> = diagnostics.iter().filter_map(|d| d.fix.as_ref()).collect();
//! let (fixed, applied) = nginx_wslint_autofix::apply(&[text.as_slice()], &fixes);
//! assert_eq!(applied, 1);
//! let fixed = fixed[0].as_ref().unwrap();
//! assert!(String::from_utf8_lossy(fixed).contains("proxy_pass http://127.0.0.1:8000;"));
//! let diff = nginx_wslint_autofix::unified_diff("site.conf", text, fixed);
//! assert!(diff.contains("+        proxy_pass http://127.0.0.1:8000;"));
//! ```
//!
//! * [`routing`]: which `server` and `location` handle a request, exactly as
//!   nginx decides (URI normalisation, exact/prefix/`^~`/regex matching,
//!   nested locations, server names).

pub mod diagnostic;
mod fast_hash;
pub mod model;
pub mod routing;
pub mod rules;
pub mod suppression;
pub mod timing;
