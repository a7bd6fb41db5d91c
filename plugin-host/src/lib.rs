//! **plugin-host** — runs record plugins (WebAssembly components of `wit/plugin.wit`) for the
//! engine, inside the CLI and inside PHP processes.
//!
//! Contract:
//! - Nothing is created before first use: the wasmtime `Engine` is built by [`PluginHost::new`],
//!   which callers invoke lazily in the process that runs plugins (never in a php-fpm master
//!   before it forks). No threads are started (fuel, not epochs; no parallel compilation).
//! - Compiled components are cached on disk as `.cwasm`, keyed by the wasm's hash, the wasmtime
//!   version and the engine settings; a cache file that does not load is recompiled.
//! - Every call runs with a fuel budget and the instance with a memory cap ([`Limits`]); a trap,
//!   exhausted fuel, the memory cap, a plugin error or output that does not decode fails that
//!   record only — by the plugin's [`Policy`] the record is then not sent (fail-closed) or sent
//!   unchanged (fail-open) — and the next record gets a fresh instance.
//! - A plugin built against another interface version is refused at load with a message naming
//!   both versions.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;
use sync_core::chartmogul::types::Plan;
use sync_core::map::ClientExport;
use sync_core::plugin::{self as api, PlanSource, PluginContext, PluginMessage, Verdict};
use sync_core::whmcs::ClientBundle;
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Config, Engine, Store, StoreLimits, StoreLimitsBuilder, Trap};

wasmtime::component::bindgen!({ path: "../wit", world: "plugin" });

use whmcs_chartmogul::plugin::host::Level;
use whmcs_chartmogul::plugin::types::RecordKind;

/// The interface this host provides, as component import names carry it.
const HOST_INTERFACE: &str = "whmcs-chartmogul:plugin/host@1.0.0";
const INTERFACE_PREFIX: &str = "whmcs-chartmogul:plugin/";
const INTERFACE_VERSION: &str = "@1.0.0";

/// Per-call and per-instance limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Fuel for one `init` or `decide` call. 10⁹ units ≈ 50 ms of tight loop on the project's
    /// machine (tech-notes §2.3); mapping one client takes a few hundred thousand.
    pub fuel_per_call: u64,
    /// Linear memory of one instance, in bytes.
    pub memory_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            fuel_per_call: 1_000_000_000,
            memory_bytes: 256 << 20,
        }
    }
}

/// What happens to a record when its plugin fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Policy {
    /// The record is not sent and the failure is logged as an error.
    #[default]
    FailClosed,
    /// The record is sent as it was before this plugin, and the failure logged as a warning.
    FailOpen,
}

/// Why a plugin could not be loaded.
#[derive(Debug)]
pub enum LoadError {
    Io(String),
    /// Not a component of this interface version.
    WrongInterface(String),
    Invalid(String),
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Io(m) | LoadError::WrongInterface(m) | LoadError::Invalid(m) => {
                f.write_str(m)
            }
        }
    }
}

impl std::error::Error for LoadError {}

/// Store data of one plugin instance.
pub struct HostState {
    limits: StoreLimits,
    messages: Vec<(Level, String)>,
}

impl whmcs_chartmogul::plugin::host::Host for HostState {
    fn log(&mut self, level: Level, message: String) {
        // A plugin cannot flood the log: the first 100 lines of a call are kept, 1 KiB each.
        if self.messages.len() < 100 {
            let mut m = message;
            m.truncate(m.floor_char_boundary(1024));
            self.messages.push((level, m));
        }
    }
}

impl whmcs_chartmogul::plugin::types::Host for HostState {}

/// The wasmtime engine and linker, and where compiled components are cached.
pub struct PluginHost {
    engine: Engine,
    linker: Linker<HostState>,
    cache_dir: Option<PathBuf>,
    limits: Limits,
}

