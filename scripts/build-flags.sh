#!/bin/sh
# The flags with which `make` embeds a build's identity in every manifest
# (Sources/SpineEngine/Output/BuildInfo.swift): the git revision of the
# source tree ("-dirty" when tracked files differ from it), the Swift
# compiler and the resolved package versions. Values contain no spaces, so
# the output can be word-split by the shell.
cd "$(dirname "$0")/.." || exit 1
revision=$(git rev-parse HEAD 2>/dev/null) && { git diff --quiet HEAD -- 2>/dev/null || revision="$revision-dirty"; }
compiler=$(${SWIFT:-swift} --version 2>/dev/null | sed -n 's/.*Swift version \([^ ]*\).*/swift-\1/p' | head -n 1)
packages=$(python3 -c '
import json, sys
try:
    pins = json.load(open("Package.resolved")).get("pins", [])
except OSError:
    sys.exit(0)
print(",".join("%s@%s" % (p["identity"], p.get("state", {}).get("version") or p.get("state", {}).get("revision", "")[:12]) for p in pins))
' 2>/dev/null)
printf -- '-Xcc -DSPINESIM_GIT_REVISION="%s" -Xcc -DSPINESIM_COMPILER="%s" -Xcc -DSPINESIM_PACKAGES="%s"\n' "$revision" "$compiler" "$packages"
