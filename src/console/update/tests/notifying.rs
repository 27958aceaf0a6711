//! Bell and desktop notifications: once per failure, when the grid comes to rest, never when
//! told not to.

use crate::build::scheduler::Event;
use crate::config::Notify;
use crate::console::app::App;
use crate::console::fixture::*;
use crate::console::msg::{Effect, Notice};
use crate::model::{CellStatus, FailureClass};

fn notices(effects: Vec<Effect>) -> Vec<Notice> {
    effects
        .into_iter()
        .filter_map(|e| match e {
            Effect::Notify(n) => Some(n),
            _ => None,
        })
        .collect()
}

fn status(app: &mut App, cell: usize, status: CellStatus) -> Vec<Notice> {
    notices(event(app, Event::Status { cell, status }))
}

#[test]
fn a_failure_is_notified_once_until_the_cell_is_green_again() {
    let mut app = demo_app();
    let a = cell(&app, "app", "linux/arm64");
    let exit3 = failed("exit 3 in RUN make", FailureClass::Permanent);
    let got = status(&mut app, a, exit3.clone());
    assert_eq!(
        got,
        vec![Notice {
            title: "archgrid: app@linux/arm64 failed".into(),
            body: "exit 3 in RUN make".into(),
        }]
    );
    // Retried by hand and failed the same way: not news.
    assert!(status(&mut app, a, running(1)).is_empty());
    assert!(status(&mut app, a, exit3.clone()).is_empty());
    // Another cause is.
    let got = status(
        &mut app,
        a,
        failed("exit 2 in RUN make", FailureClass::Permanent),
    );
    assert_eq!(got.len(), 1);
    // Green in between makes the same failure news again.
    assert!(status(&mut app, a, green(3)).is_empty());
    assert_eq!(status(&mut app, a, exit3).len(), 1);
}

#[test]
fn each_failed_cell_is_its_own_news() {
    let mut app = demo_app();
    let a = cell(&app, "app", "linux/arm64");
    let b = cell(&app, "app", "linux/amd64");
    let f = failed("exit 3 in RUN make", FailureClass::Permanent);
    assert_eq!(status(&mut app, a, f.clone()).len(), 1);
    assert_eq!(status(&mut app, b, f).len(), 1);
}

#[test]
fn at_rest_with_failures_notifies_and_all_green_only_when_asked() {
    let mut app = demo_app();
    let a = cell(&app, "app", "linux/arm64");
    set(
        &mut app,
        a,
        failed("exit 3 in RUN make", FailureClass::Permanent),
    );
    let got = notices(event(&mut app, Event::Settled));
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(got[0].title.ends_with(" at rest"), "{got:?}");
    assert!(got[0].body.ends_with(", 1 failed"), "{got:?}");

    let mut app = demo_app();
    all_green(&mut app);
    assert!(notices(event(&mut app, Event::Settled)).is_empty());
    app.notify = Notify::All;
    let got = notices(event(&mut app, Event::Settled));
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(got[0].body.starts_with("all ") && got[0].body.ends_with(" cells are green"));
}

#[test]
fn off_is_silent() {
    let mut app = demo_app();
    app.notify = Notify::Off;
    let a = cell(&app, "app", "linux/arm64");
    assert!(status(&mut app, a, failed("exit 3", FailureClass::Permanent)).is_empty());
    assert!(notices(event(&mut app, Event::Settled)).is_empty());
}

#[test]
fn paused_is_not_at_rest() {
    let mut app = demo_app();
    let a = cell(&app, "app", "linux/arm64");
    set(&mut app, a, failed("exit 3", FailureClass::Permanent));
    app.paused = true;
    assert!(notices(event(&mut app, Event::Settled)).is_empty());
}
