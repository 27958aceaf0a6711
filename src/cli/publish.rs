//! The headless front end of `publish`, `verify` and `export`: a line per step, what differs or
//! is missing spelled out, and an exit code a script can trust (0 done, 1 refused, verify
//! failed or export incomplete, 2 bad matrix or engine unreachable).

use std::io::Write;
use std::path::PathBuf;
use std::time::SystemTime;

use crate::build::prepare::{Prepared, Selection};
use color_eyre::eyre::{bail, eyre};

use super::check_buildx;
use crate::cli::exit::{EXIT_FAILED, EXIT_GREEN};
use crate::cli::runtime;
use crate::config::Matrix;
use crate::model::clock::clock;
use crate::model::sanitize::sanitize_line;
use crate::model::text::{plural, size_words};
use crate::model::{format_duration, Platform, RecordedStatus};
use crate::publish::create::{self, Before, Outcome, PublishOptions, PublishProgress, Refusal};
use crate::publish::export::{self, ExportOptions, ExportProgress};
use crate::publish::retry::{retried_words, Retried, RetryNote};
use crate::publish::verify::{self, ListReport, VerifyProgress};
use crate::publish::{list_words, NotGreen, WhyNotGreen};

/// `platforms` are `--platform` entries: the lists hold only those platforms' images.
pub fn publish(
    matrix: Matrix,
    component: Option<String>,
    allow_partial: bool,
    platforms: &[String],
) -> color_eyre::Result<i32> {
    let extra_tags = matrix.project.tags.clone();
    let policy = matrix.retry.clone();
    let prep = load(matrix)?;
    let chosen = choose(&prep, platforms)?;
    let opts = PublishOptions {
        component,
        allow_partial,
        platforms: chosen.clone(),
    };
    let lists = match create::plan_publish(&prep.plan, &prep.initial, &extra_tags, &opts) {
        Ok(lists) => lists,
        Err(refusal) => return refuse(&prep, refusal),
    };
    let mut out = std::io::stdout();
    let tags: Vec<&str> = std::iter::once(prep.plan.tag.as_str())
        .chain(extra_tags.iter().map(String::as_str))
        .collect();
    let publishable = lists.iter().filter(|l| !l.sources.is_empty()).count();
    let _ = writeln!(
        out,
        "publishing {publishable} component{} (tag{} {})",
        plural(publishable),
        plural(tags.len()),
        tags.join(", ")
    );
    for name in prep.plan.components.iter().filter(|c| {
        !chosen.is_empty()
            && opts
                .component
                .as_deref()
                .is_none_or(|only| only == c.as_str())
            && !lists.iter().any(|l| &l.component == *c)
    }) {
        let _ = writeln!(
            out,
            "[{name}] skipped: not built for {}",
            platform_words(&chosen)
        );
    }
    for list in &lists {
        let label = format!("[{}]", list.component);
        if list.sources.is_empty() {
            let _ = writeln!(
                out,
                "{label} skipped: no green cell ({})",
                missing_words(&prep, &list.missing)
            );
            continue;
        }
        let sources: Vec<String> = list
            .sources
            .iter()
            .map(|s| format!("{} {}", s.platform, s.digest))
            .collect();
        let _ = writeln!(
            out,
            "{label} {} from {}",
            list.targets.join(" and "),
            sources.join(", ")
        );
        if list.partial() {
            let _ = writeln!(
                out,
                "{label} partial: missing {} ({})",
                list.missing_platforms().join(", "),
                missing_words(&prep, &list.missing)
            );
        }
        let left_out = left_out(&prep, &list.component, &chosen);
        if !left_out.is_empty() {
            let _ = writeln!(
                out,
                "{label} partial: leaves out {} (not chosen with --platform)",
                platform_words(&left_out)
            );
        }
    }
    let _ = out.flush();
    let results = runtime().block_on(async {
        check_buildx().await?;
        let mut progress = |event: PublishProgress| print_publish(&event);
        Ok::<_, color_eyre::Report>(create::publish(&lists, &policy, &mut progress).await)
    })?;
    let pushed = results
        .iter()
        .filter(|r| r.outcome == Outcome::Pushed)
        .count();
    let unchanged = results
        .iter()
        .filter(|r| r.outcome == Outcome::Unchanged)
        .count();
    let failed: Vec<String> = results
        .iter()
        .filter(|r| !r.ok() && r.outcome != Outcome::Skipped)
        .map(|r| r.component.clone())
        .collect();
    let partial = results.iter().any(|r| r.partial());
    let published_left_out: Vec<Platform> = prep
        .plan
        .platforms
        .iter()
        .filter(|p| {
            results.iter().any(|r| {
                r.outcome != Outcome::Skipped && left_out(&prep, &r.component, &chosen).contains(p)
            })
        })
        .cloned()
        .collect();
    let mut summary = if pushed == 0 && unchanged > 0 && failed.is_empty() {
        format!("nothing to push: the registry already serves all {unchanged} lists (no-op)")
    } else {
        format!("published: {pushed} pushed, {unchanged} unchanged")
    };
    if !failed.is_empty() {
        summary.push_str(&format!(
            ", {} failed ({})",
            failed.len(),
            failed.join(", ")
        ));
    }
    let mut partial_words = Vec::new();
    if partial {
        partial_words.push("some platforms are missing, see above".to_string());
    }
    if !published_left_out.is_empty() {
        partial_words.push(format!(
            "the lists leave out {}, not chosen with --platform",
            platform_words(&published_left_out)
        ));
    }
    if !partial_words.is_empty() {
        summary.push_str(&format!("; result: partial ({})", partial_words.join("; ")));
    }
    println!("{summary}");
    Ok(if failed.is_empty() {
        EXIT_GREEN
    } else {
        EXIT_FAILED
    })
}

