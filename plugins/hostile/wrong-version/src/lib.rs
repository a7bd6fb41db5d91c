//! Hostile plugin: built against `wit/plugin.wit` in this crate, a copy of the real WIT with
//! the package version changed to `@2.0.0`. Its imports (`whmcs-chartmogul:plugin/host@2.0.0`,
//! `.../types@2.0.0`) do not match what a 1.0.0 host links, so instantiation must fail.
//! Otherwise it behaves well: `init` logs one line (which keeps the `host@2.0.0` import in the
//! component) and `decide` keeps everything.

wit_bindgen::generate!({ path: "wit", world: "plugin" });

use whmcs_chartmogul::plugin::host::{Level, log};

struct WrongVersion;

impl Guest for WrongVersion {
    fn init(_context: Vec<u8>) -> Result<(), PluginError> {
        log(
            Level::Info,
            "hostile-wrong-version: init (built against plugin@2.0.0)",
        );
        Ok(())
    }

    fn decide(_record: Envelope) -> Result<Decision, PluginError> {
        Ok(Decision::Keep)
    }
}

export!(WrongVersion);
