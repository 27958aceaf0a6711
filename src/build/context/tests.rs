use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use super::*;

fn rules(text: &str) -> IgnoreRules {
    IgnoreRules::parse(text.as_bytes()).unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

/// Asserts which of `paths` the rules leave out (`-`) and which they keep (`+`).
#[track_caller]
fn expect(text: &str, cases: &[(&str, char)]) {
    let rules = rules(text);
    for &(path, want) in cases {
        let got = if rules.excludes(path) { '-' } else { '+' };
        assert_eq!(got, want, "{path:?} with rules {text:?}");
    }
}

#[test]
fn a_plain_pattern_is_anchored_at_the_root_and_takes_everything_under_it() {
    expect(
        "target\n",
        &[
            ("target", '-'),
            ("target/debug/app", '-'),
            ("targets", '+'),
            ("src/target", '+'),
            ("src/main.rs", '+'),
        ],
    );
    expect(
        "src/generated\n",
        &[("src/generated/a.rs", '-'), ("src/main.rs", '+')],
    );
}

#[test]
fn star_and_question_mark_stay_within_one_folder() {
    expect(
        "*.log\n",
        &[("build.log", '-'), ("logs/build.log", '+'), ("log", '+')],
    );
    expect(
        "*/temp*\n",
        &[
            ("somedir/temporary.txt", '-'),
            ("somedir/temp", '-'),
            ("temp", '+'),
            ("a/b/temp", '+'),
        ],
    );
    expect(
        "temp?\n",
        &[
            ("temp1", '-'),
            ("temp1/x", '-'),
            ("temp", '+'),
            ("temp12", '+'),
        ],
    );
    expect("*\n", &[("anything", '-'), ("a/b/c", '-')]);
}

#[test]
fn double_star_matches_any_number_of_folders() {
    expect(
        "**/*.go\n",
        &[
            ("main.go", '-'),
            ("cmd/tool/main.go", '-'),
            ("main.rs", '+'),
        ],
    );
    expect(
        "a/**/b\n",
        &[("a/b", '-'), ("a/x/y/b", '-'), ("a/x/c", '+'), ("b", '+')],
    );
    expect(
        "**/node_modules\n",
        &[
            ("node_modules/x.js", '-'),
            ("web/node_modules/x.js", '-'),
            ("web/node_modules_old/x.js", '+'),
        ],
    );
    // `target/**` takes what is under target, not target itself; the folder stays (empty).
    expect(
        "target/**\n",
        &[("target", '+'), ("target/a", '-'), ("target/a/b", '-')],
    );
    expect("**\n", &[("a", '-'), ("a/b", '-')]);
    // As Docker has it: a plain prefix before a final `**` is a prefix of the whole path.
    expect("foo**\n", &[("foobar/x", '-'), ("fo", '+')]);
}

#[test]
fn the_last_matching_line_wins_and_exceptions_bring_files_back() {
    expect(
        "*.md\n!README.md\n",
        &[("README.md", '+'), ("CHANGES.md", '-')],
    );
    expect(
        "!README.md\n*.md\n",
        &[("README.md", '-'), ("CHANGES.md", '-')],
    );
    expect(
        "*.md\n!README*.md\nREADME-secret.md\n",
        &[
            ("README.md", '+'),
            ("README-secret.md", '-'),
            ("CHANGES.md", '-'),
        ],
    );
}

#[test]
fn an_exception_re_includes_a_file_under_an_excluded_folder() {
    let text = "target\n!target/keep.txt\n";
    expect(
        text,
        &[
            ("target/keep.txt", '+'),
            ("target/other", '-'),
            ("target/debug/app", '-'),
        ],
    );
    let rules = rules(text);
    // So target must be walked, but nothing under it that the exception cannot reach.
    assert!(rules.walk_excluded(b"target"));
    assert!(!rules.walk_excluded(b"target/debug"));
    assert!(!rules.walk_excluded(b"build"));

    let deep = rules_walks(
        "target\n!target/*/keep\n",
        &[
            ("target", true),
            ("target/debug", true),
            ("target/debug/deps", false),
        ],
    );
    assert!(deep.excludes("target/debug/other"));
    assert!(!deep.excludes("target/debug/keep"));

    let prefix = rules_walks(
        "target\n!target/keep/**\n",
        &[
            ("target", true),
            ("target/keep", true),
            ("target/debug", false),
        ],
    );
    assert!(!prefix.excludes("target/keep/a/b"));
    assert!(prefix.excludes("target/debug/a"));
}

#[test]
fn an_exception_that_could_match_anywhere_walks_every_excluded_folder() {
    let rules = rules_walks(
        "target\n!**/*.keep\n",
        &[("target", true), ("target/a/b", true)],
    );
    assert!(!rules.excludes("target/a/b/x.keep"));
    assert!(rules.excludes("target/a/b/x.o"));
    // No exception at all: an excluded folder is never walked.
    let plain = rules_walks("target\n*.log\n", &[("target", false)]);
    assert!(plain.excludes("target/x"));
}

#[track_caller]
fn rules_walks(text: &str, cases: &[(&str, bool)]) -> IgnoreRules {
    let rules = rules(text);
    for &(dir, want) in cases {
        assert_eq!(
            rules.walk_excluded(dir.as_bytes()),
            want,
            "walk {dir:?} with rules {text:?}"
        );
    }
    rules
}

/// BuildKit tries a pattern on a path only while it could change the answer, so an exception
/// for a folder that a file pattern before it excluded nothing in does not re-include the file.
#[test]
fn patterns_are_tried_the_way_buildkit_walks() {
    expect("dir/file\n!dir\n", &[("dir/file", '-'), ("dir/other", '+')]);
    expect("dir\n!dir\n", &[("dir", '+'), ("dir/file", '+')]);
}

#[test]
fn comments_blank_lines_and_whitespace() {
    expect(
        "# target\n\n   \ntarget-dir  \n\t*.tmp\n",
        &[
            ("target", '+'),
            ("# target", '+'),
            ("target-dir/x", '-'),
            ("a.tmp", '-'),
        ],
    );
    // Only a `#` in the first column starts a comment.
    expect(" #keep\n", &[("#keep", '-')]);
    // CRLF line ends and a byte order mark.
    expect("\u{feff}a\r\nb\r\n", &[("a", '-'), ("b", '-'), ("c", '+')]);
}

#[test]
fn patterns_are_cleaned_and_a_leading_slash_is_dropped() {
    expect("/target\n", &[("target/x", '-'), ("src/target", '+')]);
    expect("./target/\n", &[("target/x", '-')]);
    expect("a//b/../c\n", &[("a/c", '-'), ("a/b", '+')]);
    expect("! /target/keep\ntarget\n", &[("target/keep", '-')]);
    expect("target\n! /target/keep\n", &[("target/keep", '+')]);
}

#[test]
fn classes_and_escapes() {
    expect(
        "[abc].txt\n",
        &[("a.txt", '-'), ("c.txt", '-'), ("d.txt", '+')],
    );
    expect("[^a].txt\n", &[("b.txt", '-'), ("a.txt", '+')]);
    expect("[a-c]x\n", &[("bx", '-'), ("dx", '+')]);
    expect("[!a]x\n", &[("!x", '-'), ("ax", '-'), ("bx", '+')]);
    expect("\\*.txt\n", &[("*.txt", '-'), ("a.txt", '+')]);
    expect("a.b\n", &[("a.b", '-'), ("axb", '+')]);
    expect("(x)+{y}$\n", &[("(x)+{y}$", '-')]);
}

#[test]
fn a_line_docker_refuses_is_an_error_with_its_line() {
    let cases = [
        ("ok\n[abc\n", 2),
        ("# c\n\n!\n", 3),
        ("[c-a]\n", 1),
        ("x\\\n", 1),
        ("[]a]\n", 1),
    ];
    for (text, line) in cases {
        let err = IgnoreRules::parse(text.as_bytes()).expect_err(text);
        assert_eq!(err.line, line, "{text:?}: {err}");
        assert!(
            err.to_string().starts_with(&format!("line {line}: ")),
            "{err}"
        );
    }
}

#[test]
fn the_dockerfiles_own_ignore_file_takes_precedence() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = dir.path().join("ctx");
    let dockerfiles = dir.path().join("dockerfiles");
    std::fs::create_dir_all(&ctx).unwrap();
    std::fs::create_dir_all(&dockerfiles).unwrap();
    let dockerfile = dockerfiles.join("app.Dockerfile");
    assert_eq!(ignore_file(&ctx, Some(&dockerfile)), None);
    std::fs::write(ctx.join(".dockerignore"), "a\n").unwrap();
    assert_eq!(
        ignore_file(&ctx, Some(&dockerfile)),
        Some(ctx.join(".dockerignore"))
    );
    let own = dockerfiles.join("app.Dockerfile.dockerignore");
    std::fs::write(&own, "b\n").unwrap();
    assert_eq!(ignore_file(&ctx, Some(&dockerfile)), Some(own));
    // A named context has no Dockerfile: its own .dockerignore.
    assert_eq!(ignore_file(&ctx, None), Some(ctx.join(".dockerignore")));
}

