//! `archgrid build` against the real lab engine and registry.

mod support;

use std::collections::BTreeSet;
use std::path::Path;

use archgrid::build::state::StateFile;
use archgrid::model::{FailureClass, Outcome, RecordedStatus};
use support::fault_proxy::{Fault, FaultProxy};
use support::lab::{self, archgrid, docker, fixture, fresh_tag};

fn state(dir: &std::path::Path) -> StateFile {
    assert!(
        dir.join(".archgrid/state.json").is_file(),
        "the run wrote no state.json"
    );
    support::state::read(dir)
}

/// Gives the demo copy in `dir` its own copy of `component`'s build context, so a test can change
/// files inside that context; the demo's other contexts stay in the repository.
fn own_context(dir: &Path, component: &str) {
    let src = lab::repo().join("assets/demo").join(component);
    lab::copy_dir(&src, &dir.join(component));
    let matrix = dir.join("matrix.toml");
    let text = std::fs::read_to_string(&matrix).unwrap();
    let from = format!("context = \"{}\"\n", src.display());
    assert!(text.contains(&from), "no {from:?} in\n{text}");
    let text = text.replace(&from, &format!("context = \"{component}\"\n"));
    std::fs::write(&matrix, text).unwrap();
}

/// The cells (`component platform`) that a headless run reported with a status line starting
/// with `what`.
fn cells_that(out: &lab::Output, what: &str) -> BTreeSet<String> {
    out.stdout
        .lines()
        .filter_map(|l| l.strip_prefix('[')?.split_once("] "))
        .filter(|(_, rest)| rest.starts_with(what))
        .map(|(cell, _)| cell.to_string())
        .collect()
}

