#!/bin/sh
# Per-epoch training time of Encore and the PyTorch reference, side by side in one run.
#
#   benchmarks/models.sh [DATA_DIR] [PYTHON]
#
# DATA_DIR (default ../shared/data) holds ml-1m-implicit/ratings.dat and ml-100k/u.data; PYTHON
# (default python3) must have torch: ../shared/peers/setup_venv.sh installs it. The reference,
# gpu_bench.py, is the PyTorch code in ../shared/peers, beside the repository.
# For each model the reference runs first, then Encore, both at 2 threads, at the reference's
# settings (gpu_bench.py: 1 warm-up epoch, median of 3 timed; encore bench model: median after a
# warm-up). JSON lines go to benchmarks/models.jsonl; the table is printed at the end.
set -e
cd "$(dirname "$0")/.."
data=${1:-../shared/data}
python=${2:-python3}
peers=$(cd ../shared/peers && pwd)
swift build -c release
out=benchmarks/models.jsonl
: > "$out"
for pair in multvae:mult-vae:ml-1m-implicit/ratings.dat multdae:mult-dae:ml-1m-implicit/ratings.dat \
            cdae:cdae:ml-1m-implicit/ratings.dat iautorec:i-autorec:ml-100k/u.data deeprec:deeprec:ml-100k/u.data; do
  ref=${pair%%:*}; rest=${pair#*:}; model=${rest%%:*}; file=${rest#*:}
  (cd "$peers" && "$python" gpu_bench.py --data "$OLDPWD/$data" --device cpu --threads 2 --models "$ref" \
      --epochs 3 --evals 1) | grep "^$ref {" | sed "s/^$ref {/{\"impl\": \"pytorch\", \"model\": \"$model\", /" >> "$out"
  .build/release/encore bench model "$model" --dataset "$data/$file" --threads 2 --epochs 4 --json \
      | sed 's/^{/{"impl": "encore", /' >> "$out"
done
python3 benchmarks/models_table.py "$out"