impl PluginHost {
    /// A host; `cache_dir` (created if missing) keeps compiled components between processes.
    pub fn new(cache_dir: Option<PathBuf>, limits: Limits) -> Result<PluginHost, LoadError> {
        let mut config = Config::new();
        config.wasm_component_model(true);
        config.consume_fuel(true);
        let engine = Engine::new(&config).map_err(|e| LoadError::Invalid(e.to_string()))?;
        let mut linker = Linker::new(&engine);
        Plugin::add_to_linker::<HostState, HasSelf<HostState>>(&mut linker, |s| s)
            .map_err(|e| LoadError::Invalid(e.to_string()))?;
        Ok(PluginHost {
            engine,
            linker,
            cache_dir,
            limits,
        })
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Loads a plugin from a `.wasm` component file.
    pub fn load_file(&self, path: &Path, policy: Policy) -> Result<LoadedPlugin, LoadError> {
        let bytes = std::fs::read(path)
            .map_err(|e| LoadError::Io(format!("cannot read plugin {}: {e}", path.display())))?;
        let name = path.file_stem().map_or_else(
            || "plugin".to_string(),
            |s| s.to_string_lossy().into_owned(),
        );
        self.load(&name, &bytes, policy)
    }

    /// Loads a plugin from the bytes of a component.
    pub fn load(&self, name: &str, wasm: &[u8], policy: Policy) -> Result<LoadedPlugin, LoadError> {
        let component = self.compile(name, wasm)?;
        check_interface(&self.engine, name, &component)?;
        let mut linker = self.linker.clone();
        // wasm32-wasip2 guests import WASI interfaces they never call: those trap if called.
        linker
            .define_unknown_imports_as_traps(&component)
            .map_err(|e| LoadError::Invalid(format!("plugin {name}: {e}")))?;
        let pre = linker
            .instantiate_pre(&component)
            .map_err(|e| LoadError::Invalid(format!("plugin {name}: {e}")))?;
        let pre = PluginPre::new(pre).map_err(|e| {
            LoadError::WrongInterface(format!(
                "plugin {name} does not export the {} world (init, decide): {e}",
                api::INTERFACE
            ))
        })?;
        Ok(LoadedPlugin {
            name: name.to_string(),
            pre,
            policy,
        })
    }

    fn compile(&self, name: &str, wasm: &[u8]) -> Result<Component, LoadError> {
        let invalid = |e: wasmtime::Error| LoadError::Invalid(format!("plugin {name}: {e:#}"));
        let Some(dir) = &self.cache_dir else {
            return Component::new(&self.engine, wasm).map_err(invalid);
        };
        let path = dir.join(format!("{}.cwasm", self.cache_key(wasm)));
        if path.is_file() {
            // SAFETY: the cache directory holds only files this host wrote (from components it
            // compiled itself), keyed by the engine's compatibility hash; a file that does not
            // load is compiled again.
            if let Ok(c) = unsafe { Component::deserialize_file(&self.engine, &path) } {
                return Ok(c);
            }
        }
        let component = Component::new(&self.engine, wasm).map_err(invalid)?;
        if let Ok(bytes) = component.serialize() {
            let _ = std::fs::create_dir_all(dir);
            let tmp = path.with_extension(format!("tmp{}", std::process::id()));
            if std::fs::write(&tmp, bytes).is_ok() {
                let _ = std::fs::rename(&tmp, &path);
            }
        }
        Ok(component)
    }

    /// Hash of the wasm bytes, the wasmtime version and the engine's settings.
    fn cache_key(&self, wasm: &[u8]) -> String {
        let mut h = DefaultHasher::new();
        wasm.hash(&mut h);
        self.engine.precompile_compatibility_hash().hash(&mut h);
        env!("CARGO_PKG_VERSION").hash(&mut h);
        format!("{:016x}-{}", h.finish(), wasm.len())
    }

    /// Starts a batch: one instance per plugin, `init` called with the context.
    pub fn chain(&self, plugins: Vec<LoadedPlugin>) -> PluginChain<'_> {
        PluginChain {
            host: self,
            plugins: plugins
                .into_iter()
                .map(|p| Running {
                    plugin: p,
                    instance: None,
                })
                .collect(),
            context: Vec::new(),
            messages: Vec::new(),
            stats: Vec::new(),
        }
    }
}

/// Refuses components built for another version of the interface, naming both versions.
fn check_interface(engine: &Engine, name: &str, component: &Component) -> Result<(), LoadError> {
    let ty = component.component_type();
    for (import, _) in ty.imports(engine) {
        if import.starts_with(INTERFACE_PREFIX) && !import.ends_with(INTERFACE_VERSION) {
            return Err(LoadError::WrongInterface(format!(
                "plugin {name} was built for {import}, but this connector provides {HOST_INTERFACE} \
                 ({}); rebuild the plugin against wit/plugin.wit of this version",
                api::INTERFACE
            )));
        }
    }
    let exports: Vec<String> = ty.exports(engine).map(|(n, _)| n.to_string()).collect();
    for needed in ["init", "decide"] {
        if !exports.iter().any(|e| e == needed) {
            return Err(LoadError::WrongInterface(format!(
                "plugin {name} does not export `{needed}` of {} (exports: {})",
                api::INTERFACE,
                exports.join(", ")
            )));
        }
    }
    Ok(())
}

/// A compiled, linked plugin, ready to instantiate.
#[derive(Clone)]
pub struct LoadedPlugin {
    name: String,
    pre: PluginPre<HostState>,
    policy: Policy,
}

impl LoadedPlugin {
    pub fn name(&self) -> &str {
        &self.name
    }
}

struct Instance {
    store: Store<HostState>,
    bindings: Plugin,
}

struct Running {
    plugin: LoadedPlugin,
    /// `None` before `init` and after a failure (the next record gets a fresh instance).
    instance: Option<Instance>,
}

