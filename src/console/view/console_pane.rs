//! archgrid's own diagnostics, collected from `tracing` by tui-logger.

use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::Frame;
use tui_logger::{TuiLoggerLevelOutput, TuiLoggerWidget};

use crate::console::app::App;

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let widget = TuiLoggerWidget::default()
        .state(&app.logger)
        .output_target(false)
        .output_file(false)
        .output_line(false)
        .output_level(Some(TuiLoggerLevelOutput::Abbreviated))
        .style_error(Style::new().fg(Color::Red))
        .style_warn(Style::new().fg(Color::Yellow))
        .style_info(Style::new())
        .style_debug(Style::new().fg(Color::DarkGray));
    frame.render_widget(widget, area);
}
