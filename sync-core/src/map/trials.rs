//! §6 Trials: which subscriptions started on a free trial, and when the client's trial began.
//!
//! Three signals, each a setting: trial products/addons (by id), trial promotion codes, and a
//! free first period (the service's first invoice is $0 and a later one is paid). A trial's $0
//! lines are not sent as subscription lines (that would be a *free subscription* in ChartMogul);
//! the customer's `free_trial_started_at` carries the trial instead.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};

use crate::whmcs::{ClientBundle, Id, InvoiceStatus};

use super::{MapContext, ids};

/// The trials of one client.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trials {
    /// Subscription external ids that started on a trial.
    pub subscriptions: BTreeSet<String>,
    /// The earliest trial start (the service's `regdate`) among them.
    pub started_at: Option<DateTime<Utc>>,
}

pub fn trials(bundle: &ClientBundle, ctx: &MapContext<'_>) -> Trials {
    let s = ctx.settings;
    let mut out = Trials::default();
    let mut starts: Vec<NaiveDate> = Vec::new();
    for service in &bundle.services {
        let by_product = s.trial_products.contains(&service.packageid);
        let by_promo = service.promoid != 0
            && ctx
                .catalog
                .promotions
                .get(&service.promoid)
                .is_some_and(|p| {
                    s.trial_promotions
                        .iter()
                        .any(|c| c.eq_ignore_ascii_case(p.code.trim()))
                });
        let by_free_first =
            s.detect_free_first_period && free_first_period(bundle, service.id, ctx);
        if by_product || by_promo || by_free_first {
            out.subscriptions
                .insert(ids::service_subscription(service.id));
            starts.extend(service.regdate);
        }
    }
    for addon in &bundle.addons {
        if addon.addonid != 0 && s.trial_addons.contains(&addon.addonid) {
            out.subscriptions.insert(ids::addon_subscription(addon.id));
            starts.extend(addon.regdate);
        }
    }
    out.started_at = starts.into_iter().min().map(|d| ctx.zone.date_to_utc(d));
    out
}

/// The service's first invoice has a gross total of 0 and a later exported invoice for it is
/// paid (gross > 0). Cancelled and draft invoices never count as "the first invoice".
fn free_first_period(bundle: &ClientBundle, service_id: Id, ctx: &MapContext<'_>) -> bool {
    let mut for_service = bundle
        .invoices
        .iter()
        .filter(|i| !matches!(i.status, InvoiceStatus::Cancelled | InvoiceStatus::Draft))
        .filter(|i| {
            i.items
                .iter()
                .any(|it| it.kind == "Hosting" && it.relid == service_id)
        });
    let Some(first) = for_service.next() else {
        return false;
    };
    first.gross().is_zero()
        && for_service
            .any(|i| i.gross().is_positive() && ctx.settings.exports_status(i.status.as_str()))
}
