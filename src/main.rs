fn main() {
    std::process::exit(archgrid::cli::main());
}
