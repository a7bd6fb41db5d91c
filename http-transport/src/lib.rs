//! The real HTTP transport of the ChartMogul client: ureq 3 with rustls, timeouts and
//! keep-alive, implementing `sync_core::chartmogul::Transport`.
//!
//! Contract: one request in, one response out, any status (4xx/5xx are responses, not errors);
//! failures to get an answer become `TransportError`s of the right kind (timeout, connection,
//! DNS, TLS). Clones share one connection pool, one cap on connections in flight and one
//! requests-per-second window, so everything a run sends — from any number of threads — stays
//! within ChartMogul's limits (40 requests/s, 20 connections). The transport never logs
//! request headers, so the API key cannot leak through it.

use std::io::Read;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use sync_core::chartmogul::retry::{Limits, RateLimiter};
use sync_core::chartmogul::{
    Method, Request, Response, Transport, TransportError, TransportErrorKind,
};

/// Largest response body read (ChartMogul pages are far smaller).
const MAX_BODY: u64 = 64 * 1024 * 1024;

/// Timeouts and limits of the transport.
#[derive(Debug, Clone, Copy)]
pub struct HttpOptions {
    pub connect_timeout: Duration,
    /// Whole request, from connect to the last body byte.
    pub request_timeout: Duration,
    pub limits: Limits,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            limits: Limits::default(),
        }
    }
}

struct Shared {
    agent: ureq::Agent,
    started: Instant,
    in_flight: Mutex<u32>,
    slot_free: Condvar,
    window: Mutex<RateLimiter>,
    max_connections: u32,
}

/// The ureq-backed transport. Cheap to clone; clones share pool and limits.
#[derive(Clone)]
pub struct HttpTransport {
    shared: Arc<Shared>,
}

impl HttpTransport {
    pub fn new(options: HttpOptions) -> Self {
        let max_connections = options.limits.max_connections.max(1);
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(options.connect_timeout))
            .timeout_global(Some(options.request_timeout))
            .max_idle_connections(max_connections as usize)
            .max_idle_connections_per_host(max_connections as usize)
            .user_agent(concat!("whmcs-chartmogul/", env!("CARGO_PKG_VERSION")))
            .build();
        HttpTransport {
            shared: Arc::new(Shared {
                agent: ureq::Agent::new_with_config(config),
                started: Instant::now(),
                in_flight: Mutex::new(0),
                slot_free: Condvar::new(),
                window: Mutex::new(RateLimiter::new(options.limits.requests_per_second)),
                max_connections,
            }),
        }
    }

    /// Waits for the rate window and a free connection slot; the slot is freed on drop.
    fn admit(&self) -> Slot<'_> {
        let wait = {
            let mut window = self.shared.window.lock().unwrap_or_else(|p| p.into_inner());
            window.acquire(self.shared.started.elapsed())
        };
        if !wait.is_zero() {
            std::thread::sleep(wait);
        }
        let mut n = self
            .shared
            .in_flight
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        while *n >= self.shared.max_connections {
            n = self
                .shared
                .slot_free
                .wait(n)
                .unwrap_or_else(|p| p.into_inner());
        }
        *n += 1;
        Slot(&self.shared)
    }
}

struct Slot<'a>(&'a Shared);

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        let mut n = self.0.in_flight.lock().unwrap_or_else(|p| p.into_inner());
        *n = n.saturating_sub(1);
        self.0.slot_free.notify_one();
    }
}

impl Transport for HttpTransport {
    fn send(&mut self, request: &Request) -> Result<Response, TransportError> {
        let _slot = self.admit();
        let method = match request.method {
            Method::Get => ureq::http::Method::GET,
            Method::Post => ureq::http::Method::POST,
            Method::Put => ureq::http::Method::PUT,
            Method::Patch => ureq::http::Method::PATCH,
            Method::Delete => ureq::http::Method::DELETE,
        };
        let mut builder = ureq::http::Request::builder()
            .method(method)
            .uri(&request.url);
        for (k, v) in &request.headers {
            builder = builder.header(k, v);
        }
        let body = request.body.clone().unwrap_or_default();
        let http_request = builder
            .body(body)
            .map_err(|e| TransportError::new(TransportErrorKind::InvalidRequest, e.to_string()))?;
        let mut response = self.shared.agent.run(http_request).map_err(classify)?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let mut body = Vec::new();
        response
            .body_mut()
            .as_reader()
            .take(MAX_BODY)
            .read_to_end(&mut body)
            .map_err(|e| classify(ureq::Error::Io(e)))?;
        Ok(Response {
            status,
            headers,
            body,
        })
    }

    fn sleep(&mut self, duration: Duration) {
        std::thread::sleep(duration);
    }

    fn elapsed(&self) -> Duration {
        self.shared.started.elapsed()
    }
    fn fork(&self) -> Option<Box<dyn Transport + Send>> {
        Some(Box::new(self.clone()))
    }
}

fn classify(e: ureq::Error) -> TransportError {
    use TransportErrorKind::*;
    let kind = match &e {
        ureq::Error::Timeout(_) => Timeout,
        ureq::Error::HostNotFound => Dns,
        ureq::Error::Io(io)
            if io.kind() == std::io::ErrorKind::TimedOut
                || io.kind() == std::io::ErrorKind::WouldBlock =>
        {
            Timeout
        }
        ureq::Error::Io(_)
        | ureq::Error::ConnectionFailed
        | ureq::Error::Protocol(_)
        | ureq::Error::BodyStalled => Connection,
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) | ureq::Error::TlsRequired => Tls,
        ureq::Error::BadUri(_) | ureq::Error::Http(_) | ureq::Error::RequireHttpsOnly(_) => {
            InvalidRequest
        }
        _ => Connection,
    };
    TransportError::new(kind, e.to_string())
}