fn cells(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// Attempts recorded for every cell in state.json, by cell id.
fn attempt_counts(dir: &Path) -> Vec<(String, usize)> {
    state(dir)
        .cells
        .iter()
        .map(|(id, rec)| (id.clone(), rec.attempts.len()))
        .collect()
}

/// The architecture in the config of a pushed image.
fn image_arch(image: &str) -> String {
    let out = docker(&[
        "buildx",
        "imagetools",
        "inspect",
        image,
        "--format",
        "{{json .Image}}",
    ]);
    assert_eq!(out.code, 0, "{}", out.all());
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    v["architecture"].as_str().unwrap_or_default().to_string()
}

/// The filesystem of a pushed image, exported to `DIR/out` by a build that starts from it.
fn image_files(image: &str, platform: &str) -> tempfile::TempDir {
    let export = tempfile::tempdir().unwrap();
    let df = export.path().join("Dockerfile");
    std::fs::write(&df, "FROM img\n").unwrap();
    let ctx = format!("img=docker-image://{image}");
    let dest = format!("type=local,dest={}", export.path().join("out").display());
    let got = docker(&[
        "buildx",
        "build",
        "--platform",
        platform,
        "--build-context",
        &ctx,
        "--output",
        &dest,
        "--file",
        df.to_str().unwrap(),
        export.path().to_str().unwrap(),
    ]);
    assert_eq!(got.code, 0, "{}", got.all());
    export
}

#[test]
fn demo_builds_green_and_pushes_every_arch() {
    lab::ensure();
    let tag = fresh_tag("demo");
    let dir = fixture("demo", &tag);
    // Contexts this test changes files in are copies; the others stay in the repository.
    own_context(dir.path(), "base");
    own_context(dir.path(), "frontend");
    // without the cache, so the RUN steps really execute in this run
    let out = archgrid(dir.path(), &["build", "--no-cache"]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(out.stdout.contains("10/10 cells green"), "{}", out.all());
    for comp in ["base", "app", "worker", "frontend", "gateway"] {
        for arch in ["amd64", "arm64"] {
            let image = format!("localhost:5000/archgrid-demo/{comp}:{tag}-{arch}");
            assert_eq!(image_arch(&image), arch, "{image}");
        }
    }
    // the RUN step really executed under emulation
    let log = std::fs::read_to_string(dir.path().join(".archgrid/logs/app-arm64.log")).unwrap();
    assert!(log.contains("aarch64"), "{log}");
    let log = std::fs::read_to_string(dir.path().join(".archgrid/logs/app-amd64.log")).unwrap();
    assert!(log.contains("x86_64"), "{log}");
    // and what it wrote stays in the image
    let files = image_files(
        &format!("localhost:5000/archgrid-demo/app:{tag}-arm64"),
        "linux/arm64",
    );
    assert_eq!(
        std::fs::read_to_string(files.path().join("out/etc/arch"))
            .unwrap()
            .trim(),
        "aarch64"
    );
    assert_eq!(
        std::fs::read_to_string(files.path().join("out/etc/greeting")).unwrap(),
        "hello \"quoted\" $HOME world"
    );
    // every cell recorded its digest
    let st = state(dir.path());
    for (id, rec) in &st.cells {
        assert_eq!(rec.status, Some(RecordedStatus::Green), "{id}");
        assert!(
            rec.digest.as_deref().unwrap().starts_with("sha256:"),
            "{id}"
        );
    }

    // a second build skips every green cell and says so
    let again = archgrid(dir.path(), &["build"]);
    assert_eq!(again.code, 0, "{}", again.all());
    assert_eq!(
        again.stdout.matches("up to date, skipped").count(),
        10,
        "{}",
        again.all()
    );
    assert!(!again.stdout.contains("started"), "{}", again.all());

    // A new file inside one component's context rebuilds it and what is built on it, on every
    // platform; every other cell is skipped.
    std::fs::write(dir.path().join("frontend/site/extra.html"), "<p>x</p>\n").unwrap();
    let changed = archgrid(dir.path(), &["build"]);
    assert_eq!(changed.code, 0, "{}", changed.all());
    assert!(
        changed.stdout.contains("10/10 cells green"),
        "{}",
        changed.all()
    );
    assert_eq!(
        cells_that(&changed, "started "),
        cells(&[
            "frontend linux/amd64",
            "frontend linux/arm64",
            "gateway linux/amd64",
            "gateway linux/arm64",
        ]),
        "{}",
        changed.all()
    );
    assert_eq!(
        cells_that(&changed, "up to date, skipped"),
        cells(&[
            "base linux/amd64",
            "base linux/arm64",
            "app linux/amd64",
            "app linux/arm64",
            "worker linux/amd64",
            "worker linux/arm64",
        ]),
        "{}",
        changed.all()
    );
    for (id, n) in attempt_counts(dir.path()) {
        let rebuilt = id.starts_with("frontend@") || id.starts_with("gateway@");
        assert_eq!(n, if rebuilt { 2 } else { 1 }, "{id}");
    }

    // A change to the base's context, built only for what one cell needs and without --force:
    // the base and everything between it and that cell rebuild on that platform, nothing else.
    std::fs::write(dir.path().join("base/touch"), "x").unwrap();
    let only = archgrid(dir.path(), &["build", "--only", "gateway@linux/arm64"]);
    assert_eq!(only.code, 0, "{}", only.all());
    let started: Vec<&str> = only
        .stdout
        .lines()
        .filter(|l| l.contains(" started "))
        .collect();
    assert_eq!(started.len(), 3, "{}", only.all());
    assert!(
        started.iter().all(|l| l.contains("linux/arm64")),
        "{}",
        only.all()
    );
    assert_eq!(
        cells_that(&only, "started "),
        cells(&[
            "base linux/arm64",
            "frontend linux/arm64",
            "gateway linux/arm64"
        ]),
        "{}",
        only.all()
    );
    assert!(
        cells_that(&only, "up to date, skipped").is_empty(),
        "{}",
        only.all()
    );

    // The next full run rebuilds what the base change reaches and the --only run left out: the
    // whole amd64 column, and the arm64 cells that are built on the base but were not selected.
    let rest = archgrid(dir.path(), &["build"]);
    assert_eq!(rest.code, 0, "{}", rest.all());
    assert_eq!(
        cells_that(&rest, "started "),
        cells(&[
            "base linux/amd64",
            "app linux/amd64",
            "app linux/arm64",
            "worker linux/amd64",
            "worker linux/arm64",
            "frontend linux/amd64",
            "gateway linux/amd64",
        ]),
        "{}",
        rest.all()
    );
    assert_eq!(
        cells_that(&rest, "up to date, skipped"),
        cells(&[
            "base linux/arm64",
            "frontend linux/arm64",
            "gateway linux/arm64"
        ]),
        "{}",
        rest.all()
    );
}

#[test]
fn a_failure_blocks_only_its_dependents_and_is_tried_once() {
    lab::ensure();
    let tag = fresh_tag("failing");
    let dir = fixture("failing", &tag);
    let out = archgrid(dir.path(), &["build"]);
    assert_eq!(out.code, 1, "{}", out.all());
    let st = state(dir.path());
    let status = |id: &str| support::state::status(&st, id);
    for p in ["linux/amd64", "linux/arm64"] {
        assert_eq!(status(&format!("base@{p}")), Some(RecordedStatus::Green));
        assert_eq!(status(&format!("solo@{p}")), Some(RecordedStatus::Green));
        assert_eq!(status(&format!("broken@{p}")), Some(RecordedStatus::Failed));
        assert_eq!(status(&format!("child@{p}")), Some(RecordedStatus::Blocked));
        // permanent: exactly one attempt
        let attempts = support::state::attempts(&st, &format!("broken@{p}"));
        assert_eq!(attempts.len(), 1, "{attempts:?}");
        assert_eq!(attempts[0].class, Some(FailureClass::Permanent));
        // the blocked cell never ran
        assert!(support::state::attempts(&st, &format!("child@{p}")).is_empty());
    }
    // Cause first, the command after it; then what the step printed.
    assert!(
        out.stdout.contains(
            r#"FAILED (permanent, 1 attempt): exit 3 in RUN echo "broken: fatal: this step always fails (exit 3)" >&2; exit 3"#
        ),
        "{}",
        out.all()
    );
    assert!(
        out.stdout
            .contains("\n        broken: fatal: this step always fails (exit 3)\n"),
        "{}",
        out.all()
    );
    assert!(
        out.stdout
            .contains("[child linux/arm64] blocked: broken@linux/arm64 did not build"),
        "{}",
        out.all()
    );
    assert!(
        !out.stdout.contains("[child linux/arm64] started"),
        "{}",
        out.all()
    );
}

#[test]
fn build_args_arrive_byte_exact() {
    lab::ensure();
    let tag = fresh_tag("args");
    let dir = fixture("args", &tag);
    let out = archgrid(dir.path(), &["build", "--only", "args@linux/arm64"]);
    assert_eq!(out.code, 0, "{}", out.all());
    let matrix = std::fs::read_to_string(dir.path().join("matrix.toml")).unwrap();
    let parsed: toml::Table = toml::from_str(&matrix).unwrap();
    let args = parsed["component"].as_array().unwrap()[1]["args"]
        .as_table()
        .unwrap()
        .clone();
    // read the files back out of the pushed image
    let export = tempfile::tempdir().unwrap();
    let df = export.path().join("Dockerfile");
    std::fs::write(&df, "FROM img\n").unwrap();
    let image = format!("localhost:5000/archgrid-test-args/args:{tag}-arm64");
    let dest = export.path().join("out");
    let ctx = format!("img=docker-image://{image}");
    let dest_arg = format!("type=local,dest={}", dest.display());
    let got = docker(&[
        "buildx",
        "build",
        "--platform",
        "linux/arm64",
        "--build-context",
        &ctx,
        "--output",
        &dest_arg,
        "--file",
        df.to_str().unwrap(),
        export.path().to_str().unwrap(),
    ]);
    assert_eq!(got.code, 0, "{}", got.all());
    let arrived = |name: &str| {
        let file =
            std::fs::read(dest.join("args").join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        String::from_utf8(file).unwrap()
    };
    for (name, value) in &args {
        // As written, but for `$$`, the matrix's spelling of a literal `$`.
        let written = value.as_str().unwrap().replace("$$", "$");
        assert_eq!(arrived(name), written, "{name}");
    }
    // Shell text and a would-be variable reach the build untouched.
    assert_eq!(arrived("DOLLAR"), "$HOME ${PATH} $(id -u) `whoami` $$");
    assert_eq!(
        std::fs::read_to_string(dest.join("args/INJECTED")).unwrap(),
        "not injected"
    );
}

/// BuildKit retries blob pushes by itself, but resolving a base image's metadata fails on the
/// first reset connection: a `FROM` through the fault proxy makes the cell's attempt fail for
/// real, so archgrid's own retry is what brings it to green.
#[test]
fn a_transient_registry_failure_is_retried_until_green() {
    lab::ensure();
    let tag = fresh_tag("proxy");
    let seed = format!("127.0.0.1:5000/archgrid-test-proxy/seed:{tag}");
    let seed_dir = tempfile::tempdir().unwrap();
    std::fs::write(
        seed_dir.path().join("Dockerfile"),
        "FROM scratch\nCOPY Dockerfile /seed\n",
    )
    .unwrap();
    let pushed = docker(&[
        "buildx",
        "build",
        "--platform",
        "linux/arm64",
        "--provenance=false",
        "--tag",
        &seed,
        "--push",
        seed_dir.path().to_str().unwrap(),
    ]);
    assert_eq!(pushed.code, 0, "{}", pushed.all());

    let rt = tokio::runtime::Runtime::new().unwrap();
    // Before any cell starts, archgrid asks the registry for the base image itself, which may
    // take a reset connection too; three leave at least two for the cell.
    let proxy = rt
        .block_on(FaultProxy::start(
            "127.0.0.1:5000".parse().unwrap(),
            3,
            Fault::Reset,
        ))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Dockerfile"),
        format!(
            "FROM 127.0.0.1:{}/archgrid-test-proxy/seed:{tag}\nCOPY Dockerfile /hello\n",
            proxy.addr.port()
        ),
    )
    .unwrap();
    let matrix = format!(
        "[project]\nname = \"proxy\"\nregistry = \"127.0.0.1:5000/archgrid-test-proxy\"\ntag = \"{tag}\"\nplatforms = [\"linux/arm64\"]\n\n[retry]\nattempts = 4\nbackoff = \"500ms\"\n\n[[component]]\nname = \"hello\"\ncontext = \".\"\n"
    );
    std::fs::write(dir.path().join("matrix.toml"), matrix).unwrap();
    let out = archgrid(dir.path(), &["build"]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert_eq!(proxy.faulted(), 3, "{}", out.all());
    assert!(out.stdout.contains("transient failure"), "{}", out.all());
    assert!(
        out.stdout.contains("connection reset by peer"),
        "{}",
        out.all()
    );
    let st = state(dir.path());
    let attempts = support::state::attempts(&st, "hello@linux/arm64");
    let (last, failed) = attempts.split_last().unwrap();
    assert!(!failed.is_empty(), "{attempts:?}");
    for attempt in failed {
        assert_eq!(attempt.class, Some(FailureClass::Transient), "{attempts:?}");
        assert!(attempt.retried, "{attempts:?}");
    }
    assert_eq!(last.outcome, Outcome::Green);
    // A reset is no proof that the image is missing, and is not reported as such.
    assert!(
        !out.stderr.contains("neither the engine nor a registry"),
        "{}",
        out.all()
    );
    drop(proxy);
}

#[test]
fn an_unreachable_engine_exits_2_naming_it() {
    let dir = fixture("failing", "unreachable");
    let out = support::lab::archgrid_env(
        dir.path(),
        &["build"],
        &[("DOCKER_HOST", "unix:///nonexistent/archgrid.sock")],
    );
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(
        out.stderr.contains("unix:///nonexistent/archgrid.sock"),
        "{}",
        out.all()
    );
}
