//! A small, defensive HTTP/1.1 server-side codec over a blocking `TcpStream`.
//!
//! Contract: [`read_request`] reads one request (request line, headers, and a body framed by
//! `Content-Length` or `Transfer-Encoding: chunked`) within the [`Limits`]; it never panics on
//! any input and reports protocol problems as [`ReadError::Reject`] carrying the status to
//! answer (400, 408, 413, 431, 501, 505) after which the connection must be closed.
//! `Expect: 100-continue` is honoured. [`Response::write_to`] writes a complete response with
//! `Content-Length` (none for 204) and the `Connection` header matching the keep-alive choice.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Bounds that keep one client from exhausting the server.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Request line plus headers.
    pub max_head: usize,
    pub max_headers: usize,
    /// Largest body accepted; larger ones are answered 413.
    pub max_body: usize,
    /// A body up to this size that is over `max_body` is read and discarded so the 413 reaches
    /// the client and the connection stays usable; beyond it the connection is closed.
    pub drain_limit: usize,
    /// How long a keep-alive connection may sit idle between requests.
    pub idle_timeout: Duration,
    /// How long a whole request (head and body) may take once its first byte arrived; this is
    /// what stops slowloris clients that trickle one byte at a time.
    pub request_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_head: 64 * 1024,
            max_headers: 100,
            max_body: 8 * 1024 * 1024,
            drain_limit: 32 * 1024 * 1024,
            idle_timeout: Duration::from_secs(60),
            request_timeout: Duration::from_secs(30),
        }
    }
}

/// One parsed request.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// The path, still percent-encoded (routing decodes segment by segment).
    pub path: String,
    /// The raw query string without `?`.
    pub query: String,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub keep_alive: bool,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Why no request could be read.
#[derive(Debug)]
pub enum ReadError {
    /// The peer closed, reset or went silent; nothing to answer.
    Gone,
    /// A protocol problem: answer with this status and message, then close.
    Reject(u16, &'static str),
}

impl From<io::Error> for ReadError {
    fn from(_: io::Error) -> Self {
        ReadError::Gone
    }
}

/// Reads the next request. `Ok(None)` = the client closed the connection (or stayed idle past
/// the idle timeout) between requests.
pub fn read_request(
    reader: &mut BufReader<TcpStream>,
    limits: &Limits,
) -> Result<Option<Request>, ReadError> {
    // Wait for the first byte with the idle timeout, then give the whole request a deadline.
    reader
        .get_ref()
        .set_read_timeout(Some(limits.idle_timeout))?;
    match reader.fill_buf() {
        Ok([]) => return Ok(None),
        Ok(_) => {}
        Err(e) if is_timeout(&e) => return Ok(None),
        Err(_) => return Ok(None),
    }
    let deadline = Instant::now() + limits.request_timeout;
    let head = read_head(reader, limits, deadline)?;
    let head = String::from_utf8(head).map_err(|_| ReadError::Reject(400, "Bad request"))?;
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ReadError::Reject(400, "Malformed request line"));
    };
    if method.is_empty() || !method.bytes().all(is_token_byte) {
        return Err(ReadError::Reject(400, "Malformed request line"));
    }
    let http10 = match version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        v if v.starts_with("HTTP/") => {
            return Err(ReadError::Reject(505, "HTTP version not supported"));
        }
        _ => return Err(ReadError::Reject(400, "Malformed request line")),
    };
    if !target.starts_with('/') || target.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return Err(ReadError::Reject(400, "Malformed request target"));
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));

    let mut headers = Vec::new();
    for line in lines {
        if line.is_empty() {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            // Obsolete line folding is a smuggling vector; RFC 9112 lets servers reject it.
            return Err(ReadError::Reject(
                400,
                "Header line folding is not supported",
            ));
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(ReadError::Reject(400, "Malformed header"));
        };
        if name.is_empty() || !name.bytes().all(is_token_byte) {
            return Err(ReadError::Reject(400, "Malformed header"));
        }
        headers.push((name.to_ascii_lowercase(), value.trim().to_string()));
        if headers.len() > limits.max_headers {
            return Err(ReadError::Reject(431, "Too many headers"));
        }
    }
    let header = |n: &str| {
        headers
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.as_str())
    };
    let connection = header("connection").unwrap_or("").to_ascii_lowercase();
    let keep_alive = if http10 {
        connection.split(',').any(|t| t.trim() == "keep-alive")
    } else {
        !connection.split(',').any(|t| t.trim() == "close")
    };

    let transfer_encoding = header("transfer-encoding").map(str::to_ascii_lowercase);
    let lengths: Vec<&str> = headers
        .iter()
        .filter(|(k, _)| k == "content-length")
        .map(|(_, v)| v.as_str())
        .collect();
    let expects_continue = header("expect").is_some_and(|v| v.eq_ignore_ascii_case("100-continue"));

    let body = if let Some(te) = transfer_encoding {
        if !lengths.is_empty() {
            return Err(ReadError::Reject(
                400,
                "Both Content-Length and Transfer-Encoding given",
            ));
        }
        if te.trim() != "chunked" {
            return Err(ReadError::Reject(
                501,
                "Only chunked transfer coding is supported",
            ));
        }
        if expects_continue {
            send_continue(reader)?;
        }
        read_chunked(reader, limits, deadline)?
    } else if let Some(first) = lengths.first() {
        if lengths.iter().any(|l| l != first) {
            return Err(ReadError::Reject(400, "Conflicting Content-Length headers"));
        }
        if first.is_empty() || first.len() > 18 || !first.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ReadError::Reject(400, "Invalid Content-Length"));
        }
        let len: usize = first
            .parse()
            .map_err(|_| ReadError::Reject(400, "Invalid Content-Length"))?;
        if len > limits.max_body {
            if len <= limits.drain_limit && !expects_continue {
                discard(reader, len, deadline)?;
            }
            return Err(ReadError::Reject(413, "Request body too large"));
        }
        if expects_continue && len > 0 {
            send_continue(reader)?;
        }
        let mut body = vec![0u8; len];
        read_exact_by(reader, &mut body, deadline)?;
        body
    } else {
        Vec::new()
    };

    Ok(Some(Request {
        method: method.to_string(),
        path: path.to_string(),
        query: query.to_string(),
        headers,
        body,
        keep_alive,
    }))
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

