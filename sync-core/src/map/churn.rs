//! §7 Cancellations and churn.

/// Which rule of mapping.md §7 dated a cancellation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChurnRule {
    /// Rule 1: `termination_date` (services/addons) or a past `expirydate` (domains).
    TerminationDate,
    /// Rule 2: the newest cancellation request, `Immediate`.
    ImmediateRequest,
    /// Rule 2: the newest cancellation request, `End of Billing Period` → `nextduedate`.
    EndOfBillingPeriodRequest,
    /// Rule 3 (or setting `churn_at = "period_end"`): end of the last exported service period.
    LastPeriodEnd,
    /// `suspended_is_active = false`: cancelled at the suspension.
    Suspension,
}