/// Per plugin: records decided, failures, the last failure, and the time spent in its calls.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PluginStats {
    pub plugin: String,
    pub calls: u64,
    pub failures: u64,
    pub last_error: Option<String>,
    /// Wall time of its `decide` calls (payloads copied in and out included), in microseconds:
    /// what the plugin costs a run.
    pub micros: u64,
}

/// The plugins of one run, in order; implements the engine's [`api::Plugins`].
pub struct PluginChain<'h> {
    host: &'h PluginHost,
    plugins: Vec<Running>,
    context: Vec<u8>,
    messages: Vec<PluginMessage>,
    stats: Vec<PluginStats>,
}

/// One record on its way through the chain.
struct Record {
    kind: RecordKind,
    external_id: String,
    /// MessagePack of the WHMCS source.
    source: Vec<u8>,
    /// What the payload is, for the error about a replacement that does not decode.
    what: &'static str,
}

/// Why one call failed, as the log says it.
fn describe(e: &wasmtime::Error, limits: Limits) -> String {
    match e.downcast_ref::<Trap>() {
        Some(Trap::OutOfFuel) => format!(
            "exceeded its CPU budget ({} fuel per call) and was stopped",
            limits.fuel_per_call
        ),
        Some(t) => format!("trapped: {t}"),
        None => {
            let root = e.root_cause().to_string();
            if root.contains("memory") && (root.contains("limit") || root.contains("grow")) {
                format!(
                    "exceeded its memory limit ({} MiB): {root}",
                    limits.memory_bytes >> 20
                )
            } else {
                // E.g. a Rust panic reaching for stderr: WASI imports are traps here.
                format!("trapped: {root}")
            }
        }
    }
}

impl PluginChain<'_> {
    /// Calls and failures per plugin so far.
    pub fn stats(&self) -> &[PluginStats] {
        &self.stats
    }

    fn instance(&mut self, i: usize) -> Result<&mut Instance, String> {
        let limits = self.host.limits;
        let running = &mut self.plugins[i];
        if running.instance.is_none() {
            let state = HostState {
                limits: StoreLimitsBuilder::new()
                    .memory_size(limits.memory_bytes)
                    // Growing past the cap traps (and is reported as the memory limit) instead of
                    // handing the plugin a failed allocation to abort on.
                    .trap_on_grow_failure(true)
                    .instances(4)
                    .build(),
                messages: Vec::new(),
            };
            let mut store = Store::new(&self.host.engine, state);
            store.limiter(|s| &mut s.limits);
            store
                .set_fuel(limits.fuel_per_call)
                .map_err(|e| format!("{e}"))?;
            let bindings = running
                .plugin
                .pre
                .instantiate(&mut store)
                .map_err(|e| describe(&e, limits))?;
            match bindings.call_init(&mut store, &self.context) {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return Err(format!("init refused: {} ({})", e.message, e.code)),
                Err(e) => return Err(format!("init {}", describe(&e, limits))),
            }
            running.instance = Some(Instance { store, bindings });
        }
        Ok(running.instance.as_mut().expect("just set"))
    }

    /// One plugin's decision on one envelope.
    fn decide(&mut self, i: usize, envelope: &Envelope) -> Result<Decision, String> {
        let limits = self.host.limits;
        let started = std::time::Instant::now();
        let result = (|| {
            let instance = self.instance(i)?;
            instance
                .store
                .set_fuel(limits.fuel_per_call)
                .map_err(|e| format!("{e}"))?;
            match instance.bindings.call_decide(&mut instance.store, envelope) {
                Ok(Ok(d)) => Ok(d),
                Ok(Err(e)) => Err(format!("refused the record: {} ({})", e.message, e.code)),
                Err(e) => Err(describe(&e, limits)),
            }
        })();
        self.stat(i).micros += u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        let name = self.plugins[i].plugin.name.clone();
        if let Some(inst) = self.plugins[i].instance.as_mut() {
            for (level, message) in inst.store.data_mut().messages.drain(..) {
                self.messages.push(PluginMessage {
                    plugin: name.clone(),
                    warning: matches!(level, Level::Warn | Level::Error),
                    message,
                });
            }
        }
        if result.is_err() {
            // A trapped or failed instance is not reused.
            self.plugins[i].instance = None;
        }
        result
    }

    /// Runs one record through every plugin in order. The payload travels as MessagePack: a
    /// plugin's replacement is decoded once (to check it and to attribute a bad one to its
    /// plugin) and its bytes go on to the next plugin as they are, so a chain costs one
    /// encode, not one per plugin.
    fn run<T: Serialize + DeserializeOwned>(
        &mut self,
        record: Record,
        proposed: T,
        keep_identity: impl Fn(&mut T, &T) -> bool,
    ) -> Verdict<T> {
        let mut current = proposed;
        let mut current_bytes: Option<Vec<u8>> = None;
        let mut envelope = Envelope {
            kind: record.kind,
            external_id: record.external_id,
            source: record.source,
            proposed: Vec::new(),
        };
        for i in 0..self.plugins.len() {
            envelope.proposed = current_bytes
                .take()
                .unwrap_or_else(|| api::encode(&current));
            let outcome = match self.decide(i, &envelope) {
                Ok(Decision::Keep) => Ok(None),
                Ok(Decision::Replace(bytes)) => api::decode::<T>(&bytes)
                    .map(|r| Some((r, bytes)))
                    .map_err(|e| format!("returned a payload that is not {}: {e}", record.what)),
                Ok(Decision::Drop(reason)) => {
                    self.record_stat(i, None);
                    return Verdict::Drop {
                        plugin: self.plugins[i].plugin.name.clone(),
                        reason,
                    };
                }
                Err(e) => Err(e),
            };
            match outcome {
                Ok(None) => {
                    self.record_stat(i, None);
                    current_bytes = Some(std::mem::take(&mut envelope.proposed));
                }
                Ok(Some((mut r, bytes))) => {
                    self.record_stat(i, None);
                    // A replacement that tried to change the record's identity is put back,
                    // and then its bytes no longer match it.
                    let moved = keep_identity(&mut r, &current);
                    current = r;
                    current_bytes = (!moved).then_some(bytes);
                }
                Err(message) => {
                    self.record_stat(i, Some(&message));
                    let plugin = self.plugins[i].plugin.name.clone();
                    match self.plugins[i].plugin.policy {
                        Policy::FailClosed => return Verdict::Failed { plugin, message },
                        Policy::FailOpen => {
                            self.messages.push(PluginMessage {
                                plugin,
                                warning: true,
                                message: format!("{message}; the record was sent unchanged"),
                            });
                            current_bytes = Some(std::mem::take(&mut envelope.proposed));
                        }
                    }
                }
            }
        }
        Verdict::Send(current)
    }

    fn stat(&mut self, i: usize) -> &mut PluginStats {
        if self.stats.len() <= i {
            self.stats
                .resize(self.plugins.len(), PluginStats::default());
        }
        if self.stats[i].plugin.is_empty() {
            self.stats[i].plugin = self.plugins[i].plugin.name.clone();
        }
        &mut self.stats[i]
    }

    fn record_stat(&mut self, i: usize, error: Option<&str>) {
        let s = self.stat(i);
        s.calls += 1;
        if let Some(e) = error {
            s.failures += 1;
            s.last_error = Some(e.to_string());
        }
    }
}

