//! Skip-if-green without docker: a cell is skipped only while everything that went into its
//! image is what it was when it last went green. Each test records a whole matrix green, changes
//! one input, and checks that exactly the cells built from that input (and what is built on
//! them) are queued again while every other cell stays skipped.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use archgrid::build::prepare::{prepare, Prepared, Selection};
use archgrid::build::state::StateStore;
use archgrid::config::Matrix;
use archgrid::model::CellStatus;
use archgrid::plan::Facts;

/// `base` ← `app` ← `edge` on two platforms, and `solo` on its own. `app`'s Dockerfile lives
/// outside its context, so a change to it is not also a change to the context.
const MATRIX: &str = r#"[project]
name = "skip"
tag = "t"
platforms = ["linux/amd64", "linux/arm64"]

[[component]]
name = "base"
context = "base"
args = { GREETING = "hello" }

[[component]]
name = "app"
context = "app"
dockerfile = "../dockerfiles/app.Dockerfile"
args = { MODE = "fast" }
depends_on = ["base"]

[[component]]
name = "edge"
context = "edge"
depends_on = ["app"]

[[component]]
name = "solo"
context = "solo"
"#;

/// app changed: it and edge, which depends on it, build again.
const APP_AND_EDGE: [&str; 4] = [
    "app@linux/amd64",
    "app@linux/arm64",
    "edge@linux/amd64",
    "edge@linux/arm64",
];

const ALL: [&str; 8] = [
    "base@linux/amd64",
    "base@linux/arm64",
    "app@linux/amd64",
    "app@linux/arm64",
    "edge@linux/amd64",
    "edge@linux/arm64",
    "solo@linux/amd64",
    "solo@linux/arm64",
];

/// A matrix folder whose components have their own contexts and Dockerfiles.
fn project() -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("archgrid-skip-")
        .tempdir()
        .unwrap();
    let files: [(&str, &str); 10] = [
        ("matrix.toml", MATRIX),
        (
            "base/Dockerfile",
            "FROM scratch\nARG GREETING\nCOPY base.txt /base.txt\n",
        ),
        ("base/base.txt", "base v1\n"),
        (
            "dockerfiles/app.Dockerfile",
            "FROM base\nARG MODE\nCOPY app.txt /app.txt\n",
        ),
        ("app/app.txt", "app v1\n"),
        ("app/lib/util.txt", "util v1\n"),
        ("edge/Dockerfile", "FROM app\nCOPY edge.txt /edge.txt\n"),
        ("edge/edge.txt", "edge v1\n"),
        ("solo/Dockerfile", "FROM scratch\nCOPY solo.txt /solo.txt\n"),
        ("solo/solo.txt", "solo v1\n"),
    ];
    for (path, text) in files {
        write(dir.path(), path, text);
    }
    dir
}

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Replaces `from` with `to` in the file at `path`, which must contain it.
fn edit(root: &Path, path: &str, from: &str, to: &str) {
    let text = std::fs::read_to_string(root.join(path)).unwrap();
    assert!(text.contains(from), "{path} has no {from:?}:\n{text}");
    write(root, path, &text.replacen(from, to, 1));
}

fn select(only: &[&str]) -> Selection {
    Selection {
        only: only.iter().map(|s| s.to_string()).collect(),
        platforms: vec![],
        force: false,
        no_cache: false,
    }
}

/// What a run of the whole matrix would start from, as `archgrid build` prepares it.
fn prepared(dir: &Path) -> Prepared {
    prepared_only(dir, &[])
}

fn prepared_only(dir: &Path, only: &[&str]) -> Prepared {
    let matrix = Matrix::load(&dir.join("matrix.toml")).unwrap_or_else(|e| panic!("{e}"));
    prepare(matrix, &Facts::default(), &select(only)).unwrap()
}

/// How a cell starts a run, without the digest an up-to-date cell carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Start {
    Queued,
    UpToDate,
    NotSelected,
}

