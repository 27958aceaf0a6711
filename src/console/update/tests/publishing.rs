//! `p`: refusing while cells are not green, the confirmation, the publish effect, and the
//! marks progress messages put on each row.

use crossterm::event::KeyCode;

use super::status_text;
use crate::console::app::{Confirm, Level, Popup};
use crate::console::fixture::publish::*;
use crate::console::fixture::*;
use crate::console::msg::{Effect, Msg};
use crate::console::publish_state::{mark_text, Finished, Mark, Pushed};
use crate::console::update::update;
use crate::model::{CellStatus, FailureClass};
use crate::publish::create::{Outcome, PublishProgress};
use crate::publish::verify::Difference;

fn mark_head(app: &crate::console::app::App, component: &str) -> String {
    mark_text(&app.publish.marks[component]).one_line()
}

#[test]
fn p_names_the_cells_that_block_publishing_and_pushes_nothing() {
    let mut app = demo_app();
    all_green(&mut app);
    let a = cell(&app, "app", "linux/arm64");
    set(&mut app, a, failed("boom", FailureClass::Permanent));
    set(&mut app, 0, running(2));
    assert_eq!(key(&mut app, 'p'), []);
    assert_eq!(
        status_text(&app),
        "publish needs every cell green; blocked by base@linux/amd64 (running), app@linux/arm64 (failed)"
    );
    assert_eq!(app.popup, None);
    assert!(app.publish.pending.is_empty() && app.publish.marks.is_empty());
}

#[test]
fn p_shortens_a_long_list_of_blockers() {
    let mut app = demo_app();
    key(&mut app, 'p');
    assert_eq!(
        status_text(&app),
        "publish needs every cell green; blocked by base@linux/amd64 (queued), base@linux/arm64 (queued), \
         base@linux/riscv64 (queued), app@linux/amd64 (queued), 10 more"
    );
}

#[test]
fn p_without_a_registry_says_publishing_needs_one() {
    let mut plan = demo_plan();
    plan.registry = None;
    let mut app = app_for(plan, 120, 40);
    all_green(&mut app);
    assert_eq!(key(&mut app, 'p'), []);
    assert!(
        status_text(&app).starts_with("publishing needs `[project] registry` in matrix.toml"),
        "{}",
        status_text(&app)
    );
    assert_eq!(app.status.as_ref().unwrap().level, Level::Warn);
    assert_eq!(app.popup, None);
}

#[test]
fn a_green_cell_without_a_digest_refuses_with_the_reason() {
    let mut app = demo_app();
    all_green(&mut app);
    let i = cell(&app, "worker", "linux/amd64");
    set(&mut app, i, CellStatus::UpToDate { digest: None });
    assert_eq!(key(&mut app, 'p'), []);
    assert_eq!(
        status_text(&app),
        "publishing needs every cell green; not green: worker@linux/amd64 (green without a \
         digest); nothing was pushed"
    );
    assert_eq!(app.popup, None);
}

#[test]
fn p_when_all_green_asks_with_every_list_and_its_digests_then_y_publishes() {
    let mut app = demo_app();
    app.extra_tags = vec!["latest".into()];
    all_green(&mut app);
    assert_eq!(key(&mut app, 'p'), []);
    assert_eq!(app.popup, Some(Popup::Confirm(Confirm::Publish)));
    let lists = app.publish.pending.clone();
    assert_eq!(lists.len(), 5);
    let app_list = lists.iter().find(|l| l.component == "app").unwrap();
    assert_eq!(
        app_list.targets,
        [
            "localhost:5000/demo/app:v0.1.0",
            "localhost:5000/demo/app:latest"
        ]
    );
    let arm = cell(&app, "app", "linux/arm64");
    assert!(app_list
        .sources
        .iter()
        .any(|s| s.cell == arm && s.digest == digest_of(&app, arm)));
    assert_eq!(app_list.sources.len(), 3);
    // Other keys do nothing while it asks.
    assert_eq!(key(&mut app, 'r'), []);
    assert_eq!(key(&mut app, 'y'), [Effect::Publish(lists)]);
    assert_eq!(app.popup, None);
    assert!(app.publish.running && app.publish.pending.is_empty());
    assert!(app.publish.marks.values().all(|m| *m == Mark::Waiting));
    assert_eq!(app.publish.marks.len(), 5);
    assert_eq!(
        status_text(&app),
        "publishing 5 manifest lists to localhost:5000/demo…"
    );
}

#[test]
fn n_or_esc_cancels_and_nothing_is_pushed() {
    let mut app = demo_app();
    all_green(&mut app);
    key(&mut app, 'p');
    assert_eq!(key(&mut app, 'n'), []);
    assert_eq!(app.popup, None);
    assert!(app.publish.pending.is_empty() && !app.publish.running);
    assert_eq!(status_text(&app), "publish canceled; nothing was pushed");
    key(&mut app, 'p');
    assert_eq!(press(&mut app, KeyCode::Esc), []);
    assert!(app.publish.marks.is_empty());
}

