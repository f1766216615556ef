//! `nginx-wslint route CONFIG URI`: which server and location nginx picks.

use std::io::{self, Write};

use nginx_wslint_parser::{context, ConfigSet, Context, LoadOptions};
use nginx_wslint_rules::model::{BlockId, Model};
use nginx_wslint_rules::routing::location::{parse_location_args, Found};
use nginx_wslint_rules::routing::router::Router;
use serde::Serialize;

use crate::cli::{RouteArgs, RouteFormat};

#[derive(Serialize)]
struct JsonRoute {
    uri: String,
    server: Option<JsonServer>,
    location: Option<JsonLocation>,
}

#[derive(Serialize)]
struct JsonServer {
    file: String,
    line: u32,
    server_name: Vec<String>,
}

#[derive(Serialize)]
struct JsonLocation {
    file: String,
    line: u32,
    column: u32,
    modifier: &'static str,
    path: String,
}

pub fn run(args: RouteArgs) -> Result<u8, String> {
    let mut config = ConfigSet::new(LoadOptions {
        prefix: args.prefix.clone(),
        follow_includes: true,
    });
    let entry = config
        .load_entry(&args.config)
        .map_err(|e| format!("cannot read {}: {e}", args.config.display()))?;
    if let Some(error) = config.file(entry.file).errors.first() {
        return Err(format!(
            "{}:{}: {} (fix the syntax error first: `nginx-wslint check {}`)",
            args.config.display(),
            error.line,
            error.message,
            args.config.display()
        ));
    }
    let cli_context = args
        .context
        .as_deref()
        .map(str::parse::<Context>)
        .transpose()?;
    let ctx = context::resolve_context(config.file(entry.file), cli_context)?;
    let model = Model::build(&config, entry, ctx);
    let router = Router::new(&model);
    let route = router
        .route(args.uri.as_bytes(), args.host.as_deref(), args.port)
        .map_err(|e| e.to_string())?;

    let uri = String::from_utf8_lossy(&route.uri).into_owned();
    let server = route.server.map(|b| describe_server(&model, b));
    let (location_block, redirect) = match route.found {
        Found::Location(b) => (Some(b), false),
        Found::Redirect(b) => (Some(b), true),
        Found::ServerLevel => (None, false),
    };
    let location = location_block.map(|b| describe_location(&model, b));
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let written = match args.output_format {
        RouteFormat::Json => {
            let json = JsonRoute {
                uri,
                server,
                location,
            };
            serde_json::to_writer_pretty(&mut out, &json)
                .map_err(io::Error::other)
                .and_then(|_| writeln!(out))
        }
        RouteFormat::Full => print_human(
            &mut out,
            &uri,
            server.as_ref(),
            location.as_ref(),
            redirect,
            args.port,
        ),
    };
    written.map_err(|e| format!("cannot write output: {e}"))?;
    Ok(0)
}

fn print_human(
    out: &mut dyn Write,
    uri: &str,
    server: Option<&JsonServer>,
    location: Option<&JsonLocation>,
    redirect: bool,
    port: u16,
) -> io::Result<()> {
    writeln!(out, "uri:      {uri}")?;
    match server {
        Some(s) => {
            let names = if s.server_name.is_empty() {
                "(no server_name)".to_string()
            } else {
                s.server_name.join(" ")
            };
            writeln!(out, "server:   {}:{}  server_name {names}", s.file, s.line)?;
        }
        None => writeln!(out, "server:   none listens on port {port}")?,
    }
    match location {
        Some(l) => {
            let modifier = if l.modifier.is_empty() {
                String::new()
            } else {
                format!("{} ", l.modifier)
            };
            writeln!(
                out,
                "location: {}:{}:{}  location {modifier}{}",
                l.file, l.line, l.column, l.path
            )?;
            if redirect {
                writeln!(
                    out,
                    "          nginx answers 301 to \"{uri}/\": this prefix location proxies and ends with \"/\" (add `location = {uri}` to handle it)"
                )?;
            }
        }
        None if server.is_some() => writeln!(
            out,
            "location: none matches; the server level handles the request"
        )?,
        None => {}
    }
    Ok(())
}

fn describe_server(model: &Model, block: BlockId) -> JsonServer {
    let (file, line) = match model.block(block).header {
        Some(h) => (model.file(h.file).path.display().to_string(), model.line(h)),
        None => (model.file(model.entry.file).path.display().to_string(), 1),
    };
    let server_name = model
        .directives_named(block, "server_name")
        .flat_map(|d| model.args(d))
        .map(str::to_string)
        .collect();
    JsonServer {
        file,
        line,
        server_name,
    }
}

fn describe_location(model: &Model, block: BlockId) -> JsonLocation {
    let header = model.block(block).header.expect("a location has a header");
    let file = model.file(header.file);
    let args = model.args(header);
    let (modifier, path) = parse_location_args(&args)
        .unwrap_or((nginx_wslint_rules::routing::location::Modifier::Prefix, ""));
    let position = file.line_col(header.directive.span.start);
    JsonLocation {
        file: file.path.display().to_string(),
        line: position.line,
        column: position.column,
        modifier: modifier.as_str(),
        path: path.to_string(),
    }
}
