//! Dependencies a matrix leaves out but its Dockerfiles name: found at plan time, reported with
//! file and line, built green on the lab; refused under strict_deps; a typo in a FROM reported
//! before anything builds.

mod support;

use support::lab::{self, archgrid_env, fixture, fresh_tag};

#[test]
fn edges_the_dockerfiles_name_are_added_and_the_grid_goes_green() {
    lab::ensure();
    let tag = fresh_tag("deps");
    let dir = fixture("deps", &tag);
    let env = [("DEPS_TAG", tag.as_str())];

    let plan = archgrid_env(dir.path(), &["plan"], &env);
    assert_eq!(plan.code, 0, "{}", plan.all());
    for line in [
        "note: worker@linux/arm64: depends on base (worker/Dockerfile:1, FROM base)",
        "note: api@linux/amd64: depends on base (api/Dockerfile:5, FROM ${REGISTRY}/base:${BASE_TAG})",
        "    needs: api (depends_on)",
        "    needs: base (worker/Dockerfile:1, FROM base; not in depends_on: added)",
    ] {
        assert!(plan.stdout.contains(line), "{line:?} missing:\n{}", plan.all());
    }
    let json = archgrid_env(dir.path(), &["plan", "--json"], &env);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).expect("plan --json");
    let cells = doc["cells"].as_array().unwrap();
    let order: Vec<&str> = cells.iter().map(|c| c["id"].as_str().unwrap()).collect();
    let at = |id: &str| order.iter().position(|o| *o == id).unwrap();
    assert!(at("base@linux/arm64") < at("api@linux/arm64"));
    let api = cells.iter().find(|c| c["id"] == "api@linux/arm64").unwrap();
    assert_eq!(api["depends_on"], serde_json::json!(["base@linux/arm64"]));
    assert_eq!(api["edges"][0]["declared"], false);
    assert_eq!(api["edges"][0]["found"][0]["line"], 5);
    let argv: Vec<&str> = api["argv"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    let registry_name = format!(
        "localhost:5000/archgrid-test-deps/base:{tag}=docker-image://localhost:5000/archgrid-test-deps/base:{tag}-arm64"
    );
    assert!(argv.contains(&registry_name.as_str()), "{argv:?}");

    let out = archgrid_env(dir.path(), &["build"], &env);
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(
        out.stderr
            .contains("note: worker@linux/amd64: depends on base (worker/Dockerfile:1, FROM base)"),
        "{}",
        out.all()
    );
    let log = std::fs::read_to_string(dir.path().join(".archgrid/logs/worker-arm64.log")).unwrap();
    assert!(log.contains("base for aarch64"), "{log}");

    // strict_deps: the same edges are errors, at the Dockerfile line, before anything runs.
    let matrix = dir.path().join("matrix.toml");
    let text = std::fs::read_to_string(&matrix).unwrap();
    std::fs::write(
        &matrix,
        text.replace("concurrency = 2", "concurrency = 2\nstrict_deps = true"),
    )
    .unwrap();
    for command in [&["plan"][..], &["build", "--force"][..]] {
        let out = archgrid_env(dir.path(), command, &env);
        assert_eq!(out.code, 2, "{command:?}: {}", out.all());
        assert!(
            out.stderr.contains(
                "worker@linux/amd64: depends on base (worker/Dockerfile:1, FROM base), which depends_on does not list"
            ),
            "{}",
            out.all()
        );
        assert!(out.stderr.contains("hint: add \"base\""), "{}", out.all());
    }
    std::fs::write(&matrix, text).unwrap();

    // A typo names no component and nothing the engine or registry has.
    std::fs::write(
        dir.path().join("worker/Dockerfile"),
        "FROM bsae\nRUN true\n",
    )
    .unwrap();
    let plan = archgrid_env(dir.path(), &["plan"], &env);
    assert_eq!(plan.code, 0, "{}", plan.all());
    assert!(
        plan.stdout.contains(
            "warning: worker@linux/amd64, worker@linux/arm64: FROM bsae (worker/Dockerfile:1) names no component, and neither the engine nor a registry has it"
        ),
        "{}",
        plan.all()
    );
    assert!(
        plan.stdout
            .contains("did you mean \"base\", the component?"),
        "{}",
        plan.all()
    );
    let doctor = archgrid_env(dir.path(), &["doctor", "--json"], &env);
    let doc: serde_json::Value = serde_json::from_str(&doctor.stdout).expect("doctor --json");
    let check = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "base images: bsae")
        .unwrap_or_else(|| panic!("{}", doctor.all()));
    assert_eq!(check["level"], "fail");
}
