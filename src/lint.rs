//! `check`: load the configuration, run the checks, apply settings and
//! suppressions.

use std::collections::{HashMap, HashSet};
use std::io::{self, Read};
use std::path::PathBuf;
use std::sync::Arc;

use nginx_wslint_parser::{
    context, ConfigSet, Context, Entry, FileId, LoadOptions, ParseMode, SourceFile, Span,
};
use nginx_wslint_rules::diagnostic::{self, Diagnostic};
use nginx_wslint_rules::model::time::parse_msec;
use nginx_wslint_rules::model::version::Version;
use nginx_wslint_rules::model::Model;
use nginx_wslint_rules::rules::{self, Settings};
use nginx_wslint_rules::suppression;
use rayon::prelude::*;

use crate::cli::{CheckArgs, OutputFormat};
use crate::config::{ConfigFile, Configs};
use crate::discover;
use crate::selection::Selection;

/// What `check` found.
pub struct Outcome {
    pub config: ConfigSet,
    pub diagnostics: Vec<Diagnostic>,
}

/// Selection and rule settings for files under one configuration file.
struct Options {
    selection: Selection,
    settings: Settings,
    file: Option<Arc<ConfigFile>>,
}

fn options(args: &CheckArgs, file: Option<Arc<ConfigFile>>) -> Result<Options, String> {
    let from_file = |what: &str, e: String| match &file {
        Some(f) => format!("{}: {what}: {e}", f.path.display()),
        None => e,
    };
    let cfg = file.as_deref();
    let select = if args.select.is_empty() {
        cfg.map(|c| c.select.clone()).unwrap_or_default()
    } else {
        args.select.clone()
    };
    let mut ignore = cfg.map(|c| c.ignore.clone()).unwrap_or_default();
    ignore.extend(args.ignore.iter().cloned());
    let selection = Selection::new(&select, &ignore)?;
    let target = match (
        &args.target_version,
        cfg.and_then(|c| c.target_version.as_ref()),
    ) {
        (Some(v), _) => v.parse::<Version>().map_err(|e| e.to_string())?,
        (None, Some(v)) => v
            .parse::<Version>()
            .map_err(|e| from_file("target-version", e.to_string()))?,
        (None, None) => Version::DEFAULT_TARGET,
    };
    let min_timeout_ms = match (&args.min_timeout, cfg.and_then(|c| c.min_timeout.as_ref())) {
        (Some(t), _) => parse_msec(t).map_err(|e| {
            format!("invalid --min-timeout \"{t}\": {e} (nginx time syntax, e.g. 300s, 1h)")
        })?,
        (None, Some(t)) => {
            parse_msec(t).map_err(|e| from_file("min-timeout", format!("invalid \"{t}\": {e}")))?
        }
        (None, None) => Settings::default().min_timeout_ms,
    };
    let websocket_paths = cfg
        .map(|c| c.websocket_paths.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|r| {
            regex::Regex::new(r)
                .map_err(|e| from_file("websocket-paths", format!("invalid regex \"{r}\": {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Options {
        selection,
        settings: Settings {
            target,
            min_timeout_ms,
            websocket_paths,
            resolver: args
                .resolver
                .clone()
                .or_else(|| cfg.and_then(|c| c.resolver.clone())),
        },
        file,
    })
}

/// Each file's [`Options`] and the codes its per-file-ignores silence.
#[derive(Default)]
struct FileSettings {
    by_file: HashMap<FileId, (Options, Vec<String>)>,
}

impl FileSettings {
    fn get(
        &mut self,
        args: &CheckArgs,
        configs: &mut Configs,
        config: &ConfigSet,
        file: FileId,
    ) -> Result<&(Options, Vec<String>), String> {
        use std::collections::hash_map::Entry as Slot;
        match self.by_file.entry(file) {
            Slot::Occupied(known) => Ok(known.into_mut()),
            Slot::Vacant(slot) => {
                let path = &config.file(file).path;
                let opts = options(args, configs.for_path(path)?)?;
                let ignores = opts
                    .file
                    .as_ref()
                    .map(|f| f.ignored_for(path).into_iter().map(String::from).collect())
                    .unwrap_or_default();
                Ok(slot.insert((opts, ignores)))
            }
        }
    }
}

/// Lints with `overlay` (canonical path → contents) standing in for files
/// on disk.
pub fn run(args: &CheckArgs, overlay: &HashMap<PathBuf, Vec<u8>>) -> Result<Outcome, String> {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let mut configs = Configs::new(args.config.as_deref())?;
    // The configuration of the first path gives the load-time settings
    // (prefix, context), as `--config` would.
    let first = paths
        .iter()
        .find(|p| p.as_os_str() != "-")
        .cloned()
        .unwrap_or_else(|| PathBuf::from("."));
    let base = configs.for_path(&first)?;
    let prefix = args.prefix.clone().or_else(|| {
        base.as_ref()
            .and_then(|c| c.prefix.as_ref().map(|p| c.dir.join(p)))
    });
    let context_name = args
        .context
        .clone()
        .or_else(|| base.as_ref().and_then(|c| c.context.clone()));
    let cli_context = context_name.map(|c| c.parse::<Context>()).transpose()?;

    let mut config = ConfigSet::new(LoadOptions {
        prefix,
        follow_includes: !args.no_follow_includes,
    });
    config.set_overlay(overlay.clone());
    if args.no_external_includes
        || matches!(
            args.output_format,
            OutputFormat::Github | OutputFormat::Sarif
        )
    {
        config.set_root(Some(repository_root()));
    }
    let (stdin_paths, file_paths): (Vec<PathBuf>, Vec<PathBuf>) =
        paths.into_iter().partition(|p| p.as_os_str() == "-");
    // Input from `nginx -T` (standard input or a file) is split into the
    // files it was, and includes resolve among them.
    let mut dump: Option<Vec<(PathBuf, Vec<u8>)>> = None;
    let mut stdin_source = None;
    if !stdin_paths.is_empty() {
        let mut source = Vec::new();
        io::stdin()
            .read_to_end(&mut source)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        match nginx_wslint_parser::dump::split(&source) {
            Some(files) => dump = Some(files),
            None => stdin_source = Some(source),
        }
    }
    let mut files = discover::discover(&file_paths).map_err(|e| e.to_string())?;
    // A single file given by name is read once: checked for an `nginx -T`
    // dump, else loaded from these bytes.
    let mut single_file_text = None;
    if dump.is_none() && files.len() == 1 && !file_paths.is_empty() && file_paths[0].is_file() {
        let text = std::fs::read(&files[0])
            .map_err(|e| format!("cannot read {}: {e}", files[0].display()))?;
        match nginx_wslint_parser::dump::split(&text) {
            Some(split) => {
                dump = Some(split);
                files.clear();
            }
            None => single_file_text = Some(text),
        }
    }
    if let Some(dump_files) = dump {
        let main = dump_files[0].0.clone();
        if config_prefix_unset(args) {
            config = ConfigSet::new(LoadOptions {
                prefix: main.parent().map(PathBuf::from),
                follow_includes: !args.no_follow_includes,
            });
        }
        config.set_virtual_files(dump_files);
        config.load_entry(&main).map_err(|e| {
            format!(
                "cannot read {} from the nginx -T output: {e}",
                main.display()
            )
        })?;
    }
    if let Some(source) = stdin_source {
        let name = args
            .stdin_filename
            .clone()
            .unwrap_or_else(|| PathBuf::from("-"));
        config.add_entry_source(&name, source);
    }
    // Many files: read and parse them on every core first; loading them
    // below (includes, entries) then finds them parsed. An overlay (the
    // passes of --fix) stands for some files: those are read from it.
    if files.len() > 1 && overlay.is_empty() {
        let parsed: Vec<(PathBuf, SourceFile)> = files
            .par_iter()
            .filter_map(|path| {
                let canonical = std::fs::canonicalize(path).ok()?;
                let bytes = std::fs::read(&canonical).ok()?;
                let file = SourceFile::parse_with_mode(path, bytes, ParseMode::Directives);
                Some((canonical, file))
            })
            .collect();
        for (canonical, file) in parsed {
            config.add_parsed(canonical, file);
        }
    }
    nginx_wslint_rules::timing::phase("setup");
    for file in files {
        let loaded = match single_file_text.take() {
            Some(text) => config.load_entry_read(&file, text),
            None => config.load_entry(&file),
        };
        loaded.map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    }
    // A file that an entry file includes is linted in that context, not
    // again on its own.
    if !args.no_follow_includes {
        let entries = config.entries.clone();
        let reached: HashSet<_> = entries.iter().flat_map(|&e| config.reachable(e)).collect();
        if entries.iter().any(|e| !reached.contains(&e.file)) {
            config.retain_entries(|e| !reached.contains(&e.file));
        }
    }

    nginx_wslint_rules::timing::phase("load");
    let base_options = options(args, base)?;
    let mut diagnostics = diagnostic::load_diagnostics(&config);
    // Each entry's context and settings, then the rules per entry in
    // parallel; results are collected in entry order (deterministic).
    // Settings per file, worked out once (finding a file's settings looks
    // at the disk, and findings come many to a file): for its entry's
    // rules, then for the selection and per-file-ignores of its findings.
    let mut settings = FileSettings::default();
    let mut jobs = Vec::with_capacity(config.entries.len());
    for entry in config.entries.clone() {
        let file = config.file(entry.file);
        settings.get(args, &mut configs, &config, entry.file)?;
        match context::resolve_context(file, cli_context) {
            Err(message) => diagnostics.push(Diagnostic::new(
                &config,
                diagnostic::SYNTAX_ERROR,
                entry.file,
                Span::empty(0),
                format!("invalid nginx-wslint comment: {message}"),
            )),
            // Rules judge what nginx would run: on a file nginx rejects,
            // E001 says what to fix first.
            Ok(_) if has_syntax_errors(&config, entry) => {}
            Ok(ctx) => jobs.push((entry, ctx)),
        }
    }
    let check_entry = |(entry, ctx): &(Entry, Context)| {
        let (opts, _) = &settings.by_file[&entry.file];
        let model = Model::build(&config, *entry, *ctx);
        let r = rules::check(&model, &opts.settings, &|rule| {
            opts.selection.enabled(rule.code.code, rule.code.name)
        });
        nginx_wslint_rules::timing::phase("sort");
        // Freeing the model's lists one by one costs more than its
        // checks of small rules (4 ms at 10 MB); the process ends soon.
        std::mem::forget(model);
        r
    };
    // One entry (the usual single file) is checked on this thread: no
    // worker threads to start, no second heap.
    let found: Vec<Vec<Diagnostic>> = if jobs.len() > 1 {
        jobs.par_iter().map(check_entry).collect()
    } else {
        jobs.iter().map(check_entry).collect()
    };
    diagnostics.extend(found.into_iter().flatten());

    // Settings of the file each diagnostic is in: selection and
    // per-file-ignores.
    let mut kept = Vec::with_capacity(diagnostics.len());
    for d in diagnostics {
        let (opts, per_file_ignores) = settings.get(args, &mut configs, &config, d.file)?;
        let ignored = per_file_ignores
            .iter()
            .any(|c| c.eq_ignore_ascii_case(d.code.code) || *c == d.code.name);
        if opts.selection.enabled(d.code.code, d.code.name) && !ignored {
            kept.push(d);
        }
    }
    let mut diagnostics = kept;

    nginx_wslint_rules::timing::phase("filter");
    // Suppression comments, and E004 for those that silence nothing.
    let mut suppressions = Vec::new();
    for file in config.live_files() {
        suppressions.extend(suppression::collect(file, config.file(file)));
    }
    suppression::apply(&mut diagnostics, &mut suppressions);
    if base_options.selection.enabled(
        suppression::UNUSED_SUPPRESSION.code,
        suppression::UNUSED_SUPPRESSION.name,
    ) {
        diagnostics.extend(suppression::unused(&config, &suppressions));
    }

    nginx_wslint_rules::timing::phase("suppress");
    sort(&config, &mut diagnostics);
    // A file shared by several entry files is checked from each: report
    // identical findings once.
    diagnostics.dedup_by(|a, b| {
        a.code.code == b.code.code && a.file == b.file && a.span == b.span && a.message == b.message
    });
    Ok(Outcome {
        config,
        diagnostics,
    })
}

/// The git work tree around the current directory, else the current
/// directory.
fn repository_root() -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    cwd.ancestors()
        .find(|d| d.join(".git").exists())
        .map(PathBuf::from)
        .unwrap_or(cwd)
}

/// Whether the prefix comes from nowhere but the entry file (so a dump's
/// main file sets it).
fn config_prefix_unset(args: &CheckArgs) -> bool {
    args.prefix.is_none()
}

fn has_syntax_errors(config: &ConfigSet, entry: Entry) -> bool {
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
