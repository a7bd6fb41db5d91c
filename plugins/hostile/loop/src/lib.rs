//! Hostile plugin: `decide` spins forever for every client, so only the host's fuel limit
//! ends the call. Plans are kept.

wit_bindgen::generate!({ path: "../../../wit", world: "plugin" });

use std::hint::black_box;
use whmcs_chartmogul::plugin::types::RecordKind;

struct Loop;

impl Guest for Loop {
    fn init(_context: Vec<u8>) -> Result<(), PluginError> {
        Ok(())
    }

    fn decide(record: Envelope) -> Result<Decision, PluginError> {
        if let RecordKind::Plan = record.kind {
            return Ok(Decision::Keep);
        }
        // `black_box` keeps the optimiser from proving anything about the counter.
        let mut i: u64 = 0;
        loop {
            i = black_box(i.wrapping_add(1));
        }
    }
}

export!(Loop);
