//! The transport: listener, one thread per connection, keep-alive, the limits
//! (`--rate-limit`, `--max-connections`) and fault injection, in front of [`super::api`].
//!
//! Contract: every request that is not under `/__sim/` passes, in this order, the concurrency
//! gate (in-flight requests above `max_connections` → 503), the token bucket (`rate_limit`
//! requests per second, burst of one second → 429) and the fault decision for its index (a
//! global counter of such requests, see [`super::faults`]). Test endpoints under `/__sim/` skip
//! all three. No input makes a connection thread panic; a protocol error is answered (400, 408,
//! 413, 431, 501, 505) and that connection closed, the server keeps serving. [`SimHandle::stop`]
//! (also on drop) closes the listener and every open connection and wakes stalled requests.

use std::collections::{BTreeMap, HashMap};
use std::io::BufReader;
use std::net::{
    IpAddr, Ipv4Addr, Ipv6Addr, Shutdown as NetShutdown, SocketAddr, TcpListener, TcpStream,
};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::SimOptions;
use super::api;
use super::faults::FaultKind;
use super::http::{self, Limits, ReadError, Request, Response};
use super::store::Store;

/// Open connections beyond this are refused at accept time, so a flood of idle sockets cannot
/// exhaust threads (`max_connections` limits in-flight requests, which is what ChartMogul
/// limits).
const MAX_OPEN_CONNECTIONS: usize = 1024;

/// A stop flag that sleeping threads can wait on.
#[derive(Default)]
pub struct Shutdown {
    stopped: Mutex<bool>,
    cv: Condvar,
    flag: AtomicBool,
}

impl Shutdown {
    pub fn is_stopped(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }

    pub fn trigger(&self) {
        self.flag.store(true, Ordering::SeqCst);
        let mut s = self.stopped.lock().unwrap_or_else(|e| e.into_inner());
        *s = true;
        self.cv.notify_all();
    }

    /// Sleeps for `d` unless stopped first; returns whether the server is stopping.
    pub fn wait(&self, d: Duration) -> bool {
        let deadline = Instant::now() + d;
        let mut s = self.stopped.lock().unwrap_or_else(|e| e.into_inner());
        while !*s {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            s = match self.cv.wait_timeout(s, left) {
                Ok((g, _)) => g,
                Err(e) => e.into_inner().0,
            };
        }
        *s
    }
}

/// Request counters, as `/__sim/state` shows them.
#[derive(Debug, Default, Clone)]
pub struct Counters {
    /// `/v1` requests received, whatever happened to them.
    pub requests: u64,
    /// GET requests answered by the API.
    pub reads: u64,
    /// Requests that changed the account: 2xx answers to POST/PUT/PATCH/DELETE, including
    /// those applied and then dropped by a `drop-after` fault.
    pub writes: u64,
    pub by_status: BTreeMap<u16, u64>,
    pub by_route: BTreeMap<String, u64>,
    pub faults: BTreeMap<String, u64>,
    pub rate_limited: u64,
    pub over_capacity: u64,
}

impl Counters {
    pub fn to_json(&self) -> Value {
        json!({
            "requests": self.requests,
            "reads": self.reads,
            "writes": self.writes,
            "by_status": self.by_status.iter().map(|(k, v)| (k.to_string(), json!(v))).collect::<serde_json::Map<_, _>>(),
            "by_route": self.by_route,
            "faults": self.faults,
            "rate_limited": self.rate_limited,
            "over_capacity": self.over_capacity,
        })
    }
}

struct TokenBucket {
    rate: f64,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    fn new(rate: u32) -> TokenBucket {
        TokenBucket {
            rate: f64::from(rate.max(1)),
            tokens: f64::from(rate.max(1)),
            last: Instant::now(),
        }
    }

