#!/usr/bin/env bash
# The rooms' dependencies point one way (CMakeLists.txt): an #include of a project header must
# name a room at or below the including file's room. Prints every upward include; exit 1 if any.
set -euo pipefail
cd "$(dirname "$0")/.."
order=(base quant config workload energy hw dataflows sim report study tools)
rank() { local i; for i in "${!order[@]}"; do [ "${order[$i]}" = "$1" ] && { echo "$i"; return; }; done; echo -1; }
bad=0
while IFS= read -r f; do
    room=${f%%/*}
    r=$(rank "$room")
    [ "$r" -ge 0 ] || continue
    while IFS= read -r inc; do
        target=${inc%%/*}
        t=$(rank "$target")
        if [ "$t" -lt 0 ] || [ "$t" -gt "$r" ]; then
            echo "$f includes \"$inc\": $room may include only ${order[*]:0:$((r + 1))}"
            bad=1
        fi
    done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
done < <(git ls-files --cached --others --exclude-standard '*.h' '*.cpp' | grep -v '^tests/')
exit $bad
