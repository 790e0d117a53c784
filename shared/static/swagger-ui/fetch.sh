#!/usr/bin/env sh
# Refresh the vendored Swagger UI assets from npm (needs Node/npm at refresh time only; the apps
# never run Node). Usage: shared/static/swagger-ui/fetch.sh [VERSION]
# Only the UMD bundle and its stylesheet are used (no standalone preset: the page uses the base
# layout, no top bar). After a refresh: remove the old files, update README.md and
# SWAGGER_UI_VERSION in shared/http/swagger.py, run the tests README.md names and commit.
set -eu
VERSION="${1:-5.35.0}"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent "swagger-ui-dist@$VERSION" >/dev/null
mkdir package && tar -xzf "swagger-ui-dist-$VERSION.tgz" -C package --strip-components=1
cp package/swagger-ui-bundle.js "$here/swagger-ui-bundle-$VERSION.js"
cp package/swagger-ui.css "$here/swagger-ui-$VERSION.css"
cp package/LICENSE "$here/LICENSE.swagger-ui"
cp package/NOTICE "$here/NOTICE.swagger-ui"
cp package/swagger-ui-bundle.js.LICENSE.txt "$here/THIRD-PARTY.swagger-ui-bundle.txt"
printf 'swagger-ui-dist-%s: %s\n' "$VERSION" "$(node -p "require('./package/package.json').license")"
cd "$here" && sha256sum swagger-ui-bundle-*.js swagger-ui-*.css > SHA256SUMS
