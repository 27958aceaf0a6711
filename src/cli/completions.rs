//! `archgrid completions SHELL`: the completion script, generated from the same clap definition
//! the binary parses its arguments with, so the two cannot drift apart.

use clap::CommandFactory;
use clap_complete::Shell;

use super::exit::EXIT_GREEN;
use super::Cli;

pub fn print(shell: Shell) -> i32 {
    let mut command = Cli::command();
    let name = command.get_name().to_string();
    clap_complete::generate(shell, &mut command, name, &mut std::io::stdout());
    EXIT_GREEN
}
