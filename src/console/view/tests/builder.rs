//! The builder pane with the doctor's checks on top, a declared builder that drifted from
//! matrix.toml, and a column routed to another builder.

use std::time::Duration;

use insta::assert_snapshot;

use super::draw;
use crate::console::app::EngineState;
use crate::console::fixture::doctor::*;
use crate::console::fixture::*;
use crate::console::msg::Msg;
use crate::console::update::update;

#[test]
fn builder_pane_with_checks_routed_builders_and_drift() {
    let mut plan = demo_plan();
    for c in plan.cells.iter_mut() {
        c.builder = Some(if c.platform.arch_tag() == "arm64" {
            "arm-native".into()
        } else {
            "rbx".into()
        });
    }
    let mut app = app_for(plan, 160, 72);
    app.engine = EngineState::Up {
        version: "26.1.5".into(),
    };
    app.routes = vec![("arm-native".into(), vec!["linux/arm64".parse().unwrap()])];
    app.now = Duration::from_secs(4);
    update(&mut app, Msg::Doctor(routed_report()));
    app.now = Duration::from_secs(95);
    app.status = None;
    key(&mut app, '3');
    assert_snapshot!(draw(&app).backend());
}