/// Each cell's starting status by id.
fn starts(prep: &Prepared) -> BTreeMap<String, Start> {
    prep.plan
        .cells
        .iter()
        .map(|cell| {
            let start = match &prep.initial[cell.index] {
                CellStatus::Queued => Start::Queued,
                CellStatus::UpToDate { digest } => {
                    assert_eq!(
                        digest.as_deref(),
                        Some(digest_of(&cell.id()).as_str()),
                        "{}: a skipped cell keeps the digest it was recorded with",
                        cell.id()
                    );
                    Start::UpToDate
                }
                CellStatus::NotSelected => Start::NotSelected,
                other => panic!("{}: unexpected starting status {other:?}", cell.id()),
            };
            (cell.id(), start)
        })
        .collect()
}

/// The starting statuses when exactly `queued` are queued and the rest of `cells` are skipped.
fn expect(cells: &[&str], queued: &[&str]) -> BTreeMap<String, Start> {
    for id in queued {
        assert!(cells.contains(id), "{id} is not one of {cells:?}");
    }
    cells
        .iter()
        .map(|id| {
            let start = if queued.contains(id) {
                Start::Queued
            } else {
                Start::UpToDate
            };
            (id.to_string(), start)
        })
        .collect()
}

fn digest_of(id: &str) -> String {
    let hex: String = id
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect::<String>()
        .chars()
        .chain(std::iter::repeat('0'))
        .take(64)
        .collect();
    format!("sha256:{hex}")
}

/// Records every queued cell of `prep` green with the inputs it was prepared with, the way the
/// scheduler does when its build succeeds; the state file is written as it goes.
fn record_green(prep: &mut Prepared) {
    let plan = prep.plan.clone();
    for cell in &plan.cells {
        if prep.initial[cell.index] == CellStatus::Queued {
            prep.state.set_status(
                cell,
                &CellStatus::Green {
                    digest: Some(digest_of(&cell.id())),
                    duration: Duration::from_secs(1),
                    cached: false,
                },
            );
        }
    }
    // The scheduler's writes reach the file off its task; a run is over once they are there.
    prep.state.flush();
}

/// A fresh project whose every cell is green for its current inputs.
fn all_green() -> tempfile::TempDir {
    let dir = project();
    let mut first = prepared(dir.path());
    assert_eq!(
        starts(&first),
        expect(&ALL, &ALL),
        "nothing is green before the first build"
    );
    record_green(&mut first);
    assert!(
        StateStore::path_in(&first.plan.state_dir).is_file(),
        "recording a green cell writes state.json"
    );
    assert_eq!(
        starts(&prepared(dir.path())),
        expect(&ALL, &[]),
        "a second run with the same inputs skips every cell"
    );
    dir
}

#[test]
fn an_unchanged_matrix_skips_every_cell() {
    let dir = all_green();
    // Writing the same bytes again is no change: what counts is content, not modification time.
    let text = std::fs::read_to_string(dir.path().join("app/app.txt")).unwrap();
    write(dir.path(), "app/app.txt", &text);
    let matrix = std::fs::read_to_string(dir.path().join("matrix.toml")).unwrap();
    write(dir.path(), "matrix.toml", &matrix);
    assert_eq!(starts(&prepared(dir.path())), expect(&ALL, &[]));
    assert_eq!(starts(&prepared(dir.path())), expect(&ALL, &[]));

    // --force queues every cell all the same.
    let matrix = Matrix::load(&dir.path().join("matrix.toml")).unwrap();
    let forced = prepare(
        matrix,
        &Facts::default(),
        &Selection {
            only: vec![],
            platforms: vec![],
            force: true,
            no_cache: false,
        },
    )
    .unwrap();
    assert!(
        forced.initial.iter().all(|s| *s == CellStatus::Queued),
        "{:?}",
        forced.initial
    );
}

#[test]
fn a_changed_file_in_a_context_rebuilds_that_component_and_its_dependents() {
    let dir = all_green();
    edit(dir.path(), "app/app.txt", "v1", "v2");
    assert_eq!(starts(&prepared(dir.path())), expect(&ALL, &APP_AND_EDGE));
}

