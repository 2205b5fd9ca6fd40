#!/usr/bin/env bash
# Cost growth of the default OCR pipeline: runs `ocrserve bench --sweep` twice (the default
# detection limit of 1280 px, and the size sweep again at full resolution) and draws both sweeps
# with gnuplot (Debian: gnuplot-nox, installed by scripts/install_deps.sh) into docs/cost-curves.png.
#
#   bench/cost_curves.sh [OCRSERVE_BENCH_OPTIONS...]      e.g. -t 1 -n 5 (what docs/benchmarks.md ran)
#
# OCRSERVE: the binary (default build/ocrserve); COST_CURVES_DIR: where the CSV and JSON records
# and the sweeps' printed tables go (default build/cost-curves); COST_CURVES_PNG: the picture.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ocrserve=${OCRSERVE:-$root/build/ocrserve}
work=${COST_CURVES_DIR:-$root/build/cost-curves}
png=${COST_CURVES_PNG:-$root/docs/cost-curves.png}
command -v gnuplot >/dev/null || { echo "cost_curves: gnuplot is missing (apt-get install gnuplot-nox)" >&2; exit 1; }
[ -x "$ocrserve" ] || { echo "cost_curves: no $ocrserve (build it, or set OCRSERVE)" >&2; exit 1; }
mkdir -p "$work"

"$ocrserve" bench --sweep --csv "$work/default.csv" --json "$work/default.json" "$@" | tee "$work/default.txt"
echo
# Above 1280 px the detector's input stops growing; 2400 px lets the 4 MP page (1682x2378) in whole.
"$ocrserve" bench --sweep size --det-limit-side 2400 --csv "$work/full.csv" --json "$work/full.json" "$@" | tee "$work/full.txt"

# Rows of one sweep as whitespace-separated columns for gnuplot: megapixels, lines, then the CPU
# milliseconds of detection, recognition and the whole (the machine this runs on may be shared:
# CPU time leaves others' work out), then the wall-clock total.
for name in size lines; do
  awk -F, -v sweep="$name" '$1 == sweep { print $2, $5, $12, $13, $14, $11 }' "$work/default.csv" > "$work/$name.dat"
done
awk -F, '$1 == "size" { print $2, $5, $12, $13, $14, $11 }' "$work/full.csv" > "$work/size-full.dat"

gnuplot <<EOF
set terminal pngcairo size 1200,480 font ",10"
set output "$png"
set fit quiet
set fit logfile "/dev/null"
set multiplot layout 1,2 title "ocrserve default OCR pipeline: CPU time per image (median of runs)"
set grid
set key top left
set xlabel "megapixels (A4 page, 20 lines, text scaled with the page)"
set ylabel "CPU ms per image"
g(x) = c * x + d
fit g(x) "$work/size-full.dat" using 1:3 via c, d
plot "$work/size.dat" using 1:5 with linespoints lw 2 pt 7 title "total, detection limit 1280 px (default)", \
     "$work/size.dat" using 1:3 with linespoints lw 1 pt 6 dt 2 title "detection, limit 1280 px", \
     "$work/size-full.dat" using 1:5 with linespoints lw 2 pt 5 title "total, full resolution (limit 2400 px)", \
     "$work/size-full.dat" using 1:3 with points pt 4 title "detection, full resolution", \
     g(x) with lines dt 3 lc rgb "gray40" title sprintf("%.0f ms/MP + %.0f ms", c, d)
f(x) = a * x + b
fit f(x) "$work/lines.dat" using 2:5 via a, b
set xlabel "lines of text per page (2 MP page)"
plot "$work/lines.dat" using 2:5 with points pt 7 ps 1.2 title "total", \
     f(x) with lines dt 3 lc rgb "gray40" title sprintf("%.1f ms/line + %.0f ms", a, b), \
     "$work/lines.dat" using 2:4 with linespoints lw 1 pt 6 dt 2 title "recognition (+ cropping)", \
     "$work/lines.dat" using 2:3 with linespoints lw 1 pt 4 dt 2 title "detection"
unset multiplot
EOF
echo "cost_curves: wrote $png (records in $work)"
