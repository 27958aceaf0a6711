//! Both reports from hand-built statuses: every verdict, escaping, and what may not reach a file.

use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use super::json::{self, Status};
use super::{junit, Destinations, ReportError, RunReport};
use crate::build::state::AttemptRecord;
use crate::model::{CellStatus, FailureClass, InfraCause, Outcome};
use crate::plan::{Cell, Edge, Plan};

/// `base` ← `api` ← `web` on amd64 and arm64, cells in that order, logs under `dir`.
pub(crate) fn plan(dir: &Path) -> Plan {
    let platforms: Vec<crate::model::Platform> = ["linux/amd64", "linux/arm64"]
        .iter()
        .map(|p| p.parse().unwrap())
        .collect();
    let mut cells: Vec<Cell> = Vec::new();
    for (c, name) in ["base", "api", "web"].iter().enumerate() {
        for (p, platform) in platforms.iter().enumerate() {
            let index = cells.len();
            let deps = if c == 0 { vec![] } else { vec![index - 2] };
            cells.push(Cell {
                index,
                component: name.to_string(),
                platform: platform.clone(),
                image: format!("r/{name}:t-{p}"),
                argv: vec![],
                edges: deps.iter().copied().map(Edge::declared).collect(),
                deps,
                reads: vec![],
                context: dir.to_path_buf(),
                dockerfile: dir.join("Dockerfile"),
                builder: None,
                docker_context: None,
                metadata_file: dir.join(format!("{name}-{}.json", platform.arch_tag())),
                log_file: dir.join(format!("{name}-{}.log", platform.arch_tag())),
                chain: 0,
                steps: 1,
                emulated: false,
                warm: None,
            });
        }
    }
    Plan {
        project: "demo".into(),
        tag: "v1".into(),
        registry: None,
        components: vec!["base".into(), "api".into(), "web".into()],
        platforms,
        order: (0..cells.len()).collect(),
        cells,
        dep_findings: vec![],
        strict_deps: false,
        state_dir: dir.to_path_buf(),
    }
}

pub(crate) fn attempt(outcome: Outcome, class: Option<FailureClass>, secs: u64) -> AttemptRecord {
    AttemptRecord {
        attempt: 1,
        started: UNIX_EPOCH + Duration::from_secs(1_780_000_000),
        duration: Duration::from_secs(secs),
        outcome,
        class,
        cause: None,
        reason: class.map(|_| "exit code: 3 <&\"".to_string()),
        text: class.map(|_| "ERROR: exit code: 3".to_string()),
        retried: false,
        given_back: false,
    }
}

/// A failure's log with markup, escapes, C0 and C1 controls and a non-character in it.
const NASTY_LOG: &str = "#5 [2/3] RUN make\n\
    #5 0.1 <b>bold</b> & \"quoted\" 'single'\n\
    #5 0.2 \x1b[31mred\x1b[0m bell\x07 nul\x00 vt\x0b c1\u{85} nonchar\u{fffe} end\n\
    #5 ERROR: process did not complete successfully: exit code: 3\n";

struct Sample {
    _dir: tempfile::TempDir,
    plan: Plan,
    statuses: Vec<CellStatus>,
    attempts: Vec<Vec<AttemptRecord>>,
}

impl Sample {
    fn report(&self) -> RunReport<'_> {
        RunReport {
            plan: &self.plan,
            statuses: &self.statuses,
            attempts: &self.attempts,
            started: UNIX_EPOCH + Duration::from_millis(1_780_000_000_123),
            duration: Duration::from_millis(61_500),
            exit_code: 1,
        }
    }
}

