#!/bin/sh
# Copy the front-end packages installed by npm (node_modules/) into static/vendor/, where Django
# serves them (whitenoise in production); nothing is loaded from a CDN at run time.
# Used by `make assets` and by the Dockerfile, so the laptop and the image ship the same files.
#
# The source maps travel with the minified files: production's manifest storage rewrites every
# `sourceMappingURL` it finds and refuses to build (collectstatic fails) when the map is missing.
set -eu
cd "$(dirname "$0")/.."
nm=node_modules
out=static/vendor
mkdir -p "$out/bootstrap" "$out/bootstrap-icons/fonts" "$out/htmx" "$out/chartjs"
cp "$nm/bootstrap/dist/css/bootstrap.min.css" "$nm/bootstrap/dist/css/bootstrap.min.css.map" \
   "$nm/bootstrap/dist/js/bootstrap.bundle.min.js" "$nm/bootstrap/dist/js/bootstrap.bundle.min.js.map" \
   "$out/bootstrap/"
cp "$nm/bootstrap-icons/font/bootstrap-icons.min.css" "$out/bootstrap-icons/"
cp "$nm"/bootstrap-icons/font/fonts/* "$out/bootstrap-icons/fonts/"
cp "$nm/htmx.org/dist/htmx.min.js" "$out/htmx/"
cp "$nm/chart.js/dist/chart.umd.min.js" "$nm/chart.js/dist/chart.umd.min.js.map" "$out/chartjs/"
