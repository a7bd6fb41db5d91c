//! Money as integer cents, parsed exactly from the decimal strings WHMCS stores.
//!
//! Contract: no floating point anywhere on the money path (mapping.md §1). Amounts are read
//! from `decimal(16,2)` columns as text and turned into [`Cents`] digit by digit; shares of a
//! whole are allocated with the largest-remainder method so they always sum to the whole.

use std::fmt;
use std::ops::{Add, AddAssign, Neg, Sub, SubAssign};

/// An amount of money in cents (hundredths of the currency unit), signed.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(transparent)]
pub struct Cents(pub i64);

impl Cents {
    pub const ZERO: Cents = Cents(0);

    pub fn abs(self) -> Cents {
        Cents(self.0.abs())
    }
    pub fn is_zero(self) -> bool {
        self.0 == 0
    }
    pub fn is_positive(self) -> bool {
        self.0 > 0
    }
    pub fn is_negative(self) -> bool {
        self.0 < 0
    }
}

impl Add for Cents {
    type Output = Cents;
    fn add(self, o: Cents) -> Cents {
        Cents(self.0 + o.0)
    }
}
impl AddAssign for Cents {
    fn add_assign(&mut self, o: Cents) {
        self.0 += o.0
    }
}
impl Sub for Cents {
    type Output = Cents;
    fn sub(self, o: Cents) -> Cents {
        Cents(self.0 - o.0)
    }
}
impl SubAssign for Cents {
    fn sub_assign(&mut self, o: Cents) {
        self.0 -= o.0
    }
}
impl Neg for Cents {
    type Output = Cents;
    fn neg(self) -> Cents {
        Cents(-self.0)
    }
}
impl std::iter::Sum for Cents {
    fn sum<I: Iterator<Item = Cents>>(iter: I) -> Cents {
        Cents(iter.map(|c| c.0).sum())
    }
}

/// Formats as a plain decimal, e.g. `-3.00`, the way WHMCS stores it.
impl fmt::Display for Cents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", a / 100, a % 100)
    }
}

/// Why a decimal string could not be read as cents.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("not a decimal number: {0:?}")]
    NotANumber(String),
    #[error("more than two decimal places with a non-zero digit: {0:?}")]
    SubCent(String),
    #[error("amount out of range: {0:?}")]
    OutOfRange(String),
}

/// Parses a decimal string (`"30.00"`, `"-3"`, `"0.5"`, `" 12.340 "`) into cents exactly.
///
/// Extra decimal places are accepted only when they are zeros (`"1.500"`): a sub-cent amount
/// cannot be represented and is an error rather than a silent rounding.
pub fn parse_cents(text: &str) -> Result<Cents, MoneyError> {
    let s = text.trim();
    let bad = || MoneyError::NotANumber(text.to_string());
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        Some(_) => (false, s),
        None => return Err(bad()),
    };
    let (int_part, frac_part) = match digits.split_once('.') {
        Some((i, f)) => (i, f),
        None => (digits, ""),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return Err(bad());
    }
    if !int_part.bytes().all(|b| b.is_ascii_digit())
        || !frac_part.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let mut cents: i64 = 0;
    for b in int_part.bytes() {
        cents = cents
            .checked_mul(10)
            .and_then(|c| c.checked_add(i64::from(b - b'0')))
            .ok_or_else(|| MoneyError::OutOfRange(text.to_string()))?;
    }
    let frac = frac_part.as_bytes();
    let mut frac_cents = 0i64;
    for i in 0..2 {
        frac_cents = frac_cents * 10 + frac.get(i).map_or(0, |b| i64::from(b - b'0'));
    }
    if frac.len() > 2 && frac[2..].iter().any(|&b| b != b'0') {
        return Err(MoneyError::SubCent(text.to_string()));
    }
    let total = cents
        .checked_mul(100)
        .and_then(|c| c.checked_add(frac_cents))
        .ok_or_else(|| MoneyError::OutOfRange(text.to_string()))?;
    Ok(Cents(if neg { -total } else { total }))
}

