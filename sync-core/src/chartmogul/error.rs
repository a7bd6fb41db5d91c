//! One error type for everything the ChartMogul client can fail with, classified once.
//!
//! Every failure falls into exactly one [`ErrorClass`]: the client retries the retryable ones
//! itself (within a budget), turns "already exists" on a create into success by looking the
//! object up, hands rejected records to the caller to log while the run goes on, and stops the
//! run on fatal ones. Messages are ChartMogul's own words plus what an admin can act on; they
//! never contain the API key.

use std::fmt;
use std::time::Duration;

use super::transport::{TransportError, TransportErrorKind};

/// What the caller should do about an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// 429, 503, other 5xx, timeouts, resets: try again later. The client already retried
    /// within its budget; the run stops (nothing is lost) and the next run resumes.
    Retryable,
    /// 422 "already exists" / "has already been taken" on a create: the object is there.
    AlreadyDone,
    /// 400/404/422 validation: this record fails with ChartMogul's message; the run goes on.
    RejectedRecord,
    /// 401/403, TLS, malformed configuration: stop the run and tell the admin what to check.
    Fatal,
}

/// A field-level message from a ChartMogul error body (`errors: {field: message}`).
pub type FieldError = (String, String);

/// A failed ChartMogul call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// 401 or 403: the key is wrong, revoked or lacks permission.
    #[error("Authentication error: {message} ({hint})")]
    Authentication {
        status: u16,
        message: String,
        hint: &'static str,
    },
    /// 422 on a create because the external id exists already (a retried request that had
    /// been applied, or an object created by an earlier run).
    #[error("already exists in ChartMogul: {message}")]
    AlreadyExists { message: String },
    /// 400 or 422: ChartMogul refused the record; `message` is its own wording.
    #[error("rejected by ChartMogul ({status}): {message}")]
    Rejected {
        status: u16,
        message: String,
        fields: Vec<FieldError>,
    },
    /// 404: the uuid or route does not exist.
    #[error("not found in ChartMogul: {message}")]
    NotFound { message: String },
    /// A retryable failure (HTTP status or transport) — only seen by callers once the retry
    /// budget is spent, inside [`ApiError::RetriesExhausted`], or with retries disabled.
    #[error("temporary failure ({what}): {message}")]
    Temporary {
        what: String,
        message: String,
        retry_after: Option<Duration>,
    },
    /// The retry budget ran out; `last` is the final failure.
    #[error("gave up after {attempts} attempts in {:.1} s: {last}", elapsed.as_secs_f64())]
    RetriesExhausted {
        attempts: u32,
        elapsed: Duration,
        last: Box<ApiError>,
    },
    /// No usable answer and retrying will not help (TLS failure, bad URL).
    #[error("cannot reach ChartMogul: {message}")]
    Unreachable { message: String },
    /// A 2xx answer whose body is not what the API documents.
    #[error("unexpected response from ChartMogul: {message}")]
    InvalidResponse { message: String },
    /// Any other status.
    #[error("ChartMogul answered {status}: {message}")]
    Unexpected { status: u16, message: String },
}

impl ApiError {
    pub fn class(&self) -> ErrorClass {
        match self {
            ApiError::Authentication { .. } | ApiError::Unreachable { .. } => ErrorClass::Fatal,
            ApiError::AlreadyExists { .. } => ErrorClass::AlreadyDone,
            ApiError::Rejected { .. } | ApiError::NotFound { .. } | ApiError::Unexpected { .. } => {
                ErrorClass::RejectedRecord
            }
            ApiError::Temporary { .. }
            | ApiError::RetriesExhausted { .. }
            | ApiError::InvalidResponse { .. } => ErrorClass::Retryable,
        }
    }

    pub(crate) fn from_transport(e: &TransportError) -> ApiError {
        if e.is_retryable() {
            let what = match e.kind {
                TransportErrorKind::Timeout => "timeout",
                TransportErrorKind::Dns => "name resolution",
                _ => "connection",
            };
            ApiError::Temporary {
                what: what.to_string(),
                message: e.message.clone(),
                retry_after: None,
            }
        } else {
            ApiError::Unreachable {
                message: e.message.clone(),
            }
        }
    }

    /// Classifies a non-2xx response. `is_create` marks POSTs whose 422 duplicate means "done".
    pub(crate) fn from_status(
        status: u16,
        body: &[u8],
        retry_after: Option<Duration>,
        is_create: bool,
    ) -> ApiError {
        let parsed = ErrorBody::parse(body);
        let message = parsed.message();
        match status {
            401 => ApiError::Authentication {
                status,
                message,
                hint: "check the ChartMogul API key under Profile → API keys",
            },
            403 => ApiError::Authentication {
                status,
                message,
                hint: "the API key needs Read & Write access and an active ChartMogul account",
            },
            404 => ApiError::NotFound { message },
            422 if is_create && parsed.is_duplicate() => ApiError::AlreadyExists { message },
            400 | 402 | 409 | 413 | 422 => ApiError::Rejected {
                status,
                message,
                fields: parsed.fields,
            },
            429 => ApiError::Temporary {
                what: "rate limited (429)".to_string(),
                message,
                retry_after,
            },
            500..=599 => ApiError::Temporary {
                what: format!("server error ({status})"),
                message,
                retry_after,
            },
            _ => ApiError::Unexpected { status, message },
        }
    }
}

