//! `x`: the directory popup, typing into it, the export effect, and per-file progress.

use std::path::PathBuf;

use crossterm::event::KeyCode;

use super::status_text;
use crate::console::app::{Level, Popup};
use crate::console::fixture::*;
use crate::console::msg::{Effect, Msg};
use crate::console::update::update;
use crate::model::FailureClass;
use crate::publish::export::{ExportProgress, ExportReport, Failure, IndexEntry};
use crate::publish::{NotGreen, WhyNotGreen};

fn typed(app: &crate::console::app::App) -> String {
    app.input
        .as_ref()
        .map(|i| i.text.clone())
        .unwrap_or_default()
}

fn type_text(app: &mut crate::console::app::App, text: &str) {
    for c in text.chars() {
        assert_eq!(key(app, c), []);
    }
}

#[test]
fn x_asks_for_the_directory_with_a_default() {
    let mut app = demo_app();
    all_green(&mut app);
    assert_eq!(key(&mut app, 'x'), []);
    assert_eq!(app.popup, Some(Popup::ExportDir));
    assert_eq!(typed(&app), "./export");
    assert!(app.input.as_ref().unwrap().fresh);
}

#[test]
fn typing_replaces_the_default_and_backspace_edits() {
    let mut app = demo_app();
    all_green(&mut app);
    key(&mut app, 'x');
    // Keys that mean something elsewhere are text here.
    type_text(&mut app, "/tmp/qr x?");
    assert_eq!(typed(&app), "/tmp/qr x?");
    assert_eq!(app.popup, Some(Popup::ExportDir));
    press(&mut app, KeyCode::Backspace);
    press(&mut app, KeyCode::Backspace);
    assert_eq!(typed(&app), "/tmp/qr ");
    // Backspace on the untouched default edits it rather than replacing it.
    press(&mut app, KeyCode::Esc);
    key(&mut app, 'x');
    press(&mut app, KeyCode::Backspace);
    type_text(&mut app, "t2");
    assert_eq!(typed(&app), "./export2");
}

#[test]
fn enter_exports_every_green_cell_to_the_typed_directory() {
    let mut app = demo_app();
    all_green(&mut app);
    let failed_cell = cell(&app, "gateway", "linux/arm64");
    set(
        &mut app,
        failed_cell,
        failed("boom", FailureClass::Permanent),
    );
    key(&mut app, 'x');
    type_text(&mut app, "/tmp/out");
    let effects = press(&mut app, KeyCode::Enter);
    let [Effect::Export(plan)] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(plan.dir, PathBuf::from("/tmp/out"));
    assert_eq!(plan.items.len(), 13);
    assert_eq!(
        plan.missing,
        [NotGreen {
            cell: failed_cell,
            id: "gateway@linux/arm64".into(),
            why: WhyNotGreen::Failed
        }]
    );
    let item = plan
        .items
        .iter()
        .find(|i| i.image.id() == "app@linux/arm64")
        .unwrap();
    assert_eq!(item.file, PathBuf::from("arm64/app_v0.1.0.tar"));
    assert_eq!(app.popup, None);
    assert!(app.export.running);
    assert_eq!(app.export.total, 13);
    assert_eq!(
        status_text(&app),
        "exporting 13 images to /tmp/out; not green, so left out: gateway@linux/arm64…"
    );
}

#[test]
fn enter_on_the_untouched_default_uses_it() {
    let mut app = demo_app();
    all_green(&mut app);
    key(&mut app, 'x');
    let effects = press(&mut app, KeyCode::Enter);
    let [Effect::Export(plan)] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(plan.dir, PathBuf::from("./export"));
}

#[test]
fn esc_cancels_and_nothing_is_written() {
    let mut app = demo_app();
    all_green(&mut app);
    key(&mut app, 'x');
    type_text(&mut app, "abc");
    assert_eq!(press(&mut app, KeyCode::Esc), []);
    assert_eq!(app.popup, None);
    assert_eq!(app.input, None);
    assert!(!app.export.running);
    assert_eq!(status_text(&app), "export canceled; nothing was written");
}

