//! `--junit`: the run as a JUnit XML file, which every CI server draws as a list of tests. Each
//! cell of the plan is a test case, `classname` its component and `name` its platform:
//!
//! - green: passes, its build time as `time`;
//! - up to date: passes with time 0, and a `<system-out>` that says it was not built;
//! - not selected: `<skipped>`;
//! - failed: `<failure type="{class}">` with the last lines of its log;
//! - blocked: `<failure type="blocked">` naming the dependency that did not build and the first
//!   cell of the chain that failed, with that cell's log path;
//! - refused: `<failure type="refused">` with why;
//! - canceled, or still queued or running when the run was stopped: `<error>` (`type` canceled
//!   or unfinished). The cell is neither good nor the build's fault: the run did not finish it.

use std::borrow::Cow;
use std::io;
use std::time::Duration;

use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::Writer;

use super::{log_tail, rfc3339, RunReport, TAIL_LINES};
use crate::model::sanitize::sanitize_line;
use crate::model::CellStatus;
use crate::plan::Cell;

/// How one test case ended.
#[derive(Debug, Clone, PartialEq)]
enum Verdict {
    Pass,
    Failure {
        message: String,
        kind: String,
        text: String,
    },
    Error {
        message: String,
        kind: &'static str,
        text: String,
    },
    Skipped {
        message: &'static str,
    },
}

