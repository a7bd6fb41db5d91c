//! Database connections for the CLI: implementations of `sync_core::db::Db`.
