#!/usr/bin/env bash
# Runs the dense GB kernel in Swift (spinesim bench kernel) and its C
# reference side by side: alternating, RUNS times each, medians of
# spine-steps per second. Fails if the checksums differ (then the two are not
# the same algorithm). Last line: "ratio swift/c = X.XX".
# usage: compare.sh SPINESIM C_KERNEL [SPINES] [STEPS] [RUNS]
set -euo pipefail
spinesim=$1 ckernel=$2 spines=${3:-100000} steps=${4:-3000} runs=${5:-3}
swift_rates=() c_rates=() swift_sum="" c_sum=""
field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" <<<"$2"; }
for ((i = 1; i <= runs; i++)); do
  s=$("$spinesim" bench kernel --spines "$spines" --steps "$steps")
  c=$("$ckernel" "$spines" "$steps")
  echo "$s"; echo "$c"
  swift_rates+=("$(field spine_steps_per_s "$s")"); c_rates+=("$(field spine_steps_per_s "$c")")
  swift_sum=$(field checksum "$s"); c_sum=$(field checksum "$c")
done
if [[ "$swift_sum" != "$c_sum" ]]; then
  echo "checksums differ: swift $swift_sum, c $c_sum: the kernels do not compute the same thing" >&2
  exit 1
fi
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
ms=$(median "${swift_rates[@]}") mc=$(median "${c_rates[@]}")
echo "checksums equal: $swift_sum"
printf 'swift median: %.3e spine-steps/s\nc median:     %.3e spine-steps/s\n' "$ms" "$mc"
awk -v s="$ms" -v c="$mc" 'BEGIN { printf "ratio swift/c = %.2f\n", s / c }'
