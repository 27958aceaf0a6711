//! Moving around: the grid selection, clicks, panes, the help, paging the log.

use crossterm::event::{KeyCode, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

use crate::build::scheduler::Event;
use crate::console::app::{Pane, Phase, Popup};
use crate::console::fixture::doctor::*;
use crate::console::fixture::*;
use crate::console::layout;
use crate::console::msg::{Effect, Msg};
use crate::console::update::update;
use crate::model::FailureClass;

#[test]
fn enter_in_the_failures_pane_jumps_to_the_cell() {
    let mut app = demo_app();
    let i = cell(&app, "gateway", "linux/arm64");
    event(
        &mut app,
        Event::AttemptEnded {
            cell: i,
            record: failed_attempt(1, FailureClass::Permanent, "x", "x"),
        },
    );
    event(
        &mut app,
        Event::AttemptEnded {
            cell: 0,
            record: failed_attempt(1, FailureClass::Permanent, "y", "y"),
        },
    );
    assert_eq!(key(&mut app, '2'), []);
    assert_eq!(app.pane, Pane::Failures);
    // Down moves through the failures here, not through the grid.
    press(&mut app, KeyCode::Down);
    assert_eq!(app.sel, (0, 0));
    assert_eq!(press(&mut app, KeyCode::Enter), []);
    assert_eq!(app.selected(), Some(i));
    assert_eq!(app.pane, Pane::Log);
}

#[test]
fn arrows_and_hjkl_move_the_selection_within_the_grid() {
    let mut app = demo_app();
    press(&mut app, KeyCode::Down);
    key(&mut app, 'j');
    key(&mut app, 'l');
    press(&mut app, KeyCode::Right);
    press(&mut app, KeyCode::Right);
    assert_eq!(app.sel, (2, 2));
    key(&mut app, 'k');
    key(&mut app, 'h');
    press(&mut app, KeyCode::Left);
    press(&mut app, KeyCode::Left);
    press(&mut app, KeyCode::Up);
    press(&mut app, KeyCode::Up);
    assert_eq!(app.sel, (0, 0));
}

#[test]
fn moving_keeps_the_selection_on_screen() {
    let components: Vec<String> = (0..30).map(|i| format!("c{i:02}")).collect();
    let specs: Vec<(&str, &[&str], &[&str])> = components
        .iter()
        .map(|c| (c.as_str(), &[][..], &[][..]))
        .collect();
    let platforms = [
        "linux/amd64",
        "linux/arm64",
        "linux/arm/v7",
        "linux/ppc64le",
        "linux/s390x",
        "linux/riscv64",
    ];
    let mut app = app_for(plan(&specs, &platforms), 80, 24);
    for _ in 0..29 {
        key(&mut app, 'j');
    }
    for _ in 0..5 {
        key(&mut app, 'l');
    }
    let geo = layout::areas(&app, layout::screen(&app)).grid_geo;
    assert_eq!(app.sel, (29, 5));
    assert!(app.scroll.0 + geo.vis_rows > 29 && app.scroll.0 <= 29);
    assert!(app.scroll.1 + geo.vis_cols > 5 && app.scroll.1 <= 5);
    assert!(
        geo.vis_rows < 30 && geo.vis_cols < 6,
        "the test needs a grid that scrolls"
    );
}

#[test]
fn a_click_selects_the_cell_under_it() {
    let mut app = demo_app();
    let geo = layout::areas(&app, layout::screen(&app)).grid_geo;
    let x = geo.inner.x + geo.comp_w + geo.cell_w + 2;
    let y = geo.inner.y + 1 + 3 * geo.row_h;
    let click = MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: x,
        row: y,
        modifiers: KeyModifiers::NONE,
    };
    update(&mut app, Msg::Mouse(click));
    assert_eq!(app.sel, (3, 1));
    assert_eq!(app.selected(), Some(cell(&app, "frontend", "linux/arm64")));
}

