//! The ChartMogul side: payload types ([`types`]). The client over a `Transport` seam arrives
//! with the client/simulator work.

pub mod types;
