//! §0 Identifiers: stable external ids derived only from WHMCS primary keys.
//!
//! ChartMogul's only idempotency key is `external_id` (unique per data source), so a re-run,
//! a crash-restart or a second machine must always produce the same ids.

use crate::whmcs::{Id, Recurring};

pub fn customer(client_id: Id) -> String {
    format!("whmcs-client-{client_id}")
}
pub fn product_plan(product_id: Id, cycle: Recurring) -> String {
    format!("whmcs-product-{product_id}-{}", cycle.slug())
}
/// Ad-hoc addons (addonid 0) share `whmcs-addon-0-{cycle}`.
pub fn addon_plan(addon_id: Id, cycle: Recurring) -> String {
    format!("whmcs-addon-{addon_id}-{}", cycle.slug())
}
/// `tld` without the leading dot.
pub fn domain_plan(tld: &str, years: i64) -> String {
    format!("whmcs-domain-{tld}-{years}y")
}
pub fn service_subscription(service_id: Id) -> String {
    format!("whmcs-service-{service_id}")
}
pub fn addon_subscription(service_addon_id: Id) -> String {
    format!("whmcs-serviceaddon-{service_addon_id}")
}
pub fn domain_subscription(domain_id: Id) -> String {
    format!("whmcs-domain-{domain_id}")
}
pub fn invoice(invoice_id: Id) -> String {
    format!("whmcs-invoice-{invoice_id}")
}
pub fn line_item(item_id: Id) -> String {
    format!("whmcs-item-{item_id}")
}
pub fn transaction(txn_id: Id) -> String {
    format!("whmcs-txn-{txn_id}")
}
pub fn credit_payment(invoice_id: Id) -> String {
    format!("whmcs-credit-{invoice_id}")
}
pub fn mass_pay_share(txn_id: Id, invoice_id: Id) -> String {
    format!("whmcs-txn-{txn_id}-{invoice_id}")
}

/// Parses `whmcs-invoice-{id}` back to the WHMCS id.
pub fn invoice_id_of(external_id: &str) -> Option<Id> {
    external_id.strip_prefix("whmcs-invoice-")?.parse().ok()
}
/// Parses `whmcs-client-{id}` back to the WHMCS id.
pub fn client_id_of(external_id: &str) -> Option<Id> {
    external_id.strip_prefix("whmcs-client-")?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_the_table_of_mapping_section_0() {
        assert_eq!(customer(42), "whmcs-client-42");
        assert_eq!(
            product_plan(7, Recurring::Quarterly),
            "whmcs-product-7-quarterly"
        );
        assert_eq!(addon_plan(3, Recurring::Annually), "whmcs-addon-3-annually");
        assert_eq!(addon_plan(0, Recurring::Monthly), "whmcs-addon-0-monthly");
        assert_eq!(domain_plan("com", 1), "whmcs-domain-com-1y");
        assert_eq!(service_subscription(900), "whmcs-service-900");
        assert_eq!(addon_subscription(55), "whmcs-serviceaddon-55");
        assert_eq!(domain_subscription(12), "whmcs-domain-12");
        assert_eq!(invoice(1001), "whmcs-invoice-1001");
        assert_eq!(line_item(5555), "whmcs-item-5555");
        assert_eq!(transaction(777), "whmcs-txn-777");
        assert_eq!(credit_payment(1001), "whmcs-credit-1001");
        assert_eq!(mass_pay_share(777, 1001), "whmcs-txn-777-1001");
        assert_eq!(invoice_id_of("whmcs-invoice-1001"), Some(1001));
        assert_eq!(client_id_of("whmcs-client-42"), Some(42));
        assert_eq!(client_id_of("whmcs-invoice-42"), None);
    }
}
