//! Publish and export on screen: the confirmation with every list and digest, the marks on
//! the grid's rows, and the directory popup. The app clock is set by hand.

use std::time::Duration;

use insta::assert_snapshot;

use super::draw;
use crate::console::app::{App, EngineState};
use crate::console::fixture::publish::*;
use crate::console::fixture::*;
use crate::publish::create::{Outcome, PublishProgress};
use crate::publish::verify::Difference;

fn green_app(width: u16, height: u16) -> App {
    let mut app = app_for(demo_plan(), width, height);
    app.engine = EngineState::Up {
        version: "26.1.5".into(),
    };
    app.extra_tags = vec!["latest".into()];
    // The grid settled at 20:34, and its clock stopped there.
    app.now = Duration::from_secs(1234);
    all_green(&mut app);
    app.status = None;
    app
}

#[test]
fn publish_confirm_popup() {
    let mut app = green_app(160, 45);
    key(&mut app, 'p');
    assert_snapshot!(draw(&app).backend());
}

#[test]
fn rows_marked_published() {
    let mut app = green_app(160, 45);
    key(&mut app, 'p');
    key(&mut app, 'y');
    publish_all(&mut app, |c| match c {
        "worker" => (Outcome::Unchanged, Vec::new()),
        _ => (Outcome::Pushed, Vec::new()),
    });
    assert_snapshot!(draw(&app).backend());
}

#[test]
fn publish_marks_while_running_and_when_something_differs() {
    let mut app = green_app(120, 40);
    key(&mut app, 'p');
    key(&mut app, 'y');
    let ok = published(&app, "base", Outcome::Pushed, Vec::new());
    progress(&mut app, PublishProgress::Finished(ok));
    let failed = published(
        &app,
        "app",
        Outcome::Failed("ERROR: unexpected status: 401 Unauthorized".into()),
        Vec::new(),
    );
    progress(&mut app, PublishProgress::Finished(failed));
    let differs = published(
        &app,
        "worker",
        Outcome::Pushed,
        vec![
            Difference::Missing {
                platform: "linux/riscv64".parse().unwrap(),
                want: None,
            },
            Difference::Duplicate {
                platform: "linux/amd64".parse().unwrap(),
                digests: vec!["sha256:aa".into(), "sha256:bb".into()],
            },
        ],
    );
    progress(&mut app, PublishProgress::Finished(differs));
    progress(
        &mut app,
        PublishProgress::Creating {
            component: "frontend".into(),
            command: "docker buildx imagetools create …".into(),
        },
    );
    assert_snapshot!(draw(&app).backend());
}

#[test]
fn export_popup() {
    let mut app = green_app(120, 40);
    key(&mut app, 'x');
    assert_snapshot!("export_popup_default", draw(&app).backend());
    for c in "/tmp/offline-site".chars() {
        key(&mut app, c);
    }
    assert_snapshot!("export_popup_typed", draw(&app).backend());
}