/// base@amd64 green, base@arm64 failed, api@amd64 up to date, api@arm64 blocked by base,
/// web@amd64 not selected, web@arm64 blocked by api (so, in the end, by base).
fn sample() -> Sample {
    let dir = tempfile::tempdir().unwrap();
    let plan = plan(dir.path());
    std::fs::write(&plan.cells[0].log_file, "# attempt 1\n#3 DONE 1.2s\n").unwrap();
    std::fs::write(&plan.cells[1].log_file, NASTY_LOG).unwrap();
    let statuses = vec![
        CellStatus::Green {
            digest: Some("sha256:aa".into()),
            duration: Duration::from_millis(1200),
            cached: false,
        },
        CellStatus::Failed {
            class: FailureClass::Permanent,
            reason: "exit code: 3 <&\"\x1b[1m".into(),
            attempts: 1,
        },
        CellStatus::UpToDate {
            digest: Some("sha256:bb".into()),
        },
        CellStatus::Blocked { by: 1 },
        CellStatus::NotSelected,
        CellStatus::Blocked { by: 3 },
    ];
    let mut green = attempt(Outcome::Green, None, 0);
    green.duration = Duration::from_millis(1200);
    let attempts = vec![
        vec![green],
        vec![attempt(Outcome::Failed, Some(FailureClass::Permanent), 42)],
        vec![],
        vec![],
        vec![],
        vec![],
    ];
    Sample {
        _dir: dir,
        plan,
        statuses,
        attempts,
    }
}

fn xml(run: &RunReport) -> String {
    String::from_utf8(junit::render(run)).unwrap()
}

fn case<'a>(doc: &'a roxmltree::Document, class: &str, name: &str) -> roxmltree::Node<'a, 'a> {
    doc.descendants()
        .find(|n| {
            n.has_tag_name("testcase")
                && n.attribute("classname") == Some(class)
                && n.attribute("name") == Some(name)
        })
        .unwrap_or_else(|| panic!("no testcase {class} {name}"))
}

fn child<'a>(node: roxmltree::Node<'a, 'a>, tag: &str) -> Option<roxmltree::Node<'a, 'a>> {
    node.children().find(|n| n.has_tag_name(tag))
}

#[test]
fn junit_counts_every_cell_and_each_verdict() {
    let s = sample();
    let text = xml(&s.report());
    let doc = roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .unwrap();
    assert_eq!(suite.attribute("name"), Some("archgrid"));
    let attr = |name: &str| suite.attribute(name).unwrap().to_string();
    assert_eq!(attr("tests"), "6");
    assert_eq!(attr("failures"), "3", "the failure and both blocked cells");
    assert_eq!(attr("errors"), "0");
    assert_eq!(attr("skipped"), "1");
    assert_eq!(attr("time"), "61.500");
    assert_eq!(attr("timestamp"), "2026-05-28T20:26:40.123Z");
    assert_eq!(
        suite
            .descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .count(),
        6
    );

    let green = case(&doc, "base", "linux/amd64");
    assert_eq!(green.attribute("time"), Some("1.200"));
    assert!(child(green, "failure").is_none());
    let out = child(green, "system-out").unwrap().text().unwrap();
    assert!(out.contains("sha256:aa"), "{out}");

    let up = case(&doc, "api", "linux/amd64");
    assert_eq!(up.attribute("time"), Some("0.000"));
    assert!(child(up, "failure").is_none() && child(up, "skipped").is_none());
    let out = child(up, "system-out").unwrap().text().unwrap();
    assert!(out.starts_with("up to date"), "{out}");

    let skipped = case(&doc, "web", "linux/amd64");
    let message = child(skipped, "skipped").unwrap().attribute("message");
    assert_eq!(message, Some(junit::NOT_SELECTED));
}

