//! `F` keeps the rows that need a look, without pulling the selected row from under the reader.

use crossterm::event::KeyCode;

use crate::build::scheduler::Event;
use crate::console::fixture::*;
use crate::console::row_filter::RowFilter;
use crate::model::FailureClass;

#[test]
fn the_selected_row_stays_until_the_selection_leaves_it() {
    let mut app = demo_app();
    for i in 0..app.cells.len() {
        set(&mut app, i, green(1));
    }
    let bad = cell(&app, "frontend", "linux/amd64");
    set(&mut app, bad, failed("exit 3", FailureClass::Permanent));
    select(&mut app, "worker", "linux/amd64");
    key(&mut app, 'F');
    assert_eq!(app.filter, RowFilter::NotGreen);
    let shown: Vec<&str> = (0..app.rows()).map(|r| app.row_component(r)).collect();
    assert_eq!(shown, ["worker", "frontend"], "worker stays while selected");
    press(&mut app, KeyCode::Down);
    let shown: Vec<&str> = (0..app.rows()).map(|r| app.row_component(r)).collect();
    assert_eq!(shown, ["frontend"]);
    assert_eq!(app.selected(), Some(bad));
}

#[test]
fn a_row_that_goes_green_leaves_a_filtered_grid() {
    let mut app = demo_app();
    let a = cell(&app, "app", "linux/amd64");
    let b = cell(&app, "worker", "linux/amd64");
    set(&mut app, a, failed("exit 3", FailureClass::Permanent));
    set(&mut app, b, failed("exit 3", FailureClass::Permanent));
    select(&mut app, "worker", "linux/amd64");
    key(&mut app, 'F');
    key(&mut app, 'F');
    assert_eq!(app.filter, RowFilter::Failed);
    let before = app.rows();
    assert!((0..before).any(|r| app.row_component(r) == "app"));
    event(
        &mut app,
        Event::Status {
            cell: a,
            status: green(2),
        },
    );
    assert!(!(0..app.rows()).any(|r| app.row_component(r) == "app"));
    assert_eq!(app.selected(), Some(b), "the selection stays on its cell");
}

#[test]
fn jumping_to_a_failure_shows_its_row() {
    let mut app = demo_app();
    let a = cell(&app, "app", "linux/arm64");
    event(
        &mut app,
        Event::AttemptEnded {
            cell: a,
            record: failed_attempt(1, FailureClass::Permanent, "exit 3", "ERROR: exit code: 3"),
        },
    );
    // Failed rows only, with none failed: nothing but the selected row.
    key(&mut app, 'F');
    key(&mut app, 'F');
    key(&mut app, '2');
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.selected(), Some(a));
}
