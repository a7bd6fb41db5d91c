//! The simulator's transport: limits, reproducible fault injection and robustness against
//! hostile input (malformed requests, huge bodies, slow clients).

mod sim_support;

use std::io::{BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use serde_json::json;
use sim_support::*;
use whmcs_chartmogul::sim::{FaultKind, FaultSpec, SimHandle};

fn faulty(spec: &str) -> SimHandle {
    let spec = FaultSpec::parse(spec).unwrap();
    start_with(|o| o.faults = Some(spec))
}

// ----- limits

#[test]
fn rate_limit_answers_429() {
    let sim = start_with(|o| o.rate_limit = Some(2));
    let mut c = Client::new(&sim);
    let statuses: Vec<u16> = (0..30).map(|_| c.get("/ping").status).collect();
    let ok = statuses.iter().filter(|s| **s == 200).count();
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert!(ok >= 2, "{statuses:?}");
    assert!(limited >= 10, "{statuses:?}");
    let r = c.get("/ping");
    if r.status == 429 {
        assert_eq!(
            r.json(),
            json!({"code": 429, "message": "Your request rate has exceeded our rate limit.", "param": null})
        );
    }
    // The bucket refills.
    std::thread::sleep(Duration::from_millis(700));
    assert_eq!(c.get("/ping").status, 200);
    // Test endpoints are never limited.
    for _ in 0..20 {
        assert_eq!(c.get("/__sim/state").status, 200);
    }
    assert!(
        sim.state_json()["counters"]["rate_limited"]
            .as_u64()
            .unwrap()
            >= 10
    );
}

#[test]
fn max_connections_answers_503() {
    // Every request is held 500 ms so that they overlap.
    let spec = FaultSpec::parse("latency=500ms").unwrap();
    let sim = Arc::new(start_with(|o| {
        o.faults = Some(spec);
        o.max_connections = Some(1);
    }));
    let barrier = Arc::new(Barrier::new(4));
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let sim = Arc::clone(&sim);
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                let mut c = Client::new(&sim);
                barrier.wait();
                c.get("/ping")
            })
        })
        .collect();
    let responses: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let ok = responses.iter().filter(|r| r.status == 200).count();
    let busy: Vec<_> = responses.iter().filter(|r| r.status == 503).collect();
    assert!(ok >= 1, "{responses:?}");
    assert!(!busy.is_empty(), "{responses:?}");
    assert_eq!(busy[0].json()["code"], 503);
}

// ----- faults

/// The outcome of each of `n` sequential pings: the status, or 0 for "closed unanswered".
fn outcomes(sim: &SimHandle, n: usize) -> Vec<u16> {
    let mut c = Client::new(sim);
    (0..n)
        .map(|_| c.try_request("GET", "/ping", None).map_or(0, |r| r.status))
        .collect()
}

#[test]
fn same_seed_gives_the_same_sequence_of_outcomes() {
    let spec = "seed=7,rate=0.5";
    let a = outcomes(&faulty(spec), 80);
    let b = outcomes(&faulty(spec), 80);
    assert_eq!(a, b);
    let failures = a.iter().filter(|s| **s != 200).count();
    assert!((20..60).contains(&failures), "{a:?}");
    for kind in [0, 429, 500, 502, 503] {
        assert!(a.contains(&kind), "{kind} missing from {a:?}");
    }
    let other = outcomes(&faulty("seed=8,rate=0.5"), 80);
    assert_ne!(a, other);
    // A reset restarts the sequence.
    let sim = faulty(spec);
    let first = outcomes(&sim, 30);
    sim.reset();
    assert_eq!(outcomes(&sim, 30), first);
}

