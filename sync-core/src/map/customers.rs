//! §3 Customers: one ChartMogul customer per exported WHMCS client.
//!
//! Empty strings are "not set" and left out. The country is sent only when it is an
//! *assigned* ISO-3166-1 alpha-2 code (ChartMogul rejects well-formed but unassigned ones such
//! as `XX`); a US state becomes its ISO-3166-2 form `US-XX`.

use chrono::{DateTime, Utc};

use crate::chartmogul::types::{Attributes, CustomAttribute, Customer};
use crate::dates::iso;
use crate::error::RecordError;
use crate::whmcs::{Client, ClientStatus};

use super::{MapContext, ids};

const T: &str = "tblclients";

/// Builds the customer of `client`. `trial_start` is the earliest trial start among its
/// services (§6). Problems (bad country, no email, no creation date) are pushed to `issues`.
pub fn customer(
    client: &Client,
    trial_start: Option<DateTime<Utc>>,
    ctx: &MapContext<'_>,
    issues: &mut Vec<RecordError>,
) -> Customer {
    let company = set(&client.companyname);
    let person = set(&format!(
        "{} {}",
        client.firstname.trim(),
        client.lastname.trim()
    ));
    let name = company.clone().or(person);

    let email = set(&client.email);
    if email.is_none() {
        issues.push(RecordError::warning(
            T,
            client.id,
            Some("email"),
            "missing_email",
            "client has no email address; customer sent without one",
        ));
    }

    let country = set(&client.country).map(|c| c.to_ascii_uppercase());
    let country = match country {
        Some(c) if is_assigned_country(&c) => Some(c),
        Some(c) => {
            issues.push(RecordError::warning(
                T,
                client.id,
                Some("country"),
                "invalid_country",
                format!("country {c:?} is not an assigned ISO-3166-1 alpha-2 code; sent without a country"),
            ));
            None
        }
        None => None,
    };
    let state = set(&client.state).map(|s| match country.as_deref() {
        Some("US") if s.len() == 2 && s.chars().all(|c| c.is_ascii_alphabetic()) => {
            format!("US-{}", s.to_ascii_uppercase())
        }
        _ => s,
    });

    let lead_created_at = match client.datecreated {
        Some(d) => {
            let t = ctx.zone.date_to_utc(d);
            // ChartMogul rejects a future lead date; it waits for the first sync after it.
            (t <= ctx.now).then(|| iso(t))
        }
        None => {
            issues.push(RecordError::warning(
                T,
                client.id,
                Some("datecreated"),
                "missing_lead_date",
                "client has no creation date (0000-00-00); customer sent without lead_created_at",
            ));
            None
        }
    };

    let mut custom = vec![CustomAttribute {
        kind: "Integer".to_string(),
        key: "whmcs_client_id".to_string(),
        value: serde_json::Value::from(client.id),
        source: None,
    }];
    if let Some(group) = ctx
        .catalog
        .client_groups
        .get(&client.groupid)
        .and_then(|g| set(&g.name))
    {
        custom.push(CustomAttribute {
            kind: "String".to_string(),
            key: "whmcs_client_group".to_string(),
            value: serde_json::Value::from(group),
            source: None,
        });
    }
    let status = match &client.status {
        ClientStatus::Other(s) if s.trim().is_empty() => None,
        s => Some(s.as_str().to_string()),
    };
    if let Some(status) = status {
        custom.push(CustomAttribute {
            kind: "String".to_string(),
            key: "whmcs_status".to_string(),
            value: serde_json::Value::from(status),
            source: None,
        });
    }

    Customer {
        data_source_uuid: String::new(),
        external_id: ids::customer(client.id),
        name,
        email,
        company,
        country,
        state,
        city: set(&client.city),
        zip: set(&client.postcode),
        lead_created_at,
        free_trial_started_at: trial_start.filter(|t| *t <= ctx.now).map(iso),
        attributes: Some(Attributes {
            tags: vec!["whmcs".to_string()],
            custom,
        }),
    }
}

/// Trimmed text, or `None` when empty or whitespace only (mapping.md §1).
pub(crate) fn set(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// Whether `code` (upper case) is an assigned ISO-3166-1 alpha-2 code.
pub fn is_assigned_country(code: &str) -> bool {
    code.len() == 2 && ASSIGNED_ALPHA2.split(' ').any(|c| c == code)
}

/// The 249 officially assigned ISO-3166-1 alpha-2 codes.
const ASSIGNED_ALPHA2: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ \
CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR \
GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP \
KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ \
NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW \
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ \
UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_assigned_country_list_is_complete_and_excludes_user_assigned_codes() {
        assert_eq!(ASSIGNED_ALPHA2.split(' ').count(), 249);
        for c in ["US", "DE", "GB", "SS", "BQ", "AX"] {
            assert!(is_assigned_country(c), "{c}");
        }
        for c in ["XX", "UK", "EU", "ZZ", "us", "USA", ""] {
            assert!(!is_assigned_country(c), "{c}");
        }
    }
}