#[test]
fn a_failure_carries_its_log_tail_escaped_and_without_control_characters() {
    let s = sample();
    let text = xml(&s.report());
    // Nothing XML 1.0 forbids, and the markup in the log is text, not elements.
    assert!(
        !text
            .chars()
            .any(|c| (c.is_control() && c != '\n') || c == '\u{fffe}'),
        "{text:?}"
    );
    assert!(text.contains("&lt;b&gt;bold&lt;/b&gt; &amp;"), "{text}");
    let doc = roxmltree::Document::parse(&text).unwrap();
    let failed = case(&doc, "base", "linux/arm64");
    assert_eq!(failed.attribute("time"), Some("42.000"));
    let failure = child(failed, "failure").unwrap();
    assert_eq!(failure.attribute("type"), Some("permanent"));
    assert_eq!(failure.attribute("message"), Some("exit code: 3 <&\""));
    assert_eq!(
        failure.text().unwrap(),
        "#5 [2/3] RUN make\n\
         #5 0.1 <b>bold</b> & \"quoted\" 'single'\n\
         #5 0.2 red bell nul vt c1 nonchar end\n\
         #5 ERROR: process did not complete successfully: exit code: 3"
    );
    assert!(!doc.descendants().any(|n| n.has_tag_name("b")));
}

#[test]
fn a_blocked_cell_names_what_blocked_it() {
    let s = sample();
    let text = xml(&s.report());
    let doc = roxmltree::Document::parse(&text).unwrap();
    let direct = child(case(&doc, "api", "linux/arm64"), "failure").unwrap();
    assert_eq!(direct.attribute("type"), Some("blocked"));
    assert_eq!(
        direct.attribute("message"),
        Some("blocked: base@linux/arm64 did not build")
    );
    let body = direct.text().unwrap();
    assert!(body.contains("base@linux/arm64's log: "), "{body}");
    assert!(body.contains("base-arm64.log"), "{body}");
    let chained = child(case(&doc, "web", "linux/arm64"), "failure").unwrap();
    assert_eq!(
        chained.attribute("message"),
        Some("blocked: api@linux/arm64 did not build; the first that did not is base@linux/arm64")
    );
}

#[test]
fn a_failure_keeps_only_the_end_of_a_long_log() {
    let mut s = sample();
    let long: String = (0..500).map(|i| format!("line {i}\n")).collect();
    std::fs::write(&s.plan.cells[1].log_file, long).unwrap();
    s.attempts[1][0].cause = Some(InfraCause::DiskFull);
    let text = xml(&s.report());
    let doc = roxmltree::Document::parse(&text).unwrap();
    let failure = child(case(&doc, "base", "linux/arm64"), "failure").unwrap();
    let body = failure.text().unwrap();
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(lines.len(), super::TAIL_LINES);
    assert_eq!(lines[0], "line 450");
    assert_eq!(lines.last(), Some(&"line 499"));
    assert_eq!(
        failure.attribute("message"),
        Some("exit code: 3 <&\" (no space left on the engine's disk)")
    );
}

#[test]
fn without_its_log_a_failure_shows_the_text_the_run_kept() {
    let s = sample();
    std::fs::remove_file(&s.plan.cells[1].log_file).unwrap();
    let text = xml(&s.report());
    let doc = roxmltree::Document::parse(&text).unwrap();
    let failure = child(case(&doc, "base", "linux/arm64"), "failure").unwrap();
    assert_eq!(failure.text(), Some("ERROR: exit code: 3"));
}

#[test]
fn canceled_cells_are_errors_and_refused_ones_failures() {
    let mut s = sample();
    s.statuses[1] = CellStatus::Canceled;
    s.attempts[1][0].outcome = Outcome::Canceled;
    s.statuses[0] = CellStatus::Refused {
        reason: "builder arm cannot build linux/amd64".into(),
    };
    s.attempts[0].clear();
    s.statuses[2] = CellStatus::Canceled;
    let text = xml(&s.report());
    let doc = roxmltree::Document::parse(&text).unwrap();
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .unwrap();
    assert_eq!(suite.attribute("errors"), Some("2"));
    assert_eq!(suite.attribute("failures"), Some("3"));
    let ran = child(case(&doc, "base", "linux/arm64"), "error").unwrap();
    assert_eq!(ran.attribute("type"), Some("canceled"));
    assert_eq!(
        ran.attribute("message"),
        Some("canceled before it finished")
    );
    assert!(ran.text().unwrap().contains("RUN make"));
    let never = child(case(&doc, "api", "linux/amd64"), "error").unwrap();
    assert_eq!(
        never.attribute("message"),
        Some("canceled before it started")
    );
    let refused = child(case(&doc, "base", "linux/amd64"), "failure").unwrap();
    assert_eq!(refused.attribute("type"), Some("refused"));
    assert_eq!(
        refused.attribute("message"),
        Some("builder arm cannot build linux/amd64")
    );
}

