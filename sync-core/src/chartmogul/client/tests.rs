//! The client against a scripted transport on a fake clock.

use std::collections::VecDeque;
use std::time::Duration;

use super::*;
use crate::chartmogul::transport::{TransportError, TransportErrorKind};

/// Answers from a script; records every request; time only moves when the client sleeps.
#[derive(Default)]
struct Scripted {
    answers: VecDeque<Result<Response, TransportError>>,
    /// Answer given once the script is used up.
    fallback: Option<Response>,
    sent: Vec<Request>,
    now: Duration,
    slept: Vec<Duration>,
}

impl Scripted {
    fn push(&mut self, status: u16, body: &str) -> &mut Self {
        self.answers.push_back(Ok(resp(status, body)));
        self
    }
}

fn resp(status: u16, body: &str) -> Response {
    Response {
        status,
        headers: vec![],
        body: body.as_bytes().to_vec(),
    }
}

impl Transport for Scripted {
    fn send(&mut self, request: &Request) -> Result<Response, TransportError> {
        self.sent.push(request.clone());
        self.now += Duration::from_millis(10);
        match self.answers.pop_front() {
            Some(a) => a,
            None => Ok(self.fallback.clone().expect("script exhausted")),
        }
    }
    fn sleep(&mut self, d: Duration) {
        self.slept.push(d);
        self.now += d;
    }
    fn elapsed(&self) -> Duration {
        self.now
    }
}

fn client(t: &mut Scripted) -> Client<&mut Scripted> {
    Client::new(
        t,
        ClientConfig::new(
            "https://api.chartmogul.test/v1/",
            Credentials::ApiKey("k3y".into()),
        ),
    )
}