#[test]
fn drop_after_applies_the_write_before_closing() {
    // Find a seed whose first request is dropped after being applied and whose second is not
    // faulted: the retry then meets the duplicate rule, as a real client would.
    let seed = (0..10_000)
        .find(|s| {
            let f = FaultSpec::parse(&format!("seed={s},drop-after=0.5")).unwrap();
            f.decide(0).fault == Some(FaultKind::DropAfter) && f.decide(1).fault.is_none()
        })
        .unwrap();
    let sim = faulty(&format!("seed={seed},drop-after=0.5"));
    let mut c = Client::new(&sim);
    let body = json!({"name": "WHMCS"});
    assert!(
        c.try_request("POST", "/data_sources", Some(&body))
            .is_none()
    );
    let state = sim.state_json();
    assert_eq!(
        state["data_sources"][0]["name"], "WHMCS",
        "the write was applied"
    );
    assert_eq!(state["counters"]["writes"], 1);
    assert_eq!(state["counters"]["faults"]["drop-after"], 1);
    let retry = c.post("/data_sources", body);
    assert_eq!(retry.status, 422);
    assert_eq!(
        retry.json(),
        json!({"errors": {"name": "Has already been taken."}})
    );
}

#[test]
fn drop_closes_without_applying() {
    let sim = faulty("drop=1");
    let mut c = Client::new(&sim);
    assert!(
        c.try_request("POST", "/data_sources", Some(&json!({"name": "WHMCS"})))
            .is_none()
    );
    let state = sim.state_json();
    assert_eq!(state["data_sources"], json!([]));
    assert_eq!(state["counters"]["writes"], 0);
    assert_eq!(state["counters"]["faults"]["drop"], 1);
}

#[test]
fn rate_limit_fault_with_retry_after() {
    let sim = faulty("429ra=1");
    let r = Client::new(&sim).get("/ping");
    assert_eq!(r.status, 429);
    assert_eq!(r.header("retry-after"), Some("1"));
    assert_eq!(
        r.json()["message"],
        "Your request rate has exceeded our rate limit."
    );
    let sim = faulty("429=1");
    let r = Client::new(&sim).get("/ping");
    assert_eq!(r.status, 429);
    assert_eq!(r.header("retry-after"), None);
}

#[test]
fn server_error_faults_do_not_apply_the_request() {
    for (spec, status) in [("500=1", 500), ("502=1", 502), ("503=1", 503)] {
        let sim = faulty(spec);
        let r = Client::new(&sim).post("/data_sources", json!({"name": "WHMCS"}));
        assert_eq!(r.status, status);
        assert_eq!(sim.state_json()["data_sources"], json!([]), "{spec}");
    }
    let sim = faulty("500=1");
    let r = Client::new(&sim).get("/ping");
    assert_eq!(r.text(), "500 Internal Server Error");
}

#[test]
fn timeout_stalls_then_closes_unanswered() {
    let sim = faulty("timeout=1,stall=300ms");
    let started = Instant::now();
    let r = Client::new(&sim).try_request("POST", "/data_sources", Some(&json!({"name": "x"})));
    assert!(r.is_none());
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(sim.state_json()["data_sources"], json!([]));
}

#[test]
fn latency_delays_every_request() {
    let sim = faulty("latency=120-150ms");
    let mut c = Client::new(&sim);
    for _ in 0..3 {
        let started = Instant::now();
        assert_eq!(c.get("/ping").status, 200);
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(120), "{took:?}");
    }
}

#[test]
fn faults_never_apply_to_test_endpoints() {
    let sim = faulty("drop=1");
    let mut c = Client::new(&sim);
    for _ in 0..10 {
        assert_eq!(c.get("/__sim/state").status, 200);
    }
    assert_eq!(c.request("POST", "/__sim/reset", None).status, 200);
}

