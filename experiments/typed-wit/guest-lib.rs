//! Typed-WIT variant of the engine's mapping component (experiment; see ../../wit-typed/typed.wit).
//! Same arena allocator and the same init (MessagePack context) as mapping-component.

use std::cell::RefCell;

#[cfg(not(feature = "persist-arena"))]
mod arena;
#[cfg(feature = "persist-arena")]
#[path = "arena_persist.rs"]
mod arena;

#[global_allocator]
static ALLOC: arena::Arena = arena::Arena;

use sync_core::map::{MapContext, map_client};
use sync_core::plugin::{PluginContext, decode};

wit_bindgen::generate!({ path: "../wit-typed", world: "typed" });

mod conv {
    use crate::exp::typed::types as w;
    include!("../../conv.rs");
}


struct Mapping;

thread_local! {
    static CONTEXT: RefCell<Option<(PluginContext, chrono::DateTime<chrono::Utc>)>> = const { RefCell::new(None) };
}

fn run(bundle: ClientBundle) -> Result<sync_core::map::ClientExport, String> {
    CONTEXT.with(|c| {
        let guard = c.borrow();
        let (ctx, now) = guard.as_ref().ok_or("decide called before init")?;
        let bundle = conv::bundle_from_w(bundle);
        let map_ctx =
            MapContext::new(&ctx.catalog, &ctx.settings, *now).map_err(|e| e.to_string())?;
        Ok(map_client(&bundle, &map_ctx))
    })
}

impl Guest for Mapping {
    fn init(context: Vec<u8>) -> Result<(), String> {
        let ctx: PluginContext = decode(&context)?;
        let now = chrono::DateTime::parse_from_rfc3339(&ctx.now)
            .map_err(|e| format!("now {:?}: {e}", ctx.now))?
            .with_timezone(&chrono::Utc);
        CONTEXT.with(|c| *c.borrow_mut() = Some((ctx, now)));
        #[cfg(feature = "persist-arena")]
        arena::enable();
        Ok(())
    }

    fn decide(bundle: ClientBundle) -> Result<ClientExport, String> {
        let _scope = arena::Scope::enter();
        run(bundle).map(conv::export_to_w)
    }

    fn sink(bundle: ClientBundle) -> u32 {
        let _scope = arena::Scope::enter();
        let n = bundle.invoices.len() as u32;
        drop(bundle);
        n
    }

    fn map_only(bundle: ClientBundle) -> u32 {
        let _scope = arena::Scope::enter();
        match run(bundle).map(conv::export_to_w) {
            Ok(e) => e.invoices.len() as u32,
            Err(_) => u32::MAX,
        }
    }
}

export!(Mapping);
