//! The WHMCS side: typed records ([`model`]) and billing-cycle parsing ([`cycle`]).

pub mod cycle;
pub mod model;

pub use cycle::{BillingCycle, Recurring};
pub use model::*;
