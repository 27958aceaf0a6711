//! Continuations, comments, directives, heredocs, stages and the flags that name images.

use super::*;

#[test]
fn continuations_and_comments_inside_them() {
    let text = "FROM \\\n  # the base image\n\n  base:1 \\\n  AS build\nRUN echo hi\nFROM build\n";
    assert_eq!(refs(text), owned(&[("base:1", 1)]));
}

#[test]
fn comment_lines_and_indented_instructions() {
    let text = "# a comment\n   # indented comment\n   FROM tools\n# FROM commented-out\n";
    assert_eq!(refs(text), owned(&[("tools", 3)]));
}

#[test]
fn syntax_and_escape_directives() {
    let text = "# syntax=docker/dockerfile:1.6\n# escape=`\nFROM base `\n  AS b\nRUN dir c:\\ `\n  && echo\nFROM b\n";
    let file = parse(text).unwrap();
    assert_eq!(file.syntax.as_deref(), Some("docker/dockerfile:1.6"));
    assert_eq!(
        refs(text),
        owned(&[("docker/dockerfile:1.6", 1), ("base", 3)]),
        "the frontend image is read first"
    );
    assert_eq!(uses(text, &[], None)[0].kind, UseKind::Syntax);
    // After any other line a directive is an ordinary comment.
    let late = "FROM base\n# escape=`\n";
    assert_eq!(refs(late), owned(&[("base", 1)]));
    let after_blank = "\n# escape=`\nFROM a \\\n  AS b\n";
    assert_eq!(refs(after_blank), owned(&[("a", 3)]));
    assert_eq!(parse("# escape=x\nFROM a\n").unwrap_err().line, 1);
}

#[test]
fn heredoc_bodies_are_not_instructions() {
    let text = "FROM base\nRUN <<EOF\nFROM not-an-image\nCOPY --from=nor-this / /\nEOF\nCOPY <<-\"END\" <<'TWO' /etc/\n\tFROM inside-tab-stripped\n\tEND\nFROM still-body\nTWO\nFROM tools AS t\nRUN cat <<EOF\nFROM also-body\nEOF\nFROM final\nCOPY --from=t / /\n";
    assert_eq!(
        refs(text),
        owned(&[("tools", 11), ("final", 15)]),
        "the first stage is not needed by the last; heredoc bodies name nothing"
    );
    assert_eq!(
        uses(text, &[], Some("0")).len(),
        3,
        "an unknown target keeps every stage"
    );
    let open = parse("FROM a\nRUN <<EOF\necho\n").unwrap_err();
    assert_eq!(open.line, 2);
    assert!(open.message.contains("<<EOF"), "{}", open.message);
}

#[test]
fn stages_by_name_and_index_are_not_images() {
    let text = "FROM base AS build\nFROM Build AS test\nFROM scratch\nCOPY --from=BUILD /a /a\nCOPY --from=0 /b /b\nCOPY --from=tools:2 /c /c\nADD --from=assets /d /d\nRUN --mount=type=bind,from=build,target=/x --mount=type=cache,target=/c,from=cache-img true\n";
    let found: Vec<(String, UseKind)> = uses(text, &[], None)
        .into_iter()
        .map(|u| (u.reference, u.kind))
        .collect();
    assert_eq!(
        found,
        [
            ("base".to_string(), UseKind::From),
            ("tools:2".to_string(), UseKind::CopyFrom),
            ("assets".to_string(), UseKind::CopyFrom),
            ("cache-img".to_string(), UseKind::MountFrom),
        ]
    );
    let last = uses(text, &[], None).pop().unwrap();
    assert_eq!(last.instruction, "RUN --mount=from=cache-img");
    assert_eq!(last.line, 8);
}

#[test]
fn a_stage_named_like_an_image_is_only_a_stage_after_it_is_defined() {
    let text = "FROM base AS tools\nFROM tools\nCOPY --from=tools / /\n";
    assert_eq!(refs(text), owned(&[("base", 1)]));
    let text = "FROM tools\nFROM base AS tools\n";
    assert_eq!(refs(text), owned(&[("base", 2)]));
    // A flag may name a stage defined further down.
    let text = "FROM base AS out\nCOPY --from=assets / /\nFROM scratch AS assets\nFROM out\n";
    assert_eq!(refs(text), owned(&[("base", 1)]));
}

#[test]
fn target_selects_the_stages_it_needs() {
    let text = "FROM toolchain AS build\nRUN make\nFROM build AS compile\nFROM os-base AS runtime\nCOPY --from=compile /out /out\nFROM test-runner AS test\nCOPY --from=build / /\n";
    let names = |target| -> Vec<String> {
        uses(text, &[], target)
            .into_iter()
            .map(|u| u.reference)
            .collect()
    };
    assert_eq!(names(Some("runtime")), ["toolchain", "os-base"]);
    assert_eq!(names(Some("RUNTIME")), ["toolchain", "os-base"]);
    assert_eq!(names(None), ["toolchain", "test-runner"]);
}

#[test]
fn from_flags_and_errors() {
    let text = "FROM --platform=$BUILDPLATFORM tools AS t\nFROM base\nCOPY --from=t / /\n";
    assert_eq!(refs(text), owned(&[("tools", 1), ("base", 2)]));
    assert_eq!(parse("FROM\n").unwrap_err().line, 1);
    assert!(parse("ARG X\nFROM a b c d\n")
        .unwrap_err()
        .message
        .contains("AS name"));
}

#[test]
fn lowercase_keywords_crlf_and_a_byte_order_mark() {
    let text = "\u{feff}# syntax=docker/dockerfile:1\r\nfrom base as b\r\ncopy --from=tools:1 [\"/a\", \"/b\"]\r\nonbuild COPY --from=later / /\r\n";
    assert_eq!(
        refs(text),
        owned(&[("docker/dockerfile:1", 1), ("base", 2), ("tools:1", 3)])
    );
    assert_eq!(
        parse(text).unwrap().syntax.as_deref(),
        Some("docker/dockerfile:1")
    );
}

#[test]
fn steps_count_the_work_of_the_stages_the_target_needs() {
    let text = "FROM base AS build\nRUN make\nCOPY . /src\nRUN <<EOF\nRUN not-a-step\nEOF\n\
                FROM scratch AS unused\nRUN a\nRUN b\n\
                FROM tools AS final\nCOPY --from=build /out /out\nENV A=1\nADD x /x\n";
    let file = parse(text).unwrap();
    // base pull + 3 in build, tools pull + 2 in final; the unused stage is skipped.
    assert_eq!(file.steps(&args(&[]), &amd64(), None), 7);
    assert_eq!(file.steps(&args(&[]), &amd64(), Some("build")), 4);
    assert_eq!(
        file.steps(&args(&[]), &amd64(), Some("unused")),
        2,
        "scratch is no pull"
    );
}