#[test]
fn stop_closes_the_listener() {
    let mut sim = start();
    let addr = sim.addr();
    assert_eq!(Client::new(&sim).get("/ping").status, 200);
    let stalled = faulty("timeout=1,stall=60s");
    let stalled_addr = stalled.addr();
    let t = std::thread::spawn(move || {
        let mut s = TcpStream::connect(stalled_addr).unwrap();
        s.write_all(b"GET /v1/ping HTTP/1.1\r\nAuthorization: Basic eDo=\r\n\r\n")
            .unwrap();
        let mut buf = Vec::new();
        let _ = s.read_to_end(&mut buf);
        buf
    });
    std::thread::sleep(Duration::from_millis(100));
    let started = Instant::now();
    drop(stalled);
    assert!(
        t.join().unwrap().is_empty(),
        "stalled request closed unanswered"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "stop wakes stalls"
    );
    sim.stop();
    sim.stop();
    let refused = TcpStream::connect_timeout(&addr, Duration::from_millis(500))
        .map(|mut s| {
            let _ = s.write_all(b"GET /v1/ping HTTP/1.1\r\n\r\n");
            let mut buf = Vec::new();
            let _ = s.read_to_end(&mut buf);
            buf.is_empty()
        })
        .unwrap_or(true);
    assert!(refused);
}

// ----- robustness

const AUTH: &str = "Authorization: Basic dGVzdC1rZXk6\r\n";

#[test]
fn malformed_json_is_400_and_the_connection_stays_usable() {
    let sim = start();
    let mut c = Client::new(&sim);
    for body in [
        &b"{not json"[..],
        b"[1,2",
        b"\xff\xfe\xfd",
        b"",
        b"\"just a string\"",
    ] {
        let req = format!(
            "POST /v1/data_sources HTTP/1.1\r\n{AUTH}Content-Length: {}\r\n\r\n",
            body.len()
        );
        let mut bytes = req.into_bytes();
        bytes.extend_from_slice(body);
        let r = raw(&sim, &bytes).expect("answered");
        assert_eq!(r.status, 400, "{body:?}");
        assert_eq!(r.json()["code"], 400);
    }
    let deep = "[".repeat(100_000);
    let r = c.request("POST", "/data_sources", None);
    assert_eq!(r.status, 400);
    let req = format!(
        "POST /v1/data_sources HTTP/1.1\r\n{AUTH}Content-Length: {}\r\n\r\n{deep}",
        deep.len()
    );
    assert_eq!(raw(&sim, req.as_bytes()).unwrap().status, 400);
    assert_eq!(c.get("/ping").status, 200);
}

#[test]
fn huge_bodies_are_413() {
    let sim = start();
    let r = raw(
        &sim,
        format!("POST /v1/data_sources HTTP/1.1\r\n{AUTH}Content-Length: 100000000000\r\n\r\n")
            .as_bytes(),
    )
    .unwrap();
    assert_eq!(r.status, 413);
    // A chunked body that grows past the limit.
    let mut s = TcpStream::connect(sim.addr()).unwrap();
    s.write_all(
        format!("POST /v1/data_sources HTTP/1.1\r\n{AUTH}Transfer-Encoding: chunked\r\n\r\n")
            .as_bytes(),
    )
    .unwrap();
    let chunk = vec![b'a'; 1 << 20];
    let mut status = None;
    for _ in 0..20 {
        if s.write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
            .is_err()
            || s.write_all(&chunk).is_err()
            || s.write_all(b"\r\n").is_err()
        {
            break;
        }
    }
    if let Some(r) = read_response(&mut BufReader::new(s)) {
        status = Some(r.status);
    }
    assert!(matches!(status, Some(413) | None));
    assert_eq!(Client::new(&sim).get("/ping").status, 200);
}

#[test]
fn chunked_request_bodies_are_accepted() {
    let sim = start();
    let body = br#"{"name": "Chunked"}"#;
    let mut req =
        format!("POST /v1/data_sources HTTP/1.1\r\n{AUTH}Transfer-Encoding: chunked\r\n\r\n")
            .into_bytes();
    for part in body.chunks(5) {
        req.extend_from_slice(format!("{:x};ext=1\r\n", part.len()).as_bytes());
        req.extend_from_slice(part);
        req.extend_from_slice(b"\r\n");
    }
    req.extend_from_slice(b"0\r\nX-Trailer: yes\r\n\r\n");
    let r = raw(&sim, &req).unwrap();
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["name"], "Chunked");
}

