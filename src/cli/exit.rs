//! The exit codes a script can trust, the same for the console and the headless commands.

use crate::console::Ending;

pub const EXIT_GREEN: i32 = 0;
/// A cell failed, a check failed, or a publish was refused.
pub const EXIT_FAILED: i32 = 1;
/// The matrix, the command line or the engine is not usable; nothing ran.
pub const EXIT_USAGE: i32 = 2;
pub const EXIT_INTERRUPTED: i32 = 130;

/// How the console ended, as the process's exit code.
pub fn of_console(ending: Ending) -> i32 {
    match ending {
        Ending::AllGreen => EXIT_GREEN,
        Ending::NotAllGreen => EXIT_FAILED,
        Ending::Interrupted => EXIT_INTERRUPTED,
    }
}

/// How a headless build ended.
pub fn of_build(interrupted: bool, all_green: bool) -> i32 {
    if interrupted {
        EXIT_INTERRUPTED
    } else if all_green {
        EXIT_GREEN
    } else {
        EXIT_FAILED
    }
}