    fn take(&mut self) -> bool {
        let now = Instant::now();
        let elapsed = now.duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.rate).min(self.rate);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// State shared by the listener, the connection threads and the bulk-import worker.
pub struct Shared {
    pub options: SimOptions,
    store: Mutex<Store>,
    counters: Mutex<Counters>,
    fault_index: AtomicU64,
    bucket: Option<Mutex<TokenBucket>>,
    in_flight: AtomicUsize,
    pub shutdown: Shutdown,
    bulk_queue: Mutex<Option<Sender<String>>>,
    connections: Mutex<HashMap<u64, TcpStream>>,
    next_connection: AtomicU64,
}

impl Shared {
    fn new(options: SimOptions) -> Shared {
        let bucket = options.rate_limit.map(|r| Mutex::new(TokenBucket::new(r)));
        Shared {
            options,
            store: Mutex::new(Store::default()),
            counters: Mutex::new(Counters::default()),
            fault_index: AtomicU64::new(0),
            bucket,
            in_flight: AtomicUsize::new(0),
            shutdown: Shutdown::default(),
            bulk_queue: Mutex::new(None),
            connections: Mutex::new(HashMap::new()),
            next_connection: AtomicU64::new(0),
        }
    }

    /// The account. A poisoned lock (a handler panicked mid-update) is still usable: every
    /// mutation keeps the store consistent before it can fail.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn counters(&self) -> MutexGuard<'_, Counters> {
        self.counters.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Hands an import to the background worker.
    pub fn queue_import(&self, id: String) {
        let q = self.bulk_queue.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(tx) = q.as_ref() {
            let _ = tx.send(id);
        }
    }

    /// Clears the account, the counters, the fault sequence and the rate bucket.
    pub fn reset(&self) {
        self.store().reset();
        *self.counters() = Counters::default();
        self.fault_index.store(0, Ordering::SeqCst);
        if let Some(b) = &self.bucket {
            *b.lock().unwrap_or_else(|e| e.into_inner()) =
                TokenBucket::new(self.options.rate_limit.unwrap_or(1));
        }
    }
}

/// A running simulator. Dropping it stops it.
pub struct SimHandle {
    addr: SocketAddr,
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
}

impl SimHandle {
    /// The address actually bound (useful with port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR/v1`, what a ChartMogul client takes as its base URL.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// The whole account and the counters, as `GET /__sim/state` answers.
    pub fn state_json(&self) -> Value {
        api::inspect::state(&self.shared)
    }

    /// MRR per data source, customer external id and currency at the end of `date`
    /// (`YYYY-MM-DD`; now when `None`), as `GET /__sim/mrr` answers. `None` for a bad date.
    pub fn mrr_json(&self, date: Option<&str>) -> Option<Value> {
        api::inspect::mrr(&self.shared, date)
    }

    /// Forgets all data and counters, as `POST /__sim/reset`.
    pub fn reset(&self) {
        self.shared.reset();
    }