// The hasher and its stat cache.

/// A clock well past every file written by the test, as if the cache had been written a while
/// after the files last changed.
fn later() -> SystemTime {
    SystemTime::now() + Duration::from_secs(60)
}

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

struct Tree {
    _dir: tempfile::TempDir,
    ctx: std::path::PathBuf,
    state: std::path::PathBuf,
}

fn tree() -> Tree {
    let dir = tempfile::tempdir().unwrap();
    let ctx = dir.path().join("ctx");
    let state = dir.path().join(".archgrid");
    write(&ctx, ".dockerignore", "target\n.cache\n");
    write(&ctx, "src/main.rs", "fn main() {}\n");
    write(&ctx, "src/lib/a.rs", "pub fn a() {}\n");
    write(&ctx, "README.md", "readme\n");
    write(&ctx, "target/debug/app", "big binary\n");
    write(&ctx, "target/debug/deps/x.rlib", "more\n");
    write(&ctx, ".cache/blob", "cached\n");
    Tree {
        _dir: dir,
        ctx,
        state,
    }
}

impl Tree {
    /// One run: load the cache, hash the context with its ignore file, save the cache.
    fn run(&self, now: fn() -> SystemTime) -> (String, HashStats) {
        let mut hasher = ContextHasher::with_clock(&self.state, now);
        let ignore = std::fs::read(self.ctx.join(".dockerignore")).unwrap_or_default();
        let rules = IgnoreRules::parse(&ignore).unwrap();
        let key = hasher.hash(&self.ctx, &rules, &Watch::default()).unwrap();
        hasher.save();
        (key, hasher.stats())
    }
}

