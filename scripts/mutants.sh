#!/bin/sh
# Mutation testing of the modules that carry the README's guarantees, with the
# tests that cover them (the unit tests beside the code and the non-browser part
# of the integration suite). Not run in CI: it builds the crate once per mutant.
#
#   scripts/mutants.sh                         # every module below, one after another
#   scripts/mutants.sh src/urls.rs             # one module (any list of files)
#   scripts/mutants.sh src/markdown.rs -- --shard 0/4   # extra cargo-mutants arguments
#   scripts/mutants.sh src/serve/server.rs -- --re ':217:'  # re-test some mutants
#   TESTS="decision:: claims::" scripts/mutants.sh F   # other test filters for F
#   TIMEOUT=120 scripts/mutants.sh ...         # a longer test timeout (busy machine)
#   TARGETS=--lib scripts/mutants.sh F         # only the unit tests (stage 1, below)
#
# Each module is tested with the tests that can reach it (the table in
# `tests_for` below), so a mutant of one module does not wait for the suite
# modules that never run its code: that is what makes a whole module fit in an
# evening. A filter names libtest substrings (unit tests by module path, suite
# tests by `module::`); a filter list may only leave out tests that cannot
# reach the module, or that reach it only through a site whose failure the
# kept tests would also see (every build of the bundled site runs the decision
# checks, say, but a mutant that broke a valid tree fails the decision tests
# too). `TESTS` replaces the list for every file given.
#
# It mutates the working tree in place (cargo-mutants --in-place) so that the
# crate's dependencies are not rebuilt in a copy: run it in a separate git
# worktree (`git worktree add --detach ../gp-mutants`), never in one you edit.
# Debug info is off for the mutant builds (smaller, faster links).
#
# A whole module in two stages: `TARGETS` names the test binaries, for the
# build and the run (default `--lib --test suite`). Stage 1, `TARGETS=--lib`,
# runs every mutant against the unit tests alone, with the same filters: the
# lib binary is part of the full run, so whatever it catches the full run
# catches too, and a mutant costs only the lib's test build (about 15 s here
# instead of about 60 s). Stage 2 re-tests stage 1's missed mutants with the
# suite, named in one `--re` built from missed.txt (`--test suite` alone: the
# unit tests already passed them):
#   TARGETS=--lib scripts/mutants.sh src/markdown.rs
#   cp -r mutants.out mutants.out.stage1
#   re=$(sed 's/[][\\.*^$(){}+?|]/\\&/g; s/^/^/; s/$/$/' mutants.out.stage1/missed.txt | paste -sd'|')
#   TARGETS="--test suite" scripts/mutants.sh src/markdown.rs -- --re "$re"
# (add `--shard 0/3 --sharding round-robin` for a spread sample of them). The
# module's figures are stage 1's caught, timeouts and unviable plus stage 2's
# caught and timeouts; stage 2's missed are the survivors.
#
# Needs cargo-mutants (MIT): cargo install cargo-mutants --locked
# Results land in mutants.out/ for one file, mutants.out/<file>/mutants.out/
# for several (caught.txt, missed.txt, timeout.txt, unviable.txt);
# docs/testing.md records the figures and the survivors judged harmless.
set -eu
cd "$(dirname "$0")/.."

files=""
while [ "$#" -gt 0 ]; do
    case "$1" in
        --) shift; break ;;
        *) files="$files $1"; shift ;;
    esac
done
if [ -z "$files" ]; then
    files="src/urls.rs src/text.rs src/output.rs src/features/comparison/mod.rs
src/features/decision/validate.rs src/frontmatter.rs src/markdown.rs src/serve/server.rs"
fi

# Browser tests are skipped (one Chromium per mutant is too slow: by name
# here, and GUIDEPOST_NO_BROWSER below for the rest), and so are
# the timing tests, which a mutant makes hang until the timeout. The lib's
# serve tests other than the oracle (watching, the incremental strategy) never
# run the modules below; the suite's `serve::` tests run the binary's dev
# server and are kept only for the modules the dev server's own code is in.
SKIP_ALWAYS="--skip browser --skip axe --skip screenshots --skip rendering_time_grows_linearly"
# The suite's `serve::` and `serve_limits::` tests (by name: a plain
# `--skip serve` would also drop the lib's `serve::oracle_tests`).
SKIP_SERVER="--skip serve::edits --skip serve::a_ --skip serve::requests
--skip serve::build_output --skip serve::polling --skip serve::an_
--skip serve::sass --skip serve::debounce --skip serve::port_zero
--skip serve::editor --skip serve_limits"
# The suite modules that build sites: every module's mutants reach them.
BUILDS="build:: faults:: bad_input:: comparison:: decision:: embed:: claims:: default_theme::
authoring:: zola:: readme:: site_quality:: export:: search::"