#[test]
fn requests_carry_basic_auth_with_the_key_and_an_empty_password() {
    let mut t = Scripted::default();
    t.push(200, r#"{"data":"pong!"}"#);
    client(&mut t).ping().unwrap();
    let req = &t.sent[0];
    assert_eq!(
        (req.method, req.url.as_str()),
        (Method::Get, "https://api.chartmogul.test/v1/ping")
    );
    assert!(
        req.headers
            .contains(&("Authorization".into(), format!("Basic {}", base64(b"k3y:"))))
    );
    assert_eq!(base64(b"k3y:"), "azN5Og==");
    let legacy = Credentials::AccountToken {
        token: "tok".into(),
        secret: "sec".into(),
    };
    assert_eq!(legacy.authorization(), "Basic dG9rOnNlYw==");
    assert_eq!(format!("{legacy:?}"), "AccountToken(<redacted>)");
}

#[test]
fn a_bad_key_is_fatal_at_once() {
    let mut t = Scripted::default();
    t.push(
        401,
        r#"{"code":401,"message":"No valid API key provided","param":null}"#,
    );
    let e = client(&mut t).ping().unwrap_err();
    assert_eq!(e.class(), ErrorClass::Fatal);
    assert!(e.to_string().starts_with("Authentication error"), "{e}");
    assert!(!e.to_string().contains("k3y"));
    assert_eq!(t.sent.len(), 1);
}

#[test]
fn retryable_failures_are_retried_until_success() {
    let mut t = Scripted::default();
    t.push(503, "").push(500, "boom");
    t.answers.push_back(Err(TransportError::new(
        TransportErrorKind::Connection,
        "reset by peer",
    )));
    t.push(200, r#"{"data":"pong!"}"#);
    let mut c = client(&mut t);
    c.ping().unwrap();
    assert_eq!(
        c.stats(),
        Stats {
            requests: 4,
            retries: 3,
            writes: 0
        }
    );
    assert_eq!(t.slept.len(), 3);
}

#[test]
fn a_permanent_500_ends_within_the_retry_budget_with_a_clear_error() {
    let mut t = Scripted {
        fallback: Some(resp(500, "Internal Server Error")),
        ..Default::default()
    };
    let e = client(&mut t).ping().unwrap_err();
    match &e {
        ApiError::RetriesExhausted {
            attempts,
            elapsed,
            last,
        } => {
            assert!(*attempts > 3, "{attempts}");
            assert!(*elapsed <= Duration::from_secs(60), "{elapsed:?}");
            assert!(last.to_string().contains("server error (500)"), "{last}");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        t.now <= Duration::from_secs(61),
        "the whole call took {:?}",
        t.now
    );
    assert!(e.to_string().contains("gave up after"), "{e}");
}

#[test]
fn retry_after_is_honoured() {
    let mut t = Scripted::default();
    t.answers.push_back(Ok(Response {
        status: 429,
        headers: vec![("retry-after".into(), "3".into())],
        body: vec![],
    }));
    t.push(200, r#"{"data":"pong!"}"#);
    client(&mut t).ping().unwrap();
    assert_eq!(t.slept, vec![Duration::from_secs(3)]);
}

#[test]
fn rejected_records_are_not_retried() {
    let mut t = Scripted::default();
    t.push(422, r#"{"errors":{"country":"Country is invalid"}}"#);
    let cust = cm::Customer {
        external_id: "whmcs-client-1".into(),
        ..Default::default()
    };
    let e = client(&mut t).create_customer("ds_1", &cust).unwrap_err();
    assert_eq!(e.class(), ErrorClass::RejectedRecord);
    assert!(e.to_string().contains("country: Country is invalid"), "{e}");
    assert_eq!(t.sent.len(), 1);
}

#[test]
fn a_duplicate_create_is_looked_up_by_external_id_in_the_data_source() {
    let mut t = Scripted::default();
    t.push(422, r#"{"errors":{"external_id":"The external ID for this customer already exists in our system."}}"#);
    t.push(200, r#"{"entries":[{"uuid":"cus_1","external_id":"whmcs-client-1","data_source_uuid":"ds_1"}],"has_more":false,"cursor":null}"#);
    let cust = cm::Customer {
        external_id: "whmcs-client-1".into(),
        ..Default::default()
    };
    let got = client(&mut t).create_customer("ds_1", &cust).unwrap();
    assert!(!got.is_new());
    assert_eq!(got.into_inner().uuid, "cus_1");
    let body: Json = serde_json::from_slice(t.sent[0].body.as_ref().unwrap()).unwrap();
    assert_eq!(body["data_source_uuid"], "ds_1");
    assert_eq!(
        t.sent[1].url,
        "https://api.chartmogul.test/v1/customers?data_source_uuid=ds_1&external_id=whmcs-client-1"
    );
}

#[test]
fn a_duplicate_invoice_import_keeps_the_existing_and_sends_the_missing_again() {
    let inv = |id: &str| cm::Invoice {
        external_id: id.into(),
        date: "2026-01-05T00:00:00Z".into(),
        currency: "USD".into(),
        due_date: None,
        customer_external_id: None,
        line_items: vec![],
        transactions: vec![],
    };
    let mut t = Scripted::default();
    t.push(422, r#"{"errors":{"external_id":"The external ID for this invoice already exists in our system."}}"#);
    t.push(
        200,
        r#"{"invoices":[{"uuid":"inv_1","external_id":"whmcs-invoice-1"}]}"#,
    );
    t.push(200, r#"{"invoices":[]}"#);
    t.push(
        201,
        r#"{"invoices":[{"uuid":"inv_2","external_id":"whmcs-invoice-2"}]}"#,
    );
    let got = client(&mut t)
        .import_invoices(
            "ds_1",
            "cus_1",
            &[inv("whmcs-invoice-1"), inv("whmcs-invoice-2")],
        )
        .unwrap();
    assert_eq!(
        got,
        vec![
            Created::Existing(InvoiceRecord {
                uuid: "inv_1".into(),
                external_id: Some("whmcs-invoice-1".into()),
                line_items: vec![],
                transactions: vec![]
            }),
            Created::New(InvoiceRecord {
                uuid: "inv_2".into(),
                external_id: Some("whmcs-invoice-2".into()),
                line_items: vec![],
                transactions: vec![]
            }),
        ]
    );
    let last: Json = serde_json::from_slice(t.sent[3].body.as_ref().unwrap()).unwrap();
    assert_eq!(last["invoices"].as_array().unwrap().len(), 1);
}

#[test]
fn deleting_something_already_gone_is_done() {
    let mut t = Scripted::default();
    t.push(
        404,
        r#"{"code":404,"message":"Customer not found","param":null}"#,
    );
    client(&mut t).delete_customer("cus_9").unwrap();
}

#[test]
fn the_rate_limiter_spaces_requests() {
    let mut t = Scripted {
        fallback: Some(resp(200, r#"{"data":"pong!"}"#)),
        ..Default::default()
    };
    let mut config = ClientConfig::new("http://x/v1", Credentials::ApiKey("k".into()));
    config.limits.requests_per_second = 10;
    let mut c = Client::new(&mut t, config);
    for _ in 0..30 {
        c.ping().unwrap();
    }
    assert!(
        t.now >= Duration::from_millis(1900),
        "30 requests at 10/s took only {:?}",
        t.now
    );
}

#[test]
fn query_components_are_percent_encoded() {
    assert_eq!(encode("whmcs-client-1"), "whmcs-client-1");
    assert_eq!(encode("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
}
