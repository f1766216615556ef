//! `gen-config --size-mb N [--seed S] [--out PATH] [--includes K]`: writes a
//! large, deterministic nginx configuration (see the library docs).

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use nginx_wslint_bench::{generate, GenOptions};

const USAGE: &str = "\
usage: gen-config --size-mb N [--seed S] [--out PATH] [--includes K]

  --size-mb N    approximate total size in MB (1 MB = 1,000,000 bytes; fractions allowed)
  --seed S       PRNG seed (default 1); the same seed gives the same bytes
  --out PATH     write the main file here (default: standard output)
  --includes K   put the servers into K files conf.d/sites-N.conf next to
                 --out, included from http with `include conf.d/*.conf;`
                 (requires --out)";

struct Args {
    options: GenOptions,
    out: Option<PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let mut size_mb: Option<f64> = None;
    let mut options = GenOptions::default();
    let mut out = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "--size-mb" => {
                let v = value("--size-mb")?;
                let mb: f64 = v
                    .parse()
                    .map_err(|_| format!("--size-mb: not a number: {v}"))?;
                if !(mb > 0.0 && mb <= 4000.0) {
                    return Err(format!("--size-mb must be in (0, 4000], got {v}"));
                }
                size_mb = Some(mb);
            }
            "--seed" => {
                let v = value("--seed")?;
                options.seed = v
                    .parse()
                    .map_err(|_| format!("--seed: not an unsigned integer: {v}"))?;
            }
            "--out" | "-o" => out = Some(PathBuf::from(value("--out")?)),
            "--includes" => {
                let v = value("--includes")?;
                options.includes = v
                    .parse()
                    .map_err(|_| format!("--includes: not an unsigned integer: {v}"))?;
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unexpected argument: {other}")),
        }
    }
    let size_mb = size_mb.ok_or("--size-mb is required")?;
    options.size_bytes = (size_mb * 1_000_000.0) as usize;
    if options.includes > 0 && out.is_none() {
        return Err(
            "--includes needs --out PATH/nginx.conf (conf.d/ is created next to it)".into(),
        );
    }
    Ok(Args { options, out })
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("gen-config: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let config = generate(&args.options);
    let result = match &args.out {
        Some(path) => config.write_to(path),
        None => std::io::stdout().lock().write_all(config.main.as_bytes()),
    };
    if let Err(e) = result {
        eprintln!("gen-config: cannot write the configuration: {e}");
        return ExitCode::FAILURE;
    }
    let s = &config.stats;
    eprintln!(
        "gen-config: {} bytes in {} file(s): {} servers, {} locations, {} upstreams, {} maps",
        config.total_bytes(),
        1 + config.includes.len(),
        s.servers,
        s.locations,
        s.upstreams,
        s.maps
    );
    ExitCode::SUCCESS
}
