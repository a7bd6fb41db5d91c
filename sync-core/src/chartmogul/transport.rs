//! The `Transport` seam: one HTTP request in, one response out.
//!
//! Contract: a transport sends exactly the request it is given (method, absolute URL, headers,
//! body) once, and returns the response whatever its status — a 4xx/5xx answer is a
//! [`Response`], not an error. Only failures to get an answer at all (timeout, refused or reset
//! connection, TLS) are [`TransportError`]s. Retries, backoff and classification live in the
//! client ([`super::client`]), not here. The transport also owns time — `sleep` for backoff and
//! rate limiting, `elapsed` for the retry budget — so `sync-core` stays free of clocks, threads
//! and sockets and tests can run on a fake clock. The real transport (ureq, rustls, timeouts,
//! keep-alive, at most N connections) lives outside `sync-core`.

use std::fmt;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An HTTP request, fully built by the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: Method,
    /// Absolute URL, query string included.
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

/// An HTTP response, any status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why no response arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportErrorKind {
    /// No answer within the transport's timeout.
    Timeout,
    /// Could not connect, or the connection was reset or closed before a full answer.
    Connection,
    /// The host name could not be resolved.
    Dns,
    /// TLS handshake or certificate failure: retrying will not help.
    Tls,
    /// The URL or request itself is malformed: retrying will not help.
    InvalidRequest,
}

/// A failure to get any response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind:?}: {message}")]
pub struct TransportError {
    pub kind: TransportErrorKind,
    pub message: String,
}

impl TransportError {
    pub fn new(kind: TransportErrorKind, message: impl Into<String>) -> Self {
        TransportError {
            kind,
            message: message.into(),
        }
    }

    /// Timeouts, resets and DNS hiccups are worth retrying; TLS and malformed requests are not.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.kind,
            TransportErrorKind::Timeout | TransportErrorKind::Connection | TransportErrorKind::Dns
        )
    }
}

/// The seam the ChartMogul client sends through.
pub trait Transport {
    fn send(&mut self, request: &Request) -> Result<Response, TransportError>;
    /// Blocks for `duration` (backoff, rate limiting). Test transports advance a fake clock.
    fn sleep(&mut self, duration: Duration);
    /// Monotonic time since the transport was created.
    fn elapsed(&self) -> Duration;
    /// Another handle on the same connections, limits and clock, for sending from another
    /// thread. `None` (the default) when the transport cannot be shared — test fakes with a
    /// scripted clock — and callers then send from one thread.
    fn fork(&self) -> Option<Box<dyn Transport + Send>> {
        None
    }
}

impl<T: Transport + ?Sized> Transport for &mut T {
    fn send(&mut self, request: &Request) -> Result<Response, TransportError> {
        (**self).send(request)
    }
    fn sleep(&mut self, duration: Duration) {
        (**self).sleep(duration)
    }
    fn elapsed(&self) -> Duration {
        (**self).elapsed()
    }
    fn fork(&self) -> Option<Box<dyn Transport + Send>> {
        (**self).fork()
    }
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn send(&mut self, request: &Request) -> Result<Response, TransportError> {
        (**self).send(request)
    }
    fn sleep(&mut self, duration: Duration) {
        (**self).sleep(duration)
    }
    fn elapsed(&self) -> Duration {
        (**self).elapsed()
    }
    fn fork(&self) -> Option<Box<dyn Transport + Send>> {
        (**self).fork()
    }
}
