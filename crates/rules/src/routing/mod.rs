//! Request routing as nginx does it: URI normalisation, server selection and
//! location selection, and [`router::Router`], which combines them.

pub mod location;
pub mod normalize;
pub mod regex;
pub mod router;
pub mod server;
pub mod shadow;
