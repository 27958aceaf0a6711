//! Can every project platform run? Natively, through an emulator this machine's kernel has
//! registered, or on a builder node elsewhere that lists it.

use std::collections::BTreeSet;
use std::path::Path;

use super::binfmt::{self, Handler};
use super::{Check, EngineFacts};
use crate::docker::builder_facts::BuilderFacts;
use crate::model::Platform;

pub fn checks(
    platforms: &[Platform],
    engine: Option<&EngineFacts>,
    builders: &[BuilderFacts],
    remote_nodes: &BTreeSet<String>,
    binfmt_dir: &Path,
) -> Vec<Check> {
    let local = engine.map_or_else(
        || crate::docker::engine::endpoint().starts_with("unix://"),
        |e| e.local,
    );
    let machine = match engine.and_then(|e| e.platform.clone()) {
        Some(p) => Some(Machine {
            platform: p,
            whose: "the engine runs on",
        }),
        None => local
            .then(Platform::this_machine)
            .flatten()
            .map(|p| Machine {
                platform: p,
                whose: "this machine is",
            }),
    };
    platforms
        .iter()
        .map(|p| {
            check(
                p,
                machine.as_ref(),
                local,
                builders,
                remote_nodes,
                binfmt_dir,
            )
        })
        .collect()
}

/// The platform builds run on natively, and whose it is, for messages.
struct Machine {
    platform: Platform,
    whose: &'static str,
}

fn check(
    platform: &Platform,
    machine: Option<&Machine>,
    local: bool,
    builders: &[BuilderFacts],
    remote_nodes: &BTreeSet<String>,
    binfmt_dir: &Path,
) -> Check {
    let name = format!("platform {platform}");
    if let Some(m) = machine.filter(|m| platform.runs_natively_on(&m.platform)) {
        return Check::ok(name, format!("native: {} {}", m.whose, m.platform));
    }
    for facts in builders.iter().filter(|f| f.platforms.contains(platform)) {
        let Some(builder) = facts.builder() else {
            continue;
        };
        if let Some(node) = builder
            .nodes
            .iter()
            .find(|n| remote_nodes.contains(&n.name) && n.supports(platform))
        {
            return Check::ok(
                name,
                format!(
                    "built on node {} of builder {} at {}, which lists {platform}",
                    node.name, builder.name, node.endpoint
                ),
            );
        }
    }
    let Some(qemu) = binfmt::qemu_name(platform) else {
        return Check::fail(
            name,
            format!("no emulator is known for {platform} and no builder node elsewhere lists it"),
            format!("route {platform} to a native builder under [platforms.\"{platform}\"]"),
        );
    };
    let install = format!("register it: {}", install_hint(platform));
    if !local {
        return Check::warn(
            name,
            format!(
                "the engine is on another machine, whose emulators cannot be seen from here, and \
                 no builder node elsewhere lists {platform}"
            ),
            format!("make sure the engine's machine has the {qemu} binfmt handler; {install}"),
        );
    }
    let running_on = machine.map_or_else(
        || "this machine".to_string(),
        |m| format!("this {} machine", m.platform),
    );
    match binfmt::globally_enabled(binfmt_dir) {
        None => {
            return Check::fail(
                name,
                format!(
                    "binfmt_misc is not mounted at {}, so {platform} binaries cannot run on \
                     {running_on}",
                    binfmt_dir.display()
                ),
                format!(
                    "mount it (mount -t binfmt_misc binfmt_misc {}), then {install}",
                    binfmt_dir.display()
                ),
            )
        }
        Some(false) => {
            let status = binfmt_dir.join("status");
            return Check::fail(
                name,
                format!(
                    "every binfmt handler is off ({} says disabled), so {qemu} cannot run \
                     {platform} binaries",
                    status.display()
                ),
                format!("echo 1 > {} (as root)", status.display()),
            );
        }
        Some(true) => {}
    }
    match binfmt::read(binfmt_dir, qemu) {
        Err(e) => Check::fail(name, e, install),
        Ok(None) => Check::fail(
            name,
            format!(
                "no binfmt handler {qemu} is registered ({} does not exist), so {platform} \
                 binaries cannot run on {running_on}",
                binfmt_dir.join(qemu).display()
            ),
            install,
        ),
        Ok(Some(handler)) => judge_handler(name, platform, qemu, &handler),
    }
}

