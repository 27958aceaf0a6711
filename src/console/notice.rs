//! The bytes that ask a terminal for attention: the bell, which every terminal and tmux
//! understand, then a desktop notification in the two dialects terminals speak, OSC 9
//! (iTerm2, Windows Terminal, kitty, foot) and OSC 777 (rxvt, VTE terminals). A terminal that
//! knows neither ignores them.

use std::io::Write;

use super::msg::Notice;

pub fn bytes(notice: &Notice) -> String {
    // A control character in either text would end the sequence early, and `;` separates
    // OSC 777's fields.
    let title = plain(&notice.title).replace(';', ",");
    let body = plain(&notice.body);
    format!("\x07\x1b]9;{title}: {body}\x07\x1b]777;notify;{title};{body}\x07")
}

pub fn send(out: &mut impl Write, notice: &Notice) {
    let _ = out.write_all(bytes(notice).as_bytes());
    let _ = out.flush();
}

fn plain(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bell_then_both_dialects() {
        let notice = Notice {
            title: "archgrid: api@linux/arm64 failed".into(),
            body: "exit 3 in RUN make".into(),
        };
        assert_eq!(
            bytes(&notice),
            "\x07\x1b]9;archgrid: api@linux/arm64 failed: exit 3 in RUN make\x07\
             \x1b]777;notify;archgrid: api@linux/arm64 failed;exit 3 in RUN make\x07"
        );
    }

    #[test]
    fn controls_cannot_end_the_sequence_early() {
        let notice = Notice {
            title: "a;b\x1b]0;pwned\x07".into(),
            body: "x\x07\x1b\\y\n".into(),
        };
        let out = bytes(&notice);
        assert_eq!(out.matches('\x07').count(), 3, "{out:?}");
        assert_eq!(out.matches('\x1b').count(), 2, "{out:?}");
        assert!(out.contains("777;notify;a,b]0,pwned;x\\y\x07"), "{out:?}");
    }
}
