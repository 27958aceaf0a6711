//! Where everything goes on the screen. `view` draws into these areas and `update` uses the
//! same numbers to page the log and to tell which cell a click landed on.

use ratatui::layout::Rect;
use unicode_width::UnicodeWidthStr;

use super::app::{App, Pane};
use super::keymap::Action;
use super::publish_state::{mark_text, Mark};

pub const HEADER_H: u16 = 2;
/// Below this the console only says the terminal is too small.
pub const MIN_W: u16 = 30;
pub const MIN_H: u16 = 10;
const MIN_CELL_W: u16 = 14;
const MAX_CELL_W: u16 = 48;
/// Cells this wide or wider get a second line, when the height allows.
const TWO_LINE_CELL_W: u16 = 20;
/// A pane shorter than this (four lines of content) shows only its tab line, and the grid
/// gets the room: on a small terminal the grid is what is glanced at.
const MIN_PANE_H: u16 = 6;
/// Publish marks widen the component column up to this, and only while every cell keeps
/// `MARKED_CELL_W`: the cells are still what the grid is for.
const MAX_MARKED_COMP_W: u16 = 56;
const MARKED_CELL_W: u16 = 26;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub header: Rect,
    pub grid: Rect,
    pub pane: Rect,
    /// The pane is down to its tab line.
    pub pane_collapsed: bool,
    pub status: Rect,
    pub footer: Rect,
    pub grid_geo: GridGeometry,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GridGeometry {
    /// Inside the grid's border: a header row of platforms, then the component rows.
    pub inner: Rect,
    /// The component column: names, then publish marks when there are any.
    pub comp_w: u16,
    /// Where the names end and the marks start, inside the component column.
    pub name_w: u16,
    pub cell_w: u16,
    pub row_h: u16,
    pub vis_rows: usize,
    pub vis_cols: usize,
}

pub fn too_small(area: Rect) -> bool {
    area.width < MIN_W || area.height < MIN_H
}

pub fn screen(app: &App) -> Rect {
    Rect::new(0, 0, app.size.0, app.size.1)
}

pub fn areas(app: &App, area: Rect) -> Areas {
    let body_h = area.height.saturating_sub(HEADER_H + 2);
    let (name_w, comp_w, cell_w, vis_cols) = columns(app, area.width.saturating_sub(2));
    let rows = app.rows() as u16;
    let grid_cap = (body_h * 11 / 20).max(5).min(body_h);
    let row_h = if cell_w >= TWO_LINE_CELL_W && rows.saturating_mul(2).saturating_add(3) <= grid_cap
    {
        2
    } else {
        1
    };
    let mut grid_h = rows.saturating_mul(row_h).saturating_add(3).min(grid_cap);
    let mut pane_h = body_h - grid_h;
    let pane_collapsed = pane_h < MIN_PANE_H;
    if pane_collapsed {
        pane_h = body_h.min(1);
        grid_h = body_h - pane_h;
    }
    let y0 = area.y;
    let header = Rect::new(area.x, y0, area.width, HEADER_H.min(area.height));
    let grid = Rect::new(area.x, y0 + HEADER_H, area.width, grid_h);
    let pane = Rect::new(area.x, grid.bottom(), area.width, pane_h);
    let status = Rect::new(area.x, pane.bottom(), area.width, 1);
    let footer = Rect::new(area.x, status.bottom(), area.width, 1);
    let inner = Rect::new(
        grid.x + 1,
        grid.y + 1,
        grid.width.saturating_sub(2),
        grid.height.saturating_sub(2),
    );
    let vis_rows = (inner.height.saturating_sub(1) / row_h) as usize;
    Areas {
        header,
        grid,
        pane,
        pane_collapsed,
        status,
        footer,
        grid_geo: GridGeometry {
            inner,
            comp_w,
            name_w,
            cell_w,
            row_h,
            vis_rows: vis_rows.max(1),
            vis_cols,
        },
    }
}