fn send_continue(reader: &mut BufReader<TcpStream>) -> Result<(), ReadError> {
    reader
        .get_mut()
        .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
    Ok(())
}

/// Sets the socket timeout to what is left until `deadline`.
fn arm(reader: &BufReader<TcpStream>, deadline: Instant) -> Result<(), ReadError> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(ReadError::Reject(408, "Request timeout"));
    }
    reader.get_ref().set_read_timeout(Some(left))?;
    Ok(())
}

fn fill(reader: &mut BufReader<TcpStream>, deadline: Instant) -> Result<usize, ReadError> {
    arm(reader, deadline)?;
    match reader.fill_buf() {
        Ok([]) => Err(ReadError::Gone),
        Ok(buf) => Ok(buf.len()),
        Err(e) if is_timeout(&e) => Err(ReadError::Reject(408, "Request timeout")),
        Err(_) => Err(ReadError::Gone),
    }
}

fn read_head(
    reader: &mut BufReader<TcpStream>,
    limits: &Limits,
    deadline: Instant,
) -> Result<Vec<u8>, ReadError> {
    let mut head = Vec::with_capacity(512);
    loop {
        fill(reader, deadline)?;
        let buf = reader.buffer();
        // Copy up to and including the blank line that ends the head.
        let mut taken = buf.len();
        let mut complete = false;
        for (i, &b) in buf.iter().enumerate() {
            head.push(b);
            if b == b'\n' && head.ends_with(b"\r\n\r\n") {
                taken = i + 1;
                complete = true;
                break;
            }
            if head.len() > limits.max_head {
                return Err(ReadError::Reject(431, "Request header too large"));
            }
        }
        reader.consume(taken);
        if complete {
            head.truncate(head.len() - 4);
            return Ok(head);
        }
    }
}

fn read_exact_by(
    reader: &mut BufReader<TcpStream>,
    out: &mut [u8],
    deadline: Instant,
) -> Result<(), ReadError> {
    let mut done = 0;
    while done < out.len() {
        fill(reader, deadline)?;
        let n = reader.read(&mut out[done..])?;
        if n == 0 {
            return Err(ReadError::Gone);
        }
        done += n;
    }
    Ok(())
}

fn discard(
    reader: &mut BufReader<TcpStream>,
    mut len: usize,
    deadline: Instant,
) -> Result<(), ReadError> {
    while len > 0 {
        let available = fill(reader, deadline)?;
        let n = available.min(len);
        reader.consume(n);
        len -= n;
    }
    Ok(())
}

fn read_line(
    reader: &mut BufReader<TcpStream>,
    max: usize,
    deadline: Instant,
) -> Result<String, ReadError> {
    let mut line = Vec::new();
    loop {
        fill(reader, deadline)?;
        let buf = reader.buffer();
        let (chunk, found) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (&buf[..=i], true),
            None => (buf, false),
        };
        line.extend_from_slice(chunk);
        let n = chunk.len();
        reader.consume(n);
        if line.len() > max {
            return Err(ReadError::Reject(400, "Chunk line too long"));
        }
        if found {
            if !line.ends_with(b"\r\n") {
                return Err(ReadError::Reject(400, "Malformed chunk"));
            }
            line.truncate(line.len() - 2);
            return String::from_utf8(line).map_err(|_| ReadError::Reject(400, "Malformed chunk"));
        }
    }
}

