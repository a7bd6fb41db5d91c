//! §2 Plans: one plan per (product, recurring cycle) actually used by an exported line.
//!
//! The plan interval is what ChartMogul normalises MRR by (reference §8), so it comes from the
//! cycle, never from a service period. Names use the canonical cycle spelling whatever WHMCS
//! stored, so a renamed product renames its plans (PATCH) instead of creating new ones.

use crate::Settings;
use crate::chartmogul::types::Plan;
use crate::whmcs::{Catalog, Id, Recurring};

use super::ids;

/// The plan of product `product_id` on `cycle`.
pub fn product_plan(
    catalog: &Catalog,
    settings: &Settings,
    product_id: Id,
    cycle: Recurring,
) -> Plan {
    let product = catalog.products.get(&product_id);
    let name = product.map_or_else(
        || format!("Product #{product_id}"),
        |p| p.name.trim().to_string(),
    );
    let group = product
        .and_then(|p| catalog.product_groups.get(&p.gid))
        .map(|g| g.name.trim())
        .filter(|g| !g.is_empty());
    let name = match group {
        Some(g) if settings.plan_name_prefix_group => format!("{g} - {name} ({cycle})"),
        _ => format!("{name} ({cycle})"),
    };
    plan(ids::product_plan(product_id, cycle), name, cycle)
}

/// The plan of addon-catalogue entry `addon_id` on `cycle`; ad-hoc addons (id 0) share
/// "Custom addon ({Cycle})".
pub fn addon_plan(catalog: &Catalog, addon_id: Id, cycle: Recurring) -> Plan {
    let name = if addon_id == 0 {
        format!("Custom addon ({cycle})")
    } else {
        match catalog.addons.get(&addon_id) {
            Some(a) => format!("{} ({cycle})", a.name.trim()),
            None => format!("Addon #{addon_id} ({cycle})"),
        }
    };
    plan(ids::addon_plan(addon_id, cycle), name, cycle)
}

/// The plan of a domain TLD (without the dot) on an N-year registration.
pub fn domain_plan(tld: &str, years: i64) -> Plan {
    let unit = if years == 1 { "Year" } else { "Years" };
    Plan {
        data_source_uuid: String::new(),
        name: format!("Domain .{tld} ({years} {unit})"),
        interval_count: years.max(1) as u32,
        interval_unit: "year".to_string(),
        external_id: ids::domain_plan(tld, years),
    }
}

fn plan(external_id: String, name: String, cycle: Recurring) -> Plan {
    let (count, unit) = cycle.interval();
    Plan {
        data_source_uuid: String::new(),
        name,
        interval_count: count,
        interval_unit: unit.to_string(),
        external_id,
    }
}
