#!/usr/bin/env bash
# GPU readiness check: on a machine with an NVIDIA GPU, runs the CUDA-accelerator tests of the ILGPU backend
# (forward, backward and the segmentation operations against the CPU results, tests/.../Rendering/CudaBackendTests.cs)
# and a short timing, then prints ONE summary line. Without a GPU the tests skip with a message (exit 0).
# Usage: scripts/gpu-check.sh            (from anywhere; builds the test project in Release, < 5 minutes)
set -uo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
gpu="none"
if command -v nvidia-smi >/dev/null 2>&1; then
  gpu=$(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -1)
  [ -n "$gpu" ] || gpu="nvidia-smi found, no GPU listed"
fi
if ! timeout 240 dotnet build tests/CoSeg.Core.Tests -c Release >"$out/build.log" 2>&1; then
  echo "gpu-check: FAIL build failed (GPU: $gpu); last lines:"; tail -20 "$out/build.log"; exit 1
fi
COSEG_GPU_TIMING_FILE="$out/timing.txt" timeout 240 dotnet test tests/CoSeg.Core.Tests -c Release --no-build \
  --filter "Category=Gpu" --logger "trx;LogFileName=gpu.trx" --results-directory "$out" >"$out/test.log" 2>&1
rc=$?
trx="$out/gpu.trx"
count() { grep -o "$1=\"[0-9]*\"" "$trx" 2>/dev/null | head -1 | grep -o '[0-9]*' || echo 0; }
total=$(count total); passed=$(count passed); failed=$(count failed)
skipped=$(( total - passed - failed ))
timing=$(cat "$out/timing.txt" 2>/dev/null || echo "no timing")
if [ ! -f "$trx" ]; then
  echo "gpu-check: FAIL test run did not finish (rc $rc, GPU: $gpu)"; tail -20 "$out/test.log"; exit 1
fi
if [ "$failed" != "0" ] || [ $rc -ne 0 ]; then status=FAIL; elif [ "$passed" = "0" ]; then status=SKIPPED; else status=OK; fi
reason=""
if [ "$status" = SKIPPED ]; then reason=" ($(grep -o 'no CUDA GPU[^<"]*\|CUDA accelerator could not start[^<"]*' "$trx" | head -1))"; fi
echo "gpu-check: $status | GPU: $gpu | CUDA tests: $passed passed, $failed failed, $skipped skipped$reason | $timing"
[ "$status" = FAIL ] && { grep -E "Failed |Error Message" -A3 "$out/test.log" | head -30; exit 1; }
exit 0
