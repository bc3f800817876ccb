#!/usr/bin/env bash
# A header a room marks private (NAME_int.h, or git_int.h) is included only
# by files of its own folder: the rooms meet through public headers.
#   check-private-headers.sh SOURCE_DIR
set -euo pipefail
cd "${1:?usage: $0 SOURCE_DIR}"
bad=0
while IFS= read -r line; do
	file=${line%%:*}
	header=$(sed -E 's/.*#include "([^"]+)".*/\1/' <<<"${line#*:}")
	[[ $header == */* ]] || continue
	if [[ $(dirname "$header") != "$(dirname "$file")" ]]; then
		echo "$file includes $header, private to $(dirname "$header")/" >&2
		bad=1
	fi
done < <(grep -rHE '#include "[^"]*_int\.h"' agent render sync tests --include='*.[ch]')
[[ $bad == 0 ]] && echo "private headers: included only from their own folder"
exit $bad