#[test]
fn an_unchanged_tree_is_decided_without_reading_a_file() {
    let t = tree();
    let (first, stats) = t.run(later);
    // .dockerignore, README.md and two sources; nothing under target/ or .cache/.
    assert_eq!(stats.files, 4, "{stats:?}");
    assert_eq!(stats.read_files, 4, "{stats:?}");
    let (second, stats) = t.run(later);
    assert_eq!(second, first);
    assert_eq!(stats.files, 4);
    assert_eq!(stats.read_files, 0, "every file was vouched for: {stats:?}");
    assert_eq!(stats.read_bytes, 0);
    // The cache file is the only thing left in the state folder: the temp file was renamed.
    let names: Vec<_> = std::fs::read_dir(&t.state)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, ["context-cache.json"]);
}

#[test]
fn a_changed_file_gives_a_new_key_and_only_it_is_read() {
    let t = tree();
    let (first, _) = t.run(later);
    // Same size, so only the times and the content tell.
    write(&t.ctx, "src/main.rs", "fn main() {1}");
    let (second, stats) = t.run(later);
    assert_ne!(second, first);
    assert_eq!(stats.read_files, 1, "{stats:?}");
    // Written back: the third run reads nothing and agrees.
    let (third, stats) = t.run(later);
    assert_eq!((third, stats.read_files), (second, 0));
}

#[test]
fn a_change_under_an_ignored_folder_keeps_the_key() {
    let t = tree();
    let (first, _) = t.run(later);
    write(&t.ctx, "target/debug/app", "rebuilt binary\n");
    write(&t.ctx, "target/new/file", "new\n");
    write(&t.ctx, ".cache/blob", "other\n");
    let (second, stats) = t.run(later);
    assert_eq!(second, first);
    assert_eq!((stats.files, stats.read_files), (4, 0), "{stats:?}");
}