    /// Stops serving: closes the listener and every connection and waits for the listener
    /// and the bulk worker to finish. Idempotent.
    pub fn stop(&mut self) {
        if self.threads.is_empty() {
            return;
        }
        self.shared.shutdown.trigger();
        *self
            .shared
            .bulk_queue
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = None;
        // Wake the blocking accept() with a connection of our own.
        let wake = match self.addr.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => {
                SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), self.addr.port())
            }
            IpAddr::V6(ip) if ip.is_unspecified() => {
                SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), self.addr.port())
            }
            _ => self.addr,
        };
        let _ = TcpStream::connect_timeout(&wake, Duration::from_secs(1));
        for (_, s) in self
            .shared
            .connections
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain()
        {
            let _ = s.shutdown(NetShutdown::Both);
        }
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }

    /// Blocks the calling thread until the simulator is stopped (the CLI's foreground mode).
    pub fn wait(&self) {
        while !self.shared.shutdown.wait(Duration::from_secs(3600)) {}
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Binds and starts serving on background threads; returns once the socket is bound.
pub fn start(options: SimOptions) -> std::io::Result<SimHandle> {
    let listener = TcpListener::bind(options.listen)?;
    let addr = listener.local_addr()?;
    let shared = Arc::new(Shared::new(options));
    let (tx, rx) = mpsc::channel();
    *shared.bulk_queue.lock().unwrap_or_else(|e| e.into_inner()) = Some(tx);

    let worker = {
        let shared = Arc::clone(&shared);
        thread::Builder::new()
            .name("sim-bulk".into())
            .spawn(move || bulk_worker(&shared, rx))?
    };
    let acceptor = {
        let shared = Arc::clone(&shared);
        thread::Builder::new()
            .name("sim-accept".into())
            .spawn(move || accept_loop(shared, listener))?
    };
    Ok(SimHandle {
        addr,
        shared,
        threads: vec![acceptor, worker],
    })
}

fn bulk_worker(shared: &Shared, rx: Receiver<String>) {
    let delay = shared.options.bulk_processing_delay;
    while let Ok(id) = rx.recv() {
        if shared.shutdown.wait(delay) {
            return;
        }
        api::bulk::process(shared, &id);
        if shared.shutdown.wait(delay) {
            return;
        }
        api::bulk::complete(shared, &id);
    }
}

fn accept_loop(shared: Arc<Shared>, listener: TcpListener) {
    for stream in listener.incoming() {
        if shared.shutdown.is_stopped() {
            return;
        }
        let stream = match stream {
            Ok(s) => s,
            Err(_) => {
                // E.g. out of file descriptors: back off instead of spinning.
                thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        let id = shared.next_connection.fetch_add(1, Ordering::SeqCst);
        {
            let mut conns = shared.connections.lock().unwrap_or_else(|e| e.into_inner());
            if conns.len() >= MAX_OPEN_CONNECTIONS {
                drop(conns);
                let mut s = stream;
                let _ = over_capacity_response().write_to(&mut s, false);
                continue;
            }
            match stream.try_clone() {
                Ok(clone) => {
                    conns.insert(id, clone);
                }
                Err(_) => continue,
            }
        }
        let conn_shared = Arc::clone(&shared);
        let spawned = thread::Builder::new()
            .name("sim-conn".into())
            .spawn(move || {
                serve_connection(&conn_shared, stream);
                conn_shared
                    .connections
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .remove(&id);
            });
        if spawned.is_err() {
            shared
                .connections
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&id);
        }
    }
}

/// What to do with a connection after one request.
enum Outcome {
    Respond(Response),
    /// Close without answering (drop faults, stalls).
    Close,
}

fn serve_connection(shared: &Shared, stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::with_capacity(16 * 1024, read_half);
    let mut writer = stream;
    let limits = Limits {
        idle_timeout: shared.options.idle_timeout,
        request_timeout: shared.options.request_timeout,
        ..Limits::default()
    };
    loop {
        if shared.shutdown.is_stopped() {
            break;
        }
        let req = match http::read_request(&mut reader, &limits) {
            Ok(Some(r)) => r,
            Ok(None) | Err(ReadError::Gone) => break,
            Err(ReadError::Reject(status, message)) => {
                let body = json!({"code": status, "message": message, "param": null});
                let _ = Response::json(status, &body).write_to(&mut writer, false);
                linger_close(&mut reader, &writer);
                return;
            }
        };
        let keep_alive = req.keep_alive;
        match process(shared, &req) {
            Outcome::Respond(resp) => {
                let keep = keep_alive && !shared.shutdown.is_stopped();
                if resp.write_to(&mut writer, keep).is_err() || !keep {
                    break;
                }
            }
            Outcome::Close => break,
        }
    }
    let _ = writer.shutdown(NetShutdown::Both);
}

/// Closes after an error answer without losing it: closing a socket with unread input makes
/// the kernel send a reset, which can destroy the answer before the client reads it. So stop
/// writing, then swallow what the client is still sending for a short while.
fn linger_close(reader: &mut BufReader<TcpStream>, writer: &TcpStream) {
    use std::io::Read;
    let _ = writer.shutdown(NetShutdown::Write);
    let _ = reader
        .get_ref()
        .set_read_timeout(Some(Duration::from_millis(200)));
    let deadline = Instant::now() + Duration::from_secs(1);
    let mut sink = [0u8; 16 * 1024];
    let mut swallowed = 0usize;
    while Instant::now() < deadline && swallowed < 64 * 1024 * 1024 {
        match reader.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => swallowed += n,
        }
    }
    let _ = writer.shutdown(NetShutdown::Both);
}

fn over_capacity_response() -> Response {
    Response::json(
        503,
        &json!({"code": 503, "message": "Too many concurrent connections.", "param": null}),
    )
}

fn rate_limited_response() -> Response {
    Response::json(
        429,
        &json!({"code": 429, "message": "Your request rate has exceeded our rate limit.", "param": null}),
    )
}

/// Counts a request as in flight for as long as it lives.
struct InFlight<'a>(&'a AtomicUsize);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn process(shared: &Shared, req: &Request) -> Outcome {
    if req.path == "/__sim" || req.path.starts_with("/__sim/") {
        return Outcome::Respond(api::inspect::handle(shared, req));
    }
    let index = shared.fault_index.fetch_add(1, Ordering::SeqCst);
    shared.counters().requests += 1;