#[test]
fn a_click_on_a_tab_shows_its_pane() {
    let mut app = demo_app();
    let areas = layout::areas(&app, layout::screen(&app));
    let tabs = layout::tabs(&app);
    let x = areas.pane.x + 1 + tabs[0].1.chars().count() as u16 + 1 + 2;
    let click = MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: x,
        row: areas.pane.y,
        modifiers: KeyModifiers::NONE,
    };
    update(&mut app, Msg::Mouse(click));
    assert_eq!(app.pane, Pane::Failures);
}

#[test]
fn tab_and_numbers_switch_panes_and_the_builder_pane_asks_buildx_once() {
    let mut app = demo_app();
    assert_eq!(press(&mut app, KeyCode::Tab), []);
    assert_eq!(app.pane, Pane::Failures);
    assert_eq!(press(&mut app, KeyCode::Tab), [Effect::RunDoctor]);
    assert_eq!(app.pane, Pane::Builder);
    assert_eq!(key(&mut app, '3'), []);
    assert_eq!(key(&mut app, '4'), []);
    assert_eq!(app.pane, Pane::Console);
    assert_eq!(press(&mut app, KeyCode::BackTab), []);
    assert_eq!(app.pane, Pane::Builder);
    key(&mut app, '1');
    assert_eq!(app.pane, Pane::Log);
    update(&mut app, Msg::Doctor(default_builder_report()));
    key(&mut app, '3');
    assert_eq!(key(&mut app, 'u'), [Effect::RunDoctor]);
    assert_eq!(key(&mut app, 'u'), [], "one query at a time");
}

#[test]
fn help_opens_scrolls_closes_and_blocks_actions() {
    let mut app = demo_app();
    set(&mut app, 1, failed("boom", FailureClass::Permanent));
    key(&mut app, '?');
    assert_eq!(app.popup, Some(Popup::Help));
    assert_eq!(key(&mut app, 'R'), []);
    key(&mut app, 'j');
    key(&mut app, 'j');
    assert_eq!(app.help_scroll, 2);
    assert_eq!(app.sel, (0, 0), "the grid does not move under the help");
    key(&mut app, 'q');
    assert_eq!(app.popup, None);
    assert_eq!(
        app.phase,
        Phase::Running,
        "q closes the help, it does not quit"
    );
    key(&mut app, '?');
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.popup, None);
}

#[test]
fn the_log_pages_back_and_follows_again() {
    let mut app = demo_app();
    set(&mut app, 0, running(1));
    for n in 0..100 {
        log(&mut app, 0, "RUN make", &format!("line {n}"));
    }
    let end = app.cells[0].log.end();
    assert_eq!(press(&mut app, KeyCode::PageUp), []);
    let top = app.log_top.expect("scrolled");
    assert!(top < end);
    key(&mut app, 'g');
    assert_eq!(app.log_top, Some(0));
    press(&mut app, KeyCode::PageDown);
    assert!(app.log_top.unwrap() > 0);
    key(&mut app, 'G');
    assert_eq!(app.log_top, None);
    press(&mut app, KeyCode::PageUp);
    for _ in 0..10 {
        press(&mut app, KeyCode::PageDown);
    }
    assert_eq!(app.log_top, None, "paging past the end follows again");
}

#[test]
fn a_short_log_keeps_following() {
    let mut app = demo_app();
    log(&mut app, 0, "RUN make", "one line");
    press(&mut app, KeyCode::PageUp);
    key(&mut app, 'g');
    assert_eq!(app.log_top, None);
}

#[test]
fn changing_the_selection_follows_the_new_cells_log() {
    let mut app = demo_app();
    for n in 0..100 {
        log(&mut app, 0, "RUN make", &format!("line {n}"));
    }
    press(&mut app, KeyCode::PageUp);
    key(&mut app, 'j');
    assert_eq!(app.log_top, None);
}

#[test]
fn resizing_keeps_the_selection_visible() {
    let mut app = demo_app();
    app.sel = (4, 2);
    update(&mut app, Msg::Resize(40, 12));
    let geo = layout::areas(&app, layout::screen(&app)).grid_geo;
    assert!(app.scroll.0 + geo.vis_rows > 4);
    assert!(app.scroll.1 + geo.vis_cols > 2);
}