#[derive(Debug, Clone, PartialEq)]
struct Case {
    classname: String,
    name: String,
    time: Duration,
    verdict: Verdict,
    /// What a person reading the case wants besides its verdict: the digest, the log's path.
    out: Option<String>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Counts {
    tests: usize,
    failures: usize,
    errors: usize,
    skipped: usize,
}

pub const NOT_SELECTED: &str = "not selected: outside this run's --only and --platform";

/// The JUnit file for `run`, as bytes.
pub fn render(run: &RunReport) -> Vec<u8> {
    let cases: Vec<Case> = run.plan.cells.iter().map(|c| case(run, c)).collect();
    let mut counts = Counts {
        tests: cases.len(),
        ..Counts::default()
    };
    for case in &cases {
        match case.verdict {
            Verdict::Pass => {}
            Verdict::Failure { .. } => counts.failures += 1,
            Verdict::Error { .. } => counts.errors += 1,
            Verdict::Skipped { .. } => counts.skipped += 1,
        }
    }
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    write(&mut w, run, &counts, &cases).expect("writing to memory does not fail");
    let mut bytes = w.into_inner();
    bytes.push(b'\n');
    bytes
}

fn write(w: &mut Writer<Vec<u8>>, run: &RunReport, n: &Counts, cases: &[Case]) -> io::Result<()> {
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let tests = n.tests.to_string();
    let failures = n.failures.to_string();
    let errors = n.errors.to_string();
    let skipped = n.skipped.to_string();
    let time = seconds(run.duration);
    let counts = [
        ("tests", tests.as_str()),
        ("failures", &failures),
        ("errors", &errors),
        ("skipped", &skipped),
        ("time", &time),
    ];
    let timestamp = rfc3339(run.started);
    let exit_code = run.exit_code.to_string();
    let project = xml_safe(&run.plan.project);
    let tag = xml_safe(&run.plan.tag);
    w.create_element("testsuites")
        .with_attribute(("name", "archgrid"))
        .with_attributes(counts)
        .write_inner_content(|w| {
            w.create_element("testsuite")
                .with_attribute(("name", "archgrid"))
                .with_attributes(counts)
                .with_attribute(("timestamp", timestamp.as_str()))
                .write_inner_content(|w| {
                    w.create_element("properties").write_inner_content(|w| {
                        for (name, value) in [
                            ("project", &*project),
                            ("tag", &*tag),
                            ("exit_code", &exit_code),
                        ] {
                            w.create_element("property")
                                .with_attributes([("name", name), ("value", value)])
                                .write_empty()?;
                        }
                        Ok(())
                    })?;
                    for case in cases {
                        write_case(w, case)?;
                    }
                    Ok(())
                })?;
            Ok(())
        })?;
    Ok(())
}

fn write_case(w: &mut Writer<Vec<u8>>, case: &Case) -> io::Result<()> {
    let time = seconds(case.time);
    let element = w.create_element("testcase").with_attributes([
        ("classname", case.classname.as_str()),
        ("name", &case.name),
        ("time", &time),
    ]);
    if case.verdict == Verdict::Pass && case.out.is_none() {
        element.write_empty()?;
        return Ok(());
    }
    element.write_inner_content(|w| {
        match &case.verdict {
            Verdict::Pass => {}
            Verdict::Failure {
                message,
                kind,
                text,
            } => {
                w.create_element("failure")
                    .with_attributes([("message", message.as_str()), ("type", kind)])
                    .write_text_content(BytesText::new(text))?;
            }
            Verdict::Error {
                message,
                kind,
                text,
            } => {
                w.create_element("error")
                    .with_attributes([("message", message.as_str()), ("type", kind)])
                    .write_text_content(BytesText::new(text))?;
            }
            Verdict::Skipped { message } => {
                w.create_element("skipped")
                    .with_attribute(("message", *message))
                    .write_empty()?;
            }
        }
        if let Some(out) = &case.out {
            w.create_element("system-out")
                .write_text_content(BytesText::new(out))?;
        }
        Ok(())
    })?;
    Ok(())
}

fn case(run: &RunReport, cell: &Cell) -> Case {
    let status = run
        .statuses
        .get(cell.index)
        .cloned()
        .unwrap_or(CellStatus::NotSelected);
    let ran = run.build_time(cell.index).is_some();
    let log = ran.then(|| format!("log: {}", cell.log_file.display()));
    let (verdict, out) = match &status {
        CellStatus::NotSelected => (
            Verdict::Skipped {
                message: NOT_SELECTED,
            },
            None,
        ),
        CellStatus::UpToDate { digest } => (
            Verdict::Pass,
            Some(format!(
                "up to date: green for the same inputs in an earlier run, not built again{}",
                digest
                    .as_deref()
                    .map(|d| format!("; digest {d}"))
                    .unwrap_or_default()
            )),
        ),
        CellStatus::Green { digest, cached, .. } => {
            let mut out = format!(
                "green{}, digest {}",
                if *cached { " (every step cached)" } else { "" },
                digest.as_deref().unwrap_or("unknown")
            );
            if let Some(log) = &log {
                out.push('\n');
                out.push_str(log);
            }
            (Verdict::Pass, Some(out))
        }
        CellStatus::Failed { class, reason, .. } => {
            let cause = run
                .attempts
                .get(cell.index)
                .and_then(|a| a.last())
                .and_then(|a| a.cause);
            let message = match cause {
                Some(cause) => format!("{} ({cause})", sanitize_line(reason)),
                None => sanitize_line(reason),
            };
            (
                Verdict::Failure {
                    message,
                    kind: class.word().to_string(),
                    text: failure_text(run, cell, reason),
                },
                log,
            )
        }
        CellStatus::Blocked { by } => (blocked(run, cell, *by), None),
        CellStatus::Refused { reason } => {
            let reason = sanitize_line(reason);
            (
                Verdict::Failure {
                    message: reason.clone(),
                    kind: "refused".into(),
                    text: format!("refused before the run: {reason}"),
                },
                None,
            )
        }
        CellStatus::Canceled => (
            Verdict::Error {
                message: if ran {
                    "canceled before it finished".into()
                } else {
                    "canceled before it started".into()
                },
                kind: "canceled",
                text: if ran {
                    failure_text(run, cell, "canceled")
                } else {
                    String::new()
                },
            },
            log,
        ),
        CellStatus::Queued
        | CellStatus::Warming
        | CellStatus::Running { .. }
        | CellStatus::Retrying { .. } => (
            Verdict::Error {
                message: format!("did not finish: still {} when the run ended", status.word()),
                kind: "unfinished",
                text: String::new(),
            },
            log,
        ),
    };
    Case {
        classname: xml_safe(&cell.component).into_owned(),
        name: xml_safe(&cell.platform.to_string()).into_owned(),
        time: run.build_time(cell.index).unwrap_or_default(),
        verdict: clean(verdict),
        out: out.map(|o| xml_safe(&o).into_owned()),
    }
}

fn blocked(run: &RunReport, cell: &Cell, by: usize) -> Verdict {
    let id = |i: usize| {
        run.plan
            .cells
            .get(i)
            .map_or_else(|| format!("#{i}"), Cell::id)
    };
    let word = |i: usize| run.statuses.get(i).map_or("missing", CellStatus::word);
    let first = run.first_unbuilt(by);
    let mut message = format!("blocked: {} did not build", id(by));
    let mut text = format!(
        "{} never started: it builds on {}, which did not build ({}).",
        cell.id(),
        id(by),
        word(by)
    );
    if first != by {
        message.push_str(&format!("; the first that did not is {}", id(first)));
        text.push_str(&format!(
            "\nThe first cell of that chain that did not build is {} ({}).",
            id(first),
            word(first)
        ));
    }
    if run.build_time(first).is_some() {
        if let Some(c) = run.plan.cells.get(first) {
            text.push_str(&format!("\n{}'s log: {}", id(first), c.log_file.display()));
        }
    }
    Verdict::Failure {
        message,
        kind: "blocked".into(),
        text,
    }
}

/// The last lines of the cell's log; the failure text this run kept when the log cannot be read.
fn failure_text(run: &RunReport, cell: &Cell, otherwise: &str) -> String {
    if let Some(lines) = log_tail(&cell.log_file, TAIL_LINES) {
        return lines.join("\n");
    }
    let kept = run
        .attempts
        .get(cell.index)
        .and_then(|a| a.last())
        .and_then(|a| a.text.as_deref())
        .unwrap_or(otherwise);
    let lines: Vec<&str> = kept.lines().collect();
    let from = lines.len().saturating_sub(TAIL_LINES);
    lines[from..]
        .iter()
        .map(|l| sanitize_line(l))
        .collect::<Vec<_>>()
        .join("\n")
}

fn clean(verdict: Verdict) -> Verdict {
    let safe = |s: String| xml_safe(&s).into_owned();
    match verdict {
        Verdict::Failure {
            message,
            kind,
            text,
        } => Verdict::Failure {
            message: safe(message),
            kind: safe(kind),
            text: safe(text),
        },
        Verdict::Error {
            message,
            kind,
            text,
        } => Verdict::Error {
            message: safe(message),
            kind,
            text: safe(text),
        },
        other => other,
    }
}

/// `12.345`: seconds, as JUnit's `time` attributes hold them.
fn seconds(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64())
}

/// Text with only the characters XML 1.0 allows: no escape can carry the others, and a parser
/// rejects the whole file for one of them. Sanitized build output has none left; this holds for
/// every other string too.
pub fn xml_safe(s: &str) -> Cow<'_, str> {
    fn allowed(c: char) -> bool {
        matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
    }
    if s.chars().all(allowed) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.chars().filter(|&c| allowed(c)).collect())
    }
}
