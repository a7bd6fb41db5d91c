//! The PHP exception hierarchy: `ChartMogulSync\Exception` and one subclass per thing an admin
//! or operator does differently about it. Every engine error maps to exactly one class here;
//! messages never carry the API key (the client never puts it in errors, and the addon's
//! secrets are redacted again before throwing).

use ext_php_rs::exception::PhpException;
use ext_php_rs::prelude::*;
use ext_php_rs::zend::ce;
use sync_core::chartmogul::ApiError;
use sync_core::db::DbError;
use sync_core::engine::EngineError;
use sync_core::state::StateError;

/// Base class of every error the engine throws.
#[php_class]
#[php(name = "ChartMogulSync\\Exception")]
#[php(extends(ce = ce::exception, stub = "\\Exception"))]
#[derive(Default)]
pub struct SyncException;

/// A setting or the addon configuration is wrong; the message names the setting.
#[php_class]
#[php(name = "ChartMogulSync\\ConfigurationError")]
#[php(extends(SyncException))]
#[derive(Default)]
pub struct ConfigurationError;

/// ChartMogul refused the credentials (401) or the key lacks a permission (403).
#[php_class]
#[php(name = "ChartMogulSync\\AuthenticationError")]
#[php(extends(SyncException))]
#[derive(Default)]
pub struct AuthenticationError;

/// ChartMogul could not be reached (connection, DNS, TLS, timeout, retries spent).
#[php_class]
#[php(name = "ChartMogulSync\\ConnectionError")]
#[php(extends(SyncException))]
#[derive(Default)]
pub struct ConnectionError;

/// Another sync holds the engine's lock; nothing was done.
#[php_class]
#[php(name = "ChartMogulSync\\LockedError")]
#[php(extends(SyncException))]
#[derive(Default)]
pub struct LockedError;

/// The WHMCS database failed (an SQL error through PDO).
#[php_class]
#[php(name = "ChartMogulSync\\DatabaseError")]
#[php(extends(SyncException))]
#[derive(Default)]
pub struct DatabaseError;

/// An engine error as the PHP exception of its class.
pub enum Failure {
    Configuration(String),
    Authentication(String),
    Connection(String),
    Locked(String),
    Database(String),
    Other(String),
}

impl From<Failure> for PhpException {
    fn from(f: Failure) -> PhpException {
        match f {
            Failure::Configuration(m) => PhpException::from_class::<ConfigurationError>(m),
            Failure::Authentication(m) => PhpException::from_class::<AuthenticationError>(m),
            Failure::Connection(m) => PhpException::from_class::<ConnectionError>(m),
            Failure::Locked(m) => PhpException::from_class::<LockedError>(m),
            Failure::Database(m) => PhpException::from_class::<DatabaseError>(m),
            Failure::Other(m) => PhpException::from_class::<SyncException>(m),
        }
    }
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Failure {
        let message = e.to_string();
        match api_root(&e) {
            ApiError::Authentication { .. } => Failure::Authentication(message),
            ApiError::Temporary { .. } | ApiError::Unreachable { .. } => {
                Failure::Connection(message)
            }
            _ => Failure::Other(message),
        }
    }
}

/// The last failure inside a spent retry budget.
pub fn api_root(e: &ApiError) -> &ApiError {
    match e {
        ApiError::RetriesExhausted { last, .. } => api_root(last),
        other => other,
    }
}

impl From<EngineError> for Failure {
    fn from(e: EngineError) -> Failure {
        match e {
            EngineError::Locked(who) => Failure::Locked(format!(
                "another sync is running ({who}); try again shortly"
            )),
            EngineError::Api(a) => a.into(),
            EngineError::State(s) => s.into(),
            EngineError::Db(d) => d.into(),
            EngineError::Config(m) => Failure::Configuration(m),
        }
    }
}

impl From<StateError> for Failure {
    fn from(e: StateError) -> Failure {
        match e {
            StateError::Db(d) => d.into(),
            other => Failure::Database(other.to_string()),
        }
    }
}

impl From<DbError> for Failure {
    fn from(e: DbError) -> Failure {
        Failure::Database(format!("WHMCS database: {e}"))
    }
}
