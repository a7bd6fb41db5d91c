//! Exchange rates for the simulator's account-currency reports (`sim --fx-rates`).
//!
//! Contract: ChartMogul reports metrics in its account currency (USD here), converting every
//! other currency at its own daily rates. The simulator has no market, so it converts only with
//! rates it is given — WHMCS's form, "units of that currency for one unit of the account
//! currency" (`EUR=0.92`), so a test harness can pass `tblcurrencies.rate` through unchanged.
//! Amounts are converted exactly: cents × scale ÷ rate, rounded half away from zero, no float.

use std::collections::BTreeMap;

use super::mrr::round_half_away;

/// The account currency metrics are reported in when rates are given (`GET /account` says USD).
pub const ACCOUNT_CURRENCY: &str = "USD";

/// Parsed `CODE=RATE` pairs; the account currency's rate is 1 whatever was given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FxRates {
    /// Code → (rate digits without the point, 10^decimals).
    rates: BTreeMap<String, (i128, i128)>,
}

impl FxRates {
    /// Parses `EUR=0.92,GBP=0.79` (the account currency may be listed; it must then be 1).
    pub fn parse(text: &str) -> Result<FxRates, String> {
        let mut rates = BTreeMap::new();
        for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (code, rate) = pair
                .split_once('=')
                .ok_or_else(|| format!("{pair:?}: expected CODE=RATE, e.g. EUR=0.92"))?;
            let code = code.trim();
            if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
                return Err(format!(
                    "{pair:?}: {code:?} is not an ISO 4217 code like EUR"
                ));
            }
            let rate = rate.trim();
            let (whole, frac) = rate.split_once('.').unwrap_or((rate, ""));
            let digits = format!("{whole}{frac}");
            let parsed = (!whole.is_empty()
                && frac.len() <= 12
                && digits.bytes().all(|b| b.is_ascii_digit()))
            .then(|| digits.parse::<i128>().ok())
            .flatten()
            .filter(|n| *n > 0);
            let Some(num) = parsed else {
                return Err(format!(
                    "{pair:?}: the rate must be a positive decimal like 0.92"
                ));
            };
            let scale = 10i128.pow(frac.len() as u32);
            if code == ACCOUNT_CURRENCY && num != scale {
                return Err(format!(
                    "{pair:?}: {ACCOUNT_CURRENCY} is the account currency; its rate is 1"
                ));
            }
            rates.insert(code.to_string(), (num, scale));
        }
        Ok(FxRates { rates })
    }

    pub fn is_empty(&self) -> bool {
        self.rates.is_empty()
    }

    /// `cents` of `currency` in account-currency cents; `None` when no rate is known.
    pub fn to_account(&self, currency: &str, cents: i128) -> Option<i128> {
        if currency == ACCOUNT_CURRENCY {
            return Some(cents);
        }
        let (num, scale) = self.rates.get(currency)?;
        Some(round_half_away(cents * scale, *num))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_exactly_in_whmcs_form() {
        let fx = FxRates::parse("EUR=0.92, GBP=0.79000,USD=1.00000").unwrap();
        assert_eq!(fx.to_account("USD", 1234), Some(1234));
        assert_eq!(fx.to_account("EUR", 920), Some(1000));
        // 100 / 0.79 = 126.58… → 127; negative amounts round away from zero too.
        assert_eq!(fx.to_account("GBP", 100), Some(127));
        assert_eq!(fx.to_account("GBP", -100), Some(-127));
        assert_eq!(fx.to_account("CAD", 100), None);
        assert!(FxRates::parse("").unwrap().is_empty());
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        for bad in [
            "EUR", "eur=0.9", "EURO=1", "EUR=0", "EUR=-1", "EUR=1e3", "EUR=.5", "USD=2",
        ] {
            assert!(FxRates::parse(bad).is_err(), "{bad} accepted");
        }
    }
}