fn print_publish(event: &PublishProgress) {
    let mut out = std::io::stdout().lock();
    match event {
        PublishProgress::Creating { component, command } => {
            let _ = writeln!(out, "[{component}] $ {command}");
        }
        PublishProgress::Finished(p) => {
            let label = format!("[{}]", p.component);
            match &p.outcome {
                Outcome::Skipped => {}
                Outcome::Failed(e) => {
                    let _ = writeln!(out, "{label} FAILED:");
                    for line in e.lines() {
                        let _ = writeln!(out, "    {}", sanitize_line(line));
                    }
                }
                Outcome::Unchanged => {
                    let _ = writeln!(
                        out,
                        "{label} unchanged: the registry already serves exactly these digests (no-op)"
                    );
                }
                Outcome::Pushed => {
                    for t in &p.targets {
                        let line = match &t.before {
                            Before::Absent => format!("created {}", t.reference),
                            Before::Same => format!("{} already up to date", t.reference),
                            Before::Different(was) => format!(
                                "replaced {} (it held {})",
                                t.reference,
                                if was.is_empty() {
                                    "no image".to_string()
                                } else {
                                    was.join(", ")
                                }
                            ),
                        };
                        let _ = writeln!(out, "{label} {line}");
                    }
                }
            }
            for report in &p.verified {
                print_report(&mut out, report);
            }
            print_retried(&mut out, &p.component, &p.all_retries());
        }
        PublishProgress::Retry { component, note } => print_note(&mut out, component, note),
        PublishProgress::Checking { .. } | PublishProgress::Verifying { .. } => {}
    }
    let _ = out.flush();
}

/// A retry as it happens. The registry's own outage is not one component's: its lines carry
/// no label.
fn print_note(out: &mut dyn Write, component: &str, note: &RetryNote) {
    let _ = match note {
        RetryNote::Retrying {
            next,
            of,
            delay,
            reason,
        } => writeln!(
            out,
            "[{component}] transient failure: {}; retrying in {} (attempt {next}/{of})",
            sanitize_line(reason),
            format_duration(*delay)
        ),
        RetryNote::Unreachable {
            registry,
            since,
            limit,
        } => writeln!(
            out,
            "registry {} unreachable since {}, waiting (up to {}, [retry] engine_wait)",
            sanitize_line(registry),
            clock(
                *since,
                SystemTime::now(),
                &jiff::tz::TimeZone::system(),
                true
            ),
            format_duration(*limit)
        ),
        RetryNote::Answering { registry, after } => writeln!(
            out,
            "registry {} answers again after {}; trying again",
            sanitize_line(registry),
            format_duration(*after)
        ),
    };
}

