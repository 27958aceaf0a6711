//! Free space where the engine keeps images and build cache: a full disk fails builds late,
//! in whichever cells happen to be writing.

use std::path::Path;

use super::{Check, EngineFacts};

const NAME: &str = "disk";
const GIB: u64 = 1 << 30;
const LOW: u64 = 10 * GIB;

pub fn check(engine: Option<&EngineFacts>) -> Check {
    let Some(engine) = engine else {
        return Check::warn(
            NAME,
            "not checked: the Docker engine does not answer",
            "fix the engine check above first",
        );
    };
    let Some(root) = engine.root_dir.as_deref() else {
        return Check::warn(
            NAME,
            "the engine did not say where it keeps its data (DockerRootDir)",
            "check free space with `docker system df` and df on the engine's data root",
        );
    };
    if !engine.local {
        return Check::warn(
            NAME,
            format!(
                "the engine at {} is on another machine, so free space under {root} cannot be \
                 measured from here",
                engine.endpoint
            ),
            format!("check free space under {root} on that machine"),
        );
    }
    match free_bytes(Path::new(root)) {
        Err(e) => Check::warn(
            NAME,
            format!("cannot measure free space under {root} (DockerRootDir): {e}"),
            format!("check it with df {root}"),
        ),
        Ok(free) => judge(root, free),
    }
}

fn judge(root: &str, free: u64) -> Check {
    let shown = format!("{:.1} GiB", free as f64 / GIB as f64);
    if free < LOW {
        Check::warn(
            NAME,
            format!("only {shown} free under {root} (DockerRootDir), less than 10 GiB"),
            "free space: docker builder prune and docker image prune remove unused cache and images",
        )
    } else {
        Check::ok(NAME, format!("{shown} free under {root} (DockerRootDir)"))
    }
}

/// Space an unprivileged writer may use, as df reports it.
fn free_bytes(path: &Path) -> Result<u64, String> {
    let stat = rustix::fs::statvfs(path).map_err(|e| std::io::Error::from(e).to_string())?;
    Ok(stat.f_bavail * stat.f_frsize)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::Level;

    #[test]
    fn free_space_of_a_real_filesystem() {
        assert!(free_bytes(Path::new("/")).unwrap() > 0);
        assert!(free_bytes(Path::new("/no/such/dir")).is_err());
    }

    #[test]
    fn under_ten_gib_warns() {
        assert_eq!(judge("/var/lib/docker", 9 * GIB).level, Level::Warn);
        let c = judge("/var/lib/docker", 73 * GIB + GIB / 2);
        assert_eq!(c.level, Level::Ok);
        assert_eq!(c.why, "73.5 GiB free under /var/lib/docker (DockerRootDir)");
    }
}