/// Names width, component column width, cell width and how many platform columns fit.
fn columns(app: &App, inner_w: u16) -> (u16, u16, u16, usize) {
    let longest = app
        .plan
        .components
        .iter()
        .map(|c| c.width())
        .max()
        .unwrap_or(0) as u16;
    let name_w = (longest + 1).clamp(6, 24);
    let ncols = app.cols().max(1) as u16;
    // While a publish runs, room for every step's words is kept from the start, so the
    // grid does not shift sideways as each component moves on.
    let steps = [
        Mark::Waiting,
        Mark::Checking,
        Mark::Creating,
        Mark::Verifying,
    ];
    let in_flight = steps.iter().filter(|_| app.publish.running);
    let widest_mark = app
        .publish
        .marks
        .values()
        .chain(in_flight)
        .map(|m| {
            let text = mark_text(m);
            let detail = text.detail.as_deref().map_or(0, |d| d.width() + 2);
            text.head.width().max(detail) as u16
        })
        .max();
    let comp_w = match widest_mark {
        Some(mark_w) => (name_w + mark_w + 1)
            .min(MAX_MARKED_COMP_W)
            .min(inner_w.saturating_sub(ncols * MARKED_CELL_W))
            .max(name_w),
        None => name_w,
    };
    let avail = inner_w.saturating_sub(comp_w);
    let vis = if ncols * MIN_CELL_W <= avail {
        ncols
    } else {
        (avail / MIN_CELL_W).max(1)
    };
    let cell_w = (avail / vis).min(MAX_CELL_W);
    (name_w, comp_w, cell_w, vis as usize)
}

/// The pane's inside: its content area below the tab line.
pub fn pane_body(areas: &Areas) -> Rect {
    let p = areas.pane;
    if areas.pane_collapsed {
        return Rect::new(p.x, p.bottom(), p.width, 0);
    }
    Rect::new(
        p.x + 1,
        p.y + 1,
        p.width.saturating_sub(2),
        p.height.saturating_sub(2),
    )
}

/// The grid slot (row, column) under a screen position.
pub fn grid_slot_at(app: &App, geo: &GridGeometry, x: u16, y: u16) -> Option<(usize, usize)> {
    let inner = geo.inner;
    let first_row_y = inner.y + 1;
    let cells_x = inner.x + geo.comp_w;
    if y < first_row_y || y >= inner.bottom() || x < cells_x || x >= inner.right() {
        return None;
    }
    let row = app.scroll.0 + ((y - first_row_y) / geo.row_h) as usize;
    let col = app.scroll.1 + ((x - cells_x) / geo.cell_w.max(1)) as usize;
    let visible = row < app.scroll.0 + geo.vis_rows && col < app.scroll.1 + geo.vis_cols;
    (visible && row < app.rows() && col < app.cols()).then_some((row, col))
}

/// Scroll offsets that keep the selected slot in view, moving as little as possible.
pub fn scroll_to_selection(app: &App, geo: &GridGeometry) -> (usize, usize) {
    let fit = |sel: usize, first: usize, visible: usize, total: usize| {
        let visible = visible.max(1);
        let mut first = first.min(total.saturating_sub(visible));
        if sel < first {
            first = sel;
        } else if sel >= first + visible {
            first = sel + 1 - visible;
        }
        first
    };
    (
        fit(app.sel.0, app.scroll.0, geo.vis_rows, app.rows()),
        fit(app.sel.1, app.scroll.1, geo.vis_cols, app.cols()),
    )
}

/// The pane tabs as the pane's top border shows them: the key that opens each, its name, and
/// what needs attention there.
pub fn tabs(app: &App) -> Vec<(Pane, String)> {
    let failed_check = app.doctor.as_ref().is_some_and(|r| r.failed());
    let warned = failed_check || !app.builder_warnings().is_empty();
    Pane::ALL
        .iter()
        .map(|&pane| {
            let action = match pane {
                Pane::Log => Action::ShowLog,
                Pane::Failures => Action::ShowFailures,
                Pane::Builder => Action::ShowBuilder,
                Pane::Console => Action::ShowConsole,
            };
            let key = app.keymap.label(action, false);
            let extra = match pane {
                Pane::Failures if !app.failures.is_empty() => format!(" ({})", app.failures.len()),
                Pane::Builder if warned => " ⚠".to_string(),
                _ => String::new(),
            };
            (pane, format!(" {key} {}{extra} ", pane.title()))
        })
        .collect()
}

/// Width of the separator drawn between two tabs.
pub const TAB_GAP: u16 = 1;

pub fn tab_at(app: &App, areas: &Areas, x: u16, y: u16) -> Option<Pane> {
    if y != areas.pane.y {
        return None;
    }
    let mut left = areas.pane.x + 1;
    for (pane, label) in tabs(app) {
        let w = label.width() as u16;
        if x >= left && x < left + w {
            return Some(pane);
        }
        left += w + TAB_GAP;
    }
    None
}