#[test]
fn an_empty_directory_is_not_accepted() {
    let mut app = demo_app();
    all_green(&mut app);
    key(&mut app, 'x');
    for _ in 0..10 {
        press(&mut app, KeyCode::Backspace);
    }
    assert_eq!(press(&mut app, KeyCode::Enter), []);
    assert_eq!(app.popup, Some(Popup::ExportDir));
    assert_eq!(
        status_text(&app),
        "type the directory to export to (Esc cancels)"
    );
}

#[test]
fn x_with_no_green_cell_says_so() {
    let mut app = demo_app();
    assert_eq!(key(&mut app, 'x'), []);
    assert_eq!(app.popup, None);
    assert_eq!(status_text(&app), "nothing to export: no cell is green yet");
}

fn entry(file: &str) -> IndexEntry {
    IndexEntry {
        file: file.into(),
        component: "app".into(),
        platform: "linux/arm64".into(),
        tag: "localhost:5000/demo/app:v0.1.0-arm64".into(),
        digest: "sha256:abc".into(),
        sha256: "0123".into(),
        size: 3 * 1024 * 1024,
    }
}

#[test]
fn each_file_shows_in_the_status_line_then_a_summary() {
    let mut app = demo_app();
    all_green(&mut app);
    key(&mut app, 'x');
    type_text(&mut app, "/tmp/out/");
    press(&mut app, KeyCode::Enter);
    update(
        &mut app,
        Msg::Export(ExportProgress::Started {
            cell: "app@linux/arm64".into(),
            file: "arm64/app_v0.1.0.tar".into(),
        }),
    );
    assert_eq!(
        status_text(&app),
        "exporting 1/14: /tmp/out/arm64/app_v0.1.0.tar (app@linux/arm64)…"
    );
    assert_eq!(app.export.current.as_deref(), Some("arm64/app_v0.1.0.tar"));
    update(
        &mut app,
        Msg::Export(ExportProgress::Written(entry("arm64/app_v0.1.0.tar"))),
    );
    assert_eq!(
        (app.export.written, app.export.current.as_deref()),
        (1, None)
    );
    let report = ExportReport {
        index: PathBuf::from("/tmp/out/index.json"),
        written: vec![entry("arm64/app_v0.1.0.tar")],
        failed: Vec::new(),
        missing: Vec::new(),
        index_error: None,
    };
    update(&mut app, Msg::ExportEnded(Ok(report)));
    assert!(!app.export.running);
    assert_eq!(
        status_text(&app),
        "exported 1 of 1 images to /tmp/out/, listed in /tmp/out/index.json"
    );
}

#[test]
fn a_partial_export_says_what_is_missing() {
    let mut app = demo_app();
    all_green(&mut app);
    key(&mut app, 'x');
    press(&mut app, KeyCode::Enter);
    let failure = Failure {
        cell: "base@linux/amd64".into(),
        file: "amd64/base_v0.1.0.tar".into(),
        error: "ERROR: no space left on device\nmore".into(),
    };
    update(
        &mut app,
        Msg::Export(ExportProgress::Failed(failure.clone())),
    );
    assert_eq!(app.export.failed, 1);
    let report = ExportReport {
        index: PathBuf::from("./export/index.json"),
        written: vec![entry("arm64/app_v0.1.0.tar")],
        failed: vec![failure],
        missing: vec![NotGreen {
            cell: 5,
            id: "worker@linux/arm64".into(),
            why: WhyNotGreen::Failed,
        }],
        index_error: None,
    };
    update(&mut app, Msg::ExportEnded(Ok(report)));
    assert_eq!(app.status.as_ref().unwrap().level, Level::Warn);
    assert_eq!(
        status_text(&app),
        "partial export to ./export: 1 of 3 images written; missing worker@linux/arm64 \
         (failed), base@linux/amd64 (export failed)"
    );
}

#[test]
fn x_during_an_export_says_one_is_under_way() {
    let mut app = demo_app();
    all_green(&mut app);
    key(&mut app, 'x');
    press(&mut app, KeyCode::Enter);
    assert_eq!(key(&mut app, 'x'), []);
    assert_eq!(app.popup, None);
    assert_eq!(
        status_text(&app),
        "an export to ./export is under way (0/14 files)"
    );
}