fn print_retried(out: &mut dyn Write, component: &str, retries: &[Retried]) {
    if let Some(words) = retried_words(retries) {
        let _ = writeln!(out, "[{component}] {}", sanitize_line(&words));
    }
}

/// `platforms` are `--platform` entries: only those platforms' entries are checked.
pub fn verify(
    matrix: Matrix,
    component: Option<String>,
    platforms: &[String],
) -> color_eyre::Result<i32> {
    let extra_tags = matrix.project.tags.clone();
    let policy = matrix.retry.clone();
    let prep = load(matrix)?;
    let chosen = choose(&prep, platforms)?;
    let Some(registry) = prep.plan.registry.clone() else {
        bail!("{}", Refusal::NoRegistry);
    };
    if let Some(name) = component
        .as_ref()
        .filter(|c| !prep.plan.components.contains(c))
    {
        bail!(
            "{}",
            Refusal::UnknownComponent {
                name: name.clone(),
                known: prep.plan.components.clone(),
            }
        );
    }
    let mut lists = verify::expected_lists(
        &prep.plan,
        &prep.initial,
        &registry,
        &extra_tags,
        component.as_deref(),
        &chosen,
    );
    if lists.is_empty() && !chosen.is_empty() {
        bail!(
            "{}",
            Refusal::NotBuiltFor {
                component,
                platforms: chosen,
            }
        );
    }
    for list in &mut lists {
        explain(&prep, &mut list.unknown);
    }
    if !chosen.is_empty() {
        let unchecked = not_chosen(&prep, &chosen);
        if unchecked.is_empty() {
            println!("checking {} (--platform)", platform_words(&chosen));
        } else {
            println!(
                "checking {} only (--platform); entries for {} are not checked",
                platform_words(&chosen),
                platform_words(&unchecked)
            );
        }
    }
    let reports = runtime().block_on(async {
        check_buildx().await?;
        let mut progress = |event: VerifyProgress| {
            let mut out = std::io::stdout().lock();
            match event {
                VerifyProgress::Checked(report) => {
                    print_report(&mut out, &report);
                    print_retried(&mut out, &report.component, &report.retries);
                }
                VerifyProgress::Retry { component, note } => {
                    print_note(&mut out, &component, &note)
                }
                VerifyProgress::Checking { .. } => {}
            }
            let _ = out.flush();
        };
        Ok::<_, color_eyre::Report>(verify::verify(&lists, &policy, &mut progress).await)
    })?;
    let ok = reports.iter().filter(|r| r.ok()).count();
    let on = if chosen.is_empty() {
        String::new()
    } else {
        format!(" on {}", platform_words(&chosen))
    };
    println!("verify: {ok} of {} lists match the grid{on}", reports.len());
    Ok(if ok == reports.len() {
        EXIT_GREEN
    } else {
        EXIT_FAILED
    })
}

fn print_report(out: &mut dyn Write, report: &ListReport) {
    let label = format!("[{}]", report.component);
    let found: Vec<String> = report
        .found
        .iter()
        .map(|(p, d)| match p {
            Some(p) => format!("{p} {d}"),
            None => format!("(no platform) {d}"),
        })
        .collect();
    if report.ok() {
        let _ = writeln!(
            out,
            "{label} verified {}: {}",
            report.reference,
            found.join(", ")
        );
        return;
    }
    let _ = writeln!(out, "{label} {} DIFFERS from the grid:", report.reference);
    for difference in &report.differences {
        let _ = writeln!(out, "    {}", sanitize_line(&difference.to_string()));
    }
    if !found.is_empty() {
        let _ = writeln!(out, "    the registry serves: {}", found.join(", "));
    }
}

