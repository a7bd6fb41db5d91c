//! The engine's own mapping as a component of the plugin world (`wit/plugin.wit`), built for
//! `wasm32-wasip2` by the root `build.rs`.
//!
//! Contract: `init` takes the batch context (catalogue, settings, now); `decide` on a `client`
//! record maps the WHMCS bundle in `source` exactly as the native engine does
//! (`sync_core::map::map_client`) and answers `replace` with that export — so the default
//! mapping is itself a plugin, and a differential test holds its payloads byte-identical to
//! the native ones. Plans are kept as proposed.

use std::cell::RefCell;

mod arena;

#[global_allocator]
static ALLOC: arena::Arena = arena::Arena;

use sync_core::map::{MapContext, map_client};
use sync_core::plugin::{PluginContext, decode, encode};
use sync_core::whmcs::ClientBundle;

wit_bindgen::generate!({ path: "../wit", world: "plugin" });

use whmcs_chartmogul::plugin::types::RecordKind;

struct Mapping;

thread_local! {
    static CONTEXT: RefCell<Option<(PluginContext, chrono::DateTime<chrono::Utc>)>> = const { RefCell::new(None) };
}

fn error(code: &str, message: impl Into<String>) -> PluginError {
    PluginError {
        code: code.to_string(),
        message: message.into(),
    }
}

impl Guest for Mapping {
    fn init(context: Vec<u8>) -> Result<(), PluginError> {
        let ctx: PluginContext = decode(&context).map_err(|e| error("bad-context", e))?;
        let now = chrono::DateTime::parse_from_rfc3339(&ctx.now)
            .map_err(|e| error("bad-context", format!("now {:?}: {e}", ctx.now)))?
            .with_timezone(&chrono::Utc);
        CONTEXT.with(|c| *c.borrow_mut() = Some((ctx, now)));
        Ok(())
    }

    fn decide(record: Envelope) -> Result<Decision, PluginError> {
        let _scope = arena::Scope::enter();
        match record.kind {
            RecordKind::Plan => Ok(Decision::Keep),
            RecordKind::Client => CONTEXT.with(|c| {
                let guard = c.borrow();
                let (ctx, now) = guard
                    .as_ref()
                    .ok_or_else(|| error("no-context", "decide called before init"))?;
                let bundle: ClientBundle =
                    decode(&record.source).map_err(|e| error("bad-source", e))?;
                let map_ctx = MapContext::new(&ctx.catalog, &ctx.settings, *now)
                    .map_err(|e| error("bad-settings", e.to_string()))?;
                Ok(Decision::Replace(encode(&map_client(&bundle, &map_ctx))))
            }),
        }
    }
}

export!(Mapping);
