//! `whmcs-chartmogul sim` runs the simulator in the foreground and prints its base URL first.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

#[test]
fn sim_subcommand_prints_the_base_url_and_serves() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_whmcs-chartmogul"))
        .args([
            "sim",
            "--listen",
            "127.0.0.1:0",
            "--api-key",
            "cli-key",
            "--faults",
            "seed=1,latency=1ms",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("binary runs");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().to_string();
    let addr = url
        .strip_prefix("http://")
        .and_then(|r| r.strip_suffix("/v1"))
        .unwrap_or_else(|| panic!("unexpected first line {url:?}"))
        .to_string();

    let mut s = TcpStream::connect(&addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    // "cli-key:" in base64.
    s.write_all(
        b"GET /v1/ping HTTP/1.1\r\nAuthorization: Basic Y2xpLWtleTo=\r\nConnection: close\r\n\r\n",
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    assert!(answer.ends_with(r#"{"data":"pong!"}"#), "{answer}");
}

#[test]
fn sim_subcommand_rejects_a_bad_fault_spec() {
    let out = Command::new(env!("CARGO_BIN_EXE_whmcs-chartmogul"))
        .args(["sim", "--listen", "127.0.0.1:0", "--faults", "rate=2"])
        .output()
        .expect("binary runs");
    assert_eq!(out.status.code(), Some(2), "clap usage error");
    assert!(String::from_utf8_lossy(&out.stderr).contains("probability"));
}
