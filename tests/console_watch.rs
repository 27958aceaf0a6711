//! Watching long builds in the real console, in tmux against the lab engine: a failure leads
//! with its cause, a second run estimates how long is left from the first, the bell rings when
//! the grid comes to rest, and the final table stays in the scrollback after `q`.

mod support;

use std::time::Duration;

use archgrid::model::RecordedStatus;
use support::lab::{self, fixture, fresh_tag};
use support::state::status;
use support::tmux::Tmux;

const SETTLE: Duration = Duration::from_secs(240);

fn settled(dir: &std::path::Path, broken: RecordedStatus) -> bool {
    let st = support::state::read(dir);
    ["api@linux/amd64", "api@linux/arm64"]
        .iter()
        .all(|id| status(&st, id) == Some(RecordedStatus::Green))
        && status(&st, "broken@linux/arm64") == Some(broken)
}

#[test]
fn a_watched_run_estimates_leads_with_causes_rings_and_leaves_its_table() {
    lab::ensure();
    let tag = fresh_tag("watch");
    let dir = fixture("watch", &tag);
    let dir = dir.path();
    let bin = env!("CARGO_BIN_EXE_archgrid");

    // First run: no history, so no estimate; broken fails and says why first.
    std::fs::write(dir.join("api/nonce"), format!("{tag}-1")).unwrap();
    let t = Tmux::start("archgrid-watch-1", dir, 120, 36);
    t.type_line(bin);
    let screen = t.wait_for("api running", Duration::from_secs(120), |s| {
        s.contains("CC src/api/file")
    });
    assert!(screen.contains("no estimate"), "{screen}");
    let screen = t.wait_for("the grid at rest", SETTLE, |s| {
        settled(dir, RecordedStatus::Failed) && s.contains("4/5 green, 1 failed")
    });
    assert!(settled(dir, RecordedStatus::Failed), "{screen}");
    // The cell leads with the exit code, not with the command.
    assert!(
        screen
            .lines()
            .any(|l| l.contains("✘") && l.contains("failed"))
            && screen.contains("exit 3 in RUN"),
        "{screen}"
    );
    t.wait_for("a bell", Duration::from_secs(10), |_| t.bell_rang());
    t.keys(&["q"]);
    let back = t.wait_for("the shell again", Duration::from_secs(30), |s| {
        s.lines().last().is_some_and(|l| l.starts_with("e2e$")) || s.trim_end().ends_with("e2e$")
    });
    let scroll = t.scrollback(200);
    assert!(
        scroll.contains("component  linux/amd64"),
        "the table is not in the scrollback:\n{scroll}\n---\n{back}"
    );
    assert!(scroll.contains("4/5 cells green"), "{scroll}");
    assert!(
        scroll.contains("✘ broken@linux/arm64: exit 3 in RUN"),
        "{scroll}"
    );
    assert!(scroll.contains("log: .archgrid/logs/"), "{scroll}");
    drop(t);

    // Second run: api builds again, and its history gives an estimate; broken is fixed.
    std::fs::write(dir.join("api/nonce"), format!("{tag}-2")).unwrap();
    std::fs::write(dir.join("broken/ready"), "yes").unwrap();
    let t = Tmux::start("archgrid-watch-2", dir, 120, 36);
    t.type_line(bin);
    let screen = t.wait_for(
        "api running with an estimate",
        Duration::from_secs(120),
        |s| s.contains("CC src/api/file") && s.contains(" left"),
    );
    assert!(
        !t.bell_rang(),
        "nothing has failed or settled yet:\n{screen}"
    );
    let screen = t.wait_for("every cell green", SETTLE, |s| {
        settled(dir, RecordedStatus::Green) && s.contains("all 5 cells are green")
    });
    // notify = "all": an all-green grid at rest rings too.
    t.wait_for("a bell at rest", Duration::from_secs(10), |_| t.bell_rang());
    t.keys(&["q"]);
    let _ = screen;
}
