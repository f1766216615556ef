//! The semantic model of an nginx configuration — what nginx will actually
//! do, not the text of one block — and the rules that judge it.
//!
//! * [`routing`]: which `server` and `location` handle a request, exactly as
//!   nginx decides (URI normalisation, exact/prefix/`^~`/regex matching,
//!   nested locations, server names).

pub mod diagnostic;
pub mod model;
pub mod routing;
pub mod rules;
pub mod suppression;