#[test]
fn a_new_file_deep_in_a_context_rebuilds_only_that_component() {
    let dir = all_green();
    write(dir.path(), "solo/deep/er/new.txt", "new\n");
    assert_eq!(
        starts(&prepared(dir.path())),
        expect(&ALL, &["solo@linux/amd64", "solo@linux/arm64"])
    );
}

#[test]
fn a_file_beside_the_contexts_rebuilds_nothing() {
    let dir = all_green();
    write(dir.path(), "notes.txt", "not in any context\n");
    edit(
        dir.path(),
        "matrix.toml",
        "[project]",
        "# a comment\n[project]",
    );
    assert_eq!(starts(&prepared(dir.path())), expect(&ALL, &[]));
}

#[test]
fn a_changed_dockerfile_outside_its_context_rebuilds_that_component_and_its_dependents() {
    let dir = all_green();
    edit(
        dir.path(),
        "dockerfiles/app.Dockerfile",
        "COPY app.txt /app.txt",
        "COPY app.txt /srv/app.txt",
    );
    assert_eq!(starts(&prepared(dir.path())), expect(&ALL, &APP_AND_EDGE));
}

#[test]
fn a_changed_dockerfile_inside_its_context_rebuilds_that_component() {
    let dir = all_green();
    edit(
        dir.path(),
        "solo/Dockerfile",
        "COPY solo.txt /solo.txt",
        "COPY solo.txt /srv/solo.txt",
    );
    assert_eq!(
        starts(&prepared(dir.path())),
        expect(&ALL, &["solo@linux/amd64", "solo@linux/arm64"])
    );
}

#[test]
fn a_changed_build_arg_rebuilds_that_component_and_its_dependents() {
    let dir = all_green();
    edit(
        dir.path(),
        "matrix.toml",
        "MODE = \"fast\"",
        "MODE = \"slow\"",
    );
    assert_eq!(starts(&prepared(dir.path())), expect(&ALL, &APP_AND_EDGE));
}

#[test]
fn a_new_build_arg_on_the_base_rebuilds_everything_built_on_it() {
    let dir = all_green();
    edit(
        dir.path(),
        "matrix.toml",
        "GREETING = \"hello\"",
        "GREETING = \"hello\", EXTRA = \"1\"",
    );
    let queued = [
        "base@linux/amd64",
        "base@linux/arm64",
        "app@linux/amd64",
        "app@linux/arm64",
        "edge@linux/amd64",
        "edge@linux/arm64",
    ];
    assert_eq!(starts(&prepared(dir.path())), expect(&ALL, &queued));
}

#[test]
fn an_added_platform_builds_only_its_new_cells() {
    let dir = all_green();
    edit(
        dir.path(),
        "matrix.toml",
        "platforms = [\"linux/amd64\", \"linux/arm64\"]",
        "platforms = [\"linux/amd64\", \"linux/arm64\", \"linux/arm/v7\"]",
    );
    let cells: Vec<String> = ALL
        .iter()
        .map(|s| s.to_string())
        .chain(
            ["base", "app", "edge", "solo"]
                .iter()
                .map(|c| format!("{c}@linux/arm/v7")),
        )
        .collect();
    let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
    let queued = [
        "base@linux/arm/v7",
        "app@linux/arm/v7",
        "edge@linux/arm/v7",
        "solo@linux/arm/v7",
    ];
    assert_eq!(starts(&prepared(dir.path())), expect(&cells, &queued));
}

