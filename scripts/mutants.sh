#!/bin/sh
# Mutation testing of the modules that carry the README's guarantees, with the
# tests that cover them (the unit tests beside the code and the non-browser part
# of the integration suite). Not run in CI: it builds the crate once per mutant.
#
#   scripts/mutants.sh                     # every module below
#   scripts/mutants.sh src/urls.rs         # one module (any list of files)
#   TIMEOUT=120 scripts/mutants.sh ...     # a longer test timeout (busy machine)
#
# It mutates the working tree in place (cargo-mutants --in-place) so that the
# crate's dependencies are not rebuilt in a copy: run it in a separate git
# worktree (`git worktree add --detach ../gp-mutants`), never in one you edit.
# Debug info is off for the mutant builds (smaller, faster links).
#
# Needs cargo-mutants (MIT): cargo install cargo-mutants --locked
# Results land in mutants.out/ (caught.txt, missed.txt, timeout.txt, unviable.txt);
# docs/testing.md records the figures and the survivors judged harmless.
set -eu
cd "$(dirname "$0")/.."

if [ "$#" -gt 0 ]; then
    files="$*"
else
    files="src/urls.rs src/text.rs src/output.rs src/features/comparison/mod.rs
src/features/decision/validate.rs src/frontmatter.rs src/markdown.rs src/serve/server.rs"
fi

args=""
for f in $files; do
    args="$args --file $f"
done

export CARGO_PROFILE_DEV_DEBUG=0 CARGO_PROFILE_TEST_DEBUG=0
# The Nu checker for the suite's validity tests, when installed.
: "${GUIDEPOST_VNU_JAR:=$HOME/.cache/guidepost-tools/node_modules/vnu-jar/build/dist/vnu.jar}"
export GUIDEPOST_VNU_JAR

# Browser tests are skipped (one Chromium per mutant is too slow); so are the
# timing and serve tests, which a mutant makes hang until the timeout. The
# filters keep the suite modules that exercise these files.
# shellcheck disable=SC2086
exec cargo mutants $args --in-place --no-shuffle \
    --timeout "${TIMEOUT:-75}" \
    --build-timeout "${BUILD_TIMEOUT:-900}" \
    -- --lib --test suite -- \
    --skip browser --skip axe --skip properties:: --skip serve --skip screenshots \
    build:: faults:: bad_input:: comparison:: decision:: embed:: claims:: default_theme:: \
    authoring:: zola:: readme:: site_quality:: urls text comparison output validate \
    frontmatter markdown oracle
