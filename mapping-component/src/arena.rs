//! A per-call arena allocator for the mapping component.
//!
//! Contract: while [`Scope`] is alive (one `decide` call), allocations are bump-allocated from
//! one region and freeing them costs nothing; the next call's scope starts the region over.
//! Outside a scope (`init`, the host lowering arguments through `cabi_realloc`) and when the
//! region is full, allocations go to the system allocator, and whatever came from there is
//! freed there. Why: decoding a client's bundle and mapping it allocate thousands of small
//! strings that all die when the call returns, and dlmalloc's bookkeeping for them was a
//! fifth of the component's time (docs/performance.md, "Plugins").
//!
//! What a call allocates must not outlive it, except the returned payload, which the host
//! copies out before the next call. Nothing in the mapping caches allocations in statics
//! (the differential test in `tests/plugins.rs` would see the corruption if it did).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// First region size; it doubles (up to [`MAX`]) after a call that did not fit.
const FIRST: usize = 4 << 20;
const MAX: usize = 64 << 20;

struct State {
    active: Cell<bool>,
    start: Cell<usize>,
    end: Cell<usize>,
    next: Cell<usize>,
    /// The newest allocation, which can grow in place or be given back.
    last: Cell<usize>,
    /// The region was too small during the last scope.
    overflowed: Cell<bool>,
}

// SAFETY: wasm32-wasip2 components run single-threaded; nothing here is shared across threads.
unsafe impl Sync for State {}

static STATE: State = State {
    active: Cell::new(false),
    start: Cell::new(0),
    end: Cell::new(0),
    next: Cell::new(0),
    last: Cell::new(0),
    overflowed: Cell::new(false),
};

pub struct Arena;

fn in_region(p: *mut u8) -> bool {
    let a = p as usize;
    a >= STATE.start.get() && a < STATE.end.get()
}

impl Arena {
    fn bump(layout: Layout) -> Option<*mut u8> {
        if !STATE.active.get() {
            return None;
        }
        let p = STATE.next.get().checked_add(layout.align() - 1)? & !(layout.align() - 1);
        let end = p.checked_add(layout.size())?;
        if end > STATE.end.get() {
            STATE.overflowed.set(true);
            return None;
        }
        STATE.next.set(end);
        STATE.last.set(p);
        Some(p as *mut u8)
    }
}

unsafe impl GlobalAlloc for Arena {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match Arena::bump(layout) {
            Some(p) => p,
            // SAFETY: the caller's layout contract is passed on unchanged.
            None => unsafe { System.alloc(layout) },
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if in_region(ptr) {
            if STATE.active.get() && ptr as usize == STATE.last.get() {
                STATE.next.set(ptr as usize);
            }
            return;
        }
        // SAFETY: `ptr` came from `System` with this layout (it is not in the region).
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if !in_region(ptr) {
            // SAFETY: as in `dealloc`; the caller guarantees `new_size` is valid.
            return unsafe { System.realloc(ptr, layout, new_size) };
        }
        let p = ptr as usize;
        if STATE.active.get() && p == STATE.last.get() && p + new_size <= STATE.end.get() {
            STATE.next.set(p + new_size);
            return ptr;
        }
        if new_size <= layout.size() {
            return ptr;
        }
        // SAFETY: the alignment is the old layout's; `new_size` is non-zero (it is larger).
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        // SAFETY: a fresh block of `new_size` ≥ the old size bytes; the two do not overlap.
        unsafe {
            let q = self.alloc(new_layout);
            if !q.is_null() {
                std::ptr::copy_nonoverlapping(ptr, q, layout.size());
            }
            q
        }
    }
}

/// One call's arena: everything allocated while it lives is released at once.
pub struct Scope(());

impl Scope {
    pub fn enter() -> Scope {
        let size = STATE.end.get() - STATE.start.get();
        if size == 0 || (STATE.overflowed.get() && size < MAX) {
            let want = if size == 0 { FIRST } else { size * 2 };
            // SAFETY: a non-zero size with byte alignment.
            let layout = unsafe { Layout::from_size_align_unchecked(want, 16) };
            // SAFETY: a valid layout; a null result just leaves the old region in place.
            let p = unsafe { System.alloc(layout) };
            if !p.is_null() {
                if size != 0 {
                    // SAFETY: the old region came from `System` with this layout, and nothing in
                    // it is alive between calls.
                    unsafe {
                        System.dealloc(
                            STATE.start.get() as *mut u8,
                            Layout::from_size_align_unchecked(size, 16),
                        )
                    };
                }
                STATE.start.set(p as usize);
                STATE.end.set(p as usize + want);
            }
        }
        STATE.next.set(STATE.start.get());
        STATE.last.set(0);
        STATE.overflowed.set(false);
        STATE.active.set(STATE.end.get() > STATE.start.get());
        Scope(())
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        STATE.active.set(false);
    }
}
