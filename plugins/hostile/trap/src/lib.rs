//! Hostile plugin: `decide` traps for every client (a Rust panic compiles to `unreachable`).
//! Plans are kept.

wit_bindgen::generate!({ path: "../../../wit", world: "plugin" });

use whmcs_chartmogul::plugin::types::RecordKind;

struct Trap;

impl Guest for Trap {
    fn init(_context: Vec<u8>) -> Result<(), PluginError> {
        Ok(())
    }

    fn decide(record: Envelope) -> Result<Decision, PluginError> {
        match record.kind {
            RecordKind::Plan => Ok(Decision::Keep),
            RecordKind::Client => {
                panic!("hostile-trap: deliberate trap for {}", record.external_id)
            }
        }
    }
}

export!(Trap);
