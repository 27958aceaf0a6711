//! `archgrid doctor` with the arm64 emulator switched off. A binary of its own: it holds the
//! lab lock exclusively, so no other lab test in any process builds while arm64 cannot run.

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use support::lab::{self, archgrid, fixture, fresh_tag};

const HANDLER: &str = "/proc/sys/fs/binfmt_misc/qemu-aarch64";

/// Switches a binfmt handler off and back on when dropped, also when the test panics.
struct Disabled(PathBuf);

impl Disabled {
    fn new(path: &Path) -> Disabled {
        std::fs::write(path, "0")
            .unwrap_or_else(|e| panic!("cannot disable {}: {e}", path.display()));
        Disabled(path.to_path_buf())
    }
}

impl Drop for Disabled {
    fn drop(&mut self) {
        if let Err(e) = std::fs::write(&self.0, "1") {
            eprintln!(
                "could not re-enable {}: {e}; `scripts/lab up` enables it",
                self.0.display()
            );
        }
    }
}

fn state(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn doctor_fails_naming_qemu_aarch64_when_its_handler_is_disabled() {
    // Declared before the handler guard, so the handler is back on before the lock is shared.
    let _alone = lab::exclusive_lab(
        Duration::from_secs(30 * 60),
        "switches the arm64 emulator off",
    );
    let handler = Path::new(HANDLER);
    assert_eq!(
        state(handler),
        "enabled",
        "the lab registers and enables it"
    );
    let dir = fixture("demo", &fresh_tag("binfmt"));
    {
        let _off = Disabled::new(handler);
        assert_eq!(state(handler), "disabled");
        let out = archgrid(dir.path(), &["doctor"]);
        assert_eq!(out.code, 1, "{}", out.all());
        let lines: Vec<&str> = out.stdout.lines().collect();
        let at = lines
            .iter()
            .position(|l| *l == "fail platform linux/arm64")
            .unwrap_or_else(|| panic!("no failed arm64 check:\n{}", out.all()));
        assert_eq!(
            lines[at + 1],
            format!(
                "     why: binfmt handler qemu-aarch64 is registered but disabled ({HANDLER} says \
                 disabled), so linux/arm64 binaries cannot run"
            )
        );
        assert_eq!(
            lines[at + 2],
            format!("     do:  enable it: echo 1 > {HANDLER} (as root)")
        );
        assert!(
            out.stdout.contains("ok   platform linux/amd64"),
            "{}",
            out.all()
        );
    }
    assert_eq!(state(handler), "enabled", "restored");
    let out = archgrid(dir.path(), &["doctor"]);
    assert_eq!(out.code, 0, "{}", out.all());
}
