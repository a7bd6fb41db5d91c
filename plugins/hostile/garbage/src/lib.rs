//! Hostile plugin: `decide` answers `replace` with bytes that are not MessagePack of a
//! `ClientExport` for every client: a leading 0xc1 (the one byte MessagePack never uses, so
//! any decoder fails at offset 0) followed by 256 random-looking bytes (xorshift seeded from
//! the external id, so the output is deterministic). Plans are kept.

wit_bindgen::generate!({ path: "../../../wit", world: "plugin" });

use whmcs_chartmogul::plugin::types::RecordKind;

struct Garbage;

impl Guest for Garbage {
    fn init(_context: Vec<u8>) -> Result<(), PluginError> {
        Ok(())
    }

    fn decide(record: Envelope) -> Result<Decision, PluginError> {
        if let RecordKind::Plan = record.kind {
            return Ok(Decision::Keep);
        }
        // FNV-1a of the external id as the seed (never 0).
        let mut x = record
            .external_id
            .bytes()
            .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
            })
            | 1;
        let mut bytes = Vec::with_capacity(257);
        bytes.push(0xc1);
        for _ in 0..256 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            bytes.push((x >> 24) as u8);
        }
        Ok(Decision::Replace(bytes))
    }
}

export!(Garbage);
