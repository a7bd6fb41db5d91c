//! Benchmark: native map_client vs the MessagePack component vs the typed-WIT component.
//! Usage: bench [msgpack.wasm] [typed.wasm] (defaults: the guest-profile builds in ../target).

use std::time::Instant;

use sync_core::map::{ClientExport, MapContext, map_client};
use sync_core::plugin::{PluginContext, decode, encode};
use sync_core::whmcs::ClientBundle;
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Config, Engine, Store, StoreLimits, StoreLimitsBuilder};

const FUEL: u64 = 1_000_000_000;
const PASSES: usize = 3;

mod mp {
    wasmtime::component::bindgen!({ path: "../wit", world: "plugin" });
}
mod typed {
    wasmtime::component::bindgen!({ path: "../wit-typed", world: "typed" });
}
mod conv {
    use crate::typed::exp::typed::types as w;
    include!("../../conv.rs");
}

use mp::whmcs_chartmogul::plugin::host::Level;
use mp::whmcs_chartmogul::plugin::types::{Decision, Envelope, RecordKind};

impl mp::whmcs_chartmogul::plugin::types::Host for HostState {}

struct HostState {
    limits: StoreLimits,
}

impl mp::whmcs_chartmogul::plugin::host::Host for HostState {
    fn log(&mut self, _level: Level, _message: String) {}
}

fn new_store(engine: &Engine) -> Store<HostState> {
    let mut store = Store::new(
        engine,
        HostState {
            limits: StoreLimitsBuilder::new()
                .memory_size(256 << 20)
                .trap_on_grow_failure(true)
                .instances(4)
                .build(),
        },
    );
    store.limiter(|s| &mut s.limits);
    store.set_fuel(FUEL).unwrap();
    store
}

/// Strings and lists in a bundle as the canonical ABI sees them (each one is a cabi_realloc
/// call from the host into the guest when lowered; wasmtime skips none that we know of).
fn count_allocs(b: &typed::exp::typed::types::ClientBundle) -> (usize, usize) {
    use typed::exp::typed::types as w;
    let mut s = 9usize; // client strings
    let mut l = 8usize; // top-level lists
    let other = |c: bool| c as usize;
    s += other(matches!(b.client.status, w::ClientStatus::Other(_)));
    for x in &b.services {
        s += other(matches!(x.billingcycle, w::BillingCycle::Unknown(_)))
            + other(matches!(x.status, w::ServiceStatus::Other(_)));
    }
    for x in &b.addons {
        s += 1
            + other(matches!(x.billingcycle, w::BillingCycle::Unknown(_)))
            + other(matches!(x.status, w::ServiceStatus::Other(_)));
    }
    for x in &b.domains {
        s += 2 + other(matches!(x.status, w::DomainStatus::Other(_)));
    }
    for x in &b.invoices {
        s += 1 + other(matches!(x.status, w::InvoiceStatus::Other(_))) + 2 * x.items.len();
        l += 1;
    }
    s += 3 * b.transactions.len();
    for x in &b.cancel_requests {
        s += 1 + other(matches!(x.kind, w::CancelType::Other(_)));
    }
    s += 4 * b.upgrades.len();
    for x in &b.read_errors {
        s += 3 + x.column.is_some() as usize;
    }
    (s, l)
}


type W = typed::exp::typed::types::ClientExport;

struct Typed {
    store: Store<HostState>,
    plug: typed::Typed,
}

impl Typed {
    fn load(engine: &Engine, path: &str, ctx_bytes: &[u8]) -> Typed {
        let mut linker: Linker<HostState> = Linker::new(engine);
        let comp = Component::from_file(engine, path).unwrap();
        linker.define_unknown_imports_as_traps(&comp).unwrap();
        let pre = typed::TypedPre::new(linker.instantiate_pre(&comp).unwrap()).unwrap();
        let mut store = new_store(engine);
        let plug = pre.instantiate(&mut store).unwrap();
        plug.call_init(&mut store, ctx_bytes).unwrap().unwrap();
        Typed { store, plug }
    }
    fn decide_w(&mut self, b: &ClientBundle) -> W {
        self.store.set_fuel(FUEL).unwrap();
        let wb = conv::bundle_to_w(b);
        self.plug.call_decide(&mut self.store, &wb).unwrap().unwrap()
    }
    fn decide(&mut self, b: &ClientBundle) -> ClientExport {
        conv::export_from_w(self.decide_w(b))
    }
    fn sink(&mut self, b: &ClientBundle) -> u32 {
        self.store.set_fuel(FUEL).unwrap();
        let wb = conv::bundle_to_w(b);
        self.plug.call_sink(&mut self.store, &wb).unwrap()
    }
    fn map_only(&mut self, b: &ClientBundle) -> u32 {
        self.store.set_fuel(FUEL).unwrap();
        let wb = conv::bundle_to_w(b);
        self.plug.call_map_only(&mut self.store, &wb).unwrap()
    }
    fn fuel(&mut self) -> u64 {
        FUEL - self.store.get_fuel().unwrap()
    }
}

