#!/bin/sh
# Mutation testing of the modules that carry the README's guarantees, with the
# tests that cover them (the unit tests beside the code and the integration
# suite). Not run in CI: it builds the crate once per mutant.
#
#   scripts/mutants.sh                     # every module below
#   scripts/mutants.sh src/urls.rs         # one module (any list of files)
#   JOBS=2 TIMEOUT=600 scripts/mutants.sh  # more parallel builds, longer timeout
#
# Needs cargo-mutants (MIT): cargo install cargo-mutants --locked
# Results land in mutants.out/ (caught.txt, missed.txt, timeout.txt, unviable.txt);
# docs/testing.md records the figures and the survivors judged harmless.
set -eu
cd "$(dirname "$0")/.."

if [ "$#" -gt 0 ]; then
    files="$*"
else
    files="src/urls.rs src/output.rs src/frontmatter.rs src/markdown.rs src/text.rs
src/features/decision/validate.rs src/features/comparison/mod.rs src/serve/server.rs"
fi

args=""
for f in $files; do
    args="$args --file $f"
done

# Browser tests need chromedriver; with it, set GUIDEPOST_REQUIRE_BROWSER=1 so
# that a missing tool is a failure rather than a silent pass.
# shellcheck disable=SC2086
exec cargo mutants $args \
    --test-tool cargo \
    --jobs "${JOBS:-1}" \
    --timeout "${TIMEOUT:-300}" \
    --build-timeout "${BUILD_TIMEOUT:-600}" \
    -- --lib --test suite