/// `platforms` are `--platform` entries: only those platforms' cells are written.
pub fn export(matrix: Matrix, dir: PathBuf, platforms: &[String]) -> color_eyre::Result<i32> {
    let prep = load(matrix)?;
    let opts = ExportOptions {
        dir: dir.clone(),
        platforms: choose(&prep, platforms)?,
    };
    let mut plan = export::plan_export(&prep.plan, &prep.initial, &opts).map_err(|e| eyre!(e))?;
    explain(&prep, &mut plan.missing);
    let chosen: Vec<String> = plan.platforms.iter().map(|p| p.to_string()).collect();
    println!(
        "exporting {} image{} to {} ({})",
        plan.items.len(),
        plural(plan.items.len()),
        dir.display(),
        chosen.join(", ")
    );
    for m in &plan.missing {
        println!("[{}] missing: {}", m.id, m.why);
    }
    let report = runtime().block_on(async {
        crate::cli::check_engine().await?;
        let mut progress = |event: ExportProgress| print_export(&event);
        Ok::<_, color_eyre::Report>(export::export(&plan, &mut progress).await)
    });
    let report = report?;
    match &report.index_error {
        Some(e) => println!("{e}"),
        None => println!("wrote {}", report.index.display()),
    }
    let total = plan.items.len() + plan.missing.len();
    if report.complete() {
        println!("exported {} of {total} images", report.written.len());
        return Ok(EXIT_GREEN);
    }
    let mut missing: Vec<String> = report
        .missing
        .iter()
        .map(|m| format!("{} ({})", m.id, m.why))
        .collect();
    missing.extend(
        report
            .failed
            .iter()
            .map(|f| format!("{} (export failed)", f.cell)),
    );
    println!(
        "partial export: {} of {total} images written; missing {}",
        report.written.len(),
        list_words(&missing, 12)
    );
    Ok(EXIT_FAILED)
}

fn print_export(event: &ExportProgress) {
    let mut out = std::io::stdout().lock();
    match event {
        ExportProgress::Started { .. } => {}
        ExportProgress::Written(entry) => {
            let _ = writeln!(
                out,
                "[{} {}] wrote {} ({}, sha256 {})",
                entry.component,
                entry.platform,
                entry.file,
                size_words(entry.size),
                entry.sha256
            );
        }
        ExportProgress::Failed(f) => {
            let _ = writeln!(
                out,
                "[{}] FAILED to write {}:",
                f.cell.replace('@', " "),
                f.file
            );
            for line in f.error.lines() {
                let _ = writeln!(out, "    {}", sanitize_line(line));
            }
        }
    }
    let _ = out.flush();
}

fn load(matrix: Matrix) -> color_eyre::Result<Prepared> {
    // Only what state.json says about the current inputs counts; no cell is rebuilt here, so
    // the build selection flags do not apply.
    let facts = crate::docker::contexts::plan_facts(&matrix);
    super::hash_lines::prepare_headless(matrix, &facts, &Selection::default())
}

/// The project platforms `--platform` entries name; a name that fits none, or several, is a
/// usage error.
fn choose(prep: &Prepared, platforms: &[String]) -> color_eyre::Result<Vec<Platform>> {
    prep.plan.choose_platforms(platforms).map_err(|e| eyre!(e))
}

/// The project's platforms `chosen` leaves out; none when nothing was chosen.
fn not_chosen(prep: &Prepared, chosen: &[Platform]) -> Vec<Platform> {
    if chosen.is_empty() {
        return Vec::new();
    }
    prep.plan
        .platforms
        .iter()
        .filter(|p| !chosen.contains(p))
        .cloned()
        .collect()
}

/// The platforms `component` is built for that `chosen` leaves out of its lists.
fn left_out(prep: &Prepared, component: &str, chosen: &[Platform]) -> Vec<Platform> {
    not_chosen(prep, chosen)
        .into_iter()
        .filter(|p| {
            prep.plan
                .cells
                .iter()
                .any(|c| c.component == component && &c.platform == p)
        })
        .collect()
}

