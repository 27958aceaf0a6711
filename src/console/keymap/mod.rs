//! The one table of key bindings. The key handler, the footer and the help popup all read it,
//! so what is shown cannot drift from what works; `[keys]` tables rebind it by action name.

use std::collections::BTreeMap;
use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    MoveUp,
    MoveDown,
    MoveLeft,
    MoveRight,
    NextPane,
    PrevPane,
    ShowLog,
    ShowFailures,
    ShowBuilder,
    ShowConsole,
    Retry,
    RetryFailed,
    Cancel,
    RebuildNoCache,
    Pause,
    Filter,
    Publish,
    Export,
    Help,
    Quit,
    ScrollUp,
    ScrollDown,
    ScrollTop,
    ScrollBottom,
    FailurePrev,
    FailureNext,
    JumpToCell,
    RefreshBuilder,
    Yes,
    No,
    CloseHelp,
    InputAccept,
    InputCancel,
    InputDelete,
    Search,
    SearchNext,
    SearchPrev,
    ToggleWrap,
    ToggleTimes,
    ScrollLeft,
    ScrollRight,
    SearchAccept,
    SearchCancel,
    SearchDelete,
}

/// Where a binding applies. Pane contexts are consulted before `Global`, so a pane may give
/// a global key another meaning while it is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Context {
    Global,
    /// The log, builder and console panes: anything that scrolls.
    Scroll,
    /// The log pane: search, wrap, timestamps.
    Log,
    /// The log pane with long lines cut rather than wrapped.
    Sideways,
    Failures,
    Builder,
    Confirm,
    /// A popup that takes typed text; keys no binding claims are typed into it.
    Input,
    Help,
    /// Typing a search after `/`; keys no binding claims are typed into it.
    Search,
}

impl Context {
    pub fn heading(self) -> &'static str {
        match self {
            Context::Global => "Everywhere",
            Context::Scroll => "Log, builder and console panes",
            Context::Log => "Log pane",
            Context::Sideways => "Log pane, lines not wrapped",
            Context::Failures => "Failures pane",
            Context::Builder => "Builder pane",
            Context::Confirm => "Questions",
            Context::Input => "Typing a directory",
            Context::Help => "This help",
            Context::Search => "Typing a search",
        }
    }
}

pub struct ActionInfo {
    pub action: Action,
    /// The name `[keys]` tables use.
    pub name: &'static str,
    pub keys: &'static [&'static str],
    /// A word or two for the footer.
    pub short: &'static str,
    pub description: &'static str,
    pub context: Context,
}

const fn info(
    action: Action,
    name: &'static str,
    keys: &'static [&'static str],
    short: &'static str,
    description: &'static str,
    context: Context,
) -> ActionInfo {
    ActionInfo {
        action,
        name,
        keys,
        short,
        description,
        context,
    }
}

use Action as A;
use Context as C;

