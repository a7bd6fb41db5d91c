//! Shared by the `tests/sim_*.rs` suites: an in-process simulator on a free port, a tiny
//! blocking HTTP/1.1 client with full control of the socket (keep-alive, raw bytes), and
//! builders for the objects most tests need.
#![allow(dead_code)] // each test crate uses a different part of this module

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use serde_json::{Value, json};
use whmcs_chartmogul::sim::{self, Clock, SimHandle, SimOptions};

/// "Now" for every simulator in the tests, so "in the past" rules do not depend on the date.
pub const NOW: &str = "2026-01-15T12:00:00Z";

/// A simulator with the test clock and no bulk delay.
pub fn start() -> SimHandle {
    start_with(|_| {})
}

pub fn start_with(configure: impl FnOnce(&mut SimOptions)) -> SimHandle {
    let mut opts = SimOptions {
        clock: Clock::fixed_at(NOW),
        bulk_processing_delay: Duration::ZERO,
        ..SimOptions::default()
    };
    configure(&mut opts);
    sim::start(opts).expect("simulator starts")
}

/// One HTTP response.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {:?}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Reads one response from a connection; `None` when the server closed it without answering.
pub fn read_response(reader: &mut BufReader<TcpStream>) -> Option<Resp> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let status: u16 = line.split(' ').nth(1)?.parse().ok()?;
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).ok()? == 0 {
            return None;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
    let len = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    if status == 100 {
        return read_response(reader);
    }
    Some(Resp {
        status,
        headers,
        body,
    })
}

/// A keep-alive client speaking to one simulator.
pub struct Client {
    addr: SocketAddr,
    pub auth: Option<String>,
    conn: Option<BufReader<TcpStream>>,
}

impl Client {
    /// Authenticated with the API key `test-key` (any key is accepted by default).
    pub fn new(sim: &SimHandle) -> Client {
        Client::with_key(sim, Some("test-key:"))
    }

    /// `user_pass` is `user:password` before base64; `None` sends no Authorization header.
    pub fn with_key(sim: &SimHandle, user_pass: Option<&str>) -> Client {
        use base64::Engine as _;
        Client {
            addr: sim.addr(),
            auth: user_pass.map(|k| {
                format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(k)
                )
            }),
            conn: None,
        }
    }

    fn connection(&mut self) -> &mut BufReader<TcpStream> {
        if self.conn.is_none() {
            let s = TcpStream::connect(self.addr).expect("connect");
            s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
            self.conn = Some(BufReader::new(s));
        }
        self.conn.as_mut().expect("connection")
    }

    /// Sends a request; `path` is relative to `/v1` unless it starts with `/__sim`. Returns
    /// `None` when the server closed the connection without answering.
    pub fn try_request(&mut self, method: &str, path: &str, body: Option<&Value>) -> Option<Resp> {
        let full = if path.starts_with("/__sim") {
            path.to_string()
        } else {
            format!("/v1{path}")
        };
        let body = body.map(|b| serde_json::to_vec(b).unwrap());
        let mut head = format!("{method} {full} HTTP/1.1\r\nHost: {}\r\n", self.addr);
        if let Some(a) = &self.auth {
            head.push_str(&format!("Authorization: {a}\r\n"));
        }
        if let Some(b) = &body {
            head.push_str(&format!(
                "Content-Type: application/json\r\nContent-Length: {}\r\n",
                b.len()
            ));
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend(body.unwrap_or_default());
        let conn = self.connection();
        if conn.get_mut().write_all(&bytes).is_err() {
            self.conn = None;
            return None;
        }
        let resp = read_response(self.connection());
        match &resp {
            Some(r) if r.header("connection") != Some("close") => {}
            _ => self.conn = None,
        }
        resp
    }

    pub fn request(&mut self, method: &str, path: &str, body: Option<&Value>) -> Resp {
        self.try_request(method, path, body)
            .unwrap_or_else(|| panic!("{method} {path}: connection closed without answer"))
    }

    pub fn get(&mut self, path: &str) -> Resp {
        self.request("GET", path, None)
    }
    pub fn post(&mut self, path: &str, body: Value) -> Resp {
        self.request("POST", path, Some(&body))
    }
    pub fn patch(&mut self, path: &str, body: Value) -> Resp {
        self.request("PATCH", path, Some(&body))
    }
    pub fn put(&mut self, path: &str, body: Value) -> Resp {
        self.request("PUT", path, Some(&body))
    }
    pub fn delete(&mut self, path: &str) -> Resp {
        self.request("DELETE", path, None)
    }

    /// POST expecting a given status; returns the JSON body.
    pub fn post_ok(&mut self, path: &str, body: Value, status: u16) -> Value {
        let r = self.post(path, body);
        assert_eq!(r.status, status, "POST {path}: {}", r.text());
        r.json()
    }
}