impl api::Plugins for PluginChain<'_> {
    fn start(&mut self, context: &PluginContext) -> Result<(), String> {
        self.context = api::encode(context);
        for i in 0..self.plugins.len() {
            self.plugins[i].instance = None;
            if let Err(e) = self.instance(i) {
                let name = &self.plugins[i].plugin.name;
                match self.plugins[i].plugin.policy {
                    Policy::FailClosed => return Err(format!("plugin {name} cannot start: {e}")),
                    Policy::FailOpen => self.messages.push(PluginMessage {
                        plugin: name.clone(),
                        warning: true,
                        message: format!("cannot start ({e}); records pass unchanged"),
                    }),
                }
            }
        }
        Ok(())
    }

    fn client(&mut self, bundle: &ClientBundle, proposed: ClientExport) -> Verdict {
        let record = Record {
            kind: RecordKind::Client,
            external_id: sync_core::map::ids::customer(bundle.client.id),
            source: api::encode(bundle),
            what: "a client export",
        };
        // A plugin cannot move a record to another client.
        let keep = |r: &mut ClientExport, was: &ClientExport| {
            std::mem::replace(&mut r.client_id, was.client_id) != was.client_id
        };
        match self.run(record, proposed, keep) {
            Verdict::Send(e) => Verdict::Send(Box::new(e)),
            Verdict::Drop { plugin, reason } => Verdict::Drop { plugin, reason },
            Verdict::Failed { plugin, message } => Verdict::Failed { plugin, message },
        }
    }

    fn plan(&mut self, source: &PlanSource, proposed: Plan) -> Verdict<Plan> {
        let record = Record {
            kind: RecordKind::Plan,
            external_id: proposed.external_id.clone(),
            source: api::encode(source),
            what: "a plan",
        };
        // Nor a plan to another external id.
        self.run(record, proposed, |r, was| {
            std::mem::replace(&mut r.external_id, was.external_id.clone()) != was.external_id
        })
    }

    fn is_empty(&self) -> bool {
        self.plugins.is_empty()
    }

    fn drain_messages(&mut self) -> Vec<PluginMessage> {
        std::mem::take(&mut self.messages)
    }
}
