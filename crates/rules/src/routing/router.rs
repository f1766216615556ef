//! Routing requests through servers and locations.

use crate::fast_hash::FastMap;

use super::location::{Found, Level};
use super::normalize::{self, Normalized};
use super::regex::{CannotEvaluate, RegexCache};
use super::server::{self, Server};
use crate::model::{BlockId, Model};

/// Where a request ends up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The URI nginx matches locations against (normalised, no arguments).
    pub uri: Vec<u8>,
    /// The server block, if any server listens on the port.
    pub server: Option<BlockId>,
    /// The location, a redirect, or the server level.
    pub found: Found,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteError {
    /// nginx answers 400 to this request target.
    InvalidUri(String),
    /// nginx answers 400 to this Host header.
    InvalidHost(String),
    /// A regex on the way cannot be evaluated faithfully.
    CannotEvaluate(CannotEvaluate),
}

impl std::fmt::Display for RouteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RouteError::InvalidUri(why) => {
                write!(f, "nginx rejects this URI with 400 Bad Request: {why}")
            }
            RouteError::InvalidHost(why) => {
                write!(f, "nginx rejects this Host with 400 Bad Request: {why}")
            }
            RouteError::CannotEvaluate(c) => write!(
                f,
                "cannot evaluate regex \"{}\" the way PCRE does ({}); the answer would be a guess",
                c.regex, c.reason
            ),
        }
    }
}

impl From<CannotEvaluate> for RouteError {
    fn from(c: CannotEvaluate) -> RouteError {
        RouteError::CannotEvaluate(c)
    }
}

/// Servers and their location trees, built once for many requests.
pub struct Router<'a> {
    servers: Vec<Server>,
    levels: Vec<Level<'a>>,
    /// Index into `levels` by server block.
    level_of: FastMap<BlockId, usize>,
}

impl<'a> Router<'a> {
    pub fn new(model: &Model<'a>) -> Router<'a> {
        let server_blocks: Vec<BlockId> = model
            .all_blocks()
            .filter(|&b| model.block(b).context == nginx_wslint_parser::Context::Server)
            .collect();
        let mut regexes = RegexCache::default();
        let servers: Vec<Server> = server_blocks
            .iter()
            .map(|&b| Server::build(model, b, &mut regexes))
            .collect();
        let levels = server_blocks
            .iter()
            .map(|&b| Level::build(model, b, &mut regexes))
            .collect();
        let level_of = server_blocks
            .iter()
            .enumerate()
            .map(|(i, &b)| (b, i))
            .collect();
        Router {
            servers,
            levels,
            level_of,
        }
    }

    pub fn servers(&self) -> &[Server] {
        &self.servers
    }

    /// The location tree of a server.
    pub fn level(&self, server: BlockId) -> Option<&Level<'a>> {
        self.level_of.get(&server).map(|&i| &self.levels[i])
    }

    /// Routes a request target (`/path?args`) sent to `port` with `host`.
    pub fn route(&self, target: &[u8], host: Option<&str>, port: u16) -> Result<Route, RouteError> {
        let uri = match normalize::normalize(target) {
            Normalized::Ok { path, .. } => path,
            Normalized::Invalid(why) => return Err(RouteError::InvalidUri(why.to_string())),
        };
        let server = match server::select_checked(&self.servers, port, host)? {
            server::Selected::InvalidHost { reason, .. } => {
                return Err(RouteError::InvalidHost(reason.to_string()))
            }
            server::Selected::Server { server, .. } => server,
        };
        let Some(server) = server else {
            return Ok(Route {
                uri,
                server: None,
                found: Found::ServerLevel,
            });
        };
        let found = self
            .level(server.block)
            .expect("every server has a level")
            .find(&uri)?;
        Ok(Route {
            uri,
            server: Some(server.block),
            found,
        })
    }
}
