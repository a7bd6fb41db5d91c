//! The real transport against tiny local servers: statuses are responses, failures are
//! classified, and the connection cap holds across clones and threads.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use http_transport::{HttpOptions, HttpTransport};
use sync_core::chartmogul::retry::Limits;
use sync_core::chartmogul::{Method, Request, Transport, TransportErrorKind};

/// Serves every connection on its own thread with `handler(request_line, body) -> (status, body)`
/// after `delay`; counts the requests in flight at once.
fn serve(delay: Duration, status: u16) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let peak = Arc::new(AtomicUsize::new(0));
    let now = Arc::new(AtomicUsize::new(0));
    let p = peak.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (p, now) = (p.clone(), now.clone());
            std::thread::spawn(move || handle(stream, delay, status, &p, &now));
        }
    });
    (format!("http://{addr}"), peak)
}

fn handle(stream: TcpStream, delay: Duration, status: u16, peak: &AtomicUsize, now: &AtomicUsize) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut stream = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut len = 0usize;
        loop {
            let mut h = String::new();
            reader.read_line(&mut h).unwrap();
            if h == "\r\n" || h.is_empty() {
                break;
            }
            if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
                len = v.trim().parse().unwrap();
            }
        }
        let mut body = vec![0; len];
        reader.read_exact(&mut body).unwrap();
        let n = now.fetch_add(1, Ordering::SeqCst) + 1;
        peak.fetch_max(n, Ordering::SeqCst);
        std::thread::sleep(delay);
        now.fetch_sub(1, Ordering::SeqCst);
        let reply = format!("{} {}", line.trim(), String::from_utf8_lossy(&body));
        let out = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: text/plain\r\nRetry-After: 2\r\nContent-Length: {}\r\n\r\n{reply}",
            reply.len()
        );
        if stream.write_all(out.as_bytes()).is_err() {
            return;
        }
    }
}

fn get(url: &str) -> Request {
    Request {
        method: Method::Get,
        url: url.to_string(),
        headers: vec![],
        body: None,
    }
}

#[test]
fn any_status_is_a_response_with_body_and_lower_case_headers() {
    let (base, _) = serve(Duration::ZERO, 503);
    let mut t = HttpTransport::new(HttpOptions::default());
    let req = Request {
        method: Method::Post,
        url: format!("{base}/v1/customers"),
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: Some(b"{\"a\":1}".to_vec()),
    };
    let r = t.send(&req).unwrap();
    assert_eq!(r.status, 503);
    assert_eq!(r.header("retry-after"), Some("2"));
    assert_eq!(
        String::from_utf8(r.body).unwrap(),
        "POST /v1/customers HTTP/1.1 {\"a\":1}"
    );
}

#[test]
fn a_refused_connection_is_a_connection_error() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let e = HttpTransport::new(HttpOptions::default())
        .send(&get(&format!("http://127.0.0.1:{port}/v1/ping")))
        .unwrap_err();
    assert_eq!(e.kind, TransportErrorKind::Connection, "{e}");
    assert!(e.is_retryable());
}

#[test]
fn a_stalled_server_is_a_timeout() {
    let (base, _) = serve(Duration::from_secs(5), 200);
    let opts = HttpOptions {
        request_timeout: Duration::from_millis(300),
        ..HttpOptions::default()
    };
    let started = Instant::now();
    let e = HttpTransport::new(opts)
        .send(&get(&format!("{base}/slow")))
        .unwrap_err();
    assert_eq!(e.kind, TransportErrorKind::Timeout, "{e}");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[test]
fn clones_share_the_connection_cap_across_threads() {
    let (base, peak) = serve(Duration::from_millis(100), 200);
    let opts = HttpOptions {
        limits: Limits {
            requests_per_second: 1000,
            max_connections: 3,
        },
        ..HttpOptions::default()
    };
    let t = HttpTransport::new(opts);
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let mut t = t.clone();
            let url = format!("{base}/r{i}");
            std::thread::spawn(move || t.send(&get(&url)).unwrap().status)
        })
        .collect();
    for th in threads {
        assert_eq!(th.join().unwrap(), 200);
    }
    let peak = peak.load(Ordering::SeqCst);
    assert!((1..=3).contains(&peak), "peak concurrency {peak}");
}

#[test]
fn the_requests_per_second_window_is_shared() {
    let (base, _) = serve(Duration::ZERO, 200);
    let opts = HttpOptions {
        limits: Limits {
            requests_per_second: 5,
            max_connections: 4,
        },
        ..HttpOptions::default()
    };
    let t = HttpTransport::new(opts);
    let started = Instant::now();
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let mut t = t.clone();
            let url = format!("{base}/x");
            std::thread::spawn(move || {
                for _ in 0..6 {
                    t.send(&get(&url)).unwrap();
                }
            })
        })
        .collect();
    for th in threads {
        th.join().unwrap();
    }
    // 12 requests at 5/s: the last ones cannot start before 2 s.
    assert!(
        started.elapsed() >= Duration::from_millis(1900),
        "{:?}",
        started.elapsed()
    );
}
