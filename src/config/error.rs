use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// One problem in a matrix file, located so editors can jump to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: PathBuf,
    /// 1-based; 0 when the file could not be read at all.
    pub line: usize,
    /// 1-based, counted in characters rather than bytes.
    pub column: usize,
    pub message: String,
    pub hint: Option<String>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A position of 0:0 would point editors at a line that does not exist.
        if self.line == 0 {
            write!(f, "{}: {}", self.file.display(), self.message)?;
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.file.display(),
                self.line,
                self.column,
                self.message
            )?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// Every problem found in a matrix file, so that one run reports them all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

impl From<ConfigError> for ConfigErrors {
    fn from(error: ConfigError) -> Self {
        ConfigErrors(vec![error])
    }
}

/// Why `Matrix::load` returned no matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadError {
    /// Nothing at the path. Some commands work without a matrix; the others say how to get one.
    Missing(super::MissingMatrix),
    /// The file is there but cannot be read or is wrong: every problem, each where to fix it.
    Invalid(ConfigErrors),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Missing(missing) => write!(f, "{missing}"),
            LoadError::Invalid(errors) => write!(f, "{errors}"),
        }
    }
}

impl std::error::Error for LoadError {}

impl From<ConfigErrors> for LoadError {
    fn from(errors: ConfigErrors) -> Self {
        LoadError::Invalid(errors)
    }
}

/// Gathers errors while turning byte spans from the TOML parser into the
/// line and column people see in their editor.
pub(super) struct Collector<'a> {
    file: &'a Path,
    text: &'a str,
    line_starts: Vec<usize>,
    errors: Vec<ConfigError>,
    warnings: Vec<ConfigError>,
}

impl<'a> Collector<'a> {
    pub(super) fn new(file: &'a Path, text: &'a str) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Collector {
            file,
            text,
            line_starts,
            errors: Vec::new(),
            warnings: Vec::new(),
        }
    }

    pub(super) fn push(
        &mut self,
        span: Range<usize>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        let error = self.located(span, message.into(), hint.into());
        self.errors.push(error);
    }

    /// A problem that does not stop the build but that a person should fix.
    pub(super) fn warn(
        &mut self,
        span: Range<usize>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        let warning = self.located(span, message.into(), hint.into());
        self.warnings.push(warning);
    }

    fn located(&self, span: Range<usize>, message: String, hint: String) -> ConfigError {
        let (line, column) = self.position(span.start);
        ConfigError {
            file: self.file.to_path_buf(),
            line,
            column,
            message,
            hint: Some(hint).filter(|h| !h.is_empty()),
        }
    }

    pub(super) fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&start| start <= offset);
        let start = self.line_starts[line - 1];
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |prefix| prefix.chars().count());
        (line, column + 1)
    }

    /// The warnings when there is no error.
    pub(super) fn finish(mut self) -> Result<Vec<ConfigError>, ConfigErrors> {
        // Checks run section by section, but people read top to bottom.
        self.errors.sort_by_key(|e| (e.line, e.column));
        self.warnings.sort_by_key(|e| (e.line, e.column));
        if self.errors.is_empty() {
            return Ok(self.warnings);
        }
        Err(ConfigErrors(self.errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let text = "ab\nçé = 1\n\nx";
        let c = Collector::new(Path::new("m.toml"), text);
        assert_eq!(c.position(0), (1, 1));
        assert_eq!(c.position(1), (1, 2));
        assert_eq!(c.position(3), (2, 1));
        // 'ç' and 'é' are two bytes each but one column each.
        assert_eq!(c.position(3 + 4), (2, 3));
        assert_eq!(c.position(text.len() - 1), (4, 1));
        assert_eq!(c.position(text.len() + 10), (4, 2));
    }

    #[test]
    fn display_lists_every_error_with_its_hint() {
        let errors = ConfigErrors(vec![
            ConfigError {
                file: "m.toml".into(),
                line: 3,
                column: 7,
                message: "first".into(),
                hint: Some("do this".into()),
            },
            ConfigError {
                file: "m.toml".into(),
                line: 9,
                column: 1,
                message: "second".into(),
                hint: None,
            },
            ConfigError {
                file: "gone.toml".into(),
                line: 0,
                column: 0,
                message: "cannot read".into(),
                hint: None,
            },
        ]);
        assert_eq!(
            errors.to_string(),
            "m.toml:3:7: first\n  hint: do this\nm.toml:9:1: second\ngone.toml: cannot read"
        );
    }

    #[test]
    fn finish_sorts_by_position() {
        let text = "a = 1\nb = 2\n";
        let mut c = Collector::new(Path::new("m.toml"), text);
        c.push(6..7, "second", "");
        c.push(0..1, "first", "h");
        let errors = c.finish().unwrap_err().0;
        assert_eq!(errors[0].message, "first");
        assert_eq!(errors[1].message, "second");
        assert_eq!(errors[1].hint, None);
    }
}