/// Splits `whole` over `weights` in proportion, largest-remainder method (mapping.md §1).
///
/// Shares are computed on absolute values: a negative whole gives negative shares. When all
/// weights are zero the whole is split as if the weights were equal. When two remainders tie,
/// the earlier weight gets the extra cent (callers order weights by WHMCS item id). The result
/// always sums exactly to `whole`.
pub fn allocate(whole: Cents, weights: &[Cents]) -> Vec<Cents> {
    if weights.is_empty() {
        return Vec::new();
    }
    let total_weight: i128 = weights.iter().map(|w| i128::from(w.0.unsigned_abs())).sum();
    let abs_whole = i128::from(whole.0.unsigned_abs());
    let weights: Vec<i128> = if total_weight == 0 {
        vec![1; weights.len()]
    } else {
        weights
            .iter()
            .map(|w| i128::from(w.0.unsigned_abs()))
            .collect()
    };
    let total_weight: i128 = weights.iter().sum();
    let mut shares: Vec<i128> = Vec::with_capacity(weights.len());
    let mut remainders: Vec<(i128, usize)> = Vec::with_capacity(weights.len());
    for (i, w) in weights.iter().enumerate() {
        let exact = abs_whole * w;
        shares.push(exact / total_weight);
        remainders.push((exact % total_weight, i));
    }
    let mut left = abs_whole - shares.iter().sum::<i128>();
    // Largest remainder first; ties go to the earlier index.
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, i) in &remainders {
        if left == 0 {
            break;
        }
        shares[i] += 1;
        left -= 1;
    }
    let sign = if whole.0 < 0 { -1 } else { 1 };
    shares.into_iter().map(|s| Cents(sign * s as i64)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_whmcs_decimals_exactly() {
        assert_eq!(parse_cents("30.00"), Ok(Cents(3000)));
        assert_eq!(parse_cents("-3.00"), Ok(Cents(-300)));
        assert_eq!(parse_cents("0.1"), Ok(Cents(10)));
        assert_eq!(parse_cents("12"), Ok(Cents(1200)));
        assert_eq!(parse_cents(" 1.500 "), Ok(Cents(150)));
        assert_eq!(parse_cents(".5"), Ok(Cents(50)));
        assert_eq!(parse_cents("0.29"), Ok(Cents(29))); // 0.29 * 100 is 28.999… in floating point
        assert!(matches!(parse_cents("1.005"), Err(MoneyError::SubCent(_))));
        assert!(matches!(parse_cents("abc"), Err(MoneyError::NotANumber(_))));
        assert!(matches!(parse_cents(""), Err(MoneyError::NotANumber(_))));
        assert!(matches!(parse_cents("1e3"), Err(MoneyError::NotANumber(_))));
        assert!(matches!(
            parse_cents("99999999999999999999"),
            Err(MoneyError::OutOfRange(_))
        ));
    }

    #[test]
    fn displays_like_whmcs() {
        assert_eq!(Cents(-300).to_string(), "-3.00");
        assert_eq!(Cents(5).to_string(), "0.05");
    }

    #[test]
    fn allocation_ties_go_to_the_earlier_line() {
        assert_eq!(
            allocate(Cents(1), &[Cents(100), Cents(100)]),
            vec![Cents(1), Cents(0)]
        );
        assert_eq!(
            allocate(Cents(-1), &[Cents(100), Cents(100)]),
            vec![Cents(-1), Cents(0)]
        );
        assert_eq!(allocate(Cents(270), &[Cents(2700)]), vec![Cents(270)]);
        assert_eq!(
            allocate(Cents(10), &[Cents(0), Cents(0)]),
            vec![Cents(5), Cents(5)]
        );
    }

    proptest! {
        #[test]
        fn allocation_sums_to_the_whole(whole in -10_000_000i64..10_000_000, ws in proptest::collection::vec(-1_000_000i64..1_000_000, 1..20)) {
            let weights: Vec<Cents> = ws.into_iter().map(Cents).collect();
            let shares = allocate(Cents(whole), &weights);
            prop_assert_eq!(shares.iter().copied().sum::<Cents>(), Cents(whole));
            prop_assert!(shares.iter().all(|s| s.0 == 0 || s.0.signum() == whole.signum()));
        }

        #[test]
        fn parse_round_trips_display(c in -1_000_000_000i64..1_000_000_000) {
            prop_assert_eq!(parse_cents(&Cents(c).to_string()), Ok(Cents(c)));
        }
    }
}
