use std::process::ExitCode;

fn main() -> color_eyre::Result<ExitCode> {
    // Panics get color-eyre's report; the console's own hook restores the terminal first.
    color_eyre::install()?;
    Ok(ExitCode::from(archgrid::cli::main()))
}
