#!/usr/bin/env sh
# Refresh the vendored GraphiQL assets from npm (needs Node/npm at refresh time only; the router
# itself never runs Node). Usage: router/static/graphiql/fetch.sh [GRAPHIQL] [REACT]
# graphiql 3.x ships the UMD bundle (graphiql.min.js) this page uses; 4.x still ships it
# (deprecated, other props) and 5.x no longer does. After a refresh: remove the old files,
# update README.md and the versions in router/edge/graphiql.py, run tests/router (including
# test_graphiql_browser.py) and commit.
set -eu
GRAPHIQL="${1:-3.8.3}"
REACT="${2:-18.3.1}"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent "graphiql@$GRAPHIQL" "react@$REACT" "react-dom@$REACT" >/dev/null
for pkg in "graphiql-$GRAPHIQL" "react-$REACT" "react-dom-$REACT"; do
  mkdir "$pkg" && tar -xzf "$pkg.tgz" -C "$pkg"
done
cp "graphiql-$GRAPHIQL/package/graphiql.min.js" "$here/graphiql-$GRAPHIQL.min.js"
cp "graphiql-$GRAPHIQL/package/graphiql.min.css" "$here/graphiql-$GRAPHIQL.min.css"
cp "graphiql-$GRAPHIQL/package/LICENSE" "$here/LICENSE.graphiql"
cp "react-$REACT/package/umd/react.production.min.js" "$here/react-$REACT.production.min.js"
cp "react-dom-$REACT/package/umd/react-dom.production.min.js" \
  "$here/react-dom-$REACT.production.min.js"
cp "react-$REACT/package/LICENSE" "$here/LICENSE.react"
for pkg in "graphiql-$GRAPHIQL" "react-$REACT" "react-dom-$REACT"; do
  printf '%s: %s\n' "$pkg" "$(node -p "require('./$pkg/package/package.json').license")"
done
cd "$here" && sha256sum graphiql-*.min.* react-*.production.min.js > SHA256SUMS