#[test]
fn a_changed_platform_builds_the_new_platform_and_keeps_the_other() {
    let dir = all_green();
    edit(
        dir.path(),
        "matrix.toml",
        "platforms = [\"linux/amd64\", \"linux/arm64\"]",
        "platforms = [\"linux/amd64\", \"linux/arm/v7\"]",
    );
    let cells = [
        "base@linux/amd64",
        "base@linux/arm/v7",
        "app@linux/amd64",
        "app@linux/arm/v7",
        "edge@linux/amd64",
        "edge@linux/arm/v7",
        "solo@linux/amd64",
        "solo@linux/arm/v7",
    ];
    let queued = [
        "base@linux/arm/v7",
        "app@linux/arm/v7",
        "edge@linux/arm/v7",
        "solo@linux/arm/v7",
    ];
    assert_eq!(starts(&prepared(dir.path())), expect(&cells, &queued));
}

#[test]
fn a_component_limited_to_one_platform_keeps_that_cell() {
    let dir = all_green();
    edit(
        dir.path(),
        "matrix.toml",
        "name = \"solo\"\ncontext = \"solo\"\n",
        "name = \"solo\"\ncontext = \"solo\"\nplatforms = [\"linux/arm64\"]\n",
    );
    let cells: Vec<&str> = ALL
        .iter()
        .copied()
        .filter(|id| *id != "solo@linux/amd64")
        .collect();
    assert_eq!(starts(&prepared(dir.path())), expect(&cells, &[]));
}

/// The dependency is rebuilt on its own first (`--only app`), so by the time the whole matrix
/// runs, every dependency is up to date; what still tells `edge` that it was built on an older
/// `app` is `app`'s key inside its own.
#[test]
fn a_dependency_rebuilt_on_its_own_still_rebuilds_its_dependents() {
    let dir = all_green();
    edit(dir.path(), "app/lib/util.txt", "v1", "v2");

    let mut only = prepared_only(dir.path(), &["app"]);
    let mut want = expect(&ALL, &["app@linux/amd64", "app@linux/arm64"]);
    for id in [
        "edge@linux/amd64",
        "edge@linux/arm64",
        "solo@linux/amd64",
        "solo@linux/arm64",
    ] {
        want.insert(id.to_string(), Start::NotSelected);
    }
    assert_eq!(starts(&only), want);
    record_green(&mut only);

    let queued = ["edge@linux/amd64", "edge@linux/arm64"];
    assert_eq!(starts(&prepared(dir.path())), expect(&ALL, &queued));
    let mut all = prepared(dir.path());
    record_green(&mut all);
    assert_eq!(starts(&prepared(dir.path())), expect(&ALL, &[]));
}

/// The same through the base: rebuilding `base` alone leaves `app` and `edge`, two levels up,
/// to be rebuilt by the next full run.
#[test]
fn a_base_rebuilt_on_its_own_still_rebuilds_everything_built_on_it() {
    let dir = all_green();
    edit(dir.path(), "base/base.txt", "v1", "v2");
    let mut only = prepared_only(dir.path(), &["base@linux/arm64"]);
    let queued: Vec<String> = only
        .plan
        .cells
        .iter()
        .filter(|c| only.initial[c.index] == CellStatus::Queued)
        .map(|c| c.id())
        .collect();
    assert_eq!(queued, ["base@linux/arm64"]);
    record_green(&mut only);

    let queued = [
        "base@linux/amd64",
        "app@linux/amd64",
        "app@linux/arm64",
        "edge@linux/amd64",
        "edge@linux/arm64",
    ];
    assert_eq!(starts(&prepared(dir.path())), expect(&ALL, &queued));
}

/// A green record from other inputs never counts, and neither does a cell that last failed.
#[test]
fn only_a_green_record_for_the_same_key_is_skipped() {
    let dir = all_green();
    let state = StateStore::path_in(&dir.path().join(".archgrid"));
    let mut file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    file["cells"]["solo@linux/amd64"]["input_key"] = "0".repeat(64).into();
    file["cells"]["solo@linux/arm64"]["status"] = "failed".into();
    std::fs::write(&state, file.to_string()).unwrap();
    assert_eq!(
        starts(&prepared(dir.path())),
        expect(&ALL, &["solo@linux/amd64", "solo@linux/arm64"])
    );
}

