//! The headless build through the library, with a runner that plays scripted builds instead of
//! buildx (`archgrid build` itself needs an engine to answer before it starts): the reports it
//! writes, checked by a standard XML parser and against the JSON Schema README.md publishes, and
//! the lines that keep a silent step from looking like a hung job.

mod support;

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use archgrid::build::prepare::{prepare, Prepared, Selection};
use archgrid::build::runner::child::BoxFuture;
use archgrid::build::runner::classify::classify;
use archgrid::build::runner::{AttemptOutcome, BuildEvent, RunOpts, Runner, StepSummary};
use archgrid::build::state::AttemptRecord;
use archgrid::config::Matrix;
use archgrid::model::{CellStatus, FailureClass, InfraCause, Outcome};
use archgrid::plan::{Cell, Facts};
use archgrid::report::{json, Destinations, RunReport};
use serde_json::Value;
use support::report_schema::{assert_valid, validator};
use tokio::sync::{mpsc, watch};

/// `base` ← `broken` ← `child`, and `solo` and `docs`, on two platforms: ten cells.
const MATRIX: &str = r#"[project]
name = "reports"
tag = "t"
platforms = ["linux/amd64", "linux/arm64"]

[retry]
attempts = 1

[[component]]
name = "base"
context = "base"

[[component]]
name = "broken"
context = "broken"
depends_on = ["base"]

[[component]]
name = "child"
context = "child"
depends_on = ["broken"]

[[component]]
name = "solo"
context = "solo"

[[component]]
name = "docs"
context = "docs"
"#;

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("matrix.toml"), MATRIX).unwrap();
    for c in ["base", "broken", "child", "solo", "docs"] {
        std::fs::create_dir(dir.path().join(c)).unwrap();
        std::fs::write(dir.path().join(c).join("Dockerfile"), "FROM scratch\n").unwrap();
    }
    dir
}

fn prepared(dir: &Path, platforms: &[&str]) -> Prepared {
    let matrix = Matrix::load(&dir.join("matrix.toml")).unwrap_or_else(|e| panic!("{e}"));
    let select = Selection {
        platforms: platforms.iter().map(|p| p.to_string()).collect(),
        ..Selection::default()
    };
    prepare(matrix, &Facts::default(), &select).unwrap()
}

/// One scripted step: its name, how long it runs, and what it prints at its start.
#[derive(Clone)]
struct Step {
    name: &'static str,
    lasts: Duration,
    prints: &'static str,
}

/// What a cell's build does; a cell without a script builds green at once.
#[derive(Clone)]
struct Script {
    steps: Vec<Step>,
    /// The error text of a failure at the end; green when `None`.
    fails: Option<&'static str>,
}

/// Plays each cell's script: sends the progress buildx would, writes the cell's log as the real
/// runner does (the path from the plan), and ends green or with the failure text classified.
#[derive(Clone, Default)]
struct Scripted {
    scripts: Arc<HashMap<String, Script>>,
}

impl Runner for Scripted {
    fn run(
        &self,
        cell: Arc<Cell>,
        attempt: u32,
        _opts: RunOpts,
        events: mpsc::Sender<BuildEvent>,
        _cancel: watch::Receiver<bool>,
    ) -> BoxFuture<AttemptOutcome> {
        let script = self.scripts.get(&cell.id()).cloned().unwrap_or(Script {
            steps: vec![],
            fails: None,
        });
        Box::pin(async move {
            std::fs::create_dir_all(cell.log_file.parent().unwrap()).unwrap();
            let mut log = std::fs::File::create(&cell.log_file).unwrap();
            writeln!(log, "# attempt {attempt}").unwrap();
            let total = script.steps.len();
            for (done, step) in script.steps.iter().enumerate() {
                let summary = StepSummary {
                    total,
                    done,
                    current: Some(step.name.to_string()),
                    ..StepSummary::default()
                };
                events.send(BuildEvent::Steps(summary)).await.unwrap();
                writeln!(log, "{}", step.prints).unwrap();
                tokio::time::sleep(step.lasts).await;
            }
            let summary = StepSummary {
                total,
                done: total,
                ..StepSummary::default()
            };
            events.send(BuildEvent::Steps(summary)).await.unwrap();
            match script.fails {
                Some(text) => {
                    writeln!(log, "{text}").unwrap();
                    AttemptOutcome::Failed {
                        text: text.to_string(),
                        classification: classify(text),
                        exit_code: Some(1),
                    }
                }
                None => AttemptOutcome::Green {
                    digest: Some(format!("sha256:{:064x}", cell.index)),
                    cached: false,
                },
            }
        })
    }
}

