//! The ChartMogul side: payload types ([`types`]), the client ([`client`]) over the
//! [`transport::Transport`] seam, its error classification ([`error`]) and retry policy
//! ([`retry`]).

pub mod client;
pub mod error;
pub mod retry;
pub mod transport;
pub mod types;

pub use client::{Client, ClientConfig, Created, Credentials};
pub use error::{ApiError, ErrorClass};
pub use transport::{Method, Request, Response, Transport, TransportError, TransportErrorKind};
