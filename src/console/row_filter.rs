//! `F`: which rows the grid shows. With dozens of components, the rows that need a look are
//! the ones not green yet, or the ones that failed.

use crate::model::CellStatus;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RowFilter {
    #[default]
    All,
    /// Rows with a cell that is not green (or up to date) yet; cells outside the run do not
    /// count.
    NotGreen,
    /// Rows with a failed, refused or blocked cell.
    Failed,
}

impl RowFilter {
    pub fn next(self) -> RowFilter {
        match self {
            RowFilter::All => RowFilter::NotGreen,
            RowFilter::NotGreen => RowFilter::Failed,
            RowFilter::Failed => RowFilter::All,
        }
    }

    /// For the header: `None` when every row is shown.
    pub fn label(self) -> Option<&'static str> {
        match self {
            RowFilter::All => None,
            RowFilter::NotGreen => Some("not green"),
            RowFilter::Failed => Some("failed"),
        }
    }

    pub fn keeps<'a>(self, mut row: impl Iterator<Item = &'a CellStatus>) -> bool {
        match self {
            RowFilter::All => true,
            RowFilter::NotGreen => row.any(|s| !s.is_green() && *s != CellStatus::NotSelected),
            RowFilter::Failed => {
                row.any(|s| s.is_failed() || matches!(s, CellStatus::Blocked { .. }))
            }
        }
    }
}
