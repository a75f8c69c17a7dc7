//! A memory budget for rule calls: the bytes a thread holds, counted by the binary's allocator.
//!
//! Rhai limits each string, array and map, but not how many a script holds at once: sixty
//! recursion levels, each holding a 16 MiB string, took 2 GB. The binary installs
//! [`CountingAllocator`] (a thin wrapper over the system allocator that keeps a per-thread
//! count of live bytes), and the engine stops a rule call whose thread holds more than its
//! budget above what it held when the call started. Where the allocator is not installed (the
//! library used on its own), the count stays zero and the budget never trips.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

thread_local! {
    // A const-initialised `Cell` without a destructor: reading it never allocates, so the
    // allocator can use it.
    static LIVE: Cell<i64> = const { Cell::new(0) };
}

fn add(bytes: i64) {
    // During thread teardown the slot may be gone; counting then does not matter.
    let _ = LIVE.try_with(|live| live.set(live.get().wrapping_add(bytes)));
}

/// Bytes allocated and not yet freed by this thread (frees of memory another thread allocated
/// count here too, so this is an estimate that only errs low).
pub fn live_bytes() -> i64 {
    LIVE.try_with(Cell::get).unwrap_or(0)
}

/// The system allocator, counting live bytes per thread.
pub struct CountingAllocator;

// SAFETY: every call is forwarded unchanged to `System`; the count is bookkeeping only.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        add(layout.size() as i64);
        // SAFETY: the caller's contract is `System`'s.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        add(layout.size() as i64);
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        add(-(layout.size() as i64));
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        add(new_size as i64 - layout.size() as i64);
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}
