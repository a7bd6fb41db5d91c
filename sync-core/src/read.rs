//! **read** — placeholder