#[test]
fn names_from_the_matrix_are_escaped_too() {
    let mut s = sample();
    s.plan.project = "a<b>&\"c\"\u{1}".into();
    s.plan.cells[0].component = "x&<y>\"".into();
    let text = xml(&s.report());
    let doc = roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let project = doc
        .descendants()
        .find(|n| n.has_tag_name("property") && n.attribute("name") == Some("project"))
        .unwrap();
    assert_eq!(project.attribute("value"), Some("a<b>&\"c\""));
    case(&doc, "x&<y>\"", "linux/amd64");
}

#[test]
fn xml_safe_drops_only_what_xml_forbids() {
    assert_eq!(
        junit::xml_safe("tab\tline\nret\r é 😀"),
        "tab\tline\nret\r é 😀"
    );
    assert_eq!(junit::xml_safe("a\u{0}b\u{1f}c\u{fffe}d\u{ffff}e"), "abcde");
}

#[test]
fn json_reports_each_cell_with_its_attempts() {
    let s = sample();
    let report = json::build(&s.report());
    assert_eq!(report.version, json::VERSION);
    assert_eq!(report.started, "2026-05-28T20:26:40.123Z");
    assert_eq!(report.duration_ms, 61_500);
    assert_eq!(report.exit_code, 1);
    let statuses: Vec<(&str, Status)> = report
        .cells
        .iter()
        .map(|c| (c.id.as_str(), c.status))
        .collect();
    assert_eq!(
        statuses,
        [
            ("base@linux/amd64", Status::Green),
            ("base@linux/arm64", Status::Failed),
            ("api@linux/amd64", Status::UpToDate),
            ("api@linux/arm64", Status::Blocked),
            ("web@linux/amd64", Status::NotSelected),
            ("web@linux/arm64", Status::Blocked),
        ]
    );
    let failed = &report.cells[1];
    assert_eq!(failed.class, Some(FailureClass::Permanent));
    assert_eq!(failed.reason.as_deref(), Some("exit code: 3 <&\""));
    assert_eq!(failed.duration_ms, Some(42_000));
    assert_eq!(
        failed.log.as_deref().map(PathBuf::from),
        Some(s.plan.cells[1].log_file.clone())
    );
    assert_eq!(failed.attempts.len(), 1);
    assert_eq!(failed.attempts[0].outcome, Outcome::Failed);
    assert_eq!(failed.attempts[0].started, "2026-05-28T20:26:40.000Z");
    let up = &report.cells[2];
    assert_eq!(up.digest.as_deref(), Some("sha256:bb"));
    assert!(up.attempts.is_empty() && up.log.is_none() && up.duration_ms.is_none());
    assert_eq!(
        report.cells[3].blocked_by.as_deref(),
        Some("base@linux/arm64")
    );
    assert_eq!(
        report.cells[5].blocked_by.as_deref(),
        Some("api@linux/arm64")
    );

    let text = String::from_utf8(json::render(&s.report())).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["cells"][0]["status"], "green");
    assert_eq!(value["cells"][2]["status"], "up_to_date");
    assert_eq!(value["cells"][4]["status"], "not_selected");
    assert_eq!(value["cells"][1]["attempts"][0]["class"], "permanent");
    // Absent, not null: a reader tells "no digest" by the key.
    assert!(value["cells"][1].get("digest").is_none());
    assert!(!text.contains('\u{1b}'));
    let back: json::Report = serde_json::from_str(&text).unwrap();
    assert_eq!(back, report);
}