/// ChartMogul error bodies come in several shapes (reference §9); this reads all of them.
#[derive(Debug, Default)]
pub(crate) struct ErrorBody {
    pub main: Option<String>,
    pub fields: Vec<FieldError>,
}

impl ErrorBody {
    pub(crate) fn parse(body: &[u8]) -> ErrorBody {
        let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) else {
            let text = String::from_utf8_lossy(body)
                .trim()
                .chars()
                .take(300)
                .collect::<String>();
            return ErrorBody {
                main: (!text.is_empty()).then_some(text),
                fields: Vec::new(),
            };
        };
        let mut out = ErrorBody::default();
        let Some(obj) = value.as_object() else {
            out.main = Some(value.to_string());
            return out;
        };
        for key in ["message", "error"] {
            if let Some(s) = obj.get(key).and_then(|v| v.as_str()) {
                out.main = Some(s.to_string());
                break;
            }
        }
        let mut push_field = |field: &str, v: &serde_json::Value| match v {
            serde_json::Value::String(s) => out.fields.push((field.to_string(), s.clone())),
            serde_json::Value::Array(items) => {
                for i in items {
                    if let Some(s) = i.as_str() {
                        out.fields.push((field.to_string(), s.to_string()));
                    }
                }
            }
            serde_json::Value::Object(inner) => {
                for (k, v) in inner {
                    if let Some(s) = v.as_str() {
                        out.fields.push((format!("{field}.{k}"), s.to_string()));
                    }
                }
            }
            _ => {}
        };
        if let Some(errors) = obj.get("errors").and_then(|v| v.as_object()) {
            for (field, v) in errors {
                push_field(field, v);
            }
        }
        for (field, v) in obj {
            if !matches!(
                field.as_str(),
                "message" | "error" | "errors" | "code" | "param" | "error_details"
            ) && v.is_array()
            {
                push_field(field, v);
            }
        }
        out
    }

    pub(crate) fn message(&self) -> String {
        let fields = self
            .fields
            .iter()
            .map(|(f, m)| format!("{f}: {m}"))
            .collect::<Vec<_>>()
            .join("; ");
        match (&self.main, fields.is_empty()) {
            (Some(m), true) => m.clone(),
            (Some(m), false) => format!("{m} ({fields})"),
            (None, false) => fields,
            (None, true) => "no error message in the response".to_string(),
        }
    }

    fn is_duplicate(&self) -> bool {
        let dup = |s: &str| {
            let s = s.to_ascii_lowercase();
            s.contains("already exists") || s.contains("already been taken")
        };
        self.main.as_deref().is_some_and(dup) || self.fields.iter().any(|(_, m)| dup(m))
    }
}

impl fmt::Display for ErrorClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ErrorClass::Retryable => "retryable",
            ErrorClass::AlreadyDone => "already done",
            ErrorClass::RejectedRecord => "rejected record",
            ErrorClass::Fatal => "fatal",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_error_shape_is_read() {
        let e = ApiError::from_status(
            401,
            br#"{"code":401,"message":"No valid API key provided","param":null}"#,
            None,
            false,
        );
        assert_eq!(e.class(), ErrorClass::Fatal);
        assert!(
            e.to_string()
                .starts_with("Authentication error: No valid API key provided"),
            "{e}"
        );
        let e = ApiError::from_status(404, br#"{"error":"Data source not found"}"#, None, false);
        assert_eq!(
            e.to_string(),
            "not found in ChartMogul: Data source not found"
        );
        let e = ApiError::from_status(
            422,
            br#"{"errors":{"name":"A name is required for each data source."}}"#,
            None,
            true,
        );
        assert_eq!(
            (
                e.class(),
                e.to_string().contains("name: A name is required")
            ),
            (ErrorClass::RejectedRecord, true)
        );
        let e = ApiError::from_status(422, br#"{"name":["Name can't be blank"],"error_details":[{"param":"name","code":"blank","message":"Name can't be blank"}]}"#, None, true);
        assert!(e.to_string().contains("name: Name can't be blank"), "{e}");
        let e = ApiError::from_status(500, b"500 Internal Server Error", None, false);
        assert_eq!(
            (
                e.class(),
                e.to_string().contains("500 Internal Server Error")
            ),
            (ErrorClass::Retryable, true)
        );
    }

    #[test]
    fn duplicates_on_create_are_already_done_but_not_elsewhere() {
        let body = br#"{"errors":{"external_id":"The external ID for this invoice already exists in our system."}}"#;
        assert_eq!(
            ApiError::from_status(422, body, None, true).class(),
            ErrorClass::AlreadyDone
        );
        assert_eq!(
            ApiError::from_status(422, body, None, false).class(),
            ErrorClass::RejectedRecord
        );
        let body = br#"{"errors":{"transactions.external_id":"has already been taken"}}"#;
        assert_eq!(
            ApiError::from_status(422, body, None, true).class(),
            ErrorClass::AlreadyDone
        );
    }

    #[test]
    fn rate_limits_and_server_errors_are_retryable_and_keep_retry_after() {
        let e = ApiError::from_status(
            429,
            br#"{"code":429,"message":"Your request rate has exceeded our rate limit."}"#,
            Some(Duration::from_secs(2)),
            false,
        );
        assert!(
            matches!(e, ApiError::Temporary { retry_after: Some(d), .. } if d == Duration::from_secs(2))
        );
        assert_eq!(
            ApiError::from_status(503, b"", None, false).class(),
            ErrorClass::Retryable
        );
    }
}