fn scripted(scripts: &[(&str, Script)]) -> Scripted {
    Scripted {
        scripts: Arc::new(
            scripts
                .iter()
                .map(|(id, s)| (id.to_string(), s.clone()))
                .collect(),
        ),
    }
}

const FAILURE: &str =
    "ERROR: process \"/bin/sh -c make\" did not complete successfully: exit code: 3";

#[tokio::test(start_paused = true)]
async fn a_failed_and_a_blocked_cell_make_two_failures_and_a_report_that_fits_the_schema() {
    let dir = project();
    let prep = prepared(dir.path(), &["linux/amd64"]);
    let cells = prep.plan.cells.len();
    let out_dir = tempfile::tempdir().unwrap();
    let dest = Destinations::new(
        Some(Path::new("ci/junit.xml")),
        Some(Path::new("ci/report.json")),
        out_dir.path(),
    );
    std::fs::create_dir(out_dir.path().join("ci")).unwrap();
    dest.check().unwrap();
    let runner = scripted(&[(
        "broken@linux/amd64",
        Script {
            steps: vec![Step {
                name: "[2/2] RUN make",
                lasts: Duration::from_secs(3),
                prints: "cc -o app main.c <stdio.h> && \"done\" \u{1b}[31m\u{7}",
            }],
            fails: Some(FAILURE),
        },
    )]);
    let mut out = Vec::new();
    let code = archgrid::cli::build::run(prep, runner, &dest, &mut out).await;
    let text = String::from_utf8(out).unwrap();
    assert_eq!(code, 1, "{text}");

    let xml = std::fs::read_to_string(out_dir.path().join("ci/junit.xml")).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    let cases: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), cells, "{xml}");
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .unwrap();
    assert_eq!(suite.attribute("failures"), Some("2"), "{xml}");
    let arm64 = (cells / 2).to_string();
    assert_eq!(
        suite.attribute("skipped"),
        Some(arm64.as_str()),
        "the arm64 column: {xml}"
    );
    assert_eq!(suite.attribute("tests"), Some(cells.to_string().as_str()));
    let failure_of = |class: &str| {
        cases
            .iter()
            .find(|c| {
                c.attribute("classname") == Some(class)
                    && c.attribute("name") == Some("linux/amd64")
            })
            .and_then(|c| c.children().find(|n| n.has_tag_name("failure")))
            .unwrap_or_else(|| panic!("no failure for {class}: {xml}"))
    };
    let broken = failure_of("broken");
    assert_eq!(broken.attribute("type"), Some("permanent"));
    let body = broken.text().unwrap();
    assert!(
        body.contains("cc -o app main.c <stdio.h> && \"done\""),
        "{body}"
    );
    assert!(body.ends_with("exit code: 3"), "{body}");
    assert!(!xml.contains('\u{1b}') && !xml.contains('\u{7}'));
    let child = failure_of("child");
    assert_eq!(child.attribute("type"), Some("blocked"));
    assert_eq!(
        child.attribute("message"),
        Some("blocked: broken@linux/amd64 did not build")
    );

    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(out_dir.path().join("ci/report.json")).unwrap(),
    )
    .unwrap();
    assert_valid(&validator(), &report);
    assert_eq!(report["exit_code"], 1);
    let cell = |id: &str| {
        report["cells"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap_or_else(|| panic!("no {id} in {report:#}"))
            .clone()
    };
    assert_eq!(cell("broken@linux/amd64")["status"], "failed");
    assert_eq!(cell("broken@linux/amd64")["duration_ms"], 3000);
    assert_eq!(
        cell("child@linux/amd64")["blocked_by"],
        "broken@linux/amd64"
    );
    assert_eq!(cell("solo@linux/arm64")["status"], "not_selected");
    assert_eq!(cell("base@linux/amd64")["status"], "green");
    // Only the two report files; their temp files are gone.
    let mut names: Vec<_> = std::fs::read_dir(out_dir.path().join("ci"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    assert_eq!(names, ["junit.xml", "report.json"]);
}

#[tokio::test(start_paused = true)]
async fn a_second_run_reports_up_to_date_cells_as_passed_without_attempts() {
    let dir = project();
    let out_dir = tempfile::tempdir().unwrap();
    let dest = Destinations::new(
        Some(Path::new("junit.xml")),
        Some(Path::new("report.json")),
        out_dir.path(),
    );
    let first = archgrid::cli::build::run(
        prepared(dir.path(), &[]),
        scripted(&[]),
        &dest,
        &mut Vec::new(),
    )
    .await;
    assert_eq!(first, 0);
    let prep = prepared(dir.path(), &[]);
    assert!(prep
        .initial
        .iter()
        .all(|s| matches!(s, CellStatus::UpToDate { .. })));
    let mut out = Vec::new();
    let code = archgrid::cli::build::run(prep, scripted(&[]), &dest, &mut out).await;
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&out));
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.path().join("report.json")).unwrap())
            .unwrap();
    assert_valid(&validator(), &report);
    for cell in report["cells"].as_array().unwrap() {
        assert_eq!(cell["status"], "up_to_date", "{cell}");
        // state.json holds the first run's attempts; they are not this run's.
        assert_eq!(cell["attempts"], Value::Array(vec![]), "{cell}");
        assert!(cell["digest"].is_string(), "{cell}");
    }
    let xml = std::fs::read_to_string(out_dir.path().join("junit.xml")).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    for case in doc.descendants().filter(|n| n.has_tag_name("testcase")) {
        assert_eq!(case.attribute("time"), Some("0.000"));
        assert!(!case
            .children()
            .any(|n| n.has_tag_name("failure") || n.has_tag_name("skipped")));
        let out = case
            .children()
            .find(|n| n.has_tag_name("system-out"))
            .and_then(|n| n.text())
            .unwrap_or_default();
        assert!(out.starts_with("up to date"), "{out}");
    }
}

