//! The `platform <p>` check with its probe RUN's outcome folded in. Inspection says whether a
//! platform should run (native, a binfmt handler, a node elsewhere); the probe says whether it
//! did. A failed inspection is the more precise account, so it stands as it is; otherwise the
//! probe decides, and a probe that could not attach to the bridge leaves the verdict to the
//! `bridge network` check.

use super::platforms::install_hint;
use super::probe::TIMEOUT;
use super::probe_output::RunResult;
use super::{Check, Level};
use crate::model::{format_duration, Platform};

pub fn with_probe(check: Check, platform: &Platform, builder: &str, result: &RunResult) -> Check {
    let name = check.name.clone();
    let failed = check.level == Level::Fail;
    let note = |text: String| Check {
        why: format!("{}; {text}", check.why),
        ..check.clone()
    };
    match result {
        RunResult::Ran { took } => {
            let proof = format!(
                "a probe build on builder {builder} ran a {platform} binary ({})",
                format_duration(*took)
            );
            if failed {
                Check::warn(
                    name,
                    format!("{proof}, although {}", check.why),
                    check.fix.clone(),
                )
            } else {
                Check::ok(name, format!("{}; {proof}", check.why))
            }
        }
        _ if failed => check,
        RunResult::ExecFormat { line } => Check::fail(
            name,
            format!(
                "a probe build on builder {builder} could not run a {platform} binary ({line}), \
                 although {}",
                check.why
            ),
            format!(
                "register an emulator for {} where builder {builder} runs: {}",
                platform.arch,
                install_hint(platform)
            ),
        ),
        RunResult::Bridge { .. } => note(
            "not proven: the probe's RUN could not attach to the bridge network (see bridge \
             network)"
                .to_string(),
        ),
        RunResult::Failed { sentence } => Check::fail(
            name,
            format!("a probe build for {platform} on builder {builder} failed: {sentence}"),
            "fix what the engine says; the builder check shows the builder's state",
        ),
        RunResult::TimedOut => Check::fail(
            name,
            format!(
                "a probe build for {platform} on builder {builder} did not finish within {}",
                format_duration(TIMEOUT)
            ),
            format!(
                "check that the builder answers: `docker buildx inspect --bootstrap` on builder \
                 {builder}"
            ),
        ),
        RunResult::NoProbe if check.level == Level::Ok => Check::warn(
            name,
            format!(
                "{}; no probe for this architecture, so no RUN was tried",
                check.why
            ),
            format!("build one image for {platform} to be sure it runs"),
        ),
        RunResult::NoProbe => note("no probe for this architecture".to_string()),
        RunResult::NotProbed { why } => note(format!("not probed: {why}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::probe_output::run_result;
    use std::time::Duration;

    fn p() -> Platform {
        "linux/arm64".parse().unwrap()
    }

    fn inspected(level: Level) -> Check {
        Check {
            name: "platform linux/arm64".into(),
            level,
            why: "emulated: binfmt handler qemu-aarch64 is enabled".into(),
            fix: "nothing".into(),
        }
    }

    fn from(sample: &str) -> RunResult {
        run_result(
            false,
            &crate::samples::text(&format!("infra/{sample}")),
            Duration::ZERO,
        )
    }

    #[test]
    fn a_run_proves_the_platform() {
        let ran = RunResult::Ran {
            took: Duration::from_millis(1240),
        };
        let c = with_probe(inspected(Level::Ok), &p(), "default", &ran);
        assert_eq!(c.level, Level::Ok);
        assert_eq!(
            c.why,
            "emulated: binfmt handler qemu-aarch64 is enabled; a probe build on builder \
             default ran a linux/arm64 binary (1.2s)"
        );
        assert_eq!(
            with_probe(inspected(Level::Warn), &p(), "default", &ran).level,
            Level::Ok
        );
    }

    #[test]
    fn exec_format_error_fails_a_platform_inspection_passed() {
        let result = from("probe-exec-format-arm64.plain.err");
        let c = with_probe(inspected(Level::Ok), &p(), "default", &result);
        assert_eq!(c.level, Level::Fail);
        assert!(
            c.why.starts_with(
                "a probe build on builder default could not run a linux/arm64 binary (exec \
                 /probe: exec format error)"
            ),
            "{c:?}"
        );
        assert!(c.fix.contains("qemu-user-static"), "{c:?}");
        assert!(c.fix.contains("--install arm64"), "{c:?}");
    }

    #[test]
    fn a_failed_inspection_stands() {
        let mut check = inspected(Level::Fail);
        check.why = "binfmt handler qemu-aarch64 is registered but disabled".into();
        let result = from("probe-exec-format-arm64.plain.err");
        assert_eq!(with_probe(check.clone(), &p(), "default", &result), check);
    }

    #[test]
    fn a_bridge_failure_is_left_to_the_bridge_check() {
        let result = from("probe-bridge-missing.plain.err");
        let c = with_probe(inspected(Level::Ok), &p(), "default", &result);
        assert_eq!(c.level, Level::Ok);
        assert!(c.why.ends_with("(see bridge network)"), "{c:?}");
    }

    #[test]
    fn without_a_generator_an_ok_becomes_a_warning() {
        let c = with_probe(inspected(Level::Ok), &p(), "default", &RunResult::NoProbe);
        assert_eq!(c.level, Level::Warn);
        assert!(c
            .why
            .ends_with("no probe for this architecture, so no RUN was tried"));
        let c = with_probe(inspected(Level::Ok), &p(), "default", &RunResult::TimedOut);
        assert_eq!(c.level, Level::Fail);
        assert!(c.why.ends_with("did not finish within 15s"), "{c:?}");
    }
}