    let previous = shared.in_flight.fetch_add(1, Ordering::SeqCst);
    let _guard = InFlight(&shared.in_flight);
    if let Some(max) = shared.options.max_connections
        && previous >= max
    {
        let mut c = shared.counters();
        c.over_capacity += 1;
        *c.by_status.entry(503).or_default() += 1;
        return Outcome::Respond(over_capacity_response());
    }
    if let Some(bucket) = &shared.bucket
        && !bucket.lock().unwrap_or_else(|e| e.into_inner()).take()
    {
        let mut c = shared.counters();
        c.rate_limited += 1;
        *c.by_status.entry(429).or_default() += 1;
        return Outcome::Respond(rate_limited_response());
    }

    let decision = shared.options.faults.as_ref().map(|f| f.decide(index));
    if let Some(d) = decision
        && !d.latency.is_zero()
        && shared.shutdown.wait(d.latency)
    {
        return Outcome::Close;
    }
    let fault = decision.and_then(|d| d.fault);
    if let Some(kind) = fault {
        *shared
            .counters()
            .faults
            .entry(kind.name().to_string())
            .or_default() += 1;
    }
    let injected = match fault {
        None | Some(FaultKind::DropAfter) => None,
        Some(FaultKind::RateLimited) => Some(rate_limited_response()),
        Some(FaultKind::RateLimitedRetryAfter) => {
            Some(rate_limited_response().with_header("Retry-After", "1"))
        }
        Some(FaultKind::InternalError) => Some(Response::text(
            500,
            "text/plain",
            "500 Internal Server Error",
        )),
        Some(FaultKind::BadGateway) => Some(Response::text(
            502,
            "text/html",
            "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>",
        )),
        Some(FaultKind::Unavailable) => Some(Response::json(
            503,
            &json!({"code": 503, "message": "Service temporarily unavailable.", "param": null}),
        )),
        Some(FaultKind::Drop) => return Outcome::Close,
        Some(FaultKind::Timeout) => {
            shared.shutdown.wait(
                shared
                    .options
                    .faults
                    .as_ref()
                    .map_or(Duration::ZERO, |f| f.stall),
            );
            return Outcome::Close;
        }
    };
    if let Some(resp) = injected {
        *shared.counters().by_status.entry(resp.status).or_default() += 1;
        return Outcome::Respond(resp);
    }

    let (route, resp) = api::handle(shared, req);
    {
        let mut c = shared.counters();
        *c.by_route.entry(route.to_string()).or_default() += 1;
        if req.method == "GET" {
            c.reads += 1;
        } else if (200..300).contains(&resp.status) {
            c.writes += 1;
        }
        if fault != Some(FaultKind::DropAfter) {
            *c.by_status.entry(resp.status).or_default() += 1;
        }
    }
    if fault == Some(FaultKind::DropAfter) {
        return Outcome::Close;
    }
    Outcome::Respond(resp)
}
