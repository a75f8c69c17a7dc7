//! The `launchgate` binary: a thin shell over the library.

fn main() {
    std::process::exit(launchgate::cli::main());
}