#[test]
fn expect_continue_is_honoured() {
    let sim = start();
    let body = br#"{"name": "Continued"}"#;
    let mut s = TcpStream::connect(sim.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(
        format!(
            "POST /v1/data_sources HTTP/1.1\r\n{AUTH}Expect: 100-continue\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    )
    .unwrap();
    let mut first = [0u8; 25];
    s.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"HTTP/1.1 100 Continue\r\n\r\n");
    s.write_all(body).unwrap();
    let r = read_response(&mut BufReader::new(s)).unwrap();
    assert_eq!(r.status, 201);
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let sim = start();
    let one = format!("GET /v1/ping HTTP/1.1\r\n{AUTH}\r\n");
    let two = format!("GET /v1/account HTTP/1.1\r\n{AUTH}Connection: close\r\n\r\n");
    let mut s = TcpStream::connect(sim.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(format!("{one}{two}").as_bytes()).unwrap();
    let mut reader = BufReader::new(s);
    let a = read_response(&mut reader).unwrap();
    let b = read_response(&mut reader).unwrap();
    assert_eq!(a.json()["data"], "pong!");
    assert_eq!(b.json()["currency"], "USD");
    assert_eq!(b.header("connection"), Some("close"));
    assert!(read_response(&mut reader).is_none());
}

#[test]
fn protocol_errors_are_answered_and_the_server_keeps_serving() {
    let sim = start();
    let cases: [(&[u8], u16); 7] = [
        (b"GARBAGE\r\n\r\n", 400),
        (b"GET /v1/ping HTTP/9.9\r\n\r\n", 505),
        (b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505),
        (b"GET /v1/ping HTTP/1.1\r\nNo colon here\r\n\r\n", 400),
        (b"GET /v1/ping HTTP/1.1\r\nX: a\r\n folded\r\n\r\n", 400),
        (
            b"POST /v1/ping HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
            400,
        ),
        (
            b"POST /v1/ping HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
            501,
        ),
    ];
    for (bytes, status) in cases {
        let r = raw(&sim, bytes).expect("answered");
        assert_eq!(r.status, status, "{:?}", String::from_utf8_lossy(bytes));
    }
    let big_header = format!(
        "GET /v1/ping HTTP/1.1\r\nX-Big: {}\r\n\r\n",
        "a".repeat(100_000)
    );
    assert_eq!(raw(&sim, big_header.as_bytes()).unwrap().status, 431);
    let bad_utf8 = b"GET /v1/ping\xff HTTP/1.1\r\n\r\n";
    assert_eq!(raw(&sim, bad_utf8).unwrap().status, 400);
    // Random bytes must never take the server down.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..200 {
        let mut junk = Vec::new();
        for _ in 0..(x % 300) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            junk.push((x & 0xff) as u8);
        }
        junk.extend_from_slice(b"\r\n\r\n");
        let _ = raw(&sim, &junk);
    }
    assert_eq!(Client::new(&sim).get("/ping").status, 200);
}

#[test]
fn slow_clients_are_cut_off() {
    let sim = start_with(|o| o.request_timeout = Duration::from_millis(300));
    let mut s = TcpStream::connect(sim.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let started = Instant::now();
    // One byte every 100 ms: each read succeeds, but the whole request takes too long.
    let mut answered = None;
    for b in b"GET /v1/ping HTTP/1.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaa\r\n\r\n" {
        if s.write_all(&[*b]).is_err() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
        if started.elapsed() > Duration::from_secs(1) {
            break;
        }
    }
    if let Some(r) = read_response(&mut BufReader::new(s)) {
        answered = Some(r.status);
    }
    assert_eq!(answered, Some(408));
    // Meanwhile, and afterwards, others are served.
    assert_eq!(Client::new(&sim).get("/ping").status, 200);
}
