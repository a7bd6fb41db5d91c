//! Hostile plugin: `decide` allocates 1 MiB blocks and touches every 4 KiB of them, keeping
//! all of them, until the allocator fails (the host's memory cap refuses `memory.grow`) and
//! the guest traps. Touching one byte per page, not filling the block, makes the memory cap
//! (not the fuel limit) the one that ends the call. Plans are kept.

wit_bindgen::generate!({ path: "../../../wit", world: "plugin" });

use std::hint::black_box;
use whmcs_chartmogul::plugin::types::RecordKind;

const BLOCK: usize = 1 << 20;
const PAGE: usize = 4096;

struct Memory;

impl Guest for Memory {
    fn init(_context: Vec<u8>) -> Result<(), PluginError> {
        Ok(())
    }

    fn decide(record: Envelope) -> Result<Decision, PluginError> {
        if let RecordKind::Plan = record.kind {
            return Ok(Decision::Keep);
        }
        let mut kept: Vec<Vec<u8>> = Vec::new();
        loop {
            let mut block: Vec<u8> = Vec::with_capacity(BLOCK);
            let p = block.as_mut_ptr();
            for off in (0..BLOCK).step_by(PAGE) {
                // SAFETY: `off < BLOCK` = the capacity just allocated.
                unsafe { p.add(off).write_volatile(1) };
            }
            kept.push(block);
            black_box(&kept);
        }
    }
}

export!(Memory);