fn read_chunked(
    reader: &mut BufReader<TcpStream>,
    limits: &Limits,
    deadline: Instant,
) -> Result<Vec<u8>, ReadError> {
    let mut body = Vec::new();
    loop {
        let line = read_line(reader, 1024, deadline)?;
        let size_text = line.split(';').next().unwrap_or("").trim();
        if size_text.is_empty()
            || size_text.len() > 15
            || !size_text.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return Err(ReadError::Reject(400, "Malformed chunk size"));
        }
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| ReadError::Reject(400, "Malformed chunk size"))?;
        if size == 0 {
            // Trailers (ignored) until the empty line.
            let mut trailer_bytes = 0;
            loop {
                let t = read_line(reader, limits.max_head, deadline)?;
                if t.is_empty() {
                    return Ok(body);
                }
                trailer_bytes += t.len();
                if trailer_bytes > limits.max_head {
                    return Err(ReadError::Reject(431, "Trailers too large"));
                }
            }
        }
        if body.len() + size > limits.max_body {
            return Err(ReadError::Reject(413, "Request body too large"));
        }
        let start = body.len();
        body.resize(start + size, 0);
        read_exact_by(reader, &mut body[start..], deadline)?;
        let mut crlf = [0u8; 2];
        read_exact_by(reader, &mut crlf, deadline)?;
        if &crlf != b"\r\n" {
            return Err(ReadError::Reject(400, "Malformed chunk"));
        }
    }
}

/// A response to write.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn json(status: u16, value: &serde_json::Value) -> Response {
        Response {
            status,
            headers: vec![(
                "Content-Type".into(),
                "application/json; charset=utf-8".into(),
            )],
            body: serde_json::to_vec(value).unwrap_or_default(),
        }
    }

    pub fn text(status: u16, content_type: &str, body: &str) -> Response {
        Response {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.as_bytes().to_vec(),
        }
    }

    pub fn no_content() -> Response {
        Response {
            status: 204,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Response {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Serialises the response in one write (so a reader never sees half a head).
    pub fn write_to(&self, out: &mut impl Write, keep_alive: bool) -> io::Result<()> {
        let mut buf = Vec::with_capacity(self.body.len() + 256);
        buf.extend_from_slice(
            format!("HTTP/1.1 {} {}\r\n", self.status, reason(self.status)).as_bytes(),
        );
        for (k, v) in &self.headers {
            buf.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
        }
        if self.status != 204 {
            buf.extend_from_slice(format!("Content-Length: {}\r\n", self.body.len()).as_bytes());
        }
        buf.extend_from_slice(if keep_alive {
            b"Connection: keep-alive\r\n\r\n".as_slice()
        } else {
            b"Connection: close\r\n\r\n".as_slice()
        });
        if self.status != 204 {
            buf.extend_from_slice(&self.body);
        }
        out.write_all(&buf)?;
        out.flush()
    }
}

pub fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Payload Too Large",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}

/// Decodes `%XX` escapes (and `+` as space in query strings). `None` for a broken escape or
/// a result that is not UTF-8.
pub fn percent_decode(s: &str, plus_is_space: bool) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                if !hex.iter().all(u8::is_ascii_hexdigit) {
                    return None;
                }
                let hex = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Splits a query string into decoded pairs; `None` when an escape is broken.
pub fn parse_query(query: &str) -> Option<Vec<(String, String)>> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            Some((percent_decode(k, true)?, percent_decode(v, true)?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%20b+c", true).unwrap(), "a b c");
        assert_eq!(percent_decode("a+b", false).unwrap(), "a+b");
        assert_eq!(percent_decode("%zz", false), None);
        assert_eq!(percent_decode("%ff", false), None);
        assert_eq!(percent_decode("%", false), None);
        assert_eq!(percent_decode("%+f", false), None);
        assert_eq!(
            parse_query("x=1&y=%C3%A9&z").unwrap(),
            vec![
                ("x".into(), "1".into()),
                ("y".into(), "é".into()),
                ("z".into(), String::new())
            ]
        );
    }

    #[test]
    fn response_framing() {
        let mut out = Vec::new();
        Response::json(200, &serde_json::json!({"a":1}))
            .write_to(&mut out, true)
            .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("HTTP/1.1 200 OK\r\n"));
        assert!(text.contains("Content-Length: 7\r\n"));
        assert!(text.ends_with("\r\n\r\n{\"a\":1}"));
        let mut out = Vec::new();
        Response::no_content().write_to(&mut out, false).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(!text.contains("Content-Length"));
    }
}