#[test]
fn progress_messages_mark_each_row() {
    let mut app = demo_app();
    all_green(&mut app);
    key(&mut app, 'p');
    key(&mut app, 'y');
    progress(
        &mut app,
        PublishProgress::Checking {
            component: "base".into(),
        },
    );
    assert_eq!(app.publish.marks["base"], Mark::Checking);
    assert_eq!(mark_head(&app, "base"), "⇪ publishing…");
    assert_eq!(mark_head(&app, "app"), "⇪ publish waiting");
    assert_eq!(
        status_text(&app),
        "publishing 0/5 done; base: reading the registry…"
    );
    progress(
        &mut app,
        PublishProgress::Creating {
            component: "base".into(),
            command: "docker buildx imagetools create …".into(),
        },
    );
    assert_eq!(app.publish.marks["base"], Mark::Creating);
    progress(
        &mut app,
        PublishProgress::Verifying {
            component: "base".into(),
        },
    );
    assert_eq!(mark_head(&app, "base"), "⇪ verifying…");
    let done = published(&app, "base", Outcome::Pushed, Vec::new());
    progress(&mut app, PublishProgress::Finished(done));
    assert_eq!(mark_head(&app, "base"), "⇪ published ✔ verified");
    assert_eq!(
        mark_text(&app.publish.marks["base"]).detail.as_deref(),
        Some("serves amd64, arm64, riscv64")
    );
    assert_eq!(app.publish.progress(), (1, 5));
}

#[test]
fn a_whole_publish_marks_every_row_published_and_verified() {
    let mut app = demo_app();
    all_green(&mut app);
    key(&mut app, 'p');
    key(&mut app, 'y');
    assert_eq!(publish_all(&mut app, |_| (Outcome::Pushed, Vec::new())), []);
    assert!(!app.publish.running);
    for c in ["base", "app", "worker", "frontend", "gateway"] {
        assert_eq!(mark_head(&app, c), "⇪ published ✔ verified", "{c}");
    }
    assert_eq!(
        status_text(&app),
        "published 5 manifest lists: 5 pushed, 0 already there; every list verified"
    );
}

#[test]
fn publishing_the_same_digests_again_is_a_no_op_that_says_so() {
    let mut app = demo_app();
    all_green(&mut app);
    key(&mut app, 'p');
    key(&mut app, 'y');
    publish_all(&mut app, |_| (Outcome::Unchanged, Vec::new()));
    assert_eq!(
        mark_head(&app, "app"),
        "⇪ no-op: already published ✔ verified"
    );
    assert_eq!(
        status_text(&app),
        "nothing to push: the registry already serves all 5 lists (no-op); every list verified"
    );
}

#[test]
fn a_failed_push_and_a_list_that_differs_show_on_their_rows() {
    let mut app = demo_app();
    all_green(&mut app);
    key(&mut app, 'p');
    key(&mut app, 'y');
    let missing = Difference::Missing {
        platform: "linux/arm64".parse().unwrap(),
        want: None,
    };
    publish_all(&mut app, |c| match c {
        "app" => (
            Outcome::Failed("ERROR: unexpected status: 401 Unauthorized\n".into()),
            Vec::new(),
        ),
        "worker" => (Outcome::Pushed, vec![missing.clone()]),
        _ => (Outcome::Pushed, Vec::new()),
    });
    assert_eq!(
        mark_head(&app, "app"),
        "✘ publish failed: ERROR: unexpected status: 401 Unauthorized"
    );
    assert_eq!(
        mark_head(&app, "worker"),
        "⇪ published ✘ differs: linux/arm64 is missing"
    );
    assert_eq!(mark_head(&app, "base"), "⇪ published ✔ verified");
    assert_eq!(app.status.as_ref().unwrap().level, Level::Error);
    assert_eq!(
        status_text(&app),
        "publish: 2 of 5 components failed or differ (app, worker); press 4 for the console pane"
    );
}

#[test]
fn registry_text_is_sanitized_before_it_reaches_a_row() {
    let mut app = demo_app();
    all_green(&mut app);
    key(&mut app, 'p');
    key(&mut app, 'y');
    let p = published(
        &app,
        "base",
        Outcome::Failed("ERROR: \x1b[2J\x1b]0;owned\x07denied".into()),
        Vec::new(),
    );
    progress(&mut app, PublishProgress::Finished(p));
    assert_eq!(mark_head(&app, "base"), "✘ publish failed: ERROR: denied");
}

#[test]
fn p_during_a_publish_says_one_is_under_way() {
    let mut app = demo_app();
    all_green(&mut app);
    key(&mut app, 'p');
    key(&mut app, 'y');
    assert_eq!(key(&mut app, 'p'), []);
    assert_eq!(
        status_text(&app),
        "a publish is under way (0/5 components done)"
    );
    assert_eq!(app.popup, None);
}

