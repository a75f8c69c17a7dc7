//! The `launchgate` binary: a thin shell over the library.

/// Counts each thread's live bytes, so a policy's rule call has a memory budget.
#[global_allocator]
static ALLOCATOR: launchgate::policy::memory::CountingAllocator =
    launchgate::policy::memory::CountingAllocator;

fn main() {
    one_malloc_arena_per_core();
    std::process::exit(launchgate::cli::main());
}

/// glibc gives threads that allocate at once up to eight heaps ("arenas") per core, and memory
/// freed in one heap is not reused by another. A check runs a dozen short-lived threads
/// (collectors, file readers, rule calls), so the spare heaps held a tenth of its peak memory
/// (100,000-file bench: 244 MB, 223 MB with one heap per core, at least two; same time;
/// docs/benchmarks.md).
/// Set before any thread starts.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn one_malloc_arena_per_core() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let cores = libc::c_int::try_from(cores)
        .unwrap_or(libc::c_int::MAX)
        .max(2);
    // SAFETY: mallopt only sets an allocator parameter; no thread has started yet. A refusal
    // (0) leaves glibc's default, which is only more memory.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, cores);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn one_malloc_arena_per_core() {}
