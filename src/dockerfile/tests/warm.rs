//! Where a cache-warming build cuts a Dockerfile, and where it must not.

use super::{amd64, args, arm64, parse};
use crate::dockerfile::lines_before;

fn cut(text: &str, target: Option<&str>, late: &[&str]) -> Option<usize> {
    let late = |image: &str| late.contains(&image);
    parse(text)
        .unwrap()
        .warm_cut(&args(&[("API", "api")]), &amd64(), target, &late)
}

#[test]
fn cuts_before_the_first_instruction_that_reads_a_late_image() {
    let text = "FROM base\nARG SPINS\nRUN spin\nCOPY --from=api /api.out /\nRUN more\n";
    assert_eq!(cut(text, None, &["api"]), Some(4));
    assert_eq!(lines_before(text, 4), "FROM base\nARG SPINS\nRUN spin\n");
}

#[test]
fn a_mount_from_a_late_image_cuts_too_and_args_are_substituted() {
    let text = "FROM base\nARG API\nCOPY . /src\n\
                RUN --mount=type=bind,from=${API},target=/a cp /a/x /\nCOPY --from=api / /\n";
    assert_eq!(cut(text, None, &["api"]), Some(4));
}

#[test]
fn nothing_is_cut_when_a_needed_stage_starts_from_a_late_image() {
    let text = "FROM api AS a\nRUN x\nFROM base\nRUN y\nCOPY --from=a /x /x\n";
    assert_eq!(cut(text, None, &["api"]), None);
}

#[test]
fn nothing_is_cut_when_a_late_image_is_read_outside_the_target_stage() {
    let text = "FROM base AS build\nCOPY --from=api /x /x\nRUN make\n\
                FROM base\nRUN y\nCOPY --from=build /out /out\n";
    assert_eq!(cut(text, None, &["api"]), None);
}

#[test]
fn nothing_is_cut_when_no_step_runs_before_the_cut() {
    let text = "FROM base\nARG SPINS\nCOPY --from=api /api.out /\nRUN more\n";
    assert_eq!(cut(text, None, &["api"]), None);
}

#[test]
fn nothing_is_cut_without_a_late_image() {
    let text = "FROM base\nRUN spin\nCOPY --from=tools /t /t\n";
    assert_eq!(cut(text, None, &["api"]), None);
}

#[test]
fn a_stage_written_after_the_cut_cannot_be_kept() {
    // The target's kept part copies from a stage written below it.
    let text = "FROM base AS final\nCOPY --from=later /x /x\nCOPY --from=api /a /a\n\
                FROM scratch AS later\nCOPY y /y\n";
    assert_eq!(cut(text, Some("final"), &["api"]), None);
}

#[test]
fn earlier_stages_the_kept_part_needs_are_kept_and_count_as_work() {
    let text = "FROM base AS build\nRUN make\n\
                FROM base AS final\nCOPY --from=build /out /out\nCOPY --from=api /a /a\n\
                FROM final AS extra\nRUN z\n";
    assert_eq!(cut(text, Some("final"), &["api"]), Some(5));
    // Without the target the last stage is built, and it starts from the stage that reads api.
    assert_eq!(cut(text, None, &["api"]), None);
}

#[test]
fn an_unknown_target_cuts_nothing() {
    let text = "FROM base\nRUN x\nCOPY --from=api /a /a\n";
    assert_eq!(cut(text, Some("nope"), &["api"]), None);
}

#[test]
fn the_platform_decides_the_reference() {
    let text = "FROM base\nARG TARGETARCH\nRUN x\nCOPY --from=api-${TARGETARCH} /a /a\n";
    let file = parse(text).unwrap();
    let late = |image: &str| image == "api-arm64";
    assert_eq!(file.warm_cut(&args(&[]), &arm64(), None, &late), Some(4));
    assert_eq!(file.warm_cut(&args(&[]), &amd64(), None, &late), None);
}

#[test]
fn lines_before_keeps_crlf_and_the_whole_file_past_its_end() {
    assert_eq!(lines_before("A\r\nB\r\nC\r\n", 3), "A\r\nB\r\n");
    assert_eq!(lines_before("A\nB", 9), "A\nB");
    assert_eq!(lines_before("A\nB", 1), "");
}