/// Sends raw bytes on a fresh connection and reads one response (`None`: closed unanswered).
pub fn raw(sim: &SimHandle, bytes: &[u8]) -> Option<Resp> {
    let mut s = TcpStream::connect(sim.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.write_all(bytes).ok()?;
    read_response(&mut BufReader::new(s))
}

// ---------------------------------------------------------------------------------------------
// Builders

pub fn data_source(c: &mut Client, name: &str) -> String {
    let v = c.post_ok("/data_sources", json!({"name": name}), 201);
    v["uuid"].as_str().unwrap().to_string()
}

pub fn customer(c: &mut Client, ds: &str, ext: &str) -> String {
    let v = c.post_ok(
        "/customers",
        json!({"data_source_uuid": ds, "external_id": ext, "name": format!("Customer {ext}"), "country": "US"}),
        201,
    );
    v["uuid"].as_str().unwrap().to_string()
}

pub fn plan(c: &mut Client, ds: &str, ext: &str, count: u32, unit: &str) -> String {
    let v = c.post_ok(
        "/plans",
        json!({"data_source_uuid": ds, "name": format!("Plan {ext}"), "interval_count": count, "interval_unit": unit, "external_id": ext}),
        201,
    );
    v["uuid"].as_str().unwrap().to_string()
}

/// A subscription line item.
pub fn sub_line(sub: &str, plan: &str, start: &str, end: &str, amount: i64) -> Value {
    json!({
        "type": "subscription",
        "subscription_external_id": sub,
        "plan_uuid": plan,
        "service_period_start": start,
        "service_period_end": end,
        "amount_in_cents": amount,
    })
}

/// An invoice in USD dated at the first line's start.
pub fn invoice(ext: &str, date: &str, lines: Vec<Value>) -> Value {
    json!({"external_id": ext, "date": date, "currency": "USD", "line_items": lines})
}

/// Imports invoices for a customer, expecting 201; returns the response body.
pub fn import(c: &mut Client, customer: &str, invoices: Vec<Value>) -> Value {
    c.post_ok(
        &format!("/import/customers/{customer}/invoices"),
        json!({"invoices": invoices}),
        201,
    )
}

/// A data source, a customer and a monthly plan: what most tests start from.
pub struct Fixture {
    pub ds: String,
    pub customer: String,
    pub plan: String,
}

pub fn fixture(c: &mut Client) -> Fixture {
    let ds = data_source(c, "WHMCS");
    let customer = customer(c, &ds, "whmcs-client-1");
    let plan = plan(c, &ds, "monthly", 1, "month");
    Fixture { ds, customer, plan }
}

/// MRR in cents per currency of one customer external id in `/__sim/mrr` at `date`.
pub fn sim_mrr(sim: &SimHandle, date: &str, ds: &str, ext: &str) -> Value {
    let v = sim.mrr_json(Some(date)).expect("valid date");
    v["data_sources"][ds]["customers"][ext].clone()
}