/// In the order the footer and the help list them.
#[rustfmt::skip]
pub const ACTIONS: &[ActionInfo] = &[
    //   action             name               default keys        footer          description, context
    info(A::Retry,          "retry",           &["r"],             "retry",        "build the selected cell again (asks first when it is green)", C::Global),
    info(A::RetryFailed,    "retry-failed",    &["R"],             "retry failed", "build every failed cell again", C::Global),
    info(A::Cancel,         "cancel",          &["c"],             "cancel",       "stop the selected running cell", C::Global),
    info(A::RebuildNoCache, "rebuild",         &["f"],             "no-cache",     "rebuild the selected cell with --no-cache", C::Global),
    info(A::Pause,          "pause",           &["s"],             "pause",        "stop or resume starting new cells; running ones go on", C::Global),
    info(A::Filter,         "filter",          &["F"],             "filter",       "show all rows, then only rows not green, then only rows that failed", C::Global),
    info(A::Publish,        "publish",         &["p"],             "publish",      "publish and verify the manifest lists (asks first; every cell green)", C::Global),
    info(A::Export,         "export",          &["x"],             "export",       "write a tarball per green cell and index.json to a directory (asks)", C::Global),
    info(A::NextPane,       "next-pane",       &["tab"],           "pane",         "show the next lower pane", C::Global),
    info(A::PrevPane,       "prev-pane",       &["backtab"],       "prev pane",    "show the previous lower pane", C::Global),
    info(A::ShowLog,        "log-pane",        &["1"],             "log",          "show the selected cell's log", C::Global),
    info(A::ShowFailures,   "failures-pane",   &["2"],             "failures",     "show every failed attempt", C::Global),
    info(A::ShowBuilder,    "builder-pane",    &["3"],             "builder",      "show what buildx reports about the builder", C::Global),
    info(A::ShowConsole,    "console-pane",    &["4"],             "console",      "show archgrid's own log", C::Global),
    info(A::MoveUp,         "up",              &["up", "k"],       "up",           "select the cell above", C::Global),
    info(A::MoveDown,       "down",            &["down", "j"],     "down",         "select the cell below", C::Global),
    info(A::MoveLeft,       "left",            &["left", "h"],     "left",         "select the cell to the left", C::Global),
    info(A::MoveRight,      "right",           &["right", "l"],    "right",        "select the cell to the right", C::Global),
    info(A::Help,           "help",            &["?"],             "help",         "show this help", C::Global),
    info(A::Quit,           "quit",            &["q", "ctrl-c"],   "quit",         "quit (asks first while cells run, then cancels them)", C::Global),
    info(A::ScrollUp,       "scroll-up",       &["pgup"],          "page up",      "scroll up a page", C::Scroll),
    info(A::ScrollDown,     "scroll-down",     &["pgdn"],          "page down",    "scroll down a page", C::Scroll),
    info(A::ScrollTop,      "scroll-top",      &["g", "home"],     "oldest",       "go to the oldest line kept", C::Scroll),
    info(A::ScrollBottom,   "scroll-bottom",   &["G", "end"],      "follow",       "go to the newest line and follow", C::Scroll),
    info(A::Search,         "search",          &["/"],             "search",       "search the log; matches are highlighted", C::Log),
    info(A::SearchNext,     "search-next",     &["n"],             "next match",   "go to the next (newer) match", C::Log),
    info(A::SearchPrev,     "search-prev",     &["N"],             "prev match",   "go to the previous (older) match", C::Log),
    info(A::ToggleWrap,     "wrap",            &["w"],             "wrap",         "wrap long lines, or cut them and scroll sideways", C::Log),
    info(A::ToggleTimes,    "timestamps",      &["t"],             "times",        "show or hide when each line came", C::Log),
    info(A::ScrollLeft,     "scroll-left",     &["left"],          "sideways",     "scroll the cut lines left", C::Sideways),
    info(A::ScrollRight,    "scroll-right",    &["right"],         "sideways",     "scroll the cut lines right", C::Sideways),
    info(A::FailurePrev,    "failure-prev",    &["up", "k"],       "newer",        "select the newer failure", C::Failures),
    info(A::FailureNext,    "failure-next",    &["down", "j"],     "older",        "select the older failure", C::Failures),
    info(A::JumpToCell,     "jump",            &["enter"],         "jump to cell", "select the failure's cell and show its log", C::Failures),
    info(A::RefreshBuilder, "refresh-builder", &["u"],             "refresh",      "run the doctor checks and ask buildx again", C::Builder),
    info(A::Yes,            "yes",             &["y"],             "yes",          "answer yes", C::Confirm),
    info(A::No,             "no",              &["n", "esc"],      "no",           "answer no", C::Confirm),
    info(A::InputAccept,    "input-accept",    &["enter"],         "export",       "export to the directory typed", C::Input),
    info(A::InputCancel,    "input-cancel",    &["esc"],           "cancel",       "close without exporting", C::Input),
    info(A::InputDelete,    "input-delete",    &["backspace"],     "delete",       "delete the last character (other keys type)", C::Input),
    info(A::SearchAccept,   "search-accept",   &["enter"],         "search",       "search for the text typed", C::Search),
    info(A::SearchCancel,   "search-cancel",   &["esc"],           "cancel",       "close without searching", C::Search),
    info(A::SearchDelete,   "search-delete",   &["backspace"],     "delete",       "delete the last character (other keys type)", C::Search),
    info(A::CloseHelp,      "close-help",      &["esc", "?", "q"], "close",        "close this help", C::Help),
];

pub fn info_of(action: Action) -> &'static ActionInfo {
    ACTIONS
        .iter()
        .find(|i| i.action == action)
        .expect("every action is in the table")
}

