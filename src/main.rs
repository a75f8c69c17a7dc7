//! The `launchgate` binary: a thin shell over the library.

/// Counts each thread's live bytes, so a policy's rule call has a memory budget.
#[global_allocator]
static ALLOCATOR: launchgate::policy::memory::CountingAllocator =
    launchgate::policy::memory::CountingAllocator;

fn main() {
    std::process::exit(launchgate::cli::main());
}