#[test]
fn a_changed_file_in_a_named_context_rebuilds_the_components_that_name_it() {
    let dir = project();
    write(dir.path(), "shared/notes.txt", "notes v1\n");
    edit(
        dir.path(),
        "matrix.toml",
        "context = \"solo\"\n",
        "context = \"solo\"\ncontexts = { shared = \"shared\" }\n",
    );
    let mut first = prepared(dir.path());
    record_green(&mut first);
    assert_eq!(starts(&prepared(dir.path())), expect(&ALL, &[]));
    edit(dir.path(), "shared/notes.txt", "v1", "v2");
    assert_eq!(
        starts(&prepared(dir.path())),
        expect(&ALL, &["solo@linux/amd64", "solo@linux/arm64"])
    );
}

/// A `.dockerignore` decides what counts, as it decides what buildx sends: a change buildx
/// would not send rebuilds nothing, and a file an exception keeps still counts.
#[test]
fn a_change_to_an_ignored_file_rebuilds_nothing_and_a_change_to_a_kept_one_does() {
    let dir = project();
    write(
        dir.path(),
        "solo/.dockerignore",
        "# build output\ntarget\n*.log\n!keep.log\n",
    );
    write(dir.path(), "solo/target/debug/app", "binary v1\n");
    write(dir.path(), "solo/build.log", "log v1\n");
    write(dir.path(), "solo/keep.log", "keep v1\n");
    let mut first = prepared(dir.path());
    record_green(&mut first);
    assert_eq!(starts(&prepared(dir.path())), expect(&ALL, &[]));

    edit(dir.path(), "solo/target/debug/app", "v1", "v2");
    write(dir.path(), "solo/target/release/new", "new\n");
    edit(dir.path(), "solo/build.log", "v1", "v2");
    write(dir.path(), "solo/other.log", "new\n");
    assert_eq!(
        starts(&prepared(dir.path())),
        expect(&ALL, &[]),
        "only ignored files changed"
    );

    edit(dir.path(), "solo/keep.log", "v1", "v2");
    let solo = ["solo@linux/amd64", "solo@linux/arm64"];
    assert_eq!(starts(&prepared(dir.path())), expect(&ALL, &solo));
}

/// `app`'s Dockerfile is dockerfiles/app.Dockerfile, so buildx reads
/// dockerfiles/app.Dockerfile.dockerignore and not app/.dockerignore.
#[test]
fn the_dockerfiles_own_ignore_file_takes_precedence_over_the_contexts() {
    let dir = project();
    write(dir.path(), "app/.dockerignore", "lib\n");
    write(
        dir.path(),
        "dockerfiles/app.Dockerfile.dockerignore",
        "notes\n",
    );
    write(dir.path(), "app/notes/todo.txt", "todo v1\n");
    let mut first = prepared(dir.path());
    record_green(&mut first);

    edit(dir.path(), "app/notes/todo.txt", "v1", "v2");
    assert_eq!(starts(&prepared(dir.path())), expect(&ALL, &[]));

    edit(dir.path(), "app/lib/util.txt", "v1", "v2");
    assert_eq!(starts(&prepared(dir.path())), expect(&ALL, &APP_AND_EDGE));
}

#[test]
fn an_ignore_file_buildx_would_refuse_is_named_and_every_file_counts() {
    let dir = project();
    write(dir.path(), "solo/.dockerignore", "target\n[oops\n");
    write(dir.path(), "solo/target/x", "v1\n");
    let mut first = prepared(dir.path());
    let note = first
        .notes
        .iter()
        .find(|n| n.contains(".dockerignore"))
        .unwrap_or_else(|| panic!("no note about the ignore file: {:?}", first.notes));
    assert!(
        note.starts_with("solo/.dockerignore line 2: \"[oops\""),
        "{note}"
    );
    record_green(&mut first);
    edit(dir.path(), "solo/target/x", "v1", "v2");
    let solo = ["solo@linux/amd64", "solo@linux/arm64"];
    assert_eq!(starts(&prepared(dir.path())), expect(&ALL, &solo));
}