#[test]
fn a_publish_task_that_dies_fails_the_rows_it_left() {
    let mut app = demo_app();
    all_green(&mut app);
    key(&mut app, 'p');
    key(&mut app, 'y');
    let done = published(&app, "base", Outcome::Pushed, Vec::new());
    progress(&mut app, PublishProgress::Finished(done));
    update(&mut app, Msg::PublishEnded(Some("task panicked".into())));
    assert!(!app.publish.running);
    assert_eq!(mark_head(&app, "base"), "⇪ published ✔ verified");
    assert_eq!(
        app.publish.marks["app"],
        Mark::Finished(Finished {
            pushed: Pushed::Failed("the publish stopped: task panicked".into()),
            verified: false,
            differences: Vec::new(),
            platforms: Vec::new(),
            retried: None,
        })
    );
}

#[test]
fn rebuilding_a_published_cell_marks_its_row_stale() {
    let mut app = demo_app();
    all_green(&mut app);
    key(&mut app, 'p');
    key(&mut app, 'y');
    publish_all(&mut app, |_| (Outcome::Pushed, Vec::new()));
    let i = cell(&app, "worker", "linux/arm64");
    set(&mut app, i, running(1));
    assert_eq!(app.publish.marks["worker"], Mark::Stale);
    assert_eq!(mark_head(&app, "base"), "⇪ published ✔ verified");
}

#[test]
fn quitting_during_a_publish_asks_first() {
    let mut app = demo_app();
    all_green(&mut app);
    key(&mut app, 'p');
    key(&mut app, 'y');
    assert_eq!(key(&mut app, 'q'), []);
    assert_eq!(app.popup, Some(Popup::Confirm(Confirm::Quit)));
    assert_eq!(key(&mut app, 'y'), [Effect::Quit]);
}

#[test]
fn a_refusal_gives_way_once_the_grid_is_green() {
    let mut app = demo_app();
    set(&mut app, 0, running(1));
    key(&mut app, 'p');
    assert!(status_text(&app).starts_with("publish needs every cell green"));
    all_green(&mut app);
    crate::console::fixture::event(&mut app, crate::build::scheduler::Event::Settled);
    assert_eq!(status_text(&app), "all 14 cells are green");
}

#[test]
fn a_registry_outage_and_the_retries_show_on_the_row_and_in_the_status_line() {
    use crate::publish::retry::{Retried, RetryNote};
    use std::time::{Duration, SystemTime};
    let mut app = demo_app();
    all_green(&mut app);
    key(&mut app, 'p');
    key(&mut app, 'y');
    let retry = |note| PublishProgress::Retry {
        component: "base".into(),
        note,
    };
    progress(
        &mut app,
        retry(RetryNote::Unreachable {
            registry: "127.0.0.1:5000".into(),
            since: SystemTime::now(),
            limit: Duration::from_secs(900),
        }),
    );
    let mark = mark_text(&app.publish.marks["base"]);
    assert_eq!(mark.head, "⇪ waiting for the registry");
    let detail = mark.detail.unwrap();
    assert!(
        detail.starts_with("127.0.0.1:5000 unreachable since "),
        "{detail}"
    );
    let said = status_text(&app);
    assert!(
        said.starts_with("registry 127.0.0.1:5000 unreachable since ")
            && said.ends_with(", waiting (up to 15m00s, [retry] engine_wait)"),
        "{said}"
    );
    progress(
        &mut app,
        retry(RetryNote::Answering {
            registry: "127.0.0.1:5000".into(),
            after: Duration::from_secs(21),
        }),
    );
    assert_eq!(mark_head(&app, "base"), "↻ publish retrying");
    assert_eq!(
        status_text(&app),
        "registry 127.0.0.1:5000 answers again after 21s; trying again"
    );
    progress(
        &mut app,
        retry(RetryNote::Retrying {
            next: 3,
            of: 3,
            delay: Duration::from_millis(4200),
            reason: "unexpected status: 503 Service Unavailable".into(),
        }),
    );
    assert_eq!(
        status_text(&app),
        "[base] transient failure: unexpected status: 503 Service Unavailable; retrying in \
         4.2s (attempt 3/3)"
    );
    let mut done = published(&app, "base", Outcome::Pushed, Vec::new());
    done.retries = ["connection refused (registry)", "503 service unavailable"]
        .iter()
        .enumerate()
        .map(|(i, cause)| Retried {
            attempt: i as u32 + 1,
            cause: cause.to_string(),
            reason: String::new(),
        })
        .collect();
    progress(&mut app, PublishProgress::Finished(done));
    assert_eq!(mark_head(&app, "base"), "⇪ published ✔ verified");
    assert_eq!(
        mark_text(&app.publish.marks["base"]).detail.as_deref(),
        Some(
            "serves amd64, arm64, riscv64 · retried 2× after: connection refused (registry), \
             503 service unavailable"
        )
    );
}