#[test]
fn reports_replace_the_file_whole_and_leave_no_temp_file() {
    let s = sample();
    let out = tempfile::tempdir().unwrap();
    let junit_path = out.path().join("junit.xml");
    std::fs::write(&junit_path, "old").unwrap();
    let dest = Destinations::new(
        Some(Path::new("junit.xml")),
        Some(Path::new("report.json")),
        out.path(),
    );
    dest.check().unwrap();
    dest.write_junit(&s.report()).unwrap();
    dest.write_json(&s.report()).unwrap();
    let text = std::fs::read_to_string(&junit_path).unwrap();
    assert!(text.starts_with("<?xml"), "{text}");
    let mut names: Vec<String> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["junit.xml", "report.json"]);
}

#[test]
fn a_missing_folder_is_named_with_what_to_do() {
    let out = tempfile::tempdir().unwrap();
    let dest = Destinations::new(None, Some(Path::new("ci/out/report.json")), out.path());
    let err = dest.check().unwrap_err();
    assert!(matches!(err, ReportError::NoFolder { .. }), "{err:?}");
    let words = err.to_string();
    let folder = out.path().join("ci/out");
    assert!(words.contains("--report-json"), "{words}");
    assert!(
        words.contains(&format!("the folder {} does not exist", folder.display())),
        "{words}"
    );
    assert!(
        err.hint()
            .contains(&format!("mkdir -p {}", folder.display())),
        "{}",
        err.hint()
    );
    let s = sample();
    assert!(matches!(
        dest.write_json(&s.report()),
        Err(ReportError::NoFolder { .. })
    ));
    let dest = Destinations::new(Some(Path::new(".")), None, out.path());
    assert!(matches!(dest.check(), Err(ReportError::IsFolder { .. })));
}

#[tokio::test(start_paused = true)]
async fn the_recorder_keeps_this_runs_attempts_and_the_time_to_the_last_event() {
    use crate::build::scheduler::Event;
    let dir = tempfile::tempdir().unwrap();
    let plan = std::sync::Arc::new(plan(dir.path()));
    let initial = vec![CellStatus::Queued; plan.cells.len()];
    let mut rec = super::Recorder::new(plan.clone(), &initial);
    tokio::time::advance(Duration::from_secs(5)).await;
    let mut failed = attempt(Outcome::Failed, Some(FailureClass::Transient), 5);
    failed.text = Some("x".repeat(10_000));
    rec.observe(&Event::AttemptEnded {
        cell: 1,
        record: failed,
    });
    rec.observe(&Event::Status {
        cell: 1,
        status: CellStatus::Queued,
    });
    tokio::time::advance(Duration::from_secs(7)).await;
    rec.observe(&Event::AttemptEnded {
        cell: 1,
        record: attempt(Outcome::Green, None, 7),
    });
    rec.observe(&Event::Status {
        cell: 1,
        status: CellStatus::Green {
            digest: None,
            duration: Duration::from_secs(7),
            cached: false,
        },
    });
    rec.observe(&Event::Settled);
    // A console left open after the grid settled.
    tokio::time::advance(Duration::from_secs(600)).await;
    let report = rec.report(0);
    assert_eq!(report.duration, Duration::from_secs(12));
    assert_eq!(report.attempts[1].len(), 2);
    assert!(report.attempts[0].is_empty());
    // Kept as short as state.json keeps it, saying where the rest is.
    let kept = report.attempts[1][0].text.as_deref().unwrap();
    assert!(kept.len() < 5_000, "{}", kept.len());
    assert!(kept.contains("base-arm64.log"), "{}", &kept[..200]);
    assert_eq!(report.build_time(1), Some(Duration::from_secs(12)));
    assert!(report.statuses[1].is_green());
}
