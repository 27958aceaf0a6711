//! archgrid reads `--progress=rawjson`, which buildx has only from 0.12 on.

use super::Check;
use crate::docker::engine::buildx_version;

const NAME: &str = "buildx";
const MINIMUM: (u64, u64) = (0, 12);

pub async fn check() -> Check {
    match buildx_version().await {
        Ok(version) => judge(&version),
        Err(e) => Check::fail(
            NAME,
            e,
            "install the docker-buildx plugin, 0.12 or newer (Debian: apt-get install \
             docker-buildx; scripts/lab up does it here)",
        ),
    }
}

fn judge(version: &str) -> Check {
    match major_minor(version) {
        Some(found) if found >= MINIMUM => Check::ok(
            NAME,
            format!("buildx {version} (0.12 or newer reports progress as rawjson)"),
        ),
        Some(_) => Check::fail(
            NAME,
            format!("buildx {version} is older than 0.12, which cannot report --progress=rawjson"),
            "upgrade the docker-buildx plugin to 0.12 or newer",
        ),
        None => Check::warn(
            NAME,
            format!("cannot read the buildx version {version:?}"),
            "check that `docker buildx version` prints a version; archgrid needs 0.12 or newer",
        ),
    }
}

/// `0.13.1+ds1`, `v0.12.0-rc1` → (0, 13), (0, 12).
fn major_minor(version: &str) -> Option<(u64, u64)> {
    let mut parts = version.trim_start_matches('v').split(['.', '+', '-']);
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::Level;

    #[test]
    fn versions_are_compared_by_major_and_minor() {
        assert_eq!(major_minor("0.13.1+ds1"), Some((0, 13)));
        assert_eq!(major_minor("v0.12.0-rc1"), Some((0, 12)));
        assert_eq!(major_minor("1.0"), Some((1, 0)));
        assert_eq!(major_minor("dev"), None);
        assert_eq!(judge("0.13.1+ds1").level, Level::Ok);
        assert_eq!(judge("0.12.0").level, Level::Ok);
        assert_eq!(judge("0.11.2").level, Level::Fail);
        assert_eq!(judge("0.100.0").level, Level::Ok, "not a string comparison");
        assert_eq!(judge("dev").level, Level::Warn);
    }
}