/// A report with every status, class and cause there is, built through the library.
fn every_kind_of_cell() -> Value {
    let dir = project();
    let prep = prepared(dir.path(), &[]);
    let plan = prep.plan.clone();
    let attempt = |outcome, class, cause| AttemptRecord {
        attempt: 1,
        started: SystemTime::now(),
        duration: Duration::from_millis(1500),
        outcome,
        class,
        cause,
        reason: class.map(|_| "why".to_string()),
        text: None,
        retried: false,
        given_back: cause.is_some(),
    };
    let statuses = vec![
        CellStatus::NotSelected,
        CellStatus::Queued,
        CellStatus::Blocked { by: 0 },
        CellStatus::Running { attempt: 1, of: 3 },
        CellStatus::Retrying {
            next: 2,
            of: 3,
            delay: Duration::from_secs(5),
            reason: "i/o timeout".into(),
        },
        CellStatus::Green {
            digest: Some(format!("sha256:{}", "a".repeat(64))),
            duration: Duration::from_millis(1500),
            cached: true,
        },
        CellStatus::UpToDate { digest: None },
        CellStatus::Failed {
            class: FailureClass::Infra,
            reason: "no space left on device".into(),
            attempts: 1,
        },
        CellStatus::Refused {
            reason: "builder arm cannot build linux/amd64".into(),
        },
        CellStatus::Canceled,
    ];
    assert_eq!(statuses.len(), plan.cells.len());
    let mut attempts = vec![Vec::new(); plan.cells.len()];
    let classes = [
        FailureClass::Transient,
        FailureClass::Permanent,
        FailureClass::Infra,
    ];
    let causes = [
        InfraCause::EngineGone,
        InfraCause::Containerd,
        InfraCause::RegistryGone,
        InfraCause::Network,
        InfraCause::DiskFull,
        InfraCause::Emulation,
    ];
    for (i, cause) in causes.iter().enumerate() {
        attempts[i % plan.cells.len()].push(attempt(
            Outcome::Failed,
            Some(classes[i % 3]),
            Some(*cause),
        ));
    }
    attempts[5].push(attempt(Outcome::Green, None, None));
    attempts[9].push(attempt(Outcome::Canceled, None, None));
    let run = RunReport {
        plan: &plan,
        statuses: &statuses,
        attempts: &attempts,
        started: SystemTime::now(),
        duration: Duration::from_secs(90),
        exit_code: 130,
    };
    serde_json::to_value(json::build(&run)).unwrap()
}

