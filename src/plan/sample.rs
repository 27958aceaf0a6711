//! A small plan for unit tests of what reads plans: base on every column, app on every column
//! after base, docs on amd64 only.

use super::{Facts, Plan};
use crate::config::Matrix;

/// `header` is the `[project]` keys after `name`: registry, tag and platforms. The directory
/// holds the one Dockerfile every component builds, and must outlive the plan's use.
pub fn base_app_docs(header: &str) -> (tempfile::TempDir, Plan) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Dockerfile"), "FROM scratch\n").unwrap();
    let text = format!(
        r#"
[project]
name = "p"
{header}

[[component]]
name = "base"
context = "."

[[component]]
name = "app"
context = "."
depends_on = ["base"]

[[component]]
name = "docs"
context = "."
platforms = ["linux/amd64"]
"#
    );
    let matrix = Matrix::from_str(&text, &dir.path().join("matrix.toml")).unwrap();
    let plan = Plan::new(&matrix, &Facts::default());
    (dir, plan)
}