# The tests that can reach FILE, as libtest filters (and --skip options).
tests_for() {
    case "$1" in
        src/features/decision/validate.rs)
            # Unit tests of the decision feature; every suite module whose
            # fixtures have a `[decision]` tree (the proptest of random trees
            # too). The lib's `features::decision` covers validate's own tests.
            echo "--skip serve --skip properties::heading --skip properties::fragments
--skip properties::random_front_matter features::decision decision:: bad_input::
claims:: embed:: export:: authoring:: default_theme:: readme:: properties::" ;;
        src/serve/server.rs)
            # The request handler runs only under `guidepost serve`: its unit
            # tests, the suite's serve and connection-limit tests, and the
            # suite tests elsewhere that start a server (framing headers,
            # search index, shortcodes, the README's serve commands). The
            # lib's oracle and strategy tests build without a server.
            echo "--skip serve::oracle_tests --skip serve::incremental --skip serve::watch
serve::server:: serve:: serve_limits:: embed::serve_sends readme::
authoring::serve_re_renders search::serve_keeps" ;;
        src/markdown.rs)
            # Markdown is in every page: the unit tests of the modules that
            # render Markdown and every suite module that builds a site, plus
            # the Markdown property tests (not the timing one).
            echo "$SKIP_SERVER markdown model:: shortcodes:: features::
templates:: serve::oracle_tests $BUILDS properties::" ;;
        src/frontmatter.rs)
            # Front matter is in every content file: the same set, with the
            # front-matter property test.
            echo "$SKIP_SERVER frontmatter model:: features::
import:: serve::oracle_tests $BUILDS properties::" ;;
        src/features/comparison/mod.rs)
            # Tables are built with the model: every suite module that builds
            # a site, the unit tests of the modules that show tables, and the
            # dev server's oracle and cache tests (`Tables::dependants`).
            echo "$SKIP_SERVER --skip properties:: comparison features:: render::
templates:: serve::oracle_tests $BUILDS" ;;
        *)
            # The filter the first figures were measured with (it named the
            # oracle, but its `--skip serve` dropped it).
            echo "--skip properties:: --skip serve $BUILDS urls text comparison
output validate frontmatter markdown oracle" ;;
    esac
}

export CARGO_PROFILE_DEV_DEBUG=0 CARGO_PROFILE_TEST_DEBUG=0
# Tests that drive Chromium skip themselves (the search, default-theme,
# export and site-quality ones have no `browser` in their names).
export GUIDEPOST_NO_BROWSER=1
# A property that fails needs no smaller counterexample here: shrinking can
# take a minute per caught mutant, and the verdict does not change.
export PROPTEST_MAX_SHRINK_ITERS="${PROPTEST_MAX_SHRINK_ITERS:-0}"
# The Nu checker for the suite's validity tests, when installed.
: "${GUIDEPOST_VNU_JAR:=$HOME/.cache/guidepost-tools/node_modules/vnu-jar/build/dist/vnu.jar}"
export GUIDEPOST_VNU_JAR

# The test binaries, for the build as well as the test run (arguments after
# `--` reach only the test run: without these the build phase would build
# every test target, the examples and the binary's unit tests, per mutant).
cargo_args=""
for t in ${TARGETS:---lib --test suite}; do cargo_args="$cargo_args --cargo-arg=$t"; done

status=0
count=0
for f in $files; do count=$((count + 1)); done
for f in $files; do
    if [ "$count" -gt 1 ]; then
        out="mutants.out/$(echo "$f" | tr / _)"
        mkdir -p "$out"
    else
        out="."
    fi
    filters="${TESTS:-$(tests_for "$f")}"
    echo "== $f: tests $filters" >&2
    # shellcheck disable=SC2086
    cargo mutants --file "$f" --in-place --no-shuffle --output "$out" \
        --timeout "${TIMEOUT:-75}" \
        --build-timeout "${BUILD_TIMEOUT:-900}" \
        $cargo_args "$@" \
        -- -- $SKIP_ALWAYS $filters || status=$?
done
# cargo-mutants' own status (2: some mutant missed) of the last file that had one.
exit "$status"
