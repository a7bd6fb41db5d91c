//! The code lists ChartMogul validates against: ISO 3166-1 alpha-2 country codes and ISO 4217
//! currency codes.
//!
//! Contract: [`is_country`] is true only for the 249 officially **assigned** alpha-2 codes
//! (user-assigned codes such as `XX` or `XK` and reserved ones such as `UK` are rejected);
//! [`is_currency`] is true for the ISO 4217 currencies (active codes plus the few recently
//! withdrawn ones a billing history still contains), never for fund, metal or test codes
//! (`XAU`, `XTS`, `XXX`). Both expect upper case, as the API does.

/// ISO 3166-1 alpha-2, officially assigned codes.
const COUNTRIES: &str = "\
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ \
BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ \
CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ \
DE DJ DK DM DO DZ \
EC EE EG EH ER ES ET \
FI FJ FK FM FO FR \
GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY \
HK HM HN HR HT HU \
ID IE IL IM IN IO IQ IR IS IT \
JE JM JO JP \
KE KG KH KI KM KN KP KR KW KY KZ \
LA LB LC LI LK LR LS LT LU LV LY \
MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ \
NA NC NE NF NG NI NL NO NP NR NU NZ \
OM \
PA PE PF PG PH PK PL PM PN PR PS PT PW PY \
QA \
RE RO RS RU RW \
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ \
TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ \
UA UG UM US UY UZ \
VA VC VE VG VI VN VU \
WF WS \
YE YT \
ZA ZM ZW";

/// ISO 4217 currencies: the active list (2025) plus recently withdrawn codes that still appear
/// in billing histories (HRK, SLL, ZWL, VEF, BYR, LTL, LVL, EEK, MRO, STD, ANG).
const CURRENCIES: &str = "\
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN \
BWP BYN BYR BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD \
EEK EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HRK HTG HUF IDR ILS INR \
IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LTL LVL LYD \
MAD MDL MGA MKD MMK MNT MOP MRO MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR \
PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD \
SSP STD STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS \
VED VEF VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG ZWL";

fn listed(list: &str, code: &str) -> bool {
    code.len() >= 2
        && code.bytes().all(|b| b.is_ascii_uppercase())
        && list.split_ascii_whitespace().any(|c| c == code)
}

/// An assigned ISO 3166-1 alpha-2 code, upper case.
pub fn is_country(code: &str) -> bool {
    code.len() == 2 && listed(COUNTRIES, code)
}

/// An ISO 4217 currency code, upper case.
pub fn is_currency(code: &str) -> bool {
    code.len() == 3 && listed(CURRENCIES, code)
}

/// The sign ChartMogul shows next to an amount (`currency-sign`); the code itself when there
/// is no common symbol.
pub fn currency_sign(code: &str) -> &str {
    match code {
        "USD" | "AUD" | "CAD" | "NZD" | "HKD" | "SGD" | "MXN" => "$",
        "EUR" => "€",
        "GBP" => "£",
        "JPY" | "CNY" => "¥",
        "INR" => "₹",
        "CHF" => "CHF",
        _ => code,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_have_the_expected_sizes() {
        assert_eq!(COUNTRIES.split_ascii_whitespace().count(), 249);
        let mut c: Vec<_> = COUNTRIES.split_ascii_whitespace().collect();
        c.dedup();
        assert_eq!(c.len(), 249);
        let mut cur: Vec<_> = CURRENCIES.split_ascii_whitespace().collect();
        let n = cur.len();
        cur.sort_unstable();
        cur.dedup();
        assert_eq!(cur.len(), n, "duplicate currency code");
    }

    #[test]
    fn assigned_codes_only() {
        assert!(is_country("US") && is_country("DE") && is_country("GB"));
        for bad in ["XX", "XK", "UK", "us", "U", "USA", ""] {
            assert!(!is_country(bad), "{bad}");
        }
        assert!(is_currency("USD") && is_currency("EUR") && is_currency("JPY"));
        for bad in ["XAU", "XTS", "XXX", "usd", "US", "ABC", "EURO"] {
            assert!(!is_currency(bad), "{bad}");
        }
    }
}
