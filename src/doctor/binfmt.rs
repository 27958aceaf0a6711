//! The kernel's binfmt_misc handlers: how a machine runs binaries of another architecture,
//! which is what a RUN step of a foreign platform's build does.

use std::path::{Path, PathBuf};

use crate::model::Platform;

pub const BINFMT_DIR: &str = "/proc/sys/fs/binfmt_misc";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handler {
    pub path: PathBuf,
    pub enabled: bool,
    pub interpreter: Option<String>,
    /// The letters after `flags:`; `F` means the interpreter was opened at registration and
    /// works inside containers whose filesystem lacks it.
    pub flags: String,
}

impl Handler {
    pub fn fixes_binary(&self) -> bool {
        self.flags.contains('F')
    }
}

/// The name qemu-user-static, binfmt-support and tonistiigi/binfmt register for a platform.
pub fn qemu_name(platform: &Platform) -> Option<&'static str> {
    let name = match (platform.arch.as_str(), platform.variant.as_deref()) {
        ("arm64" | "aarch64", _) => "qemu-aarch64",
        ("arm", _) => "qemu-arm",
        ("amd64" | "x86_64", _) => "qemu-x86_64",
        ("386" | "i386" | "i686", _) => "qemu-i386",
        ("ppc64le", _) => "qemu-ppc64le",
        ("s390x", _) => "qemu-s390x",
        ("riscv64", _) => "qemu-riscv64",
        ("mips64le", _) => "qemu-mips64el",
        ("mips64", _) => "qemu-mips64",
        ("loong64", _) => "qemu-loongarch64",
        _ => return None,
    };
    Some(name)
}

/// Whether binfmt_misc as a whole is on; `None` when it is not mounted.
pub fn globally_enabled(dir: &Path) -> Option<bool> {
    let text = std::fs::read_to_string(dir.join("status")).ok()?;
    Some(text.trim() == "enabled")
}

/// `Ok(None)` when no handler of that name is registered.
pub fn read(dir: &Path, name: &str) -> Result<Option<Handler>, String> {
    let path = dir.join(name);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    Ok(Some(parse(path, &text)))
}

fn parse(path: PathBuf, text: &str) -> Handler {
    let mut lines = text.lines();
    let enabled = lines.next().is_some_and(|l| l.trim() == "enabled");
    let mut interpreter = None;
    let mut flags = String::new();
    for line in lines {
        if let Some(i) = line.strip_prefix("interpreter ") {
            interpreter = Some(i.trim().to_string());
        } else if let Some(f) = line.strip_prefix("flags:") {
            flags = f.trim().to_string();
        }
    }
    Handler {
        path,
        enabled,
        interpreter,
        flags,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lab_handler_as_the_kernel_prints_it() {
        let text = "enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\nflags: PF\n\
                    offset 0\nmagic 7f454c460201010000000000000000000200b700\n\
                    mask ffffffffffffff00fffffffffffffffffeffffff\n";
        let h = parse("/x/qemu-aarch64".into(), text);
        assert!(h.enabled);
        assert_eq!(
            h.interpreter.as_deref(),
            Some("/usr/libexec/qemu-binfmt/aarch64-binfmt-P")
        );
        assert_eq!(h.flags, "PF");
        assert!(h.fixes_binary());
        assert!(!parse("/x".into(), "disabled\nflags: OC\n").enabled);
    }

    #[test]
    fn handlers_are_read_from_the_directory() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("status"), "enabled\n").unwrap();
        std::fs::write(dir.path().join("qemu-arm"), "disabled\nflags: \n").unwrap();
        assert_eq!(globally_enabled(dir.path()), Some(true));
        assert!(!read(dir.path(), "qemu-arm").unwrap().unwrap().enabled);
        assert_eq!(read(dir.path(), "qemu-riscv64").unwrap(), None);
        assert_eq!(globally_enabled(&dir.path().join("nope")), None);
    }

    #[test]
    fn qemu_names_follow_qemu_not_docker() {
        let name = |p: &str| qemu_name(&p.parse().unwrap());
        assert_eq!(name("linux/arm64"), Some("qemu-aarch64"));
        assert_eq!(name("linux/arm/v7"), Some("qemu-arm"));
        assert_eq!(name("linux/mips64le"), Some("qemu-mips64el"));
        assert_eq!(name("linux/wasm"), None);
    }
}
