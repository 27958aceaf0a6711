//! Drives the real console the way a person does: a tmux session, keys in, screen out.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

pub struct Tmux {
    pub session: String,
}

fn tmux(args: &[&str]) -> std::process::Output {
    Command::new("tmux").args(args).output().expect("tmux")
}

impl Tmux {
    /// A shell in a `width`×`height` terminal, in `dir`, with a prompt the test can recognise.
    pub fn start(name: &str, dir: &Path, width: u16, height: u16) -> Tmux {
        let session = format!("{name}-{}", std::process::id());
        let out = tmux(&[
            "new-session",
            "-d",
            "-s",
            &session,
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
            "-c",
            dir.to_str().unwrap(),
            "env",
            "PS1=e2e$ ",
            "TERM=xterm-256color",
            "bash",
            "--norc",
            "--noprofile",
        ]);
        assert!(
            out.status.success(),
            "tmux new-session: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Tmux { session }
    }

    /// Sends tmux key names (`Enter`, `Escape`, `j`) or literal text.
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.session];
        args.extend_from_slice(keys);
        let out = tmux(&args);
        assert!(
            out.status.success(),
            "send-keys: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::thread::sleep(Duration::from_millis(150));
    }

    pub fn type_line(&self, line: &str) {
        let out = tmux(&["send-keys", "-t", &self.session, "-l", line]);
        assert!(out.status.success());
        self.keys(&["Enter"]);
    }

    pub fn screen(&self) -> String {
        let out = tmux(&["capture-pane", "-p", "-t", &self.session]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The screen and the lines that scrolled off it, as far back as `lines`.
    pub fn scrollback(&self, lines: u32) -> String {
        let start = format!("-{lines}");
        let out = tmux(&["capture-pane", "-p", "-S", &start, "-t", &self.session]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Whether a bell rang in the session's window. tmux flags it for a window no client is
    /// looking at, which a detached test session always is.
    pub fn bell_rang(&self) -> bool {
        let out = tmux(&[
            "display-message",
            "-p",
            "-t",
            &self.session,
            "#{window_bell_flag}",
        ]);
        String::from_utf8_lossy(&out.stdout).trim() == "1"
    }

    /// Waits until `check` holds for the screen; on timeout fails with what the screen showed.
    pub fn wait_for(&self, what: &str, timeout: Duration, check: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let screen = self.screen();
            if check(&screen) {
                return screen;
            }
            if Instant::now() > deadline {
                panic!("timed out after {timeout:?} waiting for {what}; the screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = tmux(&["kill-session", "-t", &self.session]);
    }
}