#[test]
fn new_removed_renamed_and_chmodded_files_change_the_key() {
    use std::os::unix::fs::PermissionsExt;
    let t = tree();
    let (base, _) = t.run(later);
    write(&t.ctx, "src/new.rs", "\n");
    let (added, _) = t.run(later);
    assert_ne!(added, base);
    std::fs::remove_file(t.ctx.join("src/new.rs")).unwrap();
    assert_eq!(
        t.run(later).0,
        base,
        "back to the same files, back to the same key"
    );
    std::fs::rename(t.ctx.join("README.md"), t.ctx.join("README.txt")).unwrap();
    assert_ne!(t.run(later).0, base);
    std::fs::rename(t.ctx.join("README.txt"), t.ctx.join("README.md")).unwrap();
    assert_eq!(t.run(later).0, base);
    let main = t.ctx.join("src/main.rs");
    std::fs::set_permissions(&main, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_ne!(t.run(later).0, base);
    std::os::unix::fs::symlink("main.rs", t.ctx.join("src/link")).unwrap();
    let (linked, _) = t.run(later);
    std::fs::remove_file(t.ctx.join("src/link")).unwrap();
    std::os::unix::fs::symlink("lib", t.ctx.join("src/link")).unwrap();
    assert_ne!(t.run(later).0, linked, "a symlink counts by its target");
}

#[test]
fn a_change_to_the_ignore_file_changes_what_counts() {
    let t = tree();
    let (first, _) = t.run(later);
    write(
        &t.ctx,
        ".dockerignore",
        "target\n.cache\n!target/debug/app\n",
    );
    let (second, stats) = t.run(later);
    assert_ne!(second, first);
    // The ignore file itself and the file it brings back.
    assert_eq!((stats.files, stats.read_files), (5, 2), "{stats:?}");
}

/// Files written just before a walk are not vouched for by what that walk recorded: they may
/// have changed again in the same clock tick, after they were read.
#[test]
fn files_changed_close_to_a_walk_are_read_again_next_time() {
    let t = tree();
    let (first, _) = t.run(SystemTime::now);
    let (second, stats) = t.run(SystemTime::now);
    assert_eq!(second, first);
    assert_eq!(stats.read_files, 4, "{stats:?}");
}

#[test]
fn the_state_folder_and_git_never_count() {
    let t = tree();
    let (first, _) = t.run(later);
    write(&t.ctx, ".archgrid/state.json", "{}");
    write(&t.ctx, ".git/HEAD", "ref: x\n");
    write(&t.ctx, "src/.git/config", "x\n");
    let (second, stats) = t.run(later);
    assert_eq!(second, first);
    assert_eq!(stats.files, 4);
}

#[test]
fn a_lost_or_foreign_cache_only_costs_reading_again() {
    let t = tree();
    let (first, _) = t.run(later);
    std::fs::write(t.state.join("context-cache.json"), "not json").unwrap();
    let (second, stats) = t.run(later);
    assert_eq!((second, stats.read_files), (first.clone(), 4));
    let (third, stats) = t.run(later);
    assert_eq!((third, stats.read_files), (first, 0));
}

#[test]
fn progress_names_the_context_and_cancel_stops_the_walk() {
    let t = tree();
    let seen: Arc<Mutex<Vec<(std::path::PathBuf, HashStats)>>> = Arc::default();
    let watch = Watch::new({
        let seen = seen.clone();
        move |p| {
            seen.lock()
                .unwrap()
                .push((p.context.to_path_buf(), p.so_far))
        }
    });
    let mut hasher = ContextHasher::with_clock(&t.state, later);
    hasher
        .hash(&t.ctx, &IgnoreRules::default(), &watch)
        .unwrap();
    let seen = seen.lock().unwrap();
    let (context, last) = seen.last().unwrap();
    assert_eq!(context, &t.ctx);
    // Without rules every file counts, .dockerignore included.
    assert_eq!(last.files, 7);
    assert_eq!(last.read_bytes, hasher.stats().read_bytes);

    watch.cancel();
    let mut hasher = ContextHasher::with_clock(&t.state, later);
    assert_eq!(
        hasher.hash(&t.ctx, &IgnoreRules::default(), &watch),
        Err(Cancelled)
    );
}
