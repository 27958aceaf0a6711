//! `x`: a popup asks for the directory, then the export task writes a tarball per green cell;
//! each file's progress goes to the status line and the console pane.

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyModifiers};

use super::open_popup;
use crate::console::app::{App, Level, Popup};
use crate::console::clean::clean;
use crate::console::export_state::{ExportState, TextInput, DEFAULT_EXPORT_DIR};
use crate::console::keymap::{Action, Key};
use crate::console::msg::Effect;
use crate::model::text::{plural, size_words};
use crate::publish::export::{self, ExportOptions, ExportProgress, ExportReport};
use crate::publish::list_words;

pub fn open(app: &mut App) -> Vec<Effect> {
    if app.export.running {
        app.say(
            Level::Info,
            format!(
                "an export to {} is under way ({}/{} files)",
                app.export.dir,
                app.export.finished(),
                app.export.total
            ),
        );
        return Vec::new();
    }
    if app.green_count() == 0 {
        app.say(Level::Warn, "nothing to export: no cell is green yet");
        return Vec::new();
    }
    app.input = Some(TextInput::with_default(DEFAULT_EXPORT_DIR));
    open_popup(app, Popup::ExportDir);
    Vec::new()
}

/// A key while the directory popup is open: its bindings first, then typing.
pub fn on_input_key(app: &mut App, key: Key, action: Option<Action>) -> Vec<Effect> {
    match action {
        Some(Action::InputAccept) => return accept(app),
        Some(Action::InputCancel) => {
            app.popup = None;
            app.input = None;
            app.say(Level::Info, "export canceled; nothing was written");
        }
        Some(Action::InputDelete) => {
            if let Some(input) = &mut app.input {
                input.backspace();
            }
        }
        _ => {
            let typed = match key.code {
                KeyCode::Char(c)
                    if !key
                        .mods
                        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
                {
                    Some(c)
                }
                _ => None,
            };
            if let (Some(c), Some(input)) = (typed, &mut app.input) {
                input.type_char(c);
            }
        }
    }
    Vec::new()
}

fn accept(app: &mut App) -> Vec<Effect> {
    let text = app
        .input
        .as_ref()
        .map(|i| i.text.trim().to_string())
        .unwrap_or_default();
    if text.is_empty() {
        let cancel = app.keymap.label(Action::InputCancel, false);
        app.say(
            Level::Warn,
            format!("type the directory to export to ({cancel} cancels)"),
        );
        return Vec::new();
    }
    app.popup = None;
    app.input = None;
    let opts = ExportOptions {
        dir: PathBuf::from(&text),
        platforms: Vec::new(),
    };
    let statuses = app.statuses();
    let plan = match export::plan_export(&app.plan, &statuses, &opts) {
        Ok(plan) => plan,
        Err(e) => {
            app.say(Level::Error, clean(&e));
            return Vec::new();
        }
    };
    if plan.items.is_empty() {
        app.say(Level::Warn, "nothing to export: no cell is green");
        return Vec::new();
    }
    let n = plan.items.len();
    let mut said = format!("exporting {n} image{} to {text}", plural(n));
    if !plan.missing.is_empty() {
        let ids: Vec<String> = plan.missing.iter().map(|m| m.id.clone()).collect();
        said.push_str(&format!(
            "; not green, so left out: {}",
            list_words(&ids, 4)
        ));
    }
    tracing::info!("{said}");
    app.say(Level::Info, format!("{said}…"));
    app.export = ExportState {
        running: true,
        dir: text,
        total: n,
        ..ExportState::default()
    };
    vec![Effect::Export(plan)]
}

pub fn on_progress(app: &mut App, progress: ExportProgress) {
    let dir = app.export.dir.clone();
    match progress {
        ExportProgress::Started { cell, file } => {
            let (cell, file) = (clean(&cell), clean(&file));
            app.say(
                Level::Info,
                format!(
                    "exporting {}/{}: {} ({cell})…",
                    app.export.finished() + 1,
                    app.export.total,
                    in_dir(&dir, &file)
                ),
            );
            app.export.current = Some(file);
        }
        ExportProgress::Written(entry) => {
            app.export.written += 1;
            app.export.current = None;
            tracing::info!(
                "[{} {}] wrote {} ({}, sha256 {}…)",
                clean(&entry.component),
                clean(&entry.platform),
                in_dir(&dir, &clean(&entry.file)),
                size_words(entry.size),
                clean(&entry.sha256.chars().take(12).collect::<String>())
            );
        }
        ExportProgress::Failed(f) => {
            app.export.failed += 1;
            app.export.current = None;
            let first = f.error.lines().next().unwrap_or_default();
            tracing::error!(
                "[{}] could not write {}: {}",
                clean(&f.cell),
                in_dir(&dir, &clean(&f.file)),
                clean(first)
            );
        }
    }
}

pub fn ended(app: &mut App, result: Result<ExportReport, String>) {
    app.export.running = false;
    app.export.current = None;
    let dir = app.export.dir.clone();
    let report = match result {
        Ok(report) => report,
        Err(e) => {
            let said = format!("the export to {dir} stopped: {}", clean(&e));
            tracing::error!("{said}");
            app.say(Level::Error, said);
            return;
        }
    };
    let written = report.written.len();
    let total = written + report.failed.len() + report.missing.len();
    if let Some(e) = &report.index_error {
        let said = format!("{written} of {total} images written, but {}", clean(e));
        tracing::error!("{said}");
        app.say(Level::Error, said);
        return;
    }
    if report.complete() {
        let said = format!(
            "exported {written} of {total} images to {dir}, listed in {}",
            in_dir(&dir, "index.json")
        );
        tracing::info!("{said}");
        app.say(Level::Info, said);
        return;
    }
    let mut missing: Vec<String> = report
        .missing
        .iter()
        .map(|m| format!("{} ({})", clean(&m.id), m.why))
        .collect();
    missing.extend(
        report
            .failed
            .iter()
            .map(|f| format!("{} (export failed)", clean(&f.cell))),
    );
    let said = format!(
        "partial export to {dir}: {written} of {total} images written; missing {}",
        list_words(&missing, 4)
    );
    tracing::warn!("{said}");
    app.say(Level::Warn, said);
}

/// `DIR/file` as the user would type it, whether or not DIR ends in a slash.
fn in_dir(dir: &str, file: &str) -> String {
    format!("{}/{file}", dir.trim_end_matches('/'))
}
