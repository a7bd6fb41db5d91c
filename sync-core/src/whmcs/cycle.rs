//! WHMCS billing cycles, parsed tolerantly from free text (whmcs.md §6.1).

use std::fmt;

/// A recurring billing cycle ChartMogul can normalise MRR by.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Recurring {
    Monthly,
    Quarterly,
    SemiAnnually,
    Annually,
    Biennially,
    Triennially,
}

impl Recurring {
    pub const ALL: [Recurring; 6] = [
        Recurring::Monthly,
        Recurring::Quarterly,
        Recurring::SemiAnnually,
        Recurring::Annually,
        Recurring::Biennially,
        Recurring::Triennially,
    ];

    /// Calendar months in one cycle.
    pub fn months(self) -> u32 {
        match self {
            Recurring::Monthly => 1,
            Recurring::Quarterly => 3,
            Recurring::SemiAnnually => 6,
            Recurring::Annually => 12,
            Recurring::Biennially => 24,
            Recurring::Triennially => 36,
        }
    }

    /// The slug used in external ids (mapping.md §0): `semiannually`, …
    pub fn slug(self) -> &'static str {
        match self {
            Recurring::Monthly => "monthly",
            Recurring::Quarterly => "quarterly",
            Recurring::SemiAnnually => "semiannually",
            Recurring::Annually => "annually",
            Recurring::Biennially => "biennially",
            Recurring::Triennially => "triennially",
        }
    }

    /// The canonical display form used in plan names: `Semi-Annually`, …
    pub fn display(self) -> &'static str {
        match self {
            Recurring::Monthly => "Monthly",
            Recurring::Quarterly => "Quarterly",
            Recurring::SemiAnnually => "Semi-Annually",
            Recurring::Annually => "Annually",
            Recurring::Biennially => "Biennially",
            Recurring::Triennially => "Triennially",
        }
    }

    /// The ChartMogul plan interval (mapping.md §2): count and unit.
    pub fn interval(self) -> (u32, &'static str) {
        match self {
            Recurring::Monthly => (1, "month"),
            Recurring::Quarterly => (3, "month"),
            Recurring::SemiAnnually => (6, "month"),
            Recurring::Annually => (1, "year"),
            Recurring::Biennially => (2, "year"),
            Recurring::Triennially => (3, "year"),
        }
    }
}

impl fmt::Display for Recurring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.display())
    }
}

/// A `billingcycle` column value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum BillingCycle {
    Recurring(Recurring),
    OneTime,
    FreeAccount,
    /// Text that matches no known cycle, kept verbatim for the error message.
    Unknown(String),
}

impl BillingCycle {
    /// Matches case-, space- and punctuation-insensitively: "Semi-Annually", "semiannually",
    /// "Semi Annually", "One-Time" all parse.
    pub fn parse(text: &str) -> BillingCycle {
        let key: String = text
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        match key.as_str() {
            "monthly" => BillingCycle::Recurring(Recurring::Monthly),
            "quarterly" => BillingCycle::Recurring(Recurring::Quarterly),
            "semiannually" => BillingCycle::Recurring(Recurring::SemiAnnually),
            "annually" => BillingCycle::Recurring(Recurring::Annually),
            "biennially" => BillingCycle::Recurring(Recurring::Biennially),
            "triennially" => BillingCycle::Recurring(Recurring::Triennially),
            "onetime" => BillingCycle::OneTime,
            "freeaccount" | "free" => BillingCycle::FreeAccount,
            _ => BillingCycle::Unknown(text.to_string()),
        }
    }

    pub fn recurring(&self) -> Option<Recurring> {
        match self {
            BillingCycle::Recurring(r) => Some(*r),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycles_parse_tolerantly() {
        for s in [
            "Semi-Annually",
            "semiannually",
            "Semi Annually",
            " SEMI-ANNUALLY ",
        ] {
            assert_eq!(
                BillingCycle::parse(s),
                BillingCycle::Recurring(Recurring::SemiAnnually),
                "{s}"
            );
        }
        assert_eq!(BillingCycle::parse("One Time"), BillingCycle::OneTime);
        assert_eq!(BillingCycle::parse("One-Time"), BillingCycle::OneTime);
        assert_eq!(
            BillingCycle::parse("Free Account"),
            BillingCycle::FreeAccount
        );
        assert_eq!(
            BillingCycle::parse("Fortnightly"),
            BillingCycle::Unknown("Fortnightly".into())
        );
        assert_eq!(BillingCycle::parse(""), BillingCycle::Unknown("".into()));
    }
}