fn platform_words(platforms: &[Platform]) -> String {
    let names: Vec<String> = platforms.iter().map(Platform::to_string).collect();
    names.join(", ")
}

fn refuse(prep: &Prepared, refusal: Refusal) -> color_eyre::Result<i32> {
    let refusal = match refusal {
        Refusal::NotGreen(mut list) => {
            explain(prep, &mut list);
            Refusal::NotGreen(list)
        }
        Refusal::NothingGreen(mut list) => {
            explain(prep, &mut list);
            Refusal::NothingGreen(list)
        }
        other => other,
    };
    match refusal {
        Refusal::NotGreen(_) | Refusal::NothingGreen(_) => {
            // Cells that are not green are a result, not a usage error: exit 1, not 2.
            eprintln!("error: {refusal}");
            eprintln!(
                "  hint: run `archgrid build` until these cells are green; `--component NAME` \
                 publishes one component whose own cells are green, `--platform LIST` only \
                 those platforms' cells, `--allow-partial` what is green"
            );
            eprintln!("nothing was pushed");
            Ok(EXIT_FAILED)
        }
        Refusal::NoRegistry | Refusal::UnknownComponent { .. } | Refusal::NotBuiltFor { .. } => {
            bail!("{refusal}")
        }
    }
}

/// Before a run, every cell that is not up to date is simply queued; state.json says why.
fn explain(prep: &Prepared, list: &mut [NotGreen]) {
    for item in list.iter_mut() {
        if item.why != WhyNotGreen::NotBuiltForTheseInputs {
            continue;
        }
        item.why = match prep.state.recorded_status(&prep.plan.cells[item.cell]) {
            None => WhyNotGreen::NeverBuilt,
            Some(RecordedStatus::Green) => WhyNotGreen::InputsChanged,
            Some(other) => WhyNotGreen::LastEnded(other),
        };
    }
}

fn missing_words(prep: &Prepared, missing: &[NotGreen]) -> String {
    let mut list = missing.to_vec();
    explain(prep, &mut list);
    let words: Vec<String> = list.iter().map(|m| format!("{} {}", m.id, m.why)).collect();
    list_words(&words, 12)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn lines(write: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut out = Vec::new();
        write(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn retries_read_as_lines() {
        let down = lines(|out| {
            print_note(
                out,
                "api",
                &RetryNote::Unreachable {
                    registry: "127.0.0.1:5000".into(),
                    since: SystemTime::now(),
                    limit: Duration::from_secs(900),
                },
            )
        });
        // `since 14:03:07`: a local time of day with seconds.
        let since = down
            .strip_prefix("registry 127.0.0.1:5000 unreachable since ")
            .and_then(|rest| rest.strip_suffix(", waiting (up to 15m00s, [retry] engine_wait)\n"))
            .unwrap_or_else(|| panic!("{down}"));
        assert_eq!(since.len(), 8, "{down}");
        let back = lines(|out| {
            print_note(
                out,
                "api",
                &RetryNote::Answering {
                    registry: "127.0.0.1:5000".into(),
                    after: Duration::from_secs(21),
                },
            )
        });
        assert_eq!(
            back,
            "registry 127.0.0.1:5000 answers again after 21s; trying again\n"
        );
        let again = lines(|out| {
            print_note(
                out,
                "api",
                &RetryNote::Retrying {
                    next: 2,
                    of: 3,
                    delay: Duration::from_millis(5100),
                    reason: "i/o timeout".into(),
                },
            )
        });
        assert_eq!(
            again,
            "[api] transient failure: i/o timeout; retrying in 5.1s (attempt 2/3)\n"
        );
        let retried = |cause: &str| Retried {
            attempt: 1,
            cause: cause.into(),
            reason: String::new(),
        };
        let summary = lines(|out| {
            print_retried(
                out,
                "api",
                &[
                    retried("connection refused (registry)"),
                    retried("connection refused (registry)"),
                ],
            )
        });
        assert_eq!(
            summary,
            "[api] retried 2× after: connection refused (registry)\n"
        );
        assert_eq!(lines(|out| print_retried(out, "api", &[])), "");
    }
}
