//! The screen before the grid while the build contexts are hashed: which context, how many
//! files so far, and how to quit. The hashing runs on a blocking thread; this loop only draws,
//! reads keys and watches signals. Hashing that ends within a moment never shows the screen.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crossterm::event::{Event, EventStream, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use futures::StreamExt;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use tokio::signal::unix::{signal, SignalKind};

use super::terminal::TerminalGuard;
use super::Error;
use crate::build::context::{hashed_words, HashStats, Watch};
use crate::model::sanitize::sanitize_line;
use crate::model::text::relative_to;

/// Shorter than this and the screen would only flicker.
const MOMENT: Duration = Duration::from_millis(300);
const REDRAW: Duration = Duration::from_millis(100);

/// How the wait ended.
#[derive(Debug)]
pub enum Waited<T> {
    Done(T),
    /// The user quit (q, Esc, Ctrl-C, SIGTERM or SIGHUP); the hashing was stopped.
    Quit,
}

/// What the screen shows: the last progress the hashing thread reported.
#[derive(Debug, Clone, Default)]
pub struct Shown {
    pub context: PathBuf,
    pub so_far: HashStats,
    pub quitting: bool,
}

/// Runs `work` on a blocking thread with a [`Watch`] it reports to, showing its progress on
/// the alternate screen once it takes longer than a moment. Call it outside any tokio runtime.
pub fn run<T: Send + 'static>(
    root: &Path,
    work: impl FnOnce(Watch) -> T + Send + 'static,
) -> Result<Waited<T>, Error> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Start(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(wait(root, work))
}

async fn wait<T: Send + 'static>(
    root: &Path,
    work: impl FnOnce(Watch) -> T + Send + 'static,
) -> Result<Waited<T>, Error> {
    let latest: Arc<Mutex<Shown>> = Arc::default();
    let watch = Watch::new({
        let latest = latest.clone();
        move |p| {
            let mut shown = latest.lock().unwrap_or_else(|e| e.into_inner());
            if shown.context != p.context {
                shown.context = p.context.to_path_buf();
            }
            shown.so_far = p.so_far;
        }
    });
    let mut task = tokio::task::spawn_blocking({
        let watch = watch.clone();
        move || work(watch)
    });
    if let Ok(done) = tokio::time::timeout(MOMENT, &mut task).await {
        return Ok(Waited::Done(joined(done)));
    }
    let mut guard = TerminalGuard::enter()
        .map_err(|e| Error::Start(format!("cannot set up the terminal: {e}")))?;
    let mut input = EventStream::new();
    let mut input_open = true;
    let mut tick = tokio::time::interval(REDRAW);
    // Ctrl-C is a key in raw mode. SIGINT is left alone: once watched it stays caught for the
    // rest of the process, and the checks before the grid could no longer be interrupted.
    let mut term = signal(SignalKind::terminate()).ok();
    let mut hup = signal(SignalKind::hangup()).ok();
    let mut quitting = false;
    loop {
        let mut shown = latest.lock().unwrap_or_else(|e| e.into_inner()).clone();
        shown.quitting = quitting;
        // A terminal that is gone (SIGHUP) cannot be drawn on; the hashing still ends.
        let _ = guard.terminal.draw(|f| view(f, &shown, root));
        let stop = tokio::select! {
            done = &mut task => {
                let value = joined(done);
                return Ok(if quitting { Waited::Quit } else { Waited::Done(value) });
            }
            ev = input.next(), if input_open => match ev {
                Some(Ok(Event::Key(key))) => is_quit(&key),
                Some(Ok(_)) => false,
                Some(Err(_)) | None => {
                    input_open = false;
                    false
                }
            },
            _ = tick.tick() => false,
            Some(()) = recv(&mut term) => true,
            Some(()) = recv(&mut hup) => true,
        };
        if stop && !quitting {
            quitting = true;
            watch.cancel();
        }
    }
}

async fn recv(signal: &mut Option<tokio::signal::unix::Signal>) -> Option<()> {
    match signal {
        Some(s) => s.recv().await,
        None => std::future::pending().await,
    }
}

fn joined<T>(done: Result<T, tokio::task::JoinError>) -> T {
    done.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
}

fn is_quit(key: &KeyEvent) -> bool {
    key.kind == KeyEventKind::Press
        && (matches!(key.code, KeyCode::Char('q') | KeyCode::Esc)
            || key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL))
}

pub fn view(frame: &mut Frame, shown: &Shown, root: &Path) {
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let dim = Style::new().fg(Color::DarkGray);
    let context = relative_to(&shown.context, root).to_string_lossy();
    let context = match context.as_ref() {
        "" => ".".to_string(),
        other => sanitize_line(other),
    };
    let s = shown.so_far;
    let lines = vec![
        Line::from(vec![
            Span::styled("archgrid ", bold.fg(Color::Cyan)),
            Span::raw("deciding what is up to date"),
        ]),
        Line::raw(""),
        Line::from(vec![
            Span::styled("hashing build context ", dim),
            Span::styled(context, bold),
        ]),
        Line::raw(hashed_words(&s)),
        Line::raw(""),
        if shown.quitting {
            Line::styled("stopping…", dim)
        } else {
            Line::styled("q quit", dim)
        },
    ];
    frame.render_widget(Paragraph::new(lines), frame.area());
}

#[cfg(test)]
mod tests {
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;

    use super::*;

    #[test]
    fn the_screen_names_the_context_and_the_counts() {
        let mut terminal = Terminal::new(TestBackend::new(60, 6)).unwrap();
        let shown = Shown {
            context: PathBuf::from("/p/services/api"),
            so_far: HashStats {
                files: 1234,
                read_files: 12,
                read_bytes: 3 << 20,
            },
            quitting: false,
        };
        terminal.draw(|f| view(f, &shown, Path::new("/p"))).unwrap();
        let text: String = terminal
            .backend()
            .buffer()
            .content()
            .chunks(60)
            .map(|row| row.iter().map(|c| c.symbol()).collect::<String>() + "\n")
            .collect();
        assert!(
            text.contains("hashing build context services/api"),
            "{text}"
        );
        assert!(
            text.contains("1234 files looked at, 12 read (3.0 MiB)"),
            "{text}"
        );
        assert!(text.contains("q quit"), "{text}");
    }

    #[test]
    fn quick_work_never_enters_the_terminal() {
        // Work that ends within the moment returns before any screen is set up.
        let waited = run(Path::new("/"), |_watch| 7).unwrap();
        assert!(matches!(waited, Waited::Done(7)));
    }
}
