//! Example plugin: drops every client whose WHMCS client group is named "Test".
//!
//! * `init` reads the client groups from the batch context (`catalog.client_groups`, a map
//!   `tblclientgroups.id` → `{id, name}`) and remembers the ids of the groups named `Test`
//!   (case-insensitive, surrounding spaces ignored).
//! * `decide`, for a client, reads `client.groupid` from the WHMCS bundle (`source`); when it
//!   is one of those groups the answer is `drop("client group Test")` and one `info` line is
//!   logged through `host::log`. Every other client, and every plan, is kept.
//!
//! It decodes only the fields it reads, with partial serde structs: MessagePack maps with named
//! fields let a decoder skip everything else, so the plugin does not depend on `sync-core` and
//! does not pay for decoding the client's invoices. See docs/plugins.md.

wit_bindgen::generate!({ path: "../../../wit", world: "plugin" });

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde::Deserialize;
use whmcs_chartmogul::plugin::host::{Level, log};
use whmcs_chartmogul::plugin::types::RecordKind;

/// The reason given with every drop.
pub const REASON: &str = "client group Test";

/// The part of the context (`sync_core::plugin::PluginContext`) this plugin reads.
#[derive(Deserialize)]
struct BatchContext {
    catalog: Catalog,
}

#[derive(Deserialize)]
struct Catalog {
    client_groups: BTreeMap<i64, ClientGroup>,
}

#[derive(Deserialize)]
struct ClientGroup {
    name: String,
}

/// The part of the bundle (`sync_core::whmcs::ClientBundle`) this plugin reads.
#[derive(Deserialize)]
struct Bundle {
    client: Client,
}

#[derive(Deserialize)]
struct Client {
    id: i64,
    /// `tblclientgroups.id`, 0 = no group.
    groupid: i64,
}

/// The "Test" groups of the current batch, id → name as written in WHMCS. `None` before `init`.
static TEST_GROUPS: Mutex<Option<BTreeMap<i64, String>>> = Mutex::new(None);

/// The ids (and names) of the client groups named "Test", from the MessagePack context.
pub fn test_groups(context: &[u8]) -> Result<BTreeMap<i64, String>, String> {
    let ctx: BatchContext =
        rmp_serde::from_slice(context).map_err(|e| format!("cannot read the context: {e}"))?;
    Ok(ctx
        .catalog
        .client_groups
        .into_iter()
        .filter(|(_, g)| g.name.trim().eq_ignore_ascii_case("test"))
        .map(|(id, g)| (id, g.name))
        .collect())
}

/// For a client bundle (MessagePack): `Some((client id, group id))` when the client is in one
/// of `groups` and must be dropped, `None` when it is kept.
pub fn test_client(
    groups: &BTreeMap<i64, String>,
    source: &[u8],
) -> Result<Option<(i64, i64)>, String> {
    let bundle: Bundle =
        rmp_serde::from_slice(source).map_err(|e| format!("cannot read the client bundle: {e}"))?;
    let client = bundle.client;
    Ok(groups
        .contains_key(&client.groupid)
        .then_some((client.id, client.groupid)))
}

fn error(code: &str, message: String) -> PluginError {
    PluginError {
        code: code.to_string(),
        message,
    }
}

struct DropTestClients;

impl Guest for DropTestClients {
    fn init(context: Vec<u8>) -> Result<(), PluginError> {
        let groups = test_groups(&context).map_err(|m| error("bad_context", m))?;
        if groups.is_empty() {
            log(
                Level::Info,
                "no client group named \"Test\": no client will be dropped",
            );
        }
        *TEST_GROUPS.lock().unwrap_or_else(|p| p.into_inner()) = Some(groups);
        Ok(())
    }

    fn decide(record: Envelope) -> Result<Decision, PluginError> {
        if let RecordKind::Plan = record.kind {
            return Ok(Decision::Keep);
        }
        let guard = TEST_GROUPS.lock().unwrap_or_else(|p| p.into_inner());
        let Some(groups) = guard.as_ref() else {
            return Err(error(
                "not_initialised",
                "decide called before init".to_string(),
            ));
        };
        match test_client(groups, &record.source).map_err(|m| error("bad_source", m))? {
            Some((client_id, group_id)) => {
                log(
                    Level::Info,
                    &format!(
                        "dropping WHMCS client {client_id} ({}): client group {:?} (#{group_id})",
                        record.external_id, groups[&group_id]
                    ),
                );
                Ok(Decision::Drop(REASON.to_string()))
            }
            None => Ok(Decision::Keep),
        }
    }
}

export!(DropTestClients);

#[cfg(test)]
mod tests {
    use super::*;
    use sync_core::plugin::{PluginContext, encode};
    use sync_core::whmcs::{Catalog as CoreCatalog, ClientBundle, ClientGroup as CoreGroup};

    pub(crate) fn bundle(id: i64, groupid: i64) -> ClientBundle {
        ClientBundle {
            client: sync_core::whmcs::Client {
                id,
                firstname: "Ada".into(),
                lastname: "Lovelace".into(),
                companyname: String::new(),
                email: "ada@example.com".into(),
                address1: String::new(),
                city: String::new(),
                state: String::new(),
                postcode: String::new(),
                country: "GB".into(),
                currency: 1,
                groupid,
                status: sync_core::whmcs::ClientStatus::Active,
                datecreated: None,
                updated_at: None,
            },
            services: vec![],
            addons: vec![],
            domains: vec![],
            invoices: vec![],
            transactions: vec![],
            cancel_requests: vec![],
            upgrades: vec![],
            read_errors: vec![],
        }
    }

    fn context(groups: &[(i64, &str)]) -> Vec<u8> {
        let mut catalog = CoreCatalog::default();
        for &(id, name) in groups {
            catalog.client_groups.insert(
                id,
                CoreGroup {
                    id,
                    name: name.into(),
                },
            );
        }
        let now = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        encode(&PluginContext::new(&catalog, &Default::default(), now))
    }

    #[test]
    fn finds_test_groups_case_insensitively() {
        let g = test_groups(&context(&[
            (1, "VIP"),
            (2, "test"),
            (3, " TEST "),
            (4, "Testers"),
        ]))
        .unwrap();
        assert_eq!(g.keys().copied().collect::<Vec<_>>(), vec![2, 3]);
        assert!(test_groups(&context(&[])).unwrap().is_empty());
        assert!(test_groups(b"\xc1garbage").is_err());
    }

    #[test]
    fn drops_only_clients_of_a_test_group() {
        let g = test_groups(&context(&[(1, "VIP"), (2, "Test")])).unwrap();
        assert_eq!(
            test_client(&g, &encode(&bundle(42, 2))).unwrap(),
            Some((42, 2))
        );
        assert_eq!(test_client(&g, &encode(&bundle(43, 1))).unwrap(), None);
        assert_eq!(test_client(&g, &encode(&bundle(44, 0))).unwrap(), None);
        assert!(test_client(&g, b"\x93\x01\x02\x03").is_err());
    }
}