#[test]
fn every_status_class_and_cause_fits_the_schema() {
    let report = every_kind_of_cell();
    let words: std::collections::BTreeSet<&str> = report["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert_eq!(words.len(), 10, "{words:?}");
    assert_valid(&validator(), &report);
}

/// A change that makes a good report wrong.
type Change = fn(&mut Value);

#[test]
fn the_schema_rejects_a_wrong_type_a_missing_field_and_an_unknown_word() {
    let v = validator();
    let good = every_kind_of_cell();
    assert!(v.is_valid(&good));
    let broken: [(&str, Change); 7] = [
        ("no exit_code", |r| {
            r.as_object_mut().unwrap().remove("exit_code");
        }),
        ("duration_ms as text", |r| r["duration_ms"] = "90000".into()),
        ("a cell without a status", |r| {
            r["cells"][0].as_object_mut().unwrap().remove("status");
        }),
        ("an unknown status", |r| {
            r["cells"][0]["status"] = "purple".into()
        }),
        ("a blocked cell that names no dependency", |r| {
            r["cells"][2].as_object_mut().unwrap().remove("blocked_by");
        }),
        ("a negative attempt duration", |r| {
            r["cells"][0]["attempts"][0]["duration_ms"] = (-1).into()
        }),
        ("a field the schema does not know", |r| {
            r["cells"][0]["colour"] = "red".into()
        }),
    ];
    for (what, change) in broken {
        let mut report = good.clone();
        change(&mut report);
        assert!(!v.is_valid(&report), "the schema let through {what}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_silent_step_is_named_every_minute_and_a_shorter_one_never() {
    let dir = project();
    let prep = prepared(dir.path(), &["linux/amd64"]);
    let step = |name, secs| Step {
        name,
        lasts: Duration::from_secs(secs),
        prints: "",
    };
    let runner = scripted(&[
        (
            "base@linux/amd64",
            Script {
                steps: vec![
                    step("[1/2] COPY . .", 50),
                    step("[2/2] RUN \u{1b}[1mmake all", 130),
                ],
                fails: None,
            },
        ),
        (
            "solo@linux/amd64",
            Script {
                steps: vec![step("[1/1] RUN quick", 59)],
                fails: None,
            },
        ),
    ]);
    let started = tokio::time::Instant::now();
    let mut out = Vec::new();
    let code = archgrid::cli::build::run(prep, runner, &Destinations::default(), &mut out).await;
    let text = String::from_utf8(out).unwrap();
    assert_eq!(code, 0, "{text}");
    assert!(started.elapsed() >= Duration::from_secs(180), "{text}");
    let still: Vec<&str> = text
        .lines()
        .filter(|l| l.contains(" still in step "))
        .collect();
    assert_eq!(
        still,
        [
            "[base linux/amd64] still in step 2/2 [2/2] RUN make all 1m00s",
            "[base linux/amd64] still in step 2/2 [2/2] RUN make all 2m00s",
        ],
        "{text}"
    );
}
