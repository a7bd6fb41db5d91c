//! Example plugin: sends the WHMCS company name as a ChartMogul custom attribute.
//!
//! For a client whose `client.companyname` (in the WHMCS bundle, `source`) is not blank, it
//! adds `{type: "String", key: "whmcs_company", value: <company name, trimmed>}` to the
//! proposed customer's `attributes.custom` (creating `attributes` when the customer has none,
//! replacing the value of an existing `whmcs_company` attribute) and answers `replace` with the
//! whole modified export. Blank company names, clients without a customer (not exported) and
//! plans are kept. The context is not used.
//!
//! The proposed export is decoded into `sync_core::map::ClientExport` itself and re-encoded
//! with `sync_core::plugin::encode` (= `rmp_serde::to_vec_named`), so every field the engine
//! sent comes back unchanged. Rebuild the plugin against the engine's `sync-core` when its
//! types change: a field this build does not know would be lost in the round trip. The bundle
//! is read with a partial struct: only `client.companyname`. See docs/plugins.md.

wit_bindgen::generate!({ path: "../../../wit", world: "plugin" });

use serde::Deserialize;
use sync_core::chartmogul::types::CustomAttribute;
use sync_core::map::ClientExport;
use sync_core::plugin::{decode, encode};
use whmcs_chartmogul::plugin::types::RecordKind;

/// The custom attribute's key.
pub const KEY: &str = "whmcs_company";

/// The part of the bundle (`sync_core::whmcs::ClientBundle`) this plugin reads.
#[derive(Deserialize)]
struct Bundle {
    client: Client,
}

#[derive(Deserialize)]
struct Client {
    companyname: String,
}

/// The new export (MessagePack) when the attribute was added or changed, `None` to keep the
/// proposed one. `Err` names the payload that could not be read.
pub fn with_company(source: &[u8], proposed: &[u8]) -> Result<Option<Vec<u8>>, PluginError> {
    let bundle: Bundle = decode(source).map_err(|m| error("bad_source", m))?;
    let company = bundle.client.companyname.trim();
    if company.is_empty() {
        return Ok(None);
    }
    let mut export: ClientExport = decode(proposed).map_err(|m| error("bad_proposed", m))?;
    let Some(customer) = export.customer.as_mut() else {
        return Ok(None);
    };
    let value = serde_json::Value::String(company.to_string());
    let custom = &mut customer
        .attributes
        .get_or_insert_with(Default::default)
        .custom;
    match custom.iter_mut().find(|a| a.key == KEY) {
        Some(a) if a.kind == "String" && a.value == value => return Ok(None),
        Some(a) => {
            a.kind = "String".to_string();
            a.value = value;
        }
        None => custom.push(CustomAttribute {
            kind: "String".to_string(),
            key: KEY.to_string(),
            value,
            source: None,
        }),
    }
    Ok(Some(encode(&export)))
}

fn error(code: &str, message: String) -> PluginError {
    PluginError {
        code: code.to_string(),
        message,
    }
}

struct CompanyAttribute;

impl Guest for CompanyAttribute {
    fn init(_context: Vec<u8>) -> Result<(), PluginError> {
        Ok(())
    }

    fn decide(record: Envelope) -> Result<Decision, PluginError> {
        if let RecordKind::Plan = record.kind {
            return Ok(Decision::Keep);
        }
        Ok(match with_company(&record.source, &record.proposed)? {
            Some(bytes) => Decision::Replace(bytes),
            None => Decision::Keep,
        })
    }
}