fn main() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let arg = |i: usize, d: &str| std::env::args().nth(i).unwrap_or(format!("{dir}/guests/{d}"));
    let mp_path = arg(1, "msgpack.wasm");
    let typed_path = arg(2, "typed.wasm");
    let arena_path = arg(3, "typed-arena.wasm");
    let rounds: usize = std::env::var("ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(PASSES);

    let bundles: Vec<ClientBundle> =
        decode(&std::fs::read(format!("{dir}/data/bundles.msgpack")).unwrap()).unwrap();
    let ctx_bytes = std::fs::read(format!("{dir}/data/context.msgpack")).unwrap();
    let pctx: PluginContext = decode(&ctx_bytes).unwrap();
    let now = chrono::DateTime::parse_from_rfc3339(&pctx.now)
        .unwrap()
        .with_timezone(&chrono::Utc);
    let map_ctx = MapContext::new(&pctx.catalog, &pctx.settings, now).unwrap();
    let n = bundles.len();
    println!("clients: {n}");
    let native: Vec<ClientExport> = bundles.iter().map(|b| map_client(b, &map_ctx)).collect();

    let mut config = Config::new();
    config.wasm_component_model(true);
    config.consume_fuel(true);
    let engine = Engine::new(&config).unwrap();

    // MessagePack component
    let mut linker: Linker<HostState> = Linker::new(&engine);
    mp::Plugin::add_to_linker::<HostState, HasSelf<HostState>>(&mut linker, |s| s).unwrap();
    let comp = Component::from_file(&engine, &mp_path).unwrap();
    linker.define_unknown_imports_as_traps(&comp).unwrap();
    let pre = mp::PluginPre::new(linker.instantiate_pre(&comp).unwrap()).unwrap();
    let mut store = new_store(&engine);
    let plugin = pre.instantiate(&mut store).unwrap();
    plugin.call_init(&mut store, &ctx_bytes).unwrap().unwrap();
    let mp_call = |store: &mut Store<HostState>, b: &ClientBundle| -> ClientExport {
        store.set_fuel(FUEL).unwrap();
        let env = Envelope {
            kind: RecordKind::Client,
            external_id: format!("whmcs-client-{}", b.client.id),
            source: encode(b),
            proposed: Vec::new(),
        };
        match plugin.call_decide(&mut *store, &env).unwrap().unwrap() {
            Decision::Replace(bytes) => decode(&bytes).unwrap(),
            _ => panic!("expected replace"),
        }
    };

    let mut ty = Typed::load(&engine, &typed_path, &ctx_bytes);
    let mut ta = Typed::load(&engine, &arena_path, &ctx_bytes);

    // ---------- correctness ----------
    let mut bad = [0usize; 3];
    for (b, want) in bundles.iter().zip(&native) {
        bad[0] += (&mp_call(&mut store, b) != want) as usize;
        let got = ty.decide(b);
        if &got != want {
            bad[1] += 1;
            if bad[1] <= 2 {
                eprintln!("MISMATCH client {}:\n got {got:?}\nwant {want:?}", b.client.id);
            }
        }
        bad[2] += (&ta.decide(b) != want) as usize;
    }
    println!(
        "correctness (ClientExport == native map_client, all {n} clients): msgpack {} mismatches, typed {}, typed-arena {}",
        bad[0], bad[1], bad[2]
    );
    assert_eq!(bad, [0, 0, 0]);

    // PROFILE=sink|decide|arena-decide|msgpack: just loop that call (for `perf record`).
    if let Ok(what) = std::env::var("PROFILE") {
        for _ in 0..60 {
            for b in &bundles {
                match what.as_str() {
                    "sink" => { std::hint::black_box(ty.sink(b)); }
                    "decide" => { std::hint::black_box(ty.decide(b)); }
                    "arena-decide" => { std::hint::black_box(ta.decide(b)); }
                    _ => { std::hint::black_box(mp_call(&mut store, b)); }
                }
            }
        }
        return;
    }

    // ---------- timing: interleaved rounds, best per measurement ----------
    let exports_mp: Vec<Vec<u8>> = native.iter().map(encode).collect();
    let w_exports: Vec<W> = bundles.iter().map(|b| ty.decide_w(b)).collect();
    const NAMES: [&str; 12] = [
        "native", "msgpack", "typed", "typed-arena", "mp-enc", "mp-dec", "conv-in", "sink",
        "map-only", "conv-out", "arena-sink", "arena-map-only",
    ];
    let mut best = [f64::MAX; 12];
    for _ in 0..rounds {
        let mut time = |i: usize, f: &mut dyn FnMut()| {
            let t = Instant::now();
            f();
            best[i] = best[i].min(t.elapsed().as_secs_f64() * 1e6 / n as f64);
        };
        time(0, &mut || for b in &bundles { std::hint::black_box(map_client(b, &map_ctx)); });
        time(1, &mut || for b in &bundles { std::hint::black_box(mp_call(&mut store, b)); });
        time(2, &mut || for b in &bundles { std::hint::black_box(ty.decide(b)); });
        time(3, &mut || for b in &bundles { std::hint::black_box(ta.decide(b)); });
        time(4, &mut || for b in &bundles { std::hint::black_box(encode(b)); });
        time(5, &mut || for e in &exports_mp { std::hint::black_box(decode::<ClientExport>(e).unwrap()); });
        time(6, &mut || for b in &bundles { std::hint::black_box(conv::bundle_to_w(std::hint::black_box(b))); });
        time(7, &mut || for b in &bundles { std::hint::black_box(ty.sink(b)); });
        time(8, &mut || for b in &bundles { std::hint::black_box(ty.map_only(b)); });
        let copies = w_exports.clone();
        let mut copies = Some(copies);
        time(9, &mut || for e in copies.take().unwrap() { std::hint::black_box(conv::export_from_w(e)); });
        time(10, &mut || for b in &bundles { std::hint::black_box(ta.sink(b)); });
        time(11, &mut || for b in &bundles { std::hint::black_box(ta.map_only(b)); });
    }
    // conv-out includes dropping the converted exports' inputs; fine, decide does the same.

    // ---------- fuel and sizes ----------
    let (mut f_ty, mut f_sink, mut f_ta, mut f_mp) = (0u64, 0u64, 0u64, 0u64);
    for b in &bundles {
        ty.decide(b);
        f_ty += ty.fuel();
        ty.sink(b);
        f_sink += ty.fuel();
        ta.decide(b);
        f_ta += ta.fuel();
        mp_call(&mut store, b);
        f_mp += FUEL - store.get_fuel().unwrap();
    }
    let (mut strings, mut lists) = (0, 0);
    for b in &bundles {
        let (s, l) = count_allocs(&conv::bundle_to_w(b));
        strings += s;
        lists += l;
    }
    fn count_json(v: &serde_json::Value, s: &mut usize, l: &mut usize) {
        match v {
            serde_json::Value::String(_) => *s += 1,
            serde_json::Value::Array(a) => {
                *l += 1;
                a.iter().for_each(|x| count_json(x, s, l));
            }
            serde_json::Value::Object(o) => o.values().for_each(|x| count_json(x, s, l)),
            _ => {}
        }
    }
    // Strings/lists in the export (JSON walk of the serde form: skipped empty Options/Vecs and
    // the enum fields (`type`, `rule`, `severity`, serialized as strings) make this approximate).
    let (mut es, mut el) = (0usize, 0usize);
    for e in &native {
        count_json(&serde_json::to_value(e).unwrap(), &mut es, &mut el);
    }
    let bytes_in: usize = bundles.iter().map(|b| encode(b).len()).sum();
    let bytes_out: usize = exports_mp.iter().map(|e| e.len()).sum();

    let t = |name: &str| best[NAMES.iter().position(|x| *x == name).unwrap()];
    let nat = t("native");
    println!();
    println!("µs per client, best of {rounds} interleaved passes over all clients, fuel on ({FUEL} per call)");
    for name in ["native", "msgpack", "typed", "typed-arena"] {
        println!("  {name:<28} {:8.1}   {:.2}x native", t(name), t(name) / nat);
    }
    println!();
    println!("msgpack, host side: encode bundle {:.1}, decode export {:.1}; call (lower 1 list, guest decode+map+encode, lift 1 list) {:.1}",
        t("mp-enc"), t("mp-dec"), t("msgpack") - t("mp-enc") - t("mp-dec"));
    println!("  MessagePack bytes per client: bundle {}, export {}", bytes_in / n, bytes_out / n);
    for (label, total, sink, map_only) in [
        ("typed", t("typed"), t("sink"), t("map-only")),
        ("typed-arena", t("typed-arena"), t("arena-sink"), t("arena-map-only")),
    ] {
        println!("{label} split (total {total:.1}):");
        println!("  host &ClientBundle -> bindgen types                 {:8.1}", t("conv-in"));
        println!("  lower bundle + guest lift + drop  (sink - conv-in)  {:8.1}", sink - t("conv-in"));
        println!("  guest convert + map + convert     (map-only - sink) {:8.1}", map_only - sink);
        println!("  lift export + post-return         (rest)            {:8.1}", total - map_only - t("conv-out"));
        println!("  host bindgen export -> ClientExport                 {:8.1}", t("conv-out"));
    }
    println!("fuel per client: msgpack decide {}, typed decide {}, typed sink {}, typed-arena decide {}",
        f_mp / n as u64, f_ty / n as u64, f_sink / n as u64, f_ta / n as u64);
    println!("bundle per client when lowered: {:.0} strings + {:.0} lists (one cabi_realloc call from host into guest each)",
        strings as f64 / n as f64, lists as f64 / n as f64);
    println!("export per client (approx., serde JSON walk incl. enum tags): {:.0} strings, {:.0} arrays",
        es as f64 / n as f64, el as f64 / n as f64);
}
