//! The export popup's text field and the progress of an export under way.

/// What `x` offers when nothing has been typed.
pub const DEFAULT_EXPORT_DIR: &str = "./export";

/// A one-line text field. The default starts out selected: the first character typed replaces
/// it, Backspace edits it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextInput {
    pub text: String,
    pub fresh: bool,
}

impl TextInput {
    pub fn with_default(text: &str) -> TextInput {
        TextInput {
            text: text.to_string(),
            fresh: true,
        }
    }

    pub fn type_char(&mut self, c: char) {
        if self.fresh {
            self.text.clear();
            self.fresh = false;
        }
        if !c.is_control() {
            self.text.push(c);
        }
    }

    pub fn backspace(&mut self) {
        self.fresh = false;
        self.text.pop();
    }
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ExportState {
    pub running: bool,
    /// As the user typed it.
    pub dir: String,
    /// Files this export writes.
    pub total: usize,
    pub written: usize,
    pub failed: usize,
    /// The file being written now, e.g. `arm64/app_v0.1.0.tar`.
    pub current: Option<String>,
}

impl ExportState {
    pub fn finished(&self) -> usize {
        self.written + self.failed
    }
}
