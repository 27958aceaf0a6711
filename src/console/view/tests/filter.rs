//! `F`: the grid with only the rows not green, then only the rows that failed.

use insta::assert_snapshot;

use super::{draw, every_state};
use crate::console::fixture::*;

#[test]
fn filtered_grids() {
    let mut app = every_state(120, 40);
    for p in ["amd64", "arm64", "riscv64"] {
        let worker = cell(&app, "worker", &format!("linux/{p}"));
        set(&mut app, worker, green(61));
    }
    let app_riscv = cell(&app, "app", "linux/riscv64");
    set(&mut app, app_riscv, green(9));
    // The selected row stays whatever it holds; select one that every filter keeps.
    select(&mut app, "frontend", "linux/amd64");
    key(&mut app, 'F');
    app.status = None;
    assert_snapshot!("filter_not_green", draw(&app).backend());
    assert_eq!(app.rows(), 4, "worker is all green");
    key(&mut app, 'F');
    app.status = None;
    assert_snapshot!("filter_failed", draw(&app).backend());
    assert_eq!(app.rows(), 2, "base and frontend have failed cells");
    key(&mut app, 'F');
    assert_eq!(app.rows(), app.plan.components.len());
}