/// A key as bindings name it: `r`, `R`, `ctrl-c`, `pgup`, `enter`, `f5`, `?`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Key {
    /// Shift is part of the character for printable keys (`R`, `?`), so it is dropped there
    /// to match however the terminal reported it.
    pub fn new(code: KeyCode, mods: KeyModifiers) -> Key {
        let mods = mods & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let mods = match code {
            KeyCode::Char(_) | KeyCode::BackTab => mods - KeyModifiers::SHIFT,
            _ => mods,
        };
        Key { code, mods }
    }

    /// Presses only: releases and repeats reported by some terminals are not actions.
    pub fn from_event(ev: &KeyEvent) -> Option<Key> {
        (ev.kind == KeyEventKind::Press).then(|| Key::new(ev.code, ev.modifiers))
    }

    pub fn parse(text: &str) -> Result<Key, String> {
        let bad = || format!("{text:?} is not a key (examples: r, R, ctrl-r, enter, pgdn, f5)");
        let mut mods = KeyModifiers::NONE;
        let mut rest = text;
        // `ctrl-c` and `ctrl+c` both work; a lone "-" or "+" is a key, and "ctrl--" is ctrl
        // and "-".
        while let Some((at, _)) = rest
            .char_indices()
            .skip(1)
            .find(|&(_, c)| c == '-' || c == '+')
        {
            let m = match rest[..at].to_ascii_lowercase().as_str() {
                "ctrl" | "control" | "c" => KeyModifiers::CONTROL,
                "alt" | "meta" | "m" => KeyModifiers::ALT,
                "shift" | "s" => KeyModifiers::SHIFT,
                _ => break,
            };
            let tail = &rest[at + 1..];
            if tail.is_empty() {
                return Err(bad());
            }
            mods |= m;
            rest = tail;
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) if mods.contains(KeyModifiers::SHIFT) && c.is_ascii_alphabetic() => {
                KeyCode::Char(c.to_ascii_uppercase())
            }
            (Some(c), None) => KeyCode::Char(c),
            _ => match rest.to_ascii_lowercase().as_str() {
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                "enter" | "return" => KeyCode::Enter,
                "esc" | "escape" => KeyCode::Esc,
                "tab" if mods.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
                "tab" => KeyCode::Tab,
                "backtab" => KeyCode::BackTab,
                "space" => KeyCode::Char(' '),
                "pgup" | "pageup" => KeyCode::PageUp,
                "pgdn" | "pgdown" | "pagedown" => KeyCode::PageDown,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                "backspace" => KeyCode::Backspace,
                "delete" | "del" => KeyCode::Delete,
                "insert" | "ins" => KeyCode::Insert,
                f if f.starts_with('f') => match f[1..].parse::<u8>() {
                    Ok(n @ 1..=24) => KeyCode::F(n),
                    _ => return Err(bad()),
                },
                _ => return Err(bad()),
            },
        };
        Ok(Key::new(code, mods))
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("C-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("M-")?;
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            f.write_str("S-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::BackTab => f.write_str("S-Tab"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::Backspace => f.write_str("Backspace"),
            KeyCode::Delete => f.write_str("Del"),
            KeyCode::Insert => f.write_str("Ins"),
            KeyCode::F(n) => write!(f, "F{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Keymap {
    /// Keys per entry of `ACTIONS`, same order.
    keys: Vec<Vec<Key>>,
}

impl Default for Keymap {
    fn default() -> Self {
        Keymap {
            keys: ACTIONS
                .iter()
                .map(|i| {
                    i.keys
                        .iter()
                        .map(|k| Key::parse(k).expect("default keys parse"))
                        .collect()
                })
                .collect(),
        }
    }
}

impl Keymap {
    /// Applies `[keys]` tables in order, later ones winning; `source` names each in errors.
    /// An action's keys replace its defaults.
    pub fn with_overrides<'a>(
        tables: impl IntoIterator<Item = (&'a str, &'a BTreeMap<String, Vec<String>>)>,
    ) -> Result<Keymap, String> {
        let mut map = Keymap::default();
        let mut errors = Vec::new();
        for (source, table) in tables {
            for (name, keys) in table {
                let Some(pos) = ACTIONS.iter().position(|i| i.name == name) else {
                    errors.push(format!(
                        "{source}: unknown action {name:?}; actions are: {}",
                        ACTIONS
                            .iter()
                            .map(|i| i.name)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                    continue;
                };
                let mut parsed = Vec::new();
                for key in keys {
                    match Key::parse(key) {
                        Ok(k) => parsed.push(k),
                        Err(e) => errors.push(format!("{source}: {name}: {e}")),
                    }
                }
                map.keys[pos] = parsed;
            }
        }
        errors.extend(map.conflicts());
        if errors.is_empty() {
            Ok(map)
        } else {
            Err(errors.join("\n"))
        }
    }

    /// Two actions of one context on one key: only the first could ever run.
    fn conflicts(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (i, a) in ACTIONS.iter().enumerate() {
            for (j, b) in ACTIONS.iter().enumerate().skip(i + 1) {
                if a.context != b.context {
                    continue;
                }
                for key in &self.keys[i] {
                    if self.keys[j].contains(key) {
                        out.push(format!(
                            "key {key} is bound to both {} and {}",
                            a.name, b.name
                        ));
                    }
                }
            }
        }
        out
    }

    pub fn keys(&self, action: Action) -> &[Key] {
        let pos = ACTIONS
            .iter()
            .position(|i| i.action == action)
            .expect("every action is in the table");
        &self.keys[pos]
    }

    /// The first context in `contexts` with a binding for `key` decides.
    pub fn action_for(&self, key: Key, contexts: &[Context]) -> Option<Action> {
        contexts.iter().find_map(|&ctx| {
            ACTIONS
                .iter()
                .zip(&self.keys)
                .find(|(info, keys)| info.context == ctx && keys.contains(&key))
                .map(|(info, _)| info.action)
        })
    }

    /// `r`, `PgUp/PgDn`: how a binding is shown; `-` when it has no key.
    pub fn label(&self, action: Action, all: bool) -> String {
        let keys = self.keys(action);
        if keys.is_empty() {
            return "-".into();
        }
        let take = if all { keys.len() } else { 1 };
        keys.iter()
            .take(take)
            .map(Key::to_string)
            .collect::<Vec<_>>()
            .join("/")
    }
}

#[cfg(test)]
mod tests;