fn judge_handler(name: String, platform: &Platform, qemu: &str, handler: &Handler) -> Check {
    let path = handler.path.display();
    let interpreter = handler.interpreter.as_deref().unwrap_or("?");
    if !handler.enabled {
        return Check::fail(
            name,
            format!(
                "binfmt handler {qemu} is registered but disabled ({path} says disabled), so \
                 {platform} binaries cannot run"
            ),
            format!("enable it: echo 1 > {path} (as root)"),
        );
    }
    if !handler.fixes_binary() {
        return Check::warn(
            name,
            format!(
                "binfmt handler {qemu} is enabled but registered without the F flag (flags: \
                 {}), so the kernel looks for {interpreter} inside each build container, where \
                 it is missing",
                handler.flags
            ),
            format!(
                "re-register it with the F flag: docker run --privileged --rm tonistiigi/binfmt \
                 --uninstall {qemu} && docker run --privileged --rm tonistiigi/binfmt --install \
                 {}",
                platform.arch
            ),
        );
    }
    Check::ok(
        name,
        format!(
            "emulated: binfmt handler {qemu} is enabled ({path}, interpreter {interpreter}, \
             flags {})",
            handler.flags
        ),
    )
}

/// How to register an emulator for `platform`'s architecture.
pub fn install_hint(platform: &Platform) -> String {
    format!(
        "apt-get install qemu-user-static binfmt-support, or docker run --privileged --rm \
         tonistiigi/binfmt --install {}",
        platform.arch
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::Level;

    fn p(s: &str) -> Platform {
        s.parse().unwrap()
    }

    fn lab_dir(qemu_aarch64: Option<&str>) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("status"), "enabled\n").unwrap();
        if let Some(state) = qemu_aarch64 {
            std::fs::write(
                dir.path().join("qemu-aarch64"),
                format!(
                    "{state}\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\nflags: PF\n"
                ),
            )
            .unwrap();
        }
        dir
    }

    fn run(platform: &str, dir: &Path) -> Check {
        let machine = Machine {
            platform: p("linux/amd64"),
            whose: "the engine runs on",
        };
        check(
            &p(platform),
            Some(&machine),
            true,
            &[],
            &BTreeSet::new(),
            dir,
        )
    }

    #[test]
    fn native_platforms_need_no_emulator() {
        let dir = lab_dir(None);
        for platform in ["linux/amd64", "linux/amd64/v2", "linux/386"] {
            let c = run(platform, dir.path());
            assert_eq!(c.level, Level::Ok, "{platform}: {c:?}");
            assert!(c.why.starts_with("native"), "{c:?}");
        }
    }

    #[test]
    fn an_enabled_handler_emulates() {
        let dir = lab_dir(Some("enabled"));
        let c = run("linux/arm64", dir.path());
        assert_eq!(c.level, Level::Ok, "{c:?}");
        assert!(c.why.contains("qemu-aarch64 is enabled"), "{c:?}");
    }

    #[test]
    fn a_disabled_handler_fails_naming_its_file() {
        let dir = lab_dir(Some("disabled"));
        let c = run("linux/arm64", dir.path());
        assert_eq!(c.level, Level::Fail);
        let file = dir.path().join("qemu-aarch64");
        assert!(
            c.why.contains(&format!("{} says disabled", file.display())),
            "{c:?}"
        );
        assert_eq!(
            c.fix,
            format!("enable it: echo 1 > {} (as root)", file.display())
        );
    }

    #[test]
    fn a_missing_handler_fails_with_how_to_register_it() {
        let dir = lab_dir(None);
        let c = run("linux/arm/v7", dir.path());
        assert_eq!(c.level, Level::Fail);
        assert!(
            c.why.contains("no binfmt handler qemu-arm is registered"),
            "{c:?}"
        );
        assert!(c.fix.contains("tonistiigi/binfmt --install arm"), "{c:?}");
    }

    #[test]
    fn a_handler_without_the_fix_binary_flag_warns() {
        let dir = lab_dir(None);
        std::fs::write(
            dir.path().join("qemu-aarch64"),
            "enabled\ninterpreter /usr/bin/qemu-aarch64-static\nflags: OC\n",
        )
        .unwrap();
        let c = run("linux/arm64", dir.path());
        assert_eq!(c.level, Level::Warn, "{c:?}");
        assert!(c.why.contains("without the F flag"), "{c:?}");
    }

    #[test]
    fn all_handlers_off_fails_naming_the_status_file() {
        let dir = lab_dir(Some("enabled"));
        std::fs::write(dir.path().join("status"), "disabled\n").unwrap();
        let c = run("linux/arm64", dir.path());
        assert_eq!(c.level, Level::Fail);
        assert!(c.fix.contains("status"), "{c:?}");
    }
}