export!(CompanyAttribute);

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone, Utc};
    use sync_core::map::{MapContext, map_client};
    use sync_core::whmcs::{
        Catalog, Client as CoreClient, ClientBundle, ClientGroup, ClientStatus, Currency, Invoice,
        InvoiceItem, InvoiceStatus,
    };
    use sync_core::{Cents, Settings};

    fn bundle(company: &str) -> ClientBundle {
        let day = NaiveDate::from_ymd_opt(2024, 1, 10).unwrap();
        ClientBundle {
            client: CoreClient {
                id: 7,
                firstname: "Ada".into(),
                lastname: "Lovelace".into(),
                companyname: company.into(),
                email: "ada@example.com".into(),
                address1: "1 Main St".into(),
                city: "London".into(),
                state: String::new(),
                postcode: "N1".into(),
                country: "GB".into(),
                currency: 1,
                groupid: 2,
                status: ClientStatus::Active,
                datecreated: Some(day),
                updated_at: None,
            },
            services: vec![],
            addons: vec![],
            domains: vec![],
            invoices: vec![Invoice {
                id: 100,
                userid: 7,
                invoicenum: "INV-100".into(),
                date: Some(day),
                duedate: Some(day),
                datepaid: None,
                subtotal: Cents(1000),
                credit: Cents(0),
                tax: Cents(0),
                tax2: Cents(0),
                total: Cents(1000),
                status: InvoiceStatus::Paid,
                updated_at: None,
                items: vec![InvoiceItem {
                    id: 1000,
                    invoiceid: 100,
                    userid: 7,
                    kind: String::new(),
                    relid: 0,
                    description: "Consulting".into(),
                    amount: Cents(1000),
                    taxed: false,
                    duedate: Some(day),
                }],
            }],
            transactions: vec![],
            cancel_requests: vec![],
            upgrades: vec![],
            // Carried into `ClientExport::issues`, so the round trip covers them too.
            read_errors: vec![sync_core::RecordError::warning(
                "tblhosting",
                5,
                Some("regdate"),
                "zero_date",
                "registration date 0000-00-00",
            )],
        }
    }

    /// The export the engine proposes for `bundle`, mapped by sync-core itself.
    fn proposed(bundle: &ClientBundle) -> ClientExport {
        let mut catalog = Catalog::default();
        catalog.currencies.insert(
            1,
            Currency {
                id: 1,
                code: "GBP".into(),
                prefix: "£".into(),
                suffix: String::new(),
                rate: "1.00000".into(),
                default: true,
            },
        );
        catalog.client_groups.insert(
            2,
            ClientGroup {
                id: 2,
                name: "VIP".into(),
            },
        );
        let settings = Settings::default();
        let now = Utc.with_ymd_and_hms(2024, 6, 1, 0, 0, 0).unwrap();
        map_client(bundle, &MapContext::new(&catalog, &settings, now).unwrap())
    }

    #[test]
    fn adds_the_attribute_and_keeps_everything_else() {
        let b = bundle("  Analytical Engines Ltd ");
        let before = proposed(&b);
        assert!(
            before.customer.is_some() && !before.invoices.is_empty() && !before.issues.is_empty(),
            "{before:#?}"
        );
        let out = with_company(&encode(&b), &encode(&before))
            .unwrap()
            .unwrap();
        let after: ClientExport = decode(&out).unwrap();

        let mut expected = before.clone();
        let attrs = expected
            .customer
            .as_mut()
            .unwrap()
            .attributes
            .as_mut()
            .unwrap();
        attrs.custom.push(CustomAttribute {
            kind: "String".into(),
            key: KEY.into(),
            value: serde_json::json!("Analytical Engines Ltd"),
            source: None,
        });
        assert_eq!(after, expected);
        // Applying it again changes nothing.
        assert_eq!(with_company(&encode(&b), &out).unwrap(), None);
    }

    #[test]
    fn untouched_round_trip_is_lossless() {
        let e = proposed(&bundle("X"));
        assert_eq!(decode::<ClientExport>(&encode(&e)).unwrap(), e);
    }

    #[test]
    fn creates_attributes_when_absent() {
        let b = bundle("Acme");
        let mut e = proposed(&b);
        e.customer.as_mut().unwrap().attributes = None;
        let after: ClientExport =
            decode(&with_company(&encode(&b), &encode(&e)).unwrap().unwrap()).unwrap();
        let attrs = after.customer.unwrap().attributes.unwrap();
        assert!(attrs.tags.is_empty());
        assert_eq!(attrs.custom.len(), 1);
        assert_eq!(attrs.custom[0].key, KEY);
        assert_eq!(attrs.custom[0].value, serde_json::json!("Acme"));
    }

    #[test]
    fn keeps_blank_company_and_missing_customer() {
        let b = bundle("   ");
        assert_eq!(
            with_company(&encode(&b), &encode(&proposed(&b))).unwrap(),
            None
        );
        let b = bundle("Acme");
        let mut e = proposed(&b);
        e.customer = None;
        assert_eq!(with_company(&encode(&b), &encode(&e)).unwrap(), None);
    }

    #[test]
    fn bad_payloads_are_plugin_errors() {
        let b = bundle("Acme");
        let err = with_company(b"\xc1", &encode(&proposed(&b))).unwrap_err();
        assert_eq!(err.code, "bad_source");
        let err = with_company(&encode(&b), b"\xc1").unwrap_err();
        assert_eq!(err.code, "bad_proposed");
    }
}
